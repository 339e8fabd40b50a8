"""Business rules: each failure names its XPath, value and ISO reason code."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

from corridor.iso20022.examples import AT, DEBTOR_BANK, HUB, credit_transfer
from corridor.iso20022.guards import MemoryDuplicateGuard, MemoryReplayGuard
from corridor.iso20022.outbound import build_message, make_header
from corridor.iso20022.pipeline import MessageReject, ParsedMessage, Policy, parse_message
from corridor.iso20022.reasons import REASON_NAMES, REASON_TABLE, Reason
from corridor.iso20022.records import Agent, Direction, Party
from corridor.iso20022.rules import check_body, lei_valid
from corridor.iso20022.schema import SchemaRegistry

SCHEMAS = SchemaRegistry.default()


def _tx(**changes: object):
    body = credit_transfer(1)
    return dataclasses.replace(
        body, transactions=(dataclasses.replace(body.transactions[0], **changes),)
    )


def _reasons(body) -> list[Reason]:
    return [p.reason for p in check_body(body)]


def test_valid_example_has_no_problems() -> None:
    assert check_body(credit_transfer(3)) == []


def test_bad_bic_is_rc01_with_xpath_and_value() -> None:
    problems = check_body(_tx(debtor_agent=Agent(bic="DEUTXXFF")))
    assert [p.reason for p in problems] == [Reason.RC01]
    assert problems[0].xpath.endswith("DbtrAgt/FinInstnId/BICFI")
    assert problems[0].value == "DEUTXXFF"


def test_lei_check_digits() -> None:
    assert lei_valid("529900T8BM49AURSDO55")
    assert not lei_valid("529900T8BM49AURSDO56")
    body = _tx(debtor=Party(name="X", lei="529900T8BM49AURSDO56"))
    assert _reasons(body) == [Reason.BE15]


def test_iban_check_digits_ac01() -> None:
    from corridor.iso20022.records import Account

    assert _reasons(_tx(debtor_account=Account(iban="DE89370400440532013001"))) == [Reason.AC01]


def test_uetr_must_be_v4() -> None:
    assert _reasons(_tx(uetr="eb6305c9-1f7f-19de-aed0-16487c27b42d")) == [Reason.CH16]


def test_zero_and_too_large_amounts() -> None:
    body = _tx(amount_minor=0)
    body = dataclasses.replace(body, group=dataclasses.replace(body.group, total_amount_minor=0))
    assert Reason.AM01 in _reasons(body)
    assert Reason.AM02 in _reasons(_tx(instructed_amount_minor=10**19))


def test_total_and_count_mismatch() -> None:
    body = credit_transfer(2)
    wrong_total = dataclasses.replace(
        body, group=dataclasses.replace(body.group, total_amount_minor=1)
    )
    assert _reasons(wrong_total) == [Reason.AM10]
    wrong_count = dataclasses.replace(
        body, group=dataclasses.replace(body.group, number_of_transactions=3)
    )
    assert _reasons(wrong_count) == [Reason.AM18]


def test_settlement_method_not_accepted_is_ch16() -> None:
    body = credit_transfer(1)
    cove = dataclasses.replace(
        body, group=dataclasses.replace(body.group, settlement_method="COVE")
    )
    assert _reasons(cove) == [Reason.CH16]


def test_settlement_date_before_creation_is_dt01() -> None:
    assert _reasons(_tx(settlement_date=date(2025, 12, 1))) == [Reason.DT01]


def test_settlement_dates_out_of_range_name_their_group_or_transaction() -> None:
    body = credit_transfer(3)
    created = body.group.created_at.date()
    txs = list(body.transactions)
    txs[1] = dataclasses.replace(txs[1], settlement_date=created - timedelta(days=2))
    txs[2] = dataclasses.replace(txs[2], settlement_date=created + timedelta(days=31))
    group = dataclasses.replace(body.group, settlement_date=created + timedelta(days=40))
    problems = check_body(dataclasses.replace(body, group=group, transactions=tuple(txs)))
    base = "/Document/FIToFICstmrCdtTrf"
    ahead, before = (
        "settlement date more than 30 days ahead",
        "settlement date before creation date",
    )
    assert [(p.reason, p.xpath, p.message) for p in problems] == [
        (Reason.DT01, f"{base}/GrpHdr/IntrBkSttlmDt", ahead),
        (Reason.DT01, f"{base}/CdtTrfTxInf[2]/IntrBkSttlmDt", before),
        (Reason.DT01, f"{base}/CdtTrfTxInf[3]/IntrBkSttlmDt", ahead),
    ]
    assert problems[1].value == (created - timedelta(days=2)).isoformat()


def test_creation_time_checked_against_now() -> None:
    body = credit_transfer(1)
    assert [p.reason for p in check_body(body, now=AT + timedelta(days=3))] == [Reason.DT01]
    assert check_body(body, now=AT + timedelta(minutes=1)) == []


def _message(body=None, msg_id_hdr: str | None = None) -> bytes:
    body = body or credit_transfer(1)
    return build_message(make_header(body, DEBTOR_BANK, HUB, AT, msg_id_hdr), body)


def test_duplicate_msg_id_per_sender_is_dupl() -> None:
    policy = Policy(schemas=SCHEMAS, duplicates=MemoryDuplicateGuard())
    assert isinstance(parse_message(_message(), policy), ParsedMessage)
    second = parse_message(_message(msg_id_hdr="OTHER-HDR"), policy)
    assert isinstance(second, MessageReject)
    assert second.reason is Reason.DUPL


def test_replayed_header_is_dupl() -> None:
    now = AT + timedelta(seconds=5)
    policy = Policy(schemas=SCHEMAS, replays=MemoryReplayGuard(), now=now)
    assert isinstance(parse_message(_message(), policy), ParsedMessage)
    again = parse_message(_message(), policy)
    assert isinstance(again, MessageReject) and again.reason is Reason.DUPL


def test_header_must_name_document_version() -> None:
    data = _message().replace(b"<MsgDefIdr>pacs.008.001.08<", b"<MsgDefIdr>pacs.009.001.08<")
    result = parse_message(data, Policy(schemas=SCHEMAS))
    assert isinstance(result, MessageReject)
    assert result.reason is Reason.FF01 and result.problems[0].xpath == "/AppHdr/MsgDefIdr"


def test_unknown_currency_and_too_many_decimals() -> None:
    data = _message().replace(
        b'Ccy="EUR">12500.00</IntrBkSttlmAmt>', b'Ccy="EUR">12500.001</IntrBkSttlmAmt>'
    )
    result = parse_message(data, Policy())
    assert isinstance(result, MessageReject) and result.reason is Reason.CH20
    data = _message().replace(b'IntrBkSttlmAmt Ccy="EUR"', b'IntrBkSttlmAmt Ccy="XAU"')
    result = parse_message(data, Policy())
    assert isinstance(result, MessageReject) and result.reason is Reason.AM03


def test_outbound_only_type_refused_inbound() -> None:
    from corridor.iso20022.examples import example_message

    result = parse_message(
        example_message("pacs.002"), Policy(schemas=SCHEMAS, direction=Direction.INBOUND)
    )
    assert isinstance(result, MessageReject) and result.reason is Reason.NARR


def test_reason_table_covers_every_code() -> None:
    assert {code for code, _ in REASON_TABLE} == set(Reason)
    assert set(REASON_NAMES) == set(Reason)
    assert datetime.now(UTC) > AT  # the fixed example time lies in the past
