"""Message composition for integrators: valid pacs.008s, signatures, errors naming fields."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from corridor.client import compose_credit_transfer, load_key, message_references, sign_message
from corridor.crypto.keys import KeyRing, generate_private_key, private_key_pem
from corridor.foundation.errors import AmountError, CurrencyError, InputError
from corridor.iso20022 import ParsedMessage, Policy, parse_message
from corridor.iso20022.envelope import locate_parts
from corridor.iso20022.records import CreditTransfer, Direction
from corridor.iso20022.schema import SchemaRegistry
from corridor.iso20022.secure import secure_parse
from corridor.iso20022.signing import verify_apphdr

AT = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


def _compose(**changes: object) -> bytes:
    fields: dict[str, object] = {
        "debtor_agent": "GANGINBB",
        "creditor_agent": "DECCINBB",
        "amount": "1234.50",
        "currency": "INR",
        "debtor_name": "Ganges Textiles",
        "creditor_name": "Deccan Mills",
        "remittance": ("Invoice 1", "Order 7"),
        "created_at": AT,
    }
    fields.update(changes)
    return compose_credit_transfer(**fields)  # type: ignore[arg-type]


def test_composed_message_is_schema_valid_and_says_what_was_asked() -> None:
    uetr = str(uuid.uuid4())
    xml = _compose(uetr=uetr, msg_id="MSG-1", settlement_priority="HIGH")
    policy = Policy(
        schemas=SchemaRegistry.default(),
        direction=Direction.INBOUND,
        require_signature=False,
        require_header=True,
        now=AT,
    )
    parsed = parse_message(xml, policy)
    assert isinstance(parsed, ParsedMessage), parsed
    body = parsed.body
    assert isinstance(body, CreditTransfer)
    tx = body.transactions[0]
    assert (tx.amount_minor, tx.currency, tx.uetr) == (123_450, "INR", uetr)
    assert (tx.debtor_agent.bic, tx.creditor_agent.bic) == ("GANGINBB", "DECCINBB")
    assert (tx.debtor.name, tx.creditor.name) == ("Ganges Textiles", "Deccan Mills")
    assert tx.remittance == ("Invoice 1", "Order 7")
    assert tx.settlement_priority == "HIGH"
    assert body.group.msg_id == "MSG-1" and body.group.total_amount_minor == 123_450
    assert parsed.header is not None and parsed.header.to_agent.bic == "CRDRSGSG"


def test_fresh_ids_by_default() -> None:
    first, second = message_references(_compose()), message_references(_compose())
    assert first[0] != second[0] and first[1] != second[1]
    assert len(first[0]) <= 35 and uuid.UUID(first[1][0]).version == 4


def test_signature_verifies_with_the_public_key() -> None:
    key = generate_private_key()
    signed = sign_message(_compose(), key)
    root = secure_parse(signed)
    parts = locate_parts(root)  # type: ignore[arg-type]
    ring = KeyRing()
    ring.add("GANGINBB", key.public_key())
    assert verify_apphdr(parts.apphdr, parts.document, ring, "GANGINBB") is None  # type: ignore[union-attr]
    with pytest.raises(InputError, match="already has a Sgntr"):
        sign_message(signed, key)


@pytest.mark.parametrize(
    ("changes", "error", "field"),
    [
        ({"amount": "100.005"}, AmountError, "amount"),
        ({"amount": "0.00"}, InputError, "amount"),
        ({"amount": "-5"}, AmountError, "amount"),
        ({"amount": "1e5"}, AmountError, "amount"),
        ({"currency": "XYZ"}, CurrencyError, "currency"),
        ({"currency": "inr"}, CurrencyError, "currency"),
        ({"debtor_agent": "GANG1"}, InputError, "debtor_agent"),
        ({"creditor_agent": "DECC!NBB"}, InputError, "creditor_agent"),
        ({"hub_bic": "HUB"}, InputError, "hub_bic"),
        ({"uetr": "not-a-uuid"}, InputError, "uetr"),
        ({"msg_id": "M" * 36}, InputError, "msg_id"),
        ({"debtor_name": ""}, InputError, "debtor_name"),
        ({"creditor_name": "x" * 141}, InputError, "creditor_name"),
        ({"remittance": ["line"] * 11}, InputError, "remittance"),
        ({"settlement_priority": "FAST"}, InputError, "settlement_priority"),
        ({"charge_bearer": "OUR"}, InputError, "charge_bearer"),
    ],
)
def test_bad_input_names_the_field_and_value(
    changes: dict[str, object], error: type[InputError], field: str
) -> None:
    with pytest.raises(error) as caught:
        _compose(**changes)
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")


def test_zero_decimal_currency_refuses_decimals() -> None:
    with pytest.raises(AmountError, match="JPY allows 0"):
        _compose(amount="100.5", currency="JPY")
    assert message_references(_compose(amount="100", currency="JPY"))[1]


def test_load_key(tmp_path: Path) -> None:
    key = generate_private_key()
    path = tmp_path / "bank.pem"
    path.write_bytes(private_key_pem(key))
    assert load_key(path).public_key() == key.public_key()
    with pytest.raises(InputError) as missing:
        load_key(tmp_path / "absent.pem")
    assert missing.value.field == "key" and "absent.pem" in str(missing.value)
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a key")
    with pytest.raises(InputError, match="not a PEM private key"):
        load_key(garbage)


def test_sign_refuses_what_is_not_a_message() -> None:
    key = generate_private_key()
    with pytest.raises(InputError, match="message"):
        sign_message(b"<not-closed", key)
    with pytest.raises(InputError, match="AppHdr and a Document"):
        sign_message(b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"/>', key)
