"""The constraint model shared by gridlock resolution and the exact optimum.

Every constraint is a *bucket* with a headroom: a payment takes its amount out of the
buckets it debits and adds it to the buckets it credits; a set of payments can settle
simultaneously when no bucket ends below zero (below its headroom's own start when the
headroom is already negative, see `feasible`). Buckets:

- one liquidity bucket per participant: available balance less floor, capped by the net
  debit cap headroom when there is one; every payment debits its debtor's and credits
  its creditor's;
- one bucket per sender limit in use: a normal payment debits the debtor's bilateral
  limit towards the creditor (or its multilateral limit when there is no bilateral one);
  every payment credits the creditor's limit towards the debtor in the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from corridor.settlement.limits import LimitState
from corridor.settlement.payments import Priority, QueuedPayment

PAYMENTS_MAX = 1_000_000


@dataclass(slots=True)
class Model:
    """Flat arrays, indexed by payment (in queue order) and by bucket.

    Attributes:
        payments: the payments, sorted by (debtor, priority, sequence, id).
        participants: sorted; participant k owns liquidity bucket k.
        amount / debtor / creditor: per payment; debtor and creditor are bucket indexes.
        debit_limit / credit_limit: per payment, a limit bucket index or -1.
        headroom: per bucket; owner: per bucket, the participant index it belongs to.
    """

    payments: list[QueuedPayment]
    participants: list[str]
    amount: list[int]
    debtor: list[int]
    creditor: list[int]
    debit_limit: list[int]
    credit_limit: list[int]
    headroom: list[int]
    owner: list[int]


def build_model(
    payments: Sequence[QueuedPayment],
    liquidity_minor: Mapping[str, int],
    limits: LimitState | None,
) -> Model:
    if len(payments) > PAYMENTS_MAX:
        raise ValueError(f"{len(payments)} payments exceed PAYMENTS_MAX={PAYMENTS_MAX}")
    ordered = sorted(payments, key=lambda p: (p.debtor, p.priority, p.sequence, p.payment_id))
    names = sorted({p.debtor for p in ordered} | {p.creditor for p in ordered})
    index = {name: k for k, name in enumerate(names)}
    headroom = [_liquidity_headroom(name, liquidity_minor, limits) for name in names]
    model = Model(
        ordered,
        names,
        [p.amount_minor for p in ordered],
        [index[p.debtor] for p in ordered],
        [index[p.creditor] for p in ordered],
        [-1] * len(ordered),
        [-1] * len(ordered),
        headroom,
        list(range(len(names))),
    )
    config = limits.config if limits is not None else None
    if limits is not None and config and (config.bilateral_minor or config.multilateral_minor):
        _add_limit_buckets(model, limits, index)
    return model


def _liquidity_headroom(
    name: str, liquidity_minor: Mapping[str, int], limits: LimitState | None
) -> int:
    available = liquidity_minor.get(name, 0)
    cap = limits.cap_headroom(name) if limits is not None else None
    return available if cap is None else min(available, cap)


def _add_limit_buckets(model: Model, limits: LimitState, index: Mapping[str, int]) -> None:
    buckets: dict[tuple[str, str], int] = {}

    def bucket(setter: str, counterparty: str) -> int:
        key = (
            (setter, counterparty)
            if limits.has_bilateral(setter, counterparty)
            else (setter, "")
            if limits.has_multilateral(setter)
            else None
        )
        if key is None:
            return -1
        found = buckets.get(key)
        if found is None:
            headroom = limits.limit_headroom(setter, counterparty)
            assert headroom is not None
            found = buckets[key] = len(model.headroom)
            model.headroom.append(headroom)
            model.owner.append(index[setter])
        return found

    for i, payment in enumerate(model.payments):
        if payment.priority is Priority.normal:
            model.debit_limit[i] = bucket(payment.debtor, payment.creditor)
        model.credit_limit[i] = bucket(payment.creditor, payment.debtor)


def balances(model: Model, chosen: Sequence[bool] | bytearray) -> list[int]:
    """Each bucket's headroom plus the net effect of the chosen payments."""
    balance = list(model.headroom)
    for a, d, c, x, y, take in zip(
        model.amount,
        model.debtor,
        model.creditor,
        model.debit_limit,
        model.credit_limit,
        chosen,
        strict=True,
    ):
        if take:
            balance[d] -= a
            balance[c] += a
            if x >= 0:
                balance[x] -= a
            if y >= 0:
                balance[y] += a
    return balance


def feasible(model: Model, balance: Sequence[int]) -> bool:
    """No bucket below zero, except one that started below zero and did not go down."""
    headroom = model.headroom
    return all(b >= 0 or b >= h for b, h in zip(balance, headroom, strict=True))
