"""Intake routes each transaction of a bulk message on its own: transactions that share
agents and currencies share a route, and one that cannot be routed does not touch the
others' routes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from tests.support.hub import BANK_A, BANK_B, BANK_C, HubWorld, make_world

from corridor.hub import reasons
from corridor.hub.intake import TransferInstruction
from corridor.hub.network import settlement_account_id
from corridor.iso20022.pipeline import ParsedMessage, parse_message
from corridor.iso20022.records import Agent, CreditTransfer


@pytest.fixture
def world(tmp_path: Path) -> HubWorld:
    return make_world(tmp_path)


def _mixed_message(world: HubWorld) -> bytes:
    """A pacs.008 from BANK_A to BANK_B, an unknown bank, BANK_C, BANK_B again, and BANK_B
    without a UETR, in that order."""
    data, _ = world.credit_transfer(BANK_A, BANK_B, [100, 200, 300, 400, 500])
    parsed = parse_message(data)  # no guards: the hub has not seen this message
    assert isinstance(parsed, ParsedMessage) and isinstance(parsed.body, CreditTransfer)
    agents = (BANK_B, "UNKNINBB", BANK_C, BANK_B, BANK_B)
    txs = [
        dataclasses.replace(tx, creditor_agent=Agent(bic=bic))
        for tx, bic in zip(parsed.body.transactions, agents, strict=True)
    ]
    txs[4] = dataclasses.replace(txs[4], uetr=None)
    return world.sign(BANK_A, dataclasses.replace(parsed.body, transactions=tuple(txs)))


def test_each_transaction_gets_its_own_route(world: HubWorld) -> None:
    intake = world.hub.take(BANK_A, _mixed_message(world))
    assert not intake.rejected
    routed = [i for i in intake.instructions if isinstance(i, TransferInstruction)]
    assert [i.reason for i in routed] == [None, reasons.RC01, None, None, reasons.CH16]
    to_b, unknown, to_c, to_b_again, no_uetr = routed
    assert (to_b.debit_participant, to_b.credit_participant) == (BANK_A, BANK_B)
    assert to_b.debit_account_id == settlement_account_id(BANK_A, "INR")
    assert to_b.credit_account_id == settlement_account_id(BANK_B, "INR")
    assert to_c.credit_account_id == settlement_account_id(BANK_C, "INR")
    assert (to_b_again.debit_account_id, to_b_again.credit_account_id) == (
        to_b.debit_account_id,
        to_b.credit_account_id,
    )
    assert "UNKNINBB" in unknown.detail and unknown.credit_account_id == 0
    assert (no_uetr.debit_participant, no_uetr.credit_account_id) == ("", 0)
    assert [i.amount_minor for i in routed] == [100, 200, 300, 400, 500]
