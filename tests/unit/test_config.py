"""The network file: every problem names the file, the field and what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from corridor.bootstrap import load_network_config
from corridor.foundation.errors import ConfigError

GOOD = """
name = "Test network"
[[currencies]]
code = "INR"
settlement_agent = "INCBINBB"
[[participants]]
bic = "GANGINBB"
name = "Ganges Bank"
country = "IN"
[[participants.accounts]]
currency = "INR"
opening_balance = "1000.00"
credit_line = "50.00"
"""


def _write(tmp_path: Path, text: str, name: str = "network.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_good_file_loads(tmp_path: Path) -> None:
    config = load_network_config(_write(tmp_path, GOOD))
    assert config.participants[0].accounts[0].opening_balance == "1000.00"


def test_yaml_is_accepted(tmp_path: Path) -> None:
    text = """
name: Test network
currencies: [{code: INR, settlement_agent: INCBINBB}]
participants:
  - {bic: GANGINBB, name: Ganges Bank, country: IN, accounts: [{currency: INR}]}
"""
    assert load_network_config(_write(tmp_path, text, "n.yaml")).name == "Test network"


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        (('code = "INR"', 'code = "XYZ"'), "currencies[0].code", "unknown ISO 4217 currency"),
        (
            ('settlement_agent = "INCBINBB"', 'settlement_agent = "INCB"'),
            "currencies[0].settlement_agent",
            "is not a BIC",
        ),
        (
            ('opening_balance = "1000.00"', 'opening_balance = "1000.001"'),
            "participants[0].accounts[0].opening_balance",
            "3 fraction digits; INR allows 2",
        ),
        (
            ('credit_line = "50.00"', 'credit_line = "-50"'),
            "participants[0].accounts[0].credit_line",
            "not a plain decimal",
        ),
        (
            ('currency = "INR"', 'currency = "BRL"'),
            "(top level)",
            "participants[0].accounts[0].currency: 'BRL' is not one of the network's currencies",
        ),
        (('country = "IN"', 'country = "India"'), "participants[0].country", "pattern"),
        (
            ('name = "Ganges Bank"', 'name = "Ganges Bank"\ncolour = "blue"'),
            "participants[0].colour",
            "Extra inputs are not permitted",
        ),
    ],
)
def test_bad_fields_are_named(
    tmp_path: Path, change: tuple[str, str], field: str, fragment: str
) -> None:
    path = _write(tmp_path, GOOD.replace(*change))
    with pytest.raises(ConfigError) as caught:
        load_network_config(path)
    assert caught.value.file == str(path)
    assert caught.value.field == field
    assert fragment in str(caught.value)


def test_syntax_errors_and_wrong_suffix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_network_config(_write(tmp_path, "name = ", "bad.toml"))
    with pytest.raises(ConfigError, match=r"must end in \.toml"):
        load_network_config(_write(tmp_path, GOOD, "network.ini"))
    with pytest.raises(ConfigError, match="cannot read"):
        load_network_config(tmp_path / "missing.toml")
    with pytest.raises(ConfigError, match="top level"):
        load_network_config(_write(tmp_path, "- a\n- b\n", "list.yaml"))
