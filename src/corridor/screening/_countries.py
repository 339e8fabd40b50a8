"""Country names and codes to ISO 3166 alpha-2 (pycountry data), cached."""

from __future__ import annotations

import re
from functools import lru_cache

import pycountry

_PARENS = re.compile(r"\s*\(.*?\)\s*")
_ALIASES: dict[str, str] = {
    "russia": "RU",
    "iran": "IR",
    "syria": "SY",
    "north korea": "KP",
    "south korea": "KR",
    "korea, north": "KP",
    "korea, south": "KR",
    "dprk": "KP",
    "burma": "MM",
    "laos": "LA",
    "vietnam": "VN",
    "tanzania": "TZ",
    "bolivia": "BO",
    "venezuela": "VE",
    "moldova": "MD",
    "palestine": "PS",
    "west bank": "PS",
    "gaza": "PS",
    "kosovo": "XK",
    "uk": "GB",
    "united kingdom": "GB",
    "usa": "US",
    "united states": "US",
    "congo, democratic republic of the": "CD",
    "democratic republic of the congo": "CD",
    "turkey": "TR",
    "turkiye": "TR",
    "ivory coast": "CI",
    "cote d'ivoire": "CI",
    "czech republic": "CZ",
    "macedonia": "MK",
    "brunei": "BN",
    "cape verde": "CV",
    "swaziland": "SZ",
    "micronesia": "FM",
    "china": "CN",
    "taiwan": "TW",
    "vatican": "VA",
    "sudan": "SD",
    "south sudan": "SS",
}
TEXT_LENGTH_MAX = 200


@lru_cache(maxsize=4_096)
def country_code(text: str) -> str:
    """ISO alpha-2 for a country name or code, or "" when unknown (never raises)."""
    cleaned = " ".join(text[:TEXT_LENGTH_MAX].replace(".", "").split()).strip()
    if not cleaned or cleaned == "00":
        return ""
    if len(cleaned) == 2 and cleaned.isalpha():
        found = pycountry.countries.get(alpha_2=cleaned.upper())
        return found.alpha_2 if found else ""
    lowered = cleaned.casefold()
    if lowered in _ALIASES:
        return _ALIASES[lowered]
    for candidate in (cleaned, _PARENS.sub(" ", cleaned).strip()):
        try:
            return str(pycountry.countries.lookup(candidate).alpha_2)
        except LookupError:
            continue
    stripped = _PARENS.sub(" ", cleaned).strip().casefold()
    return _ALIASES.get(stripped, "")
