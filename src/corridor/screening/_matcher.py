"""The name index and the name scorer.

Index (built once per set of list versions): a vocabulary of canonical tokens, each with
a rarity weight idf**weight_exponent; keys from every token to the vocabulary (exact,
skeleton and romanisation-group spellings with one letter deleted, two for long tokens,
consonant skeleton); postings from every token to the names that use it; keys from
adjacent token pairs (joined) to names.

Query: every query token gets its similar vocabulary tokens through the keys (rapidfuzz
OSA similarity computed once per pair, cached per token). Candidates come from the
postings of the rarest query tokens only: the smallest set of tokens that a name must
match at least one of to reach the threshold (prefix filtering), so common words never
cause a scan. A candidate whose upper bound is below the threshold is dropped unscored.

Score of a query Q against a listed name C, with weights w:
    sum(w_q * sim(q, c) for aligned pairs)
    / (sum(w_q for q in Q) + (f_q - 1) * sum(w_q for unmatched q)
       + f_c * sum(w_c for unmatched c in C))
f_q = unmatched_query_factor; f_c = 1 when some query token is unmatched (a substitution),
else unmatched_listed_factor (persons, weights capped) or unmatched_listed_factor_entity.
Pairs are aligned greedily by similarity; unmatched tokens then get a second chance as
initials, a truncated last token, or tokens glued together on either side.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from rapidfuzz import process
from rapidfuzz.distance import OSA

from corridor.screening._normalise import (
    NormalisedName,
    consonants,
    skeleton,
    token_forms,
)
from corridor.screening._records import FieldScore


@dataclass(frozen=True, slots=True)
class MatchConfig:
    """Matching parameters (one threshold; the rest are general scoring constants).

    Attributes:
        threshold: a hit needs score >= threshold.
        token_similarity_min: token pairs below this similarity do not align.
        skeleton_similarity: similarity of two tokens with the same skeleton.
        consonant_similarity: same consonant skeleton, one side written in an abjad.
        consonant_edit_similarity_min: consonant skeletons that differ count only from this
            similarity: with the vowels gone, one edit in four letters is another name
            (Muhammad and Ahmad: mhmd / hmd).
        initial_similarity: an initial against a token with that first letter.
        prefix_similarity: a cut last token against the token it starts.
        unmatched_listed_factor: how much an unmatched listed token of a person's name
            costs (missing middle names cost little; an unmatched query token costs fully).
        unmatched_listed_factor_entity: the same for entities, vessels and aircraft (a
            word missing from a company name matters more than a middle name).
        unmatched_query_factor: how much an unmatched query token costs (1 = its weight).
        missing_weight_cap: in a person's name, an unmatched listed token costs at most
            this many times the query's mean token weight (a rare middle name left out
            must not outweigh the whole query); 0 = no cap.
        first_letter_penalty: taken off the similarity of two tokens of at most
            first_letter_length_max letters whose first letters differ (Kang/Jang).
        weight_exponent: rarity weight = idf ** weight_exponent.
        truncated_length_min, truncated_length_max: a query of this length may have a cut
            last token (a SWIFT MT name line holds 35 characters).
        candidates_max: a bound on candidates scored per query.
        token_cache_max: query tokens whose similar vocabulary is kept (then cleared).
        precompute_vocabulary: find every listed token's similar vocabulary while building
            (about 60 µs per token): a query token spelt as a listed one needs no search.
    """

    threshold: float = 0.80
    token_similarity_min: float = 0.75
    skeleton_similarity: float = 0.95
    consonant_similarity: float = 0.90
    consonant_edit_similarity_min: float = 0.80
    initial_similarity: float = 0.80
    prefix_similarity: float = 0.90
    unmatched_listed_factor: float = 0.30
    unmatched_listed_factor_entity: float = 0.80
    unmatched_query_factor: float = 1.0
    first_letter_penalty: float = 0.0
    swap_factor: float = 2.0
    swap_similarity_max: float = 0.5
    missing_weight_cap: float = 1.5
    first_letter_length_max: int = 5
    weight_exponent: float = 1.0
    truncated_length_min: int = 33
    truncated_length_max: int = 35
    candidates_max: int = 2_000
    token_cache_max: int = 200_000
    precompute_vocabulary: bool = True


LONG_TOKEN_LENGTH = 8
"""Tokens this long get keys two deletions deep: two typos keep them within reach."""


GLUED_FUZZY_LENGTH = 10
"""From this length a glued token can be one edit away from its two listed tokens."""

CONSONANT_KEY_LENGTH = 5
"""Consonant skeletons this long also get one-deletion keys (vowel-heavy misspellings)."""


def _is_initial(token: str) -> bool:
    return len(token) == 1 and token.isalpha()


def vowel_poor(token: str) -> bool:
    """Written without short vowels (as an abjad transliterates): at most one vowel."""
    return len(token) >= 2 and len(token) - len(consonants(token)) <= 1


def _fuzzy(
    qforms: tuple[str, ...],
    vforms: tuple[str, ...],
    qcons: str,
    vcons: str,
    abjad: bool,
    cfg: MatchConfig,
) -> float:
    if abjad and len(qcons) >= 2 and qcons == vcons:
        return cfg.consonant_similarity
    cutoff = cfg.token_similarity_min
    sim = 0.0
    for form in qforms:
        for choice, score, _ in process.extract(
            form, vforms, scorer=OSA.normalized_similarity, score_cutoff=cutoff, limit=None
        ):
            sim = max(sim, score - _first_letter_penalty(form, choice, cfg))
    if abjad and min(len(qcons), len(vcons)) >= 3:
        cons_sim = OSA.normalized_similarity(qcons, vcons)
        if cons_sim >= cfg.consonant_edit_similarity_min:
            sim = max(sim, cons_sim)
    return sim if sim >= cutoff else 0.0


def _first_letter_penalty(left: str, right: str, cfg: MatchConfig) -> float:
    """Short tokens that differ in their first letter are seldom the same name."""
    if left[:1] == right[:1] or min(len(left), len(right)) > cfg.first_letter_length_max:
        return 0.0
    return cfg.first_letter_penalty


def _deletions(text: str, deep: bool = False) -> list[str]:
    """The text and every text one letter shorter (two shorter if deep and long)."""
    if len(text) < 4:
        return [text]
    ones = [text[:i] + text[i + 1 :] for i in range(len(text))]
    if not deep or len(text) < LONG_TOKEN_LENGTH:
        return [text, *ones]
    size = len(text)
    twos = {
        text[:i] + text[i + 1 : j] + text[j + 1 :] for i in range(size) for j in range(i + 1, size)
    }
    return [text, *ones, *twos]


def _token_keys(
    token: str, forms: tuple[str, ...], cons: str, deep_forms: int = 0
) -> tuple[set[str], set[str]]:
    """Index and query keys of one token: (deletions of its forms, of its consonants).

    The token, its skeleton and the first `deep_forms` other forms get deep deletions."""
    deep = {token, skeleton(token), *forms[1 : 1 + deep_forms]}
    keys: set[str] = set()
    for text in deep:
        keys.update(_deletions(text, deep=True))
    for form in forms:
        if form not in deep:  # deep deletions include the shallow ones
            keys.update(_deletions(form))
    cons_keys = set(_deletions(cons)) if len(cons) >= CONSONANT_KEY_LENGTH else {cons}
    return keys, cons_keys


@dataclass(frozen=True, slots=True)
class _Listed:
    tokens: tuple[str, ...]
    skeletons: tuple[str, ...]
    weights: tuple[float, ...]
    person: bool = True
    initials: frozenset[int] = frozenset()  # positions of one-letter tokens


def _initials(tokens: Sequence[str]) -> frozenset[int]:
    return frozenset(c for c, token in enumerate(tokens) if _is_initial(token))


_TokenMatches = tuple[dict[int, float], float, int]
"""A query token's similar vocabulary (vid -> similarity), its weight, and how many names
those vocabulary tokens appear in."""


@dataclass(slots=True)
class PreparedQuery:
    tokens: tuple[str, ...]
    skeletons: tuple[str, ...]
    consonants: tuple[str, ...]
    forms: tuple[tuple[str, ...], ...]
    weights: list[float]
    sims: list[dict[int, float]]
    abjad: bool
    truncated: bool
    raw: tuple[str, ...] = ()
    syllabic: bool = False
    weight_total: float = 0.0  # sum(weights), set once the weights are known
    reach: list[int] = field(default_factory=list)  # postings behind each token's sims


class NameIndex:
    """An in-memory index over normalised names; see the module docstring."""

    def __init__(
        self,
        names: Sequence[NormalisedName],
        config: MatchConfig,
        persons: Sequence[bool] | None = None,
    ) -> None:
        assert 0.0 < config.threshold <= 1.0, config.threshold
        self.config = config
        self.vocab: dict[str, int] = {}
        self.tokens: list[str] = []
        self.skeletons: list[str] = []
        self.forms: list[tuple[str, ...]] = []
        self.form_sets: list[frozenset[str]] = []
        self.consonants: list[str] = []
        self.abjad: list[bool] = []
        self.postings: list[list[int]] = []
        self.name_tokens: list[tuple[int, ...]] = []
        self.keys: dict[str, list[int]] = {}
        self.consonant_keys: dict[str, list[int]] = {}
        self.pair_keys: dict[str, list[int]] = {}
        self._token_cache: dict[tuple[str, str, bool, bool], _TokenMatches] = {}
        self._listed: dict[int, _Listed] = {}
        for name_id, name in enumerate(names):
            self._add_name(name_id, name)
        self.persons = list(persons) if persons is not None else [True] * len(names)
        assert len(self.persons) == len(names)
        self.weights = self._weights(len(names))
        self.weight_unknown = max(self.weights, default=1.0)
        assert len(self.name_tokens) == len(names)
        self._abjad_vowel_poor = [
            abjad and vowel_poor(t) for t, abjad in zip(self.tokens, self.abjad, strict=True)
        ]
        self._listed_weights = [
            min(self.weight_unknown, 1.0) if _is_initial(token) else weight
            for token, weight in zip(self.tokens, self.weights, strict=True)
        ]
        self._vocab_matches: dict[str, _TokenMatches] = {}
        if config.precompute_vocabulary:
            for token in self.tokens:
                single = self._bare_query(NormalisedName((token,), raw=(token,)), len(token))
                self._vocab_matches[token] = self._token_matches(single, 0)

    def _vocab_id(self, token: str, abjad: bool) -> int:
        found = self.vocab.get(token)
        if found is not None:
            self.abjad[found] = self.abjad[found] or abjad
            return found
        vid = len(self.tokens)
        self.vocab[token] = vid
        self.tokens.append(token)
        skel = skeleton(token)
        forms = token_forms(token)
        self.skeletons.append(skel)
        self.forms.append(forms)
        self.form_sets.append(frozenset(forms))
        self.consonants.append(consonants(token))
        self.abjad.append(abjad)
        self.postings.append([])
        keys, cons_keys = _token_keys(token, forms, self.consonants[vid])
        for key in keys:
            self.keys.setdefault(key, []).append(vid)
        for key in cons_keys:
            self.consonant_keys.setdefault(key, []).append(vid)
        return vid

    def _add_name(self, name_id: int, name: NormalisedName) -> None:
        ids = tuple(self._vocab_id(t, name.abjad) for t in name.tokens)
        self.name_tokens.append(ids)
        for vid in set(ids):
            self.postings[vid].append(name_id)
        pairs = list(itertools.pairwise(name.tokens))
        if len(name.tokens) > 2:
            pairs.append((name.tokens[-1], name.tokens[0]))  # "LAST, First" written First+LAST
        for left, right in pairs:
            for key in {skeleton(left + right), skeleton(left) + skeleton(right)}:
                self.pair_keys.setdefault(key, []).append(name_id)

    def _weights(self, name_count: int) -> list[float]:
        exponent = self.config.weight_exponent
        return [math.log((name_count + 1) / (len(p) + 0.5)) ** exponent for p in self.postings]

    # -- query side -------------------------------------------------------------------

    def token_similarity(self, q: int, query: PreparedQuery, vid: int) -> float:
        """Similarity of query token q with vocabulary token vid (0 below the minimum)."""
        return self._similarity(
            query,
            q,
            self.tokens[vid],
            self.forms[vid],
            self.skeletons[vid],
            self.consonants[vid],
            self.abjad[vid],
        )

    def _similarity(
        self,
        query: PreparedQuery,
        q: int,
        token: str,
        forms: tuple[str, ...],
        skel: str,
        cons: str,
        abjad: bool,
    ) -> float:
        """Similarity of query token q with a token given by its spellings (0 below the
        minimum); `abjad`: the token's name was written in an abjad."""
        if query.tokens[q] == token:
            return 1.0
        if query.skeletons[q] in forms or skel in query.forms[q]:
            return self.config.skeleton_similarity
        if query.syllabic:
            return 0.0
        either = (query.abjad and vowel_poor(query.tokens[q])) or (abjad and vowel_poor(token))
        return _fuzzy(query.forms[q], forms, query.consonants[q], cons, either, self.config)

    def prepare(self, name: NormalisedName, text_length: int) -> PreparedQuery:
        query = self._bare_query(name, text_length)
        raw = query.raw
        plain = not name.abjad and not name.syllabic
        for q in range(len(name.tokens)):
            token = name.tokens[q]
            cached = self._vocab_matches.get(token) if plain and raw[q] == token else None
            if cached is None:
                key = (token, raw[q], name.abjad, name.syllabic)
                cached = self._token_cache.get(key)
                if cached is None:
                    cached = self._token_matches(query, q)
                    if len(self._token_cache) >= self.config.token_cache_max:
                        self._token_cache.clear()
                    self._token_cache[key] = cached
            query.sims.append(cached[0])
            query.weights.append(cached[1])
            query.reach.append(cached[2])
        query.weight_total = sum(query.weights)
        return query

    def _bare_query(self, name: NormalisedName, text_length: int) -> PreparedQuery:
        """The query's spellings, before any similarity is looked up."""
        skels = tuple(skeleton(t) for t in name.tokens)
        cons = tuple(consonants(t) for t in name.tokens)
        raw = name.raw or name.tokens
        forms = tuple(token_forms(t, r) for t, r in zip(name.tokens, raw, strict=True))
        return PreparedQuery(
            name.tokens,
            skels,
            cons,
            forms,
            [],
            [],
            name.abjad,
            self.config.truncated_length_min <= text_length <= self.config.truncated_length_max,
            tuple(raw),
            name.syllabic,
        )

    def _token_matches(self, query: PreparedQuery, q: int) -> _TokenMatches:
        """Similar vocabulary tokens of query token q (through the keys) and its weight."""
        vids: set[int] = set()
        keys, cons_keys = _token_keys(query.tokens[q], query.forms[q], query.consonants[q], 1)
        for key in self.keys.keys() & keys:  # C-level: only the keys that exist
            vids.update(self.keys[key])
        for key in self.consonant_keys.keys() & cons_keys:
            vids.update(self.consonant_keys[key])
        sims: dict[int, float] = {}
        fuzzy: list[int] = []
        token, qskel = query.tokens[q], query.skeletons[q]
        qforms = frozenset(query.forms[q])
        tokens, skeletons, form_sets = self.tokens, self.skeletons, self.form_sets
        skeleton_sim = self.config.skeleton_similarity
        for vid in vids:
            if token == tokens[vid]:
                sims[vid] = 1.0
            elif qskel in form_sets[vid] or skeletons[vid] in qforms:
                sims[vid] = skeleton_sim
            else:
                fuzzy.append(vid)
        if fuzzy and not query.syllabic:  # a pinyin syllable one letter off is another name
            sims.update(self._fuzzy_batch(query, q, fuzzy))
        reach = sum(len(self.postings[vid]) for vid in sims)
        return sims, self._query_weight(token, sims), reach

    def _fuzzy_batch(self, query: PreparedQuery, q: int, vids: list[int]) -> dict[int, float]:
        """`token_similarity` for many vocabulary tokens at once (one C++ scan per form)."""
        cfg = self.config
        flat: list[str] = []
        owner: list[int] = []
        for vid in vids:
            flat.extend(self.forms[vid])
            owner.extend([vid] * len(self.forms[vid]))
        best: dict[int, float] = {}
        for form in query.forms[q]:
            for _, score, i in process.extract(
                form,
                flat,
                scorer=OSA.normalized_similarity,
                score_cutoff=cfg.token_similarity_min,
                limit=None,
            ):
                sim = score - _first_letter_penalty(form, flat[i], cfg)
                if sim >= cfg.token_similarity_min and sim > best.get(owner[i], 0.0):
                    best[owner[i]] = sim
        qcons = query.consonants[q]
        query_abjad = query.abjad and vowel_poor(query.tokens[q])
        for vid in vids:
            if not (query_abjad or self._abjad_vowel_poor[vid]):
                continue
            vcons = self.consonants[vid]
            if len(qcons) >= 2 and qcons == vcons:
                best[vid] = cfg.consonant_similarity
            elif min(len(qcons), len(vcons)) >= 3:
                sim = OSA.normalized_similarity(qcons, vcons)
                if sim >= cfg.consonant_edit_similarity_min and sim > best.get(vid, 0.0):
                    best[vid] = sim
        return best

    def _query_weight(self, token: str, sims: dict[int, float]) -> float:
        if _is_initial(token):
            return min(self.weight_unknown, 1.0)
        if not sims:
            return self.weight_unknown
        best = max(sims, key=lambda v: (sims[v], -len(self.postings[v])))
        return self.weights[best]

    def candidates(self, query: PreparedQuery, floor: float) -> list[int]:
        """Names that may reach `floor` (see candidates_bounded)."""
        return [n for n, _ in self.candidates_bounded(query, floor)]

    def candidates_bounded(self, query: PreparedQuery, floor: float) -> list[tuple[int, float]]:
        """Names that may reach `floor`: from the rarest tokens' postings, then bounded."""
        total = query.weight_total
        if total <= 0.0:
            return []
        order = sorted(range(len(query.tokens)), key=lambda q: -query.weights[q])
        required: list[int] = []
        remaining = total
        for q in order:
            if remaining < floor * total:
                break
            required.append(q)
            remaining -= query.weights[q]
        bound: dict[int, float] = self._gains(query, required[0], None) if required else {}
        for q in required[1:]:
            for name_id, gain in self._gains(query, q, None).items():
                bound[name_id] = bound.get(name_id, 0.0) + gain
        slack = self._slack(query)
        need = floor * total - slack
        for q in order[len(required) :]:
            # a name that cannot reach the floor even if every token left matched it fully
            # is out already: the rest of the query is summed over fewer names
            bound = {n: b for n, b in bound.items() if b + remaining >= need - 1e-9}
            for name_id, gain in self._gains(query, q, bound).items():
                bound[name_id] += gain
            remaining -= query.weights[q]
        skels = query.skeletons
        glued_names: set[int] = set()  # a merge may use tokens no query token resembles
        for key in skels:  # one query token written for two listed ones
            for name_id in self.pair_keys.get(key, ()):
                bound[name_id] = total
                glued_names.add(name_id)
        raw = query.raw or query.tokens
        rs = [skeleton(t) for t in raw]
        glued = [a + b for a, b in itertools.pairwise(rs)]
        glued += [a + b + c for a, b, c in zip(rs, rs[1:], rs[2:], strict=False)]
        for key in glued:
            for vid in self.keys.get(key, ()):
                if self.skeletons[vid] == key:
                    for name_id in self.postings[vid]:
                        bound[name_id] = total
                        glued_names.add(name_id)
        picked = [n for n, b in bound.items() if b + slack >= floor * total]
        if slack == 0.0:
            union: set[int] = set().union(*query.sims)
            cfg = self.config
            low = min(cfg.unmatched_listed_factor, cfg.unmatched_listed_factor_entity)
            entity = low if query.truncated else cfg.unmatched_listed_factor_entity
            picked = [
                n
                for n in picked
                if n in glued_names
                or bound[n]
                >= floor
                * (
                    total
                    + (low if self.persons[n] else entity) * self._listed_bound(query, n, union)
                )
            ]
        picked.sort(key=lambda n: -bound[n])
        return [
            (n, min(1.0, (bound[n] + slack) / total)) for n in picked[: self.config.candidates_max]
        ]

    def _gains(
        self, query: PreparedQuery, q: int, among: dict[int, float] | None
    ) -> dict[int, float]:
        """Best weight * similarity of query token q per name (only names in `among`)."""
        weight = query.weights[q]
        sims = query.sims[q]
        if among is not None and len(among) * 4 < query.reach[q]:
            return self._gains_among(sims, weight, among)
        best: dict[int, float] = {}
        for vid in sorted(sims, key=sims.__getitem__):  # highest gain last: it wins
            best.update(dict.fromkeys(self.postings[vid], weight * sims[vid]))
        if among is None:
            return best
        if len(best) > len(among):
            return {n: best[n] for n in among if n in best}
        return {n: g for n, g in best.items() if n in among}

    def _gains_among(
        self, sims: dict[int, float], weight: float, among: dict[int, float]
    ) -> dict[int, float]:
        best: dict[int, float] = {}
        name_tokens = self.name_tokens
        for name_id in among:
            top = 0.0
            for vid in name_tokens[name_id]:
                sim = sims.get(vid)
                if sim is not None and sim > top:
                    top = sim
            if top > 0.0:
                best[name_id] = weight * top
        return best

    def _listed_bound(self, query: PreparedQuery, name_id: int, union: set[int]) -> float:
        """Weight of the name's tokens that no query token resembles (a lower bound)."""
        listed = self._listed_weights
        weights = [listed[v] for v in self.name_tokens[name_id] if v not in union]
        return self._missing_weight(query, weights, self.persons[name_id])

    def _missing_weight(self, query: PreparedQuery, weights: list[float], person: bool) -> float:
        """What unmatched listed tokens of these weights cost (capped for persons)."""
        cap_factor = self.config.missing_weight_cap
        if person and cap_factor and weights:
            cap = cap_factor * query.weight_total / max(len(query.tokens), 1)
            return sum(min(w, cap) for w in weights)
        return sum(weights)

    def _slack(self, query: PreparedQuery) -> float:
        """Weight that second-chance matches (initials, cut or glued tokens) may add.

        A token glued from two listed ones must be within OSA 0.9 of them: below
        GLUED_FUZZY_LENGTH letters that means equal, which the pair keys find exactly.
        """
        last = len(query.tokens) - 1
        return sum(
            query.weights[q]
            for q in range(len(query.tokens))
            if (not query.sims[q] and len(query.skeletons[q]) >= GLUED_FUZZY_LENGTH)
            or _is_initial(query.tokens[q])
            or (query.truncated and q == last)
        )

    # -- scoring ------------------------------------------------------------------------

    def score(
        self, query: PreparedQuery, name_id: int, explain: bool = False, floor: float = 0.0
    ) -> tuple[float, tuple[FieldScore, ...]]:
        """Score of the query against one indexed name, with the token explanation.

        A score below `floor` may come back higher than exact (still below the floor)."""
        ctoks = self.name_tokens[name_id]
        listed = self._listed.get(name_id)
        if listed is None:
            listed = _Listed(
                tuple(self.tokens[v] for v in ctoks),
                tuple(self.skeletons[v] for v in ctoks),
                tuple(self._listed_weight(v) for v in ctoks),
                self.persons[name_id],
                _initials([self.tokens[v] for v in ctoks]),
            )
            self._listed[name_id] = listed
        pairs = [
            (sims[v], q, c)
            for q, sims in enumerate(query.sims)
            for c, v in enumerate(ctoks)
            if v in sims
        ]
        return self._align(query, listed, pairs, explain, floor)

    def score_pair(
        self, query: PreparedQuery, name: NormalisedName, explain: bool = False
    ) -> tuple[float, tuple[FieldScore, ...]]:
        """Score of the query against any name (indexed or not), weights from the index."""
        weights = []
        for token in name.tokens:
            vid = self.vocab.get(token)
            weights.append(
                self._listed_weight(vid)
                if vid is not None
                else (min(self.weight_unknown, 1.0) if _is_initial(token) else self.weight_unknown)
            )
        listed = _Listed(
            name.tokens,
            tuple(skeleton(t) for t in name.tokens),
            tuple(weights),
            initials=_initials(name.tokens),
        )
        spellings = [
            (token, token_forms(token), skeleton(token), consonants(token)) for token in name.tokens
        ]
        pairs = []
        for q in range(len(query.tokens)):
            for c, (token, forms, skel, cons) in enumerate(spellings):
                sim = self._similarity(query, q, token, forms, skel, cons, name.abjad)
                if sim > 0.0:
                    pairs.append((sim, q, c))
        return self._align(query, listed, pairs, explain)

    def _align(
        self,
        query: PreparedQuery,
        listed: _Listed,
        pairs: list[tuple[float, int, int]],
        explain: bool,
        floor: float = 0.0,
    ) -> tuple[float, tuple[FieldScore, ...]]:
        pairs.sort(reverse=True)
        q_sim: dict[int, float] = {}
        c_of_q: dict[int, tuple[int, ...]] = {}
        used: set[int] = set()
        for sim, q, c in pairs:
            if q not in q_sim and c not in used:
                q_sim[q] = sim
                c_of_q[q] = (c,)
                used.add(c)
        if len(q_sim) < len(query.tokens) and len(used) < len(listed.tokens):
            self._second_chance(query, listed, q_sim, c_of_q, used)
        cfg = self.config
        numerator = sum(query.weights[q] * s for q, s in q_sim.items())
        missing = self._missing_weight(
            query, [w for c, w in enumerate(listed.weights) if c not in used], listed.person
        )
        unmatched = query.weight_total - sum(query.weights[q] for q in q_sim)
        if len(q_sim) < len(query.tokens):
            factor = 1.0
        elif listed.person or query.truncated:
            factor = cfg.unmatched_listed_factor
        else:
            factor = cfg.unmatched_listed_factor_entity
        denominator = (
            query.weight_total + (cfg.unmatched_query_factor - 1.0) * unmatched + factor * missing
        )
        value = numerator / denominator if denominator > 0 else 0.0
        if value >= floor and unmatched and len(used) < len(listed.tokens):
            swapped = self._swapped_weight(query, listed, q_sim, used)
            value = numerator / (denominator + (cfg.swap_factor - 1.0) * swapped)
        if not explain:
            return value, ()
        items = tuple(
            FieldScore(
                "token",
                token,
                " ".join(listed.tokens[c] for c in c_of_q.get(q, ())),
                q_sim.get(q, 0.0),
                query.weights[q],
            )
            for q, token in enumerate(query.tokens)
        )
        return value, items

    def _swapped_weight(
        self, query: PreparedQuery, listed: _Listed, q_sim: dict[int, float], used: set[int]
    ) -> float:
        """Weight of unmatched query tokens that resemble no unmatched listed token: a word
        swapped for an unrelated one, rather than one misspelt beyond recognition."""
        free = [listed.skeletons[c] for c in range(len(listed.tokens)) if c not in used]
        floor = self.config.swap_similarity_max
        return sum(
            query.weights[q]
            for q in range(len(query.tokens))
            if q not in q_sim
            and query.tokens[q].isalpha()
            and not _is_initial(query.tokens[q])
            and all(OSA.normalized_similarity(query.skeletons[q], other) < floor for other in free)
        )

    def _listed_weight(self, vid: int) -> float:
        return self._listed_weights[vid]

    def _second_chance(
        self,
        query: PreparedQuery,
        listed: _Listed,
        q_sim: dict[int, float],
        c_of_q: dict[int, tuple[int, ...]],
        used: set[int],
    ) -> None:
        """Initials, a cut last token, and one token written as two adjacent ones."""
        cfg = self.config
        free_c = [c for c in range(len(listed.tokens)) if c not in used]
        self._extend(query, listed, q_sim, c_of_q, used, free_c)
        last_q = len(query.tokens) - 1
        for q in range(len(query.tokens)):
            if q in q_sim or not free_c:
                continue
            token = query.tokens[q]
            query_initial = _is_initial(token)
            if not (
                query_initial
                or (query.truncated and q == last_q)
                or not listed.initials.isdisjoint(free_c)
            ):
                self._merge(query, listed, q, q_sim, c_of_q, used, free_c)
                continue
            for c in free_c:
                other = listed.tokens[c]
                sim = 0.0
                if (query_initial or c in listed.initials) and token[0] == other[0]:
                    sim = cfg.initial_similarity * min(
                        1.0, listed.weights[c] / max(query.weights[q], 1e-9)
                    )
                elif (
                    query.truncated
                    and q == len(query.tokens) - 1
                    and len(token) >= 2
                    and other.startswith(token)
                ):
                    sim = cfg.prefix_similarity
                if sim:
                    q_sim[q], c_of_q[q] = sim, (c,)
                    used.add(c)
                    free_c.remove(c)
                    break
            else:
                self._merge(query, listed, q, q_sim, c_of_q, used, free_c)
        if free_c and any(q not in q_sim and q + 1 not in q_sim for q in range(last_q)):
            self._merge_query(query, listed, q_sim, c_of_q, used, free_c)

    def _extend(
        self,
        query: PreparedQuery,
        listed: _Listed,
        q_sim: dict[int, float],
        c_of_q: dict[int, tuple[int, ...]],
        used: set[int],
        free_c: list[int],
    ) -> None:
        """A query token aligned with one listed token but written glued to its neighbour."""
        for q, sim in list(q_sim.items()):
            if sim >= self.config.skeleton_similarity or len(c_of_q[q]) != 1:
                continue
            (c,) = c_of_q[q]
            for pair in ((c - 1, c), (c, c + 1)):
                other = pair[0] if pair[1] == c else pair[1]
                if other not in free_c:
                    continue
                joined = listed.skeletons[pair[0]] + listed.skeletons[pair[1]]
                better = OSA.normalized_similarity(query.skeletons[q], joined)
                if better > sim:
                    q_sim[q], c_of_q[q] = better, pair
                    used.add(other)
                    free_c.remove(other)
                    break

    def _merge_query(
        self,
        query: PreparedQuery,
        listed: _Listed,
        q_sim: dict[int, float],
        c_of_q: dict[int, tuple[int, ...]],
        used: set[int],
        free_c: list[int],
    ) -> None:
        """Two or three adjacent query tokens written as one listed token."""
        floor = self.config.token_similarity_min + 0.15
        raw = query.raw or query.tokens
        for size in (2, 3):
            for start in range(len(raw) - size + 1):
                span = range(start, start + size)
                if any(q in q_sim for q in span) or not free_c:
                    continue
                joined = skeleton("".join(raw[q] for q in span))
                for c in free_c:
                    sim = OSA.normalized_similarity(joined, listed.skeletons[c], score_cutoff=floor)
                    if sim >= floor:
                        for q in span:
                            q_sim[q], c_of_q[q] = sim, (c,)
                        used.add(c)
                        free_c.remove(c)
                        break

    def _merge(
        self,
        query: PreparedQuery,
        listed: _Listed,
        q: int,
        q_sim: dict[int, float],
        c_of_q: dict[int, tuple[int, ...]],
        used: set[int],
        free_c: list[int],
    ) -> None:
        floor = self.config.token_similarity_min + 0.15
        last = len(listed.tokens) - 1
        pairs = [(c, c + 1) for c in free_c if c + 1 in free_c]
        if last > 1 and last in free_c and 0 in free_c:
            pairs.append((last, 0))  # "LAST, First" written First+LAST
        wanted = len(query.skeletons[q])
        for first, second in pairs:
            length = len(listed.skeletons[first]) + len(listed.skeletons[second])
            if abs(length - wanted) > (1.0 - floor) * max(length, wanted):
                continue  # the lengths alone keep the similarity under the floor
            joined = listed.skeletons[first] + listed.skeletons[second]
            sim = OSA.normalized_similarity(query.skeletons[q], joined, score_cutoff=floor)
            if sim >= floor:
                q_sim[q], c_of_q[q] = sim, (first, second)
                used.update((first, second))
                free_c.remove(first)
                free_c.remove(second)
                return

    def exhaustive_sims(self, query: PreparedQuery, name_id: int) -> PreparedQuery:
        """A copy of `query` whose similarities cover every token of one name (no keys)."""
        sims = [dict(s) for s in query.sims]
        for q in range(len(query.tokens)):
            for vid in self.name_tokens[name_id]:
                if vid not in sims[q]:
                    s = self.token_similarity(q, query, vid)
                    if s > 0.0:
                        sims[q][vid] = s
        return replace(query, sims=sims)
