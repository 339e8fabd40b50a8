"""Business days per currency: working days, holidays, day states and cut-off times.

Times of day are in the currency's own time zone (IANA name, via zoneinfo); `now` is
always passed in as an aware UTC datetime. A day moves closed -> open -> cut_off ->
end_of_day and never back; `due(now)` tells the hub's timer which step is due.
A cut-off extension needs two different operators (four eyes) and is bounded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import IntEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from corridor.foundation.errors import InputError

HOLIDAYS_MAX = 1_000
EXTENSION_MIN_MAX = 240  # total cut-off extension per day, minutes
DAYS_AHEAD_MAX = 366  # how far next_business_day looks


class DayState(IntEnum):
    closed = 0
    open = 1
    cut_off = 2
    end_of_day = 3


class DayResult(IntEnum):
    """Outcome of a business-day step."""

    ok = 0
    wrong_state = 1
    not_business_day = 2
    four_eyes_required = 3
    extension_too_long = 4


@dataclass(frozen=True, slots=True)
class CurrencyCalendar:
    """When a currency's RTGS day runs.

    Attributes:
        currency: ISO 4217 code.
        time_zone: IANA name, e.g. "Asia/Kolkata".
        opens_at / cut_off_at / end_of_day_at: local times, in that order.
        weekend: ISO weekdays (1 = Monday .. 7 = Sunday) that are not working days.
        holidays: local dates that are not working days.
    """

    currency: str
    time_zone: str = "UTC"
    opens_at: time = time(7, 0)
    cut_off_at: time = time(17, 0)
    end_of_day_at: time = time(18, 0)
    weekend: frozenset[int] = frozenset({6, 7})
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InputError(
                "unknown IANA time zone", field="time_zone", value=self.time_zone
            ) from None
        if not self.opens_at < self.cut_off_at <= self.end_of_day_at:
            raise InputError(
                "need opens_at < cut_off_at <= end_of_day_at",
                field="cut_off_at",
                value=self.cut_off_at,
            )
        if len(self.holidays) > HOLIDAYS_MAX:
            raise InputError(
                f"more than {HOLIDAYS_MAX} holidays", field="holidays", value=len(self.holidays)
            )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def is_business_day(self, day: date) -> bool:
        return day.isoweekday() not in self.weekend and day not in self.holidays

    def local_date(self, now: datetime) -> date:
        """The date in the currency's zone at an aware instant."""
        return _aware(now).astimezone(self.zone).date()

    def next_business_day(self, day: date) -> date:
        """The first business day after `day`."""
        for offset in range(1, DAYS_AHEAD_MAX + 1):
            candidate = day + timedelta(days=offset)
            if self.is_business_day(candidate):
                return candidate
        raise InputError("no business day within a year", field="day", value=day)

    def at(self, day: date, local: time, extension_min: int = 0) -> datetime:
        """A local time of a local date, as an aware UTC datetime."""
        moment = datetime.combine(day, local, tzinfo=self.zone)
        return (moment + timedelta(minutes=extension_min)).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class CutOffExtension:
    """An approved extension (kept for the audit trail)."""

    minutes: int
    requested_by: str
    approved_by: str
    reason: str


class BusinessDay:
    """One currency's business day: a small state machine, time passed in."""

    __slots__ = ("calendar", "day", "extensions", "state")

    def __init__(self, calendar: CurrencyCalendar, day: date) -> None:
        self.calendar = calendar
        self.day = day
        self.state = DayState.closed
        self.extensions: list[CutOffExtension] = []

    @property
    def extension_min(self) -> int:
        return sum(e.minutes for e in self.extensions)

    def opens_at(self) -> datetime:
        return self.calendar.at(self.day, self.calendar.opens_at)

    def cut_off_at(self) -> datetime:
        """The cut-off instant (UTC), extensions included."""
        return self.calendar.at(self.day, self.calendar.cut_off_at, self.extension_min)

    def end_of_day_at(self) -> datetime:
        """End of day keeps its distance from the (possibly extended) cut-off."""
        return self.calendar.at(self.day, self.calendar.end_of_day_at, self.extension_min)

    def open(self) -> DayResult:
        if self.state is not DayState.closed:
            return DayResult.wrong_state
        if not self.calendar.is_business_day(self.day):
            return DayResult.not_business_day
        self.state = DayState.open
        return DayResult.ok

    def cut_off(self) -> DayResult:
        """No new payments; the hub rejects what is still queued."""
        if self.state is not DayState.open:
            return DayResult.wrong_state
        self.state = DayState.cut_off
        return DayResult.ok

    def end_of_day(self) -> DayResult:
        """Statements and roll-over; the day is over."""
        if self.state is not DayState.cut_off:
            return DayResult.wrong_state
        self.state = DayState.end_of_day
        return DayResult.ok

    def extend_cut_off(
        self, minutes: int, *, requested_by: str, approved_by: str, reason: str
    ) -> DayResult:
        """Push the cut-off (and end of day) back; two different operators must agree."""
        if not isinstance(minutes, int) or minutes <= 0:
            raise InputError("must be a positive number of minutes", field="minutes", value=minutes)
        if self.state is not DayState.open:
            return DayResult.wrong_state
        if not requested_by or requested_by == approved_by:
            return DayResult.four_eyes_required
        if self.extension_min + minutes > EXTENSION_MIN_MAX:
            return DayResult.extension_too_long
        self.extensions.append(CutOffExtension(minutes, requested_by, approved_by, reason))
        return DayResult.ok

    def due(self, now: datetime) -> DayState | None:
        """The state the day should move to at `now`, or None if nothing is due."""
        now = _aware(now)
        if self.state is DayState.closed and self.calendar.is_business_day(self.day):
            return DayState.open if self.opens_at() <= now < self.cut_off_at() else None
        if self.state is DayState.open and now >= self.cut_off_at():
            return DayState.cut_off
        if self.state is DayState.cut_off and now >= self.end_of_day_at():
            return DayState.end_of_day
        return None

    def accepts_payments(self) -> bool:
        return self.state is DayState.open


def _aware(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise InputError("must be an aware datetime (UTC)", field="now", value=now)
    return now
