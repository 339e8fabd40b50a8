"""The demo end to end: a real `corridor serve` process, the day's scenes over HTTP
through the client SDK, the summary and the ledger verification."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest

from corridor.cli import _common
from corridor.cli.demo import run_demo
from corridor.simulation import Flaw, prepare_network, trade_day
from corridor.simulation.day import DayOptions
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
    assert len(summary.delivered) == summary.settled_uetrs()
    assert summary.acknowledged >= summary.settled_uetrs()
    states = [state for state, _ in summary.tracked]
    assert states[0] == "RECEIVED"
    assert states[-1] == "DELIVERED"
    assert "SETTLED" in states


def test_the_ledger_verifies_and_the_summary_is_printed(demo_run) -> None:
    summary, audit, output = demo_run
    assert audit.problems == []
    assert audit.transfers >= summary.settled_uetrs()
    assert "Settled payments per corridor" in output
    assert "Refused payments by reason" in output
    assert "ledger verified" in output
    assert re.search(r"RC01\s+│ creditor bank not on the network", output)


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
