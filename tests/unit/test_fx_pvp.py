"""Payment-versus-payment with the real ledger: every leg settles or none does.

Each failure case (debtor short, provider short in the target currency, provider
suspended, quote expired between quote and payment, a charge the debtor cannot pay,
a bridge's second provider short) leaves every balance as it was. A property test runs
random amounts, rates and currency exponents 0, 2 and 3 through quote, chain and ledger,
and checks that no minor unit is created or destroyed and that the rounding remainder
is the FX provider's, as documented.
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from test_fx_conversion import rates
from test_fx_quotes import CREDITOR, DEBTOR, FX1, FX2, NOW, book, request, sheet, tier

from corridor.foundation.errors import InputError
from corridor.foundation.ids import derived_id
from corridor.foundation.money import exponent
from corridor.fx import (
    TRANSFER_CODE_FX_CHARGE,
    TRANSFER_CODE_FX_SOURCE,
    TRANSFER_CODE_FX_TARGET,
    ChargeBearer,
    FixedSide,
    LegRole,
    PvpPlan,
    Quote,
    QuoteBook,
    QuoteRejection,
    QuoteStatus,
    pvp_plan,
    terms_of,
)
from corridor.ledger import (
    AccountKind,
    CloseAccount,
    Command,
    CreateAccount,
    CreateTransfer,
    Ledger,
    Result,
)

R = Result
AGENTS = (DEBTOR, CREDITOR, FX1, FX2)
UETR = "eb6305c9-1f7f-49de-aed0-16487c27b42d"


def settlement(bic: str, currency: str) -> int:
    return derived_id("settlement", bic, currency)


def fees(currency: str) -> int:
    return derived_id("fees", currency)


def transit(currency: str) -> int:
    return derived_id("transit", currency)


def issuance(currency: str) -> int:
    return derived_id("issuance", currency)


def network(currencies: tuple[str, ...], funds: dict[tuple[str, str], int]) -> Ledger:
    """A ledger with every agent's account in every currency, fees and transit accounts,
    and the given opening balances."""
    commands: list[Command] = []
    for code in currencies:
        commands += [
            CreateAccount(issuance(code), "CB", code, AccountKind.issuance, None),
            CreateAccount(fees(code), "operator", code, AccountKind.fees),
            CreateAccount(transit(code), "operator", code, AccountKind.escrow),
        ]
        commands += [
            CreateAccount(settlement(b, code), b, code, AccountKind.settlement) for b in AGENTS
        ]
    ids = itertools.count(1)
    commands += [
        CreateTransfer(next(ids), issuance(code), settlement(bic, code), amount)
        for (bic, code), amount in funds.items()
        if amount
    ]
    ledger = Ledger()
    assert set(ledger.apply(commands, NOW).results) == {R.ok}
    return ledger


def plan(quote: Quote, *, with_transit: bool = True) -> PvpPlan:
    ids = itertools.count(10_000)
    return pvp_plan(
        quote,
        account_of=settlement,
        fees_account_of=fees,
        new_id=ids.__next__,
        transit_account_of=transit if with_transit else None,
        reference=UETR,
    )


def balances(ledger: Ledger) -> dict[int, tuple[int, int]]:
    return {a.id: (a.balance_minor, a.debits_pending) for a in ledger.accounts()}


def quoted(
    quotes: QuoteBook, amount: int, source: str = "USD", target: str = "INR", **kwargs: object
) -> Quote:
    outcome = quotes.request_quote(
        request(amount, source, target, **kwargs),  # type: ignore[arg-type]
        "q",
        NOW,
    )
    assert outcome.quote is not None, outcome
    assert quotes.consume("q", NOW + 1, terms_of(outcome.quote)).ok
    return outcome.quote


def assert_nothing_settled(
    ledger: Ledger,
    before: dict[int, tuple[int, int]],
    results: list[Result],
    failing: int,
    code: Result,
) -> None:
    assert results[failing] is code
    assert all(r is R.linked_failed for i, r in enumerate(results) if i != failing)
    assert balances(ledger) == before
    assert ledger.verify() == []


USD_INR = sheet(tier(FX1, "USD", "INR", "83.1234567891", "83.2234567891"))


# -- direct --------------------------------------------------------------------------


def test_a_direct_pvp_moves_both_currencies_and_the_charges_in_one_chain() -> None:
    quotes = book(USD_INR, bps=10, fixed={"USD": 1_00})
    quote = quoted(quotes, 1_000_00)
    ledger = network(("USD", "INR"), {(DEBTOR, "USD"): 2_000_00, (FX1, "INR"): 10**9})
    chain = plan(quote)
    assert [leg.role for leg in chain.legs] == [
        LegRole.source,
        LegRole.target,
        LegRole.charge,
        LegRole.charge,
    ]
    assert [t.code for t in chain.transfers] == [
        TRANSFER_CODE_FX_SOURCE,
        TRANSFER_CODE_FX_TARGET,
        TRANSFER_CODE_FX_CHARGE,
        TRANSFER_CODE_FX_CHARGE,
    ]
    assert [t.linked for t in chain.transfers] == [True, True, True, False]
    assert {t.reference for t in chain.transfers} == {UETR}
    outcome = ledger.apply(chain.transfers, NOW + 2)
    assert outcome.results == [R.ok] * 4
    assert quote.target_minor == 83_123_45  # 1,000 USD at 83.1234567891, rounded down
    assert _balance(ledger, DEBTOR, "USD") == 2_000_00 - 1_000_00 - 2_00
    assert _balance(ledger, FX1, "USD") == 1_000_00
    assert _balance(ledger, FX1, "INR") == 10**9 - 83_123_45
    assert _balance(ledger, CREDITOR, "INR") == 83_123_45
    assert ledger.account(fees("USD")).balance_minor == 2_00  # type: ignore[union-attr]
    assert ledger.verify() == []
    [trade] = quotes.settle("q", NOW + 2)
    assert (trade.source_minor, trade.target_minor) == (1_000_00, 83_123_45)


def test_debtor_short_settles_nothing_and_the_same_chain_settles_once_funded() -> None:
    quote = quoted(book(USD_INR), 1_000_00)
    ledger = network(("USD", "INR"), {(DEBTOR, "USD"): 999_99, (FX1, "INR"): 10**9})
    chain = plan(quote)
    before = balances(ledger)
    outcome = ledger.apply(chain.transfers, NOW + 2)
    assert_nothing_settled(ledger, before, outcome.results, 0, R.exceeds_floor)
    # Queued as a whole: liquidity arrives, the very same chain (same ids) settles.
    assert ledger.apply(
        [CreateTransfer(99, issuance("USD"), settlement(DEBTOR, "USD"), 1)], NOW + 3
    ).results == [R.ok]
    assert ledger.apply(chain.transfers, NOW + 4).results == [R.ok, R.ok]
    assert _balance(ledger, CREDITOR, "INR") == quote.target_minor


def test_provider_short_in_the_target_currency_settles_nothing() -> None:
    quote = quoted(book(USD_INR), 1_000_00)
    ledger = network(("USD", "INR"), {(DEBTOR, "USD"): 10**8, (FX1, "INR"): 83_123_44})
    before = balances(ledger)
    outcome = ledger.apply(plan(quote).transfers, NOW + 2)
    # The source leg went through first and was rolled back: no Herstatt risk.
    assert_nothing_settled(ledger, before, outcome.results, 1, R.exceeds_floor)
    assert _balance(ledger, FX1, "USD") == 0


def test_a_charge_the_debtor_cannot_pay_settles_nothing() -> None:
    quote = quoted(book(USD_INR, fixed={"USD": 5_00}), 1_000_00)
    ledger = network(("USD", "INR"), {(DEBTOR, "USD"): 1_004_99, (FX1, "INR"): 10**9})
    before = balances(ledger)
    outcome = ledger.apply(plan(quote).transfers, NOW + 2)
    assert_nothing_settled(ledger, before, outcome.results, 2, R.exceeds_floor)


def test_a_suspended_provider_is_refused_at_payment_and_a_closed_account_fails_the_chain() -> None:
    quotes = book(USD_INR)
    outcome = quotes.request_quote(request(1_000_00), "q", NOW)
    assert outcome.quote is not None
    # The hub's way: suspension refuses the quote; no chain is built.
    quotes.suspend(FX1)
    refused = quotes.consume("q", NOW + 1, terms_of(outcome.quote))
    assert refused.rejection is QuoteRejection.provider_suspended
    assert quotes.status("q") is QuoteStatus.locked
    quotes.reinstate(FX1)
    assert quotes.consume("q", NOW + 1).ok
    # The ledger's way, should a provider's account be closed meanwhile.
    ledger = network(("USD", "INR"), {(DEBTOR, "USD"): 10**8})
    assert ledger.apply([CloseAccount(settlement(FX1, "INR"))], NOW + 1).results == [R.ok]
    before = balances(ledger)
    results = ledger.apply(plan(outcome.quote).transfers, NOW + 2).results
    assert_nothing_settled(ledger, before, results, 1, R.account_closed)
    quotes.release("q")
    assert quotes.exposure()[0].now_minor == 0


def test_a_quote_that_expired_between_quote_and_payment_builds_no_chain() -> None:
    quotes = book(USD_INR, lock_ms=10_000)
    outcome = quotes.request_quote(request(1_000_00), "q", NOW)
    assert outcome.quote is not None
    used = quotes.consume("q", NOW + 10_000, terms_of(outcome.quote))
    assert used.rejection is QuoteRejection.quote_expired
    assert quotes.status("q") is QuoteStatus.expired
    assert quotes.exposure()[0].reserved_minor == 0


# -- bridge --------------------------------------------------------------------------


def _bridge_book(**kwargs: object) -> QuoteBook:
    return book(
        sheet(tier(FX1, "EUR", "INR", "90.1234567891")),
        sheet(tier(FX2, "EUR", "JPY", "160.123456789", "160.2234567891")),
        bridges=("USD", "EUR"),
        **kwargs,
    )  # type: ignore[arg-type]


def test_a_bridge_settles_four_legs_and_the_transit_account_ends_at_zero() -> None:
    quotes = _bridge_book(bps=5)
    quote = quoted(quotes, 1_000_000, "JPY", "INR")  # JPY -> EUR (FX2) -> INR (FX1)
    assert quote.bridge_currency == "EUR" and quote.providers == (FX2, FX1)
    ledger = network(
        ("JPY", "EUR", "INR"),
        {(DEBTOR, "JPY"): 2_000_000, (FX2, "EUR"): 10**9, (FX1, "INR"): 10**9},
    )
    chain = plan(quote)
    assert [leg.role for leg in chain.legs] == [
        LegRole.source,
        LegRole.bridge_out,
        LegRole.bridge_in,
        LegRole.target,
        LegRole.charge,
    ]
    assert ledger.apply(chain.transfers, NOW + 2).results == [R.ok] * 5
    eur = quote.legs[0].target_minor
    assert _balance(ledger, FX2, "JPY") == 1_000_000
    assert _balance(ledger, FX2, "EUR") == 10**9 - eur
    assert ledger.account(transit("EUR")).balance_minor == 0  # type: ignore[union-attr]
    assert _balance(ledger, FX1, "EUR") == eur
    assert _balance(ledger, CREDITOR, "INR") == quote.target_minor
    assert ledger.verify() == []


def test_a_bridge_whose_first_provider_lacks_the_bridge_currency_settles_nothing() -> None:
    quote = quoted(_bridge_book(), 1_000_000, "JPY", "INR")
    ledger = network(("JPY", "EUR", "INR"), {(DEBTOR, "JPY"): 10**8, (FX1, "INR"): 10**9})
    # FX2 holds no EUR at all: the bridge_out leg fails, after the source leg applied.
    before = balances(ledger)
    results = ledger.apply(plan(quote).transfers, NOW + 2).results
    assert_nothing_settled(ledger, before, results, 1, R.exceeds_floor)


def test_a_bridge_whose_last_provider_is_short_settles_nothing() -> None:
    quote = quoted(_bridge_book(), 1_000_000, "JPY", "INR")
    ledger = network(
        ("JPY", "EUR", "INR"), {(DEBTOR, "JPY"): 10**8, (FX2, "EUR"): 10**9, (FX1, "INR"): 1}
    )
    before = balances(ledger)
    results = ledger.apply(plan(quote).transfers, NOW + 2).results
    assert_nothing_settled(ledger, before, results, 3, R.exceeds_floor)


def test_without_a_transit_account_providers_pay_each_other_directly() -> None:
    quote = quoted(_bridge_book(), 1_000_000, "JPY", "INR")
    chain = plan(quote, with_transit=False)
    assert [leg.role for leg in chain.legs] == [LegRole.source, LegRole.bridge, LegRole.target]
    assert (chain.legs[1].payer, chain.legs[1].payee) == (FX2, FX1)
    same = book(
        sheet(tier(FX1, "EUR", "INR", "90"), tier(FX1, "EUR", "JPY", "160", "161")),
        bridges=("EUR",),
    )
    one = quoted(same, 1_000_000, "JPY", "INR")
    assert [leg.role for leg in plan(one, with_transit=False).legs] == [
        LegRole.source,
        LegRole.target,
    ]


# -- conservation ---------------------------------------------------------------------

CURRENCIES = ("JPY", "KRW", "USD", "INR", "KWD", "BHD")  # exponents 0, 0, 2, 2, 3, 3


@settings(max_examples=300, deadline=None)
@given(
    pair=st.lists(st.sampled_from(CURRENCIES), min_size=2, max_size=2, unique=True),
    prices=st.tuples(rates(), rates()),
    amount=st.integers(1, 10**12),
    side=st.sampled_from(FixedSide),
    reverse=st.booleans(),
    bps=st.integers(0, 100),
    cred=st.booleans(),
)
def test_no_minor_unit_is_created_or_destroyed_and_the_remainder_is_the_providers(
    pair: list[str],
    prices: tuple[Decimal, Decimal],
    amount: int,
    side: FixedSide,
    reverse: bool,
    bps: int,
    cred: bool,
) -> None:
    base, quote_ccy = pair
    bid, ask = min(prices), max(prices)
    source, target = (quote_ccy, base) if reverse else (base, quote_ccy)
    bearer = ChargeBearer.creditor if cred and side is FixedSide.send else ChargeBearer.debtor
    quotes = book(
        sheet(tier(FX1, base, quote_ccy, str(bid), str(ask), band=(1, 10**18 - 1), cap=10**18 - 1)),
        bps=bps,
        fixed={source: 7},
    )
    outcome = quotes.request_quote(request(amount, source, target, side, bearer), "q", NOW)
    event("settled" if outcome.quote else str(outcome.rejection))
    if outcome.quote is None:
        assert outcome.rejection in (
            QuoteRejection.amount_too_small,
            QuoteRejection.amount_out_of_band,
        )
        return
    quote = outcome.quote
    funds = {(DEBTOR, source): quote.debtor_total_minor, (FX1, target): quote.target_minor}
    ledger = network((source, target), funds)
    results = ledger.apply(plan(quote).transfers, NOW + 1).results
    assert set(results) == {R.ok}
    assert ledger.verify() == []  # every currency sums to zero
    _check_conservation(ledger, quote, source, target)


def _check_conservation(ledger: Ledger, quote: Quote, source: str, target: str) -> None:
    x, y = quote.source_minor, quote.target_minor
    assert _balance(ledger, DEBTOR, source) == 0  # paid exactly the disclosed total
    assert _balance(ledger, FX1, source) == x  # the provider received all of it
    assert _balance(ledger, FX1, target) == 0  # and paid out exactly
    assert _balance(ledger, CREDITOR, target) == y  # what the creditor was promised
    assert ledger.account(fees(source)).balance_minor == quote.charges_minor  # type: ignore[union-attr]
    if quote.request.fixed_side is FixedSide.send:
        assert quote.instructed_minor == quote.request.amount_minor
    else:
        assert y == quote.request.amount_minor
    leg = quote.legs[0]
    gain = x * _minor(source, target, leg.rate) - y  # the remainder, in target minor units
    assert gain == leg.provider_gain
    limit = 1 if quote.request.fixed_side is FixedSide.send else _minor(source, target, leg.rate)
    assert 0 <= gain < limit


def _minor(source: str, target: str, rate: Fraction) -> Fraction:
    return rate * Fraction(10 ** exponent(target), 10 ** exponent(source))


def _balance(ledger: Ledger, bic: str, currency: str) -> int:
    account = ledger.account(settlement(bic, currency))
    assert account is not None
    return account.balance_minor


def test_a_chain_refuses_a_reference_longer_than_the_ledger_takes() -> None:
    quote = quoted(book(USD_INR), 1_000_00)
    with pytest.raises(InputError, match="140") as caught:
        pvp_plan(
            quote,
            account_of=settlement,
            fees_account_of=fees,
            new_id=itertools.count(1).__next__,
            reference="x" * 141,
        )
    assert caught.value.field == "reference"
