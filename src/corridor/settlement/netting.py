"""Deferred net settlement: windows that clear payments and settle net positions.

A window of one currency is `open` (payments are cleared into it), then `closed` (its
multilateral net positions are fixed), then `settled` (the linked batch that moves the
net amounts through the netting account was applied by the hub). Net debtors pay the
netting account first, then the netting account pays the net creditors: all in one
linked chain, so either every participant is settled or none is (a net debtor short of
liquidity fails the whole chain, and the window stays `closed`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from enum import IntEnum

from corridor.ledger import CreateTransfer
from corridor.settlement.payments import QueuedPayment

WINDOW_PAYMENTS_MAX = 1_000_000
TRANSFER_CODE_NETTING = 40


class WindowState(IntEnum):
    open = 0
    closed = 1
    settled = 2


class WindowResult(IntEnum):
    """Outcome of a window change."""

    ok = 0
    not_open = 1
    not_closed = 2
    wrong_currency = 3
    exists = 4
    window_full = 5


@dataclass(frozen=True, slots=True)
class WindowReport:
    """What a window cleared and how it settled.

    Attributes:
        window_id, currency, state: as the window.
        payment_count / gross_minor: payments cleared and their total.
        net_positions_minor: participant -> received less paid (non-zero only).
        net_settlement_minor: what moves at settlement: the sum of the net debits.
        liquidity_saved_minor: gross_minor - net_settlement_minor.
        opened_at_ms / closed_at_ms / settled_at_ms: 0 when not yet.
    """

    window_id: int
    currency: str
    state: WindowState
    payment_count: int
    gross_minor: int
    net_positions_minor: Mapping[str, int]
    net_settlement_minor: int
    liquidity_saved_minor: int
    opened_at_ms: int
    closed_at_ms: int
    settled_at_ms: int


class NettingWindow:
    """One settlement window of one currency."""

    __slots__ = (
        "_ids",
        "_net",
        "_payments",
        "closed_at_ms",
        "currency",
        "gross_minor",
        "opened_at_ms",
        "settled_at_ms",
        "state",
        "window_id",
    )

    def __init__(self, window_id: int, currency: str, opened_at_ms: int) -> None:
        self.window_id = window_id
        self.currency = currency
        self.state = WindowState.open
        self.opened_at_ms = opened_at_ms
        self.closed_at_ms = 0
        self.settled_at_ms = 0
        self.gross_minor = 0
        self._payments: list[QueuedPayment] = []
        self._ids: set[int] = set()
        self._net: dict[str, int] = {}

    def add(self, payment: QueuedPayment) -> WindowResult:
        """Clear a payment into the window (it settles at the window's net settlement)."""
        if self.state is not WindowState.open:
            return WindowResult.not_open
        if payment.currency != self.currency:
            return WindowResult.wrong_currency
        if payment.payment_id in self._ids:
            return WindowResult.exists
        if len(self._payments) >= WINDOW_PAYMENTS_MAX:
            return WindowResult.window_full
        self._payments.append(payment)
        self._ids.add(payment.payment_id)
        self.gross_minor += payment.amount_minor
        net = self._net
        net[payment.debtor] = net.get(payment.debtor, 0) - payment.amount_minor
        net[payment.creditor] = net.get(payment.creditor, 0) + payment.amount_minor
        return WindowResult.ok

    def payments(self) -> list[QueuedPayment]:
        return list(self._payments)

    def net_positions(self) -> dict[str, int]:
        """participant -> received less paid, non-zero only, by participant."""
        positions = {name: self._net[name] for name in sorted(self._net) if self._net[name]}
        assert sum(positions.values()) == 0
        return positions

    def close(self, now_ms: int) -> WindowResult:
        if self.state is not WindowState.open:
            return WindowResult.not_open
        self.state = WindowState.closed
        self.closed_at_ms = now_ms
        return WindowResult.ok

    def settlement_commands(
        self,
        account_of: Callable[[str], int],
        netting_account_id: int,
        next_id: Callable[[], int],
    ) -> list[CreateTransfer]:
        """The linked batch that settles a closed window (empty when nothing moves).

        `account_of(participant)` gives its settlement account in this currency;
        `next_id()` a new transfer id. Net debtors pay the netting account, then the
        netting account pays net creditors; every command but the last is linked.
        """
        if self.state is not WindowState.closed:
            raise ValueError(f"window {self.window_id} is {self.state.name}, not closed")
        positions = self.net_positions()
        reference = f"netting window {self.window_id}"
        pay_in = [
            CreateTransfer(
                next_id(),
                account_of(name),
                netting_account_id,
                -net,
                code=TRANSFER_CODE_NETTING,
                reference=reference,
                linked=True,
            )
            for name, net in positions.items()
            if net < 0
        ]
        pay_out = [
            CreateTransfer(
                next_id(),
                netting_account_id,
                account_of(name),
                net,
                code=TRANSFER_CODE_NETTING,
                reference=reference,
                linked=True,
            )
            for name, net in positions.items()
            if net > 0
        ]
        chain = pay_in + pay_out
        if chain:
            chain[-1] = replace(chain[-1], linked=False)
        assert sum(t.amount_minor for t in pay_in) == sum(t.amount_minor for t in pay_out)
        return chain

    def mark_settled(self, now_ms: int) -> WindowResult:
        """The hub applied the settlement batch successfully."""
        if self.state is not WindowState.closed:
            return WindowResult.not_closed
        self.state = WindowState.settled
        self.settled_at_ms = now_ms
        return WindowResult.ok

    def report(self) -> WindowReport:
        positions = self.net_positions()
        net_settlement = sum(-x for x in positions.values() if x < 0)
        return WindowReport(
            window_id=self.window_id,
            currency=self.currency,
            state=self.state,
            payment_count=len(self._payments),
            gross_minor=self.gross_minor,
            net_positions_minor=positions,
            net_settlement_minor=net_settlement,
            liquidity_saved_minor=self.gross_minor - net_settlement,
            opened_at_ms=self.opened_at_ms,
            closed_at_ms=self.closed_at_ms,
            settled_at_ms=self.settled_at_ms,
        )
