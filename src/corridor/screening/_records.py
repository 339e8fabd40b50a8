"""Screening records: watch lists, entries, hits and their explanations.

Attributes are documented per record. Every record is immutable; tuples, never lists.
"""

from __future__ import annotations

from dataclasses import dataclass, field

EntityType = str
"""One of ENTITY_TYPES: what kind of party a list entry or a query names."""

ENTITY_TYPES: tuple[str, ...] = ("person", "entity", "vessel", "aircraft", "unknown")

NAME_KINDS: tuple[str, ...] = ("primary", "aka", "fka", "nka", "weak", "original_script")


@dataclass(frozen=True, slots=True)
class EntryName:
    """One name of a list entry.

    Attributes:
        text: the name as published.
        kind: one of NAME_KINDS ("weak" = a low-quality alias).
    """

    text: str
    kind: str = "primary"


@dataclass(frozen=True, slots=True)
class Identifier:
    """A document or code that identifies a party (passport, BIC, LEI, IMO, ...).

    Attributes:
        kind: upper-case label as published or mapped ("BIC", "LEI", "IMO", "PASSPORT").
        value: the identifier, upper case, spaces removed.
        country: ISO 3166 alpha-2 of the issuer, or "".
    """

    kind: str
    value: str
    country: str = ""


@dataclass(frozen=True, slots=True)
class ListEntry:
    """One listed party.

    Attributes:
        entry_id: `<list_name>:<id as published>`, e.g. "un:QDi.430", "ofac_sdn:306".
        entity_type: one of ENTITY_TYPES.
        names: primary name first, then aliases and original-script names.
        countries: ISO alpha-2 codes (nationality, citizenship, address countries).
        dates_of_birth: "YYYY", "YYYY-MM" or "YYYY-MM-DD"; a span is written "YYYY..YYYY".
        identifiers: documents and codes.
        addresses: one line of text per address.
        programs: sanction programmes or regimes.
        remarks: free text as published (may be "").
    """

    entry_id: str
    entity_type: EntityType
    names: tuple[EntryName, ...]
    countries: tuple[str, ...] = ()
    dates_of_birth: tuple[str, ...] = ()
    identifiers: tuple[Identifier, ...] = ()
    addresses: tuple[str, ...] = ()
    programs: tuple[str, ...] = ()
    remarks: str = ""

    @property
    def primary_name(self) -> str:
        return self.names[0].text if self.names else ""


@dataclass(frozen=True, slots=True)
class WatchList:
    """One version of one watch list.

    Attributes:
        list_name: the operator's name for the list ("un", "ofac_sdn", "eu", ...).
        version: sha256 hex of the source bytes (all files, in a fixed order).
        source_format: "un_xml", "ofac_csv", "ofac_xml", "eu_xml", "simple_csv".
        published: publication date or time as the file states it, or "".
        entries: the entries, in file order.
    """

    list_name: str
    version: str
    source_format: str
    published: str
    entries: tuple[ListEntry, ...]

    @property
    def name_count(self) -> int:
        return sum(len(entry.names) for entry in self.entries)


@dataclass(frozen=True, slots=True)
class FieldScore:
    """One part of a hit's explanation.

    Attributes:
        field: "token", "joined", "country", "dob", "entity_type", "identifier", "free_text".
        query: what the query had for this field.
        listed: what the entry had.
        score: similarity 0..1 for tokens; the adjustment added to the score for qualifiers.
        weight: rarity weight of the listed token (tokens only; 0 otherwise).
    """

    field: str
    query: str
    listed: str
    score: float
    weight: float = 0.0


@dataclass(frozen=True, slots=True)
class Hit:
    """A list entry that a query matched at or above the threshold.

    Attributes:
        list_name, list_version: the list version the decision used.
        entry_id: the entry hit.
        matched_name: the entry's name that scored best.
        query: the screened text (as given).
        score: final score 0..1 (name score plus qualifier adjustments, clamped).
        name_score: the name-only score.
        threshold: the threshold in force.
        explanation: per-token and per-field scores.
        subject_field: which field of the screened subject hit ("debtor.name", ...).
    """

    list_name: str
    list_version: str
    entry_id: str
    matched_name: str
    query: str
    score: float
    name_score: float
    threshold: float
    explanation: tuple[FieldScore, ...]
    subject_field: str = "name"

    def explain(self) -> str:
        """One line per explanation item, for people."""
        head = (
            f"{self.entry_id} ({self.list_name}@{self.list_version[:12]}) "
            f"'{self.matched_name}' score={self.score:.3f} name={self.name_score:.3f} "
            f"threshold={self.threshold:.2f} field={self.subject_field}"
        )
        lines = [head]
        for item in self.explanation:
            weight = f" w={item.weight:.2f}" if item.weight else ""
            lines.append(
                f"  {item.field}: {item.query!r} ~ {item.listed!r} -> {item.score:+.3f}{weight}"
            )
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class Suppression:
    """A known false positive: this query text never hits this entry name in this version.

    The hub persists these and enforces four eyes (proposed_by != approved_by) before
    passing them to the Screener.

    Attributes:
        list_name, list_version: the list version the suppression is valid for.
        entry_id: the entry.
        query_key: normalised query (see `suppression_key`).
        proposed_by, approved_by: the two officers.
        reason: free text.
    """

    list_name: str
    list_version: str
    entry_id: str
    query_key: str
    proposed_by: str
    approved_by: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class ListVersionRef:
    """Which version of which list a decision used."""

    list_name: str
    list_version: str


@dataclass(frozen=True, slots=True)
class Party:
    """A party of a payment, in plain fields (no ISO 20022 types needed).

    Attributes:
        role: "debtor", "creditor", "ultimate_debtor", "ultimate_creditor",
              "debtor_agent", "creditor_agent", "intermediary_agent".
        name: the name as sent ("" if none).
        country: ISO alpha-2 of residence or address, or "".
        address_lines: unstructured address lines.
        date_of_birth: "YYYY[-MM[-DD]]" or "".
        entity_type: one of ENTITY_TYPES.
        identifiers: BIC, LEI, ... as sent.
    """

    role: str
    name: str = ""
    country: str = ""
    address_lines: tuple[str, ...] = ()
    date_of_birth: str = ""
    entity_type: EntityType = "unknown"
    identifiers: tuple[Identifier, ...] = ()


@dataclass(frozen=True, slots=True)
class ScreeningSubject:
    """Everything of one payment that is screened.

    Attributes:
        reference: the payment's reference (UETR or message id), carried into the result.
        parties: debtor, creditor, ultimate parties, agents.
        free_text: remittance information and other unstructured text.
    """

    reference: str
    parties: tuple[Party, ...] = ()
    free_text: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CountryRule:
    """An operator rule on countries: any party in `country` (ISO alpha-2) raises a hit.

    Attributes:
        country: ISO alpha-2, or a region as "XX-REGION" matched against address text.
        action: "hold" or "alert".
        reason: free text shown in the hit.
        region_terms: extra words looked for in addresses (e.g. "CRIMEA", "SEVASTOPOL").
    """

    country: str
    action: str = "hold"
    reason: str = ""
    region_terms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RuleHit:
    """An operator country/region rule that fired on a party."""

    role: str
    rule: CountryRule
    matched: str


@dataclass(frozen=True, slots=True)
class ScreeningResult:
    """The outcome of screening one subject.

    Attributes:
        reference: the subject's reference.
        hits: list hits, best first.
        rule_hits: country/region rule hits.
        suppressed: hits that a suppression removed (kept for the audit trail).
        lists_used: the list versions the decision used.
        threshold: the threshold in force.
    """

    reference: str
    hits: tuple[Hit, ...]
    rule_hits: tuple[RuleHit, ...]
    suppressed: tuple[Hit, ...]
    lists_used: tuple[ListVersionRef, ...]
    threshold: float

    @property
    def should_hold(self) -> bool:
        return bool(self.hits) or any(r.rule.action == "hold" for r in self.rule_hits)


@dataclass(frozen=True, slots=True)
class EntryChange:
    """One changed entry between two versions: the fields that differ."""

    entry_id: str
    fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ListDiff:
    """What changed between two versions of one list.

    Attributes:
        list_name: the list.
        old_version, new_version: sha256 of each ("" when there was no old version).
        added, removed: entry ids.
        changed: entries present in both whose content differs.
    """

    list_name: str
    old_version: str
    new_version: str
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[EntryChange, ...] = field(default=())

    @property
    def touched_entry_ids(self) -> frozenset[str]:
        """Entries a re-screen must look at (added or changed; removals only clear hits)."""
        return frozenset(self.added) | frozenset(c.entry_id for c in self.changed)
