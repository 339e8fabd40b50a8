"""The client's queue, report, FX, business-day, four-eyes and audit calls, and the CLI
commands on top of them (`participant quote|report|queue|priority`, `send --quote`,
`operator ...`), against the real app in this process (InProcessTransport)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from tests.integration.test_client_world import (
    BANK_A,
    BANK_B,
    OPERATOR,
    ClientWorld,
    make_client_world,
)
from typer.testing import CliRunner

from corridor.cli import participant as participant_cli
from corridor.cli.main import app
from corridor.client import (
    CorridorApiError,
    CorridorClient,
    RateTier,
    compose_fx_transfer,
    sign_message,
)
from corridor.client.testing import InProcessTransport
from corridor.crypto.keys import private_key_pem
from corridor.foundation.errors import InputError
from corridor.foundation.money import format_amount
from corridor.hub.security import Role

PROVIDER, CNY_BANK, COMPLIANCE = "SILKHKHH", "HANGCNSH", "compliance-carol"
RUNNER = CliRunner()
LOG_LINE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \[")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClientWorld]:
    world = make_client_world(tmp_path_factory.mktemp("client_more"))
    hub = world.hub
    for principal in (PROVIDER, CNY_BANK):
        world.tokens[principal] = hub.issue_credential(principal, Role.participant)
    world.tokens[COMPLIANCE] = hub.issue_credential(COMPLIANCE, Role.compliance)
    with InProcessTransport(world.app) as transport:
        world.transport = transport
        now = datetime.now(UTC)
        tier = RateTier(
            "CNY",
            "INR",
            Decimal("11.5312345678"),
            Decimal("11.6412345678"),
            1,
            10**12,
            10**13,
            now - timedelta(minutes=1),
            now + timedelta(days=1),
        )
        world.client(PROVIDER).publish_rates([tier])
        yield world


def _available(client: CorridorClient, currency: str = "INR") -> int:
    balance = next(b for b in client.balances() if b.currency == currency)
    assert balance.floor_minor is not None
    return balance.available_minor - balance.floor_minor


def test_publish_quote_pay_and_read_fx_reports(world: ClientWorld) -> None:
    a, ops = world.client(BANK_A), world.client(OPERATOR)
    quote = a.quote(CNY_BANK, "INR", "CNY", "200000.00")
    assert (quote.status, quote.source_minor) == ("locked", 200_000_00)
    assert quote.legs[0].provider == PROVIDER
    assert isinstance(quote.rate, Decimal) and quote.debtor_total_minor > quote.source_minor
    assert a.get_quote(quote.id) == quote
    xml = compose_fx_transfer(
        quote, debtor_name="Ganges Textiles", creditor_name="Hangzhou Buyer", hub_bic="CRDRSGSG"
    )
    answer = a.send(sign_message(xml, world.keys[BANK_A]))
    assert answer.status == "ACSC", answer.detail
    assert a.get_quote(quote.id).status == "settled"
    now = datetime.now(UTC)
    report = world.client(CNY_BANK).report(
        "camt.052", "CNY", now - timedelta(hours=1), now + timedelta(seconds=1)
    )
    assert report.kind.startswith("camt.052")
    assert format_amount(quote.target_minor, "CNY").encode() in report.payload
    volumes = ops.fx_volumes(now - timedelta(days=1), now + timedelta(days=1))
    assert [(v.provider, v.trades) for v in volumes] == [(PROVIDER, 1)]
    assert [(e.provider, e.base) for e in ops.fx_exposure()] == [(PROVIDER, "CNY")]
    with pytest.raises(CorridorApiError) as refused:
        a.quote("AMAZBRSP", "INR", "BRL", "100.00")
    assert (refused.value.status, refused.value.code) == (409, "no_rate")
    with pytest.raises(InputError):
        a.quote(CNY_BANK, "INR", "CNY", "1.00", fixed_side="BOTH")


def test_queue_reprioritise_gridlock_and_day(world: ClientWorld) -> None:
    a, b, ops = world.client(BANK_A), world.client(BANK_B), world.client(OPERATOR)
    over = 1_000_00
    ab = a.send(world.payment(BANK_A, BANK_B, f"{(_available(a) + over) / 100:.2f}"))
    ba = b.send(world.payment(BANK_B, BANK_A, f"{(_available(b) + over) / 100:.2f}"))
    assert (ab.status, ba.status) == ("PDNG", "PDNG")
    (mine,) = a.queue("INR")
    assert (mine.uetr, mine.priority) == (ab.uetrs[0], "NORM")
    change = a.reprioritise(mine.uetr, "HIGH")
    assert change.changed and change.payment is not None and change.payment.priority == "HIGH"
    assert {p.uetr for p in ops.queues("INR")} == {ab.uetrs[0], ba.uetrs[0]}
    report = ops.gridlock("INR")
    assert (report.settled_count, report.queued_count) == (2, 2)
    assert a.track(ab.uetrs[0]).state == "SETTLED" and ops.queues() == []
    days = ops.day_states()
    assert sorted(d.currency for d in days) == ["BRL", "CNY", "INR", "RUB", "ZAR"]
    assert ops.cut_off("BRL").rejected == 0
    ended = ops.end_of_day("ZAR")
    assert ended.currency == "ZAR" and ended.statements >= 1
    with pytest.raises(CorridorApiError) as refused:
        world.client("auditor").gridlock("INR")
    assert refused.value.status == 403


def test_four_eyes_and_audit(world: ClientWorld) -> None:
    ops, compliance = world.client(OPERATOR), world.client(COMPLIANCE)
    approval = ops.request_approval("fund", {"bic": BANK_A, "currency": "INR", "amount": "10.00"})
    assert approval.status == "pending" and approval.id in [x.id for x in ops.approvals()]
    with pytest.raises(CorridorApiError) as same_user:
        ops.approve(approval.id)
    assert same_user.value.param == "approved_by"
    decision = compliance.approve(approval.id)
    assert (decision.result, decision.approval.status) == ("ok", "approved")
    refused = compliance.refuse(
        ops.request_approval("extend_cut_off", {"currency": "INR", "minutes": 5}).id
    )
    assert refused.approval.status == "refused" and refused.result is None
    page = ops.audit(0, 1000)
    assert {"request:fund", "approve:fund", "refuse:extend_cut_off"} <= {
        e.action for e in page.entries
    }
    check = world.client("auditor").audit_verify()
    assert check.ok and check.entries == len(page.entries)


@pytest.fixture
def cli(world: ClientWorld, monkeypatch: pytest.MonkeyPatch) -> ClientWorld:
    """The CLI's `connect` reaches the in-process app."""

    def connect(url: str, token: str | None) -> CorridorClient:
        assert token
        return CorridorClient(url, token, transport=world.transport)

    monkeypatch.setattr(participant_cli, "connect", connect)
    return world


def _run(world: ClientWorld, who: str, *args: str) -> tuple[int, str]:
    """Exit code and output, without the in-process app's request log lines."""
    env = {"CORRIDOR_URL": world.base_url, "CORRIDOR_TOKEN": world.tokens[who]}
    result = RUNNER.invoke(app, list(args), env=env)
    lines = [line for line in result.output.splitlines() if not LOG_LINE.match(line)]
    return result.exit_code, "\n".join(lines)


def test_cli_quote_then_send_with_the_quote(cli: ClientWorld, tmp_path: Path) -> None:
    key = tmp_path / "a.pem"
    key.write_bytes(private_key_pem(cli.keys[BANK_A]))
    code, out = _run(
        cli, BANK_A, "participant", "quote", "--to", CNY_BANK, "--from-ccy", "INR",
        "--to-ccy", "CNY", "--amount", "100.00", "--json",
    )  # fmt: skip
    assert code == 0, out
    quote = json.loads(out)
    assert quote["source_minor"] == 100_00 and quote["status"] == "locked"
    code, out = _run(
        cli, BANK_A, "participant", "send", "--quote", quote["id"], "--key", str(key),
        "--hub-bic", "CRDRSGSG", "--json",
    )  # fmt: skip
    assert code == 0, out
    assert json.loads(out)["status"] == "ACSC"
    code, out = _run(cli, BANK_A, "participant", "send", "--quote", quote["id"], "--key", str(key))
    assert code == 1 and "quote_consumed" in out  # a quote pays once
    code, out = _run(cli, BANK_A, "participant", "quote", "--to", CNY_BANK, "--from-ccy", "INR",
                     "--to-ccy", "CNY", "--amount", "5.00", "--receive")  # fmt: skip
    assert code == 0 and "receives 5.00 CNY" in out, out


def test_cli_report_queue_and_operator_commands(cli: ClientWorld, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    start, end = (now - timedelta(hours=1)).isoformat(), (now + timedelta(seconds=1)).isoformat()
    saved = tmp_path / "statement.xml"
    code, out = _run(
        cli, BANK_B, "participant", "report", "--kind", "camt.053", "--currency", "INR",
        "--from", start, "--to", end, "--save", str(saved),
    )  # fmt: skip
    assert code == 0, out
    assert b"camt.053" in saved.read_bytes()
    code, out = _run(cli, BANK_B, "participant", "queue", "--json")
    assert (code, json.loads(out)) == (0, [])
    code, out = _run(cli, OPERATOR, "operator", "day", "--json")
    assert code == 0 and {d["currency"] for d in json.loads(out)} >= {"INR", "CNY"}
    code, out = _run(cli, OPERATOR, "operator", "request", "set_credit_line",
                     json.dumps({"bic": BANK_B, "currency": "INR", "credit_line": "5000000.00"}),
                     "--json")  # fmt: skip
    assert code == 0, out
    approval_id = json.loads(out)["id"]
    code, out = _run(cli, OPERATOR, "operator", "approvals", "--json")
    assert code == 0 and approval_id in [a["id"] for a in json.loads(out)]
    code, out = _run(cli, OPERATOR, "operator", "approve", approval_id)
    assert code == 1 and "four eyes" in out
    code, out = _run(cli, COMPLIANCE, "operator", "approve", approval_id, "--json")
    assert code == 0 and json.loads(out)["result"] == "ok"
    code, out = _run(cli, "auditor", "operator", "audit", "--verify")
    assert code == 0 and "0 problem(s)" in out
    code, out = _run(cli, OPERATOR, "operator", "gridlock", "INR", "--json")
    assert code == 0 and json.loads(out)["currency"] == "INR"
    code, out = _run(cli, OPERATOR, "operator", "cut-off", "XXX")
    assert code == 1 and "404" in out
    code, out = _run(cli, OPERATOR, "operator", "request", "fund", "not json")
    assert code == 2 and "params" in out
