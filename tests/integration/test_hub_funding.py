"""Funding and defunding by the currency's settlement agent with pacs.009."""

from __future__ import annotations

import uuid
from pathlib import Path

from tests.support.hub import BANK_A, HubWorld, make_world

from corridor.crypto.keys import generate_private_key, public_key_pem
from corridor.hub.network import issuance_account_id
from corridor.iso20022.records import (
    Agent,
    FinancialInstitutionTransaction,
    FinancialInstitutionTransfer,
    GroupHeader,
)

CENTRAL_BANK = "INCBINBB"


def _pacs009(world: HubWorld, sender: str, debtor: str, creditor: str, amount_minor: int) -> bytes:
    now = world.now()
    tx = FinancialInstitutionTransaction(
        end_to_end_id=world.next_ref("FUND"),
        instruction_id=world.next_ref("I"),
        uetr=str(uuid.uuid4()),
        amount_minor=amount_minor,
        currency="INR",
        settlement_date=now.date(),
        debtor=Agent(bic=debtor),
        creditor=Agent(bic=creditor),
    )
    group = GroupHeader(
        msg_id=world.next_ref("M009"),
        created_at=now,
        number_of_transactions=1,
        settlement_method="CLRG",
        settlement_date=now.date(),
    )
    return world.sign(sender, FinancialInstitutionTransfer(group=group, transactions=(tx,)))


def test_central_bank_funds_and_a_bank_defunds(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    key = generate_private_key()
    world.keys[CENTRAL_BANK] = key
    world.hub.register_key(CENTRAL_BANK, public_key_pem(key.public_key()).decode())
    issuance = world.hub.engine.ledger.account(issuance_account_id("INR"))
    assert issuance is not None
    before_bank = world.hub.available_minor(BANK_A, "INR")
    funding = world.hub.submit(
        CENTRAL_BANK, _pacs009(world, CENTRAL_BANK, CENTRAL_BANK, BANK_A, 1_000_000_00)
    )
    assert funding.status == "ACSC", funding.detail
    assert world.hub.available_minor(BANK_A, "INR") == before_bank + 1_000_000_00
    defunding = world.hub.submit(BANK_A, _pacs009(world, BANK_A, BANK_A, CENTRAL_BANK, 400_000_00))
    assert defunding.status == "ACSC", defunding.detail
    assert world.hub.available_minor(BANK_A, "INR") == before_bank + 600_000_00
    after = world.hub.engine.ledger.account(issuance_account_id("INR"))
    assert after is not None
    assert after.balance_minor == issuance.balance_minor - 600_000_00
    assert world.hub.engine.ledger.verify() == []
