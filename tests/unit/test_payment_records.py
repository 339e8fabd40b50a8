"""Payment copies: evolve_payment is dataclasses.replace, only cheaper."""

from __future__ import annotations

import dataclasses

import pytest
from tests.support.payments import sample_payment

from corridor.payments.lifecycle import ALLOWED, TransitionError, advance, check_step
from corridor.payments.records import Payment, PaymentState, evolve_payment


def _payment() -> Payment:
    return sample_payment(
        amount_minor=12_345,
        currency="EUR",
        created_at_ms=1,
        updated_at_ms=2,
        tx_id="T1",
        priority="HIGH",
    )


# A new value for every field, so that a field the copy forgot would show.
_CHANGES = {
    f.name: (f"x-{f.name}" if isinstance(getattr(_payment(), f.name), str | None) else 99)
    for f in dataclasses.fields(Payment)
}


@pytest.mark.parametrize("name", sorted(_CHANGES))
def test_evolve_changes_one_field_as_replace_does(name: str) -> None:
    payment = _payment()
    changed = evolve_payment(payment, **{name: _CHANGES[name]})
    assert changed == dataclasses.replace(payment, **{name: _CHANGES[name]})
    assert payment == _payment()  # the original is left alone


def test_evolve_without_changes_is_an_equal_copy_and_stays_frozen() -> None:
    payment = _payment()
    copy = evolve_payment(payment)
    assert copy == payment and copy is not payment
    with pytest.raises(dataclasses.FrozenInstanceError):
        copy.state = PaymentState.settled  # type: ignore[misc]


def test_evolve_refuses_an_unknown_field() -> None:
    with pytest.raises(TypeError):
        evolve_payment(_payment(), colour="red")


def test_advance_moves_state_and_time_and_keeps_the_reason_unless_given() -> None:
    validated, event = advance(_payment(), PaymentState.validated, 7, "routed")
    assert (validated.state, validated.updated_at_ms, validated.reason) == (
        PaymentState.validated,
        7,
        None,
    )
    assert (event.uetr, event.state, event.at_ms, event.detail) == (
        "u-1",
        validated.state,
        7,
        "routed",
    )
    rejected, _ = advance(validated, PaymentState.rejected, 8, "no", "AM04")
    assert rejected.reason == "AM04" and rejected.amount_minor == 12_345
    with pytest.raises(TransitionError):
        advance(rejected, PaymentState.settled, 9)


def test_check_step_allows_what_the_table_allows_and_nothing_else() -> None:
    """The check the hub's batches make for each step (they record steps as drafts)."""
    for before, allowed in ALLOWED.items():
        for after in PaymentState:
            if after in allowed:
                check_step("u-1", before, after)
            else:
                with pytest.raises(TransitionError, match=f"u-1: {before} -> {after}"):
                    check_step("u-1", before, after)
