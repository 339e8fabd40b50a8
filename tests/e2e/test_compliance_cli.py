"""The client's compliance calls and `corridor compliance ...` against the real app in this
process (InProcessTransport): list, explain, export, release with four eyes, reject,
reload the lists."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.e2e.test_api_compliance import LIST_ROWS, NEW_ROW, store_list
from tests.support.hub import BANK_A, BANK_B, HubWorld, make_world
from typer.testing import CliRunner

from corridor.api import create_app
from corridor.cli import participant as participant_cli
from corridor.cli.main import app
from corridor.client import CorridorApiError, CorridorClient, RetryPolicy
from corridor.client.testing import InProcessTransport
from corridor.foundation.errors import InputError
from corridor.hub.security import Role
from corridor.iso20022.records import CreditTransfer, Party

BASE_URL = "http://hub.test"
OFFICER_1, OFFICER_2, OPERATOR, AUDITOR = "olga", "omar", "ops", "audit"
RUNNER = CliRunner()
LOG_LINE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \[")


@dataclass
class Desk:
    world: HubWorld
    lists: Path
    transport: InProcessTransport
    tokens: dict[str, str]

    def client(self, who: str) -> CorridorClient:
        return CorridorClient(
            BASE_URL, self.tokens[who], transport=self.transport, retry=RetryPolicy(1)
        )

    def pay(self, creditor_name: str, amount_minor: int = 1_000_00) -> tuple[str, str]:
        """BANK_A pays BANK_B for `creditor_name` over HTTP: (answer status, UETR)."""
        data, (uetr,) = self.world.credit_transfer(BANK_A, BANK_B, [amount_minor])
        body = self.world.hub.take(BANK_A, data).parsed.body  # type: ignore[union-attr]
        assert isinstance(body, CreditTransfer)
        renamed = dataclasses.replace(
            body.transactions[0], creditor=Party(name=creditor_name, country="FI")
        )
        signed = self.world.sign(BANK_A, dataclasses.replace(body, transactions=(renamed,)))
        with self.client(BANK_A) as bank:
            return bank.send(signed).status, uetr


@pytest.fixture
def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Desk]:
    lists = store_list(tmp_path / "lists", LIST_ROWS)
    world = make_world(tmp_path, watchlists_dir=lists)
    hub = world.hub
    tokens = {
        BANK_A: hub.issue_credential(BANK_A, Role.participant),
        OFFICER_1: hub.issue_credential(OFFICER_1, Role.compliance),
        OFFICER_2: hub.issue_credential(OFFICER_2, Role.compliance),
        OPERATOR: hub.issue_credential(OPERATOR, Role.operator),
        AUDITOR: hub.issue_credential(AUDITOR, Role.auditor),
    }
    app_ = create_app(hub, watchlists_dir=lists, tick_interval_ms=0, gridlock_interval_ms=0)
    with InProcessTransport(app_) as transport:

        def connect(url: str, token: str | None) -> CorridorClient:
            assert token
            return CorridorClient(url, token, transport=transport)

        monkeypatch.setattr(participant_cli, "connect", connect)
        yield Desk(world, lists, transport, tokens)


def _run(desk: Desk, who: str, *args: str) -> tuple[int, str]:
    """Exit code and output, without the in-process app's request log lines."""
    env = {"CORRIDOR_URL": BASE_URL, "CORRIDOR_TOKEN": desk.tokens[who]}
    result = RUNNER.invoke(app, list(args), env=env)
    lines = [line for line in result.output.splitlines() if not LOG_LINE.match(line)]
    return result.exit_code, "\n".join(lines)


def test_client_cases_release_reject_and_reload(desk: Desk) -> None:
    assert desk.pay("Korvenmaa Heavy Trading Oy")[0] == "PDNG"
    status, rejected_uetr = desk.pay("Baltazar Ostrova")
    assert status == "PDNG"
    with desk.client(OFFICER_1) as olga, desk.client(OFFICER_2) as omar:
        first, second = olga.cases(status="open")
        assert first.explanation is None and "TST-1" in first.summary
        explained = olga.case(first.id).explanation
        assert explained is not None and explained.hits[0].entry == "national:TST-1"
        assert explained.hits[0].score >= explained.hits[0].threshold
        assert explained.lists_used == {"national": explained.hits[0].version}

        approval = olga.request_release(first.uetr, "false positive")
        assert approval.action == "release_hold" and approval.status == "pending"
        with pytest.raises(CorridorApiError) as own:
            olga.approve(approval.id)
        assert own.value.status == 400 and "four eyes" in own.value.message
        assert omar.approve(approval.id).result == "settled"
        rejected = omar.reject_hold(second.uetr, "confirmed match")
        assert (rejected.status, rejected.decided_by) == ("rejected", OFFICER_2)
        assert rejected.uetr == rejected_uetr

        assert [c.status for c in olga.cases()] == ["released", "rejected"]
        rows = list(csv.DictReader(io.StringIO(olga.export_cases("csv"))))
        assert [r["status"] for r in rows] == ["released", "rejected"]
        exported = json.loads(olga.export_cases("json", status="released"))["data"]
        assert [c["uetr"] for c in exported] == [first.uetr]
        with pytest.raises(InputError, match="note"):
            olga.reject_hold(second.uetr, "  ")
        with pytest.raises(InputError, match="status"):
            olga.cases(status="closed")

    store_list(desk.lists, LIST_ROWS + NEW_ROW)
    with desk.client(OPERATOR) as ops:
        report = ops.reload_lists()
    assert (report.lists, report.queued_now_held, report.held_rescreened) == (("national",), 0, 0)


def test_cli_list_explain_release_reject_export(desk: Desk, tmp_path: Path) -> None:
    _, held = desk.pay("KHT Trading")
    _, other = desk.pay("Baltazar Quennell Ostrova")
    code, out = _run(desk, AUDITOR, "compliance", "cases", "--status", "open", "--json")
    assert code == 0, out
    listed = json.loads(out)
    assert [c["uetr"] for c in listed] == [held, other]
    env = {"CORRIDOR_URL": BASE_URL, "CORRIDOR_TOKEN": desk.tokens[AUDITOR]}
    first = RUNNER.invoke(app, ["compliance", "cases", "--limit", "1", "--json"], env=env)
    printed = [line for line in first.stdout.splitlines() if not LOG_LINE.match(line)]
    assert [c["uetr"] for c in json.loads("\n".join(printed))] == [held]  # a plain list
    cursor = first.stderr.split("more cases: --after ")[1].split()[0]
    code, out = _run(desk, AUDITOR, "compliance", "cases", "--after", cursor, "--json")
    assert code == 0 and [c["uetr"] for c in json.loads(out)] == [other], out
    code, out = _run(desk, AUDITOR, "compliance", "case", listed[0]["id"])
    assert code == 0 and "national:TST-1" in out and "creditor.name" in out, out

    code, out = _run(desk, OFFICER_1, "compliance", "release", held, "--note", "checked", "--json")
    assert code == 0, out
    approval_id = json.loads(out)["id"]
    code, out = _run(desk, OFFICER_1, "operator", "approve", approval_id)
    assert code == 1 and "four eyes" in out
    code, out = _run(desk, OFFICER_2, "operator", "approve", approval_id)
    assert code == 0 and "settled" in out, out

    code, out = _run(desk, OFFICER_2, "compliance", "reject", other, "--note", "confirmed")
    assert code == 0 and "rejected" in out, out
    code, out = _run(desk, OPERATOR, "compliance", "reject", other, "--note", "x")
    assert code == 1 and "403" in out

    saved = tmp_path / "cases.csv"
    code, out = _run(desk, AUDITOR, "compliance", "cases", "--export", "csv", "-o", str(saved))
    assert code == 0, out
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert [(r["uetr"], r["status"]) for r in rows] == [(held, "released"), (other, "rejected")]
    code, out = _run(desk, AUDITOR, "compliance", "cases", "--export", "xml")
    assert code == 2 and "format" in out

    code, out = _run(desk, OPERATOR, "compliance", "reload")
    assert code == 0 and "lists in force: national" in out, out
