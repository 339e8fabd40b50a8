"""Screening of one payment: every party, address, agent and free-text field."""

from __future__ import annotations

from collections.abc import Sequence

from corridor.screening._countries import country_code
from corridor.screening._records import (
    CountryRule,
    Hit,
    Party,
    RuleHit,
    ScreeningResult,
    ScreeningSubject,
)
from corridor.screening._screener import Screener

PARTIES_MAX = 16
FREE_TEXT_FIELDS_MAX = 16


def _rule_hits(party: Party, rules: Sequence[CountryRule]) -> list[RuleHit]:
    hits = []
    country = country_code(party.country) if party.country else ""
    address = " ".join(party.address_lines).upper()
    for rule in rules:
        if country and rule.country.upper() == country:
            hits.append(RuleHit(party.role, rule, country))
            continue
        for term in rule.region_terms:
            if term.upper() in address:
                hits.append(RuleHit(party.role, rule, term))
                break
    return hits


def screen_payment(
    screener: Screener, subject: ScreeningSubject, rules: Sequence[CountryRule] = ()
) -> ScreeningResult:
    """Screen every party name (with its facts), address and free text of a payment."""
    if len(subject.parties) > PARTIES_MAX or len(subject.free_text) > FREE_TEXT_FIELDS_MAX:
        raise ValueError("subject has too many parties or free-text fields")
    hits, suppressed, rule_hits = [], [], []
    for party in subject.parties:
        if party.name.strip() or party.identifiers:
            found, dropped = screener.check_with_suppressed(
                party.name,
                country=party.country or None,
                dob=party.date_of_birth or None,
                entity_type=party.entity_type,
                identifiers=party.identifiers,
                subject_field=f"{party.role}.name",
            )
            hits.extend(found)
            suppressed.extend(dropped)
        for i, line in enumerate(party.address_lines):
            hits.extend(screener.scan_text(line, subject_field=f"{party.role}.address[{i}]"))
        rule_hits.extend(_rule_hits(party, rules))
    for i, text in enumerate(subject.free_text):
        hits.extend(screener.scan_text(text, subject_field=f"free_text[{i}]"))
    best: dict[tuple[str, str], Hit] = {}
    for hit in sorted(hits, key=lambda h: -h.score):
        best.setdefault((hit.entry_id, hit.subject_field), hit)
    return ScreeningResult(
        subject.reference,
        tuple(best.values()),
        tuple(rule_hits),
        tuple(suppressed),
        screener.versions(),
        screener.threshold,
    )
