"""Outbound: records to message bytes (AppHdr + Document in Corridor's envelope), signed.

Framing: `<Message xmlns="urn:corridor:xsd:message.01">` holding the head.001.001.02
AppHdr and the Document, UTF-8 with an XML declaration. `parse_message` reads it back
like any envelope. Every builder's output is checked against the schemas in the tests.
"""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from corridor.crypto.keys import PrivateKey
from corridor.iso20022._xml import Element
from corridor.iso20022.builders.other import build_header
from corridor.iso20022.envelope import CORRIDOR_ENVELOPE_NS
from corridor.iso20022.records import (
    Agent,
    Body,
    BusinessHeader,
    CancellationRequest,
    CashReport,
    CreditTransfer,
    FinancialInstitutionTransfer,
    PaymentReturn,
    PaymentStatusReport,
    RejectionNotice,
    ResolutionOfInvestigation,
)
from corridor.iso20022.registry import (
    HEADER_NAMESPACE_OUT,
    OUTBOUND_VERSION,
    MessageType,
    by_identifier,
)
from corridor.iso20022.signing import sign_apphdr

_FAMILY: dict[type, str] = {
    CreditTransfer: "pacs.008",
    FinancialInstitutionTransfer: "pacs.009",
    PaymentReturn: "pacs.004",
    CancellationRequest: "camt.056",
    ResolutionOfInvestigation: "camt.029",
    PaymentStatusReport: "pacs.002",
    RejectionNotice: "admi.002",
}


def message_type_for(body: Body) -> MessageType:
    """The version the hub writes for this record."""
    family = body.kind.value if isinstance(body, CashReport) else _FAMILY[type(body)]
    row = by_identifier(OUTBOUND_VERSION[family])
    if row is None or row.build is None:
        raise LookupError(f"no builder for {family}")
    return row


def build_document(body: Body) -> Element:
    row = message_type_for(body)
    assert row.build is not None
    return row.build(body, row.namespace)


def make_header(
    body: Body,
    from_agent: Agent,
    to_agent: Agent,
    created_at: datetime,
    biz_msg_id: str | None = None,
) -> BusinessHeader:
    """A head.001.001.02 header for `body` (BizMsgIdr defaults to the body's MsgId)."""
    return BusinessHeader(
        from_agent=from_agent,
        to_agent=to_agent,
        biz_msg_id=biz_msg_id or body.msg_id,
        msg_def_id=message_type_for(body).identifier,
        created_at=created_at,
        namespace=HEADER_NAMESPACE_OUT,
    )


def build_message_element(
    header: BusinessHeader, body: Body, key: PrivateKey | None = None
) -> Element:
    if header.msg_def_id != message_type_for(body).identifier:
        raise ValueError(f"header MsgDefIdr {header.msg_def_id!r} does not match the body")
    root = etree.Element(f"{{{CORRIDOR_ENVELOPE_NS}}}Message", nsmap={None: CORRIDOR_ENVELOPE_NS})
    apphdr = build_header(header)
    document = build_document(body)
    root.append(apphdr)
    root.append(document)
    if key is not None:
        sign_apphdr(apphdr, document, key)
    return root


def build_message(header: BusinessHeader, body: Body, key: PrivateKey | None = None) -> bytes:
    """The message as bytes: envelope + AppHdr (+ Sgntr when a key is given) + Document."""
    return etree.tostring(
        build_message_element(header, body, key), xml_declaration=True, encoding="UTF-8"
    )
