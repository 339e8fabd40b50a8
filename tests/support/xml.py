"""XML helpers for tests."""

from __future__ import annotations

from lxml import etree


def with_prefix(element: etree._Element, ns: str) -> etree._Element:
    """The same element, every name in namespace `ns` under the prefix ns0 instead of the
    default: the same XML to a parser, other text to a byte-level splice."""
    copy = etree.Element(f"{{{ns}}}{etree.QName(element).localname}", nsmap={"ns0": ns})
    copy.text = element.text
    for child in element:
        copy.append(with_prefix(child, ns))
    for name, value in element.attrib.items():
        copy.set(name, value)
    return copy
