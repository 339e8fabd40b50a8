"""The payment lifecycle in the hub, in process: every answer and reason code."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree
from tests.support.hub import BANK_A, BANK_B, BANK_C, HubWorld, make_world

from corridor.crypto.keys import generate_private_key
from corridor.hub.engine import LedgerUnavailable
from corridor.hub.security import Principal, Role
from corridor.payments.records import (
    Participant,
    ParticipantKind,
    ParticipantStatus,
    PaymentState,
)
from corridor.store.ledger_audit import audit_ledger
from corridor.store.ledger_store import LedgerStore


@pytest.fixture
def world(tmp_path: Path, database: tuple[str, str | None]) -> Iterator[HubWorld]:
    url, schema = database
    yield make_world(tmp_path, url, schema)


def _principal(bic: str) -> Principal:
    return Principal(bic, Role.participant)


def _status_tree(payload: bytes) -> etree._Element:
    return etree.fromstring(payload)


def _balance(world: HubWorld, bic: str) -> int:
    return {b.currency: b.balance_minor for b in world.hub.balances(_principal(bic))}["INR"]


def _assert_ledger_sound(world: HubWorld) -> None:
    assert world.hub.engine.ledger.verify() == []
    assert audit_ledger(world.hub.store._engine).problems == []


def test_payment_settles_and_is_delivered(world: HubWorld) -> None:
    before_a, before_b = _balance(world, BANK_A), _balance(world, BANK_B)
    data, (uetr,) = world.credit_transfer(BANK_A, BANK_B, [1_234_56])
    answer = world.hub.submit(BANK_A, data)
    assert (answer.status, answer.reason, answer.kind) == ("ACSC", None, "pacs.002.001.10")
    assert b"<GrpSts>ACSC</GrpSts>" in answer.payload
    assert _balance(world, BANK_A) == before_a - 1_234_56
    assert _balance(world, BANK_B) == before_b + 1_234_56
    inbox = world.hub.outbox(_principal(BANK_B))
    assert [m.kind for m in inbox] == ["pacs.008.001.08"]
    assert inbox[0].uetrs == (uetr,)
    sender_box = world.hub.outbox(_principal(BANK_A))
    assert [m.message_id for m in sender_box] == [answer.message_id]
    result = world.hub.ack(_principal(BANK_B), [inbox[0].message_id])
    assert result.acknowledged == (inbox[0].message_id,)
    tracking = world.hub.track(_principal(BANK_A), uetr)
    assert tracking is not None
    assert [e.state for e in tracking.events] == [
        PaymentState.received,
        PaymentState.validated,
        PaymentState.screened,
        PaymentState.settled,
        PaymentState.delivered,
    ]
    assert "no watch lists loaded: cleared" in tracking.events[2].detail
    assert world.hub.outbox(_principal(BANK_B)) == []  # acknowledged: not offered again
    _assert_ledger_sound(world)


def test_duplicate_msg_id_returns_the_original_answer_and_settles_once(world: HubWorld) -> None:
    data, _ = world.credit_transfer(BANK_A, BANK_B, [500_00], msg_id="DUP-1")
    first = world.hub.submit(BANK_A, data)
    balance = _balance(world, BANK_B)
    second = world.hub.submit(BANK_A, data)
    assert second.duplicate and not first.duplicate
    assert (second.message_id, second.payload, second.status) == (
        first.message_id,
        first.payload,
        first.status,
    )
    assert _balance(world, BANK_B) == balance
    # Same MsgId twice in one batch: one settlement, the same answer twice.
    data2, _ = world.credit_transfer(BANK_A, BANK_B, [7_00], msg_id="DUP-2")
    answers = world.hub.settle([world.hub.take(BANK_A, data2), world.hub.take(BANK_A, data2)])
    assert answers[0].message_id == answers[1].message_id and answers[1].duplicate
    assert _balance(world, BANK_B) == balance + 7_00
    _assert_ledger_sound(world)


def test_a_msg_id_reused_for_other_bytes_is_refused_and_the_first_answer_stands(
    world: HubWorld,
) -> None:
    data, _ = world.credit_transfer(BANK_A, BANK_B, [500_00], msg_id="REUSED-1")
    other, (other_uetr,) = world.credit_transfer(BANK_A, BANK_B, [9_00], msg_id="REUSED-1")
    first = world.hub.submit(BANK_A, data)
    balance = _balance(world, BANK_B)
    refused = world.hub.submit(BANK_A, other)
    assert (refused.status, refused.reason, refused.duplicate) == ("RJCT", "DUPL", False)
    assert "MsgId was received at" in refused.detail and "REUSED-1" in refused.detail
    # an admi.002 (the message refused), not a pacs.002 about the first message's MsgId
    assert refused.kind.startswith("admi.002")
    assert b"<RjctgPtyRsn>DUPL</RjctgPtyRsn>" in refused.payload
    assert b"<ErrLctn>/Document/FIToFICstmrCdtTrf/GrpHdr/MsgId</ErrLctn>" in refused.payload
    assert refused.message_id != first.message_id
    assert _balance(world, BANK_B) == balance  # nothing settled
    assert world.hub.track(_principal(BANK_A), other_uetr) is None  # no payment made
    # The refusal is not recorded as received: the first message's answer still stands,
    # and the other message is refused again, as often as it comes.
    again = world.hub.submit(BANK_A, data)
    assert again.duplicate and (again.message_id, again.status) == (first.message_id, "ACSC")
    assert world.hub.submit(BANK_A, other).reason == "DUPL"
    # The same within one batch: the first settles, the other bytes are refused.
    data2, _ = world.credit_transfer(BANK_A, BANK_B, [7_00], msg_id="REUSED-2")
    other2, _ = world.credit_transfer(BANK_A, BANK_B, [8_00], msg_id="REUSED-2")
    answers = world.hub.settle([world.hub.take(BANK_A, data2), world.hub.take(BANK_A, other2)])
    assert [(a.status, a.reason) for a in answers] == [("ACSC", None), ("RJCT", "DUPL")]
    assert _balance(world, BANK_B) == balance + 7_00
    _assert_ledger_sound(world)


def test_a_stale_ledger_routes_but_is_not_read_and_the_next_batch_reloads_it(
    world: HubWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failed commit whose reload failed too leaves the ledger stale (the database was
    away). Intake still routes (which accounts exist does not change), balances are not
    served from it, and the next batch reloads it before anything else."""

    def refused(_store: LedgerStore) -> None:
        raise ConnectionError("connection refused")

    balance = _balance(world, BANK_B)
    monkeypatch.setattr(LedgerStore, "load", refused)
    with pytest.raises(ConnectionError):
        world.hub.engine.reload()
    with pytest.raises(LedgerUnavailable):
        _balance(world, BANK_B)
    data, _ = world.credit_transfer(BANK_A, BANK_B, [3_00])
    intake = world.hub.take(BANK_A, data)  # routed on the accounts, stale or not
    assert not intake.rejected and intake.instructions[0].credit_account_id
    monkeypatch.undo()  # the database is back
    (answer,) = world.hub.settle([intake])
    assert answer.status == "ACSC"
    assert _balance(world, BANK_B) == balance + 3_00
    _assert_ledger_sound(world)


def test_the_same_msg_id_from_two_senders_is_two_messages(world: HubWorld) -> None:
    from_a, _ = world.credit_transfer(BANK_A, BANK_B, [1_00], msg_id="SAME-1")
    from_b, _ = world.credit_transfer(BANK_B, BANK_A, [2_00], msg_id="SAME-1")
    assert world.hub.submit(BANK_A, from_a).status == "ACSC"
    # One batch: B's own SAME-1 is new; A's, sent again, is A's duplicate.
    answers = world.hub.settle([world.hub.take(BANK_B, from_b), world.hub.take(BANK_A, from_a)])
    assert [(a.status, a.duplicate) for a in answers] == [("ACSC", False), ("ACSC", True)]
    _assert_ledger_sound(world)


def test_unknown_creditor_agent_is_rc01(world: HubWorld) -> None:
    data, _ = world.credit_transfer(BANK_A, "UNKNINBB", [100])
    answer = world.hub.submit(BANK_A, data)
    assert (answer.status, answer.reason) == ("RJCT", "RC01")
    assert "UNKNINBB" in answer.detail


def test_suspended_participants(world: HubWorld) -> None:
    world.hub.set_status(BANK_B, ParticipantStatus.suspended)
    data, _ = world.credit_transfer(BANK_A, BANK_B, [100])
    incoming = world.hub.submit(BANK_A, data)
    assert (incoming.status, incoming.reason) == ("RJCT", "AG01")
    data, _ = world.credit_transfer(BANK_B, BANK_A, [100])
    outgoing = world.hub.submit(BANK_B, data)
    assert (outgoing.status, outgoing.reason) == ("RJCT", "AG01")
    world.hub.set_status(BANK_B, ParticipantStatus.active)
    data, _ = world.credit_transfer(BANK_A, BANK_B, [100])
    assert world.hub.submit(BANK_A, data).status == "ACSC"


def test_bad_signature_and_missing_signature(world: HubWorld) -> None:
    data, _ = world.credit_transfer(BANK_A, BANK_B, [100])
    forged = world.sign(BANK_A, _body_of(world, data), key=generate_private_key())
    answer = world.hub.submit(BANK_A, forged)
    assert answer.status == "RJCT"
    assert answer.reason in ("DS0E", "DS0B")
    assert answer.kind.startswith("admi.002")
    tampered = data.replace(b'<IntrBkSttlmAmt Ccy="INR">1.00', b'<IntrBkSttlmAmt Ccy="INR">9.00')
    assert tampered != data
    assert world.hub.submit(BANK_A, tampered).reason == "DS0B"
    # Signed by B's key but claiming to be from A.
    as_b = world.sign(BANK_A, _body_of(world, data), key=world.keys[BANK_B])
    assert world.hub.submit(BANK_A, as_b).reason == "DS0E"
    # The forged attempts did not use up the MsgId: the real message still settles.
    assert world.hub.submit(BANK_A, data).status == "ACSC"


def test_malformed_xml_gets_admi002(world: HubWorld) -> None:
    answer = world.hub.submit(BANK_A, b"<Document><unclosed></Document>")
    assert (answer.status, answer.reason, answer.kind) == ("RJCT", "FF01", "admi.002.001.01")
    hostile = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>'
    )
    assert world.hub.submit(BANK_A, hostile).reason == "FF01"


def test_sender_must_match_the_header_and_the_debtor_agent(world: HubWorld) -> None:
    data, _ = world.credit_transfer(BANK_A, BANK_B, [100])
    answer = world.hub.submit(BANK_C, data)  # C presents A's signed message as its own
    assert answer.status == "RJCT"
    data, _ = world.credit_transfer(BANK_C, BANK_B, [100], debtor_agent=BANK_A)
    assert world.hub.submit(BANK_C, data).reason == "AG01"


def test_multi_transaction_message_with_partial_outcome(world: HubWorld) -> None:
    data, uetrs = world.credit_transfer(BANK_A, BANK_B, [100, 10**17, 300])
    answer = world.hub.submit(BANK_A, data)
    assert answer.status == "PART"
    states = [world.hub.track(_principal(BANK_A), u).payment.state for u in uetrs]  # type: ignore[union-attr]
    assert states == [PaymentState.settled, PaymentState.queued, PaymentState.settled]
    forwarded = world.hub.outbox(_principal(BANK_B))
    assert len(forwarded) == 1 and set(forwarded[0].uetrs) == {uetrs[0], uetrs[2]}


def test_every_step_of_a_batch_is_in_the_payments_stored_row(world: HubWorld) -> None:
    """A batch records a payment's steps as it goes and builds its row once: the row
    holds the last step's state and every field a step set (transfer id, queue place,
    reason), and the tracker every step in order."""
    data, uetrs = world.credit_transfer(BANK_A, BANK_B, [100, 10**17, 300])
    world.hub.submit(BANK_A, data)
    settled, queued, _ = (world.hub.track(_principal(BANK_A), u) for u in uetrs)
    assert settled is not None and queued is not None
    assert (settled.payment.state, settled.payment.queue_seq) == (PaymentState.settled, 0)
    assert settled.payment.transfer_id != 0 and settled.payment.reason is None
    assert settled.events[-1].detail == f"ledger transfer {settled.payment.transfer_id:032x}"
    assert [e.state for e in settled.events] == [
        PaymentState.received,
        PaymentState.validated,
        PaymentState.screened,
        PaymentState.settled,
    ]
    assert (queued.payment.state, queued.payment.transfer_id) == (PaymentState.queued, 0)
    assert queued.payment.queue_seq > 0
    assert queued.payment.updated_at_ms == queued.events[-1].at_ms
    assert [e.state for e in queued.events][-2:] == [PaymentState.screened, PaymentState.queued]
    cancelled = world.hub.submit(BANK_A, world.cancellation(BANK_A, uetrs[1]))
    assert cancelled.status == "CNCL"
    after = world.hub.track(_principal(BANK_A), uetrs[1])
    assert after is not None and after.payment.state is PaymentState.cancelled
    assert after.payment.queue_seq == queued.payment.queue_seq  # a cancel sets no field


def test_return_of_a_settled_payment(world: HubWorld) -> None:
    data, (uetr,) = world.credit_transfer(BANK_A, BANK_B, [10_000])
    world.hub.submit(BANK_A, data)
    balance_a = _balance(world, BANK_A)
    assert world.hub.submit(BANK_C, world.payment_return(BANK_C, uetr, 1)).reason == "AGNT"
    too_much = world.hub.submit(BANK_B, world.payment_return(BANK_B, uetr, 10_001))
    assert too_much.reason == "AM09"  # WrongAmount (AM05 is Duplication)
    partial = world.hub.submit(BANK_B, world.payment_return(BANK_B, uetr, 4_000))
    assert partial.status == "ACSC"
    rest = world.hub.submit(BANK_B, world.payment_return(BANK_B, uetr, 6_000))
    assert rest.status == "ACSC"
    assert _balance(world, BANK_A) == balance_a + 10_000
    tracking = world.hub.track(_principal(BANK_A), uetr)
    assert tracking is not None and tracking.payment.state is PaymentState.returned
    assert tracking.payment.returned_minor == 10_000
    returns = [m for m in world.hub.outbox(_principal(BANK_A)) if m.kind.startswith("pacs.004")]
    assert len(returns) == 2 and all(m.uetrs == (uetr,) for m in returns)
    _assert_ledger_sound(world)


def test_a_return_to_a_suspended_participant_is_refused(world: HubWorld) -> None:
    data, (uetr,) = world.credit_transfer(BANK_A, BANK_B, [10_000])
    assert world.hub.submit(BANK_A, data).status == "ACSC"
    world.hub.set_status(BANK_A, ParticipantStatus.suspended)
    balance_b = _balance(world, BANK_B)
    refused = world.hub.submit(BANK_B, world.payment_return(BANK_B, uetr, 4_000))
    assert (refused.status, refused.reason) == ("RJCT", "AG01")
    assert refused.detail == f"{BANK_A} is not active"
    assert _balance(world, BANK_B) == balance_b
    world.hub.set_status(BANK_A, ParticipantStatus.active)
    assert world.hub.submit(BANK_B, world.payment_return(BANK_B, uetr, 4_000)).status == "ACSC"
    tracking = world.hub.track(_principal(BANK_A), uetr)
    assert tracking is not None and tracking.payment.returned_minor == 4_000
    _assert_ledger_sound(world)


def test_an_on_us_payment_is_refused_by_routing_with_a_clear_reason(world: HubWorld) -> None:
    indirect = Participant(
        bic="MALABINB",
        name="Malabar Bank",
        country="IN",
        kind=ParticipantKind.indirect,
        settles_through=BANK_B,
    )
    world.hub.onboard(indirect)
    balance_b = _balance(world, BANK_B)
    on_us = f"the debtor and creditor agents both settle on {BANK_B}'s INR account"
    for creditor_agent in (BANK_B, "MALABINB"):  # itself, or its own indirect participant
        data, _ = world.credit_transfer(BANK_B, creditor_agent, [1_000])
        answer = world.hub.submit(BANK_B, data)
        assert (answer.status, answer.reason) == ("RJCT", "NARR")
        assert answer.detail.startswith(on_us)
    assert _balance(world, BANK_B) == balance_b
    # To the indirect participant from another bank: settled on its direct participant.
    data, _ = world.credit_transfer(BANK_A, "MALABINB", [1_000])
    assert world.hub.submit(BANK_A, data).status == "ACSC"
    assert _balance(world, BANK_B) == balance_b + 1_000
    _assert_ledger_sound(world)


def test_cancellation_of_a_settled_payment_is_refused(world: HubWorld) -> None:
    data, (uetr,) = world.credit_transfer(BANK_A, BANK_B, [10_000])
    world.hub.submit(BANK_A, data)
    answer = world.hub.submit(BANK_A, world.cancellation(BANK_A, uetr))
    assert answer.kind.startswith("camt.029")
    assert (answer.status, answer.reason) == ("RJCR", "ARDT")
    unknown = world.hub.submit(
        BANK_A, world.cancellation(BANK_A, "0f0e0d0c-0b0a-4908-8706-050403020100")
    )
    assert unknown.reason == "NOOR"


def test_tracking_is_only_for_the_parties(world: HubWorld) -> None:
    data, (uetr,) = world.credit_transfer(BANK_A, BANK_B, [100])
    world.hub.submit(BANK_A, data)
    assert world.hub.track(_principal(BANK_B), uetr) is not None
    assert world.hub.track(_principal(BANK_C), uetr) is None
    assert world.hub.track(Principal("ops", Role.auditor), uetr) is not None
    assert (
        world.hub.ack(
            _principal(BANK_C), [m.message_id for m in world.hub.outbox(_principal(BANK_B))]
        ).acknowledged
        == ()
    )


def _body_of(world: HubWorld, data: bytes) -> object:
    parsed = world.hub.take(BANK_A, data).parsed
    assert parsed is not None
    return parsed.body
