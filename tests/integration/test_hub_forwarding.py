"""Forwarded pacs.008: the received transactions are copied in, not rebuilt, and the
message still reads, validates and verifies exactly as one built from records."""

from __future__ import annotations

import pickle
from dataclasses import replace
from pathlib import Path

from lxml import etree
from tests.support.hub import BANK_A, BANK_B, HUB_BIC, HubWorld, make_world

from corridor.crypto.keys import KeyRing, load_private_key, load_public_key
from corridor.hub.security import Principal, Role
from corridor.iso20022.outbound import RELAY_IDENTIFIER, build_relayed_transfer
from corridor.iso20022.pipeline import ParsedMessage, Policy, parse_message
from corridor.iso20022.records import Agent, CreditTransfer
from corridor.iso20022.schema import SchemaRegistry

NS = f"urn:iso:std:iso:20022:tech:xsd:{RELAY_IDENTIFIER}"


def _hub_policy(tmp_path: Path) -> Policy:
    keys = KeyRing()
    keys.add(HUB_BIC, load_public_key((tmp_path / "hub_key.pem").read_bytes()))
    return Policy(schemas=SchemaRegistry.default(), keys=keys, require_signature=True)


def _read(world: HubWorld, data: bytes) -> CreditTransfer:
    parsed = parse_message(data, Policy())
    assert isinstance(parsed, ParsedMessage) and isinstance(parsed.body, CreditTransfer)
    return parsed.body


def test_forwarded_transactions_are_the_received_ones_relayed_by_the_hub(
    tmp_path: Path,
) -> None:
    world = make_world(tmp_path)
    data, uetrs = world.credit_transfer(BANK_A, BANK_B, [1_000_00, 2_500_00])
    assert world.hub.submit(BANK_A, data).status == "ACSC"
    (forwarded,) = world.hub.outbox(Principal(BANK_B, Role.participant))
    assert forwarded.kind == RELAY_IDENTIFIER and set(forwarded.uetrs) == set(uetrs)
    checked = parse_message(forwarded.payload, _hub_policy(tmp_path))
    assert isinstance(checked, ParsedMessage), checked  # signed by the hub, schema-valid
    body = checked.body
    assert isinstance(body, CreditTransfer)
    assert body.group.number_of_transactions == 2
    assert body.group.total_amount_minor == 3_500_00
    relayed = tuple(
        replace(tx, instructing_agent=Agent(bic=HUB_BIC), instructed_agent=Agent(bic=BANK_B))
        for tx in _read(world, data).transactions
    )
    assert body.transactions == relayed


def test_relay_replaces_the_senders_agents_in_schema_order(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    data, _ = world.credit_transfer(BANK_A, BANK_B, [10_00, 20_00])
    received = _read(world, data)
    first = replace(
        received.transactions[0],
        instructing_agent=Agent(bic=BANK_A),
        instructed_agent=Agent(bic=HUB_BIC),
    )
    body = replace(received, transactions=(first, received.transactions[1]))
    policy = replace(
        _hub_policy(tmp_path),
        keys=None,
        require_signature=False,
        relay_identifiers=frozenset({RELAY_IDENTIFIER}),
    )
    parsed = parse_message(world.sign(BANK_A, body), policy)
    assert isinstance(parsed, ParsedMessage) and len(parsed.transactions_xml) == 2
    # A prefixed namespace on the way in comes out in the Document's default namespace.
    prefixed = etree.tostring(_with_prefix(etree.fromstring(parsed.transactions_xml[1])))
    key = load_private_key((tmp_path / "hub_key.pem").read_bytes())
    payload = build_relayed_transfer(
        Agent(bic=HUB_BIC),
        Agent(bic=BANK_B),
        received.group,
        [parsed.transactions_xml[0], prefixed],
        key,
    )
    checked = parse_message(payload, _hub_policy(tmp_path))
    assert isinstance(checked, ParsedMessage), checked
    assert isinstance(checked.body, CreditTransfer)
    for tx in checked.body.transactions:
        assert (tx.instructing_agent, tx.instructed_agent) == (
            Agent(bic=HUB_BIC),
            Agent(bic=BANK_B),
        )
    assert b"ns0:" not in payload and payload.count(b"<InstgAgt>") == 2


def test_intake_survives_the_trip_between_processes(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    data, _ = world.credit_transfer(BANK_A, BANK_B, [5_00, 6_00, 7_00])
    intake = world.hub.take(BANK_A, data)
    assert all(i.received_xml for i in intake.instructions)  # type: ignore[union-attr]
    copied = pickle.loads(pickle.dumps(intake))
    assert copied == intake
    assert copied.parsed.message_type is intake.parsed.message_type  # the registry's row


def _with_prefix(tx: etree._Element) -> etree._Element:
    """The same element with every name in namespace prefix ns0 instead of the default."""
    element = etree.Element(f"{{{NS}}}{etree.QName(tx).localname}", nsmap={"ns0": NS})
    element.text = tx.text
    for child in tx:
        element.append(_with_prefix(child))
    for name, value in tx.attrib.items():
        element.set(name, value)
    return element
