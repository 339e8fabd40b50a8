"""Business days: working days, holidays, states, cut-off in the currency's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from corridor.foundation.errors import InputError
from corridor.settlement import BusinessDay, CurrencyCalendar, DayResult, DayState

INR = CurrencyCalendar(
    "INR",
    "Asia/Kolkata",
    opens_at=time(8, 0),
    cut_off_at=time(16, 30),
    end_of_day_at=time(18, 0),
    holidays=frozenset({date(2026, 1, 26)}),
)


def test_working_days_and_holidays() -> None:
    assert INR.is_business_day(date(2026, 1, 23))  # Friday
    assert not INR.is_business_day(date(2026, 1, 24))  # Saturday
    assert not INR.is_business_day(date(2026, 1, 26))  # Republic Day
    assert INR.next_business_day(date(2026, 1, 23)) == date(2026, 1, 27)


def test_cut_off_is_local_time_in_the_currency_zone() -> None:
    day = BusinessDay(INR, date(2026, 1, 23))
    assert day.cut_off_at() == datetime(2026, 1, 23, 11, 0, tzinfo=UTC)  # 16:30 IST
    assert INR.local_date(datetime(2026, 1, 23, 20, 0, tzinfo=UTC)) == date(2026, 1, 24)
    brl = CurrencyCalendar("BRL", "America/Sao_Paulo")
    assert BusinessDay(brl, date(2026, 1, 23)).cut_off_at() == datetime(
        2026, 1, 23, 20, 0, tzinfo=UTC
    )


def test_states_move_closed_open_cut_off_end_of_day_only() -> None:
    day = BusinessDay(INR, date(2026, 1, 23))
    assert day.cut_off() is DayResult.wrong_state
    assert day.open() is DayResult.ok
    assert day.accepts_payments()
    assert day.open() is DayResult.wrong_state
    assert day.end_of_day() is DayResult.wrong_state
    assert day.cut_off() is DayResult.ok
    assert day.end_of_day() is DayResult.ok
    assert day.state is DayState.end_of_day
    assert BusinessDay(INR, date(2026, 1, 26)).open() is DayResult.not_business_day


def test_due_tells_the_timer_what_to_do() -> None:
    day = BusinessDay(INR, date(2026, 1, 23))
    assert day.due(datetime(2026, 1, 23, 2, 29, tzinfo=UTC)) is None  # 07:59 IST
    assert day.due(datetime(2026, 1, 23, 2, 30, tzinfo=UTC)) is DayState.open
    day.open()
    assert day.due(datetime(2026, 1, 23, 10, 59, tzinfo=UTC)) is None
    assert day.due(datetime(2026, 1, 23, 11, 0, tzinfo=UTC)) is DayState.cut_off
    day.cut_off()
    assert day.due(datetime(2026, 1, 23, 12, 30, tzinfo=UTC)) is DayState.end_of_day
    with pytest.raises(InputError):
        day.due(datetime(2026, 1, 23, 12, 30))  # naive


def test_cut_off_extension_needs_four_eyes_and_is_bounded() -> None:
    day = BusinessDay(INR, date(2026, 1, 23))
    assert (
        day.extend_cut_off(30, requested_by="ops1", approved_by="ops2", reason="x")
        is DayResult.wrong_state
    )
    day.open()
    assert (
        day.extend_cut_off(30, requested_by="ops1", approved_by="ops1", reason="x")
        is DayResult.four_eyes_required
    )
    assert (
        day.extend_cut_off(30, requested_by="ops1", approved_by="ops2", reason="late funding")
        is DayResult.ok
    )
    assert day.cut_off_at() == datetime(2026, 1, 23, 11, 30, tzinfo=UTC)
    assert day.end_of_day_at() == datetime(2026, 1, 23, 13, 0, tzinfo=UTC)
    assert (
        day.extend_cut_off(211, requested_by="ops1", approved_by="ops2", reason="x")
        is DayResult.extension_too_long
    )
    assert [e.approved_by for e in day.extensions] == ["ops2"]
    with pytest.raises(InputError):
        day.extend_cut_off(0, requested_by="a", approved_by="b", reason="x")


def test_bad_calendars_name_the_field() -> None:
    with pytest.raises(InputError) as error:
        CurrencyCalendar("EUR", "Mars/Olympus")
    assert error.value.field == "time_zone"
    with pytest.raises(InputError):
        CurrencyCalendar("EUR", opens_at=time(18, 0), cut_off_at=time(17, 0))
