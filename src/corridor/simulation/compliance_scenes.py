"""The compliance scene: payments held by watch-list screening, and their resolution.

The demo network is prepared with a small national watch list (DEMO_WATCH_LIST: a few
fictitious sanctioned names) and served with it. Two banks each send a payment whose
creditor's name matches a listed name: the hub holds both before any money moves (PDNG;
the tracker shows HELD) and opens a case that explains the hit. For the first, one
compliance officer requests the release and a second officer approves it (four eyes):
it settles. The second is rejected by an officer: its sender gets RJCT (RR04).
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from corridor.client import CorridorClient, compose_credit_transfer, sign_message
from corridor.simulation.network import Bank
from corridor.simulation.traffic import make_uetr

if TYPE_CHECKING:
    from corridor.simulation.day import Day

DEMO_WATCH_LIST = (
    b"id,name,entity_type,aliases,countries\n"
    b"DEMO-1,Obsidian Crescent Shipping LLC,entity,Obsidian Crescent Maritime,AE\n"
    b"DEMO-2,Viktor Anatolyevich Zmeev,person,Viktor Zmeev,RU\n"
    b"DEMO-3,Red Lantern Arms Trading Company,entity,Red Lantern Arms,KP\n"
    b"DEMO-4,Kestrel Dual-Use Components FZE,entity,,AE\n"
)
# (currency, amount, creditor name as the debtor's customer wrote it, decision)
HELD_PAYMENTS = (
    ("INR", "1250000.00", "Obsidian Crescent Shipping", "release"),
    ("RUB", "2000000.00", "Viktor A. Zmeev", "reject"),
)
HELD, REJECTED_STATE = "HELD", "REJECTED"
SETTLED_STATES = ("SETTLED", "DELIVERED")  # delivered: the creditor bank already acked


def holds(day: Day) -> None:
    """Send the payments that hit the list; release the first (four eyes), reject the
    second."""
    assert len(day.officers) >= 2, "four eyes need two compliance officers"
    rng = random.Random(day.options.seed + 4)
    first = day.officers[0]
    for index, (currency, amount, creditor_name, decision) in enumerate(HELD_PAYMENTS):
        banks = day.network.banks_by_currency()[currency]
        debtor, creditor = banks[index % len(banks)], banks[(index + 1) % len(banks)]
        uetr = make_uetr(rng)
        if not _send_held(day, debtor, creditor, (currency, amount, creditor_name), uetr):
            continue
        day.summary.holds.hits[uetr] = " | ".join(c.summary for c in first.cases(uetr=uetr))
        if decision == "release":
            _release(day, first, debtor, creditor, uetr)
        else:
            _reject(day, first, debtor, uetr)


def _send_held(
    day: Day, debtor: Bank, creditor: Bank, payment: tuple[str, str, str], uetr: str
) -> bool:
    """Send one payment to a listed name; True if the hub holds it (PDNG, HELD)."""
    currency, amount, creditor_name = payment
    xml = compose_credit_transfer(
        debtor.bic,
        creditor.bic,
        amount,
        currency,
        debtor_name=f"{debtor.name.split()[0]} Machinery Exports",
        creditor_name=creditor_name,
        remittance="Spare parts, order 7731",
        uetr=uetr,
        hub_bic=day.network.hub_bic,
    )
    answer = day.clients[debtor.bic].send(sign_message(xml, debtor.key))
    state = day.clients[debtor.bic].track(uetr).state
    if answer.status != "PDNG" or state != HELD:
        day.summary.holds.not_held.append(
            f"{uetr}: answered {answer.status}, tracked {state} (not held)"
        )
        return False
    day.summary.holds.held.append(uetr)
    return True


def _release(day: Day, first: CorridorClient, debtor: Bank, creditor: Bank, uetr: str) -> None:
    """Officer 1 requests the release, officer 2 approves it: the payment settles."""
    outcome = day.summary.holds
    approval = first.request_release(uetr, "false positive: a different company")
    decision = day.officers[1].approve(approval.id)
    outcome.approval = f"{approval.id}: {approval.requested_by} + {decision.approval.decided_by}"
    tracking = day.clients[debtor.bic].track(uetr)
    outcome.release_steps = [event.state for event in tracking.events]
    if tracking.state in SETTLED_STATES:
        outcome.released.append(uetr)
        with day.lock:
            day.record_settled(
                tracking.currency, debtor.bic, creditor.bic, uetr, tracking.amount_minor
            )


def _reject(day: Day, officer: CorridorClient, debtor: Bank, uetr: str) -> None:
    """One officer rejects the held payment: its sender gets RJCT (RR04)."""
    officer.reject_hold(uetr, "confirmed match with the national list")
    tracking = day.clients[debtor.bic].track(uetr)
    if (tracking.state, tracking.reason) == (REJECTED_STATE, "RR04"):
        day.summary.holds.rejected.append(uetr)
