"""Network charges on cross-currency payments: a fee schedule, disclosed before commit.

The operator charges a fixed amount per source currency plus basis points of the
converted source amount, both in the source currency, credited to the operator's fees
account in that currency. Basis-point charges round DOWN (in the debtor's favour).

Who bears them (ISO 20022 ChrgBr):
    DEBT, SHAR, SLEV  the debtor agent pays the charges on top of the converted amount;
                      the creditor receives the quoted target amount in full.
    CRED              the charges come out of the instructed (sending-side) amount before
                      conversion; only with the amount fixed on the sending side.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from corridor.foundation.config import BIC_RE
from corridor.foundation.errors import InputError
from corridor.foundation.money import AMOUNT_MINOR_MAX, currency

BPS_MAX = 1_000  # 10 %: a schedule above that is a typo
BPS_DENOMINATOR = 10_000


class ChargeBearer(StrEnum):
    debtor = "DEBT"
    creditor = "CRED"
    shared = "SHAR"
    service_level = "SLEV"

    @property
    def deducted(self) -> bool:
        """Whether charges come out of the instructed amount (rather than on top of it)."""
        return self is ChargeBearer.creditor


class ChargeKind(StrEnum):
    network_fixed = "network_fixed"
    network_bps = "network_bps"


@dataclass(frozen=True, slots=True)
class Charge:
    """One charge, disclosed in the quote and in ChrgsInf (Amt and Agt).

    Attributes:
        kind: what the charge is for.
        amount_minor: positive, minor units of `currency`.
        currency: the source currency of the payment.
        agent: the BIC of the party that takes it (the operator).
    """

    kind: ChargeKind
    amount_minor: int
    currency: str
    agent: str


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    """The network's charges for a cross-currency payment.

    Attributes:
        agent: the operator's BIC, named as the charging agent in ChrgsInf.
        bps: basis points of the converted source amount, 0..BPS_MAX.
        fixed_minor: fixed charge per source currency (minor units); absent = none.
    """

    agent: str
    bps: int = 0
    fixed_minor: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        if not BIC_RE.match(self.agent):
            raise InputError("is not a BIC (ISO 9362)", field="agent", value=self.agent)
        if (
            not isinstance(self.bps, int)
            or isinstance(self.bps, bool)
            or not (0 <= self.bps <= BPS_MAX)
        ):
            raise InputError(f"must be an integer in [0, {BPS_MAX}]", field="bps", value=self.bps)
        for code, amount in self.fixed_minor.items():
            currency(code)
            if (
                not isinstance(amount, int)
                or isinstance(amount, bool)
                or not (0 <= amount <= AMOUNT_MINOR_MAX)
            ):
                raise InputError(
                    "must be a non-negative integer of minor units",
                    field=f"fixed_minor.{code}",
                    value=amount,
                )
        object.__setattr__(self, "fixed_minor", MappingProxyType(dict(self.fixed_minor)))

    def charges(self, source_currency: str, base_minor: int) -> tuple[Charge, ...]:
        """The charges on a payment whose converted (or instructed) amount is `base_minor`."""
        assert base_minor >= 0
        result: list[Charge] = []
        fixed = self.fixed_minor.get(source_currency, 0)
        if fixed:
            result.append(Charge(ChargeKind.network_fixed, fixed, source_currency, self.agent))
        variable = base_minor * self.bps // BPS_DENOMINATOR
        if variable:
            result.append(Charge(ChargeKind.network_bps, variable, source_currency, self.agent))
        assert all(c.amount_minor > 0 for c in result)
        return tuple(result)


NO_FEES_AGENT = "CORRXXXX"  # placeholder BIC when a network charges nothing


def no_fees(agent: str = NO_FEES_AGENT) -> FeeSchedule:
    """A schedule that charges nothing."""
    return FeeSchedule(agent=agent)


def total_minor(charges: tuple[Charge, ...]) -> int:
    return sum(charge.amount_minor for charge in charges)
