"""Liquidity scenes: queued payments and a gridlock resolved; the end of the day.

`gridlock`: the operator drains three banks of one currency close to their floors (four
eyes: credit line to 0, then defund all but a little headroom), the banks send each other
two rings of payments larger than their headroom, which queue (PDNG); the operator looks
at the queue and forces a gridlock run, which settles the rings at once with only the
net positions as liquidity: gross settled, net liquidity used, liquidity saved.

`end_of_day`: the operator ends the day in every currency (cut-off, then a camt.053 per
account, which the hub sends only if it reconciles); every bank and FX provider reads its
statements from its inbox and checks opening balance + entries = closing balance.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import TYPE_CHECKING

from corridor.client import AuditEntry, Balance, CorridorClient
from corridor.foundation.money import format_amount, parse_amount
from corridor.iso20022.pipeline import ParsedMessage, parse_message
from corridor.iso20022.records import AccountReport, CashReport
from corridor.simulation.network import Bank
from corridor.simulation.traffic import Leg, make_order, make_uetr

if TYPE_CHECKING:
    from corridor.simulation.day import Day

GRIDLOCK_CURRENCY = "ZAR"
HEADROOM = "25000.00"  # what each drained bank can still pay, in GRIDLOCK_CURRENCY
# Two rings among banks (a, b, c): (debtor, creditor, amount as a multiple of the
# headroom). Every payment exceeds the headroom, so each one queues; the net positions
# (a +1.4, b -0.6, c -0.8 headrooms) fit, so one gridlock run settles all six.
RING = ((0, 1, "2.0"), (1, 2, "2.4"), (2, 0, "2.8"), (0, 2, "1.2"), (2, 1, "1.6"), (1, 0, "1.8"))
RING_BANKS = 3
PAGE_LIMIT_MAX = 1_000
PAGES_MAX = 100
STATEMENT_KIND = "camt.053"
PENDING = "PDNG"
SETTLED_STATES = ("SETTLED", "DELIVERED")  # delivered: the creditor bank already acked


def gridlock(day: Day) -> None:
    """Drain three banks, queue two payment rings, show the queue, resolve the gridlock."""
    currency = GRIDLOCK_CURRENCY
    banks = day.network.banks_by_currency()[currency][:RING_BANKS]
    assert len(banks) == RING_BANKS, f"the {currency} area needs {RING_BANKS} banks"
    outcome = day.summary.gridlock
    outcome.currency = currency
    headroom_minor = parse_amount(HEADROOM, currency, field="headroom")
    audit_after = max((e.seq for e in _audit_entries(day.operator)), default=0)
    for bank in banks:
        _drain(day, bank, currency, headroom_minor)
    legs = _send_rings(day, banks, currency, headroom_minor)
    outcome.queue_listed = len(day.operator.queues(currency))
    report = day.operator.gridlock(currency)
    settled = _record_settled(day, currency, legs)
    if report.settled_count == len(settled):
        outcome.settled = report.settled_count
        outcome.gross_minor = report.gross_minor
        outcome.net_used_minor = report.net_used_minor
        outcome.saved_minor = report.liquidity_saved_minor
        outcome.resolved_by = "operator"
    else:  # the hub's periodic gridlock run (every few seconds) settled some first
        runs = list(_audit_entries(day.operator, audit_after))
        totals = gridlock_totals(runs, currency, [legs[uetr][2] for uetr in settled])
        outcome.settled, outcome.gross_minor, outcome.net_used_minor, outcome.saved_minor = totals
        outcome.resolved_by = "operator and hub timer" if report.settled_count else "hub timer"


def _drain(day: Day, bank: Bank, currency: str, headroom_minor: int) -> None:
    """Four eyes twice: credit line to 0 (floor 0), then defund all but the headroom."""
    outcome = day.summary.gridlock
    _four_eyes(
        day,
        "set_credit_line",
        {"bic": bank.bic, "currency": currency, "credit_line": format_amount(0, currency)},
    )
    account = _account(day, bank, currency)
    floor_minor = account.floor_minor or 0
    excess_minor = account.available_minor - floor_minor - headroom_minor
    if excess_minor > 0:
        _four_eyes(
            day,
            "defund",
            {
                "bic": bank.bic,
                "currency": currency,
                "amount": format_amount(excess_minor, currency),
            },
        )
    account = _account(day, bank, currency)
    outcome.headroom_minor[bank.bic] = account.available_minor - (account.floor_minor or 0)


def _account(day: Day, bank: Bank, currency: str) -> Balance:
    """The bank's settlement account in `currency`, as the operator sees it now."""
    (account,) = [a for a in day.operator.accounts(bank.bic) if a.currency == currency]
    return account


def _four_eyes(day: Day, action: str, params: dict[str, str]) -> None:
    """The operator asks, a second operator approves; the hub carries it out."""
    request = day.operator.request_approval(action, params)
    decision = day.approver.approve(request.id)
    if decision.result not in ("ok", None):
        raise AssertionError(
            f"{action} {params} was approved but not carried out: {decision.result}"
        )
    day.summary.gridlock.approvals += 1


def _send_rings(
    day: Day, banks: tuple[Bank, ...], currency: str, headroom_minor: int
) -> dict[str, tuple[Bank, Bank, int]]:
    """Send the ring payments; UETR -> (debtor, creditor, amount) of those queued."""
    queued: dict[str, tuple[Bank, Bank, int]] = {}
    rng = random.Random(day.options.seed + 2)  # same seed, same UETRs
    for index, (debtor, creditor, times) in enumerate(RING):
        amount_minor = int(headroom_minor * Decimal(times))
        leg = Leg(make_uetr(rng), banks[creditor].bic, amount_minor)
        order = make_order(
            day.network,
            banks[debtor],
            currency,
            f"RING{day.options.seed % 10_000:04d}{index:04d}",
            (leg,),
        )
        answer = day.clients[order.sender].send(order.xml)
        if answer.status == PENDING:
            queued[leg.uetr] = (banks[debtor], banks[creditor], amount_minor)
            day.summary.gridlock.queued.append(leg.uetr)
    return queued


def _record_settled(day: Day, currency: str, legs: dict[str, tuple[Bank, Bank, int]]) -> list[str]:
    """The queued payments that are now settled (as their senders track them)."""
    settled = []
    for uetr, (debtor, creditor, amount_minor) in legs.items():
        if day.clients[debtor.bic].track(uetr).state in SETTLED_STATES:
            settled.append(uetr)
            with day.lock:
                day.record_settled(currency, debtor.bic, creditor.bic, uetr, amount_minor)
    return settled


def gridlock_totals(
    entries: Iterable[AuditEntry], currency: str, amounts_minor: list[int]
) -> tuple[int, int, int, int]:
    """(settled, gross, net used, saved) of the gridlock runs in `entries` (audit log) for
    `currency`, whose settled payments had `amounts_minor`: the audit entry of each run
    gives its settled count and liquidity saved; net used is gross less saved."""
    settled = saved_minor = 0
    for entry in entries:
        detail = json.loads(entry.detail) if entry.action == "gridlock" else {}
        if detail.get("currency") == currency:
            settled += int(detail["settled"])
            saved_minor += int(detail["saved_minor"])
    gross_minor = sum(amounts_minor)
    assert 0 <= saved_minor <= gross_minor, (saved_minor, gross_minor)
    return settled, gross_minor, gross_minor - saved_minor, saved_minor


def _audit_entries(client: CorridorClient, after: int = 0) -> Iterator[AuditEntry]:
    for _ in range(PAGES_MAX):
        page = client.audit(after, PAGE_LIMIT_MAX)
        yield from page.entries
        if not page.has_more:
            return
        after = page.next_after


# -- end of day -------------------------------------------------------------------------
def end_of_day(day: Day) -> None:
    """End the day in every currency; every participant collects and checks its camt.053."""
    outcome = day.summary.statements
    for status in day.operator.day_states():
        result = day.operator.end_of_day(status.currency)
        outcome.made[result.currency] = result.statements
        outcome.entries += result.entries
        outcome.rejected_at_cut_off += result.rejected_at_cut_off
    for bic, client in day.clients.items():
        for report in _statements(client):
            outcome.delivered += 1
            outcome.recipients.add(bic)
            outcome.reconciled += reconciles(report)


def _statements(client: CorridorClient) -> Iterator[AccountReport]:
    """Every camt.053 account statement in the inbox (acknowledged once read)."""
    after = 0
    for _ in range(PAGES_MAX):
        page = client.outbox(after, PAGE_LIMIT_MAX)
        for message in page.messages:
            if message.kind.startswith(STATEMENT_KIND):
                yield from _account_reports(message.payload)
        if page.messages:
            client.ack([m.message_id for m in page.messages])
        if not page.has_more:
            return
        after = page.next_after


def _account_reports(payload: bytes) -> tuple[AccountReport, ...]:
    parsed = parse_message(payload)
    if not isinstance(parsed, ParsedMessage) or not isinstance(parsed.body, CashReport):
        raise AssertionError("a camt.053 in the inbox did not parse as a statement")
    return parsed.body.reports


def reconciles(report: AccountReport) -> bool:
    """Opening booked balance + booked entries == closing booked balance."""
    balances = {
        b.type_code: b.amount_minor if b.credit else -b.amount_minor for b in report.balances
    }
    if "OPBD" not in balances or "CLBD" not in balances:
        return False
    moved = sum(
        e.amount_minor if e.credit else -e.amount_minor
        for e in report.entries
        if e.status == "BOOK"
    )
    return balances["OPBD"] + moved == balances["CLBD"]
