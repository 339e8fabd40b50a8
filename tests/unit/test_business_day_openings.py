"""When a currency's business day last opened: what a provider's FX exposure counts
from when a hub starts mid-day, between days, or after a weekend or holiday."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from corridor.hub.business_day import last_opening
from corridor.settlement import CurrencyCalendar

CNY = CurrencyCalendar(
    "CNY",
    time_zone="Asia/Shanghai",
    opens_at=time(9, 0),
    holidays=frozenset({date(2026, 1, 1)}),  # a Thursday
)


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "opened"),
    [
        (_utc(2026, 1, 5, 1, 0), _utc(2026, 1, 5, 1, 0)),  # Monday 09:00 Shanghai, to the ms
        (_utc(2026, 1, 5, 9, 30), _utc(2026, 1, 5, 1, 0)),  # Monday 17:30: day over
        (_utc(2026, 1, 5, 0, 59), _utc(2026, 1, 2, 1, 0)),  # Monday 08:59: Friday's
        (_utc(2026, 1, 4, 12, 0), _utc(2026, 1, 2, 1, 0)),  # Sunday: Friday's
        (_utc(2026, 1, 1, 12, 0), _utc(2025, 12, 31, 1, 0)),  # the holiday: Wednesday's
    ],
)
def test_the_last_opening_at_or_before_now(now: datetime, opened: datetime) -> None:
    assert last_opening(CNY, now) == opened


def test_a_calendar_without_business_days_is_refused() -> None:
    never = CurrencyCalendar("XXX", weekend=frozenset(range(1, 8)))
    with pytest.raises(ValueError, match="no business day"):
        last_opening(never, _utc(2026, 1, 5, 12, 0))
