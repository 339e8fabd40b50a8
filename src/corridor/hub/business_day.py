"""The business day of each currency: open, cut-off, end of day, driven by the clock.

Calendars come from the currency settings stored at `corridor init`. `due` tells which
step a currency has reached; the hub performs the step (cut-off: queued payments are
rejected; end of day: statements for every account; then the next business day opens).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from corridor.settlement import BusinessDay, CurrencyCalendar, DayState
from corridor.store.postings import CurrencySettings


@dataclass(frozen=True, slots=True)
class DayStep:
    currency: str
    state: DayState
    business_date: date


def calendar_of(settings: CurrencySettings) -> CurrencyCalendar:
    return CurrencyCalendar(
        currency=settings.code,
        time_zone=settings.time_zone,
        opens_at=time.fromisoformat(settings.opens_at),
        cut_off_at=time.fromisoformat(settings.cut_off_at),
        end_of_day_at=time.fromisoformat(settings.end_of_day_at),
        holidays=frozenset(date.fromisoformat(d) for d in settings.holidays),
    )


class BusinessDays:
    """One BusinessDay per currency, advanced by `due_steps(now)`."""

    def __init__(self, settings: Sequence[CurrencySettings], now: datetime) -> None:
        self._calendars = {s.code: calendar_of(s) for s in settings}
        self._days: dict[str, BusinessDay] = {}
        for code, calendar in self._calendars.items():
            self._days[code] = BusinessDay(calendar, _current_date(calendar, now))

    def day(self, currency: str) -> BusinessDay | None:
        return self._days.get(currency)

    def currencies(self) -> list[str]:
        return sorted(self._days)

    def last_openings(self, now: datetime) -> dict[str, datetime]:
        """When each currency's business day last opened, at or before `now`: what a
        provider's exposure in the currency's pairs has counted from since (a hub
        starting mid-day, or between days, rebuilds it from there)."""
        return {code: last_opening(calendar, now) for code, calendar in self._calendars.items()}

    def due_steps(self, now: datetime) -> list[DayStep]:
        """Steps whose time has come, in order (a currency may take several at once)."""
        steps = []
        for code in self.currencies():
            day = self._days[code]
            calendar = self._calendars[code]
            while day.state is DayState.closed and now >= day.end_of_day_at():
                day = self._days[code] = BusinessDay(calendar, calendar.next_business_day(day.day))
            state = day.due(now)
            while state is not None:
                steps.append(DayStep(code, state, day.day))
                _enter(day, state)
                if state is DayState.end_of_day:
                    day = self._days[code] = BusinessDay(
                        calendar, calendar.next_business_day(day.day)
                    )
                state = day.due(now)
        return steps


def _enter(day: BusinessDay, state: DayState) -> None:
    if state is DayState.open:
        day.open()
    elif state is DayState.cut_off:
        day.cut_off()
    elif state is DayState.end_of_day:
        day.end_of_day()


LOOKBACK_DAYS_MAX = 400  # a calendar with no business day for longer is not a calendar


def last_opening(calendar: CurrencyCalendar, now: datetime) -> datetime:
    """The latest opening of a business day at or before `now`."""
    day = calendar.local_date(now)
    for _ in range(LOOKBACK_DAYS_MAX):
        if calendar.is_business_day(day):
            opened = calendar.at(day, calendar.opens_at)
            if opened <= now:
                return opened
        day -= timedelta(days=1)
    raise ValueError(f"{calendar.currency}: no business day in the last {LOOKBACK_DAYS_MAX} days")


def _current_date(calendar: CurrencyCalendar, now: datetime) -> date:
    today = calendar.local_date(now)
    return today if calendar.is_business_day(today) else calendar.next_business_day(today)


def period_of(calendar: CurrencyCalendar, business_date: date) -> tuple[int, int]:
    """[from_ms, to_ms): from the previous business day's end of day to this one's, so
    consecutive statements leave no gap (weekend postings go to the next business day)."""
    previous = business_date - timedelta(days=1)
    while not calendar.is_business_day(previous):
        previous -= timedelta(days=1)
    start = calendar.at(previous, calendar.end_of_day_at)
    end = calendar.at(business_date, calendar.end_of_day_at)
    return int(start.timestamp() * 1000), int(end.timestamp() * 1000)
