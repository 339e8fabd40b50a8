"""Test support: a hub on the example network, two banks with keys, signed messages."""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from corridor.bootstrap import HubSettings, build_hub, load_network_config
from corridor.crypto.keys import PrivateKey, generate_private_key, public_key_pem
from corridor.foundation.clock import FixedClock, ms_to_datetime
from corridor.hub.service import Hub
from corridor.iso20022.outbound import build_message, make_header
from corridor.iso20022.records import (
    Agent,
    CancellationRequest,
    CancellationTransaction,
    CaseAssignment,
    CreditTransfer,
    CreditTransferTransaction,
    GroupHeader,
    OriginalRef,
    Party,
    PaymentReturn,
    ReturnTransaction,
)
from corridor.simulation.network import example_config_path

HUB_BIC = "CRDRSGSG"
BANK_A, BANK_B, BANK_C = "GANGINBB", "DECCINBB", "KONKINBB"


@dataclass
class HubWorld:
    hub: Hub
    clock: FixedClock
    keys: dict[str, PrivateKey] = field(default_factory=dict)
    counter: int = 0

    def now(self) -> datetime:
        return ms_to_datetime(self.clock.now_ms())

    def next_ref(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}-{self.counter:06d}"

    def credit_transfer(
        self,
        sender: str,
        creditor_agent: str,
        amounts_minor: list[int],
        currency: str = "INR",
        msg_id: str | None = None,
        debtor_agent: str | None = None,
    ) -> tuple[bytes, list[str]]:
        """A signed pacs.008 from `sender`; returns (bytes, the UETRs)."""
        now = self.now()
        txs = []
        for amount_minor in amounts_minor:
            ref = self.next_ref("E2E")
            txs.append(
                CreditTransferTransaction(
                    end_to_end_id=ref,
                    instruction_id=ref,
                    tx_id=ref,
                    uetr=str(uuid.uuid4()),
                    amount_minor=amount_minor,
                    currency=currency,
                    settlement_date=now.date(),
                    charge_bearer="SHAR",
                    debtor=Party(name="Ganges Textiles Pvt Ltd", country="IN"),
                    debtor_agent=Agent(bic=debtor_agent or sender),
                    creditor_agent=Agent(bic=creditor_agent),
                    creditor=Party(name="Deccan Cotton Mills", country="IN"),
                    remittance=(f"Invoice {ref}",),
                )
            )
        group = GroupHeader(
            msg_id=msg_id or self.next_ref("MSG"),
            created_at=now,
            number_of_transactions=len(txs),
            settlement_method="CLRG",
            total_amount_minor=sum(amounts_minor),
            total_currency=currency,
            settlement_date=now.date(),
        )
        body = CreditTransfer(group=group, transactions=tuple(txs))
        return self.sign(sender, body), [t.uetr or "" for t in txs]

    def payment_return(
        self, sender: str, original_uetr: str, amount_minor: int, currency: str = "INR"
    ) -> bytes:
        now = self.now()
        tx = ReturnTransaction(
            original=OriginalRef(uetr=original_uetr, end_to_end_id="E2E"),
            returned_amount_minor=amount_minor,
            currency=currency,
            return_id=self.next_ref("RTR"),
            settlement_date=now.date(),
            reason_code="AC04",
        )
        group = GroupHeader(
            msg_id=self.next_ref("RMSG"),
            created_at=now,
            number_of_transactions=1,
            settlement_method="CLRG",
            settlement_date=now.date(),
        )
        return self.sign(sender, PaymentReturn(group=group, transactions=(tx,)))

    def cancellation(self, sender: str, original_uetr: str) -> bytes:
        now = self.now()
        assignment = CaseAssignment(
            id=self.next_ref("CASE"),
            assigner=Agent(bic=sender),
            assignee=Agent(bic=HUB_BIC),
            created_at=now,
        )
        tx = CancellationTransaction(
            original=OriginalRef(uetr=original_uetr, end_to_end_id="E2E"),
            cancellation_id=self.next_ref("CXL"),
            reason_code="DUPL",
        )
        return self.sign(sender, CancellationRequest(assignment=assignment, transactions=(tx,)))

    def sign(self, sender: str, body: object, key: PrivateKey | None = None) -> bytes:
        header = make_header(body, Agent(bic=sender), Agent(bic=HUB_BIC), self.now())  # type: ignore[arg-type]
        return build_message(header, body, key or self.keys[sender])  # type: ignore[arg-type]


def make_world(
    tmp_path: Path,
    database_url: str | None = None,
    schema: str | None = None,
    **settings: object,
) -> HubWorld:
    clock = FixedClock(1_767_605_400_000)  # 2026-01-05T09:30:00Z, a Monday
    url = database_url or str(tmp_path / "hub.db")
    if schema is not None:
        from corridor.store import open_engine

        open_engine(url, schema=schema).dispose()  # creates the schema
        url = _with_schema(url, schema)
    hub = build_hub(
        HubSettings(
            database_url=url,
            hub_key_path=tmp_path / "hub_key.pem",
            hub_bic=HUB_BIC,
            **settings,  # type: ignore[arg-type]
        ),
        clock=clock,
    )
    report = hub.load_network(load_network_config(example_config_path()))
    assert not report.failures
    world = HubWorld(hub, clock)
    for bic in (BANK_A, BANK_B, BANK_C):
        key = generate_private_key()
        world.keys[bic] = key
        hub.register_key(bic, public_key_pem(key.public_key()).decode())
    return world


def queued_payment(world: HubWorld) -> str:
    """The UETR of a BANK_A -> BANK_B INR payment 5,000 minor units beyond BANK_A's
    available liquidity, submitted and queued (PDNG)."""
    available = world.hub.available_minor(BANK_A, "INR")
    data, (uetr,) = world.credit_transfer(BANK_A, BANK_B, [available + 5_000])
    assert world.hub.submit(BANK_A, data).status == "PDNG"
    return uetr


def restarted_hub(tmp_path: Path, world: HubWorld, **settings: object) -> Hub:
    """The hub built again over the world's SQLite file, key and clock: what restarting
    the process of `make_world(tmp_path, **settings)` builds."""
    return build_hub(
        HubSettings(
            database_url=str(tmp_path / "hub.db"),
            hub_key_path=tmp_path / "hub_key.pem",
            hub_bic=HUB_BIC,
            **settings,  # type: ignore[arg-type]
        ),
        clock=world.clock,
    )


def _with_schema(url: str, schema: str) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"


def decimal_minor(text: str) -> int:
    return int(Decimal(text) * 100)


__all__ = ["BANK_A", "BANK_B", "BANK_C", "HUB_BIC", "HubWorld", "dataclasses", "make_world"]


def fail_commits(
    monkeypatch: pytest.MonkeyPatch, hub: Hub, failing: set[int], *, reached: bool = False
) -> list[int]:
    """The hub's commits from now on, numbered from 1 (the list returned grows with
    them); those in `failing` fail as a lost database would (a 503 over HTTP). With
    `reached`, they reach the database first: the connection lost during COMMIT, the
    outcome unknown to the hub."""
    journal = hub.engine._journal  # type: ignore[attr-defined]
    commit = journal.commit
    commits: list[int] = []

    def counted(*args: object, **kwargs: object) -> None:
        commits.append(len(commits) + 1)
        if commits[-1] in failing:
            if reached:
                commit(*args, **kwargs)
            lost = Exception("the database went away")
            raise OperationalError("COMMIT", None, lost, connection_invalidated=True)
        commit(*args, **kwargs)

    monkeypatch.setattr(journal, "commit", counted)
    return commits
