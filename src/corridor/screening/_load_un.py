"""UN Security Council Consolidated List (XML) -> WatchList. See FORMATS.md."""

from __future__ import annotations

from lxml import etree

from corridor.screening._load_common import (
    LIST_ENTRIES_MAX,
    ListFormatError,
    check_list_name,
    countries_of,
    local,
    parse_xml,
    unique,
    version_of,
    where,
)
from corridor.screening._records import EntryName, Identifier, ListEntry, WatchList

_NAME_PARTS = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")


def _text(element: etree._Element, tag: str) -> str:
    child = element.find(tag)
    return (child.text or "").strip() if child is not None else ""


def _texts(element: etree._Element, path: str) -> list[str]:
    return [(c.text or "").strip() for c in element.iterfind(path) if (c.text or "").strip()]


def _names(element: etree._Element, alias_tag: str) -> tuple[EntryName, ...]:
    primary = " ".join(p for p in (_text(element, t) for t in _NAME_PARTS) if p)
    if not primary:
        raise ListFormatError("entry has no FIRST_NAME", field=where(element), value="")
    names = [EntryName(primary, "primary")]
    for alias in element.iterfind(alias_tag):
        text = _text(alias, "ALIAS_NAME")
        if text:
            kind = "weak" if _text(alias, "QUALITY").lower() == "low" else "aka"
            names.append(EntryName(text, kind))
    original = _text(element, "NAME_ORIGINAL_SCRIPT")
    if original:
        names.append(EntryName(original, "original_script"))
    return tuple(dict.fromkeys(names))


def _dates(element: etree._Element) -> tuple[str, ...]:
    found: list[str] = []
    for item in element.iterfind("INDIVIDUAL_DATE_OF_BIRTH"):
        date, year = _text(item, "DATE"), _text(item, "YEAR")
        low, high = _text(item, "FROM_YEAR"), _text(item, "TO_YEAR")
        if date:
            found.append(date[:10])
        elif year:
            found.append(year)
        elif low and high:
            found.append(f"{low}..{high}")
    return unique(found)


def _documents(element: etree._Element) -> tuple[Identifier, ...]:
    docs = []
    for item in element.iterfind("INDIVIDUAL_DOCUMENT"):
        number = _text(item, "NUMBER")
        if number:
            kind = _text(item, "TYPE_OF_DOCUMENT").upper() or "DOCUMENT"
            country = countries_of([_text(item, "ISSUING_COUNTRY")])
            docs.append(
                Identifier(kind, number.upper().replace(" ", ""), country[0] if country else "")
            )
    return tuple(docs)


def _entry(element: etree._Element, person: bool) -> ListEntry:
    reference = _text(element, "REFERENCE_NUMBER")
    if not reference:
        raise ListFormatError("entry has no REFERENCE_NUMBER", field=where(element), value="")
    prefix = "INDIVIDUAL" if person else "ENTITY"
    countries = countries_of(
        [
            *_texts(element, "NATIONALITY/VALUE"),
            *_texts(element, f"{prefix}_ADDRESS/COUNTRY"),
            *_texts(element, "INDIVIDUAL_PLACE_OF_BIRTH/COUNTRY"),
        ]
    )
    addresses = unique(", ".join(_texts(a, "*")) for a in element.iterfind(f"{prefix}_ADDRESS"))
    return ListEntry(
        entry_id=f"un:{reference}",
        entity_type="person" if person else "entity",
        names=_names(element, f"{prefix}_ALIAS"),
        countries=countries,
        dates_of_birth=_dates(element) if person else (),
        identifiers=_documents(element) if person else (),
        addresses=addresses,
        programs=unique([_text(element, "UN_LIST_TYPE")]),
        remarks=_text(element, "COMMENTS1"),
    )


def load_un_xml(data: bytes, *, list_name: str = "un") -> WatchList:
    """Read the UN consolidated list. Raises ListFormatError naming the element."""
    check_list_name(list_name)
    root = parse_xml(data, "un_xml")
    if local(root.tag) != "CONSOLIDATED_LIST":
        raise ListFormatError(
            "root element must be CONSOLIDATED_LIST", field=where(root), value=local(root.tag)
        )
    entries: list[ListEntry] = []
    for group, person in (("INDIVIDUALS/INDIVIDUAL", True), ("ENTITIES/ENTITY", False)):
        for element in root.iterfind(group):
            entries.append(_entry(element, person))
            if len(entries) > LIST_ENTRIES_MAX:
                raise ListFormatError("too many entries", field=where(element), value=len(entries))
    if not entries:
        raise ListFormatError("no INDIVIDUAL or ENTITY element", field=where(root), value=0)
    _check_unique(entries)
    return WatchList(
        list_name, version_of(data), "un_xml", root.get("dateGenerated", ""), tuple(entries)
    )


def _check_unique(entries: list[ListEntry]) -> None:
    seen: set[str] = set()
    for entry in entries:
        if entry.entry_id in seen:
            raise ListFormatError(
                "duplicate REFERENCE_NUMBER", field="REFERENCE_NUMBER", value=entry.entry_id
            )
        seen.add(entry.entry_id)
