"""Routing through a bridge currency when no provider quotes a pair directly.

A -> C becomes A -> B (first leg) and B -> C (second leg), each priced by the same rules
as a direct conversion (selection.evaluate), each rounded in its own provider's favour:

    SEND fixed:     A amount fixed; B = floor(A * r1); C = floor(B * r2)
    RECEIVE fixed:  C amount fixed; B = ceil(C / r2); A = ceil(B / r1)

The intermediate amount B is the same integer on both legs: the first provider pays
exactly what the second receives, so the bridge neither creates nor loses a minor unit.
The best BRIDGE_FIRST_LEGS_MAX passing first-leg tiers (by their own amounts) are each
combined with the best second-leg tier for the amount they give or need; of those
routes the best for the customer wins (largest C for SEND, smallest A for RECEIVE),
then the earlier bridge currency in the network's list, then the providers' BICs. The
composite rate disclosed is the exact product r1 * r2.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from corridor.fx.conversion import FixedSide, composite_rate
from corridor.fx.model import PRICING_ORDER, QuoteLeg, QuoteRejection
from corridor.fx.rates import RateSheet
from corridor.fx.selection import Evaluation, Remaining, best, evaluate, ranked

BRIDGE_CURRENCIES_MAX = 8
BRIDGE_FIRST_LEGS_MAX = 16  # the best first-leg tiers that are tried with a second leg


@dataclass(frozen=True, slots=True)
class Route:
    """A priced route: one leg (direct) or two (bridge), with the rate the customer gets.

    Attributes:
        legs: in settlement order (source side first).
        rate: the leg's rate, or the exact composite of both.
        bridge_currency: None when direct.
    """

    legs: tuple[QuoteLeg, ...]
    rate: Fraction
    bridge_currency: str | None

    @property
    def source_minor(self) -> int:
        return self.legs[0].source_minor

    @property
    def target_minor(self) -> int:
        return self.legs[-1].target_minor


@dataclass(frozen=True, slots=True)
class RouteOutcome:
    route: Route | None
    rejection: QuoteRejection | None
    detail: str


Evaluator = Callable[[str, str, FixedSide, int], Evaluation]


def make_evaluator(
    sheets: Iterable[RateSheet],
    *,
    now_ms: int,
    suspended: Collection[str],
    remaining: Remaining,
) -> Evaluator:
    """Bind the market (sheets, suspensions, exposure) to a (source, target, side, amount)
    evaluator."""
    sheet_list = list(sheets)

    def evaluator(source: str, target: str, side: FixedSide, amount_minor: int) -> Evaluation:
        return evaluate(
            sheet_list,
            source,
            target,
            side,
            amount_minor,
            now_ms=now_ms,
            suspended=suspended,
            remaining=remaining,
        )

    return evaluator


def route(
    evaluator: Evaluator,
    source: str,
    target: str,
    side: FixedSide,
    amount_minor: int,
    bridge_currencies: Sequence[str],
) -> RouteOutcome:
    """The best direct route, or else the best bridge route; or the most specific rejection."""
    direct = evaluator(source, target, side, amount_minor)
    leg = best(direct.passing, side)
    if leg is not None:
        return RouteOutcome(Route((leg,), leg.rate, None), None, "")
    rejection, detail = direct.rejection, direct.detail
    candidates: list[tuple[tuple[object, ...], Route]] = []
    for order, bridge in enumerate(bridge_currencies[:BRIDGE_CURRENCIES_MAX]):
        if bridge in (source, target):
            continue
        routes, why, why_detail = _bridge_routes(
            evaluator, source, bridge, target, side, amount_minor
        )
        candidates.extend((_rank(side, r, order), r) for r in routes)
        if not routes and _more_specific(why, rejection):
            rejection, detail = why, f"via {bridge}: {why_detail}"
    if not candidates:
        return RouteOutcome(None, rejection, detail)
    candidates.sort(key=lambda pair: pair[0])
    return RouteOutcome(candidates[0][1], None, "")


def _bridge_routes(
    evaluator: Evaluator,
    source: str,
    bridge: str,
    target: str,
    side: FixedSide,
    amount_minor: int,
) -> tuple[list[Route], QuoteRejection, str]:
    """Every priced two-leg route through `bridge`, and why none, if none."""
    first_from, first_to = (source, bridge) if side is FixedSide.send else (bridge, target)
    first = evaluator(first_from, first_to, side, amount_minor)
    rejection, detail = first.rejection, first.detail
    routes: list[Route] = []
    seen: dict[int, Evaluation] = {}  # second-leg evaluations by the bridge amount
    for leg in ranked(first.passing, side)[:BRIDGE_FIRST_LEGS_MAX]:
        if side is FixedSide.send:
            second = _cached(seen, evaluator, bridge, target, side, leg.target_minor)
            pair = (leg, best(second.passing, side))
        else:
            second = _cached(seen, evaluator, source, bridge, side, leg.source_minor)
            pair = (best(second.passing, side), leg)
        if pair[0] is None or pair[1] is None:
            if _more_specific(second.rejection, rejection):
                rejection, detail = second.rejection, second.detail
            continue
        head, tail = pair
        assert head.target_minor == tail.source_minor
        routes.append(Route((head, tail), composite_rate(head.rate, tail.rate), bridge))
    return routes, rejection, detail


def _cached(
    seen: dict[int, Evaluation],
    evaluator: Evaluator,
    source: str,
    target: str,
    side: FixedSide,
    amount_minor: int,
) -> Evaluation:
    if amount_minor not in seen:
        seen[amount_minor] = evaluator(source, target, side, amount_minor)
    return seen[amount_minor]


def _rank(side: FixedSide, candidate: Route, order: int) -> tuple[object, ...]:
    amount = -candidate.target_minor if side is FixedSide.send else candidate.source_minor
    return (amount, -candidate.rate, order, tuple(leg.provider for leg in candidate.legs))


def _more_specific(new: QuoteRejection, old: QuoteRejection) -> bool:
    return PRICING_ORDER.index(new) > PRICING_ORDER.index(old)
