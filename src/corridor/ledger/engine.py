"""The ledger: a pure, deterministic, single-writer double-entry state machine.

`Ledger.apply(batch, now_ms)` takes commands and the time, and returns one `Result` per
command plus the journal events to persist. No I/O, no clock, no randomness: the same
commands at the same times give the same results, which is what makes replay, recovery
and simulation testing possible. After every batch the ledger checks its invariants on
the accounts it touched and raises `InvariantViolation` (the engine must stop) if one
is broken; `verify()` checks them over the whole state.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import IntEnum

from corridor.foundation.errors import InvariantViolation
from corridor.ledger.accounts import BALANCE_MAX, Account, AccountBalance
from corridor.ledger.commands import (
    REFERENCE_LENGTH_MAX,
    AccountKind,
    CloseAccount,
    Command,
    CreateAccount,
    CreateTransfer,
    Event,
    ExpirePending,
    PostPending,
    SetAccountFloor,
    VoidPending,
)
from corridor.ledger.invariants import check_touched, verify_state
from corridor.ledger.results import Result

AMOUNT_MINOR_MAX = 10**18 - 1
ID_LIMIT = 2**128  # ids are stored as 16 bytes
CODE_MAX = 2**31 - 1  # codes are stored as 32-bit integers
OWNER_LENGTH_MAX = 64
BATCH_SIZE_MAX = 65_536
_OK = Result.ok


class PendingStatus(IntEnum):
    pending = 0
    posted = 1
    voided = 2
    expired = 3


class Pending:
    """A two-phase transfer's reservation and what became of it."""

    __slots__ = ("expires_at_ms", "status", "transfer")

    def __init__(self, transfer: CreateTransfer, expires_at_ms: int) -> None:
        self.transfer = transfer
        self.expires_at_ms = expires_at_ms  # 0 = never
        self.status = PendingStatus.pending


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    """What one `apply` did.

    Attributes:
        results: one per command, in order.
        events: the state changes to journal, in order (expiries first).
        first_seq: the journal sequence number of events[0].
        now_ms: the batch's timestamp (never earlier than the previous batch's).
        accounts: the final state of every account the batch touched.
    """

    results: list[Result]
    events: list[Event]
    first_seq: int
    now_ms: int
    accounts: list[AccountBalance]


class Ledger:
    """The single writer's in-memory state. Only `apply` changes it."""

    def __init__(self) -> None:
        self._accounts: dict[int, Account] = {}
        self._applied: dict[int, Command] = {}  # transfer, post and void ids share one space
        self._pendings: dict[int, Pending] = {}
        self._expiry_heap: list[tuple[int, int]] = []
        self._next_seq = 1
        self._now_ms = 0

    # -- reading --------------------------------------------------------------------
    @property
    def next_seq(self) -> int:
        return self._next_seq

    @property
    def now_ms(self) -> int:
        return self._now_ms

    def account(self, account_id: int) -> AccountBalance | None:
        account = self._accounts.get(account_id)
        return None if account is None else account.snapshot()

    def accounts(self) -> list[AccountBalance]:
        return [account.snapshot() for account in self._accounts.values()]

    def applied(self, command_id: int) -> Command | None:
        """The transfer, post or void applied under this id, if any."""
        return self._applied.get(command_id)

    def pending_status(self, pending_id: int) -> PendingStatus | None:
        pending = self._pendings.get(pending_id)
        return None if pending is None else pending.status

    def verify(self) -> list[str]:
        """Every invariant over the whole state; an empty list means all hold."""
        return verify_state(self._accounts.values(), self._pending_totals())

    def _pending_totals(self) -> dict[int, tuple[int, int]]:
        """Per account: (pending debits, pending credits) summed from open pendings."""
        debits: dict[int, int] = {}
        credits: dict[int, int] = {}
        for pending in self._pendings.values():
            if pending.status is PendingStatus.pending:
                t = pending.transfer
                debits[t.debit_account_id] = debits.get(t.debit_account_id, 0) + t.amount_minor
                credits[t.credit_account_id] = credits.get(t.credit_account_id, 0) + t.amount_minor
        return {
            account_id: (debits.get(account_id, 0), credits.get(account_id, 0))
            for account_id in debits.keys() | credits.keys()
        }

    # -- writing --------------------------------------------------------------------
    def apply(self, batch: Sequence[Command], now_ms: int) -> BatchOutcome:
        """Apply a batch at time `now_ms`; see results.py for every outcome."""
        if len(batch) > BATCH_SIZE_MAX:
            raise ValueError(f"batch of {len(batch)} exceeds BATCH_SIZE_MAX={BATCH_SIZE_MAX}")
        strangers = [c for c in batch if type(c) not in _COMMAND_TYPES]
        if strangers:  # refused before anything changes
            raise TypeError(f"not ledger commands: {strangers[:3]!r}")
        now_ms = max(now_ms, self._now_ms)  # time never runs backwards inside the ledger
        self._now_ms = now_ms
        first_seq = self._next_seq
        events: list[Event] = []
        touched: dict[Account, tuple[int, int, int]] = {}
        self._expire(now_ms, events, touched)
        results = self._apply_commands(batch, now_ms, events, touched)
        check_touched(touched)
        self._next_seq += len(events)
        assert len(results) == len(batch)
        return BatchOutcome(
            results,
            events,
            first_seq,
            now_ms,
            [a.snapshot() for a in touched if self._accounts.get(a.id) is a],
        )

    def _apply_commands(
        self,
        batch: Sequence[Command],
        now_ms: int,
        events: list[Event],
        touched: dict[Account, tuple[int, int, int]],
    ) -> list[Result]:
        results: list[Result] = []
        chain_start = -1  # index of the first command of the open linked chain
        chain_events = 0  # len(events) when the chain started
        chain_failed = False
        undo: list[tuple[int, object]] = []
        last = len(batch) - 1
        for index, command in enumerate(batch):
            linked = command.linked
            if chain_start < 0 and linked:
                chain_start, chain_events, chain_failed = index, len(events), False
            in_chain = chain_start >= 0
            if chain_failed:
                result = Result.linked_failed
            elif linked and index == last:
                result = Result.linked_chain_open
            else:
                result = self._apply_one(
                    command, now_ms, events, touched, undo if in_chain else None
                )
            results.append(result)
            if in_chain and result is not _OK and not chain_failed:
                self._rollback(undo)
                del events[chain_events:]
                for earlier in range(chain_start, index):
                    results[earlier] = Result.linked_failed
                chain_failed = True
            if not linked:
                chain_start, chain_failed = -1, False
                undo.clear()
        return results

    def _apply_one(
        self,
        command: Command,
        now_ms: int,
        events: list[Event],
        touched: dict[Account, tuple[int, int, int]],
        undo: list[tuple[int, object]] | None,
    ) -> Result:
        kind = type(command)
        if kind is CreateTransfer:
            return self._create_transfer(command, now_ms, events, touched, undo)  # type: ignore[arg-type]
        if kind is PostPending or kind is VoidPending:
            return self._resolve_pending(command, events, touched, undo)  # type: ignore[arg-type]
        if kind is CreateAccount:
            return self._create_account(command, events, touched, undo)  # type: ignore[arg-type]
        if kind is SetAccountFloor:
            return self._set_floor(command, events, touched, undo)  # type: ignore[arg-type]
        if kind is CloseAccount:
            return self._close_account(command, events, touched, undo)  # type: ignore[arg-type]
        raise TypeError(f"not a ledger command: {command!r}")

    # -- transfers ------------------------------------------------------------------
    def _create_transfer(
        self,
        t: CreateTransfer,
        now_ms: int,
        events: list[Event],
        touched: dict[Account, tuple[int, int, int]],
        undo: list[tuple[int, object]] | None,
    ) -> Result:
        if t.id == 0:
            return Result.id_zero
        if type(t.id) is not int or not 0 < t.id < ID_LIMIT:
            return Result.id_invalid
        previous = self._applied.get(t.id)
        if previous is not None:
            return _OK if previous == t else Result.id_reused
        amount = t.amount_minor
        if type(amount) is not int or amount <= 0 or amount > AMOUNT_MINOR_MAX:
            return Result.amount_invalid
        if t.debit_account_id == t.credit_account_id:
            return Result.accounts_same
        dr = self._accounts.get(t.debit_account_id)
        cr = self._accounts.get(t.credit_account_id)
        if dr is None or cr is None:
            return Result.account_not_found
        if dr.closed or cr.closed:
            return Result.account_closed
        if dr.currency != cr.currency:
            return Result.currency_mismatch
        if (
            t.timeout_ms < 0
            or (t.timeout_ms and not t.pending)
            or now_ms + t.timeout_ms > BALANCE_MAX  # the expiry must fit its 64-bit column
        ):
            return Result.timeout_invalid
        if len(t.reference) > REFERENCE_LENGTH_MAX:
            return Result.reference_too_long
        if type(t.code) is not int or not 0 <= t.code <= CODE_MAX:
            return Result.code_invalid
        if (
            dr.debits_posted + dr.debits_pending + amount > BALANCE_MAX
            or cr.credits_posted + cr.credits_pending + amount > BALANCE_MAX
        ):
            return Result.overflow
        floor = dr.floor_minor
        if floor is not None and (
            dr.credits_posted - dr.debits_posted - dr.debits_pending - amount < floor
        ):
            return Result.exceeds_floor
        # _touch, inlined: this is the hot path.
        if dr not in touched:
            touched[dr] = (
                dr.credits_posted - dr.debits_posted,
                dr.debits_pending,
                dr.credits_pending,
            )
        if cr not in touched:
            touched[cr] = (
                cr.credits_posted - cr.debits_posted,
                cr.debits_pending,
                cr.credits_pending,
            )
        if t.pending:
            dr.debits_pending += amount
            cr.credits_pending += amount
            expires_at_ms = now_ms + t.timeout_ms if t.timeout_ms else 0
            self._pendings[t.id] = Pending(t, expires_at_ms)
            if expires_at_ms:
                heapq.heappush(self._expiry_heap, (expires_at_ms, t.id))
        else:
            dr.debits_posted += amount
            cr.credits_posted += amount
        self._applied[t.id] = t
        events.append(t)
        if undo is not None:
            undo.append((_UNDO_TRANSFER, t))
        return _OK

    def _resolve_pending(
        self,
        command: PostPending | VoidPending,
        events: list[Event],
        touched: dict[Account, tuple[int, int, int]],
        undo: list[tuple[int, object]] | None,
    ) -> Result:
        if command.id == 0:
            return Result.id_zero
        if type(command.id) is not int or not 0 < command.id < ID_LIMIT:
            return Result.id_invalid
        pending = self._pendings.get(command.pending_id)
        if isinstance(command, PostPending) and command.amount_minor is None and pending:
            command = replace(command, amount_minor=pending.transfer.amount_minor)
        previous = self._applied.get(command.id)
        if previous is not None:
            return _OK if previous == command else Result.id_reused
        if pending is None:
            return Result.pending_not_found
        if pending.status is not PendingStatus.pending:
            return _RESOLVED_RESULT[pending.status]
        t = pending.transfer
        posted_minor = 0
        if isinstance(command, PostPending):
            posted_minor = command.amount_minor  # type: ignore[assignment]
            if type(posted_minor) is not int or posted_minor <= 0:
                return Result.amount_invalid
            if posted_minor > t.amount_minor:
                return Result.exceeds_pending_amount
        dr, cr = self._accounts[t.debit_account_id], self._accounts[t.credit_account_id]
        for account in (dr, cr):
            _touch(touched, account)
        self._release(pending, posted_minor)
        pending.status = PendingStatus.posted if posted_minor else PendingStatus.voided
        self._applied[command.id] = command
        events.append(command)
        if undo is not None:
            undo.append((_UNDO_RESOLVE, (command, pending, posted_minor)))
        return _OK

    def _release(self, pending: Pending, posted_minor: int) -> None:
        t = pending.transfer
        dr, cr = self._accounts[t.debit_account_id], self._accounts[t.credit_account_id]
        dr.debits_pending -= t.amount_minor
        cr.credits_pending -= t.amount_minor
        dr.debits_posted += posted_minor
        cr.credits_posted += posted_minor

    def _expire(
        self, now_ms: int, events: list[Event], touched: dict[Account, tuple[int, int, int]]
    ) -> None:
        heap = self._expiry_heap
        while heap and heap[0][0] <= now_ms:
            expires_at_ms, pending_id = heapq.heappop(heap)
            pending = self._pendings.get(pending_id)
            if (
                pending is None
                or pending.status is not PendingStatus.pending
                or pending.expires_at_ms != expires_at_ms
            ):
                continue  # resolved already, or rolled back and re-created
            t = pending.transfer
            for account_id in (t.debit_account_id, t.credit_account_id):
                account = self._accounts[account_id]
                _touch(touched, account)
            self._release(pending, 0)
            pending.status = PendingStatus.expired
            events.append(ExpirePending(pending_id))

    # -- accounts -------------------------------------------------------------------
    def _create_account(
        self,
        command: CreateAccount,
        events: list[Event],
        touched: dict[Account, tuple[int, int, int]],
        undo: list[tuple[int, object]] | None,
    ) -> Result:
        if command.id == 0:
            return Result.id_zero
        if type(command.id) is not int or not 0 < command.id < ID_LIMIT:
            return Result.id_invalid
        existing = self._accounts.get(command.id)
        if existing is not None:
            same = (existing.owner, existing.currency, existing.kind, existing.floor_minor) == (
                command.owner,
                command.currency,
                command.kind,
                command.floor_minor,
            )
            return _OK if same else Result.id_reused
        if not (0 < len(command.owner) <= OWNER_LENGTH_MAX and len(command.currency) == 3):
            return Result.account_invalid
        is_issuance = command.kind is AccountKind.issuance
        if is_issuance != (command.floor_minor is None) or (
            command.floor_minor is not None and not -BALANCE_MAX <= command.floor_minor <= 0
        ):
            return Result.floor_invalid
        account = Account(
            command.id, command.owner, command.currency, command.kind, command.floor_minor
        )
        self._accounts[command.id] = account
        touched[account] = (0, 0, 0)
        events.append(command)
        if undo is not None:
            undo.append((_UNDO_ACCOUNT, command))
        return _OK

    def _set_floor(
        self,
        command: SetAccountFloor,
        events: list[Event],
        touched: dict[Account, tuple[int, int, int]],
        undo: list[tuple[int, object]] | None,
    ) -> Result:
        account = self._accounts.get(command.account_id)
        if account is None:
            return Result.account_not_found
        if account.closed:
            return Result.account_closed
        if account.kind is AccountKind.issuance or not -BALANCE_MAX <= command.floor_minor <= 0:
            return Result.floor_invalid
        if account.available_minor < command.floor_minor:
            return Result.exceeds_floor
        if undo is not None:
            undo.append((_UNDO_FLOOR, (account, account.floor_minor)))
        _touch(touched, account)
        account.floor_minor = command.floor_minor
        events.append(command)
        return _OK

    def _close_account(
        self,
        command: CloseAccount,
        events: list[Event],
        touched: dict[Account, tuple[int, int, int]],
        undo: list[tuple[int, object]] | None,
    ) -> Result:
        account = self._accounts.get(command.account_id)
        if account is None:
            return Result.account_not_found
        if account.closed:
            return _OK
        if account.balance_minor or account.debits_pending or account.credits_pending:
            return Result.account_not_empty
        _touch(touched, account)
        account.closed = True
        events.append(command)
        if undo is not None:
            undo.append((_UNDO_CLOSE, account))
        return _OK

    def _rollback(self, undo: list[tuple[int, object]]) -> None:
        """Reverse a failed linked chain's effects, newest first."""
        for action, data in reversed(undo):
            if action == _UNDO_TRANSFER:
                t: CreateTransfer = data  # type: ignore[assignment]
                dr, cr = self._accounts[t.debit_account_id], self._accounts[t.credit_account_id]
                if t.pending:
                    dr.debits_pending -= t.amount_minor
                    cr.credits_pending -= t.amount_minor
                    del self._pendings[t.id]
                else:
                    dr.debits_posted -= t.amount_minor
                    cr.credits_posted -= t.amount_minor
                del self._applied[t.id]
            elif action == _UNDO_RESOLVE:
                command, pending, posted_minor = data  # type: ignore[misc]
                t = pending.transfer
                dr, cr = self._accounts[t.debit_account_id], self._accounts[t.credit_account_id]
                dr.debits_pending += t.amount_minor
                cr.credits_pending += t.amount_minor
                dr.debits_posted -= posted_minor
                cr.credits_posted -= posted_minor
                pending.status = PendingStatus.pending
                del self._applied[command.id]
            elif action == _UNDO_ACCOUNT:
                del self._accounts[data.id]  # type: ignore[attr-defined]
            elif action == _UNDO_FLOOR:
                account, floor_minor = data  # type: ignore[misc]
                account.floor_minor = floor_minor
            elif action == _UNDO_CLOSE:
                data.closed = False  # type: ignore[attr-defined]
        undo.clear()

    # -- recovery -------------------------------------------------------------------
    @classmethod
    def restore(
        cls,
        accounts: Iterable[Account],
        history: Iterable[tuple[int, Event]],
        *,
        next_seq: int,
        now_ms: int,
    ) -> Ledger:
        """Rebuild from committed balances plus the journal (for ids and pending state).

        `history` yields (applied_at_ms, event) in journal order. Balances are not
        re-derived from it: they come from the committed account rows.
        """
        ledger = cls()
        for account in accounts:
            ledger._accounts[account.id] = account
        for applied_at_ms, event in history:
            ledger._restore_event(applied_at_ms, event)
        ledger._next_seq = next_seq
        ledger._now_ms = now_ms
        problems = ledger.verify()
        if problems:
            raise InvariantViolation("restored state is inconsistent: " + "; ".join(problems[:5]))
        return ledger

    def _restore_event(self, applied_at_ms: int, event: Event) -> None:
        if isinstance(event, CreateTransfer):
            self._applied[event.id] = event
            if event.pending:
                expires_at_ms = applied_at_ms + event.timeout_ms if event.timeout_ms else 0
                self._pendings[event.id] = Pending(event, expires_at_ms)
                if expires_at_ms:
                    heapq.heappush(self._expiry_heap, (expires_at_ms, event.id))
        elif isinstance(event, PostPending | VoidPending):
            self._applied[event.id] = event
            self._pendings[event.pending_id].status = (
                PendingStatus.posted if isinstance(event, PostPending) else PendingStatus.voided
            )
        elif isinstance(event, ExpirePending):
            self._pendings[event.pending_id].status = PendingStatus.expired


def _touch(touched: dict[Account, tuple[int, int, int]], account: Account) -> None:
    """Remember an account's (balance, pending debits, pending credits) before the batch
    first changes it, for the after-batch invariant check."""
    if account not in touched:
        touched[account] = (account.balance_minor, account.debits_pending, account.credits_pending)


_COMMAND_TYPES = frozenset(
    {CreateAccount, CreateTransfer, PostPending, VoidPending, SetAccountFloor, CloseAccount}
)
_UNDO_TRANSFER, _UNDO_RESOLVE, _UNDO_ACCOUNT, _UNDO_FLOOR, _UNDO_CLOSE = range(5)
_RESOLVED_RESULT = {
    PendingStatus.posted: Result.already_posted,
    PendingStatus.voided: Result.already_voided,
    PendingStatus.expired: Result.pending_expired,
}
