"""Queues, liquidity arriving, gridlock resolution, cut-off, cancellation and restart."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy.exc import OperationalError
from tests.support.hub import (
    BANK_A,
    BANK_B,
    BANK_C,
    HubWorld,
    fail_commits,
    make_world,
    queued_payment,
    restarted_hub,
)

from corridor.foundation.errors import InputError
from corridor.hub.security import Principal, Role
from corridor.payments.records import ParticipantStatus, PaymentState
from corridor.store.ledger_audit import audit_ledger

NS_STATUS = "{urn:iso:std:iso:20022:tech:xsd:pacs.002.001.10}"
FX_PROVIDER = "SILKHKHH"


@pytest.fixture
def world(tmp_path: Path) -> HubWorld:
    return make_world(tmp_path)


def _me(bic: str) -> Principal:
    return Principal(bic, Role.participant)


def _state(world: HubWorld, uetr: str) -> PaymentState:
    tracking = world.hub.track(Principal("ops", Role.operator), uetr)
    assert tracking is not None
    return tracking.payment.state


def _statuses(world: HubWorld, bic: str) -> list[str]:
    """Every TxSts in the pacs.002 messages of a participant's outbox, in order."""
    found = []
    for message in world.hub.outbox(_me(bic), limit=1000):
        if message.kind.startswith("pacs.002"):
            root = etree.fromstring(message.payload)
            found += [e.text or "" for e in root.iter(f"{NS_STATUS}TxSts")]
    return found


def _drain(world: HubWorld, bic: str) -> None:
    """Take a bank's whole liquidity away: it pays everything down to its floor to the
    network's FX provider, which takes no part in the tests' payments."""
    amount = world.hub.available_minor(bic, "INR")
    data, _ = world.credit_transfer(bic, FX_PROVIDER, [amount])
    assert world.hub.submit(bic, data).status == "ACSC"
    assert world.hub.available_minor(bic, "INR") == 0


def test_a_payment_short_of_liquidity_waits_and_settles_when_funds_arrive(world: HubWorld) -> None:
    available = world.hub.available_minor(BANK_A, "INR")
    data, (waiting,) = world.credit_transfer(BANK_A, BANK_B, [available + 5_000])
    answer = world.hub.submit(BANK_A, data)
    assert (answer.status, answer.reason) == ("PDNG", None)
    assert _state(world, waiting) is PaymentState.queued
    # The default policy lets a smaller payment bypass the blocked one at once.
    data, (small,) = world.credit_transfer(BANK_A, BANK_B, [100])
    assert world.hub.submit(BANK_A, data).status == "ACSC"
    assert [e.instruction.uetr for e in world.hub.liquidity.entries("INR")] == [waiting]
    # Liquidity arrives: C pays A; the queued payment settles.
    data, _ = world.credit_transfer(BANK_C, BANK_A, [10_000])
    assert world.hub.submit(BANK_C, data).status == "ACSC"
    assert _state(world, waiting) is PaymentState.settled
    assert _state(world, small) is PaymentState.settled
    assert world.hub.liquidity.length() == 0
    assert _statuses(world, BANK_A) == ["PDNG", "ACSC", "ACSC"]
    forwarded = [u for m in world.hub.outbox(_me(BANK_B)) for u in m.uetrs]
    assert waiting in forwarded and small in forwarded
    assert world.hub.engine.ledger.verify() == []


def test_gridlock_of_three_banks_is_resolved_by_offsetting(world: HubWorld) -> None:
    for bic in (BANK_A, BANK_B, BANK_C):
        _drain(world, bic)
    amount = 1_000_000_00
    uetrs = []
    for sender, receiver in ((BANK_A, BANK_B), (BANK_B, BANK_C), (BANK_C, BANK_A)):
        data, (uetr,) = world.credit_transfer(sender, receiver, [amount])
        assert world.hub.submit(sender, data).status == "PDNG"
        uetrs.append(uetr)
    assert [_state(world, u) for u in uetrs] == [PaymentState.queued] * 3
    report = world.hub.resolve_gridlock("INR")
    assert report.settled_count == 3
    assert report.gross_minor == 3 * amount
    assert report.liquidity_saved_minor == report.gross_minor - report.net_used_minor
    assert report.net_used_minor == 0
    assert [_state(world, u) for u in uetrs] == [PaymentState.settled] * 3
    for bic in (BANK_A, BANK_B, BANK_C):
        account = world.hub.engine.ledger.account(world.hub.directory.account_id(bic, "INR"))  # type: ignore[arg-type]
        assert account is not None and account.available_minor >= account.floor_minor  # type: ignore[operator]
    assert world.hub.engine.ledger.verify() == []
    assert audit_ledger(world.hub.store.engine).problems == []


def test_cut_off_rejects_what_is_still_queued(world: HubWorld) -> None:
    available = world.hub.available_minor(BANK_A, "INR")
    data, (uetr,) = world.credit_transfer(BANK_A, BANK_B, [available + 1])
    world.hub.submit(BANK_A, data)
    assert world.hub.cut_off("INR") == 1
    tracking = world.hub.track(_me(BANK_A), uetr)
    assert tracking is not None
    assert (tracking.payment.state, tracking.payment.reason) == (PaymentState.rejected, "TM01")
    assert _statuses(world, BANK_A)[-1] == "RJCT"
    assert world.hub.liquidity.length() == 0


def test_a_queued_payment_can_be_cancelled(world: HubWorld) -> None:
    available = world.hub.available_minor(BANK_A, "INR")
    data, (uetr,) = world.credit_transfer(BANK_A, BANK_B, [available + 1])
    world.hub.submit(BANK_A, data)
    answer = world.hub.submit(BANK_A, world.cancellation(BANK_A, uetr))
    assert (answer.kind[:8], answer.status) == ("camt.029", "CNCL")
    assert _state(world, uetr) is PaymentState.cancelled
    assert world.hub.liquidity.length() == 0
    # Funds arriving later move nothing for the cancelled payment.
    data, _ = world.credit_transfer(BANK_C, BANK_A, [available + 10])
    world.hub.submit(BANK_C, data)
    assert _state(world, uetr) is PaymentState.cancelled


def test_queues_survive_a_restart_in_order(tmp_path: Path) -> None:
    world = make_world(tmp_path, queue_fifo_bypass=False)
    available = world.hub.available_minor(BANK_A, "INR")
    first, (u1,) = world.credit_transfer(BANK_A, BANK_B, [available + 1])
    second, (u2,) = world.credit_transfer(BANK_A, BANK_C, [50])
    world.hub.submit(BANK_A, first)
    world.hub.submit(BANK_A, second)
    restarted = restarted_hub(tmp_path, world, queue_fifo_bypass=False)
    assert [e.instruction.uetr for e in restarted.liquidity.entries("INR")] == [u1, u2]
    world.hub = restarted
    data, _ = world.credit_transfer(BANK_C, BANK_A, [1_000])
    restarted.submit(BANK_C, data)
    assert _state(world, u1) is PaymentState.settled and _state(world, u2) is PaymentState.settled


def test_strict_fifo_keeps_a_smaller_payment_behind_the_blocked_one(tmp_path: Path) -> None:
    world = make_world(tmp_path, queue_fifo_bypass=False)
    available = world.hub.available_minor(BANK_A, "INR")
    data, (big,) = world.credit_transfer(BANK_A, BANK_B, [available + 5_000])
    world.hub.submit(BANK_A, data)
    data, (small,) = world.credit_transfer(BANK_A, BANK_B, [100])
    assert world.hub.submit(BANK_A, data).status == "PDNG"
    assert [e.instruction.uetr for e in world.hub.liquidity.entries("INR")] == [big, small]
    data, _ = world.credit_transfer(BANK_C, BANK_A, [10_000])
    world.hub.submit(BANK_C, data)
    assert _state(world, big) is PaymentState.settled
    assert _state(world, small) is PaymentState.settled
    assert _statuses(world, BANK_A) == ["PDNG", "PDNG", "ACSC", "ACSC"]


def test_reprioritised_payment_keeps_its_priority_across_a_restart(tmp_path: Path) -> None:
    from corridor.settlement import Priority

    world = make_world(tmp_path, queue_fifo_bypass=False)
    available = world.hub.available_minor(BANK_A, "INR")
    data, (uetr,) = world.credit_transfer(BANK_A, BANK_B, [available + 1])
    world.hub.submit(BANK_A, data)
    assert world.hub.reprioritise(_me(BANK_A), uetr, Priority.urgent)
    (entry,) = world.hub.queue(_me(BANK_A), "INR")
    assert entry.queued.priority is Priority.urgent and entry.instruction.priority == "URGT"
    assert not world.hub.reprioritise(_me(BANK_B), uetr, Priority.normal)  # not B's payment
    restarted = restarted_hub(tmp_path, world, queue_fifo_bypass=False)
    (entry,) = restarted.queue(_me(BANK_A), "INR")
    assert entry.queued.priority is Priority.urgent


def test_operator_moves_a_payment_to_the_front_of_its_queue(tmp_path: Path) -> None:
    world = make_world(tmp_path, queue_fifo_bypass=False)
    available = world.hub.available_minor(BANK_A, "INR")
    first, (u1,) = world.credit_transfer(BANK_A, BANK_B, [available + 1])
    second, (u2,) = world.credit_transfer(BANK_A, BANK_C, [available + 2])
    world.hub.submit(BANK_A, first)
    world.hub.submit(BANK_A, second)
    ops = Principal("ops", Role.operator)
    assert world.hub.move_in_queue(ops, u2, to_front=True)
    assert [e.instruction.uetr for e in world.hub.queue(ops, "INR")] == [u2, u1]
    assert not world.hub.move_in_queue(ops, "00000000-0000-4000-8000-000000000000", to_front=True)
    with pytest.raises(InputError):
        world.hub.move_in_queue(_me(BANK_A), u1, to_front=True)
    restarted = restarted_hub(tmp_path, world, queue_fifo_bypass=False)
    assert [e.instruction.uetr for e in restarted.queue(ops, "INR")] == [u2, u1]


def _reason(world: HubWorld, uetr: str) -> tuple[PaymentState, str | None, str]:
    tracking = world.hub.track(Principal("ops", Role.operator), uetr)
    assert tracking is not None
    return tracking.payment.state, tracking.payment.reason, tracking.events[-1].detail


def test_a_queued_payment_to_a_participant_suspended_meanwhile_is_rejected(
    world: HubWorld,
) -> None:
    waiting = queued_payment(world)
    world.hub.set_status(BANK_B, ParticipantStatus.suspended)
    before_b = world.hub.available_minor(BANK_B, "INR")
    data, _ = world.credit_transfer(BANK_C, BANK_A, [10_000])  # the liquidity it waited for
    assert world.hub.submit(BANK_C, data).status == "ACSC"
    assert _reason(world, waiting) == (
        PaymentState.rejected,
        "AG01",
        f"{BANK_B} is not active",
    )
    assert world.hub.available_minor(BANK_B, "INR") == before_b  # nothing reached it
    assert world.hub.liquidity.entries("INR") == []
    assert _statuses(world, BANK_A)[-1] == "RJCT"  # the sender, told PDNG, hears the end
    # Reinstated later, the rejected payment stays rejected: nothing settles twice.
    world.hub.set_status(BANK_B, ParticipantStatus.active)
    world.hub.release_queues()
    assert _reason(world, waiting)[0] is PaymentState.rejected
    assert audit_ledger(world.hub.store.engine).problems == []


def test_a_queued_payment_of_a_suspended_debtor_is_rejected_when_funds_arrive(
    world: HubWorld,
) -> None:
    waiting = queued_payment(world)
    data, (other,) = world.credit_transfer(BANK_C, BANK_B, [100])
    world.hub.set_status(BANK_A, ParticipantStatus.suspended)
    before_a = world.hub.available_minor(BANK_A, "INR")
    alice, bob = Principal("alice", Role.operator), Principal("bob", Role.operator)
    request = world.hub.request_approval(
        alice, "fund", {"bic": BANK_A, "currency": "INR", "amount": "100.00"}
    )
    world.hub.approve(bob, request.id)  # the central bank funds it: its queue is released
    assert _reason(world, waiting) == (
        PaymentState.rejected,
        "AG01",
        f"{BANK_A} is not active",
    )
    assert world.hub.available_minor(BANK_A, "INR") == before_a + 100_00
    # The others' payments go on as before.
    assert world.hub.submit(BANK_C, data).status == "ACSC"
    assert _state(world, other) is PaymentState.settled
    assert audit_ledger(world.hub.store.engine).problems == []


def test_a_failed_cut_off_leaves_the_payments_queued_for_the_next_try(
    world: HubWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    waiting = queued_payment(world)
    fail_commits(monkeypatch, world.hub, {1})
    with pytest.raises(OperationalError):
        world.hub.cut_off("INR")
    assert [e.instruction.uetr for e in world.hub.liquidity.entries("INR")] == [waiting]
    assert _state(world, waiting) is PaymentState.queued
    assert world.hub.cut_off("INR") == 1  # the next try rejects it
    assert _reason(world, waiting)[:2] == (PaymentState.rejected, "TM01")
    assert world.hub.liquidity.entries("INR") == []


def test_a_failed_rejection_of_a_suspended_partys_payment_is_tried_again(
    world: HubWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    waiting = queued_payment(world)
    world.hub.set_status(BANK_B, ParticipantStatus.suspended)
    data, _ = world.credit_transfer(BANK_C, BANK_A, [10_000])  # the liquidity it waited for
    fail_commits(monkeypatch, world.hub, {2})  # the incoming payment commits, the refusal not
    with pytest.raises(OperationalError):
        world.hub.submit(BANK_C, data)
    assert [e.instruction.uetr for e in world.hub.liquidity.entries("INR")] == [waiting]
    assert _state(world, waiting) is PaymentState.queued
    world.hub.release_queues()
    assert _reason(world, waiting) == (PaymentState.rejected, "AG01", f"{BANK_B} is not active")
    assert world.hub.liquidity.entries("INR") == []


def test_a_cut_off_whose_commit_went_through_unannounced_is_not_rejected_twice(
    world: HubWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The commit reached the database but reported an error (a connection lost during
    COMMIT): the payment is rejected there, still queued in memory. The next cut-off
    takes it out of the queue without rejecting it again, nor failing."""
    waiting = queued_payment(world)
    fail_commits(monkeypatch, world.hub, {1}, reached=True)
    with pytest.raises(OperationalError):
        world.hub.cut_off("INR")
    assert _state(world, waiting) is PaymentState.rejected  # stored
    assert world.hub.cut_off("INR") == 0  # nothing more to reject
    assert world.hub.liquidity.entries("INR") == []
    assert _statuses(world, BANK_A).count("RJCT") == 1  # told once


def test_a_release_whose_commit_went_through_unannounced_does_not_settle_twice(
    world: HubWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    waiting = queued_payment(world)
    before_b = world.hub.available_minor(BANK_B, "INR")
    data, _ = world.credit_transfer(BANK_C, BANK_A, [10_000])
    fail_commits(monkeypatch, world.hub, {2}, reached=True)  # the release's commit
    with pytest.raises(OperationalError):
        world.hub.submit(BANK_C, data)
    assert _state(world, waiting) is PaymentState.settled  # stored
    world.hub.release_queues()  # does not fail, nor settle it again
    tracking = world.hub.track(_me(BANK_A), waiting)
    assert tracking is not None
    gained = world.hub.available_minor(BANK_B, "INR") - before_b
    assert gained == tracking.payment.amount_minor  # once
    # Memory still lists it as queued (the ledger no longer funds it); the cut-off
    # takes it out without rejecting it.
    assert world.hub.cut_off("INR") == 0
    assert world.hub.liquidity.entries("INR") == []
    assert _state(world, waiting) is PaymentState.settled
    assert audit_ledger(world.hub.store.engine).problems == []


def test_a_funding_approved_once_funds_once_even_if_the_queue_release_fails(
    world: HubWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    waiting = queued_payment(world)
    before_a = world.hub.available_minor(BANK_A, "INR")
    alice, bob = Principal("alice", Role.operator), Principal("bob", Role.operator)
    request = world.hub.request_approval(
        alice, "fund", {"bic": BANK_A, "currency": "INR", "amount": "100.00"}
    )
    fail_commits(monkeypatch, world.hub, {2})  # the funding commits, the release not
    world.hub.approve(bob, request.id)
    monkeypatch.undo()
    assert world.hub.available_minor(BANK_A, "INR") == before_a + 100_00
    with pytest.raises(InputError):
        world.hub.approve(bob, request.id)  # decided: it cannot fund a second time
    actions = [e.action for e in world.hub.audit.entries()]
    assert "release_queues_failed" in actions
    assert world.hub.release_queues() == 1  # the next release settles the payment
    assert _state(world, waiting) is PaymentState.settled
