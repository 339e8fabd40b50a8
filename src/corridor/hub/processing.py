"""The engine thread's work: a batch of intakes in, one answer per message out.

For a batch: answer duplicates with their original answer; screen; turn every routed
transaction (and every return) into a ledger transfer; apply the batch; then, from the
results, derive payment states, lifecycle events, the answer to each sender and the
messages forwarded to each receiver, and commit all of it with the ledger batch in one
transaction (transactional outbox). Only then are the answers handed back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from corridor.foundation.clock import Clock, ms_to_datetime
from corridor.foundation.ids import IdGenerator
from corridor.fx import PaymentTerms, QuoteStatus
from corridor.hub import reasons
from corridor.hub.answers import Outbound, TxOutcome
from corridor.hub.directory import Directory
from corridor.hub.engine import Applied, SettlementEngine
from corridor.hub.fx_desk import FxDesk
from corridor.hub.intake import (
    CancelInstruction,
    Intake,
    ReturnInstruction,
    TransferInstruction,
    copy_intake,
)
from corridor.hub.liquidity import LiquidityDesk
from corridor.hub.netting_desk import NettingDesk
from corridor.hub.ports import OpenBatch
from corridor.hub.screening import PaymentScreening
from corridor.hub.settling import (
    TRANSFER_CODES,
    chain_result,
    charge_bearer,
    fx_outcome,
    leg_events,
    original_of,
    transfers_for,
)
from corridor.iso20022.pipeline import MessageReject
from corridor.iso20022.reasons import Problem, Reason
from corridor.iso20022.records import CancellationStatus, OriginalRef
from corridor.ledger import BatchOutcome, Command, CreateTransfer, Result
from corridor.payments.lifecycle import check_step
from corridor.payments.records import (
    ComplianceCase,
    InboundRecord,
    OutboxMessage,
    Payment,
    PaymentChanges,
    PaymentEvent,
    PaymentKind,
    PaymentState,
    evolve_payment,
)
from corridor.store.hub_store import HubStore

_LEDGER_REASON = {Result.exceeds_floor: reasons.AM04, Result.account_closed: reasons.AG01}
_NOT_SETTLED, _HELD, _QUEUED, _NETTED = -1, -2, -3, -4  # no transfer for them now
_CANCELLABLE = (PaymentState.held, PaymentState.queued)


@dataclass(frozen=True, slots=True)
class Answer:
    """The one answer to one inbound message.

    Attributes:
        status: ACSC, PART, PDNG or RJCT (pacs.002, admi.002), or the camt.029
            confirmation (CNCL, RJCR, PART).
        reason: the ISO reason code when everything was refused for one reason.
        message_id / kind / payload: the answer message, as also placed in the outbox.
        duplicate: the message was received before; this is the original answer.
        uetrs: the payments it concerns.
    """

    status: str
    reason: str | None
    message_id: str
    kind: str
    payload: bytes
    duplicate: bool = False
    uetrs: tuple[str, ...] = ()
    detail: str = ""


@dataclass(slots=True)
class _Work:
    """One intake while its batch is processed. `steps`: (instruction, command index)."""

    intake: Intake
    answer: Answer | None = None
    steps: list[tuple[object, int, str | None, str]] = field(default_factory=list)
    outcomes: list[TxOutcome] = field(default_factory=list)
    duplicate_of: int = -1


class PaymentProcessor:
    """Runs on the single engine thread only."""

    def __init__(
        self,
        engine: SettlementEngine,
        store: HubStore,
        directory: Directory,
        outbound: Outbound,
        screening: PaymentScreening,
        ids: IdGenerator,
        clock: Clock,
        liquidity: LiquidityDesk | None = None,
        fx: FxDesk | None = None,
        netting: NettingDesk | None = None,
    ) -> None:
        self.liquidity = liquidity or LiquidityDesk()
        self.fx = fx
        self.netting = netting
        self.engine = engine
        self.store = store
        self.directory = directory
        self.outbound = outbound
        self.screening = screening
        self.ids = ids
        self.clock = clock
        # Applied by `apply`, not yet through `finish`: what `abandon` takes back.
        self._unfinished: list[_Batch] = []

    def process(self, intakes: Sequence[Intake]) -> list[Answer]:
        self.engine.reload_if_stale()  # planning reads the ledger (returns, FX legs)
        batch = _Batch(self, intakes, self.clock.now_ms())
        try:
            batch.plan()
            self.engine.execute(batch.commands, batch.changes)
        except BaseException:  # not committed: the ledger was reloaded, and so go its quotes
            batch.revert_quotes()
            raise
        batch.after_commit()
        return batch.answers()

    # -- the same in steps, for a pipeline (worker.EngineWorker) ---------------------------
    def apply(
        self, intakes: Sequence[Intake], before: SettlementBatch | None = None
    ) -> SettlementBatch:
        """Plan a batch, apply it to the ledger and build its messages; nothing written.

        `before`: the batch applied just before, whose commit may still be running: this
        one is checked against its messages (MsgIds) and payments (UETRs) as if they were
        in the database already. It must commit first, and if it fails, this one fails.
        """
        self.engine.reload_if_stale()  # planning reads the ledger (returns, FX legs)
        batch = _Batch(self, intakes, self.clock.now_ms(), before)
        try:
            batch.plan()
            batch.applied = self.engine.apply(batch.commands, batch.changes)
        except BaseException:
            batch.revert_quotes()
            raise
        batch.before = None  # planned: let the batch before it go (no chain of batches)
        self._unfinished.append(batch)
        return batch

    def write(self, batch: SettlementBatch) -> None:
        """Write an applied batch in an open transaction (batch.commit() makes it durable)."""
        assert batch.applied is not None
        batch.open = self.engine.write(batch.applied)

    def finish(self, batch: SettlementBatch) -> list[Answer]:
        """After the batch's commit: the in-memory queues change, the answers go out."""
        self._unfinished.remove(batch)
        batch.after_commit()
        return batch.answers()

    def abandon(self) -> None:
        """The applied batches not finished failed (a commit failed, and those applied on
        top of it with it): their FX quotes go back as they were, newest batch first.
        The caller reloads the ledger."""
        try:
            for batch in reversed(self._unfinished):
                if self.fx is not None and batch.applied is not None:
                    self.fx.not_committed(batch.applied.changes)  # the quotes it took to store
                batch.revert_quotes()
        finally:
            self._unfinished.clear()

    def may_overlap(self, batch: SettlementBatch) -> bool:
        """Whether the next batch may be applied while this one commits: only when this
        one changes nothing in memory after its commit (queues, holds, netting, limits'
        positions), so the next one is planned on the same state either way."""
        return not (
            batch.to_enqueue
            or batch.to_dequeue
            or batch.to_hold
            or batch.to_net
            or batch.cases
            or batch.fx_trades
            or self.liquidity.length()
            or self.liquidity.has_limits()
        )


class _Batch:
    """The state of one batch: built step by step, committed once."""

    def __init__(
        self,
        processor: PaymentProcessor,
        intakes: Sequence[Intake],
        now_ms: int,
        before: _Batch | None = None,
    ):
        self.p = processor
        self.before = before
        self.applied: Applied | None = None
        self.open: OpenBatch | None = None
        # The answers recorded for (sender, MsgId), for a batch applied right after this one.
        self.recorded: dict[tuple[str, str], tuple[str, OutboxMessage, Intake]] = {}
        self.now_ms = now_ms
        self.at = ms_to_datetime(now_ms)
        self.works = [_Work(intake) for intake in intakes]
        self.commands: list[Command] = []
        self.payments: dict[str, Payment] = {}
        # Changes made to self.payments' entries since they were last built (field ->
        # value): a payment takes several steps in one batch, and is copied once, when
        # read (_payment) or at the end (changes), not once per step.
        self.drafts: dict[str, dict[str, Any]] = {}
        self.events: list[PaymentEvent] = []
        self.outbox: list[OutboxMessage] = []
        self.inbound: list[InboundRecord] = []
        self.to_enqueue: list[tuple[TransferInstruction, int]] = []
        self.to_dequeue: list[str] = []
        self.settled: list[TransferInstruction] = []
        self.fx_trades: list[object] = []
        self.cases: list[ComplianceCase] = []
        self.to_hold: list[TransferInstruction] = []
        self.to_net: list[tuple[TransferInstruction, int]] = []
        # (quote id, status before) for each step this batch took on an FX quote.
        self.quote_steps: list[tuple[str, QuoteStatus]] = []

    # -- steps ----------------------------------------------------------------------
    def revert_quotes(self) -> None:
        """The batch did not commit: its FX quotes back as they were before it."""
        if self.p.fx is not None:
            self.p.fx.revert_steps(self.quote_steps)
        self.quote_steps.clear()

    def _quote_step(self, quote_id: str) -> None:
        """Note a quote's status before this batch changes it (see revert_quotes)."""
        status = self.p.fx.book.status(quote_id) if self.p.fx is not None else None
        if status is not None:
            self.quote_steps.append((quote_id, status))

    def plan(self) -> None:
        self._find_duplicates()
        self._load_known_payments()
        for work in self.works:
            if work.answer is None and work.duplicate_of < 0 and not work.intake.rejected:
                self._plan(work)

    def commit(self) -> None:
        """Make the written batch durable (any thread: it touches only its transaction)."""
        assert self.open is not None
        self.open.commit()

    def after_commit(self) -> None:
        # Only now, with the batch durable, do the in-memory queues change.
        desk = self.p.liquidity
        desk.remove(self.to_dequeue)
        for instruction, sequence in self.to_enqueue:
            desk.enqueue(instruction, sequence)
        for instruction in self.settled:
            desk.record_settled(instruction)
        for instruction in self.to_hold:
            self.p.screening.hold(instruction)
        for instruction, window_id in self.to_net:
            self.p.netting.add(instruction, window_id, self.now_ms)  # type: ignore[union-attr]

    def answers(self) -> list[Answer]:
        result = []
        for work in self.works:
            if work.duplicate_of >= 0:
                original = self.works[work.duplicate_of].answer
                assert original is not None
                result.append(
                    replace(
                        original, duplicate=True, detail="MsgId received before; original answer"
                    )
                )
            else:
                assert work.answer is not None
                result.append(work.answer)
        return result

    def _find_duplicates(self) -> None:
        """A message whose (sender, MsgId) was received before gets the original answer
        when it is the same bytes (a re-send); with other bytes it is refused (DUPL),
        since answering it with the first one's status would report a payment the hub
        never saw. Received before: committed (the inbound table), in the batch still
        committing (`before`), or earlier in this batch."""
        first_in_batch: dict[tuple[str, str], int] = {}
        keys = [
            (w.intake.sender, w.intake.msg_id)
            for w in self.works
            if not w.intake.rejected and w.intake.msg_id is not None
        ]
        received = self.p.store.inbound_many(keys)  # type: ignore[arg-type]
        original_answers = self._original_answers(received.values())
        for index, work in enumerate(self.works):
            intake = work.intake
            if intake.rejected or intake.msg_id is None:
                continue
            key = (intake.sender, intake.msg_id)
            record = received.get(key)
            earlier = self.before.recorded.get(key) if self.before is not None else None
            if record is not None:
                first_data, first_at_ms = record.payload, record.received_at_ms
            elif earlier is not None:  # in the batch still committing
                first_data, first_at_ms = earlier[2].data, earlier[2].received_at_ms
            elif key in first_in_batch:
                first = self.works[first_in_batch[key]].intake
                first_data, first_at_ms = first.data, first.received_at_ms
            else:
                first_in_batch[key] = index
                continue
            if first_data != intake.data:
                work.intake = _msg_id_reused(intake, first_at_ms)
            elif record is not None:
                message = original_answers.get(record.answer_message_id)
                assert message is not None, f"answer {record.answer_message_id} not in outbox"
                work.answer = _original_answer(record.answer_status, message, record.msg_id)
            elif earlier is not None:
                work.answer = _original_answer(earlier[0], earlier[1], intake.msg_id)
            else:
                work.duplicate_of = first_in_batch[key]

    def _original_answers(self, records: Iterable[InboundRecord]) -> dict[str, OutboxMessage]:
        """The answers given to messages received before, by message id: one query per
        sender (an answer always went to the message's sender)."""
        wanted: dict[str, list[str]] = {}
        for record in records:
            wanted.setdefault(record.sender, []).append(record.answer_message_id)
        store = self.p.store
        return {
            m.message_id: m
            for sender, message_ids in wanted.items()
            for m in store.outbox_messages(sender, message_ids)
        }

    def _load_known_payments(self) -> None:
        """Payments this batch refers to (new UETRs to check, originals of returns)."""
        uetrs = []
        for work in self.works:
            for instruction in work.intake.instructions:
                if isinstance(instruction, TransferInstruction):
                    uetrs.append(instruction.uetr)
                elif instruction.record.original.uetr:
                    uetrs.append(instruction.record.original.uetr)
        self.known = self.p.store.payments_by_uetr([u for u in uetrs if u])
        if self.before is not None:  # the batch still committing counts as stored
            for uetr in uetrs:
                if uetr in self.before.payments:
                    self.known[uetr] = self.before.payments[uetr]

    def _plan(self, work: _Work) -> None:
        for instruction in work.intake.instructions:
            if isinstance(instruction, TransferInstruction):
                self._plan_transfer(work, instruction)
            elif isinstance(instruction, ReturnInstruction):
                self._plan_return(work, instruction)
            else:
                self._plan_cancel(work, instruction)

    def _plan_transfer(self, work: _Work, instruction: TransferInstruction) -> None:
        uetr = instruction.uetr
        if instruction.reason is None and (uetr in self.known or uetr in self.payments):
            work.steps.append(
                (instruction, _NOT_SETTLED, reasons.DUPL, f"UETR {uetr} is already known")
            )
            return  # the existing payment with this UETR is left alone
        if uetr and uetr not in self.payments:
            self._new_payment(work.intake, instruction)
        if instruction.reason is not None:
            if uetr:
                self._move(uetr, PaymentState.rejected, instruction.detail, instruction.reason)
            work.steps.append((instruction, _NOT_SETTLED, instruction.reason, instruction.detail))
            return
        self._move(
            uetr,
            PaymentState.validated,
            f"routed {instruction.debit_participant} -> {instruction.credit_participant}",
        )
        if instruction.quote_id is not None:
            priced = self._price(instruction)
            if isinstance(priced, tuple):
                self._move(uetr, PaymentState.rejected, priced[1], priced[0])
                work.steps.append((instruction, _NOT_SETTLED, *priced))
                return
            instruction = priced
        decision = self.p.screening.screen(instruction)
        if decision.hold:
            self._move(uetr, PaymentState.held, decision.detail)
            if decision.case is not None:
                self.cases.append(decision.case)
            self.to_hold.append(instruction)
            work.steps.append((instruction, _HELD, None, decision.detail))
            return
        self._move(uetr, PaymentState.screened, decision.detail)
        netting = self.p.netting
        if netting is not None and netting.nets(instruction.currency) and not instruction.fx:
            window_id = netting.open_window_id(instruction.currency, self.now_ms)
            self._evolve(uetr, queue_seq=-window_id)
            self._move(
                uetr,
                PaymentState.queued,
                f"cleared into {instruction.currency} net settlement window {window_id}",
            )
            self.to_net.append((instruction, window_id))
            work.steps.append((instruction, _NETTED, None, "cleared for net settlement"))
            return
        if self.p.liquidity.must_wait(instruction):
            self._queue(instruction, "queued behind the debtor's waiting payments or a limit")
            work.steps.append((instruction, _QUEUED, None, "queued: waiting for liquidity"))
            return
        work.steps.append((instruction, len(self.commands), None, ""))
        self.commands.extend(transfers_for(instruction, self.p.ids))

    def _price(self, instruction: TransferInstruction) -> TransferInstruction | tuple[str, str]:
        """Consume the payment's FX quote and plan its legs; or (reason, detail)."""
        fx = self.p.fx
        if fx is None:
            return reasons.NARR, "this network does not settle cross-currency payments"
        record = instruction.record
        terms = PaymentTerms(
            debtor_agent=instruction.debtor_agent,
            creditor_agent=instruction.creditor_agent,
            instructed_minor=getattr(record, "instructed_amount_minor", None) or 0,
            instructed_currency=getattr(record, "instructed_currency", None) or "",
            settlement_minor=record.amount_minor,
            settlement_currency=record.currency,
            exchange_rate=getattr(record, "exchange_rate", None),
            charge_bearer=charge_bearer(getattr(record, "charge_bearer", None)),
        )
        self._quote_step(instruction.quote_id or "")
        used = fx.consume(instruction.quote_id or "", terms, self.now_ms)
        if not used.ok or used.quote is None:
            name = used.rejection.name if used.rejection else "unknown"
            return reasons.NARR, f"quote {instruction.quote_id}: {name} {used.detail}".strip()
        quote = used.quote
        priced = fx.priced(instruction, quote, self.p.ids.next_id)
        assert priced.fx is not None
        self.events.append(
            PaymentEvent(
                instruction.uetr,
                PaymentState.validated,
                self.now_ms,
                f"quote {quote.id}: rate {quote.display_rate}, {len(priced.fx.transfers)} legs",
            )
        )
        return priced

    def _plan_return(self, work: _Work, instruction: ReturnInstruction) -> None:
        tx = instruction.record
        original = self._payment(tx.original.uetr or "") or self.known.get(tx.original.uetr or "")
        problem = _return_problem(
            work.intake.sender, original, tx.returned_amount_minor, tx.currency
        )
        if problem is not None:
            work.steps.append((instruction, _NOT_SETTLED, *problem))
            return
        assert original is not None
        # The return is an incoming payment of the original debtor side: refused while it
        # is not active, as any payment to a suspended or closed participant is.
        inactive = self.p.directory.first_inactive(
            (original.debtor_agent, original.debit_participant)
        )
        if inactive is not None:
            work.steps.append(
                (instruction, _NOT_SETTLED, reasons.AG01, f"{inactive} is not active")
            )
            return
        debit = self.p.directory.account_id(original.credit_participant, original.currency)
        credit = self.p.directory.account_id(original.debit_participant, original.currency)
        if debit is None or credit is None:
            work.steps.append(
                (
                    instruction,
                    _NOT_SETTLED,
                    reasons.AM03,
                    "an account of the original payment no longer exists",
                )
            )
            return
        self.payments.setdefault(original.uetr, original)
        work.steps.append((instruction, len(self.commands), None, ""))
        self.commands.append(
            CreateTransfer(
                self.p.ids.next_id(),
                debit,
                credit,
                tx.returned_amount_minor,
                code=TRANSFER_CODES[PaymentKind.return_],
                reference=original.uetr,
            )
        )

    def _plan_cancel(self, work: _Work, instruction: CancelInstruction) -> None:
        uetr = instruction.record.original.uetr or ""
        original = self._payment(uetr) or self.known.get(uetr)
        if original is None:
            work.steps.append(
                (
                    instruction,
                    _NOT_SETTLED,
                    reasons.NO_ORIGINAL,
                    f"no payment with UETR {uetr or '(none)'}",
                )
            )
        elif work.intake.sender not in (original.instructing_agent, original.debit_participant):
            work.steps.append(
                (
                    instruction,
                    _NOT_SETTLED,
                    reasons.AGNT,
                    "only the sender of the original may cancel it",
                )
            )
        elif original.state not in _CANCELLABLE:
            work.steps.append(
                (
                    instruction,
                    _NOT_SETTLED,
                    reasons.ALREADY_SETTLED,
                    f"payment is {original.state.value}: too late to cancel; "
                    "ask the creditor agent for a return (pacs.004)",
                )
            )
        else:
            self.payments.setdefault(uetr, original)
            self.to_dequeue.append(uetr)
            self._move(
                uetr,
                PaymentState.cancelled,
                f"cancelled at {work.intake.sender}'s request (camt.056)",
            )
            work.steps.append((instruction, _NOT_SETTLED, None, "cancelled"))

    # -- after the ledger -----------------------------------------------------------
    def changes(self, outcome: BatchOutcome) -> PaymentChanges:
        self.outcome = outcome
        for work in self.works:
            if work.answer is None and work.duplicate_of < 0:
                self._conclude(work, outcome)
        for uetr in list(self.drafts):
            self._payment(uetr)
        return PaymentChanges(
            fx_trades=tuple(self.fx_trades),
            cases=tuple(self.cases),
            payments=tuple(self.payments.values()),
            events=tuple(self.events),
            outbox=tuple(self.outbox),
            inbound=tuple(self.inbound),
        )

    def _conclude(self, work: _Work, outcome: BatchOutcome) -> None:
        if work.intake.rejected:
            self._answer_refusal(work)
            return
        forwards: dict[tuple[str, PaymentKind], list[TransferInstruction]] = {}
        cancels: list[CancellationStatus] = []
        for instruction, index, reason, detail in work.steps:
            if isinstance(instruction, CancelInstruction):
                cancels.append(_cancel_status(instruction, reason, detail))
                continue
            result = chain_result(outcome.results, index, instruction) if index >= 0 else None
            if isinstance(instruction, ReturnInstruction):
                work.outcomes.append(self._return_outcome(instruction, result, reason, detail))
                continue
            assert isinstance(instruction, TransferInstruction)
            tx_outcome = self._transfer_outcome(instruction, index, result, reason, detail)
            work.outcomes.append(tx_outcome)
            if tx_outcome.status == "ACSC":
                key = (instruction.credit_participant, instruction.kind)
                forwards.setdefault(key, []).append(instruction)
        for (recipient, kind), instructions in forwards.items():
            self._forward(recipient, kind, instructions)
        if cancels:
            self._answer_cancellation(work, cancels)
        else:
            self._answer_status(work)

    def _transfer_outcome(
        self,
        instruction: TransferInstruction,
        index: int,
        result: Result | None,
        reason: str | None,
        detail: str,
    ) -> TxOutcome:
        original = original_of(instruction)
        if index == _HELD:
            return TxOutcome(original, "PDNG", None, "held for compliance review")
        if index == _QUEUED:
            return TxOutcome(original, "PDNG", None, "queued: waiting for liquidity")
        if index == _NETTED:
            return TxOutcome(original, "PDNG", None, "cleared: settles at the window's close")
        if result is None:
            return TxOutcome(original, "RJCT", reason, detail)
        uetr = instruction.uetr
        if result is Result.ok:
            transfer = self.commands[index]
            self._evolve(uetr, transfer_id=transfer.id)  # type: ignore[union-attr]
            self._move(uetr, PaymentState.settled, f"ledger transfer {transfer.id:032x}")  # type: ignore[union-attr]
            self.settled.append(instruction)
            if instruction.fx is not None:
                self._settle_fx(instruction)
                return fx_outcome(original, instruction, self.p.fx, self.p.outbound.hub_bic)
            return TxOutcome(original, "ACSC")
        if result is Result.exceeds_floor and self._debtor_short(instruction, index):
            self._queue(instruction, "insufficient liquidity: queued until funds arrive")
            return TxOutcome(original, "PDNG", None, "queued: waiting for liquidity")
        reason = _LEDGER_REASON.get(result, reasons.NARR)
        if instruction.fx is not None:
            self._quote_step(instruction.fx.quote_id)
            self.p.fx.released(instruction.fx.quote_id)  # type: ignore[union-attr]
        self._move(uetr, PaymentState.rejected, f"ledger: {result.name}", reason)
        return TxOutcome(original, "RJCT", reason, f"ledger: {result.name}")

    def _return_outcome(
        self, instruction: ReturnInstruction, result: Result | None, reason: str | None, detail: str
    ) -> TxOutcome:
        tx = instruction.record
        ref = OriginalRef(
            instruction_id=tx.return_id,
            end_to_end_id=tx.original.end_to_end_id,
            tx_id=tx.original.tx_id,
            uetr=tx.original.uetr,
        )
        if result is None:
            return TxOutcome(ref, "RJCT", reason, detail)
        if result is not Result.ok:
            code = _LEDGER_REASON.get(result, reasons.NARR)
            return TxOutcome(ref, "RJCT", code, f"ledger: {result.name}")
        uetr = tx.original.uetr or ""
        original = self._payment(uetr)
        assert original is not None, f"return of {uetr}: original not planned"
        returned = original.returned_minor + tx.returned_amount_minor
        self._evolve(uetr, returned_minor=returned)
        if returned == original.amount_minor:
            self._move(
                uetr, PaymentState.returned, f"returned in full by {original.credit_participant}"
            )
        else:
            self.events.append(
                PaymentEvent(
                    uetr,
                    original.state,
                    self.now_ms,
                    f"partly returned: {tx.returned_amount_minor} of "
                    f"{original.amount_minor} minor units",
                )
            )
        self.outbox.append(
            self.p.outbound.forward_return(original.debit_participant, tx, self.at, self.now_ms)
        )
        return TxOutcome(ref, "ACSC")

    def _forward(
        self, recipient: str, kind: PaymentKind, instructions: list[TransferInstruction]
    ) -> None:
        txs = [i.record for i in instructions]
        received = [i.received_xml for i in instructions]
        spans = [i.relay_span for i in instructions]
        self.outbox.append(
            self.p.outbound.forward(recipient, txs, self.at, self.now_ms, received, spans)  # type: ignore[arg-type]
        )

    # -- answers --------------------------------------------------------------------
    def _answer_status(self, work: _Work) -> None:
        intake = work.intake
        original = OriginalRef(
            msg_id=intake.msg_id, msg_name_id=intake.identifier, created_at=intake.created_at
        )
        message = self.p.outbound.status_report(
            intake.sender, original, work.outcomes, self.at, self.now_ms
        )
        statuses = {o.status for o in work.outcomes}
        status = statuses.pop() if len(statuses) == 1 else "PART"
        codes = {o.reason for o in work.outcomes}
        self._record(
            work,
            message,
            status,
            codes.pop() if len(codes) == 1 else None,
            tuple(o.original.uetr or "" for o in work.outcomes),
            "; ".join(o.detail for o in work.outcomes if o.detail),
        )

    def _answer_cancellation(self, work: _Work, statuses: list[CancellationStatus]) -> None:
        intake = work.intake
        done = {s.status for s in statuses}
        confirmation = done.pop() if len(done) == 1 else "PART"
        message = self.p.outbound.resolution(
            intake.sender,
            intake.msg_id or "NONE",
            statuses,
            confirmation,
            self.at,
            self.now_ms,
            intake.sender,
        )
        codes = {s.reason_code for s in statuses}
        self._record(
            work,
            message,
            confirmation,
            codes.pop() if len(codes) == 1 else None,
            tuple(s.original.uetr or "" for s in statuses),
            "; ".join(i for s in statuses for i in s.additional_info),
        )

    def _answer_refusal(self, work: _Work) -> None:
        intake = work.intake
        if intake.reject is not None:
            problem = intake.reject.problems[0]
            message = self.p.outbound.reject_notice(
                intake.sender,
                intake.msg_id,
                problem.reason.value,
                problem.xpath,
                intake.reject.message,
                self.at,
                self.now_ms,
            )
            reason, text = problem.reason.value, intake.reject.message
        else:
            original = OriginalRef(msg_id=intake.msg_id, msg_name_id=intake.identifier)
            reason, text = intake.reject_reason or reasons.NARR, intake.reject_text
            message = self.p.outbound.status_report(
                intake.sender, original, [], self.at, self.now_ms, group=("RJCT", reason, text)
            )
        # Not recorded as received: a message that failed authentication must not use
        # up its MsgId (a forger could otherwise block the real sender's message).
        work.answer = Answer(
            "RJCT", reason, message.message_id, message.kind, message.payload, detail=text
        )
        self.outbox.append(message)

    def _record(
        self,
        work: _Work,
        message: OutboxMessage,
        status: str,
        reason: str | None,
        uetrs: tuple[str, ...],
        detail: str,
    ) -> None:
        work.answer = Answer(
            status,
            reason,
            message.message_id,
            message.kind,
            message.payload,
            uetrs=uetrs,
            detail=detail,
        )
        self.outbox.append(message)
        intake = work.intake
        if intake.msg_id is not None:
            self.recorded[(intake.sender, intake.msg_id)] = (status, message, intake)
            self.inbound.append(
                InboundRecord(
                    intake.sender,
                    intake.msg_id,
                    intake.identifier or "",
                    intake.received_at_ms,
                    message.message_id,
                    status,
                    intake.data,
                )
            )

    # -- payment bookkeeping --------------------------------------------------------
    def _new_payment(self, intake: Intake, instruction: TransferInstruction) -> None:
        payment = Payment(
            uetr=instruction.uetr,
            kind=instruction.kind,
            msg_id=intake.msg_id or "",
            end_to_end_id=instruction.end_to_end_id,
            tx_id=instruction.tx_id,
            instructing_agent=intake.sender,
            debtor_agent=instruction.debtor_agent,
            creditor_agent=instruction.creditor_agent,
            debit_participant=instruction.debit_participant or intake.sender,
            credit_participant=instruction.credit_participant or instruction.creditor_agent,
            amount_minor=instruction.amount_minor,
            currency=instruction.currency,
            state=PaymentState.received,
            created_at_ms=intake.received_at_ms,
            updated_at_ms=self.now_ms,
            priority=instruction.priority,
        )
        self.payments[payment.uetr] = payment
        self.events.append(
            PaymentEvent(
                payment.uetr,
                PaymentState.received,
                intake.received_at_ms,
                f"{intake.identifier} {intake.msg_id} from {intake.sender}",
            )
        )

    def _debtor_short(self, instruction: TransferInstruction, index: int) -> bool:
        """Whether the leg that broke a floor is the debtor's own (then the payment waits
        in the debtor's queue); an FX provider short of liquidity rejects instead."""
        count = len(instruction.fx.transfers) if instruction.fx is not None else 1
        for offset in range(count):
            if self.outcome.results[index + offset] is Result.exceeds_floor:
                command = self.commands[index + offset]
                return getattr(command, "debit_account_id", None) == instruction.debit_account_id
        return False

    def _settle_fx(self, instruction: TransferInstruction) -> None:
        plan = instruction.fx
        assert plan is not None and self.p.fx is not None
        self._quote_step(plan.quote_id)
        self.fx_trades.extend(self.p.fx.settled(plan.quote_id, self.now_ms))
        self.events.extend(leg_events(instruction, self.now_ms))

    def _queue(self, instruction: TransferInstruction, detail: str) -> None:
        sequence = self.p.liquidity.reserve_sequence()
        uetr = instruction.uetr
        self._evolve(uetr, queue_seq=sequence)
        self._move(uetr, PaymentState.queued, detail)
        self.to_enqueue.append((instruction, sequence))

    def _move(self, uetr: str, state: PaymentState, detail: str, reason: str | None = None) -> None:
        """lifecycle.advance, recorded in the payment's draft."""
        draft = self.drafts.get(uetr)
        before = draft.get("state") if draft is not None else None
        check_step(uetr, before or self.payments[uetr].state, state)
        if draft is None:
            draft = self.drafts[uetr] = {}
        draft["state"] = state
        draft["updated_at_ms"] = self.now_ms
        if reason is not None:
            draft["reason"] = reason
        self.events.append(PaymentEvent(uetr, state, self.now_ms, detail))

    def _evolve(self, uetr: str, **changes: Any) -> None:
        """evolve_payment, recorded in the payment's draft."""
        assert uetr in self.payments, f"{uetr}: not in this batch"
        draft = self.drafts.get(uetr)
        if draft is None:
            self.drafts[uetr] = changes
        else:
            draft.update(changes)

    def _payment(self, uetr: str) -> Payment | None:
        """The batch's payment with this UETR as it stands now (None if the batch has none)."""
        draft = self.drafts.pop(uetr, None)
        if draft is not None:
            self.payments[uetr] = evolve_payment(self.payments[uetr], **draft)
        return self.payments.get(uetr)


def _return_problem(
    sender: str, original: Payment | None, amount_minor: int, currency: str
) -> tuple[str, str] | None:
    if original is None:
        return reasons.NARR, "the original payment (OrgnlUETR) is unknown"
    if sender != original.credit_participant:
        return reasons.AGNT, "only the original payment's receiving participant may return it"
    if original.state not in (PaymentState.settled, PaymentState.delivered):
        return reasons.NARR, f"the original payment is {original.state.value}, not settled"
    if currency != original.currency:
        return reasons.AM03, f"a return must be in {original.currency}"
    if amount_minor > original.amount_minor - original.returned_minor:
        return reasons.AM09, "the return exceeds what is left of the original payment"
    return None


def _cancel_status(
    instruction: CancelInstruction, reason: str | None, detail: str
) -> CancellationStatus:
    tx = instruction.record
    status = reasons.CANCELLATION_ACCEPTED if reason is None else reasons.CANCELLATION_REJECTED
    return CancellationStatus(
        original=tx.original,
        status=status,
        cancellation_status_id=tx.cancellation_id,
        reason_code=reason,
        additional_info=(detail[:105],) if detail else (),
    )


SettlementBatch = _Batch  # a batch between the steps of PaymentProcessor.apply/write/finish


# Where each message's MsgId is, for the refusal of a reused one.
_MSG_ID_XPATHS = {
    "pacs.008": "/Document/FIToFICstmrCdtTrf/GrpHdr/MsgId",
    "pacs.009": "/Document/FICdtTrf/GrpHdr/MsgId",
    "pacs.004": "/Document/PmtRtr/GrpHdr/MsgId",
    "camt.056": "/Document/FIToFIPmtCxlReq/Assgnmt/Id",
}


def _msg_id_reused(intake: Intake, first_received_at_ms: int) -> Intake:
    """`intake`, refused as a whole: its MsgId came before with other bytes. The answer
    is an admi.002 (a message refused), not a pacs.002 about that MsgId, which a bank
    matching its outbox by OrgnlMsgId would take for news of the first message. Not
    recorded as received (a refusal never is), so the first message's answer stands."""
    first_at = ms_to_datetime(first_received_at_ms).isoformat(timespec="milliseconds")
    kind = (intake.identifier or "")[:8]
    problem = Problem(
        Reason.DUPL,
        _MSG_ID_XPATHS.get(kind, "/AppHdr/BizMsgIdr"),
        intake.msg_id,
        f"this MsgId was received at {first_at} in a different message, which keeps its "
        "answer; a re-send must be the same bytes",
    )
    reject = MessageReject((problem,), intake.msg_id, intake.identifier, intake.sender)
    return copy_intake(intake, reject=reject, instructions=())


def _original_answer(status: str, message: OutboxMessage, msg_id: str) -> Answer:
    """The answer given the first time, for a message received again with its MsgId."""
    return Answer(
        status,
        None,
        message.message_id,
        message.kind,
        message.payload,
        duplicate=True,
        uetrs=message.uetrs,
        detail=f"MsgId {msg_id} was received before; original answer",
    )
