"""The hub's use cases, as one façade for the interfaces (HTTP API, CLI, demo).

Threading: `take` is read-only and may run anywhere; everything that writes (`settle`,
`ack`, operator changes) must run on the single engine thread (see worker.EngineWorker),
or in a single-threaded program (tests, CLI).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from corridor.crypto.keys import fingerprint, load_public_key
from corridor.foundation.clock import Clock, ms_to_datetime
from corridor.foundation.config import NetworkConfig
from corridor.foundation.errors import InputError
from corridor.hub.approvals import FourEyes
from corridor.hub.audit import AuditLog
from corridor.hub.business_day import BusinessDays
from corridor.hub.deferred import DeferredSettlement
from corridor.hub.directory import Directory
from corridor.hub.engine import SettlementEngine
from corridor.hub.intake import Intake, IntakeDesk
from corridor.hub.network import (
    InitReport,
    directory_entries,
    initialise_network,
    settlement_account_id,
)
from corridor.hub.onboarding import check_participant
from corridor.hub.processing import Answer, PaymentProcessor, SettlementBatch
from corridor.hub.security import Credentials, Principal, Role
from corridor.hub.statements import StatementDesk
from corridor.hub.usecases.approvals import ApprovalCases
from corridor.hub.usecases.compliance import ComplianceCases
from corridor.hub.usecases.day import DayCases
from corridor.hub.usecases.fx import FxCases
from corridor.hub.usecases.liquidity import LiquidityCases
from corridor.ledger import (
    AccountBalance,
    AccountKind,
    CreateAccount,
    Result,
)
from corridor.payments.lifecycle import advance
from corridor.payments.records import (
    OutboxMessage,
    Participant,
    ParticipantStatus,
    Payment,
    PaymentChanges,
    PaymentEvent,
    PaymentState,
)
from corridor.store.hub_store import HubStore
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
class AckResult:
    acknowledged: tuple[str, ...]
    unknown: tuple[str, ...]


class Hub(LiquidityCases, ApprovalCases, ComplianceCases, FxCases, DayCases):
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
            ("suppress_hit", self._suppress_hit),
            ("onboard", self._onboard),
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

    # The same in steps, for the engine worker's pipeline: apply a batch, write it, commit
    # it (SettlementBatch.commit, on any thread) and, meanwhile, apply the next one if
    # may_overlap allows; finish each in order after its commit; reload_ledger after any
    # failure, once no commit is in flight.
    def apply_batch(
        self, intakes: Sequence[Intake], before: SettlementBatch | None = None
    ) -> SettlementBatch:
        return self.processor.apply(intakes, before)

    def write_batch(self, batch: SettlementBatch) -> None:
        self.processor.write(batch)

    def may_overlap(self, batch: SettlementBatch) -> bool:
        return self.processor.may_overlap(batch)

    def finish_batch(self, batch: SettlementBatch) -> list[Answer]:
        answers = self.processor.finish(batch)
        if self.liquidity.length():
            self.release_queues()
        return answers

    def reload_ledger(self) -> None:
        """After a failed batch (worker.EngineWorker): its quotes back, then the ledger
        (reloaded even if putting the quotes back fails)."""
        try:
            self.processor.abandon()
        finally:
            self.engine.reload()

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
        found = self.store.payment_with_events(uetr)  # one read: both are in its row
        if found is None or not principal.may_see_payment(found[0]):
            return None
        return Tracking(found[0], tuple(found[1]))

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
        return sorted(
            (a for a in self.engine.ledger.accounts() if a.owner == owner),
            key=lambda a: a.currency,
        )

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
        self._save_participant(participant)
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
        self._save_participant(updated)
        return updated

    def register_key(self, bic: str, public_key_pem: str, actor: str = "operator") -> Participant:
        participant = self._existing(bic)
        key = load_public_key(public_key_pem.encode())  # refuses a malformed key
        self.audit.record(actor, "register_key", bic=bic, fingerprint=fingerprint(key))
        updated = replace(
            participant, public_key_pem=public_key_pem, updated_at_ms=self.clock.now_ms()
        )
        self._save_participant(updated)
        return updated

    def issue_credential(self, principal: str, role: Role, actor: str = "operator") -> str:
        if role is Role.participant:
            self._existing(principal)
        self.audit.record(actor, "issue_credential", principal=principal, role=role.value)
        return self.credentials.issue(principal, role)

    def _save_participant(self, participant: Participant) -> None:
        """Store a participant, then swap in the directory's new version."""
        self.store.save_participant(participant)
        self.directory.replace(self.store.participants())

    def _existing(self, bic: str) -> Participant:
        participant = self.directory.participant(bic)
        if participant is None:
            raise InputError("no such participant", field="bic", value=bic)
        return participant
