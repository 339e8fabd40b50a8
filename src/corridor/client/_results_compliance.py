"""Typed results of the compliance calls: cases (held payments), their explanations, and
what reloading the watch lists did. Scores are similarity figures in [0, 1], not money.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from corridor.client._results import UnexpectedResponse, _field, _optional, parse_time


def _number(data: dict[str, Any], name: str) -> float:
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UnexpectedResponse(f"field {name!r} missing or not a number: {value!r}"[:300])
    return float(value)


@dataclass(frozen=True, slots=True)
class CaseHit:
    """One watch-list entry a held payment matched.

    Attributes:
        field: where in the payment (e.g. "creditor.name"); query: the payment's text.
        entry: "<list>:<entry id>"; list_name / version: the list version in force.
        score / threshold: the similarity and the score at which a hit holds.
        explanation: the screener's token-by-token explanation (lines of text).
    """

    field: str
    query: str
    entry: str
    list_name: str
    version: str
    matched_name: str
    score: float
    threshold: float
    explanation: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CaseHit:
        return cls(
            field=_field(data, "field"),
            query=_field(data, "query"),
            entry=_field(data, "entry"),
            list_name=_field(data, "list_name"),
            version=_field(data, "version"),
            matched_name=_field(data, "matched_name"),
            score=_number(data, "score"),
            threshold=_number(data, "threshold"),
            explanation=_field(data, "explanation"),
        )


@dataclass(frozen=True, slots=True)
class CaseExplanation:
    """Why the hub held the payment: list hits, country rules and AML rules that fired
    (rules and AML alerts as the API gives them: dicts)."""

    hits: tuple[CaseHit, ...]
    rules: tuple[dict[str, Any], ...]
    aml: tuple[dict[str, Any], ...]
    lists_used: dict[str, str]

    @classmethod
    def from_json(cls, data: dict[str, Any], lists_used: dict[str, Any]) -> CaseExplanation:
        return cls(
            hits=tuple(CaseHit.from_json(h) for h in _field(data, "hits", list)),
            rules=tuple(_field(data, "rules", list)),
            aml=tuple(_field(data, "aml", list)),
            lists_used={str(k): str(v) for k, v in lists_used.items()},
        )


@dataclass(frozen=True, slots=True)
class Case:
    """A compliance case: a payment held by screening, and its decision.

    Attributes:
        status: open, released or rejected. summary: one line (best hits, rules).
        decided_by: "a + b" for a release (four eyes), one officer for a rejection.
        explanation: None in lists (`cases`); filled by `case` and `export_cases`.
    """

    id: str
    uetr: str
    status: str
    opened_at: datetime
    summary: str
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None
    explanation: CaseExplanation | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Case:
        opened_at = parse_time(data.get("opened_at"))
        if opened_at is None:
            raise UnexpectedResponse("field 'opened_at' missing")
        explained = data.get("explanation")
        return cls(
            id=_field(data, "id"),
            uetr=_field(data, "uetr"),
            status=_field(data, "status"),
            opened_at=opened_at,
            summary=_field(data, "summary"),
            decided_by=_optional(data, "decided_by"),
            decided_at=parse_time(data.get("decided_at")),
            decision_note=_optional(data, "decision_note"),
            explanation=None
            if explained is None
            else CaseExplanation.from_json(explained, _field(data, "lists_used", dict)),
        )


@dataclass(frozen=True, slots=True)
class CasePage:
    """One page of cases; pass `next_after` as `after` for the next one."""

    cases: tuple[Case, ...]
    has_more: bool
    next_after: str | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CasePage:
        cases = tuple(Case.from_json(c) for c in _field(data, "data", list))
        return cls(cases, bool(data.get("has_more")), _optional(data, "next_after"))


@dataclass(frozen=True, slots=True)
class RescreenReport:
    """Reloading the watch lists: the lists in force now, queued payments that the new
    lists hold, and held payments re-screened (their officers still decide)."""

    lists: tuple[str, ...]
    queued_now_held: int
    held_rescreened: int

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RescreenReport:
        return cls(
            lists=tuple(str(n) for n in _field(data, "lists", list)),
            queued_now_held=_field(data, "queued_now_held", int),
            held_rescreened=_field(data, "held_rescreened", int),
        )
