"""Bodies of the compliance endpoints: cases (held payments), decisions, list reloads.

A case's `explanation` is the hub's record of why it held the payment: every list hit
with its score, the threshold and the per-token explanation; the country rules and AML
rules that fired. Scores are similarity figures in [0, 1], not money.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from corridor.payments.records import CaseStatus

NOTE_LENGTH_MAX = 500
CASES_PAGE_MAX = 1_000


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DecisionNote(_Strict):
    note: str = Field(
        min_length=1,
        max_length=NOTE_LENGTH_MAX,
        description="why: kept with the case and in the audit log",
        examples=["false positive: a different company (registry number differs)"],
    )


class ListHitView(BaseModel):
    """One watch-list entry the payment matched."""

    field: str = Field(description="where in the payment, e.g. creditor.name")
    query: str = Field(description="the payment's text that matched")
    entry: str = Field(description="the list entry, `<list>:<entry id>`")
    list_name: str
    version: str = Field(description="the list version (sha256) in force")
    matched_name: str
    score: float = Field(description="similarity, 0..1")
    threshold: float = Field(description="the score at or above which a hit holds")
    explanation: str = Field(description="token by token, as the screener explains it")


class RuleHitView(BaseModel):
    role: str = Field(description="the party the rule fired on, e.g. creditor")
    country: str
    reason: str
    matched: str


class AmlAlertView(BaseModel):
    rule: str
    measured: int
    limit: int
    detail: str


class ExplanationView(BaseModel):
    hits: list[ListHitView]
    rules: list[RuleHitView]
    aml: list[AmlAlertView]


class CaseSummaryView(BaseModel):
    id: str
    uetr: str
    status: CaseStatus
    opened_at: datetime
    summary: str = Field(description="one line: the best hits and rules")
    decided_by: str | None = Field(description='"a + b" for a release (four eyes)')
    decided_at: datetime | None
    decision_note: str | None


class CaseView(CaseSummaryView):
    """A case with everything an officer needs to decide it."""

    explanation: ExplanationView
    lists_used: dict[str, str] = Field(description="list name -> version screened against")


class CaseList(BaseModel):
    data: list[CaseSummaryView]
    has_more: bool = Field(description="more cases follow this page")
    next_after: str | None = Field(description="pass as `after` to read the next page")


class CaseExport(BaseModel):
    data: list[CaseView]


class RescreenView(BaseModel):
    lists: list[str] = Field(description="the lists in force now")
    queued_now_held: int = Field(description="queued payments the new lists now hold")
    held_rescreened: int = Field(description="held payments re-screened (still undecided)")


class SuppressionRequest(_Strict):
    """A known false positive: this name must stop hitting this entry of this list version."""

    list_name: str = Field(min_length=1, max_length=64, examples=["national"])
    list_version: str = Field(min_length=1, max_length=64, description="the version's hash")
    entry_id: str = Field(min_length=1, max_length=140, examples=["national:SANC-1"])
    name: str = Field(min_length=1, max_length=140, description="the name that hit")
    reason: str = Field(min_length=1, max_length=NOTE_LENGTH_MAX)
