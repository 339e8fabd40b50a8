"""FX persistence: providers' rate sheets (so a restart keeps prices), settled trades
(for the FX reports, and the day's provider exposure after a restart), and the quotes
still live (so a restart keeps a bank's quote, and the FX payments queued or held on
one)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, func, insert, select

from corridor.fx import Quote, QuoteStatus, RateSheet
from corridor.fx.codec import decode_quote, decode_sheet, encode_quote, encode_sheet
from corridor.fx.exposure import ExposureKey
from corridor.fx.reports import FxTrade
from corridor.store.schema import fx_quotes, fx_rate_sheets, fx_trades
from corridor.store.statements import upsert


def save_sheet(engine: Engine, sheet: RateSheet) -> None:
    with engine.begin() as connection:
        connection.execute(
            fx_rate_sheets.delete().where(fx_rate_sheets.c.provider == sheet.provider)
        )
        connection.execute(
            insert(fx_rate_sheets),
            [
                {
                    "provider": sheet.provider,
                    "sheet": json.dumps(encode_sheet(sheet)),
                    "published_at_ms": sheet.published_at_ms,
                }
            ],
        )


def load_sheets(engine: Engine) -> list[RateSheet]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(fx_rate_sheets.c.sheet).order_by(fx_rate_sheets.c.provider)
        )
        return [decode_sheet(json.loads(row[0])) for row in rows]


def write_trades(connection: Connection, trades: Sequence[FxTrade]) -> None:
    if trades:
        connection.execute(insert(fx_trades), [_trade_row(t) for t in trades])


def write_quotes(connection: Connection, changed: Sequence[tuple[Quote, QuoteStatus]]) -> None:
    """Store the quotes whose status changed, in the caller's transaction: a live one
    (locked, consumed) is written with its status, one that ended is deleted."""
    live = [(quote, status) for quote, status in changed if status.live]
    ended = [quote.id for quote, status in changed if not status.live]
    if live:
        connection.execute(
            upsert(fx_quotes, connection.dialect.name, ("status",)),
            [
                {
                    "quote_id": quote.id,
                    "status": status.value,
                    "expires_at_ms": quote.expires_at_ms,
                    "quote": json.dumps(encode_quote(quote), separators=(",", ":")),
                }
                for quote, status in live
            ],
        )
    if ended:
        connection.execute(
            fx_quotes.delete().where(fx_quotes.c.quote_id == bindparam("ended_id")),
            [{"ended_id": quote_id} for quote_id in ended],
        )


def live_quotes(engine: Engine) -> list[tuple[Quote, QuoteStatus]]:
    """The stored live quotes, in the order they were made, as the book holds them (a
    locked one may have expired since: the book expires it as usual)."""
    with engine.connect() as connection:
        rows = connection.execute(select(fx_quotes.c.quote, fx_quotes.c.status))
        found = [(decode_quote(json.loads(body)), QuoteStatus(status)) for body, status in rows]
    return sorted(found, key=lambda pair: (pair[0].created_at_ms, pair[0].id))


def trades_between(engine: Engine, from_ms: int, to_ms: int) -> list[FxTrade]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(fx_trades)
            .where(fx_trades.c.settled_at_ms >= from_ms, fx_trades.c.settled_at_ms < to_ms)
            .order_by(fx_trades.c.seq)
        )
        return [
            FxTrade(
                r.quote_id,
                r.leg,
                r.provider,
                r.source_currency,
                r.target_currency,
                Decimal(r.rate),
                r.source_minor,
                r.target_minor,
                r.settled_at_ms,
                r.base_currency,
                r.quote_currency,
                r.base_minor,
            )
            for r in rows
        ]


def settled_exposure_since(engine: Engine, base: str, since_ms: int) -> dict[ExposureKey, int]:
    """What settled in the pairs of `base` since `since_ms`, per (provider, base, quote),
    in minor units of `base`: the trades that count in the exposure of the day opened at
    `since_ms`. Trades stored before revision 0010 carry no pair and are not counted."""
    columns = (fx_trades.c.provider, fx_trades.c.base_currency, fx_trades.c.quote_currency)
    with engine.connect() as connection:
        rows = connection.execute(
            select(*columns, func.sum(fx_trades.c.base_minor))
            .where(fx_trades.c.settled_at_ms >= since_ms, fx_trades.c.base_currency == base)
            .group_by(*columns)
        )
        return {(provider, b, quote): int(total) for provider, b, quote, total in rows}


def _trade_row(trade: FxTrade) -> dict[str, Any]:
    return {
        "quote_id": trade.quote_id,
        "leg": trade.leg,
        "provider": trade.provider,
        "source_currency": trade.source_currency,
        "target_currency": trade.target_currency,
        "rate": str(trade.rate),
        "source_minor": trade.source_minor,
        "target_minor": trade.target_minor,
        "settled_at_ms": trade.settled_at_ms,
        "base_currency": trade.base,
        "quote_currency": trade.quote,
        "base_minor": trade.base_minor,
    }
