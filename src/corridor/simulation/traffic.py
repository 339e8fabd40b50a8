"""Traffic: signed pacs.008 messages between the banks of a prepared network.

- `trade_day(network, messages, seed)`: a day of trade payments between banks of the
  same currency: heavy-tailed amounts (log-normal, scaled to each currency's balances),
  now and then a bulk message with several transactions, and a few deliberately bad
  messages (`Flaw`) that the hub must refuse with a known reason.
- `single_transfers` / `bulk_transfers`: uniform, always-settling traffic for the
  benchmark (small amounts, pairs taken in turn).

Everything is deterministic for a seed (UETRs included); every message is signed with the
sender's key, addressed to the hub, and valid against the schemas.
"""

from __future__ import annotations

import itertools
import math
import random
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from corridor.foundation.errors import InputError
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
)
from corridor.simulation.network import Bank, PreparedNetwork

MESSAGES_MAX = 1_000_000
TRANSACTIONS_PER_MESSAGE_MAX = 1_000
BULK_SHARE = 0.04  # share of trade messages that carry several transactions
BULK_TRANSACTIONS_MAX = 12
FLAW_EVERY = 97  # about one message in this many is deliberately bad
MEDIAN_SHARE_OF_OPENING = 1 / 5_000  # a typical payment against the bank's opening balance
SIGMA = 1.4  # log-normal spread: a heavy tail of large trade payments
CAP_SHARE_OF_OPENING = 1 / 40

_BUYERS = (
    "Textiles",
    "Steel Works",
    "Agro Exports",
    "Machinery",
    "Pharma",
    "Logistics",
    "Electronics",
    "Mining Supplies",
    "Chemicals",
    "Auto Parts",
)


class Flaw(StrEnum):
    """A deliberate mistake, and the reason code the hub answers it with."""

    unknown_creditor = "RC01"  # creditor agent not a participant of the network
    wrong_currency = "AM03"  # the creditor bank holds no account in the currency
    reused_uetr = "DUPL"  # the UETR of an earlier payment again
    over_limit = "AM04"  # more than the debtor bank's balance and credit line (a hub with
    #                      liquidity queues queues it instead: PDNG, until cancelled)


REFUSED_FLAWS = (Flaw.unknown_creditor, Flaw.wrong_currency, Flaw.reused_uetr)


@dataclass(frozen=True, slots=True)
class Leg:
    """One transaction of a message: its UETR, the creditor bank, the amount."""

    uetr: str
    creditor: str
    amount_minor: int


@dataclass(frozen=True, slots=True)
class Order:
    """One signed message a bank sends to the hub.

    Attributes:
        sender: the sending (debtor) bank's BIC.
        currency: every leg's currency.
        msg_id: the message's MsgId (unique per sender in a run).
        legs: its transactions.
        xml: the signed message bytes.
        flaw: None for a good message; else the mistake it carries (and the expected reason).
    """

    sender: str
    currency: str
    msg_id: str
    legs: tuple[Leg, ...]
    xml: bytes
    flaw: Flaw | None = None

    @property
    def amount_minor(self) -> int:
        return sum(leg.amount_minor for leg in self.legs)


def trade_day(
    network: PreparedNetwork,
    messages: int,
    seed: int,
    at: datetime | None = None,
    flaws: Sequence[Flaw] = REFUSED_FLAWS,
) -> Iterator[Order]:
    """`messages` signed messages of a trading day (see the module docstring); every
    FLAW_EVERY-th message carries the next of `flaws` (none if `flaws` is empty)."""
    _check_count(messages, MESSAGES_MAX, "messages")
    rng = random.Random(seed)
    by_currency = {c: banks for c, banks in network.banks_by_currency().items() if len(banks) > 1}
    currencies = sorted(by_currency)
    first_uetr = ""  # reused by Flaw.reused_uetr: long answered by then, even concurrently
    for index in range(messages):
        currency = rng.choice(currencies)
        sender, *others = rng.sample(by_currency[currency], len(by_currency[currency]))
        msg_id = f"DAY{seed % 10_000:04d}{index:08d}"
        if flaws and first_uetr and index % FLAW_EVERY == FLAW_EVERY - 1:
            flaw = flaws[(index // FLAW_EVERY) % len(flaws)]
            yield flawed_order(network, sender, currency, flaw, msg_id, rng, at, first_uetr)
            continue
        count = rng.randint(2, BULK_TRANSACTIONS_MAX) if rng.random() < BULK_SHARE else 1
        legs = tuple(
            Leg(_uetr(rng), rng.choice(others).bic, trade_amount(sender, currency, rng))
            for _ in range(count)
        )
        first_uetr = first_uetr or legs[0].uetr
        yield make_order(network, sender, currency, msg_id, legs, at)


def trade_amount(bank: Bank, currency: str, rng: random.Random) -> int:
    """A heavy-tailed payment size for `bank` in `currency`, in minor units (>= 1 unit)."""
    opening_minor = bank.opening_minor[currency]
    median_minor = opening_minor * MEDIAN_SHARE_OF_OPENING
    amount_minor = int(rng.lognormvariate(math.log(median_minor), SIGMA))
    return max(100, min(amount_minor, int(opening_minor * CAP_SHARE_OF_OPENING)))


def flawed_order(
    network: PreparedNetwork,
    sender: Bank,
    currency: str,
    flaw: Flaw,
    msg_id: str,
    rng: random.Random,
    at: datetime | None = None,
    earlier_uetr: str = "",
) -> Order:
    """A single-transaction message from `sender` with the mistake `flaw`."""
    creditor = rng.choice(
        [b for b in network.banks if b is not sender and currency in b.currencies]
    )
    amount_minor, uetr = trade_amount(sender, currency, rng), _uetr(rng)
    creditor_bic = creditor.bic
    if flaw is Flaw.unknown_creditor:
        creditor_bic = f"UNKN{sender.country}22"
    elif flaw is Flaw.over_limit:
        amount_minor = sender.opening_minor[currency] * 3
    elif flaw is Flaw.reused_uetr:
        assert earlier_uetr, "a reused UETR needs an earlier payment's"
        uetr = earlier_uetr
    else:
        outsiders = [b for b in network.banks if currency not in b.currencies]
        assert outsiders, "every bank holds this currency"
        creditor_bic = rng.choice(outsiders).bic
    legs = (Leg(uetr, creditor_bic, amount_minor),)
    return make_order(network, sender, currency, msg_id, legs, at, flaw)


def cancellation(
    network: PreparedNetwork, sender: Bank, uetr: str, case_id: str, at: datetime | None = None
) -> bytes:
    """A signed camt.056 from `sender` asking the hub to cancel its payment `uetr`."""
    now = at or datetime.now(UTC)
    assignment = CaseAssignment(
        id=case_id,
        assigner=Agent(bic=sender.bic),
        assignee=Agent(bic=network.hub_bic),
        created_at=now,
    )
    tx = CancellationTransaction(
        original=OriginalRef(uetr=uetr), cancellation_id=case_id, reason_code="CUST"
    )
    body = CancellationRequest(assignment=assignment, transactions=(tx,))
    header = make_header(body, Agent(bic=sender.bic), Agent(bic=network.hub_bic), now)
    return build_message(header, body, sender.key)


def single_transfers(
    network: PreparedNetwork, count: int, seed: int, prefix: str = "S", at: datetime | None = None
) -> list[Order]:
    """`count` single-transaction messages of 1.00 to 99.99, pairs in turn (all settle)."""
    return bulk_transfers(network, count, 1, seed, prefix, at)


def bulk_transfers(
    network: PreparedNetwork,
    count: int,
    transactions: int,
    seed: int,
    prefix: str = "B",
    at: datetime | None = None,
) -> list[Order]:
    """`count` messages of `transactions` small transactions each (all settle): each
    message from one bank to the other banks of its currency, senders in turn."""
    _check_count(count, MESSAGES_MAX, "count")
    _check_count(transactions, TRANSACTIONS_PER_MESSAGE_MAX, "transactions")
    rng = random.Random(seed)
    senders = itertools.cycle(
        [
            (c, bank, [b for b in banks if b is not bank])
            for c, banks in network.banks_by_currency().items()
            if len(banks) > 1
            for bank in banks
        ]
    )
    orders = []
    for index in range(count):
        currency, sender, others = next(senders)
        legs = tuple(
            Leg(_uetr(rng), others[i % len(others)].bic, rng.randint(100, 9_999))
            for i in range(transactions)
        )
        orders.append(
            make_order(network, sender, currency, f"{prefix}{seed}X{index:09d}", legs, at)
        )
    return orders


def make_order(
    network: PreparedNetwork,
    sender: Bank,
    currency: str,
    msg_id: str,
    legs: Sequence[Leg],
    at: datetime | None = None,
    flaw: Flaw | None = None,
) -> Order:
    """A signed pacs.008 from `sender` with one transaction per leg."""
    assert 1 <= len(legs) <= TRANSACTIONS_PER_MESSAGE_MAX
    now = at or datetime.now(UTC)
    transactions = tuple(
        _transaction(sender, currency, leg, f"{msg_id}T{i}", now) for i, leg in enumerate(legs)
    )
    group = GroupHeader(
        msg_id=msg_id,
        created_at=now,
        number_of_transactions=len(legs),
        settlement_method="CLRG",
        total_amount_minor=sum(leg.amount_minor for leg in legs),
        total_currency=currency,
        settlement_date=now.date(),
    )
    body = CreditTransfer(group=group, transactions=transactions)
    header = make_header(body, Agent(bic=sender.bic), Agent(bic=network.hub_bic), now)
    xml = build_message(header, body, sender.key)
    return Order(sender.bic, currency, msg_id, tuple(legs), xml, flaw)


def _transaction(
    sender: Bank, currency: str, leg: Leg, reference: str, now: datetime
) -> CreditTransferTransaction:
    buyer = _BUYERS[int(leg.uetr[:2], 16) % len(_BUYERS)]
    return CreditTransferTransaction(
        end_to_end_id=reference,
        instruction_id=reference,
        tx_id=reference,
        uetr=leg.uetr,
        amount_minor=leg.amount_minor,
        currency=currency,
        settlement_date=now.date(),
        charge_bearer="SHAR",
        debtor=Party(name=f"{sender.name.split()[0]} {buyer}", country=sender.country),
        debtor_agent=Agent(bic=sender.bic),
        creditor_agent=Agent(bic=leg.creditor),
        creditor=Party(name=f"{leg.creditor[:4].title()} Trading Co"),
        remittance=(f"Invoice {reference}",),
    )


def make_uetr(rng: random.Random | None = None) -> str:
    """A fresh UETR (UUID v4): from `rng` (deterministic for a seed), else random."""
    return _uetr(rng) if rng is not None else str(uuid.uuid4())


def _uetr(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _check_count(value: int, value_max: int, field: str) -> None:
    if not 1 <= value <= value_max:
        raise InputError(f"must be 1 to {value_max}", field=field, value=value)
