"""Settling payments that waited: queued ones when liquidity arrives or a gridlock is
resolved, held ones when compliance releases them; and rejecting them at cut-off.

Each call is one ledger batch committed with its payment changes, forwarded messages and
status updates (a pacs.002 ACSC or RJCT to the sender, who had been told PDNG).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace

from corridor.foundation.clock import Clock, ms_to_datetime
from corridor.foundation.ids import IdGenerator
from corridor.fx import QuoteStatus
from corridor.hub.answers import Outbound, TxOutcome
from corridor.hub.engine import SettlementEngine
from corridor.hub.fx_desk import FxDesk
from corridor.hub.intake import TransferInstruction
from corridor.hub.settling import leg_events, original_of, transfers_for
from corridor.iso20022.records import OriginalRef
from corridor.ledger import BatchOutcome, Command, CreateTransfer, Result
from corridor.payments.lifecycle import advance
from corridor.payments.records import (
    ComplianceCase,
    OutboxMessage,
    Payment,
    PaymentChanges,
    PaymentEvent,
    PaymentKind,
    PaymentState,
)
from corridor.settlement import simultaneous_commands
from corridor.store.hub_store import HubStore

# The stored states of a payment that waits in a queue or a compliance hold.
_WAITING = frozenset({PaymentState.queued, PaymentState.held})


@dataclass(frozen=True, slots=True)
class DeferredOutcome:
    settled: tuple[str, ...]
    failed: tuple[str, ...]


class DeferredSettlement:
    """Runs on the engine thread."""

    def __init__(
        self,
        engine: SettlementEngine,
        store: HubStore,
        outbound: Outbound,
        ids: IdGenerator,
        clock: Clock,
        fx: FxDesk | None = None,
    ) -> None:
        self._fx = fx
        self._engine = engine
        self._store = store
        self._outbound = outbound
        self._ids = ids
        self._clock = clock

    def settle(
        self,
        instructions: Sequence[TransferInstruction],
        *,
        detail: str,
        floors_minor: Mapping[int, int] | None = None,
        cases: Sequence[ComplianceCase] = (),
    ) -> DeferredOutcome:
        """Try to settle waiting payments now. With `floors_minor` (debit account ->
        floor) they settle together or not at all (a gridlock set); otherwise each on
        its own. Payments that still cannot settle keep waiting, unchanged. A payment
        the store says settled already (a commit that went through but reported an
        error) counts as settled, without settling again."""
        if not instructions:
            return DeferredOutcome((), ())
        payments = self._store.payments_by_uetr([i.uetr for i in instructions])
        instructions, ended = self._still_waiting(instructions, payments)
        already = tuple(i.uetr for i in ended if payments[i.uetr].state is PaymentState.settled)
        if not instructions:
            return DeferredOutcome(already, ())
        chains = [transfers_for(i, self._ids) for i in instructions]
        transfers = [chain[0] for chain in chains]
        commands: list[Command] = [t for chain in chains for t in chain]
        if floors_minor is not None:
            commands = simultaneous_commands(transfers, floors_minor)
        settled: list[str] = list(already)

        def changes(outcome: BatchOutcome) -> PaymentChanges:
            results = {
                c.id: r
                for c, r in zip(commands, outcome.results, strict=True)
                if isinstance(c, CreateTransfer)
            }
            ok = [
                (i, chain[0])
                for i, chain in zip(instructions, chains, strict=True)
                if all(results[t.id] is Result.ok for t in chain)
            ]
            settled.extend(i.uetr for i, _ in ok)
            changes = self._settled_changes(ok, payments, detail, outcome.now_ms)
            done = {i.uetr for i, _ in ok}
            return replace(changes, cases=tuple(c for c in cases if c.uetr in done))

        with self._quote_steps_undone_on_failure():
            self._engine.execute(commands, changes)
        done = set(settled)
        failed = tuple(i.uetr for i in instructions if i.uetr not in done)
        return DeferredOutcome(tuple(settled), failed)

    def settle_net(
        self, instructions: Sequence[TransferInstruction], commands: Sequence[Command], detail: str
    ) -> bool:
        """A net settlement window: `commands` (one linked chain) move the net positions;
        if they all succeed, every payment of the window is settled and forwarded."""
        payments = self._store.payments_by_uetr([i.uetr for i in instructions])
        done: list[bool] = []

        def changes(outcome: BatchOutcome) -> PaymentChanges:
            if all(r is Result.ok for r in outcome.results):
                done.append(True)
                return self._settled_changes(
                    [(i, None) for i in instructions], payments, detail, outcome.now_ms
                )
            return PaymentChanges()

        with self._quote_steps_undone_on_failure():
            self._engine.execute(list(commands), changes)
        return bool(done)

    def reject(
        self,
        instructions: Sequence[TransferInstruction],
        reason: str,
        detail: str,
        cases: Sequence[ComplianceCase] = (),
    ) -> int:
        """Refuse waiting payments (cut-off, compliance): RJCT to each sender; how many.
        A payment the store says ended already (a commit that went through but reported
        an error) is left as it is, and not counted."""
        if not instructions:
            return 0
        payments = self._store.payments_by_uetr([i.uetr for i in instructions])
        instructions, _ = self._still_waiting(instructions, payments)
        if not instructions:
            return 0
        now_ms = self._clock.now_ms()
        at = ms_to_datetime(now_ms)
        updated: list[Payment] = []
        events: list[PaymentEvent] = []
        outbox: list[OutboxMessage] = []
        with self._quote_steps_undone_on_failure():
            for instruction in instructions:
                payment, event = advance(
                    payments[instruction.uetr], PaymentState.rejected, now_ms, detail, reason
                )
                updated.append(payment)
                events.append(event)
                outbox.append(
                    self._status(payment, instruction, "RJCT", reason, detail, at, now_ms)
                )
                if instruction.fx is not None and self._fx is not None:
                    self._fx.released(instruction.fx.quote_id)
            changes = PaymentChanges(
                payments=tuple(updated),
                events=tuple(events),
                outbox=tuple(outbox),
                cases=tuple(cases),
            )
            self._engine.execute([], lambda _outcome: changes)
        return len(instructions)

    def _settled_changes(
        self,
        ok: list[tuple[TransferInstruction, CreateTransfer | None]],
        payments: Mapping[str, Payment],
        detail: str,
        now_ms: int,
    ) -> PaymentChanges:
        at = ms_to_datetime(now_ms)
        updated: list[Payment] = []
        events: list[PaymentEvent] = []
        outbox: list[OutboxMessage] = []
        trades: list[object] = []
        forwards: dict[tuple[str, PaymentKind], list[TransferInstruction]] = {}
        for instruction, transfer in ok:
            payment = payments[instruction.uetr]
            if payment.state is PaymentState.held:
                payment, event = advance(payment, PaymentState.screened, now_ms, detail)
                events.append(event)
            where = f"; ledger transfer {transfer.id:032x}" if transfer is not None else ""
            payment, event = advance(
                replace(payment, transfer_id=transfer.id if transfer else 0, queue_seq=0),
                PaymentState.settled,
                now_ms,
                f"{detail}{where}",
            )
            updated.append(payment)
            events.append(event)
            outbox.append(self._status(payment, instruction, "ACSC", None, "", at, now_ms))
            if instruction.fx is not None and self._fx is not None:
                trades.extend(self._fx.settled(instruction.fx.quote_id, now_ms))
                events.extend(leg_events(instruction, now_ms))
            forwards.setdefault((instruction.credit_participant, instruction.kind), []).append(
                instruction
            )
        for (recipient, kind), group in forwards.items():
            outbox.append(self._forward(recipient, kind, group, at, now_ms))
        return PaymentChanges(
            payments=tuple(updated),
            events=tuple(events),
            outbox=tuple(outbox),
            fx_trades=tuple(trades),
        )

    def _status(
        self,
        payment: Payment,
        instruction: TransferInstruction,
        status: str,
        reason: str | None,
        detail: str,
        at: object,
        now_ms: int,
    ) -> OutboxMessage:
        original_tx = original_of(instruction)
        original = OriginalRef(msg_id=payment.msg_id, msg_name_id=_message_name(payment))
        return self._outbound.status_report(
            payment.instructing_agent,
            original,
            [TxOutcome(original_tx, status, reason, detail)],
            at,
            now_ms,
        )  # type: ignore[arg-type]

    def _forward(
        self,
        recipient: str,
        kind: PaymentKind,
        group: list[TransferInstruction],
        at: object,
        now_ms: int,
    ) -> OutboxMessage:
        records = [i.record for i in group]
        received = [i.received_xml for i in group]
        spans = [i.relay_span for i in group]
        return self._outbound.forward(recipient, records, at, now_ms, received, spans)  # type: ignore[arg-type]

    def _still_waiting(
        self, instructions: Sequence[TransferInstruction], payments: Mapping[str, Payment]
    ) -> tuple[list[TransferInstruction], list[TransferInstruction]]:
        """(those the store says still wait, those it says ended). Memory may lag: after
        a commit that reached the database but reported an error, the payments it
        ended are still queued or held here. Their FX quotes follow what is stored."""
        waiting: list[TransferInstruction] = []
        ended: list[TransferInstruction] = []
        for instruction in instructions:
            state = payments[instruction.uetr].state
            (waiting if state in _WAITING else ended).append(instruction)
        fx = self._fx
        for instruction in ended if fx is not None else ():
            quote_id = instruction.fx.quote_id if instruction.fx is not None else None
            if quote_id is None or fx.book.status(quote_id) is not QuoteStatus.consumed:
                continue
            if payments[instruction.uetr].state is PaymentState.settled:
                fx.settled(quote_id, self._clock.now_ms())  # its trades are stored already
            else:
                fx.released(quote_id)
        return waiting, ended

    def _quote_steps_undone_on_failure(self) -> AbstractContextManager[None]:
        """Around the work of a commit: if it fails, the FX quotes it settled or released
        go back as they were (the payments still wait)."""
        return self._fx.steps_undone_on_failure() if self._fx is not None else nullcontext()

    def queue_released(
        self, instruction: TransferInstruction, sequence: int, detail: str, case: ComplianceCase
    ) -> None:
        """A released payment that cannot settle yet: HELD -> SCREENED -> QUEUED."""
        payment = self._store.payments_by_uetr([instruction.uetr])[instruction.uetr]
        now_ms = self._clock.now_ms()
        payment, screened = advance(payment, PaymentState.screened, now_ms, detail)
        payment, queued = advance(
            replace(payment, queue_seq=sequence),
            PaymentState.queued,
            now_ms,
            "queued: waiting for liquidity",
        )
        changes = PaymentChanges(payments=(payment,), events=(screened, queued), cases=(case,))
        self._engine.execute([], lambda _outcome: changes)


def _message_name(payment: Payment) -> str:
    return "pacs.008.001.08" if payment.kind is PaymentKind.customer else "pacs.009.001.08"
