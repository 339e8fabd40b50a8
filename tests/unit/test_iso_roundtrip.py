"""Every message type built from records validates against the schemas and parses back."""

from __future__ import annotations

import dataclasses

import pytest

from corridor.iso20022.examples import AT, DEBTOR_BANK, EXAMPLES, HUB, credit_transfer, example_body
from corridor.iso20022.outbound import build_message, make_header
from corridor.iso20022.pipeline import ParsedMessage, Policy, parse_message
from corridor.iso20022.records import Direction
from corridor.iso20022.registry import message_types
from corridor.iso20022.schema import SchemaRegistry

SCHEMAS = SchemaRegistry.default()


@pytest.mark.parametrize("family", sorted(EXAMPLES))
def test_built_message_validates_and_parses_back_to_the_same_records(family: str) -> None:
    body = example_body(family)
    header = make_header(body, HUB, DEBTOR_BANK, AT)
    result = parse_message(build_message(header, body), Policy(schemas=SCHEMAS))
    assert isinstance(result, ParsedMessage), result.problems
    assert result.body == body
    assert result.header == header


def test_every_outbound_type_has_a_builder_and_an_example() -> None:
    outbound = {row.family for row in message_types() if Direction.OUTBOUND in row.directions}
    assert outbound == {
        "pacs.002",
        "pacs.008",
        "pacs.009",
        "pacs.004",
        "camt.029",
        "camt.052",
        "camt.053",
        "camt.054",
        "admi.002",
    }
    assert outbound <= set(EXAMPLES)
    for row in message_types():
        if Direction.OUTBOUND in row.directions:
            assert row.build is not None, row.identifier


def test_hundred_transaction_pacs008_round_trips() -> None:
    body = credit_transfer(100)
    result = parse_message(
        build_message(make_header(body, DEBTOR_BANK, HUB, AT), body),
        Policy(schemas=SCHEMAS, direction=Direction.INBOUND),
    )
    assert isinstance(result, ParsedMessage), result.problems
    assert result.body == body
    assert len(result.body.transactions) == 100


def test_optional_fields_absent_round_trip() -> None:
    body = credit_transfer(1)
    tx = dataclasses.replace(
        body.transactions[0],
        instructed_amount_minor=None,
        instructed_currency=None,
        exchange_rate=None,
        charges=(),
        quote_id=None,
        remittance=(),
        debtor_account=None,
        uetr=None,
    )
    body = dataclasses.replace(body, transactions=(tx,))
    result = parse_message(
        build_message(make_header(body, DEBTOR_BANK, HUB, AT), body), Policy(schemas=SCHEMAS)
    )
    assert isinstance(result, ParsedMessage), result.problems
    assert result.body == body


def test_quote_id_travels_in_instruction_for_next_agent() -> None:
    body = credit_transfer(1)
    data = build_message(make_header(body, DEBTOR_BANK, HUB, AT), body)
    assert b"<InstrInf>/FXQT/q-1</InstrInf>" in data
