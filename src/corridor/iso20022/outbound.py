"""Outbound: records to message bytes (AppHdr + Document in Corridor's envelope), signed.

Framing: `<Message xmlns="urn:corridor:xsd:message.01">` holding the head.001.001.02
AppHdr and the Document, UTF-8 with an XML declaration. `parse_message` reads it back
like any envelope. Every builder's output is checked against the schemas in the tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache

from lxml import etree

from corridor.crypto import xmldsig
from corridor.crypto.keys import PrivateKey
from corridor.iso20022._xml import Element
from corridor.iso20022.builders.credit import FRAGMENT_PARSER, relay_agents, relay_pacs008
from corridor.iso20022.builders.other import build_header
from corridor.iso20022.builders.text import agent_xml, group_header_xml, header_xml, pacs002_xml
from corridor.iso20022.envelope import CORRIDOR_ENVELOPE_NS
from corridor.iso20022.records import (
    Agent,
    Body,
    BusinessHeader,
    CancellationRequest,
    CashReport,
    CreditTransfer,
    FinancialInstitutionTransfer,
    GroupHeader,
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
    """The message as bytes: envelope + AppHdr (+ Sgntr when a key is given) + Document.

    Status reports of the usual shape are written as text and parsed once (builders.text:
    the same bytes, at a fraction of the cost); everything else is built element by
    element."""
    text = _status_report_text(header, body)
    if text is not None and key is not None:
        signed = signed_as_text(text[0], text[1].encode(), key)
        if signed is not None:
            return signed
    root = _parse_message_text(text[0] + text[1]) if text is not None else None
    if root is None:
        root = build_message_element(header, body, key)
    elif key is not None:
        sign_apphdr(root[0], root[1], key)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _status_report_text(header: BusinessHeader, body: Body) -> tuple[str, str] | None:
    """(AppHdr, Document) of a status report written as text, or None."""
    if not isinstance(body, PaymentStatusReport):
        return None
    row = message_type_for(body)
    if header.msg_def_id != row.identifier:
        return None  # build_message_element explains
    apphdr = header_xml(header)
    document = pacs002_xml(body, row.namespace) if apphdr is not None else None
    if apphdr is None or document is None:
        return None
    return apphdr, document


_APPHDR_CLOSE = "</AppHdr>"
# UTF-8 of what XML 1.0 cannot hold (control characters, U+FFFE, U+FFFF; Python cannot
# encode lone surrogates): text is written without a parser to refuse them.
_CONTROL_BYTES = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
_NON_CHARACTERS = (b"\xef\xbf\xbe", b"\xef\xbf\xbf")  # U+FFFE, U+FFFF


def _holds_non_xml(text: bytes) -> bool:
    """Whether `text` holds what XML 1.0 cannot (see _CONTROL_BYTES, _NON_CHARACTERS).

    Byte operations, not a regular expression: this scans every byte of every signed
    message (a 100-transaction pacs.008 is ~100 KB), and an alternation makes `re` try
    each position at ~30 ns a byte, where these take well under 2."""
    if len(text.translate(None, _CONTROL_BYTES)) != len(text):
        return True
    return not text.isascii() and any(c in text for c in _NON_CHARACTERS)


_EMPTY_SGNTR_CLOSE = b"<Sgntr></Sgntr></AppHdr>"
# What lxml writes before the root element (the other paths serialise with lxml).
_DECLARATION = etree.tostring(etree.Element("x"), xml_declaration=True, encoding="UTF-8").rsplit(
    b"<x", 1
)[0]


def signed_as_text(apphdr: str, document: bytes, key: PrivateKey) -> bytes | None:
    """The framed, signed message from an AppHdr as `builders.text.header_xml` writes it
    (no Sgntr yet) and a Document's text, with nothing parsed or canonicalised: when both
    are written in canonical form, each is its own c14n and what lxml would write back,
    and the signature goes in as text (`xmldsig.signature_xml`). None when either is not
    of that shape (the callers then parse). The bytes are the parsing path's (Ed25519
    signatures are deterministic)."""
    signing = _signing_header(apphdr)
    if signing is None or not _canonical_as_written(document) or _holds_non_xml(document):
        return None  # parsing would refuse it: the element path refuses it as before
    return _signed(signing, document, key)


def _signing_header(apphdr: str) -> tuple[bytes, bytes] | None:
    """(the AppHdr's text up to its end tag, the AppHdr as the enveloped-signature
    transform sees it) when `apphdr` is canonical as written and holds only what XML can;
    else None."""
    if not apphdr.endswith(_APPHDR_CLOSE):
        return None
    head = apphdr[: -len(_APPHDR_CLOSE)].encode()
    unsigned = head + _EMPTY_SGNTR_CLOSE
    if not _canonical_as_written(unsigned) or _holds_non_xml(head):
        return None
    return head, unsigned


def _signed(signing: tuple[bytes, bytes], document: bytes, key: PrivateKey) -> bytes:
    """The framed message: a checked AppHdr (`_signing_header`) signed with `key` over
    itself and `document` (already checked to be its own c14n), then the Document."""
    head, unsigned = signing
    assert unsigned.startswith(head), "the AppHdr as signed is the AppHdr as sent"
    assert document.startswith(b"<Document"), "a Document follows the AppHdr"
    signature = xmldsig.signature_xml(unsigned, document, key)
    return b"".join(
        (
            _DECLARATION,
            _ENVELOPE_OPEN,
            head,
            b"<Sgntr>",
            signature,
            b"</Sgntr></AppHdr>",
            document,
            _ENVELOPE_CLOSE,
        )
    )


def _parse_message_text(parts: str | bytes) -> Element | None:
    """The envelope around AppHdr + Document text, parsed; None if it does not parse
    (characters XML cannot hold: the element builders then refuse them as usual)."""
    text = parts.encode() if isinstance(parts, str) else parts
    try:
        return etree.fromstring(_ENVELOPE_OPEN + text + _ENVELOPE_CLOSE, FRAGMENT_PARSER)
    except etree.XMLSyntaxError:
        return None


_ENVELOPE_OPEN = f'<Message xmlns="{CORRIDOR_ENVELOPE_NS}">'.encode()
_ENVELOPE_CLOSE = b"</Message>"


RELAY_IDENTIFIER = OUTBOUND_VERSION["pacs.008"]


def build_relayed_transfer(
    from_agent: Agent,
    to_agent: Agent,
    group: GroupHeader,
    transactions_xml: Sequence[bytes],
    key: PrivateKey | None = None,
    spans: Sequence[tuple[int, int] | None] = (),
) -> bytes:
    """A pacs.008 (RELAY_IDENTIFIER) from `from_agent` to `to_agent` carrying received
    CdtTrfTxInf elements as they came (`ParsedMessage.transactions_xml` of messages of that
    version), the two agents as each one's InstgAgt and InstdAgt; framed and signed like
    `build_message`. `group` is the new message's GrpHdr.

    `spans`: each transaction's `relay_span`, worked out when it was received. When every
    transaction has one, the Document is joined from their pieces and only what is written
    here is checked (`_relay_joined`); else, or when that declines, each transaction is
    scanned here. The bytes are the same either way."""
    header = BusinessHeader(
        from_agent=from_agent,
        to_agent=to_agent,
        biz_msg_id=group.msg_id,
        msg_def_id=RELAY_IDENTIFIER,
        created_at=group.created_at,
        namespace=HEADER_NAMESPACE_OUT,
    )
    row = by_identifier(RELAY_IDENTIFIER)
    assert row is not None
    count = len(transactions_xml)
    if key is not None and count and len(spans) == count:
        joined = _relay_joined(header, group, transactions_xml, spans, key)
        if joined is not None:
            return joined
    spliced = _with_agents(transactions_xml, from_agent, to_agent)
    if spliced is not None and key is not None:
        payload = _relay_signed_as_text(header, group, spliced, row.namespace, key)
        if payload is not None:
            return payload
    root = _relay_from_text(header, group, spliced or transactions_xml, row.namespace)
    if root is None:
        root = etree.Element(
            f"{{{CORRIDOR_ENVELOPE_NS}}}Message", nsmap={None: CORRIDOR_ENVELOPE_NS}
        )
        root.append(build_header(header))
        root.append(relay_pacs008(group, transactions_xml, row.namespace, from_agent, to_agent))
    elif spliced is None:
        relay_agents(root[1][0], row.namespace, from_agent, to_agent, count)
    elif len(root[1][0]) != count + 1:  # the GrpHdr and the transactions
        raise ValueError(f"expected a GrpHdr and {count} {row.namespace} CdtTrfTxInf")
    if key is not None:
        sign_apphdr(root[0], root[1], key)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


_REPLACED = (b"<InstgAgt>", b"</InstgAgt><InstdAgt>", b"</InstdAgt>")
_AGENT_TAGS = (b"<InstgAgt", b"<InstdAgt")
# What may follow InstgAgt/InstdAgt in CdtTrfTxInf, up to Dbtr (mandatory), in order.
_FOLLOWING_TAGS = (b"<IntrmyAgt", b"<UltmtDbtr", b"<InitgPty")
_DEBTOR_TAG = b"<Dbtr"


def _with_agents(
    transactions_xml: Sequence[bytes], instructing: Agent, instructed: Agent
) -> list[bytes] | None:
    """The transactions with these agents as InstgAgt/InstdAgt, spliced in as text
    exactly where relay_agents puts them; or None when one of them is not of a shape
    this can do exactly as it does (then the elements are edited after parsing, at
    several times the cost).

    Why text is safe here: each transaction was serialised from a parsed, schema-valid
    pacs.008, so it holds no comments, processing instructions or CDATA (the secure
    parser drops them) and no raw `<` in text or attributes; and no element before Dbtr
    (mandatory, and after both agents in the schema's sequence) holds other content
    (no xs:any), so the first tags found before `<Dbtr` are the transaction's own."""
    replacement = _agents_text(instructing, instructed)
    if replacement is None:
        return None
    spliced = []
    for tx in transactions_xml:
        span = _agents_span(tx)
        if span is None:
            return None
        spliced.append(tx[: span[0]] + replacement + tx[span[1] :])
    return spliced


def _agents_span(tx: bytes) -> tuple[int, int] | None:
    """Where the relayed agents go in `tx` (see _with_agents): (start, end) of its own
    InstgAgt and InstdAgt, replaced; or (at, at) when it has neither, at the element that
    follows them (relay_agents puts them after the ones before); None when not of a shape
    that text can edit exactly."""
    debtor = tx.find(_DEBTOR_TAG)
    if debtor < 0:
        return None
    if any(tx.find(tag, 0, debtor) >= 0 for tag in _AGENT_TAGS):
        return _own_agents(tx, debtor)
    found = [tx.find(tag, 0, debtor) for tag in _FOLLOWING_TAGS]
    at = min([index for index in found if index >= 0], default=debtor)
    return at, at


def _agents_text(instructing: Agent, instructed: Agent) -> bytes | None:
    """`<InstgAgt>..</InstgAgt><InstdAgt>..</InstdAgt>` as relay_agents writes them, or
    None when builders.text does not write one of them."""
    agents = agent_xml("InstgAgt", instructing), agent_xml("InstdAgt", instructed)
    if agents[0] is None or agents[1] is None:
        return None
    return (agents[0] + agents[1]).encode()


def _own_agents(tx: bytes, debtor: int) -> tuple[int, int] | None:
    """Where `<InstgAgt>..</InstgAgt><InstdAgt>..</InstdAgt>` is, both present, adjacent
    and with no text after them (which relay_agents would drop with the elements)."""
    opening, between, closing = _REPLACED
    start = tx.find(opening, 0, debtor)
    middle = tx.find(between, start, debtor) if start >= 0 else -1
    end = tx.find(closing, middle + len(between), debtor) if middle >= 0 else -1
    if end < 0 or tx[end + len(closing) : end + len(closing) + 1] != b"<":
        return None
    return start, end + len(closing)


def _relay_signed_as_text(
    header: BusinessHeader,
    group: GroupHeader,
    transactions_xml: Sequence[bytes],
    ns: str,
    key: PrivateKey,
) -> bytes | None:
    """The signed relayed pacs.008 written and signed as text (`signed_as_text`); None
    when a part is not of that shape (then the whole message is parsed)."""
    apphdr = header_xml(header)
    document = _relay_document_text(group, transactions_xml, ns)
    if apphdr is None or document is None:
        return None
    return signed_as_text(apphdr, document, key)


_ATTRIBUTE_OPEN = b'="'
_NAMESPACE_OPEN = b'xmlns="'
_CURRENCY_ATTRIBUTE = b' Ccy="'


def _canonical_as_written(document: bytes) -> bool:
    """Whether this AppHdr or Document text (lxml's own serialisation of schema-valid
    elements, and builders.text, which writes the same) is exactly its exclusive c14n, and what
    lxml writes back after parsing it. What could differ is ruled out: character
    references (lxml writes them for CR and, in ASCII, for every non-ASCII character;
    c14n writes &#xD; or the character), empty-element tags (c14n writes start and end
    tags), any namespace declaration but the Document's own, and attributes other than
    Ccy (whose value is three capital letters: nothing to escape, one per element, so
    no order to sort).

    Each test scans the whole text (a bulk message's is ~100 KB), so the cheap ones
    come first: one byte is found with memchr, while a longer needle costs ~1 ns a byte.
    Attributes: when the `=` signs are the Ccy ones and one more, and `xmlns="` is there,
    the `="` are too (the other `="` count is needed only when text holds a `=`)."""
    if b"&" in document and (b"&#" in document or b"&quot;" in document):
        return False
    if b"/>" in document or document.count(b"xmlns") != 1:
        return False
    currencies = document.count(_CURRENCY_ATTRIBUTE)
    if document.count(b"=") == currencies + 1 and _NAMESPACE_OPEN in document:
        return True
    return document.count(_ATTRIBUTE_OPEN) == currencies + 1


def _relay_from_text(
    header: BusinessHeader, group: GroupHeader, transactions_xml: Sequence[bytes], ns: str
) -> Element | None:
    """The relayed pacs.008 parsed from text in one go (its InstgAgt/InstdAgt still the
    sender's), or None when a part is not of the plain shape builders.text writes."""
    apphdr = header_xml(header)
    document = _relay_document_text(group, transactions_xml, ns)
    if apphdr is None or document is None:
        return None
    return _parse_message_text(apphdr.encode() + document)


def _relay_document_text(
    group: GroupHeader, transactions_xml: Sequence[bytes], ns: str
) -> bytes | None:
    """The relayed Document as text: the hub's GrpHdr and the received transactions; None
    when a part is not of the plain shape builders.text writes.

    Each received transaction was serialised with its own default namespace declaration
    (the Document's namespace); it is dropped so that the copy sits in the Document's,
    exactly as when the element is moved into a built Document."""
    group_xml = group_header_xml(group, "TtlIntrBkSttlmAmt")
    declared = f'<CdtTrfTxInf xmlns="{ns}">'.encode()
    if group_xml is None or not all(tx.startswith(declared) for tx in transactions_xml):
        return None
    cut = len(declared)
    return (
        f'<Document xmlns="{ns}"><FIToFICstmrCdtTrf>{group_xml}'.encode()
        + b"".join(b"<CdtTrfTxInf>" + tx[cut:] for tx in transactions_xml)
        + b"</FIToFICstmrCdtTrf></Document>"
    )


@cache  # once per process, when first relayed (nothing at import time)
def _relay_namespace() -> tuple[str, bytes]:
    """RELAY_IDENTIFIER's namespace, and how a received transaction of that version
    starts (`ParsedMessage.transactions_xml`: its own default namespace declaration)."""
    row = by_identifier(RELAY_IDENTIFIER)
    assert row is not None, "the relayed version is in the registry"
    return row.namespace, f'<CdtTrfTxInf xmlns="{row.namespace}">'.encode()


_TRANSACTION_OPEN = b"<CdtTrfTxInf>"
_RELAY_DOCUMENT_CLOSE = b"</FIToFICstmrCdtTrf></Document>"


def relay_span(tx: bytes) -> tuple[int, int] | None:
    """Where the relayed agents go in a received transaction of RELAY_IDENTIFIER
    (`ParsedMessage.transactions_xml`), worked out once when it is received (intake), so
    that relaying it is a join (`build_relayed_transfer`'s `spans`). (start, end): the
    relayed message holds the text between the transaction's namespace declaration and
    `start`, the agents, then the text from `end` on (its own agents were start:end;
    start == end when it had none): exactly _with_agents's splice. None when it is not of
    the shape for that: it is then scanned when relayed, as before.

    Why the pieces can be checked alone, here: _canonical_as_written and _holds_non_xml
    find or count byte patterns (`&#`, `&quot;`, `/>`, `xmlns`, `=`, `="`, ` Ccy="` and
    the non-characters), none of which holds a `<` or holds a `>` but last. Every piece
    of the relayed Document starts with `<` (checked here for the text from `end`) but a
    transaction's first, which follows the `>` of `<CdtTrfTxInf>`; so no pattern
    straddles two pieces, and the Document's counts are the sums of its pieces'. Pieces
    that hold none of the refused patterns and no attribute but Ccy (`_joins_as_written`)
    leave the answer for the whole Document to the parts the hub writes, which
    `_relay_joined` checks once per message. The transaction's text after its declaration
    is checked whole (one scan): when it passes, so do the two pieces cut from it (both
    cuts are before a `<`), and its own agents, dropped, only make it stricter."""
    declared = _relay_namespace()[1]
    if not tx.startswith(declared):
        return None
    span = _agents_span(tx)
    if span is None or span[0] < len(declared) or not tx.startswith(b"<", span[1]):
        return None
    if not _joins_as_written(tx[len(declared) :]):  # so are its pieces: split before a `<`
        return None
    return span


def _joins_as_written(piece: bytes) -> bool:
    """Whether `piece` may be joined into a Document without changing what
    _canonical_as_written and _holds_non_xml answer for it (see relay_span): none of what
    the first refuses anywhere, no namespace declaration, and each `="` a Ccy's."""
    if b"&" in piece and (b"&#" in piece or b"&quot;" in piece):  # memchr first
        return False
    if b"/>" in piece or b"xmlns" in piece:
        return False
    currencies = piece.count(_CURRENCY_ATTRIBUTE)
    if piece.count(b"=") != currencies and piece.count(_ATTRIBUTE_OPEN) != currencies:
        return False
    return not _holds_non_xml(piece)


def _relay_joined(
    header: BusinessHeader,
    group: GroupHeader,
    transactions_xml: Sequence[bytes],
    spans: Sequence[tuple[int, int] | None],
    key: PrivateKey,
) -> bytes | None:
    """The signed relayed pacs.008 joined from the transactions' pieces (relay_span): the
    bytes of _relay_signed_as_text, with only the parts written here checked, once per
    message (the AppHdr; the Document around the transactions, as a Document of its own;
    the agents, as a piece). None when one of those is not of that shape or a transaction
    has no span: the caller then scans every transaction."""
    ns, declared = _relay_namespace()
    apphdr = header_xml(header)
    signing = _signing_header(apphdr) if apphdr is not None else None
    group_xml = group_header_xml(group, "TtlIntrBkSttlmAmt")
    agents = _agents_text(header.from_agent, header.to_agent)
    if signing is None or group_xml is None or agents is None:
        return None
    opening = f'<Document xmlns="{ns}"><FIToFICstmrCdtTrf>{group_xml}'.encode()
    frame = opening + _RELAY_DOCUMENT_CLOSE
    if not _canonical_as_written(frame) or _holds_non_xml(frame):
        return None
    if not _joins_as_written(agents):
        return None
    cut = len(declared)
    parts = [opening]
    for tx, span in zip(transactions_xml, spans, strict=True):
        if span is None:
            return None
        start, end = span
        if not tx.startswith(declared):  # relay_span found it there: not this text's span
            raise ValueError(f"a relay span for a transaction not in {ns}")
        parts += (_TRANSACTION_OPEN, tx[cut:start], agents, tx[end:])
    parts.append(_RELAY_DOCUMENT_CLOSE)
    return _signed(signing, b"".join(parts), key)
