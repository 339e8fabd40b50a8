"""Every ledger reason code, per command type, and the documented order of checks.

The order is the one written in corridor/ledger/results.py: where two failures coincide,
the earlier check wins. Also idempotency (same id and content -> ok with no second
effect; other content -> id_reused; failures leave no trace) and floors.
"""

from __future__ import annotations

import pytest

from corridor.ledger import (
    BALANCE_MAX,
    AccountKind,
    CloseAccount,
    Command,
    CreateAccount,
    CreateTransfer,
    Ledger,
    PostPending,
    Result,
    SetAccountFloor,
    VoidPending,
)
from corridor.ledger.commands import REFERENCE_LENGTH_MAX
from corridor.ledger.engine import AMOUNT_MINOR_MAX, BATCH_SIZE_MAX

EUR_ISSUANCE, EUR_A, EUR_B, EUR_C = 1, 10, 11, 12
USD_ISSUANCE, USD_A = 2, 20
UNKNOWN = 999
R = Result


def _accounts() -> list[Command]:
    return [
        CreateAccount(EUR_ISSUANCE, "ECB", "EUR", AccountKind.issuance, None),
        CreateAccount(EUR_A, "BANKAAAA", "EUR", AccountKind.settlement, 0),
        CreateAccount(EUR_B, "BANKBBBB", "EUR", AccountKind.settlement, 0),
        CreateAccount(EUR_C, "BANKCCCC", "EUR", AccountKind.escrow, 0),
        CreateAccount(USD_ISSUANCE, "FED", "USD", AccountKind.issuance, None),
        CreateAccount(USD_A, "BANKAAAA", "USD", AccountKind.settlement, 0),
    ]


def _apply(ledger: Ledger, *commands: Command, now_ms: int = 1_000) -> list[Result]:
    return ledger.apply(list(commands), now_ms).results


@pytest.fixture
def ledger() -> Ledger:
    """Accounts open; EUR_A funded with 1,000 from the issuance account."""
    ledger = Ledger()
    assert _apply(ledger, *_accounts()) == [R.ok] * 6
    assert _apply(ledger, CreateTransfer(100, EUR_ISSUANCE, EUR_A, 1_000)) == [R.ok]
    return ledger


def _balance(ledger: Ledger, account_id: int) -> int:
    account = ledger.account(account_id)
    assert account is not None
    return account.balance_minor


def _transfer(id: int = 500, dr: int = EUR_A, cr: int = EUR_B, amount: int = 10, **kw: object):
    return CreateTransfer(id, dr, cr, amount, **kw)  # type: ignore[arg-type]


# -- CreateTransfer: one test per reason code -------------------------------------------


def test_transfer_ok_moves_the_amount(ledger: Ledger) -> None:
    outcome = ledger.apply([_transfer(amount=300, code=7, reference="uetr-1")], 2_000)
    assert outcome.results == [R.ok]
    assert _balance(ledger, EUR_A) == 700
    assert _balance(ledger, EUR_B) == 300
    assert outcome.events == [_transfer(amount=300, code=7, reference="uetr-1")]


def test_transfer_id_zero(ledger: Ledger) -> None:
    assert _apply(ledger, _transfer(id=0)) == [R.id_zero]


@pytest.mark.parametrize("amount", [0, -1, AMOUNT_MINOR_MAX + 1, True, 1.0, "5"])
def test_transfer_amount_invalid(ledger: Ledger, amount: object) -> None:
    assert _apply(ledger, _transfer(amount=amount)) == [R.amount_invalid]  # type: ignore[arg-type]


def test_transfer_amount_at_the_maximum_is_valid(ledger: Ledger) -> None:
    transfer = _transfer(dr=EUR_ISSUANCE, amount=AMOUNT_MINOR_MAX)
    assert _apply(ledger, transfer) == [R.ok]
    assert _balance(ledger, EUR_B) == AMOUNT_MINOR_MAX


def test_transfer_accounts_same(ledger: Ledger) -> None:
    assert _apply(ledger, _transfer(cr=EUR_A)) == [R.accounts_same]


@pytest.mark.parametrize(("dr", "cr"), [(UNKNOWN, EUR_B), (EUR_A, UNKNOWN)])
def test_transfer_account_not_found(ledger: Ledger, dr: int, cr: int) -> None:
    assert _apply(ledger, _transfer(dr=dr, cr=cr)) == [R.account_not_found]


@pytest.mark.parametrize("side", ["debit", "credit"])
def test_transfer_account_closed(ledger: Ledger, side: str) -> None:
    assert _apply(ledger, CloseAccount(EUR_C)) == [R.ok]
    transfer = _transfer(dr=EUR_C) if side == "debit" else _transfer(cr=EUR_C)
    assert _apply(ledger, transfer) == [R.account_closed]


def test_transfer_currency_mismatch(ledger: Ledger) -> None:
    assert _apply(ledger, _transfer(cr=USD_A)) == [R.currency_mismatch]


@pytest.mark.parametrize(
    ("pending", "timeout_ms"), [(True, -1), (False, 1), (False, -1), (False, 60_000)]
)
def test_transfer_timeout_invalid(ledger: Ledger, pending: bool, timeout_ms: int) -> None:
    transfer = _transfer(pending=pending, timeout_ms=timeout_ms)
    assert _apply(ledger, transfer) == [R.timeout_invalid]


def test_transfer_reference_too_long(ledger: Ledger) -> None:
    too_long = "x" * (REFERENCE_LENGTH_MAX + 1)
    assert _apply(ledger, _transfer(reference=too_long)) == [R.reference_too_long]
    longest = "x" * REFERENCE_LENGTH_MAX
    assert _apply(ledger, _transfer(id=501, reference=longest)) == [R.ok]


def _fill_credits(ledger: Ledger, account_id: int, first_id: int) -> None:
    """Credit an account 9 x AMOUNT_MINOR_MAX from the issuance account (~9.0e18)."""
    batch = [
        CreateTransfer(first_id + n, EUR_ISSUANCE, account_id, AMOUNT_MINOR_MAX) for n in range(9)
    ]
    assert _apply(ledger, *batch) == [R.ok] * 9


def test_transfer_overflow_on_credit_totals(ledger: Ledger) -> None:
    _fill_credits(ledger, EUR_B, 1_000)
    assert _apply(ledger, _transfer(dr=EUR_A, amount=AMOUNT_MINOR_MAX)) == [R.overflow]
    # The debit side overflows too: the issuance account has debited 9e18.
    assert _apply(ledger, _transfer(dr=EUR_ISSUANCE, cr=EUR_C, amount=AMOUNT_MINOR_MAX)) == [
        R.overflow
    ]
    assert _balance(ledger, EUR_C) == 0


def test_transfer_overflow_counts_pending_totals(ledger: Ledger) -> None:
    batch = [
        CreateTransfer(1_000 + n, EUR_ISSUANCE, EUR_B, AMOUNT_MINOR_MAX, pending=True)
        for n in range(9)
    ]
    assert _apply(ledger, *batch) == [R.ok] * 9
    assert _apply(ledger, _transfer(dr=EUR_A, amount=AMOUNT_MINOR_MAX)) == [R.overflow]


@pytest.mark.parametrize("amount", [1_001, 5_000])
def test_transfer_exceeds_floor(ledger: Ledger, amount: int) -> None:
    assert _apply(ledger, _transfer(amount=amount)) == [R.exceeds_floor]
    assert R.insufficient_funds is R.exceeds_floor
    assert _apply(ledger, _transfer(id=501, amount=1_000)) == [R.ok]  # exactly to the floor
    assert _balance(ledger, EUR_A) == 0


# -- CreateTransfer: the order of checks where two failures coincide -------------------


def test_order_linked_chain_open_before_id_zero(ledger: Ledger) -> None:
    assert _apply(ledger, _transfer(id=0, linked=True)) == [R.linked_chain_open]


def test_order_id_zero_before_amount_invalid(ledger: Ledger) -> None:
    assert _apply(ledger, _transfer(id=0, amount=0)) == [R.id_zero]


def test_order_id_reused_before_amount_invalid(ledger: Ledger) -> None:
    assert _apply(ledger, _transfer(id=100, amount=0)) == [R.id_reused]


def test_order_exists_before_every_later_check(ledger: Ledger) -> None:
    """A retry of an applied transfer is `ok` even when it would now fail on its own."""
    transfer = _transfer(amount=1_000)
    assert _apply(ledger, transfer) == [R.ok]
    assert _apply(ledger, transfer) == [R.ok]  # would exceed the floor if applied again
    assert _balance(ledger, EUR_A) == 0
    assert _balance(ledger, EUR_B) == 1_000


def test_order_amount_invalid_before_accounts_same(ledger: Ledger) -> None:
    assert _apply(ledger, _transfer(cr=EUR_A, amount=-5)) == [R.amount_invalid]


def test_order_accounts_same_before_account_not_found(ledger: Ledger) -> None:
    assert _apply(ledger, _transfer(dr=UNKNOWN, cr=UNKNOWN)) == [R.accounts_same]


def test_order_account_not_found_before_account_closed(ledger: Ledger) -> None:
    assert _apply(ledger, CloseAccount(EUR_C)) == [R.ok]
    assert _apply(ledger, _transfer(dr=EUR_C, cr=UNKNOWN)) == [R.account_not_found]


def test_order_account_closed_before_currency_mismatch(ledger: Ledger) -> None:
    assert _apply(ledger, CloseAccount(EUR_C)) == [R.ok]
    assert _apply(ledger, _transfer(dr=EUR_C, cr=USD_A)) == [R.account_closed]


def test_order_currency_mismatch_before_timeout_invalid(ledger: Ledger) -> None:
    assert _apply(ledger, _transfer(cr=USD_A, timeout_ms=-1)) == [R.currency_mismatch]


def test_order_timeout_invalid_before_reference_too_long(ledger: Ledger) -> None:
    transfer = _transfer(timeout_ms=5, reference="x" * 141)
    assert _apply(ledger, transfer) == [R.timeout_invalid]


def test_order_reference_too_long_before_exceeds_floor(ledger: Ledger) -> None:
    assert _apply(ledger, _transfer(amount=5_000, reference="x" * 141)) == [R.reference_too_long]


def test_order_reference_too_long_before_overflow(ledger: Ledger) -> None:
    _fill_credits(ledger, EUR_B, 1_000)
    transfer = _transfer(dr=EUR_A, amount=AMOUNT_MINOR_MAX, reference="x" * 141)
    assert _apply(ledger, transfer) == [R.reference_too_long]


def test_order_overflow_before_exceeds_floor(ledger: Ledger) -> None:
    _fill_credits(ledger, EUR_B, 1_000)
    # EUR_A holds 1,000: this both overflows EUR_B's credits and breaks EUR_A's floor.
    assert _apply(ledger, _transfer(dr=EUR_A, amount=AMOUNT_MINOR_MAX)) == [R.overflow]


# -- PostPending / VoidPending ---------------------------------------------------------


@pytest.fixture
def with_pending(ledger: Ledger) -> Ledger:
    """Pending 200 (id 300) EUR_A -> EUR_B, no timeout; pending 100 (id 301), 5 s timeout."""
    pendings = [
        _transfer(id=300, amount=200, pending=True),
        _transfer(id=301, amount=100, pending=True, timeout_ms=5_000),
    ]
    assert _apply(ledger, *pendings, now_ms=1_000) == [R.ok, R.ok]
    return ledger


def test_post_ok_full_and_void_ok(with_pending: Ledger) -> None:
    assert _apply(with_pending, PostPending(400, 300), VoidPending(401, 301)) == [R.ok, R.ok]
    assert _balance(with_pending, EUR_A) == 800
    assert _balance(with_pending, EUR_B) == 200


@pytest.mark.parametrize("command", [PostPending(0, 300), VoidPending(0, 300)])
def test_resolve_id_zero(with_pending: Ledger, command: Command) -> None:
    assert _apply(with_pending, command) == [R.id_zero]


@pytest.mark.parametrize("command", [PostPending(100, 300), VoidPending(100, 300)])
def test_resolve_id_reused_by_a_transfer(with_pending: Ledger, command: Command) -> None:
    assert _apply(with_pending, command) == [R.id_reused]


def test_resolve_id_reused_with_other_content(with_pending: Ledger) -> None:
    assert _apply(with_pending, PostPending(400, 300, 50)) == [R.ok]
    assert _apply(with_pending, PostPending(400, 300, 60)) == [R.id_reused]
    assert _apply(with_pending, VoidPending(400, 300)) == [R.id_reused]
    assert _apply(with_pending, PostPending(400, 301, 50)) == [R.id_reused]


@pytest.mark.parametrize(
    "command", [PostPending(400, UNKNOWN), VoidPending(400, UNKNOWN), PostPending(400, 100)]
)
def test_resolve_pending_not_found(with_pending: Ledger, command: Command) -> None:
    """An unknown id, or the id of a transfer that is not pending."""
    assert _apply(with_pending, command) == [R.pending_not_found]


@pytest.mark.parametrize("command", [PostPending(401, 300, 1), VoidPending(401, 300)])
def test_resolve_already_posted(with_pending: Ledger, command: Command) -> None:
    assert _apply(with_pending, PostPending(400, 300, 150)) == [R.ok]
    assert _apply(with_pending, command) == [R.already_posted]


@pytest.mark.parametrize("command", [PostPending(401, 300), VoidPending(401, 300)])
def test_resolve_already_voided(with_pending: Ledger, command: Command) -> None:
    assert _apply(with_pending, VoidPending(400, 300)) == [R.ok]
    assert _apply(with_pending, command) == [R.already_voided]


@pytest.mark.parametrize("command", [PostPending(400, 301), VoidPending(400, 301)])
def test_resolve_pending_expired(with_pending: Ledger, command: Command) -> None:
    assert _apply(with_pending, command, now_ms=6_000) == [R.pending_expired]


@pytest.mark.parametrize("amount", [0, -1, True, 1.5])
def test_post_amount_invalid(with_pending: Ledger, amount: object) -> None:
    assert _apply(with_pending, PostPending(400, 300, amount)) == [R.amount_invalid]  # type: ignore[arg-type]


def test_post_exceeds_pending_amount(with_pending: Ledger) -> None:
    assert _apply(with_pending, PostPending(400, 300, 201)) == [R.exceeds_pending_amount]
    assert _apply(with_pending, PostPending(400, 300, 200)) == [R.ok]


@pytest.mark.parametrize(
    "command", [PostPending(400, 300, linked=True), VoidPending(400, 300, linked=True)]
)
def test_resolve_linked_chain_open(with_pending: Ledger, command: Command) -> None:
    assert _apply(with_pending, command) == [R.linked_chain_open]
    assert with_pending.applied(400) is None


# -- PostPending / VoidPending: order of checks ----------------------------------------


def test_resolve_order(with_pending: Ledger) -> None:
    # linked_chain_open before id_zero
    assert _apply(with_pending, VoidPending(0, UNKNOWN, linked=True)) == [R.linked_chain_open]
    # id_zero before pending_not_found
    assert _apply(with_pending, PostPending(0, UNKNOWN)) == [R.id_zero]
    # id_reused before pending_not_found
    assert _apply(with_pending, PostPending(100, UNKNOWN)) == [R.id_reused]
    # pending_not_found before amount_invalid
    assert _apply(with_pending, PostPending(400, UNKNOWN, -1)) == [R.pending_not_found]
    # already_voided before amount_invalid and exceeds_pending_amount
    assert _apply(with_pending, VoidPending(400, 300)) == [R.ok]
    assert _apply(with_pending, PostPending(401, 300, 0)) == [R.already_voided]
    assert _apply(with_pending, PostPending(401, 300, 10_000)) == [R.already_voided]
    # pending_expired before amount_invalid and exceeds_pending_amount
    assert _apply(with_pending, PostPending(402, 301, -3), now_ms=7_000) == [R.pending_expired]
    assert _apply(with_pending, PostPending(402, 301, 10_000)) == [R.pending_expired]


def test_resolve_order_exists_before_already_posted(with_pending: Ledger) -> None:
    """The retry of a post is `ok` (its first result), not `already_posted`."""
    assert _apply(with_pending, PostPending(400, 300, 120)) == [R.ok]
    assert _apply(with_pending, PostPending(400, 300, 120)) == [R.ok]
    assert _balance(with_pending, EUR_B) == 120


def test_resolve_order_already_posted_before_exceeds_pending_amount(with_pending: Ledger) -> None:
    assert _apply(with_pending, PostPending(400, 300)) == [R.ok]
    assert _apply(with_pending, PostPending(401, 300, 999)) == [R.already_posted]


def test_post_order_amount_invalid_before_exceeds_pending_amount(with_pending: Ledger) -> None:
    assert _apply(with_pending, PostPending(400, 300, -10_000)) == [R.amount_invalid]


# -- CreateAccount ---------------------------------------------------------------------


def test_create_account_ok_and_its_event() -> None:
    ledger = Ledger()
    command = CreateAccount(7, "BANKAAAA", "EUR", AccountKind.fees, -50)
    outcome = ledger.apply([command], 0)
    assert outcome.results == [R.ok]
    assert outcome.events == [command]
    account = ledger.account(7)
    assert account is not None
    assert (account.owner, account.currency, account.kind) == ("BANKAAAA", "EUR", AccountKind.fees)
    assert (account.floor_minor, account.balance_minor, account.closed) == (-50, 0, False)


def test_create_account_id_zero() -> None:
    assert _apply(Ledger(), CreateAccount(0, "X", "EUR", AccountKind.settlement)) == [R.id_zero]


def test_create_account_exists_and_id_reused(ledger: Ledger) -> None:
    same = CreateAccount(EUR_A, "BANKAAAA", "EUR", AccountKind.settlement, 0)
    outcome = ledger.apply([same], 2_000)
    assert outcome.results == [R.ok]
    assert outcome.events == []
    assert _balance(ledger, EUR_A) == 1_000  # not reset
    others = [
        CreateAccount(EUR_A, "BANKZZZZ", "EUR", AccountKind.settlement, 0),
        CreateAccount(EUR_A, "BANKAAAA", "USD", AccountKind.settlement, 0),
        CreateAccount(EUR_A, "BANKAAAA", "EUR", AccountKind.escrow, 0),
        CreateAccount(EUR_A, "BANKAAAA", "EUR", AccountKind.settlement, -10),
    ]
    assert _apply(ledger, *others) == [R.id_reused] * 4


@pytest.mark.parametrize(
    ("kind", "floor"),
    [
        (AccountKind.issuance, 0),
        (AccountKind.issuance, -100),
        (AccountKind.settlement, None),
        (AccountKind.escrow, None),
        (AccountKind.fees, None),
        (AccountKind.settlement, 1),
    ],
)
def test_create_account_floor_invalid(kind: AccountKind, floor: int | None) -> None:
    ledger = Ledger()
    assert _apply(ledger, CreateAccount(5, "X", "EUR", kind, floor)) == [R.floor_invalid]
    assert ledger.account(5) is None


def test_create_account_order() -> None:
    ledger = Ledger()
    bad = CreateAccount(0, "X", "EUR", AccountKind.issuance, 0)
    assert _apply(ledger, bad) == [R.id_zero]
    assert _apply(ledger, CreateAccount(0, "X", "EUR", AccountKind.settlement, linked=True)) == [
        R.linked_chain_open
    ]
    assert _apply(ledger, CreateAccount(5, "X", "EUR", AccountKind.settlement)) == [R.ok]
    # id_reused before floor_invalid
    assert _apply(ledger, CreateAccount(5, "X", "EUR", AccountKind.settlement, 3)) == [R.id_reused]


# -- SetAccountFloor -------------------------------------------------------------------


def test_set_floor_ok_extends_a_credit_line(ledger: Ledger) -> None:
    assert _apply(ledger, _transfer(amount=1_500)) == [R.exceeds_floor]
    assert _apply(ledger, SetAccountFloor(EUR_A, -500)) == [R.ok]
    account = ledger.account(EUR_A)
    assert account is not None
    assert account.floor_minor == -500
    assert _apply(ledger, _transfer(amount=1_500)) == [R.ok]
    assert _balance(ledger, EUR_A) == -500
    assert _apply(ledger, _transfer(id=501, amount=1)) == [R.exceeds_floor]


def test_set_floor_account_not_found(ledger: Ledger) -> None:
    assert _apply(ledger, SetAccountFloor(UNKNOWN, 0)) == [R.account_not_found]


def test_set_floor_account_closed(ledger: Ledger) -> None:
    assert _apply(ledger, CloseAccount(EUR_C), SetAccountFloor(EUR_C, -1)) == [
        R.ok,
        R.account_closed,
    ]


@pytest.mark.parametrize(
    ("account_id", "floor"), [(EUR_A, 1), (EUR_ISSUANCE, 0), (EUR_ISSUANCE, -5)]
)
def test_set_floor_floor_invalid(ledger: Ledger, account_id: int, floor: int) -> None:
    assert _apply(ledger, SetAccountFloor(account_id, floor)) == [R.floor_invalid]


def test_set_floor_exceeds_floor_when_the_balance_is_below_the_new_floor(ledger: Ledger) -> None:
    assert _apply(ledger, SetAccountFloor(EUR_A, -300), _transfer(amount=1_200)) == [R.ok, R.ok]
    assert _apply(ledger, SetAccountFloor(EUR_A, -199)) == [R.exceeds_floor]
    assert _apply(ledger, SetAccountFloor(EUR_A, 0)) == [R.exceeds_floor]
    assert _apply(ledger, SetAccountFloor(EUR_A, -200)) == [R.ok]  # exactly the balance


def test_set_floor_pending_debits_count(ledger: Ledger) -> None:
    assert _apply(ledger, SetAccountFloor(EUR_A, -100)) == [R.ok]
    assert _apply(ledger, _transfer(amount=1_050, pending=True)) == [R.ok]
    assert _apply(ledger, SetAccountFloor(EUR_A, 0)) == [R.exceeds_floor]
    assert _apply(ledger, SetAccountFloor(EUR_A, -50)) == [R.ok]


def test_set_floor_order(ledger: Ledger) -> None:
    assert _apply(ledger, SetAccountFloor(UNKNOWN, 5)) == [R.account_not_found]
    assert _apply(ledger, CloseAccount(EUR_C), SetAccountFloor(EUR_C, 5)) == [
        R.ok,
        R.account_closed,
    ]
    # floor_invalid before exceeds_floor: a positive floor above the balance
    assert _apply(ledger, SetAccountFloor(EUR_B, 5)) == [R.floor_invalid]
    assert _apply(ledger, SetAccountFloor(EUR_A, -1, linked=True)) == [R.linked_chain_open]


# -- CloseAccount ----------------------------------------------------------------------


def test_close_ok_is_idempotent(ledger: Ledger) -> None:
    outcome = ledger.apply([CloseAccount(EUR_C)], 2_000)
    assert outcome.results == [R.ok]
    assert outcome.events == [CloseAccount(EUR_C)]
    again = ledger.apply([CloseAccount(EUR_C)], 2_000)
    assert again.results == [R.ok]
    assert again.events == []
    account = ledger.account(EUR_C)
    assert account is not None
    assert account.closed


def test_close_account_not_found(ledger: Ledger) -> None:
    assert _apply(ledger, CloseAccount(UNKNOWN)) == [R.account_not_found]


def test_close_account_not_empty(ledger: Ledger) -> None:
    assert _apply(ledger, CloseAccount(EUR_A)) == [R.account_not_empty]  # balance
    assert _apply(ledger, CloseAccount(EUR_ISSUANCE)) == [R.account_not_empty]  # negative
    pending = _transfer(dr=EUR_A, cr=EUR_C, amount=5, pending=True)
    assert _apply(ledger, pending) == [R.ok]
    assert _apply(ledger, CloseAccount(EUR_C)) == [R.account_not_empty]  # pending credit
    assert _apply(ledger, _transfer(id=501, dr=EUR_A, cr=EUR_B, amount=995)) == [R.ok]
    assert _apply(ledger, CloseAccount(EUR_A)) == [R.account_not_empty]  # pending debit
    assert _apply(ledger, VoidPending(502, 500), _transfer(id=503, amount=5)) == [R.ok, R.ok]
    assert _apply(ledger, CloseAccount(EUR_A), CloseAccount(EUR_C)) == [R.ok, R.ok]


def test_close_linked_chain_open(ledger: Ledger) -> None:
    assert _apply(ledger, CloseAccount(EUR_C, linked=True)) == [R.linked_chain_open]
    account = ledger.account(EUR_C)
    assert account is not None
    assert not account.closed


# -- idempotency -----------------------------------------------------------------------


def test_same_transfer_twice_in_one_batch_applies_once(ledger: Ledger) -> None:
    transfer = _transfer(amount=100)
    outcome = ledger.apply([transfer, transfer], 2_000)
    assert outcome.results == [R.ok, R.ok]
    assert outcome.events == [transfer]
    assert _balance(ledger, EUR_B) == 100


@pytest.mark.parametrize(
    "changed",
    [
        {"amount": 11},
        {"dr": EUR_C},
        {"cr": EUR_C},
        {"code": 1},
        {"reference": "other"},
        {"pending": True},
        {"linked": True},
    ],
)
def test_same_transfer_id_with_other_content_is_id_reused(
    ledger: Ledger, changed: dict[str, object]
) -> None:
    assert _apply(ledger, _transfer()) == [R.ok]
    retry = _transfer(**changed)  # type: ignore[arg-type]
    batch = [retry, _transfer(id=501)] if retry.linked else [retry]
    outcome = ledger.apply(batch, 2_000)
    assert outcome.results == [R.id_reused, R.linked_failed][: len(batch)]
    assert outcome.events == []
    assert _balance(ledger, EUR_B) == 10


def test_pending_timeout_change_is_id_reused(ledger: Ledger) -> None:
    assert _apply(ledger, _transfer(pending=True, timeout_ms=10)) == [R.ok]
    assert _apply(ledger, _transfer(pending=True, timeout_ms=20)) == [R.id_reused]


def test_ids_share_one_space_across_transfers_posts_and_voids(ledger: Ledger) -> None:
    assert _apply(ledger, _transfer(id=600, pending=True)) == [R.ok]
    assert _apply(ledger, VoidPending(601, 600)) == [R.ok]
    assert _apply(ledger, _transfer(id=601)) == [R.id_reused]
    assert _apply(ledger, PostPending(600, 600)) == [R.id_reused]


def test_failed_commands_leave_no_trace_and_can_be_retried(ledger: Ledger) -> None:
    transfer = _transfer(amount=5_000)
    outcome = ledger.apply(
        [transfer, CreateAccount(30, "X", "EUR", AccountKind.settlement, 4)], 2_000
    )
    assert outcome.results == [R.exceeds_floor, R.floor_invalid]
    assert outcome.events == []
    assert ledger.applied(500) is None
    assert ledger.account(30) is None
    assert _apply(ledger, _transfer(id=700, dr=EUR_ISSUANCE, cr=EUR_A, amount=4_000)) == [R.ok]
    assert _apply(ledger, transfer) == [R.ok]
    assert _balance(ledger, EUR_B) == 5_000
    assert ledger.applied(500) == transfer


def test_failed_post_can_be_retried_under_the_same_id(with_pending: Ledger) -> None:
    assert _apply(with_pending, PostPending(400, 300, 999)) == [R.exceeds_pending_amount]
    assert with_pending.applied(400) is None
    assert _apply(with_pending, PostPending(400, 300, 150)) == [R.ok]
    assert _balance(with_pending, EUR_B) == 150


def test_post_without_amount_equals_post_of_the_full_amount(with_pending: Ledger) -> None:
    assert _apply(with_pending, PostPending(400, 300)) == [R.ok]
    assert with_pending.applied(400) == PostPending(400, 300, 200)
    assert _apply(with_pending, PostPending(400, 300, 200)) == [R.ok]
    assert _apply(with_pending, PostPending(400, 300)) == [R.ok]
    assert _balance(with_pending, EUR_B) == 200


# -- floors ----------------------------------------------------------------------------


def test_issuance_is_the_only_kind_that_may_go_below_zero(ledger: Ledger) -> None:
    assert _balance(ledger, EUR_ISSUANCE) == -1_000
    big = _transfer(id=501, dr=EUR_ISSUANCE, amount=AMOUNT_MINOR_MAX)
    assert _apply(ledger, big) == [R.ok]
    for kind in (AccountKind.settlement, AccountKind.escrow, AccountKind.fees):
        account_id = 40 + int(kind)
        assert _apply(ledger, CreateAccount(account_id, "X", "EUR", kind, 0)) == [R.ok]
        assert _apply(ledger, _transfer(id=600 + account_id, dr=account_id, amount=1)) == [
            R.exceeds_floor
        ]


def test_credit_line_lets_a_settlement_account_go_negative_to_its_floor() -> None:
    ledger = Ledger()
    commands = [
        CreateAccount(1, "ECB", "EUR", AccountKind.issuance, None),
        CreateAccount(2, "BANKAAAA", "EUR", AccountKind.settlement, -1_000),
        CreateAccount(3, "BANKBBBB", "EUR", AccountKind.settlement),
    ]
    assert _apply(ledger, *commands) == [R.ok] * 3
    results = _apply(
        ledger, _transfer(1, 2, 3, 600), _transfer(2, 2, 3, 400), _transfer(3, 2, 3, 1)
    )
    assert results == [R.ok, R.ok, R.exceeds_floor]
    assert _balance(ledger, 2) == -1_000
    # Lowering the line below the current debt fails; repaying then lowering succeeds.
    assert _apply(ledger, SetAccountFloor(2, 0)) == [R.exceeds_floor]
    assert _apply(ledger, _transfer(4, 1, 2, 1_000), SetAccountFloor(2, 0)) == [R.ok, R.ok]
    assert ledger.verify() == []


# -- limits ----------------------------------------------------------------------------


def test_a_batch_over_the_size_limit_is_refused_before_anything_is_applied(
    ledger: Ledger,
) -> None:
    next_seq = ledger.next_seq
    batch = [_transfer(id=n, amount=1) for n in range(1_000, 1_000 + BATCH_SIZE_MAX + 1)]
    with pytest.raises(ValueError, match=f"exceeds BATCH_SIZE_MAX={BATCH_SIZE_MAX}"):
        ledger.apply(batch, 2_000)
    assert ledger.next_seq == next_seq
    assert _balance(ledger, EUR_B) == 0
    assert ledger.apply(batch[:BATCH_SIZE_MAX], 2_000).results[:2] == [R.ok, R.ok]


def test_transfer_timeout_invalid_when_its_expiry_would_leave_63_bits(ledger: Ledger) -> None:
    """The expiry time is journaled in a signed 64-bit column: beyond it, one bad
    command would make the whole group-committed batch fail to commit."""
    now_ms = 2_000
    too_far = _transfer(pending=True, timeout_ms=BALANCE_MAX - now_ms + 1)
    assert ledger.apply([too_far], now_ms).results == [R.timeout_invalid]
    furthest = _transfer(pending=True, timeout_ms=BALANCE_MAX - now_ms)
    assert ledger.apply([furthest], now_ms).results == [R.ok]


@pytest.mark.parametrize("floor", [-BALANCE_MAX - 1, -(2**70)])
def test_a_floor_below_63_bits_is_floor_invalid(ledger: Ledger, floor: int) -> None:
    """Floors are stored in a signed 64-bit column too."""
    create = CreateAccount(30, "X", "EUR", AccountKind.settlement, floor)
    assert _apply(ledger, create, SetAccountFloor(EUR_B, floor)) == [R.floor_invalid] * 2
    lowest = -BALANCE_MAX
    create = CreateAccount(30, "X", "EUR", AccountKind.settlement, lowest)
    assert _apply(ledger, create, SetAccountFloor(EUR_B, lowest)) == [R.ok, R.ok]


def test_ids_codes_and_owners_that_storage_cannot_hold_are_refused() -> None:
    from corridor.ledger import AccountKind, CreateAccount, CreateTransfer, Ledger, Result

    ledger = Ledger()
    setup = [
        CreateAccount(1, "CB", "INR", AccountKind.issuance, None),
        CreateAccount(2, "BANKINBB", "INR", AccountKind.settlement, 0),
    ]
    assert ledger.apply(setup, 1).results == [Result.ok, Result.ok]
    results = ledger.apply(
        [
            CreateTransfer(2**128, 1, 2, 5),
            CreateTransfer(-5, 1, 2, 5),
            CreateTransfer(10, 1, 2, 5, code=2**31),
            CreateTransfer(11, 1, 2, 5, code=-1),
            CreateAccount(3, "X" * 65, "INR", AccountKind.settlement, 0),
            CreateAccount(4, "", "INR", AccountKind.settlement, 0),
            CreateAccount(5, "BANKINBB", "INRX", AccountKind.settlement, 0),
            CreateAccount(2**128 + 1, "BANKINBB", "INR", AccountKind.settlement, 0),
            CreateTransfer(12, 1, 2, 5, code=2**31 - 1),
        ],
        2,
    ).results
    assert results == [
        Result.id_invalid,
        Result.id_invalid,
        Result.code_invalid,
        Result.code_invalid,
        Result.account_invalid,
        Result.account_invalid,
        Result.account_invalid,
        Result.id_invalid,
        Result.ok,
    ]
    assert ledger.verify() == []
