"""AML rules: amount threshold, velocity, structuring, unusual corridor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from corridor.screening import AmlRules, PaymentFact, evaluate_aml

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
RULES = AmlRules(
    amount_threshold_minor={"EUR": 1_000_000},
    velocity_window=timedelta(hours=24),
    velocity_count_max=3,
    velocity_value_max_minor={"EUR": 2_500_000},
    structuring_band=0.9,
    structuring_count_min=3,
    corridor_history_min=4,
    hold={"amount_threshold": True},
)


def _pay(
    n: int,
    amount: int,
    *,
    minutes: int = 0,
    debtor: str = "BANKA",
    corridor: tuple[str, str] = ("DE", "FR"),
) -> PaymentFact:
    return PaymentFact(
        f"p{n}", debtor, "BANKB", amount, "EUR", *corridor, T0 + timedelta(minutes=minutes)
    )


def _rules_fired(payment: PaymentFact, history: list[PaymentFact]) -> list[str]:
    return [a.rule for a in evaluate_aml(payment, history, RULES)]


def test_amount_threshold_alerts_and_holds() -> None:
    (alert,) = evaluate_aml(_pay(1, 1_000_000), [], RULES)
    assert (alert.rule, alert.hold, alert.measured, alert.limit) == (
        "amount_threshold",
        True,
        1_000_000,
        1_000_000,
    )
    assert evaluate_aml(_pay(1, 999_999), [], RULES) == ()


def test_velocity_count_and_value_per_debtor_in_window() -> None:
    history = [_pay(i, 100, minutes=-60 * i) for i in range(1, 4)]
    assert _rules_fired(_pay(9, 100), history) == ["velocity_count"]
    old = [_pay(i, 100, minutes=-60 * 25 - i) for i in range(1, 6)]
    assert _rules_fired(_pay(9, 100), old) == []
    others = [_pay(i, 100, minutes=-i, debtor="OTHER") for i in range(1, 6)]
    assert _rules_fired(_pay(9, 100), others) == []
    big = [_pay(1, 800_000, minutes=-10), _pay(2, 800_000, minutes=-20)]
    assert "velocity_value" in _rules_fired(_pay(9, 950_000), big)


def test_structuring_many_payments_just_under_threshold() -> None:
    history = [_pay(1, 950_000, minutes=-30), _pay(2, 990_000, minutes=-20)]
    assert "structuring" in _rules_fired(_pay(3, 960_000), history)
    assert "structuring" not in _rules_fired(_pay(3, 500_000), history)


def test_unusual_corridor_after_enough_history() -> None:
    history = [_pay(i, 100, minutes=-60 * 24 * i) for i in range(1, 5)]
    assert _rules_fired(_pay(9, 100, corridor=("DE", "KP")), history) == ["unusual_corridor"]
    assert _rules_fired(_pay(9, 100), history) == []
    assert _rules_fired(_pay(9, 100, corridor=("DE", "KP")), history[:2]) == []


def test_future_payments_are_ignored_and_naive_time_rejected() -> None:
    later = [_pay(i, 100, minutes=60 + i) for i in range(1, 6)]
    assert _rules_fired(_pay(9, 100), later) == []
    naive = PaymentFact("p", "A", "B", 1, "EUR", "DE", "FR", datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="UTC"):
        evaluate_aml(naive, [], RULES)
