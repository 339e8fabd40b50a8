"""A deliberately simple reference model of the ledger, the auditor in the stateful test.

Written from the rules documented in corridor/ledger/results.py and commands.py, not
from engine.py. It favours being obviously right over being fast:

- balances are never stored: every total is recomputed from the list of posted moves
  and the open pendings each time it is asked for;
- a linked chain is applied to the live state after a deep copy of it is taken, and a
  failure puts the copy back;
- every record is a plain dict.

Choices where the documentation leaves room, taken to match the engine's contract:
- "same content" for a transfer, post or void is equality of the whole command (the
  `linked` flag included); a post without an amount means its pending's full amount;
- "same content" for CreateAccount compares owner, currency, kind and floor with the
  account as it is now (a floor changed by SetAccountFloor makes the original command
  `id_reused`);
- closing a closed account is `ok` and journals nothing;
- expiries come first in a batch, in order of (expiry time, pending id).
"""

from __future__ import annotations

import copy
from typing import Any

from corridor.ledger import (
    AccountKind,
    CloseAccount,
    Command,
    CreateAccount,
    CreateTransfer,
    Event,
    ExpirePending,
    PostPending,
    Result,
    SetAccountFloor,
    VoidPending,
)

TOTAL_MAX = 2**63 - 1
AMOUNT_MAX = 10**18 - 1
REFERENCE_MAX = 140
R = Result


class ReferenceLedger:
    """The model: plain dicts and lists, everything recomputed naively."""

    def __init__(self) -> None:
        self.now_ms = 0
        self.state: dict[str, Any] = {
            "accounts": {},  # id -> {"owner", "currency", "kind", "floor", "closed"}
            "moves": [],  # posted (debit id, credit id, amount), in order
            "pendings": {},  # transfer id -> {"transfer", "expires_at", "status"}
            "applied": {},  # transfer / post / void id -> the command as applied
        }

    # -- reading (naive) -------------------------------------------------------------
    def account_ids(self) -> list[int]:
        return sorted(self.state["accounts"])

    def account(self, account_id: int) -> dict[str, Any]:
        return self.state["accounts"][account_id]

    def totals(self, account_id: int) -> dict[str, int]:
        """debits/credits posted and pending, summed from scratch."""
        moves = self.state["moves"]
        open_pendings = [
            p["transfer"] for p in self.state["pendings"].values() if p["status"] == "pending"
        ]
        return {
            "debits_posted": sum(m[2] for m in moves if m[0] == account_id),
            "credits_posted": sum(m[2] for m in moves if m[1] == account_id),
            "debits_pending": sum(
                t.amount_minor for t in open_pendings if t.debit_account_id == account_id
            ),
            "credits_pending": sum(
                t.amount_minor for t in open_pendings if t.credit_account_id == account_id
            ),
        }

    def available(self, account_id: int) -> int:
        t = self.totals(account_id)
        return t["credits_posted"] - t["debits_posted"] - t["debits_pending"]

    def pending_status(self, pending_id: int) -> str | None:
        pending = self.state["pendings"].get(pending_id)
        return None if pending is None else pending["status"]

    def applied(self, command_id: int) -> Command | None:
        return self.state["applied"].get(command_id)

    # -- writing ---------------------------------------------------------------------
    def apply(self, batch: list[Command], now_ms: int) -> tuple[list[Result], list[Event]]:
        self.now_ms = max(self.now_ms, now_ms)
        events: list[Event] = self._expire()
        results: list[Result] = []
        start = 0
        while start < len(batch):
            end = start
            while batch[end].linked and end < len(batch) - 1:
                end += 1
            group = batch[start : end + 1]
            ends_batch = end == len(batch) - 1
            results.extend(self._apply_group(group, ends_batch, events))
            start = end + 1
        return results, events

    def _expire(self) -> list[Event]:
        due = [
            (p["expires_at"], pending_id)
            for pending_id, p in self.state["pendings"].items()
            if p["status"] == "pending" and p["expires_at"] and p["expires_at"] <= self.now_ms
        ]
        events: list[Event] = []
        for _, pending_id in sorted(due):
            self.state["pendings"][pending_id]["status"] = "expired"
            events.append(ExpirePending(pending_id))
        return events

    def _apply_group(
        self, group: list[Command], ends_batch: bool, events: list[Event]
    ) -> list[Result]:
        """One unlinked command, or a linked chain (all or nothing)."""
        in_chain = len(group) > 1 or group[0].linked
        saved = copy.deepcopy(self.state) if in_chain else self.state
        events_before = len(events)
        results: list[Result] = []
        for index, command in enumerate(group):
            if command.linked and ends_batch and index == len(group) - 1:
                results.append(R.linked_chain_open)
            else:
                results.append(self._apply_one(command, events))
            if results[-1] != R.ok:
                break
        if results[-1] == R.ok or not in_chain:
            return results
        failure = results[-1]
        self.state = saved
        del events[events_before:]
        results = [R.linked_failed] * len(group)
        results[index] = failure
        return results

    def _apply_one(self, command: Command, events: list[Event]) -> Result:
        if isinstance(command, CreateTransfer):
            return self._create_transfer(command, events)
        if isinstance(command, PostPending | VoidPending):
            return self._resolve(command, events)
        if isinstance(command, CreateAccount):
            return self._create_account(command, events)
        if isinstance(command, SetAccountFloor):
            return self._set_floor(command, events)
        assert isinstance(command, CloseAccount)
        return self._close(command, events)

    # -- transfers ---------------------------------------------------------------------
    def _transfer_check(self, t: CreateTransfer) -> Result:
        """Checks 2 to 11 of results.py, in that order."""
        accounts = self.state["accounts"]
        if t.id == 0:
            return R.id_zero
        if t.id in self.state["applied"]:
            return R.ok if self.state["applied"][t.id] == t else R.id_reused
        if type(t.amount_minor) is not int or not 0 < t.amount_minor <= AMOUNT_MAX:
            return R.amount_invalid
        if t.debit_account_id == t.credit_account_id:
            return R.accounts_same
        if t.debit_account_id not in accounts or t.credit_account_id not in accounts:
            return R.account_not_found
        dr, cr = accounts[t.debit_account_id], accounts[t.credit_account_id]
        if dr["closed"] or cr["closed"]:
            return R.account_closed
        if dr["currency"] != cr["currency"]:
            return R.currency_mismatch
        if t.timeout_ms < 0 or (t.timeout_ms != 0 and not t.pending):
            return R.timeout_invalid
        if self.now_ms + t.timeout_ms > TOTAL_MAX:  # the expiry time must fit 63 bits
            return R.timeout_invalid
        if len(t.reference) > REFERENCE_MAX:
            return R.reference_too_long
        dr_totals, cr_totals = self.totals(t.debit_account_id), self.totals(t.credit_account_id)
        if dr_totals["debits_posted"] + dr_totals["debits_pending"] + t.amount_minor > TOTAL_MAX:
            return R.overflow
        if cr_totals["credits_posted"] + cr_totals["credits_pending"] + t.amount_minor > TOTAL_MAX:
            return R.overflow
        floor = dr["floor"]
        if floor is not None and self.available(t.debit_account_id) - t.amount_minor < floor:
            return R.exceeds_floor
        return R.ok

    def _create_transfer(self, t: CreateTransfer, events: list[Event]) -> Result:
        already = t.id != 0 and t.id in self.state["applied"]
        result = self._transfer_check(t)
        if result != R.ok or already:
            return result
        if t.pending:
            expires_at = self.now_ms + t.timeout_ms if t.timeout_ms else 0
            self.state["pendings"][t.id] = {
                "transfer": t,
                "expires_at": expires_at,
                "status": "pending",
            }
        else:
            self.state["moves"].append((t.debit_account_id, t.credit_account_id, t.amount_minor))
        self.state["applied"][t.id] = t
        events.append(t)
        return R.ok

    def _resolve(self, command: PostPending | VoidPending, events: list[Event]) -> Result:
        if command.id == 0:
            return R.id_zero
        pending = self.state["pendings"].get(command.pending_id)
        if isinstance(command, PostPending) and command.amount_minor is None and pending:
            command = PostPending(
                command.id, command.pending_id, pending["transfer"].amount_minor, command.linked
            )
        if command.id in self.state["applied"]:
            return R.ok if self.state["applied"][command.id] == command else R.id_reused
        if pending is None:
            return R.pending_not_found
        status_result = {"posted": R.already_posted, "voided": R.already_voided}
        status_result["expired"] = R.pending_expired
        if pending["status"] != "pending":
            return status_result[pending["status"]]
        t = pending["transfer"]
        if isinstance(command, PostPending):
            amount = command.amount_minor
            if type(amount) is not int or amount <= 0:
                return R.amount_invalid
            if amount > t.amount_minor:
                return R.exceeds_pending_amount
            self.state["moves"].append((t.debit_account_id, t.credit_account_id, amount))
            pending["status"] = "posted"
        else:
            pending["status"] = "voided"
        self.state["applied"][command.id] = command
        events.append(command)
        return R.ok

    # -- accounts ----------------------------------------------------------------------
    def _create_account(self, c: CreateAccount, events: list[Event]) -> Result:
        if c.id == 0:
            return R.id_zero
        existing = self.state["accounts"].get(c.id)
        if existing is not None:
            same = (existing["owner"], existing["currency"], existing["kind"], existing["floor"])
            return R.ok if same == (c.owner, c.currency, c.kind, c.floor_minor) else R.id_reused
        if c.kind == AccountKind.issuance:
            if c.floor_minor is not None:
                return R.floor_invalid
        elif c.floor_minor is None or c.floor_minor > 0 or c.floor_minor < -TOTAL_MAX:
            return R.floor_invalid
        self.state["accounts"][c.id] = {
            "owner": c.owner,
            "currency": c.currency,
            "kind": c.kind,
            "floor": c.floor_minor,
            "closed": False,
        }
        events.append(c)
        return R.ok

    def _set_floor(self, c: SetAccountFloor, events: list[Event]) -> Result:
        account = self.state["accounts"].get(c.account_id)
        if account is None:
            return R.account_not_found
        if account["closed"]:
            return R.account_closed
        if account["kind"] == AccountKind.issuance or not -TOTAL_MAX <= c.floor_minor <= 0:
            return R.floor_invalid
        if self.available(c.account_id) < c.floor_minor:
            return R.exceeds_floor
        account["floor"] = c.floor_minor
        events.append(c)
        return R.ok

    def _close(self, c: CloseAccount, events: list[Event]) -> Result:
        account = self.state["accounts"].get(c.account_id)
        if account is None:
            return R.account_not_found
        if account["closed"]:
            return R.ok
        totals = self.totals(c.account_id)
        balance = totals["credits_posted"] - totals["debits_posted"]
        if balance != 0 or totals["debits_pending"] != 0 or totals["credits_pending"] != 0:
            return R.account_not_empty
        account["closed"] = True
        events.append(c)
        return R.ok
