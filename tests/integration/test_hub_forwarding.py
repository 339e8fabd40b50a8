"""Forwarded pacs.008: the received transactions are copied in, not rebuilt, and the
message still reads, validates and verifies exactly as one built from records."""

from __future__ import annotations

import pickle
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree
from tests.support.hub import BANK_A, BANK_B, HUB_BIC, HubWorld, make_world, restarted_hub
from tests.support.xml import with_prefix

from corridor.bootstrap import HubSettings, build_hub
from corridor.crypto.keys import KeyRing, PrivateKey, load_private_key, load_public_key
from corridor.hub import answers
from corridor.hub.intake import TransferInstruction
from corridor.hub.security import Principal, Role
from corridor.iso20022.outbound import RELAY_IDENTIFIER, build_relayed_transfer
from corridor.iso20022.pipeline import ParsedMessage, Policy, parse_message
from corridor.iso20022.records import Agent, CreditTransfer, GroupHeader, Party
from corridor.iso20022.schema import SchemaRegistry
from corridor.settlement import WindowState
from corridor.simulation import prepare_network
from corridor.simulation.traffic import bulk_transfers, single_transfers

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
    prefixed = etree.tostring(with_prefix(etree.fromstring(parsed.transactions_xml[1]), NS))
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


# -- relays joined from the spans intake found (TransferInstruction.relay_span) -------


def _relays(monkeypatch: pytest.MonkeyPatch) -> list[tuple[bytes, bool]]:
    """Every relayed pacs.008 the hub builds from now on, with whether every transaction
    came with its span; each checked, as it is built, to be the bytes of today's path
    (no spans: every transaction scanned)."""
    built: list[tuple[bytes, bool]] = []

    def checked(
        hub: Agent,
        to: Agent,
        group: GroupHeader,
        received: Sequence[bytes],
        key: PrivateKey | None,
        spans: Sequence[tuple[int, int] | None],
    ) -> bytes:
        payload = build_relayed_transfer(hub, to, group, received, key, spans)
        assert payload == build_relayed_transfer(hub, to, group, received, key)
        built.append((payload, len(spans) == len(received) and None not in spans))
        return payload

    monkeypatch.setattr(answers, "build_relayed_transfer", checked)
    return built


def _verifies(payload: bytes, policy: Policy) -> CreditTransfer:
    checked = parse_message(payload, policy)
    assert isinstance(checked, ParsedMessage), checked  # signed by the hub, schema-valid
    assert checked.header is not None and checked.header.signed
    assert isinstance(checked.body, CreditTransfer)
    return checked.body


@pytest.mark.parametrize(
    "orders",
    [
        lambda network: bulk_transfers(network, 2, 40, seed=11),
        lambda network: single_transfers(network, 12, seed=11),
    ],
    ids=["bulk", "single"],
)
def test_simulated_traffic_is_relayed_joined_as_todays_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, orders: Callable[..., list]
) -> None:
    network = prepare_network(tmp_path / "net")
    hub = build_hub(
        HubSettings(
            database_url=network.database_url,
            hub_key_path=network.hub_key_path,
            hub_bic=network.hub_bic,
        )
    )
    relays = _relays(monkeypatch)
    for order in orders(network):
        intake = hub.take(order.sender, order.xml).for_engine()
        intake = pickle.loads(pickle.dumps(intake))  # as from an intake worker
        assert intake.instructions and all(
            isinstance(i, TransferInstruction) and i.relay_span is not None
            for i in intake.instructions
        )
        assert [a.status for a in hub.settle([intake])] == ["ACSC"]
    assert relays and all(joined for _, joined in relays)
    keys = KeyRing()
    keys.add(network.hub_bic, load_private_key(network.hub_key_path.read_bytes()).public_key())
    policy = Policy(schemas=SchemaRegistry.default(), keys=keys, require_signature=True)
    for payload, _ in relays:
        body = _verifies(payload, policy)
        assert {tx.instructing_agent for tx in body.transactions} == {Agent(bic=network.hub_bic)}


@pytest.mark.parametrize(
    ("change", "joined"),
    [
        ({}, True),
        ({"instructing_agent": Agent(bic=BANK_A), "instructed_agent": Agent(bic=HUB_BIC)}, True),
        ({"ultimate_debtor": Party(name="Ganges Holdings", country="IN")}, True),
        (
            {
                "instructing_agent": Agent(bic=BANK_A),
                "instructed_agent": Agent(bic=HUB_BIC),
                "ultimate_debtor": Party(name="Ganges Holdings", country="IN"),
            },
            True,
        ),
        ({"debtor": Party(name="Gangés Textiles", country="IN")}, False),  # &#233;
        ({"remittance": ("a\rb",)}, False),  # &#13;
        ({"remittance": ('say a="b"',)}, False),
    ],
)
def test_hub_relays_each_shape_as_todays_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: dict[str, object], joined: bool
) -> None:
    """Transactions with or without the sender's own agents, with an ultimate debtor
    after them, and texts that must be scanned when relayed (spans: None)."""
    world = make_world(tmp_path)
    data, _ = world.credit_transfer(BANK_A, BANK_B, [10_00, 20_00])
    received = _read(world, data)
    first = replace(received.transactions[0], **change)  # type: ignore[arg-type]
    data = world.sign(BANK_A, replace(received, transactions=(first, received.transactions[1])))
    intake = world.hub.take(BANK_A, data)
    spans = [i.relay_span for i in intake.instructions]  # type: ignore[union-attr]
    assert (spans[0] is not None) is joined and spans[1] is not None
    relays = _relays(monkeypatch)
    assert [a.status for a in world.hub.settle([intake])] == ["ACSC"]
    ((payload, all_spans),) = relays
    assert all_spans is joined
    body = _verifies(payload, _hub_policy(tmp_path))
    assert body.transactions[0].debtor == first.debtor
    assert body.transactions[0].ultimate_debtor == first.ultimate_debtor
    for tx in body.transactions:
        assert (tx.instructing_agent, tx.instructed_agent) == (
            Agent(bic=HUB_BIC),
            Agent(bic=BANK_B),
        )


def test_rerouted_instructions_keep_their_spans(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    data, uetrs = world.credit_transfer(BANK_A, BANK_B, [5_00, 6_00])
    taken = world.hub.take(BANK_A, data).instructions
    for instruction, uetr in zip(taken, uetrs, strict=True):
        rerouted = world.hub.intake.reroute(BANK_A, data, uetr)
        assert rerouted is not None and rerouted.relay_span is not None
        assert rerouted.relay_span == instruction.relay_span  # type: ignore[union-attr]
        assert rerouted.received_xml == instruction.received_xml  # type: ignore[union-attr]


def test_a_net_window_after_a_restart_relays_joined_as_todays_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cleared into a window, rebuilt from the stored message at restart (reroute), then
    settled and forwarded by the window (deferred)."""
    world = make_world(tmp_path, net_settlement_currencies=("INR",))
    data, uetrs = world.credit_transfer(BANK_A, BANK_B, [123_00, 45_00])
    assert world.hub.submit(BANK_A, data).status == "PDNG"
    restarted = restarted_hub(tmp_path, world, net_settlement_currencies=("INR",))
    relays = _relays(monkeypatch)
    (report,) = restarted.settle_windows("INR")
    assert report.state is WindowState.settled and report.payment_count == 2
    ((payload, joined),) = relays
    assert joined
    body = _verifies(payload, _hub_policy(tmp_path))
    assert {tx.uetr for tx in body.transactions} == set(uetrs)
