"""Choosing the best executable provider tier for one conversion.

Every tier that quotes the direction is checked in the order of `PRICING_ORDER`
(suspension, validity window, a non-zero result, amount band, remaining exposure).
Of the tiers that pass, the best for the customer wins: the largest target amount when
the sending side is fixed, the smallest source amount when the receiving side is fixed;
ties go to the higher rate, then to the lower provider BIC, then to the earlier tier,
so the choice never depends on dict or set order.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass

from corridor.foundation.errors import AmountError
from corridor.fx.conversion import FixedSide, convert_fixed
from corridor.fx.model import PRICING_ORDER, QuoteLeg, QuoteRejection
from corridor.fx.rates import ProviderRate, RateSheet, base_amount_minor

# (provider, base, quote) -> minor units of base the provider can still take on
Remaining = Callable[[str, str, str, int], int]


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Every tier that passed, and the most specific rejection among those that did not."""

    passing: tuple[QuoteLeg, ...]
    rejection: QuoteRejection
    detail: str


def evaluate(
    sheets: Iterable[RateSheet],
    source: str,
    target: str,
    side: FixedSide,
    amount_minor: int,
    *,
    now_ms: int,
    suspended: Collection[str],
    remaining: Remaining,
) -> Evaluation:
    """Check every tier quoting source -> target for `amount_minor` on the fixed side."""
    passing: list[QuoteLeg] = []
    worst_index, detail = 0, f"no provider quotes {source}->{target}"
    for sheet in sorted(sheets, key=lambda s: s.provider):
        for tier in sheet.tiers_for(source, target):
            leg, rejection, why = _check_tier(
                tier, source, target, side, amount_minor, now_ms, suspended, remaining
            )
            if leg is not None:
                passing.append(leg)
                continue
            assert rejection is not None
            index = PRICING_ORDER.index(rejection)
            if index > worst_index:
                worst_index, detail = index, why
    return Evaluation(tuple(passing), PRICING_ORDER[worst_index], detail)


def ranked(legs: Iterable[QuoteLeg], side: FixedSide) -> list[QuoteLeg]:
    """Legs best first for the customer (see the module docstring)."""
    return sorted(
        legs,
        key=lambda leg: rank_key(side, leg.source_minor, leg.target_minor, leg.rate, leg.provider),
    )


def best(legs: Iterable[QuoteLeg], side: FixedSide) -> QuoteLeg | None:
    """The best leg for the customer; None if there is none."""
    order = ranked(legs, side)
    return order[0] if order else None


def rank_key(
    side: FixedSide, source_minor: int, target_minor: int, rate: object, provider: str
) -> tuple[object, ...]:
    """Sort key: smaller is better for the customer."""
    amount = -target_minor if side is FixedSide.send else source_minor
    return (amount, _neg(rate), provider)


def _neg(rate: object) -> object:
    return -rate  # type: ignore[operator]


def _check_tier(
    tier: ProviderRate,
    source: str,
    target: str,
    side: FixedSide,
    amount_minor: int,
    now_ms: int,
    suspended: Collection[str],
    remaining: Remaining,
) -> tuple[QuoteLeg | None, QuoteRejection | None, str]:
    who = f"{tier.provider} {source}->{target}"
    if tier.provider in suspended:
        return None, QuoteRejection.provider_suspended, f"{who}: provider suspended"
    if not tier.is_valid_at(now_ms):
        return (
            None,
            QuoteRejection.rate_not_valid,
            (f"{who}: rate valid [{tier.valid_from_ms}, {tier.valid_until_ms}), now {now_ms}"),
        )
    rate = tier.rate_for(source, target)
    assert rate is not None
    try:
        conversion = convert_fixed(side, amount_minor, source, target, rate)
    except AmountError:
        return None, QuoteRejection.amount_out_of_band, f"{who}: converted amount too large"
    if conversion.source_minor == 0 or conversion.target_minor == 0:
        return None, QuoteRejection.amount_too_small, f"{who}: converts to zero minor units"
    base_minor = base_amount_minor(tier, source, conversion.source_minor, conversion.target_minor)
    if not tier.band_min_minor <= base_minor <= tier.band_max_minor:
        return (
            None,
            QuoteRejection.amount_out_of_band,
            (
                f"{who}: {base_minor} {tier.base} minor outside band "
                f"[{tier.band_min_minor}, {tier.band_max_minor}]"
            ),
        )
    left_minor = remaining(tier.provider, tier.base, tier.quote, tier.exposure_max_minor)
    if base_minor > left_minor:
        return (
            None,
            QuoteRejection.exposure_exceeded,
            (f"{who}: {base_minor} {tier.base} minor exceeds remaining exposure {left_minor}"),
        )
    leg = QuoteLeg(
        provider=tier.provider,
        source_currency=source,
        target_currency=target,
        rate=rate,
        source_minor=conversion.source_minor,
        target_minor=conversion.target_minor,
        provider_gain=conversion.provider_gain,
        base=tier.base,
        quote=tier.quote,
        base_minor=base_minor,
        valid_until_ms=tier.valid_until_ms,
    )
    return leg, None, ""
