"""builders.text writes the same bytes as the element builders, or declines (None)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from lxml import etree

from corridor.crypto.keys import generate_private_key
from corridor.iso20022 import examples
from corridor.iso20022.builders.common import Writer
from corridor.iso20022.builders.credit import _group, relay_pacs008
from corridor.iso20022.builders.text import group_header_xml, header_xml, pacs002_xml
from corridor.iso20022.outbound import (
    build_message,
    build_message_element,
    build_relayed_transfer,
    make_header,
)
from corridor.iso20022.records import (
    Agent,
    GroupHeader,
    OriginalRef,
    PaymentStatusReport,
    TransactionStatus,
)

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
