"""Secure XML parsing: no DTD, no entities, no network, limits on size, depth and elements.

Checks, in order: size, UTF-8 (ISO 20022 messages are UTF-8; this also keeps the byte scan
for markup declarations honest), no `<!DOCTYPE`/`<!ENTITY` anywhere, well-formed under a
parser that loads no DTD, resolves no entity, never touches the network and drops
comments and processing instructions (so every child is an element); then the
parsed tree's element count and depth. libxml2's own limits (no `huge_tree`) stay on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from lxml import etree

from corridor.iso20022._xml import Element
from corridor.iso20022.reasons import Problem, Reason

_DECLARATION_RE = re.compile(rb"<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)", re.IGNORECASE)
_ENCODING_RE = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")


@dataclass(frozen=True, slots=True)
class ParseLimits:
    """Limits on one inbound message, checked before and right after parsing.

    Attributes:
        size_bytes_max: the largest message accepted (4 MiB holds ~1,000 transactions).
        depth_max: the deepest element nesting (ISO 20022 messages stay under ~20, plus
            a few for envelopes).
        element_count_max: the most elements in one message.
    """

    size_bytes_max: int = 4 * 1024 * 1024
    depth_max: int = 40
    element_count_max: int = 200_000

    def __post_init__(self) -> None:
        if not 0 < self.size_bytes_max <= 256 * 1024 * 1024:
            raise ValueError(f"size_bytes_max out of range: {self.size_bytes_max}")
        if not 4 <= self.depth_max <= 250:
            raise ValueError(f"depth_max out of range: {self.depth_max}")
        if not 1 <= self.element_count_max <= 10_000_000:
            raise ValueError(f"element_count_max out of range: {self.element_count_max}")


DEFAULT_LIMITS = ParseLimits()

_COUNT = etree.XPath("count(//*)")


@cache
def _parser() -> etree.XMLParser:
    """The one parser, made on first use (no work at import time)."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_pis=True,
        remove_comments=True,
        collect_ids=False,
    )


@cache  # depth_max is bounded by ParseLimits, so is this cache
def _depth_probe(depth_max: int) -> etree.XPath:
    return etree.XPath("boolean(/*" + "/*" * depth_max + ")")


def _pre_checks(data: bytes, limits: ParseLimits) -> Problem | None:
    if not isinstance(data, bytes | bytearray):
        return Problem(Reason.FF01, "/", None, "a message must be bytes")
    if len(data) > limits.size_bytes_max:
        return Problem(
            Reason.FF01,
            "/",
            str(len(data)),
            f"message of {len(data)} bytes exceeds size_bytes_max {limits.size_bytes_max}",
        )
    if not data.strip():
        return Problem(Reason.FF01, "/", None, "empty message")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return Problem(Reason.FF01, "/", None, "UTF-16 is not accepted: send UTF-8")
    declared = _ENCODING_RE.match(data[:200])
    if declared and declared.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
        return Problem(
            Reason.FF01,
            "/?xml/@encoding",
            declared.group(1).decode("ascii"),
            "only UTF-8 is accepted",
        )
    found = _DECLARATION_RE.search(data) if b"<!" in data else None
    if found:
        return Problem(
            Reason.FF01,
            "/",
            found.group(0).decode("ascii", "replace"),
            "DTDs and entity declarations are refused (XXE, entity expansion)",
        )
    return None


def secure_parse(data: bytes, limits: ParseLimits = DEFAULT_LIMITS) -> Element | Problem:
    """Parse one message safely; return its root element or the Problem that refused it."""
    problem = _pre_checks(data, limits)
    if problem is not None:
        return problem
    try:
        root = etree.fromstring(data if isinstance(data, bytes) else bytes(data), _parser())
    except etree.XMLSyntaxError as exc:
        return Problem(Reason.FF01, "/", None, f"not well-formed XML: {exc}"[:300])
    except (ValueError, MemoryError) as exc:
        return Problem(Reason.FF01, "/", None, f"cannot parse: {exc}"[:300])
    if root.getroottree().docinfo.internalDTD is not None:
        return Problem(Reason.FF01, "/", None, "DTDs are refused")
    return _tree_checks(root, limits)


def _tree_checks(root: Element, limits: ParseLimits) -> Element | Problem:
    count = int(_COUNT(root))
    if count > limits.element_count_max:
        return Problem(
            Reason.FF01,
            "/",
            str(count),
            f"{count} elements exceed element_count_max {limits.element_count_max}",
        )
    if _depth_probe(limits.depth_max)(root):
        return Problem(
            Reason.FF01, "/", None, f"elements nested deeper than depth_max {limits.depth_max}"
        )
    return root
