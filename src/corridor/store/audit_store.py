"""The audit log's table: append-only rows, each carrying the hash of the one before."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Engine, func, insert, select

from corridor.store.schema import approvals, audit_log


@dataclass(frozen=True, slots=True)
class AuditRow:
    seq: int
    at_ms: int
    actor: str
    action: str
    detail: str
    prev_hash: str
    hash: str


def last_row(connection: Connection) -> AuditRow | None:
    """The newest entry, read inside the caller's (writing) transaction."""
    row = connection.execute(select(audit_log).order_by(audit_log.c.seq.desc()).limit(1)).first()
    return None if row is None else AuditRow(*row)


def append(connection: Connection, row: AuditRow) -> None:
    connection.execute(
        insert(audit_log),
        [
            {
                "seq": row.seq,
                "at_ms": row.at_ms,
                "actor": row.actor,
                "action": row.action,
                "detail": row.detail,
                "prev_hash": row.prev_hash,
                "hash": row.hash,
            }
        ],
    )


def rows(engine: Engine, after_seq: int = 0, limit: int = 10_000) -> list[AuditRow]:
    with engine.connect() as connection:
        result = connection.execute(
            select(audit_log)
            .where(audit_log.c.seq > after_seq)
            .order_by(audit_log.c.seq)
            .limit(limit)
        )
        return [AuditRow(*row) for row in result]


def count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(audit_log)).scalar_one())


@dataclass(frozen=True, slots=True)
class ApprovalRow:
    id: str
    action: str
    params: str
    requested_by: str
    requested_at_ms: int
    status: str
    decided_by: str | None
    decided_at_ms: int | None


def save_approval(connection: Connection, row: ApprovalRow) -> None:
    connection.execute(approvals.delete().where(approvals.c.id == row.id))
    connection.execute(
        insert(approvals),
        [
            {
                "id": row.id,
                "action": row.action,
                "params": row.params,
                "requested_by": row.requested_by,
                "requested_at_ms": row.requested_at_ms,
                "status": row.status,
                "decided_by": row.decided_by,
                "decided_at_ms": row.decided_at_ms,
            }
        ],
    )


def approval(engine: Engine, approval_id: str) -> ApprovalRow | None:
    with engine.connect() as connection:
        row = connection.execute(select(approvals).where(approvals.c.id == approval_id)).first()
    return None if row is None else ApprovalRow(*row)


def approvals_by_status(engine: Engine, status: str) -> list[ApprovalRow]:
    with engine.connect() as connection:
        result = connection.execute(
            select(approvals)
            .where(approvals.c.status == status)
            .order_by(approvals.c.requested_at_ms)
        )
        return [ApprovalRow(*row) for row in result]
