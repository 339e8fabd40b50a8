"""Find the AppHdr and the Document in a message, bare or inside a transport envelope.

Accepted shapes (the root element decides):
- a bare `Document` or a bare `AppHdr` (header-only, e.g. standalone head.001 samples);
- any wrapper element holding at most one AppHdr and at most one Document no deeper than
  `WRAPPER_DEPTH_MAX` levels: the Swift `Envelope` (urn:swift:xsd:envelope), the FedNow
  `FedNowIncoming`/`FedNowOutgoing` wrappers, `RequestPayload`, and Corridor's own
  `<Message xmlns="urn:corridor:xsd:message.01">` that every outbound message uses.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from corridor.iso20022._xml import ISO_NS_PREFIX, Element
from corridor.iso20022.reasons import Problem, Reason

CORRIDOR_ENVELOPE_NS = "urn:corridor:xsd:message.01"
WRAPPER_DEPTH_MAX = 4


@dataclass(frozen=True, slots=True)
class MessageParts:
    """The ISO 20022 parts of one message.

    Attributes:
        apphdr: the Business Application Header element, or None.
        document: the Document element, or None (header-only).
        envelope: the wrapper's namespace-qualified tag, or "" for a bare part.
    """

    apphdr: Element | None
    document: Element | None
    envelope: str


def namespace_of(el: Element) -> str:
    return etree.QName(el).namespace or ""


def _is_iso(el: Element, local: str) -> bool:
    qname = etree.QName(el)
    return qname.localname == local and (qname.namespace or "").startswith(ISO_NS_PREFIX)


def _unqualified(el: Element) -> Problem:
    return Problem(
        Reason.FF01,
        f"/{etree.QName(el).localname}",
        etree.QName(el).namespace,
        "element is not in an ISO 20022 namespace "
        f"({ISO_NS_PREFIX}...): check the xmlns declarations",
    )


def _search(root: Element) -> tuple[list[Element], list[Element], Problem | None]:
    headers: list[Element] = []
    documents: list[Element] = []
    level = [root]
    for _ in range(WRAPPER_DEPTH_MAX):
        nxt: list[Element] = []
        for el in level:
            for child in el.iterchildren(etree.Element):
                local = etree.QName(child).localname
                if local in ("AppHdr", "Document"):
                    if not _is_iso(child, local):
                        return headers, documents, _unqualified(child)
                    (headers if local == "AppHdr" else documents).append(child)
                else:
                    nxt.append(child)
        if headers or documents:
            break
        level = nxt
    return headers, documents, None


def locate_parts(root: Element) -> MessageParts | Problem:
    """The AppHdr and Document of a parsed message, or why they cannot be found."""
    local = etree.QName(root).localname
    if local in ("Document", "AppHdr"):
        if not _is_iso(root, local):
            return _unqualified(root)
        if local == "Document":
            return MessageParts(None, root, "")
        return MessageParts(root, None, "")
    headers, documents, problem = _search(root)
    if problem is not None:
        return problem
    if len(headers) > 1 or len(documents) > 1:
        return Problem(
            Reason.FF01,
            f"/{local}",
            None,
            "an envelope must hold at most one AppHdr and one Document",
        )
    if not headers and not documents:
        return Problem(
            Reason.FF01, f"/{local}", None, "no ISO 20022 AppHdr or Document found in the envelope"
        )
    return MessageParts(
        headers[0] if headers else None, documents[0] if documents else None, root.tag
    )
