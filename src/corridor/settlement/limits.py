"""Sender limits and net debit caps for one currency over one business day.

Semantics (documented choices):

- **Bilateral limit** L set by participant A against counterparty B (as in TARGET2):
  A's bilateral position towards B is everything A received from B (all priorities)
  less the *normal* payments A sent to B, since the start of the business day. A normal
  payment A -> B may settle only if the position stays >= -L. Urgent and high payments
  bypass sender limits and do not count against them (TARGET2 counts them in the
  position without checking them; we leave them out so that a limit caps exactly the net
  outflow of normal payments and the position can never sit below -L).
- **Multilateral limit** M set by A: the same, summed over every counterparty against
  which A has no bilateral limit. Payments to a bilateral counterparty never touch it.
- **Net debit cap** C (Mojaloop's NDC): A's net debit position in the currency (all
  payments out less all payments in, every priority) may not exceed C.

Checks run in this order; the first that fails is the answer: net_debit_cap,
bilateral_limit, multilateral_limit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum

from corridor.foundation.errors import InputError
from corridor.settlement.payments import Priority, QueuedPayment

LIMITS_MAX = 100_000  # bilateral limits per currency


class LimitCheck(IntEnum):
    """Why a payment may or may not settle now under the limits."""

    ok = 0
    net_debit_cap = 1
    bilateral_limit = 2
    multilateral_limit = 3


@dataclass(frozen=True, slots=True)
class LimitConfig:
    """The limits in force for one currency.

    Attributes:
        bilateral_minor: (setter, counterparty) -> limit, minor units, >= 0.
        multilateral_minor: setter -> limit, minor units, >= 0.
        net_debit_cap_minor: participant -> cap, minor units, >= 0.
    """

    bilateral_minor: Mapping[tuple[str, str], int] = field(default_factory=dict)
    multilateral_minor: Mapping[str, int] = field(default_factory=dict)
    net_debit_cap_minor: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.bilateral_minor) > LIMITS_MAX:
            raise InputError(
                f"more than {LIMITS_MAX} bilateral limits",
                field="bilateral_minor",
                value=len(self.bilateral_minor),
            )
        for name in ("bilateral_minor", "multilateral_minor", "net_debit_cap_minor"):
            for key, value in getattr(self, name).items():
                if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                    raise InputError(
                        "must be a non-negative integer", field=f"{name}[{key}]", value=value
                    )
        for setter, counterparty in self.bilateral_minor:
            if setter == counterparty:
                raise InputError(
                    "a participant cannot limit itself",
                    field="bilateral_minor",
                    value=(setter, counterparty),
                )


class LimitState:
    """Limits plus the day's flows for one currency. Pure: `record` is the only writer."""

    __slots__ = (
        "_bilateral_of",
        "_config",
        "_normal_out",
        "_out",
        "_total_in",
        "_total_normal_out",
        "_total_out",
    )

    def __init__(self, config: LimitConfig | None = None) -> None:
        self._config = config or LimitConfig()
        self._bilateral_of: dict[str, list[str]] = {}
        self._out: dict[tuple[str, str], int] = {}  # all priorities, debtor -> creditor
        self._normal_out: dict[tuple[str, str], int] = {}
        self._total_in: dict[str, int] = {}
        self._total_out: dict[str, int] = {}
        self._total_normal_out: dict[str, int] = {}
        self._index_bilaterals()

    def _index_bilaterals(self) -> None:
        self._bilateral_of = {}
        for setter, counterparty in sorted(self._config.bilateral_minor):
            self._bilateral_of.setdefault(setter, []).append(counterparty)

    @property
    def config(self) -> LimitConfig:
        return self._config

    def set_config(self, config: LimitConfig) -> None:
        """New limits (intraday change); the day's positions are kept."""
        self._config = config
        self._index_bilaterals()

    def copy(self) -> LimitState:
        other = LimitState.__new__(LimitState)  # the index is shared, not rebuilt and sorted:
        other._config = self._config  # it is derived from the config, never changed in place
        other._bilateral_of = self._bilateral_of
        other._out = dict(self._out)
        other._normal_out = dict(self._normal_out)
        other._total_in = dict(self._total_in)
        other._total_out = dict(self._total_out)
        other._total_normal_out = dict(self._total_normal_out)
        return other

    # -- positions ---------------------------------------------------------------------
    def bilateral_position(self, setter: str, counterparty: str) -> int:
        """Received from counterparty (all priorities) less normal payments sent to it."""
        received = self._out.get((counterparty, setter), 0)
        return received - self._normal_out.get((setter, counterparty), 0)

    def multilateral_position(self, setter: str) -> int:
        """The bilateral position summed over counterparties without a bilateral limit."""
        total = self._total_in.get(setter, 0) - self._total_normal_out.get(setter, 0)
        for counterparty in self._bilateral_of.get(setter, ()):
            total -= self.bilateral_position(setter, counterparty)
        return total

    def net_debit(self, participant: str) -> int:
        """All payments out less all payments in (positive = net debtor)."""
        return self._total_out.get(participant, 0) - self._total_in.get(participant, 0)

    def limit_headroom(self, setter: str, counterparty: str) -> int | None:
        """How much more normal outflow the setter's sender limit towards this
        counterparty allows; None when no limit applies."""
        bilateral = self._config.bilateral_minor.get((setter, counterparty))
        if bilateral is not None:
            return bilateral + self.bilateral_position(setter, counterparty)
        multilateral = self._config.multilateral_minor.get(setter)
        if multilateral is not None:
            return multilateral + self.multilateral_position(setter)
        return None

    def cap_headroom(self, participant: str) -> int | None:
        """How much more net debit the cap allows; None when there is no cap."""
        cap = self._config.net_debit_cap_minor.get(participant)
        return None if cap is None else cap - self.net_debit(participant)

    def has_bilateral(self, setter: str, counterparty: str) -> bool:
        return (setter, counterparty) in self._config.bilateral_minor

    def has_multilateral(self, setter: str) -> bool:
        return setter in self._config.multilateral_minor

    # -- checking and recording --------------------------------------------------------
    def allows(self, payment: QueuedPayment) -> LimitCheck:
        """May this payment settle now as far as limits go (liquidity is not checked)."""
        amount = payment.amount_minor
        cap = self.cap_headroom(payment.debtor)
        if cap is not None and amount > cap:
            return LimitCheck.net_debit_cap
        if payment.priority is not Priority.normal:
            return LimitCheck.ok
        headroom = self.limit_headroom(payment.debtor, payment.creditor)
        if headroom is None or amount <= headroom:
            return LimitCheck.ok
        if self.has_bilateral(payment.debtor, payment.creditor):
            return LimitCheck.bilateral_limit
        return LimitCheck.multilateral_limit

    def record(self, payment: QueuedPayment) -> None:
        """Count a settled payment in the day's positions."""
        debtor, creditor, amount = payment.debtor, payment.creditor, payment.amount_minor
        pair = (debtor, creditor)
        self._out[pair] = self._out.get(pair, 0) + amount
        self._total_out[debtor] = self._total_out.get(debtor, 0) + amount
        self._total_in[creditor] = self._total_in.get(creditor, 0) + amount
        if payment.priority is Priority.normal:
            self._normal_out[pair] = self._normal_out.get(pair, 0) + amount
            self._total_normal_out[debtor] = self._total_normal_out.get(debtor, 0) + amount

    def violations(self) -> list[str]:
        """Every limit the recorded positions break (empty when all hold)."""
        problems: list[str] = []
        config = self._config
        for (setter, counterparty), limit in sorted(config.bilateral_minor.items()):
            if self.bilateral_position(setter, counterparty) < -limit:
                problems.append(f"bilateral {setter}->{counterparty} below -{limit}")
        for setter, limit in sorted(config.multilateral_minor.items()):
            if self.multilateral_position(setter) < -limit:
                problems.append(f"multilateral {setter} below -{limit}")
        for participant, cap in sorted(config.net_debit_cap_minor.items()):
            if self.net_debit(participant) > cap:
                problems.append(f"net debit {participant} above {cap}")
        return problems
