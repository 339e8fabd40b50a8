"""AML rules as pure functions over a window of past payment facts.

`evaluate_aml(payment, history, rules)` returns the alerts a payment raises, checked in a
fixed order: amount threshold, velocity (count, then value, per debtor per window),
structuring (several payments just under the threshold), unusual corridor. Each rule has
`hold`: whether its alert should hold the payment (the hub decides what to do with it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

HISTORY_MAX = 100_000


@dataclass(frozen=True, slots=True)
class PaymentFact:
    """What the AML rules need of one payment.

    Attributes:
        payment_id, debtor, creditor: ids (debtor = the debtor's participant or account).
        amount_minor: amount in minor units of `currency`.
        debtor_country, creditor_country: ISO alpha-2.
        at: UTC-aware time of the payment.
    """

    payment_id: str
    debtor: str
    creditor: str
    amount_minor: int
    currency: str
    debtor_country: str
    creditor_country: str
    at: datetime


@dataclass(frozen=True, slots=True)
class AmlRules:
    """Operator-configured AML rules (amounts in minor units per currency).

    Attributes:
        amount_threshold_minor: currency -> amount at or above which an alert is raised.
        velocity_window: the period for velocity and structuring.
        velocity_count_max: payments per debtor in the window above which an alert is raised.
        velocity_value_max_minor: currency -> summed value per debtor per window.
        structuring_band: fraction of the threshold counted as "just under" (0.9 = 90..100%).
        structuring_count_min: that many just-under payments in the window raise an alert.
        corridor_history_min: a debtor with at least this many past payments that never
            used a (debtor country, creditor country) corridor raises an alert on it.
        hold: rule name -> whether its alert holds the payment.
    """

    amount_threshold_minor: Mapping[str, int] = field(default_factory=dict)
    velocity_window: timedelta = timedelta(hours=24)
    velocity_count_max: int = 50
    velocity_value_max_minor: Mapping[str, int] = field(default_factory=dict)
    structuring_band: float = 0.9
    structuring_count_min: int = 3
    corridor_history_min: int = 20
    hold: Mapping[str, bool] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AmlAlert:
    """One rule that fired: `rule`, what was measured, the limit, and whether it holds."""

    rule: str
    payment_id: str
    measured: int
    limit: int
    hold: bool
    detail: str


def _alert(
    rules: AmlRules, rule: str, payment: PaymentFact, measured: int, limit: int, detail: str
) -> AmlAlert:
    return AmlAlert(rule, payment.payment_id, measured, limit, rules.hold.get(rule, False), detail)


def evaluate_aml(
    payment: PaymentFact, history: Sequence[PaymentFact], rules: AmlRules
) -> tuple[AmlAlert, ...]:
    """Alerts for `payment` given earlier payments (any order; later ones are ignored)."""
    if len(history) > HISTORY_MAX:
        raise ValueError(f"history longer than {HISTORY_MAX}")
    if payment.at.tzinfo is None:
        raise ValueError("payment time must be UTC-aware")
    past = [p for p in history if p.at <= payment.at and p.payment_id != payment.payment_id]
    mine = [p for p in past if p.debtor == payment.debtor]
    window = [p for p in mine if p.at > payment.at - rules.velocity_window]
    alerts: list[AmlAlert] = []
    threshold = rules.amount_threshold_minor.get(payment.currency)
    if threshold is not None and payment.amount_minor >= threshold:
        alerts.append(
            _alert(
                rules,
                "amount_threshold",
                payment,
                payment.amount_minor,
                threshold,
                f"{payment.currency} amount at or above threshold",
            )
        )
    count = len(window) + 1
    if count > rules.velocity_count_max:
        alerts.append(
            _alert(
                rules,
                "velocity_count",
                payment,
                count,
                rules.velocity_count_max,
                f"payments by {payment.debtor} in {rules.velocity_window}",
            )
        )
    value_max = rules.velocity_value_max_minor.get(payment.currency)
    value = payment.amount_minor + sum(
        p.amount_minor for p in window if p.currency == payment.currency
    )
    if value_max is not None and value > value_max:
        alerts.append(
            _alert(
                rules,
                "velocity_value",
                payment,
                value,
                value_max,
                f"{payment.currency} value by {payment.debtor} in window",
            )
        )
    alerts.extend(_structuring(payment, window, rules, threshold))
    alerts.extend(_corridor(payment, mine, rules))
    return tuple(alerts)


def _structuring(
    payment: PaymentFact, window: Sequence[PaymentFact], rules: AmlRules, threshold: int | None
) -> list[AmlAlert]:
    if threshold is None:
        return []
    low = int(threshold * rules.structuring_band)
    under = [
        p
        for p in (*window, payment)
        if p.currency == payment.currency and low <= p.amount_minor < threshold
    ]
    if payment not in under or len(under) < rules.structuring_count_min:
        return []
    return [
        _alert(
            rules,
            "structuring",
            payment,
            len(under),
            rules.structuring_count_min,
            f"{len(under)} payments between {low} and {threshold} {payment.currency}",
        )
    ]


def _corridor(payment: PaymentFact, mine: Sequence[PaymentFact], rules: AmlRules) -> list[AmlAlert]:
    if len(mine) < rules.corridor_history_min:
        return []
    corridor = (payment.debtor_country, payment.creditor_country)
    if any((p.debtor_country, p.creditor_country) == corridor for p in mine):
        return []
    return [
        _alert(
            rules,
            "unusual_corridor",
            payment,
            0,
            rules.corridor_history_min,
            f"first payment {corridor[0]}->{corridor[1]} after {len(mine)} others",
        )
    ]
