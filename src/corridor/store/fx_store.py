"""FX persistence: providers' rate sheets (so a restart keeps prices) and settled trades
(for the FX reports, and the day's provider exposure after a restart). Quotes themselves
live only in memory: a quote is locked for seconds, and a restart simply asks clients to
quote again."""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select

from corridor.fx import RateSheet
from corridor.fx.codec import decode_sheet, encode_sheet
from corridor.fx.exposure import ExposureKey
from corridor.fx.reports import FxTrade
from corridor.store.schema import fx_rate_sheets, fx_trades


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
