"""Payment-versus-payment: a consumed quote as ONE linked chain of ledger transfers.

Either every leg settles or none does (the ledger's linked chains are all-or-nothing),
so no party ever delivers one currency without receiving the other (no Herstatt risk).

Direct quote (source A, target C, provider P):
    1. source   debtor agent (A)   -> P (A)               converted amount
    2. target   P (C)              -> creditor agent (C)  amount the creditor receives
    3. charge   debtor agent (A)   -> operator fees (A)   one transfer per charge
Bridge quote (A -> B with P1, B -> C with P2), four legs plus charges:
    1. source     debtor agent (A) -> P1 (A)
    2. bridge_out P1 (B)           -> transit (B)         the bridge amount
    3. bridge_in  transit (B)      -> P2 (B)              the same amount
    4. target     P2 (C)           -> creditor agent (C)
    5. charge     ...
The transit account (an escrow account of the operator in the bridge currency, floor 0)
is credited and debited by the same amount inside the chain, so it always ends at zero
and the ledger shows each provider's trade separately. Without a transit account the
two bridge legs become one transfer P1 (B) -> P2 (B), or none when P1 is P2.

The domain never imports the hub: account ids come from the caller's functions, and
transfer ids from its id generator (`new_id`). A chain that failed applied nothing, so
the hub may resubmit the very same chain (same ids) when the debtor's liquidity arrives.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from corridor.foundation.errors import InputError
from corridor.fx.model import Quote
from corridor.ledger import CreateTransfer
from corridor.ledger.commands import REFERENCE_LENGTH_MAX

TRANSFER_CODE_FX_SOURCE = 61  # debtor agent -> FX provider, source currency
TRANSFER_CODE_FX_BRIDGE = 62  # provider -> transit -> provider, bridge currency
TRANSFER_CODE_FX_TARGET = 63  # FX provider -> creditor agent, target currency
TRANSFER_CODE_FX_CHARGE = 64  # debtor agent -> operator's fees account, source currency
OPERATOR = "operator"  # the payer/payee name of operator-owned accounts in SettlementLeg


class LegRole(StrEnum):
    source = "source"
    bridge_out = "bridge_out"
    bridge_in = "bridge_in"
    bridge = "bridge"  # provider to provider, when there is no transit account
    target = "target"
    charge = "charge"


@dataclass(frozen=True, slots=True)
class SettlementLeg:
    """One leg of a PvP chain, for tracking by UETR.

    Attributes:
        role: what the leg does.
        payer / payee: BICs, or OPERATOR for the fees and transit accounts.
        currency / amount_minor: what moves.
        transfer_id: the ledger transfer that moves it.
    """

    role: LegRole
    payer: str
    payee: str
    currency: str
    amount_minor: int
    transfer_id: int


@dataclass(frozen=True, slots=True)
class PvpPlan:
    """The chain to apply (in order, all linked but the last) and what each transfer is."""

    quote_id: str
    transfers: tuple[CreateTransfer, ...]
    legs: tuple[SettlementLeg, ...]


AccountOf = Callable[[str, str], int]  # (BIC, currency) -> settlement account id
CurrencyAccount = Callable[[str], int]  # currency -> operator account id


def pvp_plan(
    quote: Quote,
    *,
    account_of: AccountOf,
    fees_account_of: CurrencyAccount,
    new_id: Callable[[], int],
    transit_account_of: CurrencyAccount | None = None,
    reference: str = "",
) -> PvpPlan:
    """The linked chain that settles `quote` (see the module docstring for the legs)."""
    if len(reference) > REFERENCE_LENGTH_MAX:
        raise InputError(
            f"at most {REFERENCE_LENGTH_MAX} characters", field="reference", value=reference
        )
    steps = _steps(quote, account_of, fees_account_of, transit_account_of)
    transfers: list[CreateTransfer] = []
    legs: list[SettlementLeg] = []
    for index, (role, payer, payee, currency, amount, debit, credit) in enumerate(steps):
        transfer = CreateTransfer(
            id=new_id(),
            debit_account_id=debit,
            credit_account_id=credit,
            amount_minor=amount,
            code=_CODES[role],
            reference=reference,
            linked=index < len(steps) - 1,
        )
        transfers.append(transfer)
        legs.append(SettlementLeg(role, payer, payee, currency, amount, transfer.id))
    assert len({t.id for t in transfers}) == len(transfers), "new_id repeated an id"
    assert not transfers[-1].linked and all(t.linked for t in transfers[:-1])
    return PvpPlan(quote.id, tuple(transfers), tuple(legs))


_Step = tuple[LegRole, str, str, str, int, int, int]
_CODES = {
    LegRole.source: TRANSFER_CODE_FX_SOURCE,
    LegRole.bridge_out: TRANSFER_CODE_FX_BRIDGE,
    LegRole.bridge_in: TRANSFER_CODE_FX_BRIDGE,
    LegRole.bridge: TRANSFER_CODE_FX_BRIDGE,
    LegRole.target: TRANSFER_CODE_FX_TARGET,
    LegRole.charge: TRANSFER_CODE_FX_CHARGE,
}


def _steps(
    quote: Quote,
    account_of: AccountOf,
    fees_account_of: CurrencyAccount,
    transit_account_of: CurrencyAccount | None,
) -> list[_Step]:
    debtor, creditor = quote.request.debtor_agent, quote.request.creditor_agent
    first, last = quote.legs[0], quote.legs[-1]
    assert first.source_currency == quote.request.source_currency
    assert last.target_currency == quote.request.target_currency
    source, target = first.source_currency, last.target_currency
    steps: list[_Step] = [
        (
            LegRole.source,
            debtor,
            first.provider,
            source,
            first.source_minor,
            account_of(debtor, source),
            account_of(first.provider, source),
        )
    ]
    if len(quote.legs) == 2:
        steps.extend(_bridge_steps(quote, account_of, transit_account_of))
    steps.append(
        (
            LegRole.target,
            last.provider,
            creditor,
            target,
            last.target_minor,
            account_of(last.provider, target),
            account_of(creditor, target),
        )
    )
    for charge in quote.charges:
        assert charge.currency == source
        steps.append(
            (
                LegRole.charge,
                debtor,
                OPERATOR,
                source,
                charge.amount_minor,
                account_of(debtor, source),
                fees_account_of(source),
            )
        )
    return steps


def _bridge_steps(
    quote: Quote, account_of: AccountOf, transit_account_of: CurrencyAccount | None
) -> list[_Step]:
    head, tail = quote.legs
    bridge, amount = head.target_currency, head.target_minor
    assert bridge == tail.source_currency == quote.bridge_currency
    assert amount == tail.source_minor, "a bridge must hand over the same amount"
    p1, p2 = head.provider, tail.provider
    if transit_account_of is not None:
        transit = transit_account_of(bridge)
        return [
            (LegRole.bridge_out, p1, OPERATOR, bridge, amount, account_of(p1, bridge), transit),
            (LegRole.bridge_in, OPERATOR, p2, bridge, amount, transit, account_of(p2, bridge)),
        ]
    if p1 == p2:
        return []
    return [
        (LegRole.bridge, p1, p2, bridge, amount, account_of(p1, bridge), account_of(p2, bridge))
    ]
