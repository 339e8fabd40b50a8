"""The business day and statements: end of day, reports on request, the clock-driven steps.

A part of the Hub façade (corridor.hub.service): engine-thread use cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from corridor.foundation.clock import datetime_to_ms, ms_to_datetime
from corridor.foundation.errors import InputError
from corridor.hub.business_day import DayStep, period_of
from corridor.hub.security import Principal
from corridor.hub.statements import Period
from corridor.hub.usecases._parts import HubParts
from corridor.iso20022.records import ReportKind
from corridor.payments.records import (
    OutboxMessage,
    PaymentChanges,
)
from corridor.settlement import (
    CurrencyCalendar,
    DayState,
)

# How long an ended (settled, released, expired) FX quote stays readable after it was made.
ENDED_QUOTES_KEPT_MS = 600_000


@dataclass(frozen=True, slots=True)
class EndOfDayReport:
    currency: str
    business_date: date
    rejected_at_cut_off: int
    statements: int
    entries: int


class DayCases(HubParts):
    """The business day and statements."""

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
        self.engine.reload_if_stale()  # the clock's steps read the ledger too
        if self.processor.fx is not None:
            book = self.processor.fx.book
            book.expire_due(now_ms)
            # Ended quotes are kept a while for GET /v1/fx/quotes/{id}, then forgotten:
            # the book holds at most quotes_max quotes in all.
            book.forget_before(now_ms - ENDED_QUOTES_KEPT_MS)
        steps = self.days.due_steps(ms_to_datetime(now_ms))
        # The days have moved on already: a step that fails (the database away) must not
        # take the others with it. The first error is raised once all have run.
        failures: list[Exception] = []
        for step in steps:
            try:
                self._perform(step)
            except Exception as error:
                failures.append(error)
        if failures:
            raise failures[0]
        return steps

    def _perform(self, step: DayStep) -> None:
        fx = self.processor.fx
        if step.state is DayState.open and fx is not None:
            # A provider's exposure is counted per business day of its pair's base.
            calendar = self._calendar(step.currency)
            opened_at = calendar.at(step.business_date, calendar.opens_at)
            try:
                fx.open_day(step.currency, datetime_to_ms(opened_at))
            except Exception:  # the stored trades could not be read: start from memory
                fx.book.reset_exposure(step.currency)
                raise
        elif step.state is DayState.cut_off:
            self.cut_off(step.currency)
        elif step.state is DayState.end_of_day:
            self.end_of_day(step.currency, step.business_date)

    def _calendar(self, currency: str) -> CurrencyCalendar:
        day = self.days.day(currency)
        return day.calendar if day is not None else CurrencyCalendar(currency)
