"""Reading value movements out of the journal, for statements and reports.

A posting moves posted value: a transfer that is not pending, or the post of a pending
transfer (whose accounts are the pending transfer's). Reservations (pending, void,
expiry) move no posted value and appear in no statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, and_, func, literal, select, union_all
from sqlalchemy.orm import aliased

from corridor.store.ledger_store import FLAG_PENDING, KIND_POST, KIND_TRANSFER, id_bytes, id_int
from corridor.store.schema import currency_settings, ledger_journal

POSTINGS_MAX = 1_000_000


@dataclass(frozen=True, slots=True)
class Posting:
    seq: int
    transfer_id: int
    debit_account_id: int
    credit_account_id: int
    amount_minor: int
    code: int
    reference: str
    applied_at_ms: int


def _postings_query():  # type: ignore[no-untyped-def]
    j = ledger_journal
    pending = aliased(ledger_journal)
    plain = select(
        j.c.seq,
        j.c.id,
        j.c.debit_account_id,
        j.c.credit_account_id,
        j.c.amount_minor,
        j.c.code,
        j.c.reference,
        j.c.applied_at_ms,
    ).where(j.c.kind == KIND_TRANSFER, j.c.flags.op("&")(FLAG_PENDING) == literal(0))
    posts = (
        select(
            j.c.seq,
            j.c.id,
            pending.c.debit_account_id,
            pending.c.credit_account_id,
            j.c.amount_minor,
            pending.c.code,
            pending.c.reference,
            j.c.applied_at_ms,
        )
        .join(pending, pending.c.id == j.c.pending_id)
        .where(j.c.kind == KIND_POST)
    )
    return union_all(plain, posts).subquery("postings")


def postings(engine: Engine, account_ids: Sequence[int], from_ms: int, to_ms: int) -> list[Posting]:
    """Postings touching any of the accounts with from_ms <= applied_at_ms < to_ms."""
    p = _postings_query()
    ids = [id_bytes(a) for a in account_ids]
    query = (
        select(p)
        .where(
            and_(p.c.applied_at_ms >= from_ms, p.c.applied_at_ms < to_ms),
            p.c.debit_account_id.in_(ids) | p.c.credit_account_id.in_(ids),
        )
        .order_by(p.c.seq)
        .limit(POSTINGS_MAX)
    )
    with engine.connect() as connection:
        return [
            Posting(
                r.seq,
                id_int(r.id),
                id_int(r.debit_account_id),
                id_int(r.credit_account_id),
                r.amount_minor,
                r.code,
                r.reference,
                r.applied_at_ms,
            )
            for r in connection.execute(query)
        ]


def balances_before(engine: Engine, account_ids: Sequence[int], before_ms: int) -> dict[int, int]:
    """Each account's posted balance (credits less debits) before `before_ms`."""
    p = _postings_query()
    ids = [id_bytes(a) for a in account_ids]
    credits = (
        select(p.c.credit_account_id, func.sum(p.c.amount_minor))
        .where(p.c.applied_at_ms < before_ms, p.c.credit_account_id.in_(ids))
        .group_by(p.c.credit_account_id)
    )
    debits = (
        select(p.c.debit_account_id, func.sum(p.c.amount_minor))
        .where(p.c.applied_at_ms < before_ms, p.c.debit_account_id.in_(ids))
        .group_by(p.c.debit_account_id)
    )
    result = dict.fromkeys(account_ids, 0)
    with engine.connect() as connection:
        for account, total in connection.execute(credits):
            result[id_int(account)] += int(total)
        for account, total in connection.execute(debits):
            result[id_int(account)] -= int(total)
    return result


@dataclass(frozen=True, slots=True)
class CurrencySettings:
    code: str
    settlement_agent: str
    time_zone: str
    opens_at: str
    cut_off_at: str
    end_of_day_at: str
    holidays: tuple[str, ...] = ()


def save_currency_settings(engine: Engine, settings: Sequence[CurrencySettings]) -> None:
    with engine.begin() as connection:
        for s in settings:
            connection.execute(currency_settings.delete().where(currency_settings.c.code == s.code))
            connection.execute(
                currency_settings.insert(),
                [
                    {
                        "code": s.code,
                        "settlement_agent": s.settlement_agent,
                        "time_zone": s.time_zone,
                        "opens_at": s.opens_at,
                        "cut_off_at": s.cut_off_at,
                        "end_of_day_at": s.end_of_day_at,
                        "holidays": " ".join(s.holidays),
                    }
                ],
            )


def load_currency_settings(engine: Engine) -> list[CurrencySettings]:
    with engine.connect() as connection:
        rows = connection.execute(select(currency_settings).order_by(currency_settings.c.code))
        return [
            CurrencySettings(
                r.code,
                r.settlement_agent,
                r.time_zone,
                r.opens_at,
                r.cut_off_at,
                r.end_of_day_at,
                tuple(r.holidays.split()),
            )
            for r in rows
        ]
