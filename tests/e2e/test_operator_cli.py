"""`corridor participants ...` on a database, through the real command line (CliRunner)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from corridor.bootstrap import HubSettings, build_hub, load_network_config
from corridor.cli.demo import example_config_path
from corridor.cli.main import app
from corridor.crypto.keys import fingerprint, generate_private_key, public_key_pem
from corridor.hub.security import Principal, Role

RUNNER = CliRunner()


@pytest.fixture
def database(tmp_path: Path) -> str:
    """A database holding the example network (what `corridor init` plus the directory give)."""
    url = str(tmp_path / "hub.db")
    hub = build_hub(HubSettings(database_url=url))
    assert not hub.load_network(load_network_config(example_config_path())).failures
    return url


def run(*args: str) -> tuple[int, str]:
    result = RUNNER.invoke(app, list(args))
    return result.exit_code, result.output


def run_json(*args: str) -> object:
    result = RUNNER.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_list_shows_the_directory(database: str) -> None:
    rows = run_json("participants", "list", "--database", database)
    assert isinstance(rows, list) and len(rows) == 21
    by_bic = {r["bic"]: r for r in rows}
    assert by_bic["SILKHKHH"]["kind"] == "fx_provider"
    assert by_bic["SILKHKHH"]["currencies"] == ["BRL", "CNY", "INR", "RUB", "ZAR"]
    assert by_bic["GANGINBB"]["key_fingerprint"] is None
    code, output = run("participants", "list", "--database", database)
    assert code == 0 and "GANGINBB" in output and "fx_provider" in output


def test_onboard_with_accounts_and_key(database: str, tmp_path: Path) -> None:
    key = generate_private_key()
    pub = tmp_path / "malabar.pub.pem"
    pub.write_bytes(public_key_pem(key.public_key()))
    answer = run_json(
        "participants",
        "onboard",
        "MALABINB",
        "--name",
        "Malabar Bank",
        "--country",
        "IN",
        "--account",
        "INR:2500000.00",
        "--account",
        "CNY",
        "--key",
        str(pub),
        "--database",
        database,
    )
    assert answer == {
        "bic": "MALABINB",
        "accounts": [
            {"currency": "INR", "credit_line": "2500000.00", "result": "ok"},
            {"currency": "CNY", "credit_line": "0.00", "result": "ok"},
        ],
    }
    rows = {r["bic"]: r for r in run_json("participants", "list", "--database", database)}  # type: ignore[union-attr]
    assert rows["MALABINB"]["currencies"] == ["CNY", "INR"]
    assert rows["MALABINB"]["key_fingerprint"] == fingerprint(key.public_key())
    hub = build_hub(HubSettings(database_url=database))
    operator = Principal("ops", Role.operator)
    floors = {b.currency: b.floor_minor for b in hub.balances(operator, "MALABINB")}
    assert floors == {"INR": -250_000_000, "CNY": 0}


def test_onboard_again_is_idempotent_but_a_new_credit_line_is_refused(database: str) -> None:
    args = [
        "participants",
        "onboard",
        "MALABINB",
        "--name",
        "Malabar Bank",
        "--country",
        "IN",
        "--database",
        database,
    ]
    assert run(*args, "--account", "INR:100.00")[0] == 0
    code, output = run(*args, "--account", "INR:100.00")
    assert code == 0 and "1 account(s) opened" in output
    code, output = run(*args, "--account", "INR:999.00")
    assert code == 1 and "account INR not opened: id_reused" in output


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["NOTABIC!", "--name", "X", "--country", "IN"], "bic"),
        (["MALABINB", "--name", "X", "--country", "India"], "country"),
        (["MALABINB", "--name", "X", "--country", "IN", "--account", "INR:1.005"], "account"),
        (["MALABINB", "--name", "X", "--country", "IN", "--account", "XYZ:1"], "currency"),
        (["MALABINB", "--name", "X", "--country", "IN", "--key", "/nonexistent/k.pem"], "key"),
        (["MALABINB", "--name", "X", "--country", "IN", "--kind", "indirect"], "settles_through"),
    ],
)
def test_onboard_refuses_bad_input_naming_the_field(
    database: str, args: list[str], field: str
) -> None:
    code, output = run("participants", "onboard", *args, "--database", database)
    assert code == 2, output
    assert f"{field}:" in output
    rows = run_json("participants", "list", "--database", database)
    assert "MALABINB" not in {r["bic"] for r in rows}  # type: ignore[union-attr]


def test_suspend_reinstate_close(database: str) -> None:
    for command, status in (("suspend", "suspended"), ("reinstate", "active"), ("close", "closed")):
        assert run_json("participants", command, "KONKINBB", "--database", database) == {
            "bic": "KONKINBB",
            "status": status,
        }
    code, output = run("participants", "suspend", "ZZZZINBB", "--database", database)
    assert code == 2 and "bic: no such participant" in output


def test_register_key(database: str, tmp_path: Path) -> None:
    key = generate_private_key()
    pub = tmp_path / "bank.pub.pem"
    pub.write_bytes(public_key_pem(key.public_key()))
    answer = run_json("participants", "register-key", "GANGINBB", str(pub), "--database", database)
    assert answer == {"bic": "GANGINBB", "key_fingerprint": fingerprint(key.public_key())}
    code, output = run(
        "participants",
        "register-key",
        "GANGINBB",
        str(tmp_path / "none.pem"),
        "--database",
        database,
    )
    assert code == 2 and "key: cannot read" in output
    junk = tmp_path / "junk.pem"
    junk.write_text("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n")
    code, output = run(
        "participants", "register-key", "GANGINBB", str(junk), "--database", database
    )
    assert code == 2 and "public_key" in output


def test_credential_token_authenticates(database: str) -> None:
    result = RUNNER.invoke(app, ["participants", "credential", "DECCINBB", "--database", database])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert token.startswith("crd_") and "shown once" in result.output
    answer = run_json(
        "participants", "credential", "ops-carol", "--role", "operator", "--database", database
    )
    assert isinstance(answer, dict) and answer["role"] == "operator"
    hub = build_hub(HubSettings(database_url=database))
    assert hub.credentials.authenticate(token) is not None
    principal = hub.credentials.authenticate(answer["token"])
    assert principal is not None and (principal.name, principal.role) == (
        "ops-carol",
        Role.operator,
    )
    code, output = run("participants", "credential", "ZZZZINBB", "--database", database)
    assert code == 2 and "no such participant" in output


def test_export_json_and_csv(database: str, tmp_path: Path) -> None:
    code, output = run("participants", "export", "--database", database)
    assert code == 0
    rows = json.loads(output)
    assert len(rows) == 21 and rows[0]["bic"] == "AMAZBRSP"
    target = tmp_path / "directory.csv"
    code, output = run(
        "participants", "export", "--format", "csv", "-o", str(target), "--database", database
    )
    assert code == 0 and "21 participants" in output
    table = list(csv.DictReader(io.StringIO(target.read_text())))
    assert len(table) == 21
    assert table[0]["bic"] == "AMAZBRSP" and table[0]["status"] == "active"
    assert next(r for r in table if r["bic"] == "SILKHKHH")["currencies"] == "BRL CNY INR RUB ZAR"
    code, output = run("participants", "export", "--format", "xml", "--database", database)
    assert code == 2 and "--format" in output
