"""`corridor iso ...` on the shared samples and on its own examples, as an integrator runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _iso_shared import shared_dir
from typer.testing import CliRunner

from corridor.cli.main import app

RUNNER = CliRunner()

# Schema-valid samples that Corridor's business rules refuse, with the reason (checked by
# hand: the IBANs fail ISO 13616 mod-97, the pacs.004 CreDtTm says 2028 for a 2025 return).
BUSINESS_INVALID = {
    "camt.053/iso20022js_nordea_example_camt.xml": "AC01",
    "pacs.004/fedwire_Investigations_Scenario2_Step5_pacs.004.xml": "DT01",
    "pacs.004/fedwire_PaymentReturn_Scenario1_Step4_pacs.004.xml": "DT01",
    "pacs.004/fedwire_PaymentReturn_Scenario4_Step2_pacs.004.xml": "DT01",
    "pacs.008/fedwire_CustomerCreditTransfer_Variation5_pacs.008.xml": "AC01",
    "pacs.008/fedwire_CustomerCreditTransfer_Variation6_pacs.008.xml": "AC01",
    "pacs.008/fedwire_PaymentReturn_Scenario5_Step1_pacs.008.xml": "AC01",
}


def _samples() -> Path:
    samples = shared_dir() / "iso20022" / "samples"
    if not (samples / "manifest.json").is_file():
        pytest.skip(f"shared ISO 20022 samples absent at {samples} (CI provides ../shared)")
    return samples


def test_validate_every_shared_sample_matches_the_official_verdict() -> None:
    samples = _samples()
    manifest = json.loads((samples / "manifest.json").read_text())
    files = [str(samples / entry["file"]) for entry in manifest]
    result = RUNNER.invoke(app, ["iso", "validate", "--json", *files])
    assert result.exit_code == 1  # some samples are invalid on purpose
    verdicts = {
        Path(v["file"]).relative_to(samples).as_posix(): v
        for v in json.loads(result.stdout)["files"]
    }
    for entry in manifest:
        verdict = verdicts[entry["file"]]
        expected = entry["xsd_valid"] and entry["file"] not in BUSINESS_INVALID
        assert verdict["valid"] is expected, (entry["file"], verdict["problems"][:2])
        if not verdict["valid"]:
            assert verdict["problems"][0]["message"]
        if entry["file"] in BUSINESS_INVALID:
            assert verdict["reason"] == BUSINESS_INVALID[entry["file"]]


def test_validate_exit_status_and_human_output(tmp_path: Path) -> None:
    good = tmp_path / "good.xml"
    good.write_bytes(RUNNER.invoke(app, ["iso", "example", "pacs.008"]).stdout_bytes)
    ok = RUNNER.invoke(app, ["iso", "validate", str(good)])
    assert ok.exit_code == 0 and ok.stdout.startswith("VALID")
    bad = tmp_path / "bad.xml"
    bad.write_bytes(good.read_bytes().replace(b"<NbOfTxs>1<", b"<NbOfTxs>2<"))
    refused = RUNNER.invoke(app, ["iso", "validate", str(good), str(bad)])
    assert refused.exit_code == 1
    assert "INVALID" in refused.stdout and "AM18" in refused.stdout


def test_inspect_shared_sample_prints_records_as_json() -> None:
    sample = _samples() / "pacs.008" / "cbpr-ur_pacs008_credit_transfer_sample.xml"
    result = RUNNER.invoke(app, ["iso", "inspect", str(sample)])
    assert result.exit_code == 0, result.stdout
    shown = json.loads(result.stdout)
    tx = shown["body"]["transactions"][0]
    assert shown["message"] == "pacs.008.001.08"
    assert tx["amount_minor"] == 75_000_000 and tx["currency"] == "EUR"
    assert tx["uetr"] == "a1b2c3d4-e5f6-4890-abcd-ef1234567890"
    assert shown["header"]["from_agent"]["bic"] == "FNTXDE2X"


@pytest.mark.parametrize("kind", ["pacs.008", "pacs.002", "camt.053", "admi.002"])
def test_examples_are_valid(kind: str, tmp_path: Path) -> None:
    path = tmp_path / f"{kind}.xml"
    path.write_bytes(RUNNER.invoke(app, ["iso", "example", kind]).stdout_bytes)
    assert RUNNER.invoke(app, ["iso", "validate", str(path)]).exit_code == 0


def test_keygen_sign_verify(tmp_path: Path) -> None:
    key = tmp_path / "bank.key"
    assert RUNNER.invoke(app, ["iso", "keygen", str(key)]).exit_code == 0
    public = tmp_path / "bank.key.pub.pem"
    message = tmp_path / "m.xml"
    message.write_bytes(RUNNER.invoke(app, ["iso", "example", "pacs.008"]).stdout_bytes)
    signed = tmp_path / "signed.xml"
    assert (
        RUNNER.invoke(
            app, ["iso", "sign", str(message), "--key", str(key), "-o", str(signed)]
        ).exit_code
        == 0
    )
    assert RUNNER.invoke(app, ["iso", "verify", str(signed), "--key", str(public)]).exit_code == 0
    assert RUNNER.invoke(app, ["iso", "validate", str(signed), "--key", str(public)]).exit_code == 0
    signed.write_bytes(signed.read_bytes().replace(b"E2E-1<", b"E2E-9<"))
    failed = RUNNER.invoke(app, ["iso", "verify", str(signed), "--key", str(public)])
    assert failed.exit_code == 1 and "DS0B" in failed.stdout
