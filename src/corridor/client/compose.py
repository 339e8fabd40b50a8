"""Message composition for integrators: a pacs.008 from a few fields, and its signature.

`compose_credit_transfer` builds one customer credit transfer (one transaction) in
Corridor's envelope with an AppHdr addressed to the hub, unsigned; `sign_message` adds
the AppHdr/Sgntr XML-DSig that the hub checks (docs/integration.md, "Signatures").
Sign last: any change to the bytes after signing breaks the signature.

Bad input raises corridor.foundation.errors.InputError (or its AmountError and
CurrencyError subclasses) naming the field and the value; nothing is sent anywhere.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from lxml import etree

from corridor.client._results_more import Quote
from corridor.crypto.keys import KEY_FILE_BYTES_MAX, PrivateKey, load_private_key
from corridor.foundation.errors import InputError
from corridor.foundation.money import AMOUNT_MINOR_MAX, parse_amount
from corridor.iso20022.envelope import locate_parts
from corridor.iso20022.outbound import build_message, make_header
from corridor.iso20022.reasons import Problem
from corridor.iso20022.records import (
    Agent,
    Charge,
    CreditTransfer,
    CreditTransferTransaction,
    GroupHeader,
    Party,
)
from corridor.iso20022.rules import bic_problem, uetr_valid
from corridor.iso20022.secure import secure_parse
from corridor.iso20022.signing import sign_apphdr

DEFAULT_HUB_BIC = "CRDRSGSG"
TEXT_35_MAX = 35  # Max35Text: MsgId, EndToEndId
NAME_LENGTH_MAX = 140  # Max140Text: party names, remittance lines
REMITTANCE_LINES_MAX = 10
SETTLEMENT_PRIORITIES = ("URGT", "HIGH", "NORM")
CHARGE_BEARERS = ("DEBT", "CRED", "SHAR", "SLEV")


def compose_credit_transfer(
    debtor_agent: str,
    creditor_agent: str,
    amount: str,
    currency: str,
    *,
    debtor_name: str,
    creditor_name: str,
    remittance: str | Sequence[str] = (),
    uetr: str | None = None,
    msg_id: str | None = None,
    settlement_priority: str | None = None,
    hub_bic: str = DEFAULT_HUB_BIC,
    end_to_end_id: str | None = None,
    charge_bearer: str = "SHAR",
    created_at: datetime | None = None,
) -> bytes:
    """An unsigned pacs.008 (one transaction) from `debtor_agent` to `creditor_agent`.

    `amount` is a decimal string in the currency's units ("100.00"); it is refused when it
    has more decimals than ISO 4217 allows or is not positive. `uetr` defaults to a fresh
    UUID v4 and `msg_id` to a fresh unique id; read them back with `message_references`.
    The sender (AppHdr/Fr) is the debtor agent; the receiver (AppHdr/To) is `hub_bic`.
    """
    at = created_at or datetime.now(UTC)
    transaction = _transaction(
        _bic(debtor_agent, "debtor_agent"),
        _bic(creditor_agent, "creditor_agent"),
        _amount_minor(amount, currency),
        currency,
        debtor_name=_text(debtor_name, "debtor_name", NAME_LENGTH_MAX),
        creditor_name=_text(creditor_name, "creditor_name", NAME_LENGTH_MAX),
        remittance=_remittance(remittance),
        uetr=_uetr(uetr),
        end_to_end_id=_text(end_to_end_id or _fresh_id("E2E"), "end_to_end_id", TEXT_35_MAX),
        settlement_priority=_choice(
            settlement_priority, "settlement_priority", SETTLEMENT_PRIORITIES
        ),
        charge_bearer=_choice(charge_bearer, "charge_bearer", CHARGE_BEARERS) or "SHAR",
        at=at,
    )
    return _message(transaction, msg_id, hub_bic, at)


def compose_fx_transfer(
    quote: Quote,
    *,
    debtor_name: str,
    creditor_name: str,
    remittance: str | Sequence[str] = (),
    uetr: str | None = None,
    msg_id: str | None = None,
    settlement_priority: str | None = None,
    hub_bic: str = DEFAULT_HUB_BIC,
    end_to_end_id: str | None = None,
    created_at: datetime | None = None,
) -> bytes:
    """An unsigned cross-currency pacs.008 that uses `quote` (from CorridorClient.quote).

    It states what the hub checks against the quote (docs/integration.md, "Quotes and
    cross-currency payments"): IntrBkSttlmAmt = the target amount in the target
    currency, InstdAmt = the instructed amount in the source currency, XchgRate, ChrgBr,
    one ChrgsInf per charge, and InstrForNxtAgt/InstrInf "/FXQT/<quote id>".
    """
    at = created_at or datetime.now(UTC)
    base = _transaction(
        _bic(quote.debtor_agent, "debtor_agent"),
        _bic(quote.creditor_agent, "creditor_agent"),
        quote.target_minor,
        quote.target_currency,
        debtor_name=_text(debtor_name, "debtor_name", NAME_LENGTH_MAX),
        creditor_name=_text(creditor_name, "creditor_name", NAME_LENGTH_MAX),
        remittance=_remittance(remittance),
        uetr=_uetr(uetr),
        end_to_end_id=_text(end_to_end_id or _fresh_id("E2E"), "end_to_end_id", TEXT_35_MAX),
        settlement_priority=_choice(
            settlement_priority, "settlement_priority", SETTLEMENT_PRIORITIES
        ),
        charge_bearer=_choice(quote.charge_bearer, "charge_bearer", CHARGE_BEARERS) or "DEBT",
        at=at,
    )
    transaction = dataclasses.replace(
        base,
        instructed_amount_minor=quote.instructed_minor,
        instructed_currency=quote.source_currency,
        exchange_rate=quote.xchg_rate,
        charges=tuple(
            Charge(c.amount_minor, c.currency, Agent(bic=_bic(c.agent, "charges.agent")))
            for c in quote.charges
        ),
        quote_id=quote.id,
    )
    return _message(transaction, msg_id, hub_bic, at)


def _message(
    transaction: CreditTransferTransaction, msg_id: str | None, hub_bic: str, at: datetime
) -> bytes:
    """The unsigned pacs.008 carrying `transaction`, from its debtor agent to `hub_bic`."""
    group = GroupHeader(
        msg_id=_text(msg_id or _fresh_id("MSG"), "msg_id", TEXT_35_MAX),
        created_at=at,
        number_of_transactions=1,
        settlement_method="CLRG",
        total_amount_minor=transaction.amount_minor,
        total_currency=transaction.currency,
        settlement_date=at.date(),
    )
    body = CreditTransfer(group=group, transactions=(transaction,))
    sender = transaction.debtor_agent
    return build_message(make_header(body, sender, Agent(bic=_bic(hub_bic, "hub_bic")), at), body)


def _transaction(
    debtor_agent: str,
    creditor_agent: str,
    amount_minor: int,
    currency: str,
    *,
    debtor_name: str,
    creditor_name: str,
    remittance: tuple[str, ...],
    uetr: str,
    end_to_end_id: str,
    settlement_priority: str | None,
    charge_bearer: str,
    at: datetime,
) -> CreditTransferTransaction:
    return CreditTransferTransaction(
        end_to_end_id=end_to_end_id,
        instruction_id=end_to_end_id,
        tx_id=end_to_end_id,
        uetr=uetr,
        amount_minor=amount_minor,
        currency=currency,
        settlement_date=at.date(),
        settlement_priority=settlement_priority,
        charge_bearer=charge_bearer,
        debtor=Party(name=debtor_name),
        debtor_agent=Agent(bic=debtor_agent),
        creditor_agent=Agent(bic=creditor_agent),
        creditor=Party(name=creditor_name),
        remittance=remittance,
    )


def sign_message(xml: bytes, private_key: PrivateKey) -> bytes:
    """`xml` with an AppHdr/Sgntr signature over its AppHdr and Document (Corridor profile).

    Refuses (InputError, field "message") bytes that are not a message with an AppHdr and
    a Document, or whose AppHdr is already signed.
    """
    root = secure_parse(xml)
    if isinstance(root, Problem):
        raise InputError(root.describe(), field="message")
    parts = locate_parts(root)
    if isinstance(parts, Problem):
        raise InputError(parts.describe(), field="message")
    if parts.apphdr is None or parts.document is None:
        raise InputError("signing needs a message with an AppHdr and a Document", field="message")
    try:
        sign_apphdr(parts.apphdr, parts.document, private_key)
    except ValueError as error:
        raise InputError(str(error), field="message") from None
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")


def load_key(path: Path | str, password: bytes | None = None) -> PrivateKey:
    """A private key file (PEM, from `corridor iso keygen`); InputError field "key" if not."""
    file = Path(path)
    try:
        size = file.stat().st_size
        if size > KEY_FILE_BYTES_MAX:
            raise InputError("key file too large", field="key", value=str(file))
        pem = file.read_bytes()
    except OSError as error:
        raise InputError(
            f"cannot read {file}: {error.strerror}", field="key", value=str(file)
        ) from None
    try:
        return load_private_key(pem, password)
    except InputError as error:
        raise InputError(f"{file}: {error.message}", field="key", value=str(file)) from None


def message_references(xml: bytes) -> tuple[str, tuple[str, ...]]:
    """(MsgId, UETRs) of a message, to follow it up with `track` (read with secure parsing)."""
    root = secure_parse(xml)
    if isinstance(root, Problem):
        raise InputError(root.describe(), field="message")
    msg_ids = [el.text or "" for el in root.iter("{*}MsgId")]
    uetrs = tuple(el.text or "" for el in root.iter("{*}UETR"))
    return (msg_ids[0] if msg_ids else ""), uetrs


# -- checks -------------------------------------------------------------------------
def _bic(value: str, field: str) -> str:
    problem = bic_problem(value) if isinstance(value, str) else "must be a string"
    if problem is not None:
        raise InputError(problem, field=field, value=value)
    return value


def _amount_minor(amount: str, currency: str) -> int:
    amount_minor = parse_amount(amount, currency, field="amount")
    if not 0 < amount_minor <= AMOUNT_MINOR_MAX:
        raise InputError("must be greater than zero", field="amount", value=amount)
    return amount_minor


def _text(value: str, field: str, length_max: int) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > length_max:
        raise InputError(f"must be 1 to {length_max} characters", field=field, value=value)
    return value


def _remittance(value: str | Sequence[str]) -> tuple[str, ...]:
    lines = (value,) if isinstance(value, str) else tuple(value)
    if len(lines) > REMITTANCE_LINES_MAX:
        raise InputError(
            f"at most {REMITTANCE_LINES_MAX} lines", field="remittance", value=len(lines)
        )
    return tuple(_text(line, "remittance", NAME_LENGTH_MAX) for line in lines if line)


def _uetr(value: str | None) -> str:
    if value is None:
        return str(uuid.uuid4())
    if not isinstance(value, str) or not uetr_valid(value):
        raise InputError("must be a lower-case UUID version 4", field="uetr", value=value)
    return value


def _choice(value: str | None, field: str, allowed: tuple[str, ...]) -> str | None:
    if value is not None and value not in allowed:
        raise InputError(f"must be one of {', '.join(allowed)}", field=field, value=value)
    return value


def _fresh_id(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[: 35 - len(prefix)]}"
