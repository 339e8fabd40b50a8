"""Qualifiers: the list's other facts (date of birth, country, entity type) adjust a score."""

from __future__ import annotations

import re
from dataclasses import dataclass

from corridor.screening._records import FieldScore, ListEntry

_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_SPAN = re.compile(r"^(\d{4})\.\.(\d{4})$")


@dataclass(frozen=True, slots=True)
class QualifierConfig:
    """Score adjustments (added to the name score).

    Attributes:
        dob_match, dob_conflict: same birth year (or inside a span) / none within a year.
        country_match, country_conflict: a shared country / listed countries, none shared.
        type_conflict: person against a non-person, or the reverse.
        weak_alias: the matched name is a low-quality alias (UN quality "Low", OFAC
            weak a.k.a.): short or generic, so it alone is weaker evidence.
    """

    dob_match: float = 0.05
    dob_conflict: float = -0.10
    country_match: float = 0.03
    country_conflict: float = -0.05
    type_conflict: float = -0.15
    weak_alias: float = -0.05

    @property
    def bonus_max(self) -> float:
        return self.dob_match + self.country_match


def _years(text: str) -> tuple[int, int] | None:
    text = text.strip()
    if match := _SPAN.match(text):
        return int(match.group(1)), int(match.group(2))
    if match := _DATE.match(text):
        return int(match.group(1)), int(match.group(1))
    return None


def _dob_item(query_dob: str, entry: ListEntry, cfg: QualifierConfig) -> FieldScore | None:
    asked = _years(query_dob)
    spans = [s for s in (_years(d) for d in entry.dates_of_birth) if s]
    if asked is None or not spans:
        return None
    year = asked[0]
    listed = ", ".join(entry.dates_of_birth)
    if any(low <= year <= high for low, high in spans):
        return FieldScore("dob", query_dob, listed, cfg.dob_match)
    if any(low - 1 <= year <= high + 1 for low, high in spans):
        return FieldScore("dob", query_dob, listed, 0.0)
    return FieldScore("dob", query_dob, listed, cfg.dob_conflict)


def qualify(
    entry: ListEntry, *, country: str, dob: str, entity_type: str, cfg: QualifierConfig
) -> tuple[FieldScore, ...]:
    """The adjustments this entry's facts give the query's facts (empty when unknown)."""
    items: list[FieldScore] = []
    if dob and (item := _dob_item(dob, entry, cfg)):
        items.append(item)
    if country and entry.countries:
        shared = country in entry.countries
        items.append(
            FieldScore(
                "country",
                country,
                ",".join(entry.countries),
                cfg.country_match if shared else cfg.country_conflict,
            )
        )
    known = ("unknown", "")
    if (
        entity_type not in known
        and entry.entity_type not in known
        and (entity_type == "person") != (entry.entity_type == "person")
    ):
        items.append(FieldScore("entity_type", entity_type, entry.entity_type, cfg.type_conflict))
    return tuple(items)
