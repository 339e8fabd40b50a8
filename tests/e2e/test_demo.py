"""The demo end to end: a real `corridor serve` process, the day's scenes over HTTP
through the client SDK (trade, over-limit, FX with a bridge, gridlock, holds, end of day),
the summary and the ledger verification."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from io import StringIO
from pathlib import Path

import pytest

from corridor.cli import _common
from corridor.cli.demo import day_problems, run_demo
from corridor.cli.serve import settings_for
from corridor.client import AuditEntry
from corridor.foundation.errors import InputError
from corridor.iso20022.records import Account, AccountReport, Balance, Entry
from corridor.simulation import Flaw, HubServer, ServeOptions, prepare_network, trade_day
from corridor.simulation.compliance_scenes import DEMO_WATCH_LIST, HELD_PAYMENTS
from corridor.simulation.day import DayOptions
from corridor.simulation.fx_scenes import PAYMENTS, RATES
from corridor.simulation.liquidity_scenes import RING, gridlock_totals, reconciles
from corridor.simulation.traffic import FLAW_EVERY, REFUSED_FLAWS

MESSAGES = 3 * FLAW_EVERY + 10  # every refusal flaw once


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, object, str]:
    capture = pytest.MonkeyPatch()
    workdir = tmp_path_factory.mktemp("demo") / "var" / "demo"
    buffer = StringIO()
    # `_file`, not the `file` property: undo must put back None (follow sys.stdout), not
    # whatever stream sys.stdout happened to be while the fixture ran.
    capture.setattr(_common.console, "_file", buffer)
    try:
        summary, audit = run_demo(workdir, DayOptions(messages=MESSAGES, seed=7, senders=4))
    finally:
        capture.undo()
    return summary, audit, buffer.getvalue()


def test_every_message_is_answered_and_payments_settle_per_corridor(demo_run) -> None:
    summary, _, _ = demo_run
    assert summary.messages >= MESSAGES  # the trade day plus the over-limit scene
    assert summary.statuses["ACSC"] > 0.9 * MESSAGES
    per_currency = summary.per_currency()
    assert set(per_currency) == {"BRL", "CNY", "INR", "RUB", "ZAR"}
    for currency, total in per_currency.items():
        assert total.payments > 0, currency
        assert total.value_minor > 0, currency
    for (_, sender, receiver), corridor in summary.corridors.items():
        assert sender != receiver
        assert corridor.payments > 0


def test_deliberate_mistakes_are_refused_with_their_reason(demo_run) -> None:
    summary, _, _ = demo_run
    expected = {flaw.value: 1 for flaw in REFUSED_FLAWS}
    over_limit = {Flaw.over_limit.value: 2}
    assert dict(summary.expected_refusals) == expected | over_limit
    queued = bool(summary.queued)  # a hub with liquidity queues queues them instead
    assert dict(summary.refused) == (expected if queued else expected | over_limit)


def test_over_limit_payments_are_queued_then_cancelled_or_refused(demo_run) -> None:
    summary, _, _ = demo_run
    over_limit = 2
    if summary.queued:  # a hub with liquidity queues
        assert len(summary.queued) == over_limit
        assert summary.cancelled == summary.queued
    else:
        assert summary.refused[Flaw.over_limit.value] == over_limit


def test_receivers_acknowledge_every_settled_payment_and_tracking_shows_it(demo_run) -> None:
    summary, _, _ = demo_run
    fx_settled = [p for p in summary.fx.payments if p.status == "ACSC"]
    assert len(summary.to_deliver) == summary.settled_uetrs() + len(fx_settled)
    assert summary.to_deliver <= summary.delivered
    assert summary.acknowledged >= summary.settled_uetrs()
    states = [state for state, _ in summary.tracked]
    assert states[0] == "RECEIVED"
    assert states[-1] == "DELIVERED"
    assert "SETTLED" in states


def test_the_ledger_verifies_and_the_summary_is_printed(demo_run) -> None:
    summary, audit, output = demo_run
    assert audit.problems == []
    assert day_problems(summary) == []
    assert audit.transfers >= summary.settled_uetrs()
    assert "Settled payments per corridor" in output
    assert "Refused payments by reason" in output
    assert "ledger verified" in output
    assert re.search(r"RC01\s+│ creditor bank not on the network", output)
    assert re.search(r"liquidity saved [\d,.]+ ZAR", output)
    assert "FX volumes per pair and provider" in output
    assert re.search(r"INR->BRL via CNY", output)
    assert "released with four eyes" in output


def test_drained_banks_queue_and_one_gridlock_run_settles_them(demo_run) -> None:
    summary, _, _ = demo_run
    gridlock = summary.gridlock
    assert gridlock.currency == "ZAR"
    assert gridlock.approvals == 6  # credit line and defund, for each of three banks
    assert all(0 < h <= 25_000_00 for h in gridlock.headroom_minor.values())
    assert len(gridlock.queued) == len(RING)
    assert gridlock.queue_listed >= len(RING)
    assert gridlock.settled == len(RING)
    assert gridlock.saved_minor > 0
    assert gridlock.gross_minor == gridlock.net_used_minor + gridlock.saved_minor
    assert gridlock.net_used_minor < gridlock.gross_minor // 5  # the rings mostly offset
    for uetr in gridlock.queued:  # settled payments of their corridors, and delivered
        assert uetr in summary.delivered


def test_end_of_day_statements_reach_the_banks_and_reconcile(demo_run) -> None:
    summary, _, _ = demo_run
    statements = summary.statements
    assert set(statements.made) == {"BRL", "CNY", "INR", "RUB", "ZAR"}
    assert all(count > 0 for count in statements.made.values())
    assert statements.delivered > 0
    assert statements.reconciled == statements.delivered
    banks = {"HANGCNSH", "VOLGRUMM", "GANGINBB", "AMAZBRSP", "TBLMZAJJ", "SILKHKHH"}
    assert banks <= statements.recipients


def test_fx_payments_settle_across_pairs_one_through_the_bridge(demo_run) -> None:
    summary, _, _ = demo_run
    fx = summary.fx
    assert fx.provider == "SILKHKHH"
    assert fx.published == [f"{base}/{quote}" for base, quote, _, _ in RATES]
    assert [(p.source, p.target) for p in fx.payments] == [(s, t) for s, t, _, _ in PAYMENTS]
    assert all(p.status == "ACSC" for p in fx.payments)
    assert all(p.rate > 0 and p.target_minor > 0 and p.charges_minor > 0 for p in fx.payments)
    (bridged,) = fx.bridged()
    assert (bridged.source, bridged.target, bridged.bridge) == ("INR", "BRL", "CNY")
    pairs = {(v.source_currency, v.target_currency) for v in fx.volumes}
    assert len(pairs) >= 3
    assert {("INR", "CNY"), ("CNY", "BRL")} <= pairs  # the bridged payment's two legs
    assert sum(v.trades for v in fx.volumes) == len(fx.payments) + 1


def test_payments_to_listed_names_are_held_then_released_or_rejected(demo_run) -> None:
    summary, _, _ = demo_run
    holds = summary.holds
    assert holds.not_held == []
    assert len(holds.held) == len(HELD_PAYMENTS)
    assert all("DEMO-" in holds.hits[uetr] for uetr in holds.held)
    released, rejected = holds.held
    assert holds.released == [released]
    assert holds.rejected == [rejected]
    steps = holds.release_steps
    assert steps[:3] == ["RECEIVED", "VALIDATED", "HELD"]
    assert steps[3:5] == ["SCREENED", "SETTLED"]  # then DELIVERED once the creditor acks
    assert "demo-compliance-olga + demo-compliance-omar" in holds.approval
    assert released in summary.delivered


def test_reconciles_checks_opening_plus_entries_against_closing() -> None:
    day = date(2026, 1, 5)
    entries = (Entry(500_00, "INR", credit=True), Entry(200_00, "INR", credit=False))

    def report(closing_minor: int) -> AccountReport:
        return AccountReport(
            id="STMT1",
            account=Account(iban=None, other_id="ACC1"),
            balances=(
                Balance("OPBD", 1_000_00, "INR", True, day),
                Balance("CLBD", closing_minor, "INR", True, day),
            ),
            entries=entries,
        )

    assert reconciles(report(1_300_00))
    assert not reconciles(report(1_300_01))


def test_gridlock_totals_add_up_the_runs_in_the_audit_log() -> None:
    """What the scene reports when the hub's own timer resolved (part of) the gridlock."""

    def entry(seq: int, action: str, **detail: object) -> AuditEntry:
        at = datetime(2026, 1, 5, tzinfo=UTC)
        return AuditEntry(seq, at, "engine", action, json.dumps(detail), "", "")

    entries = [
        entry(1, "gridlock", currency="ZAR", queued=6, settled=3, saved_minor=100_00),
        entry(2, "gridlock", currency="INR", queued=2, settled=2, saved_minor=999_00),
        entry(3, "approve:defund", currency="ZAR"),
        entry(4, "gridlock", currency="ZAR", queued=3, settled=3, saved_minor=150_00),
    ]
    amounts = [100_00, 120_00, 140_00, 60_00, 80_00, 90_00]
    assert gridlock_totals(entries, "ZAR", amounts) == (6, 590_00, 340_00, 250_00)
    assert gridlock_totals([], "ZAR", []) == (0, 0, 0, 0)


def test_the_server_is_started_with_the_bridge_currency_and_the_watch_list(
    tmp_path: Path,
) -> None:
    network = prepare_network(tmp_path / "net", watch_list=DEMO_WATCH_LIST)
    assert network.watchlists_dir is not None
    assert (network.watchlists_dir / "national" / "CURRENT").exists()
    assert [b.bic for b in network.fx_providers] == ["SILKHKHH"]
    assert len(set(network.compliance_tokens)) == 2
    command = HubServer(network, options=ServeOptions(("CNY",), 7)).command()
    assert command[command.index("--bridge-currency") + 1] == "CNY"
    assert command[command.index("--fx-fee-bps") + 1] == "7"
    assert command[command.index("--watchlists") + 1] == str(network.watchlists_dir)
    assert "--gridlock-interval-ms" not in command  # the hub's default unless asked
    timed = HubServer(network, options=ServeOptions(gridlock_interval_ms=0)).command()
    assert timed[timed.index("--gridlock-interval-ms") + 1] == "0"
    settings = settings_for(
        network.database_url,
        None,
        "CRDRSGSG",
        True,
        bridge_currencies=["CNY"],
        fx_fee_bps=7,
        watchlists=network.watchlists_dir,
    )
    assert (settings.fx.bridge_currencies, settings.fx.fee_bps) == (("CNY",), 7)
    assert settings.watchlists_dir == network.watchlists_dir
    with pytest.raises(InputError, match="bridge_currency"):
        settings_for("x.db", None, "CRDRSGSG", True, bridge_currencies=["CN1"])
    with pytest.raises(InputError, match="bridge_currency"):
        settings_for("x.db", None, "CRDRSGSG", True, bridge_currencies=["CNY", "CNY"])
    with pytest.raises(InputError, match="watchlists"):
        settings_for("x.db", None, "CRDRSGSG", True, watchlists=tmp_path / "none")


def test_trade_day_is_deterministic_and_signed(tmp_path: Path) -> None:
    network = prepare_network(tmp_path / "net")
    first = list(trade_day(network, 120, seed=3))
    again = list(trade_day(network, 120, seed=3))
    assert [o.legs for o in first] == [o.legs for o in again]
    assert [o.flaw for o in first if o.flaw] == [Flaw.unknown_creditor]
    assert all(b"SignatureValue" in o.xml for o in first)
    banks = network.banks_by_currency()
    for order in first:
        if order.flaw is None:
            allowed = {b.bic for b in banks[order.currency]} - {order.sender}
            assert {leg.creditor for leg in order.legs} <= allowed
