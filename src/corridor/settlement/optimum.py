"""The exact optimum for small instances: the most valuable set that can settle together.

Branch and bound over subsets (exponential: for n <= OPTIMUM_PAYMENTS_MAX payments).
Payments are decided largest first; a branch is cut when its value plus everything
still undecided cannot beat the best found, or when some bucket could not be brought
back to cover even if every undecided payment crediting it were taken and none debiting
it. Used to measure the gridlock heuristic, never on the settlement path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from corridor.settlement._model import Model, build_model, feasible
from corridor.settlement.limits import LimitState
from corridor.settlement.payments import QueuedPayment

OPTIMUM_PAYMENTS_MAX = 24


def exact_optimum(
    payments: Sequence[QueuedPayment],
    liquidity_minor: Mapping[str, int],
    limits: LimitState | None = None,
    *,
    preserve_order: bool = False,
) -> tuple[int, frozenset[int]]:
    """(value, payment ids) of a most valuable simultaneously settleable set."""
    if len(payments) > OPTIMUM_PAYMENTS_MAX:
        raise ValueError(f"{len(payments)} payments exceed OPTIMUM_PAYMENTS_MAX")
    model = build_model(payments, liquidity_minor, limits)
    search = _Search(model, preserve_order)
    search.run()
    ids = frozenset(model.payments[i].payment_id for i in search.best_set)
    return search.best_value, ids


class _Search:
    def __init__(self, model: Model, preserve_order: bool) -> None:
        self.model = model
        self.preserve_order = preserve_order
        n = len(model.payments)
        self.order = sorted(range(n), key=lambda i: (-model.amount[i], i))
        self.effects = [_effects(model, i) for i in range(n)]
        self.suffix_value = [0] * (n + 1)
        for pos in range(n - 1, -1, -1):
            self.suffix_value[pos] = self.suffix_value[pos + 1] + model.amount[self.order[pos]]
        # Credits still possible per bucket from undecided payments (for the cut).
        self.credit_left = [0] * len(model.headroom)
        for effects in self.effects:
            for k, delta in effects:
                if delta > 0:
                    self.credit_left[k] += delta
        self.balance = list(model.headroom)
        self.chosen = [False] * n
        self.best_value = 0
        self.best_set: list[int] = []

    def run(self) -> None:
        self._visit(0, 0)

    def _visit(self, pos: int, value: int) -> None:
        if value + self.suffix_value[pos] <= self.best_value and pos > 0:
            return
        if pos == len(self.order):
            if feasible(self.model, self.balance) and self._order_ok():
                self.best_value = value
                self.best_set = [i for i, c in enumerate(self.chosen) if c]
            return
        i = self.order[pos]
        effects = self.effects[i]
        for k, delta in effects:
            if delta > 0:
                self.credit_left[k] -= delta
        for take in (True, False):
            if take:
                self._apply(i, effects, 1)
            if self._can_recover(effects):
                self._visit(pos + 1, value + (self.model.amount[i] if take else 0))
            if take:
                self._apply(i, effects, -1)
        for k, delta in effects:
            if delta > 0:
                self.credit_left[k] += delta

    def _apply(self, i: int, effects: list[tuple[int, int]], sign: int) -> None:
        self.chosen[i] = sign > 0
        for k, delta in effects:
            self.balance[k] += sign * delta

    def _can_recover(self, effects: list[tuple[int, int]]) -> bool:
        headroom, balance, credit_left = self.model.headroom, self.balance, self.credit_left
        return all(balance[k] + credit_left[k] >= min(0, headroom[k]) for k, _ in effects)

    def _order_ok(self) -> bool:
        if not self.preserve_order:
            return True
        debtor = self.model.debtor
        return all(
            not (self.chosen[i] and not self.chosen[i - 1] and debtor[i - 1] == debtor[i])
            for i in range(1, len(self.chosen))
        )


def _effects(model: Model, i: int) -> list[tuple[int, int]]:
    amount = model.amount[i]
    effects = [(model.debtor[i], -amount), (model.creditor[i], amount)]
    if model.debit_limit[i] >= 0:
        effects.append((model.debit_limit[i], -amount))
    if model.credit_limit[i] >= 0:
        effects.append((model.credit_limit[i], amount))
    return effects
