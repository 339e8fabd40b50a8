"""The Screener: lists in, hits with explanations out. Pure: no I/O, no clock."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, replace

import ahocorasick

from corridor.foundation.errors import InputError
from corridor.screening._countries import country_code
from corridor.screening._freetext import build_automaton, scan
from corridor.screening._matcher import MatchConfig, NameIndex, PreparedQuery
from corridor.screening._normalise import NormalisedName, normalise_name, suppression_key
from corridor.screening._qualifiers import QualifierConfig, qualify
from corridor.screening._readings import han_readings, load_reading_tables
from corridor.screening._records import (
    ENTITY_TYPES,
    CountryRule,
    FieldScore,
    Hit,
    Identifier,
    ListEntry,
    ListVersionRef,
    ScreeningResult,
    ScreeningSubject,
    Suppression,
    WatchList,
)

QUERY_LENGTH_MAX = 1_000
DEFAULT_THRESHOLD = MatchConfig().threshold


@dataclass(frozen=True, slots=True)
class _NameRef:
    list_index: int
    entry_index: int
    text: str
    weak: bool = False


class Screener:
    """Screens names against the given list versions through one in-memory index.

    `threshold` (0..1] is the one knob; `config` holds the general scoring constants.
    `suppressions` remove known false positives (list version + entry + query key).
    """

    def __init__(
        self,
        lists: Sequence[WatchList],
        threshold: float | None = None,
        *,
        config: MatchConfig | None = None,
        qualifiers: QualifierConfig | None = None,
        suppressions: Sequence[Suppression] = (),
    ) -> None:
        config = config or MatchConfig()
        if threshold is not None:
            config = replace(config, threshold=_checked_threshold(threshold))
        self.config = config
        self.qualifiers = qualifiers or QualifierConfig()
        self.lists = tuple(lists)
        self._refs: list[_NameRef] = []
        self._by_identifier: dict[str, list[tuple[int, int]]] = {}
        for li, watch_list in enumerate(self.lists):
            for ei, entry in enumerate(watch_list.entries):
                self._refs.extend(_NameRef(li, ei, n.text, n.kind == "weak") for n in entry.names)
                for ident in entry.identifiers:
                    self._by_identifier.setdefault(ident.value, []).append((li, ei))
        persons = [
            self.entry(r.list_index, r.entry_index).entity_type in ("person", "unknown")
            for r in self._refs
        ]
        self.index = NameIndex([normalise_name(r.text) for r in self._refs], config, persons)
        load_reading_tables()
        self._automaton: ahocorasick.Automaton | None = None
        self._suppressed = _four_eyes_keys(suppressions)

    def with_suppressions(self, suppressions: Sequence[Suppression]) -> Screener:
        """The same lists and index with these suppressions (cheap: the index is shared).
        Only four-eyes suppressions (proposed_by != approved_by) take effect."""
        other = copy.copy(self)
        other._suppressed = _four_eyes_keys(suppressions)
        return other

    def with_threshold(self, threshold: float) -> Screener:
        """The same lists and index at another threshold (cheap: the index is shared)."""
        other = copy.copy(self)
        other.config = replace(self.config, threshold=_checked_threshold(threshold))
        return other

    @property
    def threshold(self) -> float:
        return self.config.threshold

    @property
    def name_count(self) -> int:
        return len(self._refs)

    def indexed_names(self) -> list[tuple[str, str]]:
        """(entry id, name text) of every indexed name, in name-id order."""
        return [(self.entry(r.list_index, r.entry_index).entry_id, r.text) for r in self._refs]

    def versions(self) -> tuple[ListVersionRef, ...]:
        return tuple(ListVersionRef(w.list_name, w.version) for w in self.lists)

    def entry(self, list_index: int, entry_index: int) -> ListEntry:
        return self.lists[list_index].entries[entry_index]

    def check(
        self,
        name: str,
        *,
        country: str | None = None,
        dob: str | None = None,
        entity_type: str | None = None,
        identifiers: Sequence[Identifier] = (),
        subject_field: str = "name",
    ) -> list[Hit]:
        """Hits for one name, best first, one per entry; suppressed hits left out."""
        hits, _ = self.check_with_suppressed(
            name,
            country=country,
            dob=dob,
            entity_type=entity_type,
            identifiers=identifiers,
            subject_field=subject_field,
        )
        return hits

    def check_with_suppressed(
        self,
        name: str,
        *,
        country: str | None = None,
        dob: str | None = None,
        entity_type: str | None = None,
        identifiers: Sequence[Identifier] = (),
        subject_field: str = "name",
    ) -> tuple[list[Hit], list[Hit]]:
        """(hits, suppressed hits) for one name."""
        if len(name) > QUERY_LENGTH_MAX:
            raise InputError(f"name longer than {QUERY_LENGTH_MAX}", field="name", value=name[:40])
        normalised = normalise_name(name)
        facts = self._facts(normalised, country, dob, entity_type)
        query = self.index.prepare(normalised, len(name))
        scored = self._scored(query, facts) if name.strip() else {}
        queries = dict.fromkeys(scored, query)
        for reading in han_readings(name):
            other = self.index.prepare(normalise_name(reading), len(reading))
            read_as = FieldScore("reading", name, reading, 0.0)  # the hit says how it read
            for key, (total, name_score, name_id, items) in self._scored(other, facts).items():
                if total > scored.get(key, (-1.0,))[0]:
                    scored[key] = (total, name_score, name_id, (read_as, *items))
                    queries[key] = other
        for ident in identifiers:
            for key in self._by_identifier.get(ident.value.upper().replace(" ", ""), ()):
                scored[key] = (
                    1.0,
                    1.0,
                    -1,
                    (FieldScore("identifier", ident.value, ident.value, 1.0),),
                )
        hits = [
            self._hit(key, value, name, queries.get(key, query), subject_field)
            for key, value in scored.items()
        ]
        hits.sort(key=lambda h: (-h.score, h.entry_id))
        if not self._suppressed:
            return hits, []
        dropped = [self._is_suppressed(h) for h in hits]
        return (
            [h for h, d in zip(hits, dropped, strict=True) if not d],
            [h for h, d in zip(hits, dropped, strict=True) if d],
        )

    def _facts(
        self,
        name: NormalisedName,
        country: str | None,
        dob: str | None,
        entity_type: str | None,
    ) -> tuple[str, str, str]:
        kind = entity_type or "unknown"
        if kind == "unknown" and name.legal_form:
            kind = "entity"  # a legal form (LLC, GmbH, OOO...) names an entity
        if kind not in ENTITY_TYPES:
            raise InputError(
                f"entity type must be one of {ENTITY_TYPES}", field="entity_type", value=entity_type
            )
        return (country_code(country) if country else "", dob or "", kind)

    def _scored(
        self, query: PreparedQuery, facts: tuple[str, str, str]
    ) -> dict[tuple[int, int], tuple[float, float, int, tuple[FieldScore, ...]]]:
        """(list, entry) -> (score, name score, name id, qualifier items) above threshold."""
        threshold = self.config.threshold
        floor = threshold - self.qualifiers.bonus_max
        best: dict[tuple[int, int], tuple[float, float, int, tuple[FieldScore, ...]]] = {}
        entry_best: dict[tuple[int, int], float] = {}
        for name_id, bound in self.index.candidates_bounded(query, floor):
            ref = self._refs[name_id]
            key = (ref.list_index, ref.entry_index)
            if bound <= entry_best.get(key, -1.0):
                continue  # another name of this entry already scored at least this
            name_score, _ = self.index.score(query, name_id, floor=floor)
            if name_score < floor:
                continue
            weak = self._weak_alias_items(ref)
            adjusted = name_score + sum(i.score for i in weak)
            entry_best[key] = max(entry_best.get(key, -1.0), adjusted)
            items = weak + qualify(
                self.entry(*key),
                country=facts[0],
                dob=facts[1],
                entity_type=facts[2],
                cfg=self.qualifiers,
            )
            total = min(1.0, max(0.0, name_score + sum(i.score for i in items)))
            if total >= threshold and total > best.get(key, (-1.0,))[0]:
                best[key] = (total, name_score, name_id, items)
        return best

    def _weak_alias_items(self, ref: _NameRef) -> tuple[FieldScore, ...]:
        """A low-quality alias (UN "Low", OFAC weak a.k.a.) is broad: it counts a little less."""
        if not ref.weak or not self.qualifiers.weak_alias:
            return ()
        return (FieldScore("alias_quality", "", "weak alias", self.qualifiers.weak_alias),)

    def _hit(
        self,
        key: tuple[int, int],
        value: tuple[float, float, int, tuple[FieldScore, ...]],
        query_text: str,
        query: PreparedQuery,
        subject_field: str,
    ) -> Hit:
        total, name_score, name_id, items = value
        watch_list = self.lists[key[0]]
        entry = watch_list.entries[key[1]]
        tokens: tuple[FieldScore, ...] = ()
        matched = entry.primary_name
        if name_id >= 0:
            _, tokens = self.index.score(query, name_id, explain=True)
            matched = self._refs[name_id].text
        return Hit(
            watch_list.list_name,
            watch_list.version,
            entry.entry_id,
            matched,
            query_text,
            round(total, 4),
            round(name_score, 4),
            self.threshold,
            tokens + items,
            subject_field,
        )

    def _is_suppressed(self, hit: Hit) -> bool:
        if not self._suppressed:
            return False
        key = (hit.list_name, hit.list_version, hit.entry_id, suppression_key(hit.query))
        return key in self._suppressed

    def score_pair(self, query_text: str, listed_text: str) -> float:
        """Name-only score of two names (weights from the loaded lists)."""
        listed = [normalise_name(t) for t in (listed_text, *han_readings(listed_text))]
        best = 0.0
        for text in (query_text, *han_readings(query_text)):
            query = self.index.prepare(normalise_name(text), len(text))
            best = max(best, *(self.index.score_pair(query, name)[0] for name in listed))
        return best

    def score_entry(
        self, query_text: str, list_entry: ListEntry, *, country: str = "", dob: str = ""
    ) -> float:
        """Best score of a query against one entry's names, with qualifiers."""
        best = max((self.score_pair(query_text, n.text) for n in list_entry.names), default=0.0)
        items = qualify(
            list_entry,
            country=country_code(country) if country else "",
            dob=dob,
            entity_type="unknown",
            cfg=self.qualifiers,
        )
        return min(1.0, max(0.0, best + sum(i.score for i in items)))

    def check_exhaustive(self, name: str) -> dict[tuple[int, int], float]:
        """Name scores >= floor over EVERY indexed name (no index): the completeness check."""
        floor = self.config.threshold - self.qualifiers.bonus_max
        query = self.index.prepare(normalise_name(name), len(name))
        found: dict[tuple[int, int], float] = {}
        for name_id, ref in enumerate(self._refs):
            full = self.index.exhaustive_sims(query, name_id)
            score, _ = self.index.score(full, name_id)
            key = (ref.list_index, ref.entry_index)
            if score >= floor and score > found.get(key, 0.0):
                found[key] = score
        return found

    def score_name_exhaustive(self, name: str, name_id: int) -> float:
        """Name score against one indexed name with every token pair compared (no keys)."""
        query = self.index.prepare(normalise_name(name), len(name))
        score, _ = self.index.score(self.index.exhaustive_sims(query, name_id), name_id)
        return score

    def check_indexed(self, name: str) -> dict[tuple[int, int], float]:
        """Name scores >= floor through the index (to compare with check_exhaustive)."""
        floor = self.config.threshold - self.qualifiers.bonus_max
        query = self.index.prepare(normalise_name(name), len(name))
        found: dict[tuple[int, int], float] = {}
        for name_id in self.index.candidates(query, floor):
            score, _ = self.index.score(query, name_id)
            ref = self._refs[name_id]
            key = (ref.list_index, ref.entry_index)
            if score >= floor and score > found.get(key, 0.0):
                found[key] = score
        return found

    def scan_text(self, text: str, *, subject_field: str = "free_text") -> list[Hit]:
        """Listed names found inside free text (remittance information, addresses)."""
        if self._automaton is None:
            self._automaton = build_automaton([r.text for r in self._refs])
        best: dict[tuple[int, int], Hit] = {}
        for name_id in scan(self._automaton, text):
            ref = self._refs[name_id]
            key = (ref.list_index, ref.entry_index)
            watch_list = self.lists[ref.list_index]
            entry = watch_list.entries[ref.entry_index]
            item = FieldScore("free_text", text[:200], ref.text, 1.0)
            best.setdefault(
                key,
                Hit(
                    watch_list.list_name,
                    watch_list.version,
                    entry.entry_id,
                    ref.text,
                    text[:200],
                    1.0,
                    1.0,
                    self.threshold,
                    (item,),
                    subject_field,
                ),
            )
        return [h for h in best.values() if not self._is_suppressed(h)]

    def screen(
        self, subject: ScreeningSubject, rules: Sequence[CountryRule] = ()
    ) -> ScreeningResult:
        """Screen one payment's parties, addresses and free text (see screen_payment)."""
        from corridor.screening._payment import screen_payment  # noqa: PLC0415 - cycle

        return screen_payment(self, subject, rules)


def _checked_threshold(threshold: float) -> float:
    if not 0.0 < threshold <= 1.0:
        raise InputError("threshold must be in (0, 1]", field="threshold", value=threshold)
    return threshold


def _four_eyes_keys(suppressions: Sequence[Suppression]) -> set[tuple[str, str, str, str]]:
    """Keys of the suppressions that took four eyes (proposed_by != approved_by)."""
    return {
        (s.list_name, s.list_version, s.entry_id, s.query_key)
        for s in suppressions
        if s.proposed_by != s.approved_by
    }
