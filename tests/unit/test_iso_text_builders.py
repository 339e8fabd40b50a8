"""builders.text writes the same bytes as the element builders, or declines (None)."""

from __future__ import annotations

import random
import re
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from lxml import etree
from tests.support.xml import with_prefix

from corridor.crypto.keys import KeyKind, KeyRing, generate_private_key
from corridor.iso20022 import examples
from corridor.iso20022.builders.common import Writer
from corridor.iso20022.builders.credit import _group, relay_pacs008
from corridor.iso20022.builders.text import group_header_xml, header_xml, pacs002_xml
from corridor.iso20022.outbound import (
    _canonical_as_written,
    _holds_non_xml,
    build_message,
    build_message_element,
    build_relayed_transfer,
    make_header,
    relay_span,
)
from corridor.iso20022.pipeline import ParsedMessage, Policy, parse_message
from corridor.iso20022.records import (
    Agent,
    CreditTransfer,
    GroupHeader,
    OriginalRef,
    PaymentStatusReport,
    TransactionStatus,
)
from corridor.iso20022.schema import SchemaRegistry

AT = datetime(2026, 1, 5, 9, 30, 15, 123456, tzinfo=UTC)
HUB, BANK = Agent(bic="CRDRSGSG"), Agent(bic="DECCINBB")
NS_008 = "urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"
ORIGINAL = OriginalRef(msg_id="MSG-1", msg_name_id="pacs.008.001.08", created_at=AT)
TX = OriginalRef(end_to_end_id="E2E-1", tx_id="TX-1", uetr="8a562c67-ca16-48ba-b074-65581be6f011")


def _report(**changes: object) -> PaymentStatusReport:
    report = PaymentStatusReport(
        msg_id="S0001",
        created_at=AT,
        original=ORIGINAL,
        transactions=(TransactionStatus(original=TX, status="ACSC"),),
        group_status="ACSC",
        instructing_agent=HUB,
        instructed_agent=BANK,
    )
    return replace(report, **changes)  # type: ignore[arg-type]


REPORTS = {
    "settled": _report(),
    "rejected with text to escape": _report(
        transactions=(
            TransactionStatus(
                original=TX,
                status="RJCT",
                reason_code="AM04",
                additional_info=('ledger: <exceeds> "floor" & más\r\nnext',),
            ),
        ),
        group_status="RJCT",
        group_reason_code="AM04",
        group_additional_info=("a & b",),
    ),
    "part, long code, status id, original group": _report(
        transactions=(
            TransactionStatus(
                original=replace(TX, instruction_id="I-1", msg_id="M", msg_name_id="pacs.008"),
                status="PDNG",
                reason_code="PROPRIETARY",
                status_id="ST-1",
            ),
            TransactionStatus(original=TX, status="ACSC"),
        ),
        group_status="PART",
    ),
    "no original group": _report(
        original=OriginalRef(), group_status=None, transactions=(), instructed_agent=None
    ),
    "original without a creation time": _report(original=replace(ORIGINAL, created_at=None)),
}


def _header(body: PaymentStatusReport, **changes: object) -> object:
    return replace(make_header(body, HUB, BANK, AT), **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_status_reports_are_the_builders_bytes(name: str) -> None:
    body = REPORTS[name]
    key = generate_private_key()
    for header in (
        _header(body),
        _header(body, business_service="corridor", possible_duplicate=True, priority="HIGH"),
    ):
        built = etree.tostring(
            build_message_element(header, body, key),  # type: ignore[arg-type]
            xml_declaration=True,
            encoding="UTF-8",
        )
        assert build_message(header, body, key) == built  # type: ignore[arg-type]


def test_what_text_does_not_write_is_declined() -> None:
    named = Agent(bic="CRDRSGSG", name="Corridor hub")
    assert pacs002_xml(_report(instructing_agent=named), "ns") is None
    assert header_xml(make_header(_report(), named, BANK, AT)) is None
    group = GroupHeader("F1", AT, 1, "CLRG", clearing_system="TGT")
    assert group_header_xml(group, "TtlIntrBkSttlmAmt") is None
    # ... and the element builder still writes (or refuses) it as before.
    body = _report(instructing_agent=named)
    message = build_message(make_header(body, HUB, BANK, AT), body)
    assert b"<Nm>Corridor hub</Nm>" in message


@pytest.mark.parametrize(
    "group",
    [
        GroupHeader("F1", AT, 2, "CLRG", None, 12_345, "INR", date(2026, 1, 5), HUB, BANK),
        GroupHeader("F2", AT, 1, "CLRG", None, 5, "JPY", None, HUB, None),
        GroupHeader("F3", AT, 1, "INDA"),
    ],
)
def test_group_headers_are_the_builders_bytes(group: GroupHeader) -> None:
    w = Writer(NS_008)
    holder = w.root("Document")
    _group(w, holder, group, "TtlIntrBkSttlmAmt")
    text = group_header_xml(group, "TtlIntrBkSttlmAmt")
    assert text is not None
    parsed = etree.fromstring(f'<Document xmlns="{NS_008}">{text}</Document>')
    assert etree.tostring(parsed) == etree.tostring(holder)


def test_relayed_transfers_from_text_match_the_element_path() -> None:
    body = examples.credit_transfer(3)
    document = build_message_element(make_header(body, BANK, HUB, AT), body)[
        1
    ]  # the Document of a message as a bank sends it
    received = [etree.tostring(tx, with_tail=False) for tx in document[0][1:]]
    group = GroupHeader("F1", AT, 3, "CLRG", None, 3_000, "EUR", date(2026, 1, 5), HUB, BANK)
    key = generate_private_key()
    payload = build_relayed_transfer(HUB, BANK, group, received, key)
    elements = etree.fromstring(payload)
    built = relay_pacs008(group, received, NS_008, HUB, BANK)
    assert etree.tostring(elements[1]) == etree.tostring(built)


def _received_transactions(count: int) -> list[bytes]:
    body = examples.credit_transfer(count)
    document = build_message_element(make_header(body, BANK, HUB, AT), body)[1]
    return [etree.tostring(tx, with_tail=False) for tx in document[0][1:]]


def _drop_agents(tx: bytes) -> bytes:
    element = etree.fromstring(tx)
    for name in ("InstgAgt", "InstdAgt"):
        found = element.find(f"{{{NS_008}}}{name}")
        if found is not None:
            element.remove(found)
    return etree.tostring(element, with_tail=False)


def _pretty(tx: bytes) -> bytes:
    element = etree.fromstring(tx)
    etree.indent(element)
    return etree.tostring(element, with_tail=False)


def _with_intermediary(tx: bytes) -> bytes:
    """No agents of its own, an intermediary agent and an ultimate debtor after them."""
    element = etree.fromstring(_drop_agents(tx))
    debtor = element.find(f"{{{NS_008}}}Dbtr")
    assert debtor is not None
    for xml in (
        f'<IntrmyAgt1 xmlns="{NS_008}"><FinInstnId><BICFI>MIDLGB22</BICFI>'
        "</FinInstnId></IntrmyAgt1>",
        f'<UltmtDbtr xmlns="{NS_008}"><Nm>Parent Co</Nm></UltmtDbtr>',
    ):
        debtor.addprevious(etree.fromstring(xml))
    return etree.tostring(element, with_tail=False)


def _nested_agents_after_debtor(tx: bytes) -> bytes:
    """Agents named again inside a later element (as an xs:any envelope could hold)."""
    nested = b"<InstgAgt><FinInstnId><BICFI>ZZZZZZZZ</BICFI></FinInstnId></InstgAgt>"
    return tx.replace(b"<Dbtr>", b"<Dbtr>" + nested, 1) if b"<Dbtr>" in tx else tx


@pytest.mark.parametrize(
    ("shape", "instructing"),
    [
        (lambda tx: tx, HUB),  # the usual case: agents replaced as text
        (_drop_agents, HUB),  # no agents of its own: inserted where they belong
        (lambda tx: _pretty(_drop_agents(tx)), HUB),  # ... between indented elements
        (_with_intermediary, HUB),  # ... before the elements that follow them
        (_pretty, HUB),  # text after its own agents: the element path
        (_nested_agents_after_debtor, HUB),  # only the transaction's own agents change
        (lambda tx: tx, Agent(bic="CRDRSGSG", name="Corridor hub")),  # richer agent
    ],
)
def test_relayed_agents_are_the_element_paths_whatever_the_shape(
    shape: object, instructing: Agent
) -> None:
    received = [shape(tx) for tx in _received_transactions(3)]  # type: ignore[operator]
    group = GroupHeader("F1", AT, 3, "CLRG", None, 3_000, "EUR", date(2026, 1, 5), HUB, BANK)
    payload = build_relayed_transfer(instructing, BANK, group, received)
    built = relay_pacs008(group, received, NS_008, instructing, BANK)
    assert etree.tostring(etree.fromstring(payload)[1]) == etree.tostring(built)
    assert b"<InstgAgt><FinInstnId><BICFI>CRDRSGSG" in payload


def _with_text(tx: bytes, old: bytes, new: bytes) -> bytes:
    assert old in tx
    return tx.replace(old, new, 1)


_GROUP = GroupHeader("F1", AT, 3, "CLRG", None, 3_750_000, "EUR", date(2026, 1, 5), HUB, BANK)


@pytest.mark.parametrize(
    "shape",
    [
        lambda tx: tx,  # the usual case: the Document is neither parsed nor canonicalised
        _drop_agents,
        _with_intermediary,
        lambda tx: _pretty(_drop_agents(tx)),  # indentation: canonical as it is
        lambda tx: _with_text(tx, b"Invoice", b"Rechnung &amp; Invoice"),
        lambda tx: _with_text(tx, b"Invoice", b"Invoice &#13; line"),  # a CR: parsed
        lambda tx: _with_text(tx, b"Invoice", b"M&#252;ller"),  # non-ASCII: parsed
        lambda tx: _with_text(tx, b"<Dbtr>", b'<Dbtr xmlns:x="urn:x">'),  # parsed
    ],
)
def test_relayed_messages_signed_as_text_are_the_parsed_paths_bytes(
    shape: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from corridor.iso20022 import outbound

    key = generate_private_key()  # Ed25519: deterministic, so the bytes must be equal
    received = [shape(tx) for tx in _received_transactions(3)]  # type: ignore[operator]
    as_text = build_relayed_transfer(HUB, BANK, _GROUP, received, key)
    monkeypatch.setattr(outbound, "_relay_signed_as_text", lambda *args: None)
    parsed = build_relayed_transfer(HUB, BANK, _GROUP, received, key)
    assert as_text == parsed


def _parses(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """What outbound parses from text from now on."""
    from corridor.iso20022 import outbound

    parsed: list[bytes] = []
    parse = outbound._parse_message_text

    def recording(parts: str | bytes) -> object:
        parsed.append(parts.encode() if isinstance(parts, str) else parts)
        return parse(parts)

    monkeypatch.setattr(outbound, "_parse_message_text", recording)
    return parsed


def test_the_usual_relay_is_signed_without_parsing_anything(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parsed = _parses(monkeypatch)
    build_relayed_transfer(HUB, BANK, _GROUP, _received_transactions(3), generate_private_key())
    assert parsed == []


def test_the_usual_status_report_is_signed_without_parsing_anything(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parsed = _parses(monkeypatch)
    body = REPORTS["settled"]
    payload = build_message(_header(body), body, generate_private_key())  # type: ignore[arg-type]
    assert parsed == []
    unsigned = build_message(_header(body), body)  # type: ignore[arg-type]
    assert len(parsed) == 1 and unsigned.startswith(b"<?xml") and b"Sgntr" not in unsigned
    assert b"<Sgntr><ds:Signature" in payload


@pytest.mark.parametrize("kind", list(KeyKind))
def test_relayed_messages_signed_as_text_verify(kind: KeyKind) -> None:
    key = generate_private_key(kind)
    payload = build_relayed_transfer(HUB, BANK, _GROUP, _received_transactions(3), key)
    ring = KeyRing()
    ring.add(HUB.bic or "", key.public_key())
    result = parse_message(payload, Policy(schemas=SchemaRegistry.default(), keys=ring))
    assert isinstance(result, ParsedMessage), result
    assert result.header is not None and result.header.signed


@pytest.mark.parametrize("kind", list(KeyKind))
@pytest.mark.parametrize("name", sorted(REPORTS))
def test_status_reports_signed_as_text_verify(kind: KeyKind, name: str) -> None:
    key = generate_private_key(kind)
    body = REPORTS[name]
    payload = build_message(_header(body), body, key)  # type: ignore[arg-type]
    ring = KeyRing()
    ring.add(HUB.bic or "", key.public_key())
    result = parse_message(payload, Policy(schemas=SchemaRegistry.default(), keys=ring))
    assert isinstance(result, ParsedMessage), result
    assert result.header is not None and result.header.signed
    tampered = payload.replace(b"<BizMsgIdr>", b"<BizMsgIdr>X", 1)
    refused = parse_message(tampered, Policy(schemas=SchemaRegistry.default(), keys=ring))
    assert not isinstance(refused, ParsedMessage)


@pytest.mark.parametrize("bad", ["\x01", "\x1f", "\ufffe"])
def test_text_xml_cannot_hold_is_refused_as_before(bad: str) -> None:
    """Written as text nothing is parsed: such a character must not go out signed."""
    body = _report(group_additional_info=(f"odd {bad} text",))
    header = _header(body)
    with pytest.raises(ValueError, match="XML compatible"):
        build_message_element(header, body, generate_private_key())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="XML compatible"):
        build_message(header, body, generate_private_key())  # type: ignore[arg-type]


_NOT_XML_AS_A_PATTERN = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|\xef\xbf[\xbe\xbf]")
_PIECES = [bytes([b]) for b in range(0x100)] + [
    "\ufffe".encode(),
    "\uffff".encode(),
    "\ufffd".encode(),
    "é".encode(),
    b"<a>",
]


def test_the_scan_for_what_xml_cannot_hold_finds_what_the_pattern_finds() -> None:
    """outbound._holds_non_xml (byte operations) against the regular expression it
    replaced, on random strings of single bytes and the multi-byte sequences at stake."""
    rng = random.Random(20260105)
    for _ in range(20_000):
        text = b"".join(
            rng.choice(_PIECES) if rng.random() < 0.3 else b"x" for _ in range(rng.randint(0, 9))
        )
        assert _holds_non_xml(text) is bool(_NOT_XML_AS_A_PATTERN.search(text)), text


@pytest.mark.parametrize(
    ("document", "canonical"),
    [
        (b'<Document xmlns="urn:x"><A Ccy="EUR">1</A><B>t</B></Document>', True),
        (b'<Document xmlns="urn:x"><A>a=b</A></Document>', True),
        (b'<Document xmlns="urn:x"><A>a="b</A></Document>', False),
        (b'<Document xmlns="urn:x"><A Ccy="EUR" x="1">1</A></Document>', False),
        (b'<Document xmlns="urn:x"><A/></Document>', False),
        (b'<Document xmlns="urn:x"><A>&#13;</A></Document>', False),
        (b'<Document xmlns="urn:x"><A>&amp;&quot;</A></Document>', False),
        (b'<Document xmlns="urn:x"><A>&amp;&lt;</A></Document>', True),
        (b'<Document xmlns="urn:x"><A xmlns="urn:y">1</A></Document>', False),
        (b"<Document><A>xmlns</A></Document>", False),
    ],
)
def test_canonical_as_written_accepts_only_text_that_is_its_own_c14n(
    document: bytes, canonical: bool
) -> None:
    assert _canonical_as_written(document) is canonical


def _canonical_as_first_written(document: bytes) -> bool:
    """The test as it was first written (one scan per needle): the reference."""
    if b"&#" in document or b"/>" in document or b"&quot;" in document:
        return False
    if document.count(b"xmlns") != 1:
        return False
    return document.count(b'="') == document.count(b' Ccy="') + 1


def test_canonical_as_written_decides_as_the_reference_does() -> None:
    pieces = [b"&#", b"/>", b"&quot;", b"&amp;", b"xmlns", b'xmlns="', b'="', b' Ccy="', b"="]
    pieces += [b'"', b"a", b"<A>", b"</A>", b"&", b"/", b">"]
    rng = random.Random(20260106)
    for _ in range(20_000):
        text = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 8)))
        assert _canonical_as_written(text) is _canonical_as_first_written(text), text


# -- relayed messages joined from spans found at intake (outbound.relay_span) -----------


def _with_empty_element(tx: bytes) -> bytes:
    return re.sub(rb"<Ustrd>[^<]*</Ustrd>", b"<Ustrd/>", tx)


@pytest.mark.parametrize(
    ("shape", "joined"),
    [
        (lambda tx: tx, True),  # its own InstgAgt/InstdAgt: replaced
        (_drop_agents, True),  # none of its own: inserted before Dbtr
        (_with_intermediary, True),  # ... before IntrmyAgt1 and UltmtDbtr
        (lambda tx: _pretty(_drop_agents(tx)), True),  # indentation
        (_nested_agents_after_debtor, True),  # agents named again after Dbtr
        (lambda tx: _with_text(tx, b"Invoice", b"Rechnung &amp; Invoice"), True),
        (lambda tx: _with_text(tx, b"Invoice", b"a=b"), True),  # `=` in text, no `="`
        (lambda tx: _with_text(tx, b"Invoice", b"Invoice &#13; line"), False),
        (lambda tx: _with_text(tx, b"Invoice", b"M&#252;ller"), False),
        (lambda tx: _with_text(tx, b"Invoice", b"&#x2603; snow"), False),
        (lambda tx: _with_text(tx, b"Invoice", b'say a="b"'), False),
        (lambda tx: _with_text(tx, b"<Dbtr>", b'<Dbtr xmlns:x="urn:x">'), False),
        (lambda tx: _with_text(tx, b"<Dbtr>", b'<Dbtr Id="D1">'), False),  # not Ccy
        (_with_empty_element, False),  # `/>`
        (_pretty, False),  # text after its own agents
        (lambda tx: etree.tostring(with_prefix(etree.fromstring(tx), NS_008)), False),  # ns0:
    ],
)
def test_relayed_messages_joined_from_spans_are_todays_bytes(
    shape: object, joined: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With spans, a relay is the join of their pieces when every transaction has one;
    either way its bytes are those of the scanning and of the parsing paths."""
    from corridor.iso20022 import outbound

    key = generate_private_key()  # Ed25519: deterministic, so the bytes must be equal
    received = [shape(tx) for tx in _received_transactions(3)]  # type: ignore[operator]
    spans = [relay_span(tx) for tx in received]
    assert all(span is not None for span in spans) is joined
    with_spans = build_relayed_transfer(HUB, BANK, _GROUP, received, key, spans)
    assert with_spans == build_relayed_transfer(HUB, BANK, _GROUP, received, key)
    mixed = [None, *spans[1:]]  # one transaction without: all are scanned
    assert build_relayed_transfer(HUB, BANK, _GROUP, received, key, mixed) == with_spans
    with monkeypatch.context() as patched:  # the parsing path
        patched.setattr(outbound, "_relay_signed_as_text", lambda *args: None)
        patched.setattr(outbound, "_relay_joined", lambda *args: None)
        assert build_relayed_transfer(HUB, BANK, _GROUP, received, key, spans) == with_spans
    if joined:  # and the transactions are not scanned when relayed
        monkeypatch.setattr(outbound, "_with_agents", _not_called)
        assert build_relayed_transfer(HUB, BANK, _GROUP, received, key, spans) == with_spans


def _not_called(*args: object) -> None:
    raise AssertionError("scanned although every transaction has its span")


@pytest.mark.parametrize(
    "group",
    [
        replace(_GROUP, msg_id="F\r1"),  # written as &#13;: the frame is not its own c14n
        replace(_GROUP, instructing_agent=Agent(bic="CRDRSGSG", name="Corridor hub")),
    ],
)
def test_what_the_hub_writes_is_checked_when_joined(group: GroupHeader) -> None:
    key = generate_private_key()
    received = _received_transactions(2)
    spans = [relay_span(tx) for tx in received]
    assert None not in spans
    as_joined = build_relayed_transfer(HUB, BANK, group, received, key, spans)
    assert as_joined == build_relayed_transfer(HUB, BANK, group, received, key)
    rich = Agent(bic="CRDRSGSG", name="Corridor hub")  # agents not written as text
    assert build_relayed_transfer(rich, BANK, group, received, key, spans) == (
        build_relayed_transfer(rich, BANK, group, received, key)
    )


@pytest.mark.parametrize("kind", list(KeyKind))
def test_relayed_messages_joined_from_spans_verify(kind: KeyKind) -> None:
    key = generate_private_key(kind)
    received = _received_transactions(2) + [_drop_agents(tx) for tx in _received_transactions(2)]
    spans = [relay_span(tx) for tx in received]
    group = replace(_GROUP, number_of_transactions=4, total_amount_minor=5_000_000)
    payload = build_relayed_transfer(HUB, BANK, group, received, key, spans)
    ring = KeyRing()
    ring.add(HUB.bic or "", key.public_key())
    result = parse_message(payload, Policy(schemas=SchemaRegistry.default(), keys=ring))
    assert isinstance(result, ParsedMessage), result
    assert result.header is not None and result.header.signed
    assert isinstance(result.body, CreditTransfer) and len(result.body.transactions) == 4
    for tx in result.body.transactions:
        assert (tx.instructing_agent, tx.instructed_agent) == (HUB, BANK)


def test_a_span_of_another_text_is_refused() -> None:
    received = _received_transactions(2)
    spans = [relay_span(tx) for tx in received]
    other = etree.tostring(with_prefix(etree.fromstring(received[1]), NS_008))
    with pytest.raises(ValueError, match="relay span"):
        build_relayed_transfer(
            HUB, BANK, _GROUP, [received[0], other], generate_private_key(), spans
        )


_INSERTS = [b"&#", b"&quot;", b"&amp;", b"&", b"#", b"/>", b"/", b">", b"xmlns", b"="]
_INSERTS += [b'="', b' Ccy="', b'"', b"\x01", b"\x1f", "\ufffe".encode(), b"\xef\xbf"]
_INSERTS += [b"\xbf", "é".encode(), b"\r", b"<", b"<Dbtr", b"<InstgAgt>", b"</InstdAgt>"]


def test_spans_are_found_only_where_joining_checks_as_the_whole_document_does() -> None:
    """relay_span on transactions with random bytes put in anywhere: whenever it gives
    every one a span, the Document joined from them is one the scanning path signs as
    text (its whole-Document checks pass) and the bytes are the same."""
    from corridor.iso20022 import outbound

    key = generate_private_key()
    bases = _received_transactions(2) + [_drop_agents(tx) for tx in _received_transactions(2)]
    cut = len(f'<CdtTrfTxInf xmlns="{NS_008}">')
    seed = 20261206
    rng = random.Random(seed)
    joined = 0
    for attempt in range(3_000):
        received = [
            _inserted(rng, tx, cut) if rng.random() < 0.5 else tx for tx in rng.sample(bases, 3)
        ]
        spans = [relay_span(tx) for tx in received]
        if None in spans:
            continue
        joined += 1
        spliced = outbound._with_agents(received, HUB, BANK)
        assert spliced is not None, (seed, attempt)
        document = outbound._relay_document_text(_GROUP, spliced, NS_008)
        assert document is not None, (seed, attempt)
        assert _canonical_as_written(document) and not _holds_non_xml(document), (seed, attempt)
        as_joined = build_relayed_transfer(HUB, BANK, _GROUP, received, key, spans)
        assert as_joined == build_relayed_transfer(HUB, BANK, _GROUP, received, key), (
            seed,
            attempt,
        )
    assert 300 < joined < 2_900  # both outcomes were tried


def _inserted(rng: random.Random, tx: bytes, cut: int) -> bytes:
    for _ in range(rng.randint(1, 3)):
        at = rng.randint(cut, len(tx))
        tx = tx[:at] + rng.choice(_INSERTS) + tx[at:]
    return tx
