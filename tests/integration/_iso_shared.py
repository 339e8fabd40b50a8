"""Test helpers for the ISO 20022 schema tests: ../shared location, official XSDs, samples.

The official XSDs in ../shared are the oracle of these tests only; Corridor never reads them.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from lxml import etree

XS = "{http://www.w3.org/2001/XMLSchema}"
ISO_NAMESPACE_PREFIX = "urn:iso:std:iso:20022:tech:xsd:"


def shared_dir() -> Path:
    """../shared next to the repository, or $CORRIDOR_SHARED_DIR."""
    default = Path(__file__).resolve().parents[2] / ".." / "shared"
    return Path(os.environ.get("CORRIDOR_SHARED_DIR", str(default))).resolve()


def iso_dir_or_skip() -> Path:
    iso = shared_dir() / "iso20022"
    if not (iso / "xsd").is_dir() or not (iso / "samples").is_dir():
        pytest.skip(f"shared ISO 20022 material absent at {iso} (CI provides ../shared)")
    return iso


def secure_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=False,
    )


@cache
def official_schema(message_id: str) -> etree.XMLSchema:
    """The official XSD of one message version, compiled with lxml: the oracle."""
    path = iso_dir_or_skip() / "xsd" / f"{message_id}.xsd"
    return etree.XMLSchema(etree.parse(str(path), secure_parser()))


def official_message_ids() -> list[str]:
    return sorted(p.stem for p in (iso_dir_or_skip() / "xsd").glob("*.xsd"))


@dataclass(frozen=True, slots=True)
class Sample:
    """One manifest entry: the file, its ISO parts and the official verdict."""

    file: str
    parts: tuple[str, ...]
    xsd_valid: bool


def manifest() -> list[Sample]:
    data = json.loads((iso_dir_or_skip() / "samples" / "manifest.json").read_text("utf-8"))
    return [Sample(e["file"], tuple(e["parts"]), bool(e["xsd_valid"])) for e in data]


def iso_parts(root: etree._Element) -> list[etree._Element]:
    """The outermost elements in an ISO 20022 namespace (AppHdr, Document), in document order."""
    found: list[etree._Element] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if etree.QName(node).namespace and str(etree.QName(node).namespace).startswith(
            ISO_NAMESPACE_PREFIX
        ):
            found.append(node)
            continue
        stack.extend(reversed([c for c in node if isinstance(c.tag, str)]))
    return found


def part_label(element: etree._Element) -> str:
    qname = etree.QName(element)
    return f"{qname.localname}:{str(qname.namespace)[len(ISO_NAMESPACE_PREFIX) :]}"


# --- structural comparison of two ISO-style XSDs -------------------------------------------


def _facets(restriction: etree._Element) -> tuple[tuple[str, str], ...]:
    return tuple(
        sorted(
            (etree.QName(f).localname, f.get("value", ""))
            for f in restriction
            if isinstance(f.tag, str) and etree.QName(f).localname != "annotation"
        )
    )


class SchemaShape:
    """An XSD document reduced to its content model, for comparing two schemas."""

    def __init__(self, document: etree._ElementTree | etree._Element) -> None:
        root = document.getroot() if isinstance(document, etree._ElementTree) else document
        self.root = root
        self.simple = {s.get("name"): s for s in root.iterfind(XS + "simpleType")}
        self.complex = {c.get("name"): c for c in root.iterfind(XS + "complexType")}
        (element,) = root.iterfind(XS + "element")
        self.root_element = (element.get("name"), self._local(element.get("type", "")))

    @staticmethod
    def _local(qname: str) -> str:
        return qname.rsplit(":", maxsplit=1)[-1]

    def simple_shape(self, node: etree._Element) -> tuple[str, tuple[tuple[str, str], ...]]:
        restriction = node.find(XS + "restriction")
        assert restriction is not None
        base = restriction.get("base", "")
        inherited: tuple[tuple[str, str], ...] = ()
        if not base.startswith("xs:"):
            base, inherited = self.simple_shape(self.simple[self._local(base)])
        return base, tuple(sorted(inherited + _facets(restriction)))

    def element_type(self, element: etree._Element) -> object:
        type_name = element.get("type")
        if type_name is None:
            simple = element.find(XS + "simpleType")
            assert simple is not None
            return ("simple", *self.simple_shape(simple))
        local = self._local(type_name)
        if local in self.complex:
            return ("complex", local)
        if type_name.startswith("xs:"):
            return ("simple", type_name, ())
        return ("simple", *self.simple_shape(self.simple[local]))

    def type_shape(self, name: str) -> tuple[object, ...]:
        node = self.complex[name]
        content = [
            c for c in node if isinstance(c.tag, str) and etree.QName(c).localname != "annotation"
        ]
        (group,) = content
        if etree.QName(group).localname == "simpleContent":
            extension = group[0]
            base = self._local(extension.get("base", ""))
            attributes = tuple(
                sorted(
                    (a.get("name"), a.get("use", "optional"), self.element_type(a))
                    for a in extension.iterfind(XS + "attribute")
                )
            )
            return ("simple", self.simple_shape(self.simple[base]), attributes)
        if (
            etree.QName(group).localname == "sequence"
            and len(group) == 1
            and group[0].tag == XS + "choice"
        ):
            group = group[0]
        particles = []
        for p in group:
            if not isinstance(p.tag, str):
                continue
            occurs = (p.get("minOccurs", "1"), p.get("maxOccurs", "1"))
            if p.tag == XS + "any":
                particles.append(("any", p.get("namespace"), p.get("processContents"), occurs))
            else:
                particles.append((p.get("name"), self.element_type(p), occurs))
        return (etree.QName(group).localname, tuple(particles))

    def reachable(self) -> dict[str, tuple[object, ...]]:
        shapes: dict[str, tuple[object, ...]] = {}
        todo = [self.root_element[1]]
        while todo:
            name = todo.pop()
            if name in shapes:
                continue
            shapes[name] = self.type_shape(name)
            todo.extend(_complex_refs(shapes[name]))
        return shapes


def _complex_refs(shape: tuple[object, ...]) -> list[str]:
    if shape[0] == "simple":
        return []
    refs = []
    for particle in shape[1]:  # type: ignore[union-attr]
        kind = particle[1]
        if isinstance(kind, tuple) and kind[0] == "complex":
            refs.append(kind[1])
    return refs


def shape_differences(official: SchemaShape, ours: SchemaShape) -> list[str]:
    """Human-readable differences between two schemas' content models (empty: equivalent)."""
    diffs: list[str] = []
    if official.root_element != ours.root_element:
        diffs.append(f"root {official.root_element} != {ours.root_element}")
    if official.root.get("targetNamespace") != ours.root.get("targetNamespace"):
        diffs.append("targetNamespace differs")
    theirs, mine = official.reachable(), ours.reachable()
    for name in sorted(set(theirs) | set(mine)):
        if theirs.get(name) != mine.get(name):
            diffs.append(f"{name}:\n  official {theirs.get(name)}\n  ours     {mine.get(name)}")
    return diffs
