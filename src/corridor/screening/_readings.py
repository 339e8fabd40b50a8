"""Other readings of a name written in Han characters (Chinese, Korean Hanja, Japanese Kanji).

anyascii reads every Han character in Mandarin (金正恩 -> jin zheng en), but the same
characters name Koreans and Japanese people too, who are listed under their own readings
(Kim Jong Un, Tanaka Hanako). A name written in Han is therefore also screened under:

* its Sino-Korean reading, in Hangul (金正恩 -> 김정은, 금정은): per-character readings from
  the libhangul Hanja table shipped with `pyhanja` (MIT; table BSD); a character with
  several readings (金: 금 / 김, the surname) gives several variants, at most
  `KOREAN_VARIANTS_MAX`;
* its Japanese reading, in Hepburn romaji (田中花子 -> Tanaka Hanako), from the UniDic
  morphological dictionary (`unidic-lite`, BSD) through `cutlet` (MIT). Long vowels are
  written plainly (Tarou -> Taro), as on passports and sanctions lists.

A reading that cannot read every character is left out rather than half-read. Both
dictionaries load once per process, when the first Screener is built
(`load_reading_tables`, ~0.2 s), so that no screened name waits for them.
"""

from __future__ import annotations

import importlib.util
import itertools
import re
from functools import cache, lru_cache
from pathlib import Path

import cutlet
from anyascii import anyascii

KOREAN_VARIANTS_MAX = 4
_ANYASCII_BLOCKS = 0x300  # up to U+2FFFF: every script, CJK extensions included

_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")
_JAPANESE_LONG_VOWELS = re.compile(r"(?<=[a-z])(ou|oo|uu)")


def has_han(text: str) -> bool:
    """The text holds at least one Han character."""
    return not text.isascii() and _HAN.search(text) is not None


def _is_han(char: str) -> bool:
    return _HAN.match(char) is not None


def _hanja_table_path() -> Path:
    """pyhanja's data file, found without importing pyhanja (its import-time code uses a
    deprecated importlib API, and only the table is needed here)."""
    spec = importlib.util.find_spec("pyhanja")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("pyhanja is not installed: reinstall corridor's dependencies")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "hanja.txt"


@cache
def _hanja_table() -> dict[str, tuple[str, ...]]:
    """Han character -> its Sino-Korean readings (Hangul syllables), most common first."""
    readings: dict[str, list[str]] = {}
    text = _hanja_table_path().read_text(encoding="utf-8")
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        hangul, _, rest = line.partition(":")
        hanja = rest.partition(":")[0]
        if len(hangul) == 1 and len(hanja) == 1:
            found = readings.setdefault(hanja, [])
            if hangul not in found:
                found.append(hangul)
    return {hanja: tuple(found) for hanja, found in readings.items()}


def korean_readings(text: str) -> tuple[str, ...]:
    """Sino-Korean readings of the text in Hangul (non-Han characters kept as written)."""
    table = _hanja_table()
    choices: list[tuple[str, ...]] = []
    for char in text:
        if not _is_han(char):
            choices.append((char,))
        elif char in table:
            choices.append(table[char])
        else:
            return ()  # a character the table cannot read: no half-read variant
    variants = itertools.islice(itertools.product(*choices), KOREAN_VARIANTS_MAX)
    return tuple("".join(parts) for parts in variants)


@cache
def _romaji_reader() -> cutlet.Cutlet:
    reader = cutlet.Cutlet()
    reader.use_foreign_spelling = False
    return reader


def japanese_reading(text: str) -> str:
    """Hepburn romaji of the text's Japanese reading, or "" when a character is unreadable."""
    romaji: str = _romaji_reader().romaji(text)
    if "?" in romaji or not romaji.strip():
        return ""
    return _JAPANESE_LONG_VOWELS.sub(lambda m: m.group(1)[0], romaji.casefold())


@cache
def load_reading_tables() -> None:
    """Load the transliteration tables now (~0.3 s, once per process) rather than when the
    first name of a script arrives, whose screening would otherwise wait for them: the
    Hanja table, UniDic, and anyascii's per-block tables (it reads a block's file the
    first time it meets a character of that block)."""
    _hanja_table()
    _romaji_reader()
    for block in range(_ANYASCII_BLOCKS):
        anyascii(chr(block << 8 | 0x80))


@lru_cache(maxsize=4_096)
def han_readings(text: str) -> tuple[str, ...]:
    """Readings to screen besides the text itself (empty when it has no Han character)."""
    if not has_han(text):
        return ()
    readings = [*korean_readings(text), japanese_reading(text)]
    return tuple(r for r in dict.fromkeys(readings) if r and r != text)
