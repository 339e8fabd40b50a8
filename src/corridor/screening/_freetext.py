"""Free text (remittance information, unstructured addresses) scanned for listed names.

One Aho-Corasick automaton (pyahocorasick) over the normalised listed names; the text is
normalised the same way and every listed name found on token boundaries is a hit. Names
of one short token are left out (they would fire on ordinary words).
"""

from __future__ import annotations

from collections.abc import Sequence

import ahocorasick

from corridor.screening._normalise import normalise_name

TEXT_LENGTH_MAX = 10_000
PATTERN_LENGTH_MIN = 6


def build_automaton(names: Sequence[str]) -> ahocorasick.Automaton:
    """Automaton from name id to its normalised form ` tok tok `."""
    automaton = ahocorasick.Automaton()
    for name_id, text in enumerate(names):
        tokens = normalise_name(text).tokens
        pattern = " ".join(tokens)
        if len(tokens) < 2 and len(pattern) < PATTERN_LENGTH_MIN:
            continue
        if len(pattern) >= PATTERN_LENGTH_MIN - 2:
            key = f" {pattern} "
            found = automaton.get(key, None)
            automaton.add_word(key, (*found, name_id) if found else (name_id,))
    automaton.make_automaton()
    return automaton


def scan(automaton: ahocorasick.Automaton, text: str) -> list[int]:
    """The name id of every listed name found in the text (once per occurrence)."""
    if automaton.kind != ahocorasick.AHOCORASICK:
        return []
    tokens = normalise_name_text(text[:TEXT_LENGTH_MAX])
    haystack = f" {' '.join(tokens)} "
    return [n for _end, name_ids in automaton.iter(haystack) for n in name_ids]


def normalise_name_text(text: str) -> tuple[str, ...]:
    """Free text tokens, normalised like names but without dropping duplicates."""
    tokens: list[str] = []
    for chunk in text.split():
        tokens.extend(normalise_name(chunk).tokens)
    return tuple(tokens)
