"""OFAC SDN / consolidated non-SDN legacy CSV set (sdn, add, alt, comments) -> WatchList.

Format: OFAC's dat_spec.txt (see FORMATS.md). No header; `-0-` is null; a lone 0x1A may
end a file. Facts that OFAC only publishes inside Remarks (weak a.k.a.s, DOB, nationality,
IMO, SWIFT/BIC) are extracted with patterns.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from corridor.screening._load_common import (
    LIST_ENTRIES_MAX,
    MONTHS,
    ListFormatError,
    check_list_name,
    check_size,
    countries_of,
    unique,
    version_of,
)
from corridor.screening._records import EntryName, Identifier, ListEntry, WatchList

_SDN_COLUMNS = 12
_TYPES = {"individual": "person", "vessel": "vessel", "aircraft": "aircraft", "": "entity"}
_WEAK_AKA = re.compile(r"a\.k\.a\.,?\s+'([^']+)'")
_DOB = re.compile(r"DOB (?:circa )?((?:\d{1,2} )?(?:[A-Z][a-z]{2} )?\d{4})(?: to (\d{4}))?")
_NATIONALITY = re.compile(r"(?:nationality|citizen) ([A-Z][A-Za-z ,.'()-]+?)(?:;|\.$|$)")
_IDENTIFIER = re.compile(r"(SWIFT/BIC|IMO|LEI|Passport|National ID No\.|MMSI) ([A-Z0-9-]{4,40})")


def _null(value: str) -> str:
    value = value.strip()
    return "" if value == "-0-" else value


def _rows(data: bytes | None, what: str, columns: int) -> Iterator[tuple[int, list[str]]]:
    if data is None:
        return
    check_size(data, what)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="strict")
    reader = csv.reader(io.StringIO(text.replace("\x1a", "")))
    for row in reader:
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != columns:
            raise ListFormatError(
                f"expected {columns} columns, found {len(row)}",
                field=f"{what}: line {reader.line_num}",
                value=row[:3],
            )
        if not row[0].strip().isdigit():
            raise ListFormatError(
                "ent_num must be an integer", field=f"{what}: line {reader.line_num}", value=row[0]
            )
        yield reader.line_num, [_null(v) for v in row]


@dataclass(slots=True)
class _Draft:
    ent_num: str
    name: str
    sdn_type: str
    programs: tuple[str, ...]
    remarks: str
    aliases: list[EntryName] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    address_countries: list[str] = field(default_factory=list)


def _dob(day_month_year: str, to_year: str | None) -> str:
    parts = day_month_year.split()
    if to_year:
        return f"{parts[-1]}..{to_year}"
    if len(parts) == 3 and parts[1] in MONTHS:
        return f"{parts[2]}-{MONTHS[parts[1]]:02d}-{int(parts[0]):02d}"
    if len(parts) == 2 and parts[0] in MONTHS:
        return f"{parts[1]}-{MONTHS[parts[0]]:02d}"
    return parts[-1]


def _entry(draft: _Draft, list_name: str) -> ListEntry:
    remarks = draft.remarks
    weak = [EntryName(m, "weak") for m in _WEAK_AKA.findall(remarks)]
    names = (EntryName(draft.name, "primary"), *draft.aliases, *weak)
    identifiers = tuple(
        Identifier({"SWIFT/BIC": "BIC", "National ID No.": "NATIONAL_ID"}.get(k, k.upper()), v)
        for k, v in _IDENTIFIER.findall(remarks)
    )
    return ListEntry(
        entry_id=f"{list_name}:{draft.ent_num}",
        entity_type=_TYPES.get(draft.sdn_type.lower(), "entity"),
        names=tuple(dict.fromkeys(names)),
        countries=countries_of([*_NATIONALITY.findall(remarks), *draft.address_countries]),
        dates_of_birth=unique(_dob(d, t) for d, t in _DOB.findall(remarks)),
        identifiers=identifiers,
        addresses=unique(draft.addresses),
        programs=unique(p.strip(" []") for p in draft.programs),
        remarks=remarks,
    )


def load_ofac_csv(
    sdn: bytes,
    add: bytes | None = None,
    alt: bytes | None = None,
    comments: bytes | None = None,
    *,
    list_name: str = "ofac_sdn",
) -> WatchList:
    """Read the OFAC legacy CSV set. Raises ListFormatError naming file and line."""
    check_list_name(list_name)
    drafts: dict[str, _Draft] = {}
    for line, row in _rows(sdn, "sdn.csv", _SDN_COLUMNS):
        if not row[1]:
            raise ListFormatError("SDN_Name is empty", field=f"sdn.csv: line {line}", value=row[0])
        if row[0] in drafts:
            raise ListFormatError("duplicate ent_num", field=f"sdn.csv: line {line}", value=row[0])
        drafts[row[0]] = _Draft(row[0], row[1], row[2], tuple(row[3].split("]")), row[11])
        if len(drafts) > LIST_ENTRIES_MAX:
            raise ListFormatError(
                "too many entries", field=f"sdn.csv: line {line}", value=len(drafts)
            )
    if not drafts:
        raise ListFormatError("no records", field="sdn.csv", value=0)
    _join_files(drafts, add, alt, comments)
    entries = tuple(_entry(d, list_name) for d in drafts.values())
    return WatchList(list_name, version_of(sdn, add, alt, comments), "ofac_csv", "", entries)


def _owner(drafts: dict[str, _Draft], row: list[str], what: str, line: int) -> _Draft:
    draft = drafts.get(row[0])
    if draft is None:
        raise ListFormatError("ent_num not in sdn.csv", field=f"{what}: line {line}", value=row[0])
    return draft


def _join_files(
    drafts: dict[str, _Draft], add: bytes | None, alt: bytes | None, comments: bytes | None
) -> None:
    for line, row in _rows(alt, "alt.csv", 5):
        if row[3]:
            kind = row[2].lower() if row[2].lower() in ("aka", "fka", "nka") else "aka"
            _owner(drafts, row, "alt.csv", line).aliases.append(EntryName(row[3], kind))
    for line, row in _rows(add, "add.csv", 6):
        draft = _owner(drafts, row, "add.csv", line)
        text = ", ".join(v for v in row[2:5] if v)
        if text:
            draft.addresses.append(text)
        if row[4]:
            draft.address_countries.append(row[4])
    for line, row in _rows(comments, "sdn_comments.csv", 2):
        draft = _owner(drafts, row, "sdn_comments.csv", line)
        draft.remarks = f"{draft.remarks}{row[1]}"
