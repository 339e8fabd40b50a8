"""The schema plan: an XSD content model as plain records, written out by `_xsd_writer`.

A plan is what Corridor knows about one ISO 20022 message version. It is built from
the pyiso20022 models (`_models.py`) and only ever turned into XSD text; lxml compiles it.

Attributes of the records follow XML Schema words: a complex type is a `sequence`, a
`choice` or `simple` content; a particle is an element or a wildcard with its occurrences.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ContentKind = Literal["sequence", "choice", "simple"]

OCCURS_UNBOUNDED: int = -1


@dataclass(frozen=True, slots=True)
class SimpleTypeSpec:
    """A restriction of a built-in XSD type.

    Attributes:
        base: the XSD built-in, e.g. "xs:string", "xs:decimal".
        facets: (facet name, value) pairs in a fixed order, e.g. ("maxLength", "35").
        enumeration: allowed literals (empty: no enumeration facet).
        name: a global type name (enumerations and simple-content bases), "" for anonymous.
    """

    base: str
    facets: tuple[tuple[str, str], ...] = ()
    enumeration: tuple[str, ...] = ()
    name: str = ""


@dataclass(frozen=True, slots=True)
class ParticleSpec:
    """One element (or wildcard) inside a sequence or a choice.

    Attributes:
        name: the element's local name; "" for a wildcard (`xs:any`).
        complex_type: the global complex type name, or "" for a simple type.
        simple_type: the simple type, or None for a complex type or a wildcard.
        occurs_min: minOccurs.
        occurs_max: maxOccurs, OCCURS_UNBOUNDED for "unbounded".
        wildcard_namespace: the `namespace` of a wildcard.
        process_contents: the `processContents` of a wildcard.
    """

    name: str
    complex_type: str = ""
    simple_type: SimpleTypeSpec | None = None
    occurs_min: int = 1
    occurs_max: int = 1
    wildcard_namespace: str = ""
    process_contents: str = ""


@dataclass(frozen=True, slots=True)
class AttributeSpec:
    """An attribute of a simple-content type (in ISO 20022: the `Ccy` of amounts)."""

    name: str
    simple_type: SimpleTypeSpec
    required: bool


@dataclass(frozen=True, slots=True)
class ComplexTypeSpec:
    """A global complex type.

    Attributes:
        name: the ISO 20022 type name, e.g. "GroupHeader93".
        kind: "sequence", "choice" or "simple" (simple content with attributes).
        particles: children in document order (empty for simple content).
        attributes: attributes (simple content only).
        value: the simple type of the text (simple content only).
    """

    name: str
    kind: ContentKind
    particles: tuple[ParticleSpec, ...] = ()
    attributes: tuple[AttributeSpec, ...] = ()
    value: SimpleTypeSpec | None = None


@dataclass(frozen=True, slots=True)
class SchemaSpec:
    """Everything needed to write one message version's XSD.

    Attributes:
        namespace: the target namespace, e.g. "urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08".
        root_element: "Document" or "AppHdr".
        root_type: the complex type of the root element.
        complex_types: every complex type reachable from the root, sorted by name.
        simple_types: every named simple type (enumerations, simple-content bases), by name.
    """

    namespace: str
    root_element: str
    root_type: str
    complex_types: tuple[ComplexTypeSpec, ...]
    simple_types: tuple[SimpleTypeSpec, ...]
