"""Name normalisation: script to Latin, case folding, legal forms, romanisation groups.

`normalise_name(text)` is the one entry point. It returns the tokens every other part of
screening works on. Steps, in order:

1. Unicode NFKC; detect abjad scripts (Arabic, Hebrew: vowels unwritten) and split
   Han and Hangul characters into one token per syllable.
2. Transliterate to ASCII with anyascii (ISC licence), case fold.
3. Apostrophes vanish (O'Neil -> ONEIL), other punctuation separates tokens.
4. Honorifics and legal-form phrases are removed (unless nothing else is left).
5. Number words become digits; every token maps to the canonical spelling of its
   romanisation group (Mohammed, Muhammad, Mohamad -> muhammad).

`skeleton(token)` folds common spelling alternations (kh/h, ou/u, q/k, w/v, x/ks,
-iy/-y, double letters) for fuzzy comparison; `consonants(token)` drops vowels and
semi-vowels, to compare names written in an abjad with their Latin forms.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from anyascii import anyascii
from rapidfuzz.distance import Levenshtein

from corridor.screening._vocab import (
    HONORIFICS,
    LEGAL_FORMS,
    NUMBER_WORDS,
    ROMANISATION_GROUPS,
)

NAME_LENGTH_MAX = 1_000
TOKENS_MAX = 24

_CANONICAL: dict[str, str] = {
    variant: group[0] for group in ROMANISATION_GROUPS for variant in group
}
_LEGAL_BY_LENGTH: tuple[tuple[int, frozenset[tuple[str, ...]]], ...] = tuple(
    (n, forms)
    for n in range(max(map(len, LEGAL_FORMS)), 0, -1)
    if (forms := frozenset(form for form in LEGAL_FORMS if len(form) == n))
)
_LEGAL_LONG: tuple[tuple[str, ...], ...] = tuple(
    sorted((form for form in LEGAL_FORMS if len(form) >= 3), key=len, reverse=True)
)
_LEGAL_WORDS = frozenset(word for form in _LEGAL_LONG for word in form if len(word) >= 4)
_GLUED_SUFFIXES = ("corporation", "incorporated", "limited", "corp", "ltd", "llc", "gmbh", "jsc")
_APOSTROPHES = re.compile(r"['\u2018\u2019\u02bc\u02bb`\u00b4]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_SKELETON_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"dzh|dj"), "j"),
    (re.compile(r"kh"), "h"),
    (re.compile(r"ph"), "f"),
    (re.compile(r"ck|q|c(?=[aou])"), "k"),
    (re.compile(r"x"), "ks"),
    (re.compile(r"w"), "v"),
    (re.compile(r"ou|oo"), "u"),
    (re.compile(r"ee"), "i"),
    (re.compile(r"(?:iy|ij|ii|yi)$"), "y"),
    (re.compile(r"(.)\1+"), r"\1"),
)
_VOWELS = re.compile(r"[aeiouyw]")


def _is_abjad(char: str) -> bool:
    code = ord(char)
    return 0x0590 <= code <= 0x08FF or 0xFB1D <= code <= 0xFDFF or 0xFE70 <= code <= 0xFEFF


def _is_syllabic(char: str) -> bool:
    code = ord(char)
    return 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xAC00 <= code <= 0xD7A3


@dataclass(frozen=True, slots=True)
class NormalisedName:
    """A name ready for matching.

    Attributes:
        tokens: canonical tokens in the name's order.
        abjad: the name was written in Arabic or Hebrew script.
        legal_form: a legal-form phrase was removed (hints at an entity).
        raw: tokens as written (after transliteration), aligned with `tokens`.
        syllabic: the name was written in Han or Hangul (one token per syllable).
    """

    tokens: tuple[str, ...]
    abjad: bool = False
    legal_form: bool = False
    raw: tuple[str, ...] = ()
    syllabic: bool = False

    @property
    def joined(self) -> str:
        return "".join(self.tokens)


def _to_ascii(text: str) -> tuple[str, bool]:
    text = unicodedata.normalize("NFKC", text[:NAME_LENGTH_MAX])
    if text.isascii():
        return text.casefold(), False
    abjad = any(_is_abjad(c) for c in text)
    text = "".join(f" {anyascii(c)} " if _is_syllabic(c) else c for c in text)
    return anyascii(text).casefold(), abjad


def _near_legal_word(tokens: list[str], i: int) -> bool:
    """Token i or i + 1 is a word of a long legal form (one of the first two is spelt right
    in a phrase with a single misspelt word)."""
    return tokens[i] in _LEGAL_WORDS or (i + 1 < len(tokens) and tokens[i + 1] in _LEGAL_WORDS)


def _misspelt_phrase(tokens: list[str], i: int) -> int:
    """Length of a legal-form phrase of three or more words at i with one word misspelt by
    one letter (CLOSED JOONT STOCK COMPANY), or 0."""
    for form in _LEGAL_LONG:
        window = tokens[i : i + len(form)]
        if len(window) < len(form):
            continue
        wrong = [(seen, meant) for seen, meant in zip(window, form, strict=True) if seen != meant]
        if len(wrong) == 1 and len(wrong[0][1]) >= 4 and Levenshtein.distance(*wrong[0]) == 1:
            return len(form)
    return 0


def _unglue_legal_form(tokens: list[str]) -> list[str]:
    """A legal form written glued to the last word of a name of two or more words
    (HAPJANGGANG SHIPPINGCORP) is split off; a one-word name (Telecorp) is left whole."""
    if len(tokens) < 2:
        return tokens
    last = tokens[-1]
    for suffix in _GLUED_SUFFIXES:
        if last.endswith(suffix) and len(last) - len(suffix) >= 4:
            return [*tokens[:-1], last[: -len(suffix)], suffix]
    return tokens


def _strip_phrases(tokens: list[str]) -> tuple[list[str], bool]:
    kept: list[str] = []
    removed = False
    i = 0
    while i < len(tokens):
        for size, forms in _LEGAL_BY_LENGTH:
            if tuple(tokens[i : i + size]) in forms:
                i += size
                removed = True
                break
        else:
            if _near_legal_word(tokens, i) and (size := _misspelt_phrase(tokens, i)):
                i += size
                removed = True
                continue
            if tokens[i] not in HONORIFICS:
                kept.append(tokens[i])
            i += 1
    return kept, removed


_VARIANTS: dict[str, tuple[str, ...]] = {group[0]: group[1:] for group in ROMANISATION_GROUPS}


def group_variants(token: str) -> tuple[str, ...]:
    """The other spellings of a canonical token's romanisation group (or ())."""
    return _VARIANTS.get(token, ())


_LEET = str.maketrans("013457", "oieast")


def _unleet(token: str) -> str:
    """Digits used as letters inside a word (Ig0r Sech1n) become those letters."""
    if token.isalpha() or token.isdigit() or not any(c.isalpha() for c in token):
        return token
    return token.translate(_LEET)


def _join_acronyms(tokens: list[str]) -> list[str]:
    """Three or more single letters in a row (A.B.C.) are one token (abc)."""
    out: list[str] = []
    run: list[str] = []
    for token in [*tokens, ""]:
        if len(token) == 1 and token.isalpha():
            run.append(token)
            continue
        out.extend(["".join(run)] if len(run) >= 3 else run)
        run = []
        if token:
            out.append(token)
    return out


def canonical_token(token: str) -> str:
    """The canonical spelling of a token's romanisation group (or the token itself)."""
    token = NUMBER_WORDS.get(token, token)
    return _CANONICAL.get(token, token)


@lru_cache(maxsize=65_536)
def normalise_name(text: str) -> NormalisedName:
    """Tokens for matching; see the module docstring for the steps."""
    ascii_text, abjad = _to_ascii(text)
    raw = _NON_ALNUM.split(_APOSTROPHES.sub("", ascii_text))
    tokens = [t for t in raw if t][:TOKENS_MAX]
    tokens = _join_acronyms([_unleet(t) for t in tokens])
    kept, legal = _strip_phrases(_unglue_legal_form(tokens))
    if not kept:
        kept, legal = tokens, False
    pairs = dict(zip((canonical_token(t) for t in kept), kept, strict=True))
    syllabic = not text.isascii() and any(_is_syllabic(c) for c in text)
    return NormalisedName(tuple(pairs), abjad, legal, tuple(pairs.values()), syllabic)


@lru_cache(maxsize=262_144)
def skeleton(token: str) -> str:
    """Fold common spelling alternations, for fuzzy comparison and index keys."""
    for pattern, replacement in _SKELETON_RULES:
        token = pattern.sub(replacement, token)
    return token


@lru_cache(maxsize=262_144)
def consonants(token: str) -> str:
    """The consonant skeleton (abjad comparison): skeleton without vowels and w/y."""
    bare = _VOWELS.sub("", skeleton(token))
    return bare or token[:1]


@lru_cache(maxsize=262_144)
def token_forms(token: str, raw: str = "") -> tuple[str, ...]:
    """Spellings a token is compared and indexed by: itself, its group, skeletons."""
    spellings = [token, *([raw] if raw else []), *group_variants(token)]
    return tuple(dict.fromkeys([*spellings, *(skeleton(s) for s in spellings)]))


def suppression_key(text: str) -> str:
    """The normalised form a Suppression matches on."""
    return " ".join(sorted(normalise_name(text).tokens))
