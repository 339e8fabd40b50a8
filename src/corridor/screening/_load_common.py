"""What every list loader shares: the error, secure XML parsing, version hashes."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from lxml import etree

from corridor.foundation.errors import InputError
from corridor.screening._countries import country_code

LIST_BYTES_MAX = 256 * 1024 * 1024
LIST_ENTRIES_MAX = 200_000
LIST_NAME_LENGTH_MAX = 64
MONTHS: dict[str, int] = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
"""English month abbreviations (as OFAC writes dates, "12 Mar 1960") to month numbers."""


class ListFormatError(InputError):
    """A watch-list file that cannot be loaded; `field` names the line or element."""


def version_of(*parts: bytes | None) -> str:
    """sha256 hex over the parts in order (a missing part counts as empty, marked)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part if part is not None else b"\x00none").digest())
    return digest.hexdigest() if len(parts) > 1 else hashlib.sha256(parts[0] or b"").hexdigest()


def check_size(data: bytes, what: str) -> None:
    if len(data) > LIST_BYTES_MAX:
        raise ListFormatError(
            f"file larger than {LIST_BYTES_MAX} bytes", field=what, value=len(data)
        )
    if not data.strip():
        raise ListFormatError("file is empty", field=what, value=0)


def check_list_name(list_name: str) -> None:
    if (
        not list_name
        or len(list_name) > LIST_NAME_LENGTH_MAX
        or not list_name.replace("_", "").replace("-", "").isalnum()
    ):
        raise ListFormatError(
            "list name must be 1-64 letters, digits, - or _", field="list_name", value=list_name
        )


def parse_xml(data: bytes, what: str) -> etree._Element:
    """Parse untrusted XML: no DTD, no entities, no network."""
    check_size(data, what)
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=True,
        remove_comments=True,
    )
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise ListFormatError(
            f"not well-formed XML: {exc.msg}", field=f"{what}: line {exc.lineno}", value=exc.msg
        ) from exc
    if root is None:
        raise ListFormatError("no root element", field=what, value=None)
    return root


def local(tag: object) -> str:
    """Element tag without its namespace."""
    text = str(tag)
    return text.rsplit("}", 1)[-1]


def where(element: etree._Element) -> str:
    """`line N <TAG>` for error messages."""
    return f"line {element.sourceline} <{local(element.tag)}>"


def countries_of(texts: Iterable[str]) -> tuple[str, ...]:
    codes = (country_code(t) for t in texts if t and t.strip())
    return tuple(dict.fromkeys(c for c in codes if c))


def unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in values if v and v.strip()))
