"""Quotes: best executable quote, rejections in their documented order, the lock, use once,
exposure, charges, rate sheet validation and the book's snapshot.

The helpers here (`tier`, `sheet`, `book`, `request`) are shared with the other
test_fx_* files.
"""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction

import pytest

from corridor.foundation.errors import InputError
from corridor.fx import (
    ChargeBearer,
    ChargeKind,
    FeeSchedule,
    FixedSide,
    FxConfig,
    PaymentTerms,
    ProviderRate,
    QuoteBook,
    QuoteRejection,
    QuoteRequest,
    QuoteStateError,
    QuoteStatus,
    RateSheet,
    terms_of,
)
from corridor.fx.codec import decode_state, encode_quote, encode_state
from corridor.fx.exposure import ExposureBook

NOW = 1_767_225_600_000  # 2026-01-01T00:00:00Z
HOUR = 3_600_000
DEBTOR, CREDITOR = "BANKINBBXXX", "BANKUS33XXX"
FX1, FX2, FX3 = "FXPAINBB", "FXPBGB2L", "FXPCAEAD"
OPERATOR = "CORRXXXX"
R = QuoteRejection


def tier(
    provider: str,
    base: str,
    quote: str,
    bid: str | None,
    ask: str | None = None,
    *,
    band: tuple[int, int] = (1, 10**15),
    valid: tuple[int, int] = (NOW - HOUR, NOW + HOUR),
    cap: int = 10**16,
) -> ProviderRate:
    return ProviderRate(
        provider=provider,
        base=base,
        quote=quote,
        bid=None if bid is None else Decimal(bid),
        ask=None if ask is None else Decimal(ask),
        band_min_minor=band[0],
        band_max_minor=band[1],
        valid_from_ms=valid[0],
        valid_until_ms=valid[1],
        exposure_max_minor=cap,
    )


def sheet(*tiers: ProviderRate) -> RateSheet:
    return RateSheet(tiers[0].provider, tiers, NOW - HOUR)


def book(
    *sheets: RateSheet,
    bps: int = 0,
    fixed: dict[str, int] | None = None,
    bridges: tuple[str, ...] = (),
    lock_ms: int = 30_000,
) -> QuoteBook:
    fees = FeeSchedule(agent=OPERATOR, bps=bps, fixed_minor=fixed or {})
    quotes = QuoteBook(FxConfig(fees=fees, lock_ms=lock_ms, bridge_currencies=bridges))
    for s in sheets:
        quotes.publish(s)
    return quotes


def request(
    amount: int,
    source: str = "USD",
    target: str = "INR",
    side: FixedSide = FixedSide.send,
    bearer: ChargeBearer = ChargeBearer.debtor,
) -> QuoteRequest:
    return QuoteRequest(DEBTOR, CREDITOR, source, target, side, amount, bearer)


# -- best quote ---------------------------------------------------------------------------


def test_the_best_rate_for_the_customer_wins_when_the_send_side_is_fixed() -> None:
    quotes = book(sheet(tier(FX1, "USD", "INR", "83.10")), sheet(tier(FX2, "USD", "INR", "83.20")))
    outcome = quotes.request_quote(request(1_000_00), "q1", NOW)
    assert outcome.quote is not None
    assert outcome.quote.providers == (FX2,)
    assert outcome.quote.target_minor == 83_200_00
    assert outcome.quote.rate == Decimal("83.20")


def test_the_cheapest_source_amount_wins_when_the_receive_side_is_fixed() -> None:
    # Customer buys USD with INR: the lower ask is better.
    quotes = book(
        sheet(tier(FX1, "USD", "INR", "83.0", "83.30")),
        sheet(tier(FX2, "USD", "INR", "83.0", "83.25")),
    )
    outcome = quotes.request_quote(request(1_000_00, "INR", "USD", FixedSide.receive), "q", NOW)
    assert outcome.quote is not None
    assert outcome.quote.providers == (FX2,)
    assert outcome.quote.target_minor == 1_000_00
    assert outcome.quote.source_minor == 83_250_00
    assert outcome.quote.rate == 1 / Fraction("83.25")  # exact: 1 / ask


def test_a_tie_goes_to_the_lower_provider_bic_whatever_the_publishing_order() -> None:
    a = book(sheet(tier(FX2, "USD", "INR", "83.1")), sheet(tier(FX1, "USD", "INR", "83.1")))
    b = book(sheet(tier(FX1, "USD", "INR", "83.1")), sheet(tier(FX2, "USD", "INR", "83.1")))
    for quotes in (a, b):
        outcome = quotes.request_quote(request(500_00), "q", NOW)
        assert outcome.quote is not None
        assert outcome.quote.providers == (FX1,)


def test_tiers_by_band_pick_the_tier_that_holds_the_amount() -> None:
    quotes = book(
        sheet(
            tier(FX1, "USD", "INR", "83.00", band=(1, 10_000_00)),
            tier(FX1, "USD", "INR", "83.40", band=(10_000_01, 10**12)),
        )
    )
    small = quotes.request_quote(request(5_000_00), "small", NOW).quote
    large = quotes.request_quote(request(50_000_00), "large", NOW).quote
    assert small is not None and small.rate == Decimal("83.00")
    assert large is not None and large.rate == Decimal("83.40")


def test_a_one_way_provider_quotes_only_its_direction() -> None:
    quotes = book(sheet(tier(FX1, "USD", "INR", "83.1", None)))
    assert quotes.request_quote(request(100_00), "q1", NOW).quote is not None
    back = quotes.request_quote(request(100_00, "INR", "USD"), "q2", NOW)
    assert back.rejection is R.no_rate


def test_band_is_in_base_currency_whichever_way_the_payment_goes() -> None:
    # INR -> USD, base USD: 8,400 INR is about 100 USD, inside [50, 200] USD.
    quotes = book(sheet(tier(FX1, "USD", "INR", "83.9", "84.0", band=(50_00, 200_00))))
    outcome = quotes.request_quote(request(8_400_00, "INR", "USD"), "q", NOW)
    assert outcome.quote is not None
    assert outcome.quote.legs[0].base_minor == outcome.quote.target_minor == 100_00


# -- rejections ------------------------------------------------------------------------


def test_no_provider_for_the_pair_is_no_rate() -> None:
    outcome = book(sheet(tier(FX1, "USD", "INR", "83.1"))).request_quote(
        request(100, "EUR", "JPY"), "q", NOW
    )
    assert outcome.rejection is R.no_rate
    assert "EUR->JPY" in outcome.detail


@pytest.mark.parametrize(
    ("kwargs", "amount", "rejection"),
    [
        ({"band": (1_000_00, 10_000_00)}, 999_99, R.amount_out_of_band),
        ({"band": (1_000_00, 10_000_00)}, 10_000_01, R.amount_out_of_band),
        ({"valid": (NOW + 1, NOW + HOUR)}, 100_00, R.rate_not_valid),
        ({"valid": (NOW - HOUR, NOW)}, 100_00, R.rate_not_valid),  # valid_until exclusive
        ({"cap": 99_99}, 100_00, R.exposure_exceeded),
    ],
)
def test_a_tier_that_does_not_fit_is_rejected_with_its_reason(
    kwargs: dict[str, object], amount: int, rejection: QuoteRejection
) -> None:
    quotes = book(sheet(tier(FX1, "USD", "INR", "83.1", **kwargs)))  # type: ignore[arg-type]
    outcome = quotes.request_quote(request(amount), "q", NOW)
    assert outcome.quote is None
    assert outcome.rejection is rejection
    assert FX1 in outcome.detail


def test_an_amount_that_converts_to_nothing_is_too_small() -> None:
    quotes = book(sheet(tier(FX1, "JPY", "USD", "0.0066")))
    assert quotes.request_quote(request(1, "JPY", "USD"), "q", NOW).rejection is (
        R.amount_too_small
    )


def test_a_suspended_provider_is_not_quoted_and_others_are() -> None:
    quotes = book(sheet(tier(FX1, "USD", "INR", "83.5")), sheet(tier(FX2, "USD", "INR", "83.1")))
    quotes.suspend(FX1)
    outcome = quotes.request_quote(request(100_00), "q1", NOW)
    assert outcome.quote is not None and outcome.quote.providers == (FX2,)
    quotes.suspend(FX2)
    assert quotes.request_quote(request(100_00), "q2", NOW).rejection is R.provider_suspended
    quotes.reinstate(FX1)
    again = quotes.request_quote(request(100_00), "q3", NOW)
    assert again.quote is not None and again.quote.providers == (FX1,)


def test_the_most_specific_reason_is_reported_when_every_tier_fails() -> None:
    quotes = book(
        sheet(tier(FX1, "USD", "INR", "83.5", valid=(NOW + 1, NOW + 2))),
        sheet(tier(FX2, "USD", "INR", "83.1", band=(1, 10))),
    )
    quotes.suspend(FX3)
    assert quotes.request_quote(request(100_00), "q", NOW).rejection is R.amount_out_of_band


def test_the_agents_own_rates_are_left_out() -> None:
    quotes = book(sheet(tier(DEBTOR, "USD", "INR", "90")), sheet(tier(FX1, "USD", "INR", "83")))
    outcome = quotes.request_quote(request(100_00), "q", NOW)
    assert outcome.quote is not None and outcome.quote.providers == (FX1,)


def test_a_quote_id_is_used_once() -> None:
    quotes = book(sheet(tier(FX1, "USD", "INR", "83.1")))
    assert quotes.request_quote(request(100_00), "q", NOW).quote is not None
    assert quotes.request_quote(request(100_00), "q", NOW).rejection is R.quote_id_reused


# -- exposure ------------------------------------------------------------------------


def test_locked_quotes_reserve_exposure_and_expiry_gives_it_back() -> None:
    quotes = book(sheet(tier(FX1, "USD", "INR", "83.1", cap=1_000_00)), lock_ms=1_000)
    assert quotes.request_quote(request(600_00), "q1", NOW).quote is not None
    second = quotes.request_quote(request(600_00), "q2", NOW)
    assert second.rejection is R.exposure_exceeded
    assert "remaining exposure 40000" in second.detail
    assert quotes.request_quote(request(400_00), "q3", NOW).quote is not None
    # Both locks end at NOW + 1,000: the next request finds the whole cap free again.
    third = quotes.request_quote(request(1_000_00), "q4", NOW + 1_000)
    assert third.quote is not None
    assert quotes.status("q1") is QuoteStatus.expired


def test_exposure_counts_both_directions_in_base_and_keeps_the_peak() -> None:
    quotes = book(sheet(tier(FX1, "USD", "INR", "83.0", "84.0", cap=10_000_00)))
    quotes.request_quote(request(3_000_00), "out", NOW)  # 3,000 USD
    back = quotes.request_quote(request(84_000_00, "INR", "USD"), "back", NOW)  # 1,000 USD
    assert back.quote is not None
    [row] = quotes.exposure()
    assert (row.provider, row.base, row.quote) == (FX1, "USD", "INR")
    assert (row.reserved_minor, row.now_minor, row.peak_minor) == (4_000_00, 4_000_00, 4_000_00)
    assert row.cap_minor == 10_000_00
    assert quotes.consume("out", NOW).ok
    quotes.settle("out", NOW)
    quotes.expire_due(NOW + HOUR)
    [row] = quotes.exposure()
    assert (row.reserved_minor, row.settled_minor, row.now_minor) == (0, 3_000_00, 3_000_00)
    assert row.peak_minor == 4_000_00
    quotes.reset_exposure()
    [row] = quotes.exposure()
    assert (row.now_minor, row.peak_minor) == (0, 0)


def test_a_failed_batch_puts_its_quotes_back_with_their_exposure() -> None:
    quotes = book(sheet(tier(FX1, "USD", "INR", "83.1", cap=10_000_00)))
    for quote_id in ("settles", "released"):
        assert quotes.request_quote(request(1_000_00), quote_id, NOW).quote is not None
        assert quotes.consume(quote_id, NOW).ok
    quotes.settle("settles", NOW)
    quotes.release("released")  # the ledger refused its payment, in the same batch
    [row] = quotes.exposure()
    assert (row.reserved_minor, row.settled_minor) == (0, 1_000_00)
    # The batch did not commit: back to what each was before it (newest step first).
    quotes.revert("released", QuoteStatus.consumed)
    quotes.revert("released", QuoteStatus.locked)
    quotes.revert("settles", QuoteStatus.consumed)
    quotes.revert("settles", QuoteStatus.locked)
    assert quotes.status("settles") is quotes.status("released") is QuoteStatus.locked
    [row] = quotes.exposure()
    assert (row.reserved_minor, row.settled_minor, row.peak_minor) == (2_000_00, 0, 2_000_00)
    assert quotes.consume("settles", NOW).ok  # usable again, and still expires
    assert quotes.expire_due(NOW + HOUR) == ["released"]
    with pytest.raises(QuoteStateError):
        quotes.revert("settles", QuoteStatus.settled)


def test_a_business_day_resets_only_the_pairs_of_its_base_currency() -> None:
    exposure = ExposureBook()
    usd, eur = (FX1, "USD", "INR"), (FX1, "EUR", "INR")
    for key, amount_minor in ((usd, 3_000_00), (eur, 2_000_00)):
        exposure.reserve(key, amount_minor)
        exposure.settle(key, amount_minor)
    exposure.reserve(eur, 500_00)  # locked, not settled: stays reserved across the reset
    exposure.reset("INR")  # the quote currency's day: nothing is counted in INR
    assert (exposure.now_minor(usd), exposure.now_minor(eur)) == (3_000_00, 2_500_00)
    exposure.reset("EUR")
    assert (exposure.now_minor(usd), exposure.now_minor(eur)) == (3_000_00, 500_00)
    assert exposure.peak_minor(eur) == 500_00 and exposure.peak_minor(usd) == 3_000_00
    exposure.reset("USD")
    assert (exposure.now_minor(usd), exposure.peak_minor(usd)) == (0, 0)


# -- lock and use --------------------------------------------------------------------


def test_a_quote_is_locked_for_lock_ms_but_never_beyond_its_rate() -> None:
    quotes = book(
        sheet(tier(FX1, "USD", "INR", "83", valid=(NOW - 1, NOW + 5_000))), lock_ms=60_000
    )
    quote = quotes.request_quote(request(100_00), "q", NOW).quote
    assert quote is not None
    assert quote.expires_at_ms == NOW + 5_000
    assert quotes.status("q") is QuoteStatus.locked


def test_consume_checks_found_consumed_expired_suspended_then_terms() -> None:
    quotes = book(sheet(tier(FX1, "USD", "INR", "83.1")), lock_ms=1_000)
    quote = quotes.request_quote(request(100_00), "q", NOW).quote
    assert quote is not None
    assert quotes.consume("nope", NOW).rejection is R.quote_not_found
    quotes.suspend(FX1)
    assert quotes.consume("q", NOW).rejection is R.provider_suspended
    quotes.reinstate(FX1)
    wrong = PaymentTerms(DEBTOR, CREDITOR, 100_00, "USD", 8_310_01, "INR")
    mismatch = quotes.consume("q", NOW, wrong)
    assert mismatch.rejection is R.quote_mismatch
    assert "settlement_minor: 831001 != 831000" in mismatch.detail
    used = quotes.consume("q", NOW + 999, terms_of(quote))
    assert used.ok and used.quote == quote
    assert quotes.status("q") is QuoteStatus.consumed
    assert quotes.consume("q", NOW + 999).rejection is R.quote_consumed


def test_a_quote_expires_exactly_at_its_expiry() -> None:
    quotes = book(sheet(tier(FX1, "USD", "INR", "83.1")), lock_ms=1_000)
    assert quotes.request_quote(request(100_00), "q", NOW).quote is not None
    outcome = quotes.consume("q", NOW + 1_000)
    assert outcome.rejection is R.quote_expired
    assert quotes.status("q") is QuoteStatus.expired
    assert quotes.consume("q", NOW).rejection is R.quote_expired  # no way back
    assert quotes.exposure()[0].now_minor == 0


def test_settle_and_release_follow_the_lifecycle() -> None:
    quotes = book(sheet(tier(FX1, "USD", "INR", "83.1")))
    quotes.request_quote(request(100_00), "a", NOW)
    quotes.request_quote(request(200_00), "b", NOW)
    with pytest.raises(QuoteStateError, match="locked"):
        quotes.settle("a", NOW)
    assert quotes.consume("a", NOW).ok and quotes.consume("b", NOW).ok
    [trade] = quotes.settle("a", NOW + 5)
    assert (trade.provider, trade.source_minor, trade.target_minor) == (FX1, 100_00, 8_310_00)
    assert quotes.settle("a", NOW + 6) == ()  # once
    quotes.release("b")
    quotes.release("b")
    assert quotes.status("b") is QuoteStatus.released
    assert quotes.consume("b", NOW).rejection is R.quote_consumed
    assert quotes.exposure()[0].now_minor == 100_00
    with pytest.raises(QuoteStateError, match="settled"):
        quotes.release("a")


def test_a_new_sheet_does_not_change_a_locked_quote() -> None:
    quotes = book(sheet(tier(FX1, "USD", "INR", "83.1")))
    quote = quotes.request_quote(request(100_00), "q", NOW).quote
    quotes.publish(sheet(tier(FX1, "USD", "INR", "80.0")))
    quotes.withdraw(FX1)
    used = quotes.consume("q", NOW + 1)
    assert used.ok and used.quote == quote


# -- charges --------------------------------------------------------------------------


def test_charges_are_disclosed_and_paid_on_top_by_default() -> None:
    quotes = book(sheet(tier(FX1, "USD", "INR", "83.1")), bps=10, fixed={"USD": 2_00})
    quote = quotes.request_quote(request(1_000_00), "q", NOW).quote
    assert quote is not None
    assert [(c.kind, c.amount_minor, c.currency, c.agent) for c in quote.charges] == [
        (ChargeKind.network_fixed, 2_00, "USD", OPERATOR),
        (ChargeKind.network_bps, 1_00, "USD", OPERATOR),
    ]
    assert (quote.source_minor, quote.debtor_total_minor, quote.instructed_minor) == (
        1_000_00,
        1_003_00,
        1_000_00,
    )
    assert quote.target_minor == 83_100_00


def test_charges_on_a_receive_fixed_quote_follow_the_source_amount() -> None:
    quotes = book(sheet(tier(FX1, "USD", "INR", "83", "83.25")), bps=25)
    quote = quotes.request_quote(request(1_000_00, "INR", "USD", FixedSide.receive), "q", NOW)
    assert quote.quote is not None
    assert quote.quote.source_minor == 83_250_00
    assert quote.quote.charges_minor == 83_250_00 * 25 // 10_000


def test_cred_deducts_the_charges_before_conversion() -> None:
    quotes = book(sheet(tier(FX1, "USD", "INR", "83")), bps=10, fixed={"USD": 5_00})
    outcome = quotes.request_quote(request(1_000_00, bearer=ChargeBearer.creditor), "q", NOW)
    quote = outcome.quote
    assert quote is not None
    assert quote.charges_minor == 6_00
    assert (quote.instructed_minor, quote.debtor_total_minor, quote.source_minor) == (
        1_000_00,
        1_000_00,
        994_00,
    )
    assert quote.target_minor == 994_00 * 83
    tiny = quotes.request_quote(request(4_00, bearer=ChargeBearer.creditor), "t", NOW)
    assert tiny.rejection is R.amount_too_small


def test_cred_with_a_fixed_receiving_side_is_refused() -> None:
    with pytest.raises(InputError, match="CRED") as caught:
        request(100, side=FixedSide.receive, bearer=ChargeBearer.creditor)
    assert caught.value.field == "charge_bearer"


# -- validation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"provider": "not a bic"}, "provider"),
        ({"base": "XXX"}, "currency"),
        ({"quote": "USD"}, "quote"),
        ({"bid": None, "ask": None}, "bid"),
        ({"bid": 83.1}, "bid"),
        ({"bid": Decimal("84"), "ask": Decimal("83")}, "bid"),
        ({"band_min_minor": 10, "band_max_minor": 5}, "band_min_minor"),
        ({"band_max_minor": 0}, "band_max_minor"),
        ({"valid_until_ms": NOW - HOUR}, "valid_until_ms"),
        ({"exposure_max_minor": 0}, "exposure_max_minor"),
        ({"exposure_max_minor": 1.5}, "exposure_max_minor"),
    ],
)
def test_a_bad_rate_names_the_field_and_the_value(change: dict[str, object], field: str) -> None:
    fields: dict[str, object] = {
        "provider": FX1,
        "base": "USD",
        "quote": "INR",
        "bid": Decimal("83"),
        "ask": Decimal("84"),
        "band_min_minor": 1,
        "band_max_minor": 100,
        "valid_from_ms": NOW - HOUR,
        "valid_until_ms": NOW + HOUR,
        "exposure_max_minor": 10,
    }
    fields.update(change)
    with pytest.raises(InputError) as caught:
        ProviderRate(**fields)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_a_sheet_refuses_other_providers_and_inconsistent_pairs() -> None:
    with pytest.raises(InputError, match="sheet's provider") as caught:
        RateSheet(FX1, (tier(FX2, "USD", "INR", "83"),), NOW)
    assert caught.value.field == "rates[0].provider"
    with pytest.raises(InputError, match="differs"):
        sheet(tier(FX1, "USD", "INR", "83", cap=5), tier(FX1, "USD", "INR", "84", cap=6))
    with pytest.raises(InputError, match="states the pair"):
        sheet(tier(FX1, "USD", "INR", "83"), tier(FX1, "INR", "USD", "0.012"))


def test_a_request_is_checked_at_the_boundary() -> None:
    with pytest.raises(InputError, match="differ"):
        request(100, "USD", "USD")
    with pytest.raises(InputError) as caught:
        request(0)
    assert caught.value.field == "amount_minor"
    with pytest.raises(InputError) as caught:
        book().request_quote(request(100), "has space", NOW)
    assert caught.value.field == "quote_id"


# -- persistence -------------------------------------------------------------------------


def test_a_restored_book_behaves_as_the_original() -> None:
    quotes = book(sheet(tier(FX1, "USD", "INR", "83.1", cap=1_000_00)), lock_ms=1_000)
    quotes.request_quote(request(300_00), "settled", NOW)
    quotes.consume("settled", NOW)
    quotes.settle("settled", NOW)
    quotes.request_quote(request(500_00), "locked", NOW)
    quotes.suspend(FX2)
    copy = QuoteBook.restore(quotes.config, quotes.snapshot())
    assert copy.snapshot() == quotes.snapshot()
    assert copy.exposure() == quotes.exposure()
    for each in (quotes, copy):
        assert each.request_quote(request(300_00), "x", NOW).rejection is R.exposure_exceeded
        assert each.expire_due(NOW + 1_000) == ["locked"]
        assert each.request_quote(request(700_00), "y", NOW + 1_000).quote is not None
    assert copy.snapshot() == quotes.snapshot()


def test_forget_before_drops_only_finished_quotes() -> None:
    quotes = book(sheet(tier(FX1, "USD", "INR", "83.1")), lock_ms=1_000)
    quotes.request_quote(request(100_00), "old", NOW)
    quotes.request_quote(request(100_00), "live", NOW + 500)
    quotes.expire_due(NOW + 1_000)
    assert quotes.forget_before(NOW + 600) == 0  # its end is not stored yet
    quotes.take_changes()
    assert quotes.forget_before(NOW + 600) == 1
    assert quotes.quote("old") is None
    assert quotes.status("live") is QuoteStatus.locked


def test_the_state_survives_a_json_round_trip() -> None:
    quotes = book(
        sheet(tier(FX1, "EUR", "INR", "90.1234567891", "90.2", cap=10**12)),
        sheet(tier(FX2, "EUR", "JPY", "160.1", "160.2234567891")),
        bps=7,
        fixed={"JPY": 100},
        bridges=("EUR",),
    )
    quotes.request_quote(request(1_000_000, "JPY", "INR"), "bridged", NOW)
    quotes.request_quote(request(500_00, "INR", "EUR", FixedSide.receive), "direct", NOW)
    quotes.consume("direct", NOW)
    quotes.settle("direct", NOW)
    quotes.suspend(FX2)
    state = quotes.snapshot()
    text = json.dumps(encode_state(state))
    assert decode_state(json.loads(text)) == state
    copy = QuoteBook.restore(quotes.config, decode_state(json.loads(text)))
    assert copy.exposure() == quotes.exposure()
    shown = encode_quote(quotes.quote("bridged"))  # type: ignore[arg-type]
    assert (shown["bridge_currency"], shown["xchg_rate"]) == ("EUR", "0.5624860342")
    assert shown["rate"] == "901234567891/1602234567891"
    assert shown["debtor_total_minor"] == shown["source_minor"] + sum(
        c["amount_minor"] for c in shown["charges"]
    )


# -- what the hub stores ------------------------------------------------------------------


def test_take_changes_hands_out_each_changed_quote_once_with_its_status_now() -> None:
    quotes = book(sheet(tier(FX1, "USD", "INR", "83.1")), lock_ms=1_000)
    assert quotes.take_changes() == []
    for quote_id in ("a", "b", "c"):
        assert quotes.request_quote(request(100_00), quote_id, NOW).quote is not None
    assert quotes.consume("b", NOW).ok
    taken = quotes.take_changes()
    assert [(q.id, status) for q, status in taken] == [
        ("a", QuoteStatus.locked),
        ("b", QuoteStatus.consumed),  # locked, then consumed: its status now, once
        ("c", QuoteStatus.locked),
    ]
    assert quotes.take_changes() == []
    quotes.settle("b", NOW)
    quotes.expire_due(NOW + 1_000)  # a and c
    assert [(q.id, status) for q, status in quotes.take_changes()] == [
        ("b", QuoteStatus.settled),
        ("a", QuoteStatus.expired),
        ("c", QuoteStatus.expired),
    ]


def test_adopted_quotes_come_back_with_their_exposure_and_expiry() -> None:
    original = book(sheet(tier(FX1, "USD", "INR", "83.1", cap=10_000_00)), lock_ms=1_000)
    locked = original.request_quote(request(1_000_00), "locked", NOW).quote
    consumed = original.request_quote(request(2_000_00), "consumed", NOW).quote
    assert locked is not None and consumed is not None and original.consume("consumed", NOW).ok
    restarted = book(sheet(tier(FX1, "USD", "INR", "83.1", cap=10_000_00)), lock_ms=1_000)
    restarted.adopt(locked, QuoteStatus.locked)
    restarted.adopt(consumed, QuoteStatus.consumed)
    assert restarted.exposure() == original.exposure()
    assert restarted.take_changes() == []  # as stored: nothing to write back
    assert restarted.expire_due(NOW + 1_000) == ["locked"]  # the consumed one never expires
    restarted.settle("consumed", NOW)
    [row] = restarted.exposure()
    assert (row.reserved_minor, row.settled_minor) == (0, 2_000_00)
    with pytest.raises(QuoteStateError):
        restarted.adopt(consumed, QuoteStatus.consumed)  # in the book already
    ended = original.request_quote(request(100_00), "ended", NOW).quote
    assert ended is not None
    with pytest.raises(QuoteStateError):
        restarted.adopt(ended, QuoteStatus.settled)  # only live quotes come back


def test_a_discarded_quote_ends_and_frees_its_exposure() -> None:
    quotes = book(sheet(tier(FX1, "USD", "INR", "83.1", cap=1_000_00)))
    assert quotes.request_quote(request(1_000_00), "q", NOW).quote is not None
    quotes.take_changes()  # as if another commit had stored it meanwhile
    quotes.discard("q")
    [row] = quotes.exposure()  # the day's peak keeps the moment it was reserved
    assert (row.reserved_minor, row.settled_minor, row.now_minor) == (0, 0, 0)
    assert quotes.status("q") is QuoteStatus.expired
    assert [(q.id, s) for q, s in quotes.take_changes()] == [("q", QuoteStatus.expired)]
    assert quotes.consume("q", NOW).rejection is R.quote_expired  # never usable
    quotes.discard("q")  # ended already: nothing to do
    assert quotes.request_quote(request(1_000_00), "used", NOW).quote is not None  # cap free
    assert quotes.consume("used", NOW).ok
    with pytest.raises(QuoteStateError):
        quotes.discard("used")  # given out and used: not discarded


def test_a_full_book_makes_room_by_forgetting_its_oldest_ended_quotes() -> None:
    fees = FeeSchedule(agent=OPERATOR, bps=0)
    quotes = QuoteBook(FxConfig(fees=fees, lock_ms=1_000, quotes_max=3))
    quotes.publish(sheet(tier(FX1, "USD", "INR", "83.1")))
    for quote_id in ("a", "b", "c"):
        assert quotes.request_quote(request(100_00), quote_id, NOW).quote is not None
    assert quotes.request_quote(request(100_00), "d", NOW).rejection is R.quotes_full
    assert quotes.consume("a", NOW).ok
    quotes.settle("a", NOW)
    refused = quotes.request_quote(request(100_00), "d", NOW)
    assert refused.rejection is R.quotes_full  # a's end is not stored yet: it stays
    quotes.take_changes()
    assert quotes.request_quote(request(100_00), "d", NOW).quote is not None  # a made room
    assert quotes.quote("a") is None
    assert [quotes.status(i) for i in "bcd"] == [QuoteStatus.locked] * 3  # live: all kept
