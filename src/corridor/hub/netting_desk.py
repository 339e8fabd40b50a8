"""Deferred net settlement in the hub, for the currencies the operator chooses.

In such a currency a payment is not settled gross: it is cleared into the currency's open
window (QUEUED, the sender told PDNG). When the operator (or the business day) settles
the window, its multilateral net positions move in one linked ledger batch through the
currency's transit account — net debtors pay in, net creditors are paid out — and only
then is every payment of the window SETTLED and forwarded. A net debtor short of
liquidity fails the whole batch: nothing moves, and the window stays closed until funded.
The window algorithms are corridor.settlement.netting's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from corridor.hub.intake import TransferInstruction
from corridor.hub.liquidity import queued_payment
from corridor.settlement import NettingWindow, Priority, WindowState


class NettingDesk:
    """The open and closed-but-unsettled windows of each netted currency."""

    def __init__(self, currencies: Iterable[str]) -> None:
        self._currencies = frozenset(currencies)
        self._open: dict[str, NettingWindow] = {}
        self._closed: dict[str, list[NettingWindow]] = {}
        self._instructions: dict[int, TransferInstruction] = {}
        self._next_id = 1

    def nets(self, currency: str) -> bool:
        return currency in self._currencies

    def currencies(self) -> list[str]:
        return sorted(self._currencies)

    def open_window_id(self, currency: str, now_ms: int) -> int:
        """The id of the currency's open window (opened now if there is none)."""
        window = self._open.get(currency)
        if window is None:
            window = self._open[currency] = NettingWindow(self._next_id, currency, now_ms)
            self._next_id += 1
        return window.window_id

    def add(self, instruction: TransferInstruction, window_id: int, now_ms: int) -> None:
        """Clear a payment into a window (after its batch committed)."""
        window = self._open.get(instruction.currency)
        if window is None or window.window_id != window_id:
            window = NettingWindow(window_id, instruction.currency, now_ms)  # at restart
            self._open[instruction.currency] = window
            self._next_id = max(self._next_id, window_id + 1)
        # Windows ignore priority: every payment of a window settles at its close.
        queued = replace(queued_payment(instruction, 0), priority=Priority.normal)
        window.add(queued)
        self._instructions[queued.payment_id] = instruction

    def close(self, currency: str, now_ms: int) -> list[NettingWindow]:
        """Close the open window (if it cleared anything); return every closed window
        still waiting for settlement, oldest first."""
        window = self._open.pop(currency, None)
        if window is not None and window.payments():
            window.close(now_ms)
            self._closed.setdefault(currency, []).append(window)
        return list(self._closed.get(currency, []))

    def instructions(self, window: NettingWindow) -> list[TransferInstruction]:
        return [self._instructions[p.payment_id] for p in window.payments()]

    def settled(self, window: NettingWindow, now_ms: int) -> None:
        window.mark_settled(now_ms)
        assert window.state is WindowState.settled
        self._closed[window.currency].remove(window)
        for p in window.payments():
            self._instructions.pop(p.payment_id, None)
