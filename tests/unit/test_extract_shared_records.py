"""Extraction's faster paths: shared records, tag scans, XPaths written only for problems.

Each test pins a path that the extractors take for speed, against what the plain reading
gives: equal records, the same children in the same order, the same problem XPaths.
"""

from __future__ import annotations

import dataclasses

import pytest
from lxml import etree

from corridor.iso20022._xml import ExtractError, amount, child_date
from corridor.iso20022.examples import AT, DEBTOR_BANK, HUB, credit_transfer
from corridor.iso20022.extract.common import Reader, bic_agent
from corridor.iso20022.outbound import build_message, make_header
from corridor.iso20022.pipeline import MessageReject, ParsedMessage, Policy, parse_message
from corridor.iso20022.reasons import Reason
from corridor.iso20022.records import Account, Agent, Party, PartyId

NS = "urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"


def _el(xml: str) -> etree._Element:
    return etree.fromstring(f'<Root xmlns="{NS}">{xml}</Root>')


def _parsed(body: object) -> ParsedMessage:
    result = parse_message(build_message(make_header(body, DEBTOR_BANK, HUB, AT), body), Policy())
    assert isinstance(result, ParsedMessage), result
    return result


def test_bulk_transactions_share_equal_parties_agents_and_accounts() -> None:
    body = credit_transfer(3)
    txs = _parsed(body).body.transactions  # type: ignore[union-attr]
    assert txs == body.transactions
    first, second, _ = txs
    assert first.debtor is second.debtor  # one Party for the message's repeated debtor
    assert first.creditor is second.creditor
    assert first.debtor_account is second.debtor_account
    assert first.creditor_account is second.creditor_account
    assert first.debtor_agent is second.debtor_agent is bic_agent(first.debtor_agent.bic)


def test_parties_that_differ_in_any_field_are_not_shared() -> None:
    body = credit_transfer(3)
    txs = list(body.transactions)
    txs[1] = dataclasses.replace(
        txs[1], debtor=dataclasses.replace(txs[1].debtor, post_code="60312")
    )
    txs[2] = dataclasses.replace(
        txs[2], creditor=dataclasses.replace(txs[2].creditor, other_ids=(PartyId(id="X1"),))
    )
    body = dataclasses.replace(body, transactions=tuple(txs))
    parsed = _parsed(body).body.transactions  # type: ignore[union-attr]
    assert parsed == body.transactions
    assert parsed[0].debtor is not parsed[1].debtor
    assert parsed[1].debtor.post_code == "60312"
    assert parsed[0].creditor is not parsed[2].creditor


def test_bic_agent_is_the_plain_agent() -> None:
    assert bic_agent("DEUTDEFFXXX") == Agent(bic="DEUTDEFFXXX")
    assert bic_agent("DEUTDEFFXXX") is bic_agent("DEUTDEFFXXX")


def test_agent_fast_path_and_full_path_agree() -> None:
    r = Reader(NS)
    bare = _el("<FinInstnId><BICFI> DEUTDEFFXXX </BICFI></FinInstnId>")
    full = _el("<FinInstnId><BICFI>DEUTDEFFXXX</BICFI><Nm>Deutsche</Nm></FinInstnId>")
    other = _el("<Othr><BICFI>DEUTDEFFXXX</BICFI></Othr>")  # not FinInstnId: no agent data
    assert r.agent(bare) == Agent(bic="DEUTDEFFXXX")
    assert r.agent(full) == Agent(bic="DEUTDEFFXXX", name="Deutsche")
    assert r.agent(other) == Agent()


def test_account_of_the_same_content_is_shared_within_a_message_only() -> None:
    xml = "<Id><IBAN>DE89370400440532013000</IBAN></Id>"
    r = Reader(NS)
    one, two = r.account(_el(xml)), r.account(_el(xml))
    assert one == Account(iban="DE89370400440532013000")
    assert one is two
    assert Reader(NS).account(_el(xml)) is not one
    othr = r.account(_el("<Id><Othr><Id>42</Id><SchmeNm><Cd>BBAN</Cd></SchmeNm></Othr></Id>"))
    assert othr == Account(other_id="42", scheme="BBAN")


def test_party_address_and_ids_read_as_before() -> None:
    r = Reader(NS)
    party = r.party(
        _el(
            "<Nm>A</Nm><PstlAdr><StrtNm>S</StrtNm><AdrLine> one </AdrLine><Ctry>DE</Ctry>"
            "<AdrLine>two</AdrLine><AdrLine/></PstlAdr><Id><PrvtId><Othr><Id>7</Id></Othr>"
            "<Othr><Id>8</Id><Issr>I</Issr></Othr></PrvtId></Id>"
        )
    )
    assert party == Party(
        name="A",
        street="S",
        country="DE",
        address_lines=("one", "two", ""),
        private=True,
        other_ids=(PartyId(id="7"), PartyId(id="8", issuer="I")),
    )
    assert r.party(_el("<Nm>B</Nm>")) == Party(name="B")


def test_first_finds_the_first_child_or_raises_key_error() -> None:
    r = Reader(NS)
    el = _el("<A>1</A><B>2</B><A>3</A>")
    assert r.first(el, "A").text == "1"
    with pytest.raises(KeyError, match="C"):
        r.first(el, "C")


def test_all_and_texts_with_kids_find_every_repeated_child_in_order() -> None:
    r = Reader(NS)
    el = _el("<A>1</A><B>2</B><A> 3 </A><C/><A/>")
    k = r.kids(el)
    assert k["A"].text == "1"  # first occurrence wins
    assert [c.text for c in r.all(el, "A", k)] == ["1", " 3 ", None]
    assert [c.text for c in r.all(el, "A")] == ["1", " 3 ", None]
    assert r.all(el, "D", k) == []
    assert r.texts(el, "A", k) == ("1", "3", "")
    assert r.texts(el, "A") == ("1", "3", "")
    assert r.texts(el, "D") == ()


def test_child_texts_read_as_child_text_does() -> None:
    r = Reader(NS)
    t = r.child_texts(_el("<A> x </A><B/><A>y</A>"))
    assert t == {"A": "x", "B": ""}
    assert t.get("C") is None


def test_amount_problem_names_the_child_xpath() -> None:
    parent = "/Document/FIToFICstmrCdtTrf/CdtTrfTxInf[2]"
    assert amount(etree.fromstring('<Amt Ccy="EUR"> 12.50 </Amt>'), parent, "Amt") == (1250, "EUR")
    bad_ccy = etree.fromstring('<Amt Ccy="XYZ">1.00</Amt>')
    with pytest.raises(ExtractError) as caught:
        amount(bad_ccy, parent, "IntrBkSttlmAmt")
    assert caught.value.problem.reason == Reason.AM03
    assert caught.value.problem.xpath == f"{parent}/IntrBkSttlmAmt/@Ccy"
    too_fine = etree.fromstring('<Amt Ccy="EUR">1.005</Amt>')
    with pytest.raises(ExtractError) as caught:
        amount(too_fine, parent, "IntrBkSttlmAmt")
    assert caught.value.problem.reason == Reason.CH20
    assert caught.value.problem.xpath == f"{parent}/IntrBkSttlmAmt"


def test_child_date_problem_names_the_child_xpath() -> None:
    r = Reader(NS)
    k = r.kids(_el("<Dt>2026-01-05</Dt><Bad>2026-13-40</Bad><Empty/>"))
    assert str(child_date(k, "Dt", "/P")) == "2026-01-05"
    assert child_date(k, "Empty", "/P") is None
    assert child_date(k, "Absent", "/P") is None
    with pytest.raises(ExtractError) as caught:
        child_date(k, "Bad", "/P")
    assert caught.value.problem.reason == Reason.DT01
    assert caught.value.problem.xpath == "/P/Bad"


def test_bad_currency_in_a_bulk_message_names_its_transaction() -> None:
    body = credit_transfer(3)
    data = build_message(make_header(body, DEBTOR_BANK, HUB, AT), body)
    marker = b'<IntrBkSttlmAmt Ccy="EUR">'
    first = data.index(marker, data.index(b"<CdtTrfTxInf>"))
    second = data.index(marker, first + 1)
    data = data[:second] + b'<IntrBkSttlmAmt Ccy="XAU">' + data[second + len(marker) :]
    result = parse_message(data, Policy())
    assert isinstance(result, MessageReject)
    assert result.reason == Reason.AM03
    assert result.problems[0].xpath == (
        "/Document/FIToFICstmrCdtTrf/CdtTrfTxInf[2]/IntrBkSttlmAmt/@Ccy"
    )
