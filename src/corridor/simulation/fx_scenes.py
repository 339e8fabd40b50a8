"""The FX scene: cross-currency trade payments with quotes, one through a bridge currency.

The FX provider publishes executable rates for the renminbi against the other four
currencies (CNY/INR, CNY/RUB, CNY/BRL, CNY/ZAR) and none between those four, so a pair
such as INR -> BRL is priced through the bridge currency (the hub is served with
`--bridge-currency CNY`). Each bank asks the hub for a quote, builds the pacs.008 that uses
it (`compose_fx_transfer`), signs and sends it; the hub settles every leg at once (PvP).
The operator then reads the FX volumes per provider and direction.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from corridor.client import Quote, RateTier, compose_fx_transfer, sign_message
from corridor.foundation.money import parse_amount
from corridor.simulation.network import Bank
from corridor.simulation.outcomes import FxPayment
from corridor.simulation.traffic import make_uetr

if TYPE_CHECKING:
    from corridor.simulation.day import Day

BRIDGE_CURRENCY = "CNY"
# (base, quote, bid, ask): quote-currency units per one base unit, plausible mid-2020s.
RATES = (
    ("CNY", "INR", "11.6512", "11.7288"),
    ("CNY", "RUB", "12.4105", "12.5095"),
    ("CNY", "BRL", "0.7712", "0.7768"),
    ("CNY", "ZAR", "2.5318", "2.5482"),
)
BAND_MAX = "50000000.00"  # per trade, in the base currency (CNY)
EXPOSURE_MAX = "300000000.00"  # per pair, CNY
RATES_VALID = timedelta(hours=12)
# (debtor currency, creditor currency, fixed side, amount in the fixed side's currency)
PAYMENTS = (
    ("CNY", "INR", "SEND", "250000.00"),
    ("RUB", "CNY", "SEND", "4000000.00"),
    ("ZAR", "CNY", "SEND", "1200000.00"),
    ("CNY", "BRL", "RECEIVE", "300000.00"),
    ("INR", "BRL", "SEND", "6000000.00"),  # no INR/BRL rate: through CNY
)
SETTLED = "ACSC"


def fx_trade(day: Day) -> None:
    """Publish rates, then quote and pay each of PAYMENTS; read the volumes per pair."""
    assert day.network.fx_providers, "the network has no FX provider"
    provider = day.network.fx_providers[0]
    outcome = day.summary.fx
    outcome.provider = provider.bic
    started = datetime.now(UTC)
    sheet = day.clients[provider.bic].publish_rates([_tier(*rate, started) for rate in RATES])
    outcome.published = [f"{tier.base}/{tier.quote}" for tier in sheet.rates]
    rng = random.Random(day.options.seed + 3)
    for index, (source, target, fixed_side, amount) in enumerate(PAYMENTS):
        debtor, creditor = _pick(day, source, index), _pick(day, target, index + 1)
        outcome.payments.append(
            _pay(day, debtor, creditor, (source, target, fixed_side, amount), make_uetr(rng))
        )
    volumes = day.operator.fx_volumes(started - timedelta(days=1), started + timedelta(days=1))
    outcome.volumes = [v for v in volumes if v.provider == provider.bic]


def _tier(base: str, quote: str, bid: str, ask: str, now: datetime) -> RateTier:
    return RateTier(
        base=base,
        quote=quote,
        bid=Decimal(bid),
        ask=Decimal(ask),
        band_min_minor=parse_amount("0.01", base, field="band_min"),
        band_max_minor=parse_amount(BAND_MAX, base, field="band_max"),
        exposure_max_minor=parse_amount(EXPOSURE_MAX, base, field="exposure_max"),
        valid_from=now - timedelta(minutes=1),
        valid_until=now + RATES_VALID,
    )


def _pick(day: Day, currency: str, index: int) -> Bank:
    """A trading bank of `currency` (they take turns)."""
    banks = day.network.banks_by_currency()[currency]
    return banks[index % len(banks)]


def _pay(
    day: Day, debtor: Bank, creditor: Bank, trade: tuple[str, str, str, str], uetr: str
) -> FxPayment:
    """Quote, compose the pacs.008 with the quote, sign it, send it."""
    source, target, fixed_side, amount = trade
    client = day.clients[debtor.bic]
    quote = client.quote(creditor.bic, source, target, amount, fixed_side=fixed_side)
    xml = compose_fx_transfer(
        quote,
        debtor_name=f"{debtor.name.split()[0]} Exporters Ltd",
        creditor_name=f"{creditor.name.split()[0]} Importers Ltd",
        remittance=f"Contract {uetr[:8]}",
        uetr=uetr,
        hub_bic=day.network.hub_bic,
    )
    answer = client.send(sign_message(xml, debtor.key))
    if answer.status == SETTLED:
        with day.lock:
            day.expect_delivery(debtor.bic, creditor.bic, uetr)
    return _payment(quote, answer.status, uetr)


def _payment(quote: Quote, status: str, uetr: str) -> FxPayment:
    return FxPayment(
        debtor=quote.debtor_agent,
        creditor=quote.creditor_agent,
        source=quote.source_currency,
        target=quote.target_currency,
        bridge=quote.bridge_currency,
        rate=quote.rate,
        source_minor=quote.source_minor,
        charges_minor=quote.charges_minor,
        target_minor=quote.target_minor,
        status=status,
        uetr=uetr,
    )
