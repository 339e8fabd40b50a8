"""FX records to and from JSON-ready dicts (for the store and the API), losslessly.

Decimals travel as plain decimal strings, exact Fractions as "numerator/denominator"
strings, amounts as integers of minor units. `decode_*(encode_*(x)) == x` for every
record; the records' own checks run again on the way in.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from corridor.fx.charges import Charge, ChargeBearer, ChargeKind
from corridor.fx.conversion import FixedSide
from corridor.fx.model import Quote, QuoteLeg, QuoteRequest, QuoteStatus
from corridor.fx.quotes import QuoteBookState
from corridor.fx.rates import ProviderRate, RateSheet, parse_rate

Json = dict[str, Any]


def encode_fraction(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


def decode_fraction(text: str) -> Fraction:
    numerator, denominator = text.split("/")
    return Fraction(int(numerator), int(denominator))


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def _rate(text: str | None, field: str) -> Decimal | None:
    return None if text is None else parse_rate(text, field=field)


def encode_rate(rate: ProviderRate) -> Json:
    return {
        "provider": rate.provider,
        "base": rate.base,
        "quote": rate.quote,
        "bid": _decimal(rate.bid),
        "ask": _decimal(rate.ask),
        "band_min_minor": rate.band_min_minor,
        "band_max_minor": rate.band_max_minor,
        "valid_from_ms": rate.valid_from_ms,
        "valid_until_ms": rate.valid_until_ms,
        "exposure_max_minor": rate.exposure_max_minor,
    }


def decode_rate(data: Json) -> ProviderRate:
    fields = dict(data)
    fields["bid"] = _rate(data.get("bid"), "bid")
    fields["ask"] = _rate(data.get("ask"), "ask")
    return ProviderRate(**fields)


def encode_sheet(sheet: RateSheet) -> Json:
    return {
        "provider": sheet.provider,
        "published_at_ms": sheet.published_at_ms,
        "rates": [encode_rate(r) for r in sheet.rates],
    }


def decode_sheet(data: Json) -> RateSheet:
    return RateSheet(
        data["provider"], tuple(decode_rate(r) for r in data["rates"]), data["published_at_ms"]
    )


def encode_quote(quote: Quote) -> Json:
    """Everything a quote discloses, plus the shown rates for readers."""
    request = quote.request
    return {
        "id": quote.id,
        "request": {
            "debtor_agent": request.debtor_agent,
            "creditor_agent": request.creditor_agent,
            "source_currency": request.source_currency,
            "target_currency": request.target_currency,
            "fixed_side": request.fixed_side.value,
            "amount_minor": request.amount_minor,
            "charge_bearer": request.charge_bearer.value,
        },
        "legs": [_encode_leg(leg) for leg in quote.legs],
        "charges": [
            {
                "kind": c.kind.value,
                "amount_minor": c.amount_minor,
                "currency": c.currency,
                "agent": c.agent,
            }
            for c in quote.charges
        ],
        "source_minor": quote.source_minor,
        "target_minor": quote.target_minor,
        "rate": encode_fraction(quote.rate),
        "display_rate": _decimal(quote.display_rate),
        "xchg_rate": _decimal(quote.xchg_rate),
        "bridge_currency": quote.bridge_currency,
        "debtor_total_minor": quote.debtor_total_minor,
        "instructed_minor": quote.instructed_minor,
        "created_at_ms": quote.created_at_ms,
        "expires_at_ms": quote.expires_at_ms,
    }


def decode_quote(data: Json) -> Quote:
    return Quote(
        id=data["id"],
        request=QuoteRequest(
            **{
                **data["request"],
                "fixed_side": FixedSide(data["request"]["fixed_side"]),
                "charge_bearer": ChargeBearer(data["request"]["charge_bearer"]),
            }
        ),
        legs=tuple(_decode_leg(leg) for leg in data["legs"]),
        charges=tuple(
            Charge(ChargeKind(c["kind"]), c["amount_minor"], c["currency"], c["agent"])
            for c in data["charges"]
        ),
        source_minor=data["source_minor"],
        target_minor=data["target_minor"],
        rate=decode_fraction(data["rate"]),
        bridge_currency=data["bridge_currency"],
        created_at_ms=data["created_at_ms"],
        expires_at_ms=data["expires_at_ms"],
    )


def encode_state(state: QuoteBookState) -> Json:
    return {
        "sheets": [encode_sheet(s) for s in state.sheets],
        "suspended": list(state.suspended),
        "quotes": [{"quote": encode_quote(q), "status": s.value} for q, s in state.quotes],
        "settled_exposure": [[*key, amount] for key, amount in state.settled_exposure],
        "peak_exposure": [[*key, amount] for key, amount in state.peak_exposure],
    }


def decode_state(data: Json) -> QuoteBookState:
    return QuoteBookState(
        sheets=tuple(decode_sheet(s) for s in data["sheets"]),
        suspended=tuple(data["suspended"]),
        quotes=tuple((decode_quote(q["quote"]), QuoteStatus(q["status"])) for q in data["quotes"]),
        settled_exposure=tuple(((p, b, q), n) for p, b, q, n in data["settled_exposure"]),
        peak_exposure=tuple(((p, b, q), n) for p, b, q, n in data["peak_exposure"]),
    )


def _encode_leg(leg: QuoteLeg) -> Json:
    return {
        "provider": leg.provider,
        "source_currency": leg.source_currency,
        "target_currency": leg.target_currency,
        "rate": encode_fraction(leg.rate),
        "display_rate": _decimal(leg.display_rate),
        "source_minor": leg.source_minor,
        "target_minor": leg.target_minor,
        "provider_gain": encode_fraction(leg.provider_gain),
        "base": leg.base,
        "quote": leg.quote,
        "base_minor": leg.base_minor,
        "valid_until_ms": leg.valid_until_ms,
    }


def _decode_leg(data: Json) -> QuoteLeg:
    return QuoteLeg(
        provider=data["provider"],
        source_currency=data["source_currency"],
        target_currency=data["target_currency"],
        rate=decode_fraction(data["rate"]),
        source_minor=data["source_minor"],
        target_minor=data["target_minor"],
        provider_gain=decode_fraction(data["provider_gain"]),
        base=data["base"],
        quote=data["quote"],
        base_minor=data["base_minor"],
        valid_until_ms=data["valid_until_ms"],
    )
