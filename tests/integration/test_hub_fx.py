"""Cross-currency payments in the hub: quote, PvP settlement of every leg or none,
bridge routing, tracking of the legs, and the FX reports."""

from __future__ import annotations

import dataclasses
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from tests.support.hub import BANK_A, BANK_C, HubWorld, fail_commits, make_world, restarted_hub
from tests.support.watchlists import OFFICER_1, OFFICER_2, archived_list

from corridor.crypto.keys import generate_private_key, public_key_pem
from corridor.foundation.errors import InputError
from corridor.fx import (
    FixedSide,
    ProviderRate,
    Quote,
    QuoteOutcome,
    QuoteRejection,
    QuoteRequest,
    QuoteStatus,
    RateSheet,
)
from corridor.fx.quotes import QuoteStateError
from corridor.hub.fx_desk import FxDesk, FxSettings
from corridor.hub.network import fees_account_id
from corridor.hub.security import Principal, Role
from corridor.hub.usecases.day import ENDED_QUOTES_KEPT_MS
from corridor.iso20022.records import (
    Agent,
    CreditTransfer,
    CreditTransferTransaction,
    GroupHeader,
    Party,
)
from corridor.payments.records import ParticipantStatus, PaymentState
from corridor.settlement import DayState
from corridor.store.ledger_audit import audit_ledger
from corridor.store.ledger_store import LedgerStore
from corridor.store.schema import fx_quotes

PROVIDER = "SILKHKHH"
CNY_BANK = "HANGCNSH"
BRL_BANK = "AMAZBRSP"
OPERATOR = Principal("ops", Role.operator)
DAY_MS = 86_400_000


@pytest.fixture
def world(tmp_path: Path) -> HubWorld:
    return _fx_world(tmp_path)


def _fx_world(tmp_path: Path, **settings: object) -> HubWorld:
    """A hub with FX (SILKHKHH quoting CNY/INR and CNY/BRL) and `settings`."""
    world = make_world(
        tmp_path,
        fx=FxSettings(fee_bps=10, lock_ms=60_000, bridge_currencies=("CNY",)),
        **settings,
    )
    now = world.clock.now_ms()

    def rate(base: str, quote: str, bid: str, ask: str) -> ProviderRate:
        return ProviderRate(
            PROVIDER,
            base,
            quote,
            Decimal(bid),
            Decimal(ask),
            1,
            10**15,
            now - 1,
            now + DAY_MS,
            10**16,
        )

    world.hub.publish_rates(
        OPERATOR,
        RateSheet(
            PROVIDER,
            (
                rate("CNY", "INR", "11.5312345678", "11.6412345678"),
                rate("CNY", "BRL", "0.7012345678", "0.7112345678"),
            ),
            now,
        ),
    )
    return world


def _ask(
    world: HubWorld, amount_minor: int, target_currency: str = "CNY", creditor: str = CNY_BANK
) -> QuoteOutcome:
    return world.hub.request_quote(
        Principal(BANK_A, Role.participant),
        QuoteRequest(BANK_A, creditor, "INR", target_currency, FixedSide.send, amount_minor),
    )


def _quote(world: HubWorld, target_currency: str, creditor: str, amount_minor: int) -> Quote:
    outcome = _ask(world, amount_minor, target_currency, creditor)
    assert outcome.quote is not None, outcome
    return outcome.quote


def _pay_with(
    world: HubWorld, quote: Quote, creditor: str, creditor_name: str = "Buyer Ltd"
) -> tuple[bytes, str]:
    now = world.now()
    uetr = str(uuid.uuid4())
    tx = CreditTransferTransaction(
        end_to_end_id="FX-E2E",
        instruction_id="FX-1",
        tx_id="FX-1",
        uetr=uetr,
        amount_minor=quote.target_minor,
        currency=quote.request.target_currency,
        settlement_date=now.date(),
        charge_bearer=quote.request.charge_bearer.value,
        instructed_amount_minor=quote.instructed_minor,
        instructed_currency=quote.request.source_currency,
        exchange_rate=quote.xchg_rate,
        debtor=Party(name="Ganges Textiles Pvt Ltd", country="IN"),
        debtor_agent=Agent(bic=BANK_A),
        creditor_agent=Agent(bic=creditor),
        creditor=Party(name=creditor_name, country="CN"),
        quote_id=quote.id,
    )
    group = GroupHeader(
        msg_id=world.next_ref("FXMSG"),
        created_at=now,
        number_of_transactions=1,
        settlement_method="CLRG",
        total_amount_minor=tx.amount_minor,
        total_currency=tx.currency,
        settlement_date=now.date(),
    )
    return world.sign(BANK_A, CreditTransfer(group=group, transactions=(tx,))), uetr


def _balance(world: HubWorld, bic: str, currency: str) -> int:
    account = world.hub.engine.ledger.account(world.hub.directory.account_id(bic, currency))  # type: ignore[arg-type]
    assert account is not None
    return account.balance_minor


def test_quote_then_pvp_settles_every_leg(world: HubWorld) -> None:
    quote = _quote(world, "CNY", CNY_BANK, 1_000_000_00)
    assert quote.bridge_currency is None and quote.charges_minor > 0
    before = {
        (b, c): _balance(world, b, c)
        for b, c in ((BANK_A, "INR"), (PROVIDER, "INR"), (PROVIDER, "CNY"), (CNY_BANK, "CNY"))
    }
    data, uetr = _pay_with(world, quote, CNY_BANK)
    answer = world.hub.submit(BANK_A, data)
    assert answer.status == "ACSC", answer.detail
    # The sender's pacs.002 discloses the rate, both amounts and every charge.
    assert f"rate {quote.display_rate}".encode() in answer.payload
    assert answer.payload.count(b"<ChrgsInf>") == len(quote.charges)
    assert _balance(world, BANK_A, "INR") == before[BANK_A, "INR"] - quote.debtor_total_minor
    assert _balance(world, PROVIDER, "INR") == before[PROVIDER, "INR"] + quote.source_minor
    assert _balance(world, PROVIDER, "CNY") == before[PROVIDER, "CNY"] - quote.target_minor
    assert _balance(world, CNY_BANK, "CNY") == before[CNY_BANK, "CNY"] + quote.target_minor
    fees = world.hub.engine.ledger.account(fees_account_id("INR"))
    assert fees is not None and fees.balance_minor == quote.charges_minor
    tracking = world.hub.track(Principal(BANK_A, Role.participant), uetr)
    assert tracking is not None and tracking.payment.state is PaymentState.settled
    legs = [e.detail for e in tracking.events if e.detail.startswith("leg ")]
    assert len(legs) == 2 + len(quote.charges)  # source leg, target leg, each charge
    assert any("CNY" in leg for leg in legs) and any("INR" in leg for leg in legs)
    forwarded = world.hub.outbox(Principal(CNY_BANK, Role.participant))
    assert [m.uetrs for m in forwarded] == [(uetr,)]
    assert b"XchgRate" in forwarded[0].payload and b"InstdAmt" in forwarded[0].payload
    volumes = world.hub.fx_volumes(0, world.clock.now_ms() + 1)
    assert [(v.provider, v.source_currency, v.target_currency) for v in volumes] == [
        (PROVIDER, "INR", "CNY")
    ]
    # The quote is used up: paying with it again is refused.
    again, _ = _pay_with(world, quote, CNY_BANK)
    refused = world.hub.submit(BANK_A, again)
    assert refused.status == "RJCT" and "quote_consumed" in refused.detail
    assert audit_ledger(world.hub.store.engine).problems == []


def test_bridge_route_settles_all_four_legs(world: HubWorld) -> None:
    quote = _quote(world, "BRL", BRL_BANK, 500_000_00)
    assert quote.bridge_currency == "CNY" and len(quote.legs) == 2
    data, _ = _pay_with(world, quote, BRL_BANK)
    before = _balance(world, BRL_BANK, "BRL")
    assert world.hub.submit(BANK_A, data).status == "ACSC"
    assert _balance(world, BRL_BANK, "BRL") == before + quote.target_minor
    assert world.hub.engine.ledger.verify() == []


def test_provider_short_of_target_currency_settles_nothing(world: HubWorld) -> None:
    # The provider pays away almost all its CNY (a plain CNY payment it signs itself).
    key = generate_private_key()
    world.keys[PROVIDER] = key
    world.hub.register_key(PROVIDER, public_key_pem(key.public_key()).decode())
    left_minor = 1_000_00
    drain = world.hub.available_minor(PROVIDER, "CNY") - left_minor
    data, _ = world.credit_transfer(PROVIDER, CNY_BANK, [drain], currency="CNY")
    assert world.hub.submit(PROVIDER, data).status == "ACSC"
    quote = _quote(world, "CNY", CNY_BANK, 100_000_00)  # about 8,600 CNY: more than it has
    assert quote.target_minor > left_minor
    before_a = _balance(world, BANK_A, "INR")
    data, uetr = _pay_with(world, quote, CNY_BANK)
    answer = world.hub.submit(BANK_A, data)
    assert (answer.status, answer.reason) == ("RJCT", "AM04")
    assert _balance(world, BANK_A, "INR") == before_a  # the INR leg did not settle either
    assert world.hub.available_minor(PROVIDER, "CNY") == left_minor
    assert world.hub.engine.ledger.verify() == []
    tracking = world.hub.track(OPERATOR, uetr)
    assert tracking is not None and tracking.payment.state is PaymentState.rejected
    assert world.hub.fx_volumes(0, world.clock.now_ms() + 1) == []


def test_expired_quote_is_refused(world: HubWorld) -> None:
    quote = _quote(world, "CNY", CNY_BANK, 10_000_00)
    world.clock.advance(61_000)
    data, _ = _pay_with(world, quote, CNY_BANK)
    answer = world.hub.submit(BANK_A, data)
    assert answer.status == "RJCT" and "quote_expired" in answer.detail


def test_only_the_provider_may_publish_its_rates(world: HubWorld) -> None:
    from corridor.foundation.errors import InputError

    with pytest.raises(InputError):
        world.hub.publish_rates(
            Principal(BANK_A, Role.participant), RateSheet(PROVIDER, (), world.clock.now_ms())
        )
    with pytest.raises(InputError, match="only a registered FX provider"):
        world.hub.publish_rates(
            OPERATOR, dataclasses.replace(RateSheet(BANK_A, (), world.clock.now_ms()))
        )


def _assert_refused(world: HubWorld, quote: Quote, why: str) -> None:
    """Paying with `quote` is refused (RJCT NARR naming `why`) and the payment rejected."""
    data, uetr = _pay_with(world, quote, CNY_BANK)
    answer = world.hub.submit(BANK_A, data)
    assert (answer.status, answer.reason) == ("RJCT", "NARR")
    assert why in answer.detail
    tracking = world.hub.track(OPERATOR, uetr)
    assert tracking is not None and tracking.payment.state is PaymentState.rejected


def _restarted(world: HubWorld, tmp_path: Path) -> None:
    """The hub built again on the same database and key, as after a restart."""
    world.hub = restarted_hub(
        tmp_path, world, fx=FxSettings(fee_bps=10, lock_ms=60_000, bridge_currencies=("CNY",))
    )


def _stored_quotes(world: HubWorld) -> dict[str, str]:
    with world.hub.store.engine.connect() as connection:
        rows = connection.execute(select(fx_quotes.c.quote_id, fx_quotes.c.status))
        return {str(quote_id): str(status) for quote_id, status in rows}


def _reserved(world: HubWorld) -> dict[tuple[str, str], int]:
    return {(r.base, r.quote): r.reserved_minor for r in world.hub.fx_exposure()}


def test_a_restart_keeps_a_locked_quote_and_the_rates(world: HubWorld, tmp_path: Path) -> None:
    """A quote is stored before it is given out: after a restart it is still executable,
    with its provider's exposure still reserved for it; the rate sheets price new ones."""
    quote = _quote(world, "CNY", CNY_BANK, 10_000_00)
    assert _stored_quotes(world) == {quote.id: "locked"}
    reserved = _reserved(world)
    assert reserved[("CNY", "INR")] == quote.legs[0].base_minor > 0
    _restarted(world, tmp_path)
    assert _reserved(world) == reserved
    data, _ = _pay_with(world, quote, CNY_BANK)
    assert world.hub.submit(BANK_A, data).status == "ACSC"
    assert _stored_quotes(world) == {}  # settled: no longer live
    fresh = _quote(world, "CNY", CNY_BANK, 10_000_00)
    data, _ = _pay_with(world, fresh, CNY_BANK)
    assert world.hub.submit(BANK_A, data).status == "ACSC"
    assert audit_ledger(world.hub.store.engine).problems == []


def test_a_quote_that_expired_during_a_restart_is_refused_and_forgotten(
    world: HubWorld, tmp_path: Path
) -> None:
    quote = _quote(world, "CNY", CNY_BANK, 10_000_00)
    world.clock.advance(61_000)  # past its 60 s lock, while the hub was down
    _restarted(world, tmp_path)
    _assert_refused(world, quote, "quote_expired")
    assert _stored_quotes(world) == {}
    assert _reserved(world)[("CNY", "INR")] == 0


def test_a_quote_that_could_not_be_stored_is_not_given_out(
    world: HubWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    expiring = _quote(world, "CNY", CNY_BANK, 10_000_00)
    world.clock.advance(61_000)
    assert world.hub.fx.book.expire_due(world.clock.now_ms()) == [expiring.id]
    before = _reserved(world)
    fail_commits(monkeypatch, world.hub, {1})
    with pytest.raises(OperationalError):
        _ask(world, 10_000_00)  # its commit would also have stored the expiry
    assert _reserved(world) == before  # the new quote's exposure given back
    held = world.hub.fx.book.snapshot().quotes
    assert len(held) == 2 and {status for _, status in held} == {QuoteStatus.expired}
    assert _stored_quotes(world) == {expiring.id: "locked"}  # nothing of that commit
    fresh = _quote(world, "CNY", CNY_BANK, 10_000_00)
    assert _stored_quotes(world) == {fresh.id: "locked"}  # and the expiry went with this one


def test_a_failed_queue_release_puts_the_quote_back_for_the_next_one(
    world: HubWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    available = world.hub.available_minor(BANK_A, "INR")
    quote = _quote(world, "CNY", CNY_BANK, available)
    data, uetr = _pay_with(world, quote, CNY_BANK)
    assert world.hub.submit(BANK_A, data).status == "PDNG"
    reserved = _reserved(world)
    shortfall = quote.debtor_total_minor - available
    incoming, _ = world.credit_transfer(BANK_C, BANK_A, [shortfall])
    fail_commits(monkeypatch, world.hub, {2})  # the incoming payment commits, the release not
    with pytest.raises(OperationalError):
        world.hub.submit(BANK_C, incoming)
    assert world.hub.fx.book.status(quote.id) is QuoteStatus.consumed  # back as it was
    assert _reserved(world) == reserved
    assert _stored_quotes(world) == {quote.id: "consumed"}
    (entry,) = world.hub.liquidity.entries("INR")
    assert entry.instruction.uetr == uetr
    assert world.hub.release_queues() == 1  # the next try settles it on its quote
    tracking = world.hub.track(OPERATOR, uetr)
    assert tracking is not None and tracking.payment.state is PaymentState.settled
    assert _stored_quotes(world) == {}
    assert [v.trades for v in world.hub.fx_volumes(0, world.clock.now_ms() + 1)] == [1]
    assert _reserved(world)[("CNY", "INR")] == 0
    assert audit_ledger(world.hub.store.engine).problems == []


def test_a_failed_batch_with_a_payment_on_a_used_quote_reports_the_commits_error(
    world: HubWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    used = _quote(world, "CNY", CNY_BANK, 10_000_00)
    data, _ = _pay_with(world, used, CNY_BANK)
    assert world.hub.submit(BANK_A, data).status == "ACSC"
    fresh = _quote(world, "CNY", CNY_BANK, 10_000_00)
    again, _ = _pay_with(world, used, CNY_BANK)  # refused quote_consumed in the batch
    paying, _ = _pay_with(world, fresh, CNY_BANK)
    fail_commits(monkeypatch, world.hub, {1})
    with pytest.raises(OperationalError):
        world.hub.settle([world.hub.take(BANK_A, again), world.hub.take(BANK_A, paying)])
    assert world.hub.fx.book.status(fresh.id) is QuoteStatus.locked  # usable again
    assert world.hub.submit(BANK_A, paying).status == "ACSC"
    assert _stored_quotes(world) == {}


def test_a_stored_consumed_quote_no_waiting_payment_holds_is_released_at_restart(
    world: HubWorld, tmp_path: Path
) -> None:
    """A consumed quote is stored with its payment queued or held; one stored consumed
    with no such payment (its end lost) must not keep its provider's exposure forever."""
    quote = _quote(world, "CNY", CNY_BANK, 10_000_00)
    with world.hub.store.engine.begin() as connection:
        connection.execute(fx_quotes.update().values(status="consumed"))
    _restarted(world, tmp_path)
    assert world.hub.fx.book.status(quote.id) is QuoteStatus.released
    assert _stored_quotes(world) == {}
    assert _reserved(world)[("CNY", "INR")] == 0
    entries = [(e.actor, e.action) for e in world.hub.audit.entries()]
    assert ("hub", "release_unclaimed_quote") in entries


def test_an_fx_payment_queued_for_liquidity_waits_across_a_restart(
    world: HubWorld, tmp_path: Path
) -> None:
    available = world.hub.available_minor(BANK_A, "INR")
    quote = _quote(world, "CNY", CNY_BANK, available)  # the charges come on top: too much
    assert quote.debtor_total_minor > available
    data, uetr = _pay_with(world, quote, CNY_BANK)
    assert world.hub.submit(BANK_A, data).status == "PDNG"
    assert _stored_quotes(world) == {quote.id: "consumed"}
    creditor_before = _balance(world, CNY_BANK, "CNY")
    _restarted(world, tmp_path)
    (entry,) = world.hub.liquidity.entries("INR")
    assert entry.instruction.uetr == uetr and entry.instruction.fx is not None
    assert entry.instruction.amount_minor == quote.debtor_total_minor  # charges included
    assert _reserved(world)[("CNY", "INR")] == quote.legs[0].base_minor
    # Liquidity arrives: the payment settles on its quote, every leg at the quoted rate.
    shortfall = quote.debtor_total_minor - world.hub.available_minor(BANK_A, "INR")
    incoming, _ = world.credit_transfer(BANK_C, BANK_A, [shortfall])
    assert world.hub.submit(BANK_C, incoming).status == "ACSC"
    tracking = world.hub.track(OPERATOR, uetr)
    assert tracking is not None and tracking.payment.state is PaymentState.settled
    assert _balance(world, CNY_BANK, "CNY") == creditor_before + quote.target_minor
    assert [v.trades for v in world.hub.fx_volumes(0, world.clock.now_ms() + 1)] == [1]
    assert _reserved(world)[("CNY", "INR")] == 0
    final = world.hub.outbox(Principal(BANK_A, Role.participant))[-1]
    assert final.kind.startswith("pacs.002") and uetr in final.uetrs
    assert b"<TxSts>ACSC</TxSts>" in final.payload
    assert _stored_quotes(world) == {}
    assert audit_ledger(world.hub.store.engine).problems == []


def test_an_fx_payment_held_for_compliance_waits_across_a_restart(tmp_path: Path) -> None:
    world = _fx_world(tmp_path, watchlists_dir=archived_list(tmp_path / "lists"))
    quote = _quote(world, "CNY", CNY_BANK, 10_000_00)
    data, uetr = _pay_with(world, quote, CNY_BANK, creditor_name="VHM Trading")
    assert world.hub.submit(BANK_A, data).status == "PDNG"
    assert _stored_quotes(world) == {quote.id: "consumed"}
    creditor_before = _balance(world, CNY_BANK, "CNY")
    world.hub = restarted_hub(
        tmp_path,
        world,
        fx=FxSettings(fee_bps=10, lock_ms=60_000, bridge_currencies=("CNY",)),
        watchlists_dir=tmp_path / "lists",
    )
    assert world.hub.compliance.held_uetrs() == [uetr]
    request = world.hub.request_approval(OFFICER_1, "release_hold", {"uetr": uetr})
    assert world.hub.approve(OFFICER_2, request.id).result == "settled"
    assert _balance(world, CNY_BANK, "CNY") == creditor_before + quote.target_minor
    assert _stored_quotes(world) == {}
    assert audit_ledger(world.hub.store.engine).problems == []


def test_a_queued_fx_payment_whose_quote_was_not_stored_is_rejected_at_restart(
    world: HubWorld, tmp_path: Path
) -> None:
    """A payment queued before quotes were stored (revision 0011) has no quote to come
    back on: the restart rejects it, and the debtor agent gets the final RJCT."""
    available = world.hub.available_minor(BANK_A, "INR")
    quote = _quote(world, "CNY", CNY_BANK, available)
    data, uetr = _pay_with(world, quote, CNY_BANK)
    assert world.hub.submit(BANK_A, data).status == "PDNG"
    with world.hub.store.engine.begin() as connection:
        connection.execute(fx_quotes.delete())
    _restarted(world, tmp_path)
    tracking = world.hub.track(OPERATOR, uetr)
    assert tracking is not None and tracking.payment.state is PaymentState.rejected
    assert tracking.payment.reason == "NARR"
    assert tracking.events[-1].detail == "FX quote lost when the hub restarted"
    assert world.hub.liquidity.entries("INR") == []
    # The debtor agent, answered PDNG before, gets the final RJCT in its outbox.
    final = world.hub.outbox(Principal(BANK_A, Role.participant))[-1]
    assert final.kind.startswith("pacs.002") and uetr in final.uetrs
    assert b"<TxSts>RJCT</TxSts>" in final.payload
    assert audit_ledger(world.hub.store.engine).problems == []


def test_a_suspended_provider_is_not_priced_and_its_quotes_are_refused(
    world: HubWorld,
) -> None:
    locked = _quote(world, "CNY", CNY_BANK, 10_000_00)
    world.hub.set_status(PROVIDER, ParticipantStatus.suspended)
    refused = _ask(world, 10_000_00)
    assert refused.quote is None and refused.rejection is QuoteRejection.provider_suspended
    before = _balance(world, BANK_A, "INR")
    _assert_refused(world, locked, "provider_suspended")
    assert _balance(world, BANK_A, "INR") == before  # no leg settled
    # Reinstated, it prices again, and its quote still locked is executable once more.
    world.hub.set_status(PROVIDER, ParticipantStatus.active)
    assert _ask(world, 10_000_00).quote is not None
    data, _ = _pay_with(world, locked, CNY_BANK)
    assert world.hub.submit(BANK_A, data).status == "ACSC"
    assert audit_ledger(world.hub.store.engine).problems == []


def test_a_provider_suspension_holds_across_a_restart(world: HubWorld, tmp_path: Path) -> None:
    world.hub.set_status(PROVIDER, ParticipantStatus.suspended)
    _restarted(world, tmp_path)
    assert _ask(world, 10_000_00).rejection is QuoteRejection.provider_suspended
    world.hub.set_status(PROVIDER, ParticipantStatus.closed)
    assert _ask(world, 10_000_00).quote is None


def test_exposure_starts_again_when_the_base_currency_day_opens(world: HubWorld) -> None:
    world.hub.tick()  # Monday 09:30 UTC: 17:30 in Shanghai, the CNY day is over
    quote = _quote(world, "CNY", CNY_BANK, 10_000_00)
    data, _ = _pay_with(world, quote, CNY_BANK)
    assert world.hub.submit(BANK_A, data).status == "ACSC"
    settled = {(r.base, r.quote): r.settled_minor for r in world.hub.fx_exposure()}
    assert settled[("CNY", "INR")] == quote.legs[0].base_minor > 0
    world.clock.advance(16 * 3_600_000)  # Tuesday 09:30 in Shanghai
    steps = world.hub.tick()
    assert [s.state for s in steps if s.currency == "CNY"] == [DayState.open]
    rows = {(r.base, r.quote): r for r in world.hub.fx_exposure()}
    assert (rows[("CNY", "INR")].settled_minor, rows[("CNY", "INR")].peak_minor) == (0, 0)
    # The trade itself is kept for the reports.
    assert len(world.hub.fx_volumes(0, world.clock.now_ms() + 1)) == 1


def test_a_restart_keeps_the_exposure_the_day_has_settled(world: HubWorld, tmp_path: Path) -> None:
    """Settled exposure is rebuilt from the stored trades since the base currency's day
    last opened: a restart must not hand every provider its cap again."""
    world.hub.tick()  # 17:30 in Shanghai: the CNY day opened at 07:00 and is past cut-off
    quote = _quote(world, "CNY", CNY_BANK, 10_000_00)
    bridged = _quote(world, "BRL", BRL_BANK, 20_000_00)  # two legs: CNY/INR and CNY/BRL
    for q, creditor in ((quote, CNY_BANK), (bridged, BRL_BANK)):
        data, _ = _pay_with(world, q, creditor)
        assert world.hub.submit(BANK_A, data).status == "ACSC"
    before = {(r.base, r.quote): (r.settled_minor, r.peak_minor) for r in world.hub.fx_exposure()}
    expected_inr = quote.legs[0].base_minor + bridged.legs[0].base_minor
    assert before[("CNY", "INR")][0] == expected_inr
    assert before[("CNY", "BRL")][0] == bridged.legs[1].base_minor > 0
    _restarted(world, tmp_path)  # mid-evening: no day step is due, yet the trades count
    world.hub.tick()
    after = {(r.base, r.quote): (r.settled_minor, r.peak_minor) for r in world.hub.fx_exposure()}
    assert after == before
    world.clock.advance(16 * 3_600_000)  # the next CNY day: it starts from zero
    world.hub.tick()
    assert {r.settled_minor for r in world.hub.fx_exposure()} == {0}


def test_a_day_opening_that_cannot_read_the_trades_still_opens_and_resets(
    world: HubWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.hub.tick()
    quote = _quote(world, "CNY", CNY_BANK, 10_000_00)
    data, _ = _pay_with(world, quote, CNY_BANK)
    assert world.hub.submit(BANK_A, data).status == "ACSC"

    def away(*_: object) -> dict[object, int]:
        raise ConnectionError("the database is away")

    monkeypatch.setattr("corridor.hub.fx_desk.settled_exposure_since", away)
    world.clock.advance(16 * 3_600_000)  # Tuesday 09:30 in Shanghai: the CNY day opens
    with pytest.raises(ConnectionError):  # reported (the ticker logs it) ...
        world.hub.tick()
    # ... and the day opened all the same, its exposure started from memory (zero)
    assert {r.settled_minor for r in world.hub.fx_exposure()} == {0}
    monkeypatch.undo()
    assert [s for s in world.hub.tick() if s.currency == "CNY"] == []  # not opened twice


def test_an_fx_payment_whose_commit_failed_settles_when_sent_again(
    world: HubWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The batch consumed and settled the quote in memory, then its commit failed: the
    quote goes back to locked with the ledger, so the same bytes settle when re-sent."""
    world.hub.tick()
    quote = _quote(world, "CNY", CNY_BANK, 10_000_00)
    data, _ = _pay_with(world, quote, CNY_BANK)
    book = world.hub.processor.fx.book  # type: ignore[union-attr]
    exposure = {
        (r.base, r.quote): (r.reserved_minor, r.settled_minor) for r in world.hub.fx_exposure()
    }

    def disk_full(*_: object, **__: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(LedgerStore, "commit", disk_full)
    with pytest.raises(OSError, match="disk full"):
        world.hub.submit(BANK_A, data)
    monkeypatch.undo()
    assert book.status(quote.id) is QuoteStatus.locked
    assert {
        (r.base, r.quote): (r.reserved_minor, r.settled_minor) for r in world.hub.fx_exposure()
    } == exposure
    assert world.hub.submit(BANK_A, data).status == "ACSC"
    assert book.status(quote.id) is QuoteStatus.settled


def test_fx_payments_of_a_pipelined_batch_whose_commit_failed_settle_when_sent_again(
    world: HubWorld,
) -> None:
    world.hub.tick()
    hub = world.hub
    first_quote = _quote(world, "CNY", CNY_BANK, 10_000_00)
    second_quote = _quote(world, "BRL", BRL_BANK, 20_000_00)
    first, _ = _pay_with(world, first_quote, CNY_BANK)
    second, _ = _pay_with(world, second_quote, BRL_BANK)
    batch = hub.apply_batch([hub.take(BANK_A, first)])
    hub.write_batch(batch)
    on_top = hub.apply_batch([hub.take(BANK_A, second)], batch)
    assert on_top.applied is not None
    assert batch.open is not None
    batch.open.rollback()  # as when the commit fails
    hub.reload_ledger()  # what the engine worker does then: both batches fail
    book = hub.processor.fx.book  # type: ignore[union-attr]
    assert book.status(first_quote.id) is book.status(second_quote.id) is QuoteStatus.locked
    assert hub.submit(BANK_A, first).status == "ACSC"
    assert hub.submit(BANK_A, second).status == "ACSC"
    assert hub.engine.ledger.verify() == []
    assert audit_ledger(hub.store.engine).problems == []


def test_a_failed_rejection_of_a_held_fx_payment_keeps_its_quote_for_the_retry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = _fx_world(tmp_path, watchlists_dir=archived_list(tmp_path / "lists"))
    quote = _quote(world, "CNY", CNY_BANK, 10_000_00)
    data, uetr = _pay_with(world, quote, CNY_BANK, creditor_name="VHM Trading")
    assert world.hub.submit(BANK_A, data).status == "PDNG"
    reserved = _reserved(world)
    fail_commits(monkeypatch, world.hub, {1})
    with pytest.raises(OperationalError):
        world.hub.reject_hold(OFFICER_1, uetr, "confirmed match")
    assert world.hub.fx.book.status(quote.id) is QuoteStatus.consumed  # not released
    assert _reserved(world) == reserved
    world.hub.reject_hold(OFFICER_1, uetr, "confirmed match")  # the officer tries again
    tracking = world.hub.track(OPERATOR, uetr)
    assert tracking is not None and tracking.payment.state is PaymentState.rejected
    assert world.hub.fx.book.status(quote.id) is QuoteStatus.released
    assert _stored_quotes(world) == {}
    assert _reserved(world)[("CNY", "INR")] == 0


def test_quote_changes_of_a_failed_pipelined_batch_go_with_the_next_commit(
    world: HubWorld,
) -> None:
    """A batch applied on the engine worker's pipeline takes the quote changes waiting
    (here an expiry); its commit fails: they are stored by the next commit instead."""
    expiring = _quote(world, "CNY", CNY_BANK, 10_000_00)
    world.clock.advance(61_000)
    assert world.hub.fx.book.expire_due(world.clock.now_ms()) == [expiring.id]
    data, _ = world.credit_transfer(BANK_A, BANK_C, [1_00])
    batch = world.hub.apply_batch([world.hub.take(BANK_A, data)])
    assert batch.applied is not None and batch.applied.changes is not None
    assert [q.id for q, _ in batch.applied.changes.quotes] == [expiring.id]  # type: ignore[attr-defined]
    world.hub.write_batch(batch)
    batch.open.rollback()  # type: ignore[union-attr]  # the commit that failed
    world.hub.reload_ledger()
    assert _stored_quotes(world) == {expiring.id: "locked"}
    fresh = _quote(world, "CNY", CNY_BANK, 10_000_00)
    assert _stored_quotes(world) == {fresh.id: "locked"}  # the expiry went with it


def test_the_ledger_is_reloaded_even_if_taking_back_quote_steps_fails(
    world: HubWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    reloads: list[int] = []
    monkeypatch.setattr(world.hub.engine, "reload", lambda: reloads.append(1))

    def broken() -> None:
        raise QuoteStateError("a quote in a state the batch never saw")

    monkeypatch.setattr(world.hub.processor, "abandon", broken)
    with pytest.raises(QuoteStateError):
        world.hub.reload_ledger()
    assert reloads == [1]


def test_a_waiting_fx_payment_whose_legs_cannot_be_planned_is_rejected_at_restart(
    world: HubWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    available = world.hub.available_minor(BANK_A, "INR")
    quote = _quote(world, "CNY", CNY_BANK, available)
    data, uetr = _pay_with(world, quote, CNY_BANK)
    assert world.hub.submit(BANK_A, data).status == "PDNG"

    def account_gone(*_args: object) -> object:
        raise InputError(f"{PROVIDER} holds no account in CNY", field="currency", value="CNY")

    monkeypatch.setattr(FxDesk, "priced", account_gone)  # as if an account closed
    _restarted(world, tmp_path)  # starts: the payment is rejected, not the start
    tracking = world.hub.track(OPERATOR, uetr)
    assert tracking is not None and tracking.payment.state is PaymentState.rejected
    assert tracking.events[-1].detail == "FX quote lost when the hub restarted"
    assert world.hub.fx.book.status(quote.id) is QuoteStatus.released
    assert _stored_quotes(world) == {}
    audit = [(e.action, e.detail) for e in world.hub.audit.entries()]
    assert (
        "release_unclaimed_quote",
        f'{{"quote_id": "{quote.id}", "why": "its payment is rejected"}}',
    ) in audit


def test_the_tick_forgets_ended_quotes_after_a_while_and_keeps_live_ones(world: HubWorld) -> None:
    used = _quote(world, "CNY", CNY_BANK, 10_000_00)
    data, _ = _pay_with(world, used, CNY_BANK)
    assert world.hub.submit(BANK_A, data).status == "ACSC"
    world.clock.advance(ENDED_QUOTES_KEPT_MS - 30_000)
    live = _quote(world, "CNY", CNY_BANK, 10_000_00)
    world.hub.tick()
    assert world.hub.fx.book.status(used.id) is QuoteStatus.settled  # still readable
    world.clock.advance(30_001)
    world.hub.tick()
    assert world.hub.fx.book.quote(used.id) is None  # forgotten
    assert world.hub.fx.book.status(live.id) is QuoteStatus.locked
