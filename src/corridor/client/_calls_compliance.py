"""CorridorClient's compliance calls: cases of held payments, decisions, list reloads.

A mixin: CorridorClient inherits it and provides `_json` and `_requests`. Reading cases
admits compliance, operator and auditor credentials; deciding, compliance officers only;
reloading the lists, operators.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from corridor.client._calls_more import _choice, _part
from corridor.client._results_compliance import Case, CasePage, RescreenReport
from corridor.client._results_more import Approval
from corridor.client._transport import Requester
from corridor.foundation.errors import InputError

CASE_STATUSES = ("open", "released", "rejected")
EXPORT_FORMATS = ("csv", "json")
CASES_PAGE_MAX = 1_000
CURSOR_LENGTH_MAX = 120
NOTE_LENGTH_MAX = 500


class ComplianceCalls:
    """Compliance cases and watch lists (see CorridorClient)."""

    _requests: Requester

    # Provided by CorridorClient, which these calls are mixed into.
    _json: Callable[..., Any]

    def cases(
        self, status: str | None = None, uetr: str | None = None, limit: int = 100
    ) -> list[Case]:
        """The first `limit` cases, oldest first, optionally one status (open, released,
        rejected) or one payment; without their explanations (see `case`). For the
        ones after them, `case_page`."""
        return list(self.case_page(status, uetr, limit).cases)

    def case_page(
        self,
        status: str | None = None,
        uetr: str | None = None,
        limit: int = 100,
        after: str | None = None,
    ) -> CasePage:
        """A page of cases after `after` (the previous page's `next_after`; None: from
        the oldest)."""
        if not isinstance(limit, int) or not 1 <= limit <= CASES_PAGE_MAX:
            raise InputError(f"must be 1..{CASES_PAGE_MAX}", field="limit", value=limit)
        params: dict[str, Any] = {**_filters(status, uetr), "limit": limit}
        if after is not None:
            if not isinstance(after, str) or not 0 < len(after) <= CURSOR_LENGTH_MAX:
                raise InputError("must be a page's next_after", field="after", value=after)
            params["after"] = after
        return CasePage.from_json(self._json("GET", "/v1/compliance/cases", params=params))

    def case(self, case_id: str) -> Case:
        """One case with its full explanation. CorridorApiError 404 if unknown."""
        path = f"/v1/compliance/cases/{_part(case_id, 'case_id')}"
        return Case.from_json(self._json("GET", path))

    def export_cases(
        self, format: str = "csv", status: str | None = None, uetr: str | None = None
    ) -> str:
        """The matching cases with their explanations, as the hub renders them: CSV text
        (one case a row) or JSON text ({"data": [...]})."""
        _choice(format, "format", EXPORT_FORMATS)
        accept = "text/csv" if format == "csv" else "application/json"
        response = self._requests.request(
            "GET",
            "/v1/compliance/cases/export",
            idempotent=True,
            params={**_filters(status, uetr), "format": format},
            headers={"Accept": accept},
        )
        return response.text

    def reject_hold(self, uetr: str, note: str) -> Case:
        """Compliance: reject a held payment (the sender gets RJCT, RR04). Not retried."""
        path = f"/v1/compliance/cases/{_part(uetr, 'uetr')}/reject"
        data = self._json("POST", path, idempotent=False, json={"note": _note(note)})
        return Case.from_json(data)

    def request_release(self, uetr: str, note: str) -> Approval:
        """Compliance: ask for a held payment's release; a different compliance officer
        approves it with `approve(approval.id)`. Not retried."""
        path = f"/v1/compliance/cases/{_part(uetr, 'uetr')}/release"
        data = self._json("POST", path, idempotent=False, json={"note": _note(note)})
        return Approval.from_json(data)

    def reload_lists(self) -> RescreenReport:
        """Operator: put the hub's list archive in force and re-screen waiting payments.
        Not retried."""
        data = self._json("POST", "/v1/operator/screening/reload", idempotent=False)
        return RescreenReport.from_json(data)


def _filters(status: str | None, uetr: str | None) -> dict[str, str]:
    params: dict[str, str] = {}
    if status is not None:
        params["status"] = _choice(status, "status", CASE_STATUSES)
    if uetr is not None:
        params["uetr"] = _part(uetr, "uetr")
    return params


def _note(note: str) -> str:
    if not isinstance(note, str) or not note.strip() or len(note) > NOTE_LENGTH_MAX:
        raise InputError(
            f"must be 1..{NOTE_LENGTH_MAX} characters", field="note", value=str(note)[:80]
        )
    return note
