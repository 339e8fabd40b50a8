"""ISO external status reason codes used by Corridor, and the `Problem` a check reports.

Every refusal maps to exactly one code of the ISO 20022 ExternalStatusReason1Code list.
The same table is in docs/integration.md ("Reason codes"); keep both in step.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Reason(StrEnum):
    """The ISO external status reason codes Corridor answers with."""

    FF01 = "FF01"  # InvalidFileFormat: not XML, hostile XML, over a limit, schema-invalid
    RC01 = "RC01"  # BankIdentifierIncorrect: BIC (ISO 9362) malformed or unknown country
    BE15 = "BE15"  # InvalidIdentificationCode: LEI (ISO 17442) check digits wrong
    AC01 = "AC01"  # IncorrectAccountNumber: IBAN check digits, length or country wrong
    AM01 = "AM01"  # ZeroAmount
    AM02 = "AM02"  # NotAllowedAmount: above the configured maximum
    AM03 = "AM03"  # NotAllowedCurrency: unknown to ISO 4217, or without a minor unit
    CH20 = "CH20"  # DecimalPointsNotCompatibleWithCurrency: more decimals than the exponent
    AM10 = "AM10"  # InvalidControlSum: TtlIntrBkSttlmAmt differs from the sum of transactions
    AM18 = "AM18"  # InvalidNumberOfTransactions: NbOfTxs differs from the count
    DT01 = "DT01"  # InvalidDate: date or time outside the accepted window
    CH16 = "CH16"  # ElementContentFormallyIncorrect: UETR not v4, bad code for this network
    DUPL = "DUPL"  # DuplicatePayment: MsgId already used by this sender, or a replayed header
    DS0A = "DS0A"  # DataSignRequested: the signature is missing
    DS0B = "DS0B"  # UnknownDataSignFormat: the signature does not verify or is malformed
    DS0E = "DS0E"  # IncorrectSignerCertificate: the key is not the sender's registered key
    NARR = "NARR"  # Narrative: anything else, explained in the text


REASON_NAMES: dict[Reason, str] = {
    Reason.FF01: "InvalidFileFormat",
    Reason.RC01: "BankIdentifierIncorrect",
    Reason.BE15: "InvalidIdentificationCode",
    Reason.AC01: "IncorrectAccountNumber",
    Reason.AM01: "ZeroAmount",
    Reason.AM02: "NotAllowedAmount",
    Reason.AM03: "NotAllowedCurrency",
    Reason.CH20: "DecimalPointsNotCompatibleWithCurrency",
    Reason.AM10: "InvalidControlSum",
    Reason.AM18: "InvalidNumberOfTransactions",
    Reason.DT01: "InvalidDate",
    Reason.CH16: "ElementContentFormallyIncorrect",
    Reason.DUPL: "DuplicatePayment",
    Reason.DS0A: "DataSignRequested",
    Reason.DS0B: "UnknownDataSignFormat",
    Reason.DS0E: "IncorrectSignerCertificate",
    Reason.NARR: "Narrative",
}

# What triggers each code, in the order checks run (see pipeline.parse_message).
REASON_TABLE: tuple[tuple[Reason, str], ...] = (
    (
        Reason.FF01,
        "not well-formed, DTD/entity, over a size/depth/element limit, no ISO "
        "namespace, unsupported message version, schema-invalid, AppHdr/Document "
        "mismatch",
    ),
    (Reason.DS0A, "signature required but AppHdr/Sgntr absent"),
    (Reason.DS0E, "signature key unknown or not registered to the AppHdr sender"),
    (Reason.DS0B, "signature malformed, digest or signature value wrong"),
    (Reason.AM03, "currency unknown to ISO 4217 or without a minor unit"),
    (Reason.CH20, "amount has more decimals than the currency's ISO 4217 exponent"),
    (Reason.AM01, "amount is zero"),
    (Reason.AM02, "amount above amount_minor_max"),
    (Reason.RC01, "BIC malformed (ISO 9362) or its country code unknown"),
    (Reason.BE15, "LEI check digits wrong (ISO 17442 / ISO 7064 MOD 97-10)"),
    (Reason.AC01, "IBAN check digits, length or country wrong"),
    (Reason.CH16, "UETR not a version-4 UUID; settlement method or charge bearer not allowed"),
    (
        Reason.DT01,
        "settlement date before creation date or too far ahead; creation time in "
        "the future or older than the accepted window",
    ),
    (Reason.AM18, "NbOfTxs differs from the number of transactions"),
    (Reason.AM10, "TtlIntrBkSttlmAmt (or TtlRtrdIntrBkSttlmAmt) differs from the sum"),
    (Reason.DUPL, "MsgId already received from this sender; AppHdr BizMsgIdr replayed"),
    (Reason.NARR, "message type not accepted in this direction; other refusals"),
)


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason to refuse a message.

    Attributes:
        reason: the ISO external status reason code.
        xpath: where, e.g. "/Document/FIToFICstmrCdtTrf/CdtTrfTxInf[1]/IntrBkSttlmAmt".
        value: the offending value as found (None when absent).
        message: what is wrong, in words an integrator can act on.
    """

    reason: Reason
    xpath: str
    value: str | None
    message: str

    def describe(self) -> str:
        shown = "" if self.value is None else f" (value {self.value[:80]!r})"
        return f"{self.reason}: {self.xpath}: {self.message}{shown}"
