"""Evaluation on labelled files in the layout of shared/screening/eval/.

Two layouts are recognised by their columns:

* list-based (`query, list_entry_id, label` plus optional `query_dob`,
  `query_nationality`): each query is screened against all lists. A positive row counts
  as found when its entry is hit; a negative row is a false alert when anything is hit.
* pairs (`name1, name2, is_match` or `query, expected_match, label`): the two names are
  scored against each other.

Every row is scored once at a low floor; the figures at any threshold follow from those
scores, which gives the curve for free.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from corridor.screening._load_common import ListFormatError
from corridor.screening._screener import Screener

EVAL_ROWS_MAX = 100_000
CURVE_THRESHOLDS: tuple[float, ...] = tuple(round(0.60 + 0.025 * i, 3) for i in range(15))


@dataclass(frozen=True, slots=True)
class RowScore:
    """One evaluated row: label, the score that decides it, and the row's kind."""

    label: bool
    score: float
    kind: str
    query: str


@dataclass(frozen=True, slots=True)
class Figures:
    """Accuracy at one threshold."""

    threshold: float
    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def false_alert_rate(self) -> float:
        return self.fp / (self.fp + self.tn) if self.fp + self.tn else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {
            "threshold": self.threshold,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "false_alert_rate": round(self.false_alert_rate, 4),
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "tn": self.tn,
            "positives": self.tp + self.fn,
            "negatives": self.fp + self.tn,
        }


def read_rows(text: str, what: str = "eval file") -> list[dict[str, str]]:
    """Rows of a labelled CSV (header required). Raises ListFormatError on bad layout."""
    reader = csv.DictReader(io.StringIO(text))
    columns = set(reader.fieldnames or ())
    if not ({"query", "label"} <= columns or {"name1", "name2", "is_match"} <= columns):
        raise ListFormatError(
            "needs columns query,label[,list_entry_id] or name1,name2,is_match",
            field=f"{what}: line 1",
            value=sorted(columns),
        )
    rows = []
    for row in reader:
        rows.append(row)
        if len(rows) > EVAL_ROWS_MAX:
            raise ListFormatError("too many rows", field=what, value=len(rows))
    return rows


def _label(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "match")


def is_pairs(rows: Sequence[dict[str, str]]) -> bool:
    return bool(rows) and ("name1" in rows[0] or "expected_match" in rows[0])


def score_rows(
    screener: Screener, rows: Sequence[dict[str, str]], floor: float = 0.5
) -> list[RowScore]:
    """One deciding score per row (see the module docstring)."""
    if is_pairs(rows):
        return [_pair_row(screener, row) for row in rows]
    low = screener.with_threshold(floor)
    return [_screen_row(low, row) for row in rows]


def _pair_row(screener: Screener, row: dict[str, str]) -> RowScore:
    first = row.get("name1") or row.get("query") or ""
    second = row.get("name2") or row.get("expected_match") or ""
    label = _label(row.get("is_match") or row.get("label") or "")
    kind = row.get("schema") or row.get("section") or ""
    return RowScore(label, screener.score_pair(first, second), kind, first)


def _screen_row(screener: Screener, row: dict[str, str]) -> RowScore:
    query = row["query"]
    hits = screener.check(
        query, country=row.get("query_nationality") or None, dob=row.get("query_dob") or None
    )
    label = _label(row["label"])
    target = row.get("list_entry_id", "")
    if label:
        score = max((h.score for h in hits if h.entry_id == target), default=0.0)
    else:
        score = max((h.score for h in hits), default=0.0)
    return RowScore(label, score, row.get("variant_kind", ""), query)


def figures_at(scores: Iterable[RowScore], threshold: float) -> Figures:
    tp = fp = fn = tn = 0
    for row in scores:
        hit = row.score >= threshold
        if row.label:
            tp, fn = (tp + 1, fn) if hit else (tp, fn + 1)
        else:
            fp, tn = (fp + 1, tn) if hit else (fp, tn + 1)
    return Figures(threshold, tp, fp, fn, tn)


def curve(
    scores: Sequence[RowScore], thresholds: Sequence[float] = CURVE_THRESHOLDS
) -> list[Figures]:
    return [figures_at(scores, t) for t in thresholds]


def errors_at(scores: Sequence[RowScore], threshold: float) -> list[RowScore]:
    """Rows decided wrongly at the threshold (for people tuning general rules)."""
    wrong: Callable[[RowScore], bool] = lambda r: (r.score >= threshold) != r.label  # noqa: E731
    return [r for r in scores if wrong(r)]
