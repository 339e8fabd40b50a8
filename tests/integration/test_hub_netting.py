"""Deferred net settlement windows in the hub: payments clear into a window and settle
together, on net positions, in one linked batch (all or nothing)."""

from __future__ import annotations

from pathlib import Path

from tests.support.hub import BANK_A, BANK_B, BANK_C, make_world, restarted_hub

from corridor.hub.security import Principal, Role
from corridor.payments.records import PaymentState
from corridor.settlement import WindowState
from corridor.store.ledger_audit import audit_ledger

OPS = Principal("ops", Role.operator)


def _state(world, uetr: str) -> PaymentState:  # type: ignore[no-untyped-def]
    tracking = world.hub.track(OPS, uetr)
    assert tracking is not None
    return tracking.payment.state


def test_window_clears_then_settles_net(tmp_path: Path) -> None:
    world = make_world(tmp_path, net_settlement_currencies=("INR",))
    hub = world.hub
    before = {b: hub.available_minor(b, "INR") for b in (BANK_A, BANK_B, BANK_C)}
    uetrs = []
    for sender, receiver, amount in (
        (BANK_A, BANK_B, 900_00),
        (BANK_B, BANK_C, 700_00),
        (BANK_C, BANK_A, 500_00),
    ):
        data, (uetr,) = world.credit_transfer(sender, receiver, [amount])
        assert hub.submit(sender, data).status == "PDNG"
        uetrs.append(uetr)
    assert [_state(world, u) for u in uetrs] == [PaymentState.queued] * 3
    assert {b: hub.available_minor(b, "INR") for b in before} == before  # nothing moved yet
    (report,) = hub.settle_windows("INR", actor="ops")
    assert report.state is WindowState.settled and report.payment_count == 3
    assert report.gross_minor == 2_100_00
    assert report.net_positions_minor == {BANK_A: -400_00, BANK_B: 200_00, BANK_C: 200_00}
    assert report.net_settlement_minor == 400_00
    assert [_state(world, u) for u in uetrs] == [PaymentState.settled] * 3
    assert hub.available_minor(BANK_A, "INR") == before[BANK_A] - 400_00
    assert hub.available_minor(BANK_B, "INR") == before[BANK_B] + 200_00
    forwarded = [u for m in hub.outbox(Principal(BANK_B, Role.participant)) for u in m.uetrs]
    assert uetrs[0] in forwarded
    assert audit_ledger(hub.store.engine).problems == []
    assert hub.settle_windows("INR") == []  # nothing left to settle


def test_a_short_net_debtor_fails_the_whole_window(tmp_path: Path) -> None:
    world = make_world(tmp_path, net_settlement_currencies=("INR",))
    hub = world.hub
    too_much = hub.available_minor(BANK_A, "INR") + 1
    data, (big,) = world.credit_transfer(BANK_A, BANK_B, [too_much])
    hub.submit(BANK_A, data)
    data, (small,) = world.credit_transfer(BANK_B, BANK_C, [100])
    hub.submit(BANK_B, data)
    (report,) = hub.settle_windows("INR")
    assert report.state is WindowState.closed  # not settled: nothing moved
    assert _state(world, big) is PaymentState.queued and _state(world, small) is PaymentState.queued
    assert hub.engine.ledger.verify() == []
    # Once the debtor is funded (a manual posting, four eyes), the same window settles.
    request = hub.request_approval(
        OPS, "fund", {"bic": BANK_A, "currency": "INR", "amount": "100.00"}
    )
    hub.approve(Principal("ops2", Role.operator), request.id)
    (report,) = hub.settle_windows("INR")
    assert report.state is WindowState.settled
    assert _state(world, big) is PaymentState.settled
    assert _state(world, small) is PaymentState.settled


def test_cleared_payments_survive_a_restart(tmp_path: Path) -> None:
    world = make_world(tmp_path, net_settlement_currencies=("INR",))
    data, (_uetr,) = world.credit_transfer(BANK_A, BANK_B, [123_00])
    world.hub.submit(BANK_A, data)
    restarted = restarted_hub(tmp_path, world, net_settlement_currencies=("INR",))
    (report,) = restarted.settle_windows("INR")
    assert report.state is WindowState.settled and report.payment_count == 1
