"""The hub's use cases, as one façade for the interfaces (HTTP API, CLI, demo).

Threading: `take` is read-only and may run anywhere; everything that writes (`settle`,
`ack`, operator changes) must run on the single engine thread (see worker.EngineWorker),
or in a single-threaded program (tests, CLI).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from corridor.crypto.keys import fingerprint, load_public_key
from corridor.foundation.clock import Clock, ms_to_datetime
from corridor.foundation.config import NetworkConfig
from corridor.foundation.errors import InputError, StoreError
from corridor.foundation.money import parse_amount
from corridor.fx import ExposureRow, QuoteOutcome, QuoteRequest, RateSheet
from corridor.fx.reports import FxVolume, fx_volumes
from corridor.hub import reasons
from corridor.hub.approvals import Decision, FourEyes
from corridor.hub.audit import AuditLog
from corridor.hub.business_day import BusinessDays, DayStep, period_of
from corridor.hub.compliance import ComplianceDesk
from corridor.hub.deferred import DeferredSettlement
from corridor.hub.directory import Directory
from corridor.hub.engine import SettlementEngine
from corridor.hub.fx_desk import FxDesk
from corridor.hub.intake import Intake, IntakeDesk, TransferInstruction
from corridor.hub.liquidity import ISO_PRIORITY, LiquidityDesk, QueueEntry
from corridor.hub.network import (
    TRANSFER_CODE_FUNDING,
    InitReport,
    directory_entries,
    initialise_network,
    issuance_account_id,
    settlement_account_id,
    transit_account_id,
)
from corridor.hub.onboarding import check_participant
from corridor.hub.processing import Answer, PaymentProcessor
from corridor.hub.screening import ScreeningDecision
from corridor.hub.security import Credentials, Principal, Role
from corridor.hub.statements import Period, StatementDesk
from corridor.hub.watchlists import screener_for
from corridor.iso20022.records import ReportKind
from corridor.ledger import (
    BALANCE_MAX,
    AccountBalance,
    AccountKind,
    CreateAccount,
    CreateTransfer,
    Result,
    SetAccountFloor,
)
from corridor.payments.lifecycle import advance
from corridor.payments.records import (
    CaseStatus,
    ComplianceCase,
    OutboxMessage,
    Participant,
    ParticipantStatus,
    Payment,
    PaymentChanges,
    PaymentEvent,
    PaymentState,
)
from corridor.settlement import (
    CurrencyCalendar,
    DayResult,
    DayState,
    LimitConfig,
    Priority,
    WindowReport,
)
from corridor.store.audit_store import ApprovalRow, approval
from corridor.store.fx_store import trades_between
from corridor.store.hub_store import HubStore, cases, inbound_payload, payments_in_state
from corridor.store.postings import CurrencySettings, load_currency_settings, save_currency_settings

ACK_IDS_MAX = 1_000
PAYMENTS_PAGE_MAX = 1_000
_DELIVERABLE = ("pacs.008", "pacs.009", "pacs.004")


@dataclass(frozen=True, slots=True)
class Tracking:
    """A payment and every step of its life (the gpi-style tracker view)."""

    payment: Payment
    events: tuple[PaymentEvent, ...]


@dataclass(frozen=True, slots=True)
class GridlockReport:
    """One gridlock run: what was queued, what settled, and the liquidity it saved."""

    currency: str
    queued_count: int
    settled_count: int
    gross_minor: int
    net_used_minor: int
    liquidity_saved_minor: int


@dataclass(frozen=True, slots=True)
class EndOfDayReport:
    currency: str
    business_date: date
    rejected_at_cut_off: int
    statements: int
    entries: int


@dataclass(frozen=True, slots=True)
class RescreenReport:
    lists: tuple[str, ...]
    queued_now_held: int
    held_rescreened: int


@dataclass(frozen=True, slots=True)
class AckResult:
    acknowledged: tuple[str, ...]
    unknown: tuple[str, ...]


class Hub:
    """Use cases of the hub. Build it with bootstrap.build_hub."""

    def __init__(
        self,
        *,
        engine: SettlementEngine,
        store: HubStore,
        directory: Directory,
        intake: IntakeDesk,
        processor: PaymentProcessor,
        credentials: Credentials,
        clock: Clock,
        hub_bic: str,
        deferred: DeferredSettlement,
        statements: StatementDesk,
        days: BusinessDays,
        audit: AuditLog,
        four_eyes: FourEyes,
    ) -> None:
        self.audit = audit
        self.four_eyes = four_eyes
        self.deferred = deferred
        self.statements = statements
        self.days = days
        self.engine = engine
        self.store = store
        self.directory = directory
        self.intake = intake
        self.processor = processor
        self.credentials = credentials
        self.clock = clock
        self.hub_bic = hub_bic
        for action, handler in (
            ("fund", self._fund),
            ("defund", self._defund),
            ("set_credit_line", self._set_credit_line),
            ("set_limits", self._set_limits),
            ("extend_cut_off", self._extend_cut_off),
            ("release_hold", self._release_hold),
        ):
            four_eyes.register(action, handler)

    # -- messages -------------------------------------------------------------------
    def take(self, sender: str, data: bytes) -> Intake:
        """Parse, authenticate and route a message (read-only; any thread)."""
        return self.intake.take(sender, data, self.clock.now_ms())

    def settle(self, intakes: Sequence[Intake]) -> list[Answer]:
        """Settle a batch and answer every message (engine thread); then let waiting
        payments use whatever liquidity the batch brought."""
        answers = self.processor.process(intakes)
        if self.liquidity.length():
            self.release_queues()
        return answers

    # -- liquidity (engine thread) --------------------------------------------------
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
            instructions = self.liquidity.releasable(self.available_minor)
            if not instructions:
                break
            outcome = self.deferred.settle(instructions, detail="liquidity arrived")
            self._dequeue_settled(outcome.settled, instructions)
            settled += len(outcome.settled)
            if not outcome.settled:
                break
        for currency in self.liquidity.currencies():
            if self.liquidity.book(currency).gridlock_due():
                settled += self.resolve_gridlock(currency).settled_count
        return settled

    def resolve_gridlock(self, currency: str) -> GridlockReport:
        """Multilateral offsetting over the currency's queues, settled in one linked batch."""
        result, instructions = self.liquidity.gridlock(currency, self.available_minor)
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
                saved_minor=result.liquidity_saved_minor if done else 0,
            )
        return GridlockReport(
            currency,
            result.queued_count,
            len(outcome.settled),
            result.gross_minor if done else 0,
            result.net_used_minor if done else 0,
            result.liquidity_saved_minor if done else 0,
        )

    # -- four eyes and audit ---------------------------------------------------------
    def request_approval(
        self, principal: Principal, action: str, params: dict[str, Any]
    ) -> ApprovalRow:
        """The first pair of eyes: nothing happens until another user approves."""
        self._may_decide(principal, action)
        return self.four_eyes.request(action, params, principal.name)

    def approve(self, principal: Principal, approval_id: str) -> Decision:
        """The second pair of eyes (engine thread): carries the action out."""
        row = approval(self.store.engine, approval_id)
        self._may_decide(principal, row.action if row else "")
        return self.four_eyes.approve(approval_id, principal.name)

    def _may_decide(self, principal: Principal, action: str) -> None:
        """Compliance officers decide holds; operators (or compliance) everything else."""
        needed = {Role.compliance} if action == "release_hold" else {Role.operator, Role.compliance}
        if principal.role not in needed:
            raise InputError(
                f"{action or 'this'} needs a {' or '.join(sorted(needed))} user",
                field="role",
                value=principal.role.value,
            )

    def refuse(self, principal: Principal, approval_id: str) -> Decision:
        self._operator_only(principal)
        return self.four_eyes.refuse(approval_id, principal.name)

    def _operator_only(self, principal: Principal) -> None:
        if principal.role not in (Role.operator, Role.compliance):
            raise InputError(
                "needs an operator or compliance user", field="role", value=principal.role.value
            )

    def _fund(self, params: dict[str, Any], requested_by: str, approved_by: str) -> Result:
        """Manual posting: the currency's settlement agent funds a participant."""
        return self._move_funds(params, requested_by, approved_by, into_participant=True)

    def _defund(self, params: dict[str, Any], requested_by: str, approved_by: str) -> Result:
        return self._move_funds(params, requested_by, approved_by, into_participant=False)

    def _move_funds(
        self, params: dict[str, Any], requested_by: str, approved_by: str, *, into_participant: bool
    ) -> Result:
        currency = str(params["currency"])
        amount_minor = parse_amount(str(params["amount"]), currency, field="amount")
        account_id = self.directory.account_id(str(params["bic"]), currency)
        if account_id is None:
            raise InputError(f"no {currency} account", field="bic", value=params["bic"])
        issuance = issuance_account_id(currency)
        debit, credit = (issuance, account_id) if into_participant else (account_id, issuance)
        transfer = CreateTransfer(
            self.processor.ids.next_id(),
            debit,
            credit,
            amount_minor,
            code=TRANSFER_CODE_FUNDING,
            reference=f"{'fund' if into_participant else 'defund'} {requested_by}/{approved_by}"[
                :140
            ],
        )
        (result,) = self.engine.execute([transfer]).results
        if result is Result.ok and self.liquidity.length():
            self.release_queues()
        return result

    def _set_credit_line(
        self, params: dict[str, Any], requested_by: str, approved_by: str
    ) -> Result:
        currency = str(params["currency"])
        account_id = self.directory.account_id(str(params["bic"]), currency)
        if account_id is None:
            raise InputError(f"no {currency} account", field="bic", value=params["bic"])
        line_minor = parse_amount(str(params["credit_line"]), currency, field="credit_line")
        (result,) = self.engine.execute([SetAccountFloor(account_id, -line_minor)]).results
        return result

    def _set_limits(self, params: dict[str, Any], requested_by: str, approved_by: str) -> None:
        currency = str(params["currency"])
        config = LimitConfig(
            bilateral_minor={
                (str(s), str(c)): parse_amount(str(a), currency, field="bilateral")
                for s, c, a in params.get("bilateral", [])
            },
            multilateral_minor={
                str(s): parse_amount(str(a), currency, field="multilateral")
                for s, a in params.get("multilateral", [])
            },
            net_debit_cap_minor={
                str(p): parse_amount(str(a), currency, field="net_debit_cap")
                for p, a in params.get("net_debit_cap", [])
            },
        )
        self.liquidity.set_limits(currency, config)

    def _extend_cut_off(
        self, params: dict[str, Any], requested_by: str, approved_by: str
    ) -> DayResult:
        day = self.days.day(str(params["currency"]))
        if day is None:
            raise InputError(
                "no business day for this currency", field="currency", value=params["currency"]
            )
        return day.extend_cut_off(
            int(params["minutes"]),
            requested_by=requested_by,
            approved_by=approved_by,
            reason=str(params.get("reason", "")),
        )

    # -- compliance (engine thread) ----------------------------------------------------
    @property
    def compliance(self) -> ComplianceDesk:
        screening = self.processor.screening
        if not isinstance(screening, ComplianceDesk):
            raise InputError(
                "screening is not configured on this hub", field="screening", value=None
            )
        return screening

    def cases(
        self, principal: Principal, status: CaseStatus | None = None, uetr: str | None = None
    ) -> list[ComplianceCase]:
        if principal.is_participant:
            raise InputError(
                "compliance cases are for operator users", field="role", value=principal.role.value
            )
        return cases(self.store.engine, status, uetr)

    def reject_hold(self, principal: Principal, uetr: str, note: str) -> ComplianceCase:
        """A compliance officer refuses a held payment: RJCT (RR04) to the sender."""
        self._may_decide(principal, "release_hold")
        instruction, case = self._held_case(uetr)
        decided = replace(
            case,
            status=CaseStatus.rejected,
            decided_by=principal.name,
            decided_at_ms=self.clock.now_ms(),
            decision_note=note[:500],
        )
        self.deferred.reject(
            [instruction],
            reasons.RR04,
            f"rejected by compliance ({principal.name}): {note}"[:140],
            cases=[decided],
        )
        self.compliance.unhold(uetr)
        self.audit.record(principal.name, "reject_hold", uetr=uetr, case=case.id, note=note)
        return decided

    def _release_hold(self, params: dict[str, Any], requested_by: str, approved_by: str) -> str:
        """Four eyes done: settle the held payment now, or queue it for liquidity."""
        uetr = str(params["uetr"])
        instruction, case = self._held_case(uetr)
        decided = replace(
            case,
            status=CaseStatus.released,
            decided_by=f"{requested_by} + {approved_by}",
            decided_at_ms=self.clock.now_ms(),
            decision_note=str(params.get("note", ""))[:500],
        )
        detail = f"released by compliance ({requested_by}, {approved_by})"
        self.compliance.unhold(uetr)
        if not self.liquidity.must_wait(instruction):
            outcome = self.deferred.settle([instruction], detail=detail, cases=[decided])
            if outcome.settled:
                self._dequeue_settled(outcome.settled, [instruction])
                return "settled"
        sequence = self.liquidity.reserve_sequence()
        self.deferred.queue_released(instruction, sequence, detail, decided)
        self.liquidity.enqueue(instruction, sequence)
        return "queued"

    def reload_lists(
        self, watchlists_dir: Path, threshold: float | None = None, actor: str = "operator"
    ) -> RescreenReport:
        """Put the archive's lists in force and re-screen what has not moved yet: a queued
        payment that now hits is held (with a case); a held one gets a note of what the
        new lists say (the officers still decide)."""
        desk = self.compliance
        desk.screener = screener_for(watchlists_dir, threshold)
        now_ms = self.clock.now_ms()
        moved: list[tuple[TransferInstruction, ScreeningDecision]] = []
        for entry in self.liquidity.entries():
            decision = desk.screen(entry.instruction)
            if decision.hold:
                moved.append((entry.instruction, decision))
        payments = self.store.payments_by_uetr([i.uetr for i, _ in moved] + desk.held_uetrs())
        updated, events = [], []
        for instruction, decision in moved:
            payment, event = advance(
                payments[instruction.uetr],
                PaymentState.held,
                now_ms,
                f"re-screened: {decision.detail}",
            )
            updated.append(payment)
            events.append(event)
        notes = [
            PaymentEvent(
                uetr,
                PaymentState.held,
                now_ms,
                "re-screened under new lists: "
                + (
                    "still a hit"
                    if desk.screen(desk.held(uetr)).hold  # type: ignore[arg-type]
                    else "no longer a hit"
                ),
            )
            for uetr in desk.held_uetrs()
        ]
        changes = PaymentChanges(
            payments=tuple(updated),
            events=tuple(events + notes),
            cases=tuple(d.case for _, d in moved if d.case is not None),
        )
        if changes:
            self.engine.execute([], lambda _outcome: changes)
        self.liquidity.remove([i.uetr for i, _ in moved])
        for instruction, _ in moved:
            desk.hold(instruction)
        versions = desk.screener.versions() if desk.screener else ()
        self.audit.record(
            actor,
            "reload_lists",
            lists={v.list_name: v.list_version for v in versions},
            held_now=len(moved),
        )
        return RescreenReport(tuple(v.list_name for v in versions), len(moved), len(notes))

    def _held_case(self, uetr: str) -> tuple[TransferInstruction, ComplianceCase]:
        instruction = self.compliance.held(uetr)
        open_cases = cases(self.store.engine, CaseStatus.open, uetr)
        if instruction is None or not open_cases:
            raise InputError("no held payment with an open case", field="uetr", value=uetr)
        return instruction, open_cases[0]

    # -- queues (operator and senders) -------------------------------------------------
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

    # -- cross-currency (engine thread) ----------------------------------------------
    @property
    def fx(self) -> FxDesk:
        if self.processor.fx is None:
            raise InputError("cross-currency payments are not enabled", field="fx", value=None)
        return self.processor.fx

    def publish_rates(self, principal: Principal, sheet: RateSheet) -> None:
        """A provider publishes (replaces) its executable rates."""
        if principal.is_participant and principal.name != sheet.provider:
            raise InputError(
                "a participant may publish only its own rates",
                field="provider",
                value=sheet.provider,
            )
        self.fx.publish(sheet)
        self.audit.record(
            principal.name, "publish_rates", provider=sheet.provider, tiers=len(sheet.rates)
        )

    def request_quote(self, principal: Principal, request: QuoteRequest) -> QuoteOutcome:
        """The best executable quote across providers, locked for the network's lock time."""
        if principal.is_participant and self.directory.settling_participant(
            request.debtor_agent
        ) is not self.directory.participant(principal.name):
            raise InputError(
                "a participant may ask quotes only as (or for) the debtor agent",
                field="debtor_agent",
                value=request.debtor_agent,
            )
        return self.fx.quote(request, self.clock.now_ms())

    def fx_volumes(self, from_ms: int, to_ms: int) -> list[FxVolume]:
        """FX volume and value per pair and provider per day, from settled trades."""
        return fx_volumes(trades_between(self.store.engine, from_ms, to_ms))

    def fx_exposure(self) -> list[ExposureRow]:
        return self.fx.book.exposure()

    # -- business day and statements (engine thread) ---------------------------------
    def end_of_day(self, currency: str, business_date: date) -> EndOfDayReport:
        """Cut-off for what is still queued, the last net settlement window, then a
        camt.053 for every account of the currency, reconciled against the ledger."""
        rejected = self.cut_off(currency)
        netting = self.processor.netting
        if netting is not None and netting.nets(currency):
            self.settle_windows(currency, actor="engine")
        calendar = self._calendar(currency)
        from_ms, to_ms = period_of(calendar, business_date)
        accounts = [a for a in self.engine.ledger.accounts() if a.currency == currency]
        statements = self.statements.statements(accounts, Period(from_ms, to_ms, business_date))
        latest = self.clock.now_ms() <= to_ms  # nothing posted after the period yet
        self.statements.check(
            statements, {a.id: a.balance_minor for a in accounts} if latest else None
        )
        now_ms = self.clock.now_ms()
        messages = tuple(
            self.statements.message(
                s, ReportKind.STATEMENT, Period(from_ms, to_ms, business_date), now_ms
            )
            for s in statements
        )
        self.engine.execute([], lambda _outcome: PaymentChanges(outbox=messages))
        self.audit.record(
            "engine",
            "end_of_day",
            currency=currency,
            business_date=business_date.isoformat(),
            statements=len(statements),
        )
        return EndOfDayReport(
            currency,
            business_date,
            rejected,
            len(statements),
            sum(len(s.entries) for s in statements),
        )

    def report(
        self,
        principal: Principal,
        currency: str,
        kind: ReportKind,
        from_ms: int,
        to_ms: int,
        bic: str | None = None,
    ) -> OutboxMessage:
        """A camt.052 / 053 / 054 for one participant's account, on request; it is also
        placed in the participant's outbox."""
        owner = principal.name if principal.is_participant else (bic or "")
        account_id = self.directory.account_id(owner, currency)
        account = self.engine.ledger.account(account_id) if account_id else None
        if account is None:
            raise InputError(
                f"{owner or '(none)'} has no account in {currency}",
                field="currency",
                value=currency,
            )
        if not 0 <= from_ms < to_ms:
            raise InputError("from must be before to", field="from_ms", value=from_ms)
        period = Period(from_ms, to_ms, ms_to_datetime(to_ms - 1).date())
        (statement,) = self.statements.statements([account], period)
        message = self.statements.message(statement, kind, period, self.clock.now_ms())
        self.engine.execute([], lambda _outcome: PaymentChanges(outbox=(message,)))
        return message

    def tick(self) -> list[DayStep]:
        """Advance every currency's business day to the clock; perform what is due."""
        now_ms = self.clock.now_ms()
        if self.processor.fx is not None:
            self.processor.fx.book.expire_due(now_ms)
        steps = self.days.due_steps(ms_to_datetime(now_ms))
        for step in steps:
            if step.state is DayState.cut_off:
                self.cut_off(step.currency)
            elif step.state is DayState.end_of_day:
                self.end_of_day(step.currency, step.business_date)
        return steps

    def _calendar(self, currency: str) -> CurrencyCalendar:
        day = self.days.day(currency)
        return day.calendar if day is not None else CurrencyCalendar(currency)

    def recover_waiting(self) -> int:
        """At start-up: QUEUED payments back in their queues in their old order, HELD ones
        back under compliance. A queued cross-currency payment cannot wait across a
        restart (quotes live in memory): it is rejected, and its sender told so."""
        count = 0
        stale: list[TransferInstruction] = []
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
            if instruction.quote_id is not None:  # held or queued: its quote is gone
                stale.append(instruction)
            elif payment.state is PaymentState.held:
                self.processor.screening.hold(instruction)
            elif netting is not None and netting.nets(payment.currency):
                # A netted currency's payments never queue gross; the window id was kept
                # (negated) in queue_seq when the payment was cleared.
                netting.add(instruction, max(1, -payment.queue_seq), self.clock.now_ms())
            else:
                self.liquidity.enqueue(instruction, payment.queue_seq)
            count += 1
        self.deferred.reject(stale, reasons.NARR, "FX quote lost when the hub restarted")
        return count

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
        """Reject everything still queued in the currency (the day's cut-off)."""
        expired = self.liquidity.expire(currency)
        self.audit.record("engine", "cut_off", currency=currency, rejected=len(expired))
        self.deferred.reject(expired, reason, f"unsettled at the {currency} cut-off")
        return len(expired)

    def _dequeue_settled(
        self, uetrs: Sequence[str], instructions: Sequence[TransferInstruction]
    ) -> None:
        self.liquidity.remove(list(uetrs))
        done = set(uetrs)
        for instruction in instructions:
            if instruction.uetr in done:
                self.liquidity.record_settled(instruction)

    def submit(self, sender: str, data: bytes) -> Answer:
        """One message, start to finish (single-threaded callers)."""
        return self.settle([self.take(sender, data)])[0]

    # -- delivery -------------------------------------------------------------------
    def outbox(
        self,
        principal: Principal,
        after_seq: int = 0,
        limit: int = 100,
        include_acked: bool = False,
    ) -> list[OutboxMessage]:
        return self.store.outbox_page(principal.name, after_seq, limit, include_acked)

    def ack(self, principal: Principal, message_ids: Sequence[str]) -> AckResult:
        """Acknowledge delivered messages (engine thread). A forwarded payment whose
        message the receiving participant acknowledges becomes DELIVERED."""
        if len(message_ids) > ACK_IDS_MAX:
            raise InputError(
                f"at most {ACK_IDS_MAX} ids per call", field="message_ids", value=len(message_ids)
            )
        messages = self.store.outbox_messages(principal.name, message_ids)
        now_ms = self.clock.now_ms()
        fresh = [m for m in messages if m.acked_at_ms is None]
        payments = self._delivered(fresh, principal.name, now_ms)
        changes = PaymentChanges(
            payments=tuple(p for p, _ in payments),
            events=tuple(e for _, e in payments),
            acks=tuple((principal.name, m.message_id, now_ms) for m in fresh),
        )
        if changes:
            self.engine.execute([], lambda _outcome: changes)
        found = {m.message_id for m in messages}
        return AckResult(
            tuple(i for i in message_ids if i in found),
            tuple(i for i in message_ids if i not in found),
        )

    def _delivered(
        self, messages: Sequence[OutboxMessage], recipient: str, now_ms: int
    ) -> list[tuple[Payment, PaymentEvent]]:
        uetrs = [u for m in messages if m.kind.startswith(_DELIVERABLE) for u in m.uetrs]
        result = []
        for payment in self.store.payments_by_uetr(uetrs).values():
            if payment.state is PaymentState.settled:
                result.append(
                    advance(payment, PaymentState.delivered, now_ms, f"acknowledged by {recipient}")
                )
        return result

    # -- reading --------------------------------------------------------------------
    def track(self, principal: Principal, uetr: str) -> Tracking | None:
        """None when unknown or not the caller's to see (the two look the same)."""
        payment = self.store.payment(uetr)
        if payment is None or not principal.may_see_payment(payment):
            return None
        return Tracking(payment, tuple(self.store.events(uetr)))

    def payments(
        self, principal: Principal, after: tuple[int, str] = (0, ""), limit: int = 100
    ) -> list[Payment]:
        """The caller's payments (all of them for operator users), ordered by
        (updated_at_ms, uetr) after the cursor `after`: a feed of changes."""
        if not 1 <= limit <= PAYMENTS_PAGE_MAX:
            raise InputError(f"must be 1 to {PAYMENTS_PAGE_MAX}", field="limit", value=limit)
        owner = principal.name if principal.is_participant else None
        return self.store.payments_page(owner, after[0], limit, after_uetr=after[1])

    def balances(self, principal: Principal, bic: str | None = None) -> list[AccountBalance]:
        owner = principal.name if principal.is_participant else (bic or "")
        return self.directory.balances(owner)

    def participants(self) -> list[Participant]:
        return self.directory.participants()

    # -- directory (operator, engine thread) ----------------------------------------
    def onboard(
        self,
        participant: Participant,
        currencies: Sequence[tuple[str, int]] = (),
        actor: str = "operator",
    ) -> list[Result]:
        """Add (or update) a participant and open its settlement accounts.

        `currencies`: (currency, credit line in minor units) for each account to open.
        """
        check_participant(participant)
        if participant.public_key_pem:
            load_public_key(participant.public_key_pem.encode())
        participant = replace(participant, updated_at_ms=self.clock.now_ms())
        commands = [
            CreateAccount(
                settlement_account_id(participant.bic, currency),
                participant.bic,
                currency,
                AccountKind.settlement,
                -credit_line_minor,
            )
            for currency, credit_line_minor in currencies
        ]
        results = self.engine.execute(commands).results if commands else []
        self.store.save_participant(participant)
        self.directory.replace(self.store.participants())
        self.audit.record(
            actor,
            "onboard",
            bic=participant.bic,
            kind=participant.kind.value,
            currencies=[c for c, _ in currencies],
            results=[r.name for r in results],
        )
        return results

    def load_network(self, config: NetworkConfig) -> InitReport:
        """`corridor init`: the network file's accounts, opening funds and directory."""
        report = initialise_network(self.engine, config, self.hub_bic)
        if not report.failures:
            settings = [
                CurrencySettings(
                    c.code,
                    c.settlement_agent,
                    c.time_zone,
                    c.opens_at,
                    c.cut_off_at,
                    c.end_of_day_at,
                    tuple(d.isoformat() for d in c.holidays),
                )
                for c in config.currencies
            ]
            save_currency_settings(self.store.engine, settings)
            self.days = BusinessDays(
                load_currency_settings(self.store.engine), ms_to_datetime(self.clock.now_ms())
            )
            for participant in directory_entries(config):
                existing = self.directory.participant(participant.bic)
                if existing is None:
                    check_participant(participant)
                    self.store.save_participant(
                        replace(participant, updated_at_ms=self.clock.now_ms())
                    )
            self.directory.replace(self.store.participants())
        return report

    def set_status(
        self, bic: str, status: ParticipantStatus, actor: str = "operator"
    ) -> Participant:
        participant = self._existing(bic)
        self.audit.record(actor, "set_status", bic=bic, status=status.value)
        updated = replace(participant, status=status, updated_at_ms=self.clock.now_ms())
        self.store.save_participant(updated)
        self.directory.replace(self.store.participants())
        return updated

    def register_key(self, bic: str, public_key_pem: str, actor: str = "operator") -> Participant:
        participant = self._existing(bic)
        self.audit.record(
            actor,
            "register_key",
            bic=bic,
            fingerprint=fingerprint(load_public_key(public_key_pem.encode())),
        )
        load_public_key(public_key_pem.encode())  # refuses a malformed key, naming the field
        updated = replace(
            participant, public_key_pem=public_key_pem, updated_at_ms=self.clock.now_ms()
        )
        self.store.save_participant(updated)
        self.directory.replace(self.store.participants())
        return updated

    def issue_credential(self, principal: str, role: Role, actor: str = "operator") -> str:
        if role is Role.participant:
            self._existing(principal)
        self.audit.record(actor, "issue_credential", principal=principal, role=role.value)
        return self.credentials.issue(principal, role)

    def _existing(self, bic: str) -> Participant:
        participant = self.directory.participant(bic)
        if participant is None:
            raise InputError("no such participant", field="bic", value=bic)
        return participant
