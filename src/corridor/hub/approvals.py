"""Four eyes: a sensitive action is requested by one user and carried out only when a
second, different user approves it. Requests, approvals and refusals are audited.

Actions are named; each name maps to a handler the hub registers (release a held
payment, change limits, onboard, fund or defund, extend a cut-off...). Parameters are
JSON, stored with the request, so the approver approves exactly what was asked.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine

from corridor.foundation.clock import Clock
from corridor.foundation.errors import InputError
from corridor.hub.audit import AuditLog
from corridor.store.audit_store import ApprovalRow, approval, approvals_by_status, save_approval

Handler = Callable[[dict[str, Any], str, str], object]  # (params, requested_by, approved_by)


class ApprovalStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    refused = "refused"


@dataclass(frozen=True, slots=True)
class Decision:
    approval: ApprovalRow
    result: object = None


class FourEyes:
    """Pending requests and their second pair of eyes."""

    def __init__(self, engine: Engine, clock: Clock, audit: AuditLog) -> None:
        self._engine = engine
        self._clock = clock
        self._audit = audit
        self._handlers: dict[str, Handler] = {}

    def register(self, action: str, handler: Handler) -> None:
        self._handlers[action] = handler

    def request(self, action: str, params: dict[str, Any], requested_by: str) -> ApprovalRow:
        if action not in self._handlers:
            raise InputError(
                f"unknown action; one of {sorted(self._handlers)}", field="action", value=action
            )
        row = ApprovalRow(
            str(uuid.uuid4()),
            action,
            json.dumps(params, sort_keys=True),
            requested_by,
            self._clock.now_ms(),
            ApprovalStatus.pending.value,
            None,
            None,
        )
        with self._engine.begin() as connection:
            save_approval(connection, row)
        self._audit.record(requested_by, f"request:{action}", approval=row.id, **params)
        return row

    def approve(self, approval_id: str, approved_by: str) -> Decision:
        row = self._pending(approval_id)
        if approved_by == row.requested_by:
            raise InputError(
                "four eyes: the approver must be a different user from the requester",
                field="approved_by",
                value=approved_by,
            )
        result = self._handlers[row.action](json.loads(row.params), row.requested_by, approved_by)
        decided = self._decide(row, ApprovalStatus.approved, approved_by)
        self._audit.record(
            approved_by, f"approve:{row.action}", approval=row.id, requested_by=row.requested_by
        )
        return Decision(decided, result)

    def refuse(self, approval_id: str, refused_by: str) -> Decision:
        row = self._pending(approval_id)
        decided = self._decide(row, ApprovalStatus.refused, refused_by)
        self._audit.record(refused_by, f"refuse:{row.action}", approval=row.id)
        return Decision(decided)

    def pending(self) -> list[ApprovalRow]:
        return approvals_by_status(self._engine, ApprovalStatus.pending.value)

    def _pending(self, approval_id: str) -> ApprovalRow:
        row = approval(self._engine, approval_id)
        if row is None:
            raise InputError("no such approval request", field="approval_id", value=approval_id)
        if row.status != ApprovalStatus.pending.value:
            raise InputError(f"already {row.status}", field="approval_id", value=approval_id)
        return row

    def _decide(self, row: ApprovalRow, status: ApprovalStatus, by: str) -> ApprovalRow:
        decided = ApprovalRow(
            row.id,
            row.action,
            row.params,
            row.requested_by,
            row.requested_at_ms,
            status.value,
            by,
            self._clock.now_ms(),
        )
        with self._engine.begin() as connection:
            save_approval(connection, decided)
        return decided
