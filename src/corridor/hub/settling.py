"""Settling one routed payment on the ledger: the transfers it takes (one, or a PvP
chain), how a chain's results read as one, and what a settled cross-currency payment
discloses. Shared by immediate settlement (processing) and deferred settlement."""

from __future__ import annotations

from collections.abc import Sequence

from corridor.foundation.ids import IdGenerator
from corridor.foundation.money import format_amount
from corridor.fx import ChargeBearer
from corridor.fx.pvp import OPERATOR
from corridor.hub.answers import TxOutcome
from corridor.hub.fx_desk import FxDesk
from corridor.hub.intake import TransferInstruction
from corridor.iso20022.records import Agent, Charge, OriginalRef
from corridor.ledger import CreateTransfer, Result
from corridor.payments.records import PaymentEvent, PaymentKind, PaymentState

TRANSFER_CODES = {PaymentKind.customer: 8, PaymentKind.institution: 9, PaymentKind.return_: 4}


def transfers_for(instruction: TransferInstruction, ids: IdGenerator) -> list[CreateTransfer]:
    """The ledger transfers that settle an instruction: its PvP chain, or one transfer."""
    if instruction.fx is not None:
        return list(instruction.fx.transfers)
    return [
        CreateTransfer(
            ids.next_id(),
            instruction.debit_account_id,
            instruction.credit_account_id,
            instruction.amount_minor,
            code=TRANSFER_CODES[instruction.kind],
            reference=instruction.uetr,
        )
    ]


def settling_parties(instruction: TransferInstruction) -> list[str]:
    """Every participant a payment settles between, in a fixed order: the debtor agent and
    the participant that settles for it, the creditor agent and its settling participant,
    then each FX leg's payer and payee (the operator's own accounts left out)."""
    parties = [
        instruction.debtor_agent,
        instruction.debit_participant,
        instruction.creditor_agent,
        instruction.credit_participant,
    ]
    if instruction.fx is not None:
        for leg in instruction.fx.legs:
            parties += [bic for bic in (leg.payer, leg.payee) if bic != OPERATOR]
    return parties


def chain_result(results: Sequence[Result], index: int, instruction: object) -> Result:
    """One result for an instruction's commands: ok, or the leg that failed."""
    fx = getattr(instruction, "fx", None)
    if fx is None:  # one transfer: its own result (the rule below, for one)
        return results[index]
    count = len(fx.transfers)
    own = results[index : index + count]
    failed = [r for r in own if r is not Result.ok and r is not Result.linked_failed]
    if failed:
        return failed[0]
    return Result.ok if all(r is Result.ok for r in own) else Result.linked_failed


def leg_events(instruction: TransferInstruction, now_ms: int) -> list[PaymentEvent]:
    """One tracker line per settled FX leg, so the sender sees every movement."""
    plan = instruction.fx
    assert plan is not None
    return [
        PaymentEvent(
            instruction.uetr,
            PaymentState.settled,
            now_ms,
            f"leg {leg.role.value}: {leg.payer} -> {leg.payee} "
            f"{format_amount(leg.amount_minor, leg.currency)} {leg.currency}",
        )
        for leg in plan.legs
    ]


def charge_bearer(code: str | None) -> ChargeBearer | None:
    try:
        return ChargeBearer(code) if code else None
    except ValueError:
        return None


def fx_outcome(
    original: OriginalRef, instruction: TransferInstruction, fx: FxDesk | None, hub_bic: str
) -> TxOutcome:
    """ACSC for a cross-currency payment, disclosing the rate, both amounts and every
    charge in the pacs.002 (StsRsnInf/AddtlInf and ChrgsInf)."""
    plan = instruction.fx
    quote = fx.book.quote(plan.quote_id) if fx is not None and plan is not None else None
    if quote is None:
        return TxOutcome(original, "ACSC")
    source, target = quote.request.source_currency, quote.request.target_currency
    detail = (
        f"FX {source}->{target} rate {quote.display_rate}; debtor paid "
        f"{format_amount(quote.debtor_total_minor, source)} {source}; creditor agent "
        f"received {format_amount(quote.target_minor, target)} {target}"
    )
    charges = tuple(
        Charge(amount_minor=c.amount_minor, currency=c.currency, agent=Agent(bic=hub_bic))
        for c in quote.charges
    )
    return TxOutcome(original, "ACSC", None, detail, charges)


def original_of(instruction: TransferInstruction) -> OriginalRef:
    """The transaction's own references, as a status report quotes them."""
    record = instruction.record
    return OriginalRef(
        instruction_id=record.instruction_id,
        end_to_end_id=record.end_to_end_id,
        tx_id=record.tx_id,
        uetr=record.uetr,
    )
