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
from typing import TYPE_CHECKING, Any

import httpx

from corridor.client import Approval, compose_credit_transfer, sign_message
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
HTTP_TIMEOUT_S = 10.0
HELD, SETTLED_STATE, REJECTED_STATE = "HELD", "SETTLED", "REJECTED"


def holds(day: Day) -> None:
    """Send the payments that hit the list; release the first (four eyes), reject the
    second."""
    assert len(day.officers) >= 2, "four eyes need two compliance officers"
    rng = random.Random(day.options.seed + 4)
    with _Officer(day, 0) as first:
        for index, (currency, amount, creditor_name, decision) in enumerate(HELD_PAYMENTS):
            banks = day.network.banks_by_currency()[currency]
            debtor, creditor = banks[index % len(banks)], banks[(index + 1) % len(banks)]
            uetr = make_uetr(rng)
            if not _send_held(day, debtor, creditor, (currency, amount, creditor_name), uetr):
                continue
            day.summary.holds.hits[uetr] = first.case_summary(uetr)
            if decision == "release":
                _release(day, first, debtor, creditor, uetr)
            else:
                _reject(day, first, debtor, uetr)


def _send_held(day: Day, debtor: Bank, creditor: Bank, payment: tuple[str, str, str],
               uetr: str) -> bool:
    """Send one payment to a listed name; True if the hub holds it (PDNG, HELD)."""
    currency, amount, creditor_name = payment
    xml = compose_credit_transfer(
        debtor.bic, creditor.bic, amount, currency,
        debtor_name=f"{debtor.name.split()[0]} Machinery Exports",
        creditor_name=creditor_name,
        remittance="Spare parts, order 7731",
        uetr=uetr,
        hub_bic=day.network.hub_bic,
    )
    answer = day.clients[debtor.bic].send(sign_message(xml, debtor.key))
    state = day.clients[debtor.bic].track(uetr).state
    if answer.status != "PDNG" or state != HELD:
        day.summary.holds.unavailable.append(
            f"{uetr}: answered {answer.status}, tracked {state} (not held)")
        return False
    day.summary.holds.held.append(uetr)
    return True


def _release(day: Day, first: _Officer, debtor: Bank, creditor: Bank, uetr: str) -> None:
    """Officer 1 requests the release, officer 2 approves it: the payment settles."""
    outcome = day.summary.holds
    approval = first.request_release(uetr, "false positive: a different company")
    if approval is None:
        return
    decision = day.officers[1].approve(approval.id)
    outcome.approval = f"{approval.id}: {approval.requested_by} + {decision.approval.decided_by}"
    tracking = day.clients[debtor.bic].track(uetr)
    outcome.release_steps = [event.state for event in tracking.events]
    if tracking.state == SETTLED_STATE:
        outcome.released.append(uetr)
        with day.lock:
            day.record_settled(tracking.currency, debtor.bic, creditor.bic, uetr,
                               tracking.amount_minor)


def _reject(day: Day, first: _Officer, debtor: Bank, uetr: str) -> None:
    """One officer rejects the held payment: its sender gets RJCT (RR04)."""
    if not first.reject(uetr, "confirmed match with the national list"):
        return
    tracking = day.clients[debtor.bic].track(uetr)
    if tracking.state == REJECTED_STATE:
        day.summary.holds.rejected.append(uetr)


class _Officer:
    """A compliance officer's calls to /v1/compliance (cases, release, reject) over HTTP.
    A route this hub does not have is noted in `holds.unavailable`, not raised."""

    def __init__(self, day: Day, index: int) -> None:
        self.day = day
        self.http = httpx.Client(
            base_url=day.base_url,
            timeout=HTTP_TIMEOUT_S,
            headers={"Authorization": f"Bearer {day.network.compliance_tokens[index]}"},
        )

    def __enter__(self) -> _Officer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.http.close()

    def case_summary(self, uetr: str) -> str:
        data = self._call("GET", "/v1/compliance/cases", params={"uetr": uetr})
        cases = data.get("data", []) if data else []
        return str(cases[0].get("summary", "")) if cases else ""

    def request_release(self, uetr: str, note: str) -> Approval | None:
        data = self._call("POST", f"/v1/compliance/cases/{uetr}/release", json={"note": note})
        return Approval.from_json(data) if data else None

    def reject(self, uetr: str, note: str) -> bool:
        return self._call("POST", f"/v1/compliance/cases/{uetr}/reject",
                          json={"note": note}) is not None

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any] | None:
        response = self.http.request(method, path, **kwargs)
        if response.status_code in (404, 405):  # no such route on this hub (yet)
            self.day.summary.holds.unavailable.append(
                f"{method} {path}: HTTP {response.status_code}")
            return None
        response.raise_for_status()
        data = response.json()
        assert isinstance(data, dict), data
        return data
