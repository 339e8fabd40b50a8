"""Bridge routing: two quotes through a bridge currency, the composite rate disclosed,
the same rounding rule on each leg, and all legs settled together or not at all."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import event, given, settings
from hypothesis import strategies as st
from test_fx_conversion import rates
from test_fx_pvp import CURRENCIES, fees, network, plan, settlement, transit
from test_fx_quotes import CREDITOR, DEBTOR, FX1, FX2, FX3, NOW, book, request, sheet, tier

from corridor.foundation.money import exponent
from corridor.fx import FixedSide, QuoteRejection, convert_receive_fixed, convert_send_fixed
from corridor.ledger import Ledger, Result

R = QuoteRejection
JPY_EUR = sheet(tier(FX2, "EUR", "JPY", "160.123456789", "160.2234567891"))
EUR_INR = sheet(tier(FX1, "EUR", "INR", "90.1234567891", "90.2234567891"))


def test_the_composite_rate_is_the_product_and_each_leg_rounds_down() -> None:
    quotes = book(JPY_EUR, EUR_INR, bridges=("EUR",))
    quote = quotes.request_quote(request(1_000_000, "JPY", "INR"), "q", NOW).quote
    assert quote is not None
    head, tail = quote.legs
    assert head.rate == 1 / Fraction("160.2234567891")
    assert tail.rate == Fraction("90.1234567891")
    assert quote.rate == head.rate * tail.rate
    assert quote.display_rate == Decimal("0.562486034162452909")  # 18 significant digits
    assert quote.xchg_rate == Decimal("0.5624860342")  # XchgRate: 10 fraction digits
    first = convert_send_fixed(1_000_000, "JPY", "EUR", head.rate)
    second = convert_send_fixed(first.target_minor, "EUR", "INR", tail.rate)
    assert (head.source_minor, head.target_minor) == (1_000_000, first.target_minor)
    assert (tail.source_minor, tail.target_minor) == (first.target_minor, second.target_minor)
    assert quote.target_minor == second.target_minor


def test_a_receive_fixed_bridge_works_backwards_with_rounding_up() -> None:
    quotes = book(JPY_EUR, EUR_INR, bridges=("EUR",))
    outcome = quotes.request_quote(request(50_000_00, "JPY", "INR", FixedSide.receive), "q", NOW)
    quote = outcome.quote
    assert quote is not None
    head, tail = quote.legs
    needed_eur = convert_receive_fixed(50_000_00, "EUR", "INR", tail.rate).source_minor
    needed_jpy = convert_receive_fixed(needed_eur, "JPY", "EUR", head.rate).source_minor
    assert (tail.source_minor, tail.target_minor) == (needed_eur, 50_000_00)
    assert (head.source_minor, head.target_minor) == (needed_jpy, needed_eur)
    assert quote.source_minor == needed_jpy


def test_a_direct_quote_is_preferred_to_a_better_bridge() -> None:
    direct = sheet(tier(FX3, "JPY", "INR", "0.5"))
    quotes = book(JPY_EUR, EUR_INR, direct, bridges=("EUR",))
    quote = quotes.request_quote(request(1_000_000, "JPY", "INR"), "q", NOW).quote
    assert quote is not None
    assert quote.bridge_currency is None and quote.providers == (FX3,)


def test_the_best_bridge_wins_and_ties_go_to_the_lower_bics() -> None:
    # Through EUR: 1,000,000 JPY -> 6,241.29 EUR -> 562,486 INR.
    # Through USD: 1,000,000 JPY -> 6,666.66 USD -> 566,666 INR: better, though listed second.
    via_usd = sheet(tier(FX3, "USD", "JPY", "149", "150"), tier(FX3, "USD", "INR", "85"))
    quotes = book(JPY_EUR, EUR_INR, via_usd, bridges=("EUR", "USD"))
    quote = quotes.request_quote(request(1_000_000, "JPY", "INR"), "q", NOW).quote
    assert quote is not None
    assert (quote.bridge_currency, quote.providers) == ("USD", (FX3, FX3))
    assert quote.target_minor == 566_666_10
    twin = sheet(
        tier(FX3, "EUR", "JPY", "160.123456789", "160.2234567891"),
        tier(FX3, "EUR", "INR", "90.1234567891"),
    )
    tie = (
        book(JPY_EUR, EUR_INR, twin, bridges=("EUR",))
        .request_quote(request(1_000_000, "JPY", "INR"), "q", NOW)
        .quote
    )
    assert tie is not None
    assert tie.providers == (FX2, FX1)  # same amounts: the lower BIC, leg by leg


def test_no_bridge_configured_means_no_rate() -> None:
    outcome = book(JPY_EUR, EUR_INR).request_quote(request(1_000_000, "JPY", "INR"), "q", NOW)
    assert outcome.rejection is R.no_rate


def test_a_bridge_leg_that_does_not_fit_reports_its_reason() -> None:
    small_cap = sheet(tier(FX1, "EUR", "INR", "90", cap=100))
    outcome = book(JPY_EUR, small_cap, bridges=("EUR",)).request_quote(
        request(1_000_000, "JPY", "INR"), "q", NOW
    )
    assert outcome.rejection is R.exposure_exceeded
    assert outcome.detail.startswith("via EUR:")


def test_a_bridge_reserves_exposure_with_both_providers() -> None:
    quotes = book(JPY_EUR, EUR_INR, bridges=("EUR",))
    quote = quotes.request_quote(request(1_000_000, "JPY", "INR"), "q", NOW).quote
    assert quote is not None
    rows = {(r.provider, r.base, r.quote): r.now_minor for r in quotes.exposure()}
    eur = quote.legs[0].target_minor
    assert rows == {(FX2, "EUR", "JPY"): eur, (FX1, "EUR", "INR"): eur}


@settings(max_examples=200, deadline=None)
@given(
    trio=st.lists(st.sampled_from(CURRENCIES), min_size=3, max_size=3, unique=True),
    first=rates(),
    second=rates(),
    amount=st.integers(1, 10**12),
    side=st.sampled_from(FixedSide),
)
def test_a_bridge_creates_and_destroys_no_minor_unit(
    trio: list[str], first: Decimal, second: Decimal, amount: int, side: FixedSide
) -> None:
    source, bridge, target = trio
    quotes = book(
        sheet(tier(FX1, source, bridge, str(first), band=(1, 10**18 - 1), cap=10**18 - 1)),
        sheet(tier(FX2, bridge, target, str(second), band=(1, 10**18 - 1), cap=10**18 - 1)),
        bridges=(bridge,),
        bps=3,
    )
    outcome = quotes.request_quote(request(amount, source, target, side), "q", NOW)
    event("settled" if outcome.quote else str(outcome.rejection))
    if outcome.quote is None:
        assert outcome.rejection in (R.amount_too_small, R.amount_out_of_band)
        return
    quote = outcome.quote
    head, tail = quote.legs
    ledger = network(
        (source, bridge, target),
        {
            (DEBTOR, source): quote.debtor_total_minor,
            (FX1, bridge): head.target_minor,
            (FX2, target): tail.target_minor,
        },
    )
    assert set(ledger.apply(plan(quote).transfers, NOW + 1).results) == {Result.ok}
    assert ledger.verify() == []
    assert _balances(ledger, source, bridge, target) == {
        (DEBTOR, source): 0,
        (FX1, source): head.source_minor,
        (FX1, bridge): 0,
        (FX2, bridge): head.target_minor,
        (FX2, target): 0,
        (CREDITOR, target): quote.target_minor,
    }
    assert _operator(ledger, transit, bridge) == 0
    assert _operator(ledger, fees, source) == quote.charges_minor
    for leg in quote.legs:
        scale = Fraction(10 ** exponent(leg.target_currency), 10 ** exponent(leg.source_currency))
        gain = leg.source_minor * leg.rate * scale - leg.target_minor
        assert gain == leg.provider_gain >= 0


def _balances(ledger: Ledger, *currencies: str) -> dict[tuple[str, str], int]:
    wanted = {
        (DEBTOR, currencies[0]),
        (FX1, currencies[0]),
        (FX1, currencies[1]),
        (FX2, currencies[1]),
        (FX2, currencies[2]),
        (CREDITOR, currencies[2]),
    }
    found: dict[tuple[str, str], int] = {}
    for bic, code in wanted:
        account = ledger.account(settlement(bic, code))
        assert account is not None
        found[(bic, code)] = account.balance_minor
    return found


def _operator(ledger: Ledger, account_of: object, currency: str) -> int:
    account = ledger.account(account_of(currency))  # type: ignore[operator]
    assert account is not None
    return account.balance_minor


def test_a_direct_pair_that_cannot_take_the_amount_falls_back_to_a_bridge() -> None:
    direct = sheet(tier(FX3, "JPY", "INR", "0.5", band=(1, 1_000)))
    quotes = book(JPY_EUR, EUR_INR, direct, bridges=("EUR",))
    quote = quotes.request_quote(request(1_000_000, "JPY", "INR"), "q", NOW).quote
    assert quote is not None
    assert quote.bridge_currency == "EUR"
    small = quotes.request_quote(request(1_000, "JPY", "INR"), "s", NOW).quote
    assert small is not None and small.bridge_currency is None


def test_the_bridge_currency_is_never_the_source_or_the_target() -> None:
    quotes = book(JPY_EUR, bridges=("EUR", "JPY"))
    outcome = quotes.request_quote(request(1_000_000, "JPY", "EUR"), "q", NOW)
    assert outcome.quote is not None and outcome.quote.bridge_currency is None
    assert (
        book(JPY_EUR, bridges=("JPY",))
        .request_quote(request(100_00, "USD", "JPY"), "q", NOW)
        .rejection
        is R.no_rate
    )
