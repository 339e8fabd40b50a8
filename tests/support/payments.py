"""A Payment record for tests that need one without running the hub."""

from __future__ import annotations

from typing import Any

from corridor.payments.records import Payment, PaymentKind, PaymentState


def sample_payment(**fields: Any) -> Payment:
    """A customer payment from BANKAAAA to BANKBBBB; `fields` override any field."""
    values: dict[str, Any] = {
        "uetr": "u-1",
        "kind": PaymentKind.customer,
        "msg_id": "M1",
        "end_to_end_id": "E1",
        "instructing_agent": "BANKAAAA",
        "debtor_agent": "BANKAAAA",
        "creditor_agent": "BANKBBBB",
        "debit_participant": "BANKAAAA",
        "credit_participant": "BANKBBBB",
        "amount_minor": 10_000,
        "currency": "INR",
        "state": PaymentState.received,
        "created_at_ms": 1_000,
        "updated_at_ms": 1_000,
    }
    return Payment(**(values | fields))
