"""Screening holds in the hub: a payment to a listed name is held before any money moves;
one officer cannot release it alone; a second officer's approval settles it; a rejection
sends RJCT (RR04); every decision is in the audit log; held payments survive a restart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError
from tests.support.hub import BANK_A, BANK_B, HubWorld, fail_commits, make_world, restarted_hub
from tests.support.watchlists import LIST_CSV, OFFICER_1, OFFICER_2, archived_list

from corridor.foundation.errors import InputError
from corridor.hub.compliance import ComplianceConfig
from corridor.hub.security import Principal, Role
from corridor.iso20022.records import CreditTransfer, Party
from corridor.payments.records import CaseStatus, ParticipantStatus, PaymentState
from corridor.screening import AmlRules, load_simple_csv
from corridor.store.watchlist_archive import ArchivedVersion, WatchListArchive

OPERATOR = Principal("ops", Role.operator)


@pytest.fixture
def world(tmp_path: Path) -> HubWorld:
    return make_world(tmp_path, watchlists_dir=archived_list(tmp_path / "lists"))


def _payment_to(
    world: HubWorld, creditor_name: str, amount_minor: int = 250_000_00
) -> tuple[bytes, str]:
    data, (uetr,) = world.credit_transfer(BANK_A, BANK_B, [amount_minor])
    body = world.hub.take(BANK_A, data).parsed.body  # type: ignore[union-attr]
    assert isinstance(body, CreditTransfer)
    tx = body.transactions[0]
    import dataclasses

    renamed = dataclasses.replace(tx, creditor=Party(name=creditor_name, country="RU"))
    return world.sign(BANK_A, dataclasses.replace(body, transactions=(renamed,))), uetr


def _balance(world: HubWorld, bic: str) -> int:
    return world.hub.available_minor(bic, "INR")


def test_a_hit_holds_then_two_officers_release_and_it_settles(world: HubWorld) -> None:
    before_b = _balance(world, BANK_B)
    data, uetr = _payment_to(world, "VOLKOV HEAVY MACHINERY TRADING")
    answer = world.hub.submit(BANK_A, data)
    assert answer.status == "PDNG"
    assert _balance(world, BANK_B) == before_b  # no funds moved
    (case,) = world.hub.cases(OFFICER_1, CaseStatus.open)
    assert case.uetr == uetr and "SANC-1" in case.summary
    explanation = json.loads(case.hits)
    assert explanation["hits"][0]["entry"] == "national:SANC-1"
    assert explanation["hits"][0]["explanation"]
    assert json.loads(case.lists_used) == {"national": explanation["hits"][0]["version"]}
    request = world.hub.request_approval(
        OFFICER_1, "release_hold", {"uetr": uetr, "note": "false positive"}
    )
    with pytest.raises(InputError, match="four eyes"):
        world.hub.approve(OFFICER_1, request.id)
    with pytest.raises(InputError, match="needs a compliance user"):
        world.hub.approve(OPERATOR, request.id)
    assert world.hub.approve(OFFICER_2, request.id).result == "settled"
    assert _balance(world, BANK_B) == before_b + 250_000_00
    tracking = world.hub.track(OPERATOR, uetr)
    assert tracking is not None and tracking.payment.state is PaymentState.settled
    states = [e.state for e in tracking.events]
    assert states[-3:] == [PaymentState.held, PaymentState.screened, PaymentState.settled]
    (released,) = world.hub.cases(OFFICER_1, uetr=uetr)
    assert released.status is CaseStatus.released and released.decided_by == "olga + omar"
    actions = [(e.actor, e.action) for e in world.hub.audit.entries()]
    assert ("olga", "request:release_hold") in actions and (
        "omar",
        "approve:release_hold",
    ) in actions
    assert world.hub.audit.verify().problems == ()


def test_a_rejected_hold_sends_rjct_rr04(world: HubWorld) -> None:
    data, uetr = _payment_to(world, "Ivan Sidorov")
    assert world.hub.submit(BANK_A, data).status == "PDNG"
    case = world.hub.reject_hold(OFFICER_1, uetr, "confirmed match")
    assert case.status is CaseStatus.rejected
    tracking = world.hub.track(OPERATOR, uetr)
    assert tracking is not None
    assert (tracking.payment.state, tracking.payment.reason) == (PaymentState.rejected, "RR04")
    last = world.hub.outbox(Principal(BANK_A, Role.participant), limit=100)[-1]
    assert b"RJCT" in last.payload and b"RR04" in last.payload
    assert ("olga", "reject_hold") in [(e.actor, e.action) for e in world.hub.audit.entries()]
    with pytest.raises(InputError):
        world.hub.reject_hold(OPERATOR, uetr, "operators cannot decide holds")


def test_clean_payments_pass_and_say_which_lists_were_used(world: HubWorld) -> None:
    data, uetr = world.credit_transfer(BANK_A, BANK_B, [100])
    assert world.hub.submit(BANK_A, data).status == "ACSC"
    tracking = world.hub.track(OPERATOR, uetr[0])
    assert tracking is not None
    assert "screened against national@" in tracking.events[2].detail


def test_held_payments_survive_a_restart(world: HubWorld, tmp_path: Path) -> None:
    data, uetr = _payment_to(world, "VHM Trading")
    assert world.hub.submit(BANK_A, data).status == "PDNG"
    restarted = restarted_hub(tmp_path, world, watchlists_dir=tmp_path / "lists")
    assert restarted.compliance.held_uetrs() == [uetr]
    request = restarted.request_approval(OFFICER_1, "release_hold", {"uetr": uetr})
    assert restarted.approve(OFFICER_2, request.id).result == "settled"


def test_new_list_version_rescreens_queued_payments(tmp_path: Path) -> None:
    world = make_world(tmp_path)  # no lists at first
    big = world.hub.available_minor(BANK_A, "INR") + 1
    data, uetr = _payment_to(world, "Boris Karlovich Zhukov", big)
    assert world.hub.submit(BANK_A, data).status == "PDNG"  # queued for liquidity
    assert world.hub.liquidity.length() == 1
    root = tmp_path / "lists"
    csv = LIST_CSV + b"SANC-3,Boris Karlovich Zhukov,person,,RU\n"
    lst = load_simple_csv(csv, list_name="national")
    WatchListArchive(root).store(
        ArchivedVersion(
            "national",
            lst.version,
            "simple_csv",
            "2026-01-05T10:00:00+00:00",
            len(lst.entries),
            lst.name_count,
            ("national.csv",),
        ),
        {"national.csv": csv},
    )
    report = world.hub.reload_lists(root, actor="ops")
    assert report.queued_now_held == 1
    assert world.hub.liquidity.length() == 0
    tracking = world.hub.track(OPERATOR, uetr)
    assert tracking is not None and tracking.payment.state is PaymentState.held
    assert [c.uetr for c in world.hub.cases(OFFICER_1, CaseStatus.open)] == [uetr]


def test_a_known_false_positive_is_suppressed_with_four_eyes(world: HubWorld) -> None:
    data, uetr = _payment_to(world, "Ivan Sidorov")
    assert world.hub.submit(BANK_A, data).status == "PDNG"
    (case,) = world.hub.cases(OFFICER_1, CaseStatus.open, uetr)
    hit = json.loads(case.hits)["hits"][0]
    request = world.hub.request_approval(
        OFFICER_1,
        "suppress_hit",
        {
            "list_name": "national",
            "list_version": hit["version"],
            "entry_id": hit["entry"],
            "name": "Ivan Sidorov",
            "reason": "our customer, a different person",
        },
    )
    with pytest.raises(InputError, match="four eyes"):
        world.hub.approve(OFFICER_1, request.id)
    assert world.hub.approve(OFFICER_2, request.id).result == 1
    data, uetr = _payment_to(world, "Ivan Sidorov")
    assert world.hub.submit(BANK_A, data).status == "ACSC"  # suppressed: it passes now
    tracking = world.hub.track(OPERATOR, uetr)
    assert tracking is not None and "1 suppressed" in tracking.events[2].detail
    data, _ = _payment_to(world, "Ivan Petrovich Sidorov")  # another name still hits
    assert world.hub.submit(BANK_A, data).status == "PDNG"


def test_a_rescreen_does_not_count_a_queued_payment_twice_for_aml(tmp_path: Path) -> None:
    # Two payments per debtor per window are allowed: re-screening the queued payment under
    # new lists must not add it to the AML history again (the next payment would see three).
    aml = AmlRules(velocity_count_max=2, hold={"velocity_count": True})
    lists = archived_list(tmp_path / "lists")
    world = make_world(tmp_path, watchlists_dir=lists, compliance=ComplianceConfig(aml=aml))
    big = world.hub.available_minor(BANK_A, "INR") + 1
    data, _ = _payment_to(world, "Boris Karlovich Zhukov", big)
    assert world.hub.submit(BANK_A, data).status == "PDNG"  # queued for liquidity
    for _ in range(2):
        assert world.hub.reload_lists(lists, actor="ops").queued_now_held == 0
    assert world.hub.liquidity.length() == 1
    data, uetr = _payment_to(world, "Boris Karlovich Zhukov", 1_000_00)
    assert world.hub.submit(BANK_A, data).status != "RJCT"
    tracking = world.hub.track(OPERATOR, uetr)
    assert tracking is not None and tracking.payment.state is not PaymentState.held


def test_a_held_payment_to_a_participant_suspended_meanwhile_is_rejected_on_release(
    world: HubWorld,
) -> None:
    data, uetr = _payment_to(world, "VOLKOV HEAVY MACHINERY TRADING")
    assert world.hub.submit(BANK_A, data).status == "PDNG"
    world.hub.set_status(BANK_B, ParticipantStatus.suspended)
    before_b = _balance(world, BANK_B)
    request = world.hub.request_approval(OFFICER_1, "release_hold", {"uetr": uetr})
    assert world.hub.approve(OFFICER_2, request.id).result == "rejected"
    assert _balance(world, BANK_B) == before_b
    tracking = world.hub.track(OPERATOR, uetr)
    assert tracking is not None and tracking.payment.state is PaymentState.rejected
    assert tracking.payment.reason == "AG01"
    assert tracking.events[-1].detail == f"{BANK_B} is not active"
    (case,) = world.hub.cases(OFFICER_1, uetr=uetr)
    assert case.status is CaseStatus.released and case.decided_by == "olga + omar"
    answer = world.hub.outbox(Principal(BANK_A, Role.participant))[-1]
    assert uetr in answer.uetrs and b"<TxSts>RJCT</TxSts>" in answer.payload
    assert world.hub.outbox(Principal(BANK_B, Role.participant)) == []  # nothing forwarded


def test_a_release_whose_commit_failed_leaves_the_payment_held_for_a_new_one(
    world: HubWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, uetr = _payment_to(world, "VHM Trading")
    assert world.hub.submit(BANK_A, data).status == "PDNG"
    request = world.hub.request_approval(OFFICER_1, "release_hold", {"uetr": uetr})
    fail_commits(monkeypatch, world.hub, {1})
    with pytest.raises(OperationalError):
        world.hub.approve(OFFICER_2, request.id)
    assert world.hub.compliance.held_uetrs() == [uetr]  # still held: nothing committed
    again = world.hub.request_approval(OFFICER_1, "release_hold", {"uetr": uetr})
    assert world.hub.approve(OFFICER_2, again.id).result == "settled"
    assert world.hub.compliance.held_uetrs() == []
    tracking = world.hub.track(OPERATOR, uetr)
    assert tracking is not None and tracking.payment.state is PaymentState.settled


def test_a_released_hold_that_fails_to_queue_stays_held_for_the_same_approval(
    world: HubWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = world.hub.available_minor(BANK_A, "INR") + 1_00  # it must wait for liquidity
    data, uetr = _payment_to(world, "VHM Trading", amount_minor=big)
    assert world.hub.submit(BANK_A, data).status == "PDNG"
    request = world.hub.request_approval(OFFICER_1, "release_hold", {"uetr": uetr})
    commits = fail_commits(monkeypatch, world.hub, {2})  # the try to settle, then the queue
    with pytest.raises(OperationalError):
        world.hub.approve(OFFICER_2, request.id)
    assert len(commits) == 2
    assert world.hub.compliance.held_uetrs() == [uetr]  # not out of the hold and lost
    assert world.hub.liquidity.entries("INR") == []
    assert world.hub.approve(OFFICER_2, request.id).result == "queued"  # the same approval
    assert world.hub.compliance.held_uetrs() == []
    assert [e.instruction.uetr for e in world.hub.liquidity.entries("INR")] == [uetr]


def test_a_released_hold_of_a_suspended_party_that_fails_to_reject_stays_held(
    world: HubWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, uetr = _payment_to(world, "VHM Trading")
    assert world.hub.submit(BANK_A, data).status == "PDNG"
    world.hub.set_status(BANK_B, ParticipantStatus.suspended)
    request = world.hub.request_approval(OFFICER_1, "release_hold", {"uetr": uetr})
    fail_commits(monkeypatch, world.hub, {1})
    with pytest.raises(OperationalError):
        world.hub.approve(OFFICER_2, request.id)
    assert world.hub.compliance.held_uetrs() == [uetr]
    assert world.hub.approve(OFFICER_2, request.id).result == "rejected"
    assert world.hub.compliance.held_uetrs() == []
