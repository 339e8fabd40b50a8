"""Turn lxml's schema error log into `SchemaIssue` values.

Each issue names where (an XPath of local names, from the validated element), the
offending value, and the rule broken. libxml2 reports where as an index path
("/*/*[2]/*[3]"); it is resolved back to the node to read names and values. The XSD's
content model (`ContentIndex`) tells a choice from a sequence and which elements repeat.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

XS = "{http://www.w3.org/2001/XMLSchema}"
ISSUES_MAX = 100
UNBOUNDED = 1 << 30

_FACET = re.compile(r"\[facet '(\w+)'\]")
_ATTRIBUTE = re.compile(r"^Element '[^']*', attribute '([^']+)'")
_STEP = re.compile(r"^(?P<name>[^\[]+)(?:\[(?P<index>[0-9]+)\])?$")
_CLARK = re.compile(r"\{[^{}]*[:/][^{}]*\}")


@dataclass(frozen=True, slots=True)
class SchemaIssue:
    """One way an element breaks its schema.

    Attributes:
        xpath: where, e.g. "/Document/FIToFICstmrCdtTrf/CdtTrfTxInf[1]/IntrBkSttlmAmt"
            ("/@Ccy" is appended for an attribute).
        value: the offending text or attribute value, when there is one.
        rule: a short rule name: a facet ("maxLength", "pattern", "enumeration",
            "totalDigits", ...), "type", "required", "order", "choice", "maxOccurs",
            "unexpected", "attribute", "content", "xsiType", "root", "namespace" or
            "schema".
        message: the validator's text, namespaces left out.
    """

    xpath: str
    value: str | None
    rule: str
    message: str


@dataclass(frozen=True, slots=True)
class _TypeModel:
    """A complex type as far as issue reporting needs it."""

    is_choice: bool
    children: dict[str, tuple[str, int]]  # element name -> (type name, maxOccurs)


class ContentIndex:
    """The global complex types and root elements of one XSD document (no includes)."""

    def __init__(self, xsd: etree._Element) -> None:
        self._types: dict[str, _TypeModel] = {}
        for node in xsd.iterfind(XS + "complexType"):
            self._types[str(node.get("name"))] = _type_model(node)
        self._roots = {
            str(e.get("name")): _local(e.get("type", "")) for e in xsd.iterfind(XS + "element")
        }

    def type_of(self, path: list[str]) -> str | None:
        """The complex type name of the element at `path` (local names from the root)."""
        type_name = self._roots.get(path[0]) if path else None
        for name in path[1:]:
            model = self._types.get(type_name or "")
            if model is None or name not in model.children:
                return None
            type_name = model.children[name][0]
        return type_name

    def model(self, type_name: str | None) -> _TypeModel | None:
        return self._types.get(type_name or "")


def _local(qname: str) -> str:
    return qname.rsplit(":", 1)[-1]


def _type_model(node: etree._Element) -> _TypeModel:
    children: dict[str, tuple[str, int]] = {}
    is_choice = False
    for group in node.iter(XS + "sequence", XS + "choice"):
        members = group.findall(XS + "element")
        is_choice = is_choice or (
            group.tag == XS + "choice" and len(members) == len(_elements(node))
        )
        for element in members:
            occurs = element.get("maxOccurs", "1")
            occurs_max = UNBOUNDED if occurs == "unbounded" else int(occurs)
            children[str(element.get("name"))] = (_local(element.get("type", "")), occurs_max)
    return _TypeModel(is_choice=is_choice, children=children)


def _elements(node: etree._Element) -> list[etree._Element]:
    return list(node.iter(XS + "element"))


def issues_from_log(
    root: etree._Element, entries: list[etree._LogEntry], index: ContentIndex | None
) -> list[SchemaIssue]:
    """Issues for the first ISSUES_MAX log entries of a validation of `root`."""
    return [_issue(root, entry, index) for entry in entries[:ISSUES_MAX]]


def _issue(root: etree._Element, entry: etree._LogEntry, index: ContentIndex | None) -> SchemaIssue:
    message = _CLARK.sub("", entry.message or "")
    node = resolve_path(root, entry.path or "")
    if node is None:
        return SchemaIssue(
            xpath=entry.path or "", value=None, rule=_rule(entry, None, None), message=message
        )
    xpath = readable_xpath(root, node, index)
    attribute = _ATTRIBUTE.match(entry.message or "")
    if attribute is not None:
        name = attribute.group(1)
        shown = _CLARK.sub("", name)
        return SchemaIssue(f"{xpath}/@{shown}", node.get(name), _rule(entry, None, None), message)
    value = node.text if _is_value_error(entry) else None
    return SchemaIssue(xpath, value, _rule(entry, node, index), message)


def _is_value_error(entry: etree._LogEntry) -> bool:
    text = entry.message or ""
    return "[facet '" in text or "is not a valid value" in text


def _rule(entry: etree._LogEntry, node: etree._Element | None, index: ContentIndex | None) -> str:
    text = entry.message or ""
    facet = _FACET.search(text)
    if facet is not None:
        return facet.group(1)
    if "is not a valid value" in text:
        return "type"
    if "xsi:type" in text:
        return "xsiType"
    if "Missing child element" in text or "is required but missing" in text:
        return "required"
    if "This element is not expected" in text:
        return _unexpected_rule(node, index)
    if "is not allowed" in text and "attribute" in text:
        return "attribute"
    if "No matching global declaration" in text:
        return "root"
    if "content" in text and ("not allowed" in text or "content type" in text):
        return "content"
    return "schema"


def _unexpected_rule(node: etree._Element | None, index: ContentIndex | None) -> str:
    parent = node.getparent() if node is not None else None
    if node is None or parent is None or index is None:
        return "order"
    model = index.model(index.type_of(_names_to(parent)))
    if model is None:
        return "order"
    name = etree.QName(node).localname
    if name not in model.children:
        return "unexpected"
    if model.is_choice:
        return "choice"
    siblings = sum(1 for c in parent.iterchildren(node.tag))
    return "maxOccurs" if siblings > model.children[name][1] else "order"


def _names_to(node: etree._Element) -> list[str]:
    names = [etree.QName(node).localname]
    names.extend(etree.QName(a).localname for a in node.iterancestors())
    return names[::-1]


def resolve_path(root: etree._Element, path: str) -> etree._Element | None:
    """The node named by libxml2's path ("/*/*[2]/h:Fr") below the validated `root`."""
    steps = path.split("/")[2:] if path.startswith("/") else []
    if not path.startswith("/"):
        return None
    node = root
    for step in steps:
        match = _STEP.match(step)
        if match is None:
            return None
        found = _child(node, match.group("name"), int(match.group("index") or 1))
        if found is None:
            return None
        node = found
    return node


def _child(node: etree._Element, name: str, position: int) -> etree._Element | None:
    count = 0
    for child in node.iterchildren(etree.Element):
        if name == "*" or _prefixed_name(child) == name:
            count += 1
            if count == position:
                return child
    return None


def _prefixed_name(node: etree._Element) -> str:
    local = etree.QName(node).localname
    return f"{node.prefix}:{local}" if node.prefix else local


def readable_xpath(root: etree._Element, node: etree._Element, index: ContentIndex | None) -> str:
    """ "/Document/FIToFICstmrCdtTrf/CdtTrfTxInf[1]/IntrBkSttlmAmt": local names from `root`,
    with a position where the element repeats or may repeat."""
    chain = [node]
    while chain[-1] is not root and chain[-1].getparent() is not None:
        chain.append(chain[-1].getparent())  # type: ignore[arg-type]
    chain.reverse()
    parts: list[str] = []
    names: list[str] = []
    for current in chain:
        local = etree.QName(current).localname
        step = local
        parent = current.getparent() if current is not root else None
        if parent is not None:
            same = list(parent.iterchildren(current.tag))
            if len(same) > 1 or _may_repeat(index, names, local):
                step = f"{local}[{same.index(current) + 1}]"
        names.append(local)
        parts.append(step)
    return "/" + "/".join(parts)


def _may_repeat(index: ContentIndex | None, parent_names: list[str], name: str) -> bool:
    if index is None:
        return False
    model = index.model(index.type_of(parent_names))
    return model is not None and model.children.get(name, ("", 1))[1] > 1
