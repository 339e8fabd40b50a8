"""Stored FX trades carry their pair and base amount (revision 0010), from which a
restarted hub rebuilds the day's provider exposure; trades stored before carry none and
are left out of it, and the revision goes back down cleanly. Live quotes are stored
(revision 0011) and read back whole."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Engine, insert, inspect
from tests.unit.test_fx_quotes import FX1, FX2, NOW, book, request, sheet, tier

from corridor.fx import Quote, QuoteStatus
from corridor.fx.reports import FxTrade
from corridor.store import migrate
from corridor.store.fx_store import (
    live_quotes,
    settled_exposure_since,
    trades_between,
    write_quotes,
    write_trades,
)
from corridor.store.migrate import downgrade
from corridor.store.schema import fx_trades

PROVIDER, OTHER = "SILKHKHH", "JADEHKHH"


def _trade(provider: str, at_ms: int, base_minor: int, quote: str = "INR") -> FxTrade:
    return FxTrade(
        "Q1", 0, provider, quote, "CNY", Decimal("0.0865"), base_minor * 11, base_minor,
        at_ms, base="CNY", quote=quote, base_minor=base_minor,
    )  # fmt: skip


def test_the_day_exposure_sums_the_base_amounts_since_the_opening(engine: Engine) -> None:
    migrate(engine)
    trades = [
        _trade(PROVIDER, 999, 5_00),  # before the opening: another day
        _trade(PROVIDER, 1_000, 7_00),
        _trade(PROVIDER, 2_000, 11_00),
        _trade(PROVIDER, 2_000, 13_00, quote="BRL"),
        _trade(OTHER, 3_000, 17_00),
    ]
    with engine.begin() as connection:
        write_trades(connection, trades)
    assert settled_exposure_since(engine, "CNY", 1_000) == {
        (PROVIDER, "CNY", "INR"): 18_00,
        (PROVIDER, "CNY", "BRL"): 13_00,
        (OTHER, "CNY", "INR"): 17_00,
    }
    assert settled_exposure_since(engine, "INR", 0) == {}  # no pair with that base
    assert trades_between(engine, 0, 10_000) == trades  # read back whole


def test_trades_stored_before_the_revision_count_for_no_exposure(engine: Engine) -> None:
    migrate(engine, "0009_payments_by_update")
    old = {
        "quote_id": "Q0", "leg": 0, "provider": PROVIDER, "source_currency": "INR",
        "target_currency": "CNY", "rate": "0.0865", "source_minor": 1_100,
        "target_minor": 100, "settled_at_ms": 5_000,
    }  # fmt: skip
    with engine.begin() as connection:
        connection.execute(insert(fx_trades), [old])  # the old columns only
    migrate(engine)
    (stored,) = trades_between(engine, 0, 10_000)
    assert (stored.base, stored.quote, stored.base_minor) == (None, None, None)
    assert settled_exposure_since(engine, "CNY", 0) == {}
    downgrade(engine, "0009_payments_by_update")
    columns = {c["name"] for c in inspect(engine).get_columns("fx_trades")}
    assert not columns & {"base_currency", "quote_currency", "base_minor"}
    assert "settled_at_ms" in columns


def _quotes(count: int) -> list[Quote]:
    """Quotes as the book prices them (a bridged one among them), to store and read back."""
    quotes = book(
        sheet(tier(FX1, "USD", "INR", "83.1234567891", "83.5", cap=10**12)),
        sheet(tier(FX2, "USD", "EUR", "0.91", "0.92")),
        bps=7,
        bridges=("USD",),
    )
    made = []
    for i in range(count):
        source, target = ("INR", "EUR") if i % 2 else ("USD", "INR")  # EUR via USD
        outcome = quotes.request_quote(request(1_000_00 + i, source, target), f"Q{i}", NOW + i)
        assert outcome.quote is not None, outcome
        made.append(outcome.quote)
    return made


def test_live_quotes_are_stored_whole_and_ended_ones_deleted(engine: Engine) -> None:
    """Revision 0011: a quote is stored while locked or consumed (as the book hands out
    its changes), read back equal, and deleted when it settles, is released or expires."""
    migrate(engine)
    first, second, third, fourth = _quotes(4)
    assert first.bridge_currency is None and second.bridge_currency == "USD"
    with engine.begin() as connection:
        write_quotes(
            connection,
            [(q, QuoteStatus.locked) for q in (first, second, third, fourth)],
        )
    with engine.begin() as connection:  # a later batch: one used, one expired, one settled
        write_quotes(
            connection,
            [
                (second, QuoteStatus.consumed),
                (third, QuoteStatus.expired),
                (fourth, QuoteStatus.settled),
            ],
        )
    assert live_quotes(engine) == [(first, QuoteStatus.locked), (second, QuoteStatus.consumed)]
    with engine.begin() as connection:
        write_quotes(connection, [(first, QuoteStatus.released), (second, QuoteStatus.settled)])
    assert live_quotes(engine) == []
    downgrade(engine, "0010_fx_trade_pairs")
    assert "fx_quotes" not in inspect(engine).get_table_names()
