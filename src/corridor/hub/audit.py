"""The audit log: every operator and compliance decision, append-only and hash-chained.

Each entry's hash is SHA-256 over the previous entry's hash and this entry's fields, so
changing, removing or reordering any entry breaks every hash after it; `verify` (and
`corridor audit verify`) recomputes the chain. No secret is ever written here.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass

from sqlalchemy import Engine

from corridor.foundation.clock import Clock
from corridor.store.audit_store import AuditRow, append, last_row, rows

GENESIS = "0" * 64
DETAIL_LENGTH_MAX = 4_000


def entry_hash(prev_hash: str, seq: int, at_ms: int, actor: str, action: str, detail: str) -> str:
    material = json.dumps(
        [prev_hash, seq, at_ms, actor, action, detail], ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(material.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class AuditCheck:
    entries: int
    problems: tuple[str, ...]


class AuditLog:
    """Appends entries (one writer at a time) and verifies the chain."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock
        self._lock = threading.Lock()

    def record(self, actor: str, action: str, **detail: object) -> AuditRow:
        text = json.dumps(detail, sort_keys=True, default=str, ensure_ascii=False)
        if len(text) > DETAIL_LENGTH_MAX:
            text = text[:DETAIL_LENGTH_MAX]
        with self._lock, self._engine.begin() as connection:
            last = last_row(connection)
            seq = (last.seq if last else 0) + 1
            prev = last.hash if last else GENESIS
            at_ms = self._clock.now_ms()
            row = AuditRow(
                seq,
                at_ms,
                actor,
                action,
                text,
                prev,
                entry_hash(prev, seq, at_ms, actor, action, text),
            )
            append(connection, row)
        return row

    def entries(self, after_seq: int = 0, limit: int = 1_000) -> list[AuditRow]:
        return rows(self._engine, after_seq, limit)

    def verify(self) -> AuditCheck:
        problems: list[str] = []
        prev, expected_seq, count = GENESIS, 1, 0
        after = 0
        while True:
            batch = rows(self._engine, after, 10_000)
            if not batch:
                break
            for row in batch:
                count += 1
                if row.seq != expected_seq:
                    problems.append(f"entry {row.seq}: expected sequence {expected_seq}")
                if row.prev_hash != prev:
                    problems.append(f"entry {row.seq}: does not follow entry {row.seq - 1}")
                actual = entry_hash(
                    row.prev_hash, row.seq, row.at_ms, row.actor, row.action, row.detail
                )
                if actual != row.hash:
                    problems.append(f"entry {row.seq}: content does not match its hash")
                prev, expected_seq = row.hash, row.seq + 1
            after = batch[-1].seq
        return AuditCheck(count, tuple(problems))
