"""Sender limits (bilateral, multilateral) and net debit caps."""

from __future__ import annotations

import pytest

from corridor.foundation.errors import InputError
from corridor.settlement import LimitCheck, LimitConfig, LimitState, Priority, QueuedPayment


def pay(
    debtor: str, creditor: str, amount: int, priority: Priority = Priority.normal
) -> QueuedPayment:
    return QueuedPayment(1, debtor, creditor, "EUR", amount, priority)


def test_bilateral_limit_caps_net_normal_outflow_and_incoming_restores_it() -> None:
    state = LimitState(LimitConfig(bilateral_minor={("A", "B"): 100}))
    assert state.allows(pay("A", "B", 100)) is LimitCheck.ok
    assert state.allows(pay("A", "B", 101)) is LimitCheck.bilateral_limit
    state.record(pay("A", "B", 100))
    assert state.bilateral_position("A", "B") == -100
    assert state.allows(pay("A", "B", 1)) is LimitCheck.bilateral_limit
    state.record(pay("B", "A", 30, Priority.urgent))  # incoming of any priority counts
    assert state.allows(pay("A", "B", 30)) is LimitCheck.ok
    assert state.allows(pay("A", "B", 31)) is LimitCheck.bilateral_limit
    assert state.violations() == []


def test_urgent_and_high_payments_bypass_sender_limits() -> None:
    state = LimitState(LimitConfig(bilateral_minor={("A", "B"): 0}, multilateral_minor={"A": 0}))
    for priority in (Priority.urgent, Priority.high):
        assert state.allows(pay("A", "B", 500, priority)) is LimitCheck.ok
        assert state.allows(pay("A", "C", 500, priority)) is LimitCheck.ok
    state.record(pay("A", "B", 500, Priority.urgent))
    assert state.bilateral_position("A", "B") == 0  # and do not count against them


def test_multilateral_limit_covers_counterparties_without_a_bilateral_one() -> None:
    state = LimitState(
        LimitConfig(bilateral_minor={("A", "B"): 1_000}, multilateral_minor={"A": 50})
    )
    assert state.allows(pay("A", "C", 51)) is LimitCheck.multilateral_limit
    assert state.allows(pay("A", "B", 500)) is LimitCheck.ok  # bilateral applies instead
    state.record(pay("A", "B", 500))
    assert state.multilateral_position("A") == 0
    state.record(pay("C", "A", 20))
    assert state.allows(pay("A", "D", 70)) is LimitCheck.ok
    assert state.allows(pay("A", "D", 71)) is LimitCheck.multilateral_limit


def test_net_debit_cap_applies_to_every_priority_and_is_checked_first() -> None:
    state = LimitState(LimitConfig(bilateral_minor={("A", "B"): 0}, net_debit_cap_minor={"A": 100}))
    assert state.allows(pay("A", "B", 101, Priority.urgent)) is LimitCheck.net_debit_cap
    assert state.allows(pay("A", "B", 101)) is LimitCheck.net_debit_cap
    state.record(pay("B", "A", 50))
    assert state.net_debit("A") == -50
    assert state.allows(pay("A", "C", 150, Priority.urgent)) is LimitCheck.ok


def test_copy_is_independent_and_config_changes_keep_positions() -> None:
    state = LimitState(LimitConfig(bilateral_minor={("A", "B"): 100}))
    trial = state.copy()
    trial.record(pay("A", "B", 100))
    assert state.bilateral_position("A", "B") == 0
    trial.set_config(LimitConfig(bilateral_minor={("A", "B"): 50}))
    assert trial.bilateral_position("A", "B") == -100
    assert trial.violations() == ["bilateral A->B below -50"]


def test_bad_limits_name_the_field() -> None:
    with pytest.raises(InputError) as error:
        LimitConfig(multilateral_minor={"A": -1})
    assert error.value.field == "multilateral_minor[A]"
    with pytest.raises(InputError):
        LimitConfig(bilateral_minor={("A", "A"): 5})
