"""OFAC classic SDN XML (`sdn.xml`, `cons.xml`) -> WatchList. See FORMATS.md."""

from __future__ import annotations

from lxml import etree

from corridor.screening._load_common import (
    LIST_ENTRIES_MAX,
    MONTHS,
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

_TYPES = {"individual": "person", "entity": "entity", "vessel": "vessel", "aircraft": "aircraft"}


def _child(element: etree._Element, name: str) -> etree._Element | None:
    for child in element:
        if isinstance(child.tag, str) and local(child.tag) == name:
            return child
    return None


def _text(element: etree._Element | None, name: str) -> str:
    child = _child(element, name) if element is not None else None
    return (child.text or "").strip() if child is not None else ""


def _items(element: etree._Element, list_name: str) -> list[etree._Element]:
    holder = _child(element, list_name)
    return [c for c in holder if isinstance(c.tag, str)] if holder is not None else []


def _full_name(element: etree._Element) -> str:
    last, first = _text(element, "lastName"), _text(element, "firstName")
    return f"{last}, {first}" if last and first else (last or first)


def _entry(element: etree._Element, list_name: str) -> ListEntry:
    uid = _text(element, "uid")
    name = _full_name(element)
    if not uid.isdigit() or not name:
        raise ListFormatError(
            "sdnEntry needs a numeric uid and a lastName", field=where(element), value=uid or name
        )
    names = [EntryName(name, "primary")]
    for aka in _items(element, "akaList"):
        text = _full_name(aka)
        if text:
            weak = _text(aka, "category").lower() == "weak"
            names.append(EntryName(text, "weak" if weak else "aka"))
    identifiers = tuple(
        Identifier(
            _text(i, "idType").upper().replace("SWIFT/BIC", "BIC"),
            _text(i, "idNumber").upper().replace(" ", ""),
            "",
        )
        for i in _items(element, "idList")
        if _text(i, "idNumber")
    )
    dates = unique(_text(d, "dateOfBirth") for d in _items(element, "dateOfBirthList"))
    countries = countries_of(
        [
            *(_text(n, "country") for n in _items(element, "nationalityList")),
            *(_text(n, "country") for n in _items(element, "citizenshipList")),
            *(_text(a, "country") for a in _items(element, "addressList")),
        ]
    )
    addresses = unique(
        ", ".join(
            v
            for v in (
                _text(a, k) for k in ("address1", "address2", "city", "postalCode", "country")
            )
            if v
        )
        for a in _items(element, "addressList")
    )
    return ListEntry(
        f"{list_name}:{uid}",
        _TYPES.get(_text(element, "sdnType").lower(), "entity"),
        tuple(dict.fromkeys(names)),
        countries,
        tuple(_iso_date(d) for d in dates),
        identifiers,
        addresses,
        unique((p.text or "") for p in _items(element, "programList")),
        _text(element, "remarks"),
    )


def _iso_date(text: str) -> str:
    parts = text.split()
    if len(parts) == 3 and parts[1] in MONTHS:
        return f"{parts[2]}-{MONTHS[parts[1]]:02d}-{int(parts[0]):02d}"
    return parts[-1] if parts else text


def load_ofac_xml(data: bytes, *, list_name: str = "ofac_sdn") -> WatchList:
    """Read the OFAC classic XML. Raises ListFormatError naming the element."""
    check_list_name(list_name)
    root = parse_xml(data, "ofac_xml")
    if local(root.tag) != "sdnList":
        raise ListFormatError(
            "root element must be sdnList", field=where(root), value=local(root.tag)
        )
    entries = []
    for element in root:
        if isinstance(element.tag, str) and local(element.tag) == "sdnEntry":
            entries.append(_entry(element, list_name))
            if len(entries) > LIST_ENTRIES_MAX:
                raise ListFormatError("too many entries", field=where(element), value=len(entries))
    if not entries:
        raise ListFormatError("no sdnEntry element", field=where(root), value=0)
    published = _text(_child(root, "publshInformation"), "Publish_Date")
    return WatchList(list_name, version_of(data), "ofac_xml", published, tuple(entries))
