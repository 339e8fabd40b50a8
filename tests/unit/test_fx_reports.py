"""FX reports: volume and value per pair and provider per day; exposure rows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from test_fx_quotes import FX1, FX2, NOW, book, request, sheet, tier

from corridor.fx import FxTrade, fx_volumes, utc_day
from corridor.fx.reports import ALL_PROVIDERS

DAY_MS = 86_400_000


def trade(
    provider: str,
    source: str,
    target: str,
    source_minor: int,
    target_minor: int,
    at_ms: int,
    quote_id: str = "q",
) -> FxTrade:
    return FxTrade(
        quote_id, 0, provider, source, target, Decimal("1"), source_minor, target_minor, at_ms
    )


def test_utc_day_cuts_at_midnight() -> None:
    assert utc_day(NOW) == date(2026, 1, 1)
    assert utc_day(NOW - 1) == date(2025, 12, 31)
    assert utc_day(NOW + DAY_MS - 1) == date(2026, 1, 1)


def test_volumes_group_by_day_provider_and_direction_in_a_stable_order() -> None:
    trades = [
        trade(FX2, "USD", "INR", 100, 8_300, NOW + 5),
        trade(FX1, "USD", "INR", 200, 16_600, NOW + 1),
        trade(FX1, "USD", "INR", 300, 24_900, NOW + 2),
        trade(FX1, "INR", "USD", 8_400, 100, NOW + 3),
        trade(FX1, "USD", "INR", 50, 4_150, NOW + DAY_MS),
    ]
    rows = fx_volumes(trades)
    assert [
        (
            r.day,
            r.provider,
            r.source_currency,
            r.target_currency,
            r.trades,
            r.source_minor,
            r.target_minor,
        )
        for r in rows
    ] == [
        (date(2026, 1, 1), FX1, "INR", "USD", 1, 8_400, 100),
        (date(2026, 1, 1), FX1, "USD", "INR", 2, 500, 41_500),
        (date(2026, 1, 1), FX2, "USD", "INR", 1, 100, 8_300),
        (date(2026, 1, 2), FX1, "USD", "INR", 1, 50, 4_150),
    ]
    assert fx_volumes(reversed(trades)) == rows


def test_volumes_over_all_providers_and_by_a_business_calendar() -> None:
    trades = [
        trade(FX1, "USD", "INR", 200, 16_600, NOW),
        trade(FX2, "USD", "INR", 100, 8_300, NOW + DAY_MS),
    ]
    [row] = fx_volumes(trades, by_provider=False, day_of=lambda ms: date(2026, 1, 5))
    assert (row.provider, row.trades, row.source_minor, row.target_minor) == (
        ALL_PROVIDERS,
        2,
        300,
        24_900,
    )


def test_settled_quotes_feed_the_report_one_trade_per_leg() -> None:
    quotes = book(
        sheet(tier(FX1, "EUR", "INR", "90")),
        sheet(tier(FX2, "EUR", "JPY", "160", "161")),
        bridges=("EUR",),
    )
    quote = quotes.request_quote(request(1_610_000, "JPY", "INR"), "b", NOW).quote
    assert quote is not None
    assert quotes.consume("b", NOW).ok
    trades = quotes.settle("b", NOW + 10)
    assert [(t.leg, t.provider, t.source_currency, t.target_currency) for t in trades] == [
        (0, FX2, "JPY", "EUR"),
        (1, FX1, "EUR", "INR"),
    ]
    rows = fx_volumes(trades)
    assert [(r.provider, r.source_minor, r.target_minor) for r in rows] == [
        (FX1, 10_000_00, 900_000_00),
        (FX2, 1_610_000, 10_000_00),
    ]
    assert trades[0].rate == Decimal("0.00621118012422360248")  # 1/161, 18 digits shown
