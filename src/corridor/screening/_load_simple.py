"""A simple CSV for national or internal lists -> WatchList.

Header (required, this order not needed): `id,name,entity_type,aliases,countries,
dates_of_birth,identifiers`. Only `id` and `name` are required; multi-valued cells are
`;`-separated; identifiers are `KIND:VALUE` (e.g. `BIC:ABCDEFGH`).
"""

from __future__ import annotations

import csv
import io

from corridor.screening._load_common import (
    LIST_ENTRIES_MAX,
    ListFormatError,
    check_list_name,
    check_size,
    countries_of,
    unique,
    version_of,
)
from corridor.screening._records import ENTITY_TYPES, EntryName, Identifier, ListEntry, WatchList

REQUIRED_COLUMNS = ("id", "name")


def _split(cell: str | None) -> list[str]:
    return [v.strip() for v in (cell or "").split(";") if v.strip()]


def _row(line: int, row: dict[str, str], list_name: str) -> ListEntry:
    entry_id, name = (row.get("id") or "").strip(), (row.get("name") or "").strip()
    if not entry_id or not name:
        raise ListFormatError(
            "id and name are required", field=f"line {line}", value=entry_id or name
        )
    kind = (row.get("entity_type") or "unknown").strip().lower()
    if kind not in ENTITY_TYPES:
        raise ListFormatError(
            f"entity_type must be one of {ENTITY_TYPES}",
            field=f"line {line}: entity_type",
            value=kind,
        )
    identifiers = []
    for item in _split(row.get("identifiers")):
        label, sep, value = item.partition(":")
        if not sep or not value.strip():
            raise ListFormatError(
                "identifier must be KIND:VALUE", field=f"line {line}: identifiers", value=item
            )
        identifiers.append(Identifier(label.strip().upper(), value.strip().upper()))
    names = (EntryName(name), *(EntryName(a, "aka") for a in _split(row.get("aliases"))))
    return ListEntry(
        f"{list_name}:{entry_id}",
        kind,
        tuple(dict.fromkeys(names)),
        countries_of(_split(row.get("countries"))),
        unique(_split(row.get("dates_of_birth"))),
        tuple(identifiers),
    )


def load_simple_csv(data: bytes, *, list_name: str) -> WatchList:
    """Read the simple CSV. Raises ListFormatError naming the line."""
    check_list_name(list_name)
    check_size(data, "simple_csv")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ListFormatError("not UTF-8", field=f"byte {exc.start}", value=exc.reason) from exc
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise ListFormatError("header lacks required columns", field="line 1", value=missing)
    entries: dict[str, ListEntry] = {}
    for row in reader:
        entry = _row(reader.line_num, row, list_name)
        if entry.entry_id in entries:
            raise ListFormatError(
                "duplicate id", field=f"line {reader.line_num}", value=entry.entry_id
            )
        entries[entry.entry_id] = entry
        if len(entries) > LIST_ENTRIES_MAX:
            raise ListFormatError(
                "too many entries", field=f"line {reader.line_num}", value=len(entries)
            )
    if not entries:
        raise ListFormatError("no rows", field="line 2", value=0)
    return WatchList(list_name, version_of(data), "simple_csv", "", tuple(entries.values()))
