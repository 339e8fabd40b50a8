"""Queues and liquidity: release, gridlock resolution, reordering, deferred net settlement,
cut-off, and rebuilding what waits after a restart.

A part of the Hub façade (corridor.hub.service): engine-thread use cases.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from corridor.foundation.errors import InputError, StoreError
from corridor.hub import reasons
from corridor.hub.intake import TransferInstruction
from corridor.hub.liquidity import ISO_PRIORITY, LiquidityDesk, QueueEntry
from corridor.hub.network import (
    transit_account_id,
)
from corridor.hub.security import Principal
from corridor.hub.settling import settling_parties
from corridor.hub.usecases._parts import HubParts
from corridor.ledger import (
    BALANCE_MAX,
)
from corridor.payments.records import (
    PaymentChanges,
    PaymentEvent,
    PaymentState,
)
from corridor.settlement import (
    Priority,
    WindowReport,
)
from corridor.store.hub_store import inbound_payload, payments_in_state


@dataclass(frozen=True, slots=True)
class GridlockReport:
    """One gridlock run: what was queued, what settled, and the liquidity it saved."""

    currency: str
    queued_count: int
    settled_count: int
    gross_minor: int
    net_used_minor: int
    liquidity_saved_minor: int


class LiquidityCases(HubParts):
    """Queues and liquidity."""

    @property
    def liquidity(self) -> LiquidityDesk:
        return self.processor.liquidity

    def available_minor(self, bic: str, currency: str) -> int:
        """What a participant can still pay in a currency: available balance less floor."""
        account_id = self.directory.account_id(bic, currency)
        account = self.engine.ledger.account(account_id) if account_id else None
        if account is None:
            return 0
        if account.floor_minor is None:
            return BALANCE_MAX
        return account.available_minor - account.floor_minor

    def release_queues(self, rounds_max: int = 8) -> int:
        """Settle queued payments that now fit, queue by queue (FIFO with bypass); then run
        gridlock resolution where queues passed their threshold. Returns payments settled."""
        settled = 0
        for _ in range(rounds_max):
            releasable = self.liquidity.releasable(self.available_minor)
            if not releasable:
                break
            instructions = self._refuse_inactive(releasable)
            outcome = self.deferred.settle(instructions, detail="liquidity arrived")
            self._dequeue_settled(outcome.settled, instructions)
            settled += len(outcome.settled)
            if not outcome.settled and len(instructions) == len(releasable):
                break  # nothing moved: neither settled nor refused
        for currency in self.liquidity.currencies():
            if self.liquidity.book(currency).gridlock_due():
                settled += self.resolve_gridlock(currency).settled_count
        return settled

    def resolve_gridlock(self, currency: str) -> GridlockReport:
        """Multilateral offsetting over the currency's queues, settled in one linked batch."""
        result, chosen = self.liquidity.gridlock(currency, self.available_minor)
        instructions = self._refuse_inactive(chosen)
        if len(instructions) != len(chosen):  # the set settles whole or not at all: the
            instructions = []  # next run chooses again among what still waits
        floors: dict[int, int] = {}
        for instruction in instructions:
            account = self.engine.ledger.account(instruction.debit_account_id)
            assert account is not None and account.floor_minor is not None
            floors[instruction.debit_account_id] = account.floor_minor
        outcome = self.deferred.settle(
            instructions, detail="gridlock resolved", floors_minor=floors
        )
        self._dequeue_settled(outcome.settled, instructions)
        done = bool(outcome.settled)
        if done:  # runs that settle nothing are not worth an audit entry
            self.audit.record(
                "engine",
                "gridlock",
                currency=currency,
                queued=result.queued_count,
                settled=len(outcome.settled),
                saved_minor=result.liquidity_saved_minor,
            )
        return GridlockReport(
            currency,
            result.queued_count,
            len(outcome.settled),
            result.gross_minor if done else 0,
            result.net_used_minor if done else 0,
            result.liquidity_saved_minor if done else 0,
        )

    def queue(self, principal: Principal, currency: str) -> list[QueueEntry]:
        """Queued payments in order: a participant sees its own, operator users all."""
        entries = self.liquidity.entries(currency)
        if principal.is_participant:
            entries = [e for e in entries if e.instruction.debit_participant == principal.name]
        return entries

    def reprioritise(self, principal: Principal, uetr: str, priority: Priority) -> bool:
        entry = self.liquidity.entry(uetr)
        if entry is None or (
            principal.is_participant and entry.instruction.debit_participant != principal.name
        ):
            return False
        changed = self.liquidity.reprioritise(uetr, priority)
        if changed:  # the payment row keeps the priority, so a restart keeps it too
            payment = self.store.payments_by_uetr([uetr])[uetr]
            updated = replace(
                payment, priority=ISO_PRIORITY[priority], updated_at_ms=self.clock.now_ms()
            )
            event = PaymentEvent(
                uetr,
                payment.state,
                self.clock.now_ms(),
                f"priority set to {ISO_PRIORITY[priority]} by {principal.name}",
            )
            self.engine.execute(
                [], lambda _outcome: PaymentChanges(payments=(updated,), events=(event,))
            )
        self.audit.record(principal.name, "reprioritise", uetr=uetr, priority=priority.name)
        if changed:
            self.release_queues()
        return changed

    def move_in_queue(self, principal: Principal, uetr: str, *, to_front: bool) -> bool:
        """Operator reordering: first or last of its priority in the debtor's queue. The
        new position is stored with the payment, so it survives a restart."""
        self._may_decide(principal, "move")
        sequence = self.liquidity.move(uetr, to_front=to_front)
        if sequence is None:
            return False
        payment = self.store.payments_by_uetr([uetr])[uetr]
        where = "front" if to_front else "back"
        updated = replace(payment, queue_seq=sequence, updated_at_ms=self.clock.now_ms())
        event = PaymentEvent(
            uetr,
            payment.state,
            self.clock.now_ms(),
            f"moved to the {where} of its queue by {principal.name}",
        )
        self.engine.execute([], lambda _o: PaymentChanges(payments=(updated,), events=(event,)))
        self.audit.record(principal.name, "move_in_queue", uetr=uetr, to=where)
        self.release_queues()
        return True

    def settle_windows(self, currency: str, actor: str = "operator") -> list[WindowReport]:
        """Deferred net settlement: close the currency's open window and settle every
        closed window (net positions in one linked batch each, all or nothing)."""
        netting = self.processor.netting
        if netting is None or not netting.nets(currency):
            raise InputError(
                "not a net settlement currency on this hub", field="currency", value=currency
            )
        now_ms = self.clock.now_ms()
        reports = []
        for window in netting.close(currency, now_ms):
            commands = window.settlement_commands(
                lambda bic: self.directory.account_id(bic, currency) or 0,
                transit_account_id(currency),
                self.processor.ids.next_id,
            )
            settled = self.deferred.settle_net(
                netting.instructions(window),
                commands,
                f"{currency} net settlement window {window.window_id}",
            )
            if settled:
                netting.settled(window, now_ms)
            report = window.report()
            self.audit.record(
                actor,
                "settle_window",
                currency=currency,
                window=window.window_id,
                settled=settled,
                payments=report.payment_count,
                gross_minor=report.gross_minor,
                net_minor=report.net_settlement_minor,
            )
            reports.append(report)
        return reports

    def cut_off(self, currency: str, reason: str = reasons.TM01) -> int:
        """Reject everything still queued in the currency (the day's cut-off). The
        payments leave their queues once the rejection is committed: if it fails, they
        stay queued, and the next cut-off finds them (the end of day runs one again, and
        the operator may: POST /v1/operator/day/{currency}/cut-off)."""
        expired = [entry.instruction for entry in self.liquidity.entries(currency)]
        rejected = self.deferred.reject(expired, reason, f"unsettled at the {currency} cut-off")
        self.liquidity.remove([i.uetr for i in expired])
        self.audit.record("engine", "cut_off", currency=currency, rejected=rejected)
        return rejected

    def _refuse_inactive(
        self, instructions: Sequence[TransferInstruction]
    ) -> list[TransferInstruction]:
        """The waiting payments whose parties are all active now. The others leave their
        queue rejected (AG01), as the intake rejects a payment from or to a participant
        that is not active: a suspension or closure while a payment waited must not let
        it settle later."""
        kept: list[TransferInstruction] = []
        refused: dict[str, list[TransferInstruction]] = {}
        for instruction in instructions:
            inactive = self.directory.first_inactive(settling_parties(instruction))
            if inactive is None:
                kept.append(instruction)
            else:
                refused.setdefault(inactive, []).append(instruction)
        for bic, stopped in refused.items():
            self.deferred.reject(stopped, reasons.AG01, f"{bic} is not active")
            self.liquidity.remove([i.uetr for i in stopped])  # once the rejection is stored
        return kept

    def _on_stored_quote(self, instruction: TransferInstruction) -> TransferInstruction | None:
        """A cross-currency payment on the quote it consumed before the restart (stored,
        fx_quotes), its legs planned again; None if that quote is not there."""
        fx = self.processor.fx
        quote = fx.consumed_quote(instruction.quote_id or "") if fx is not None else None
        if fx is None or quote is None:
            return None
        try:
            return fx.priced(instruction, quote, self.processor.ids.next_id)
        except InputError:  # a leg's account is gone (closed since): it cannot settle
            return None

    def _dequeue_settled(
        self, uetrs: Sequence[str], instructions: Sequence[TransferInstruction]
    ) -> None:
        self.liquidity.remove(list(uetrs))
        done = set(uetrs)
        for instruction in instructions:
            if instruction.uetr in done:
                self.liquidity.record_settled(instruction)

    def recover_waiting(self) -> int:
        """At start-up: QUEUED payments back in their queues in their old order, HELD ones
        back under compliance. A cross-currency payment comes back on its stored quote;
        one whose quote was not stored (queued before revision 0011) is rejected, and its
        sender told so."""
        count = 0
        stale: list[TransferInstruction] = []
        claimed: set[str] = set()  # the stored quotes the waiting payments hold
        netting = self.processor.netting
        for payment in payments_in_state(
            self.store.engine, [PaymentState.queued, PaymentState.held]
        ):
            data = inbound_payload(self.store.engine, payment.instructing_agent, payment.msg_id)
            instruction = (
                self.intake.reroute(payment.instructing_agent, data, payment.uetr)
                if data is not None
                else None
            )
            if instruction is None or instruction.reason is not None:
                raise StoreError(
                    f"queued payment {payment.uetr} cannot be rebuilt from its stored message"
                )
            instruction = replace(instruction, priority=payment.priority)
            if instruction.quote_id is not None:
                priced = self._on_stored_quote(instruction)
                if priced is None:  # its quote is gone
                    stale.append(instruction)
                    count += 1
                    continue
                instruction = priced
                claimed.add(instruction.quote_id or "")
            if payment.state is PaymentState.held:
                self.processor.screening.hold(instruction)
            elif netting is not None and netting.nets(payment.currency) and not instruction.fx:
                # A netted currency's payments never queue gross (cross-currency ones,
                # settled PvP, never net); the window id was kept (negated) in queue_seq
                # when the payment was cleared.
                netting.add(instruction, max(1, -payment.queue_seq), self.clock.now_ms())
            else:
                self.liquidity.enqueue(instruction, payment.queue_seq)
            count += 1
        unclaimed = self.processor.fx.release_unclaimed(claimed) if self.processor.fx else []
        if unclaimed:
            self.engine.execute([])  # stored released (deleted) now, not at some later commit
            rejected = {i.quote_id for i in stale}
            for quote_id in unclaimed:
                why = "its payment is rejected" if quote_id in rejected else "no payment holds it"
                self.audit.record("hub", "release_unclaimed_quote", quote_id=quote_id, why=why)
        self.deferred.reject(stale, reasons.NARR, "FX quote lost when the hub restarted")
        return count
