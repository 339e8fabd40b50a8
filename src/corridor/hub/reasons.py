"""Reason codes the hub answers with beyond the message layer's (iso20022.reasons).

All from the ISO 20022 ExternalStatusReason1Code list. docs/integration.md has the table.
"""

from __future__ import annotations

AM04 = "AM04"  # InsufficientFunds: the debit would take the account below its floor
AG01 = "AG01"  # TransactionForbidden: a participant involved is suspended or closed, or
#                the sender may not send for this debtor agent
RC01 = "RC01"  # BankIdentifierIncorrect: an agent is not a participant of this network
AM03 = "AM03"  # NotAllowedCurrency: a participant holds no settlement account in it
DUPL = "DUPL"  # DuplicatePayment: the UETR is already known, or the MsgId with other bytes
CH16 = "CH16"  # ElementContentFormallyIncorrect: e.g. the UETR is missing
NARR = "NARR"  # Narrative: see the text (e.g. the AppHdr sender is not the caller)
RR04 = "RR04"  # RegulatoryReason: rejected by a compliance officer after screening
AGNT = "AGNT"  # IncorrectAgent: a return or cancellation from an agent not party to it
AM09 = "AM09"  # WrongAmount: a return of more than is left to return of the original
TM01 = "TM01"  # InvalidCutOffTime: unsettled at the currency's cut-off

# camt.029 cancellation answers (ExternalPaymentCancellationRejection / status codes)
CANCELLATION_REJECTED = "RJCR"
CANCELLATION_ACCEPTED = "CNCL"
ALREADY_SETTLED = "ARDT"  # AlreadyReturned/settled: too late to cancel, ask for a return
NO_ORIGINAL = "NOOR"  # NoOriginalTransactionReceived

HUB_REASON_TABLE: tuple[tuple[str, str], ...] = (
    (NARR, "the AppHdr sender (Fr) is not the authenticated participant"),
    (
        AG01,
        "the sender, debtor agent or creditor agent is suspended or closed; or the sender "
        "does not settle for the debtor agent",
    ),
    (RC01, "the debtor or creditor agent is not a participant of this network"),
    (AM03, "the debtor or creditor (settling) participant has no account in the currency"),
    (CH16, "the transaction has no UETR (this network tracks every payment by UETR)"),
    (
        DUPL,
        "the UETR was already used by another payment; or the MsgId was already used by a "
        "message with other bytes",
    ),
    (AM04, "insufficient funds: the debit would break the account's floor"),
    (AGNT, "a return or cancellation sent by an agent that is not party to the original"),
    (AM09, "the return exceeds what is left to return of the original payment"),
    (RR04, "a compliance officer rejected the payment after screening"),
    (TM01, "still unsettled at the currency's cut-off"),
)
