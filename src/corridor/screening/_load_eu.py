"""EU Financial Sanctions Files (FSF) XML 1.1 -> WatchList. See FORMATS.md."""

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

_TYPES = {"person": "person", "enterprise": "entity", "P": "person", "E": "entity"}


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in element if isinstance(c.tag, str) and local(c.tag) == name]


def _alias_name(alias: etree._Element) -> str:
    whole = (alias.get("wholeName") or "").strip()
    if whole:
        return whole
    parts = (alias.get(k, "").strip() for k in ("firstName", "middleName", "lastName"))
    return " ".join(p for p in parts if p)


def _names(element: etree._Element) -> tuple[EntryName, ...]:
    names: list[EntryName] = []
    for alias in _children(element, "nameAlias"):
        text = _alias_name(alias)
        if text:
            strong = alias.get("strong", "true").lower() != "false"
            kind = "primary" if not names else ("aka" if strong else "weak")
            names.append(EntryName(text, kind))
    if not names:
        raise ListFormatError(
            "sanctionEntity has no nameAlias with a name",
            field=where(element),
            value=element.get("logicalId"),
        )
    return tuple(dict.fromkeys(names))


def _dates(element: etree._Element) -> tuple[str, ...]:
    found = []
    for item in _children(element, "birthdate"):
        full, year = item.get("birthdate", ""), item.get("year", "")
        if full:
            found.append(full[:10])
        elif year:
            found.append(year)
    return unique(found)


def _entry(element: etree._Element, list_name: str) -> ListEntry:
    logical_id = element.get("logicalId", "").strip()
    if not logical_id:
        raise ListFormatError("sanctionEntity without logicalId", field=where(element), value="")
    subject = _children(element, "subjectType")
    code = subject[0].get("code", "") if subject else ""
    countries = countries_of(
        [
            *(c.get("countryIso2Code", "") for c in _children(element, "citizenship")),
            *(c.get("countryIso2Code", "") for c in _children(element, "address")),
            *(c.get("countryIso2Code", "") for c in _children(element, "birthdate")),
        ]
    )
    identifiers = tuple(
        Identifier(
            i.get("identificationTypeCode", "id").upper(),
            i.get("number", "").upper().replace(" ", ""),
            i.get("countryIso2Code", ""),
        )
        for i in _children(element, "identification")
        if i.get("number")
    )
    addresses = unique(
        ", ".join(
            v
            for v in (a.get("street", ""), a.get("city", ""), a.get("countryDescription", ""))
            if v
        )
        for a in _children(element, "address")
    )
    programmes = unique(r.get("programme", "") for r in _children(element, "regulation"))
    remarks = " ".join((r.text or "").strip() for r in _children(element, "remark"))
    return ListEntry(
        f"{list_name}:{logical_id}",
        _TYPES.get(code, "unknown"),
        _names(element),
        countries,
        _dates(element),
        identifiers,
        addresses,
        programmes,
        remarks,
    )


def load_eu_xml(data: bytes, *, list_name: str = "eu") -> WatchList:
    """Read the EU FSF XML. Raises ListFormatError naming the element."""
    check_list_name(list_name)
    root = parse_xml(data, "eu_xml")
    if local(root.tag) != "export":
        raise ListFormatError(
            "root element must be export", field=where(root), value=local(root.tag)
        )
    entries = []
    for element in _children(root, "sanctionEntity"):
        entries.append(_entry(element, list_name))
        if len(entries) > LIST_ENTRIES_MAX:
            raise ListFormatError("too many entries", field=where(element), value=len(entries))
    if not entries:
        raise ListFormatError("no sanctionEntity element", field=where(root), value=0)
    return WatchList(
        list_name, version_of(data), "eu_xml", root.get("generationDate", ""), tuple(entries)
    )
