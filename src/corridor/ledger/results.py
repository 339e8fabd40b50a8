"""Every outcome of a ledger command is a named value, checked in a fixed, documented order.

Order of checks for `CreateTransfer` (the first that fails is the result):
  1. linked_chain_open       the batch ends inside a linked chain
  2. id_zero                 id 0 is reserved
 2b. id_invalid              id is not an integer below 2**128
  3. exists / id_reused      the id was applied before: same content -> `ok` (the first
                             result), different content -> `id_reused`
  4. amount_invalid          amount is not a positive integer within 18 digits
  5. accounts_same           debit and credit are the same account
  6. account_not_found       either account is unknown (debit checked first)
  7. account_closed          either account is closed
  8. currency_mismatch       the accounts hold different currencies
  9. timeout_invalid         negative timeout, a timeout on a non-pending transfer, or
                             one whose expiry time (now + timeout) would leave 63 bits
 9b. reference_too_long      reference longer than 140 characters
 9c. code_invalid            code is not an integer in 0 .. 2**31 - 1
 10. overflow                a running total would leave 63 bits
 11. exceeds_floor           the debit would take the account below its floor
                             (alias: insufficient_funds; pending debits count)

`PostPending` / `VoidPending`: linked_chain_open, id_zero, exists/id_reused,
pending_not_found, already_posted, already_voided, pending_expired, amount_invalid,
exceeds_pending_amount (id_invalid after id_zero). `CreateAccount`: id_zero, id_invalid,
exists/id_reused, account_invalid (owner not 1..64 characters, currency not 3 letters),
floor_invalid.
`SetAccountFloor`: account_not_found, account_closed, floor_invalid, exceeds_floor.
floor_invalid: a floor above zero or below -(2**63 - 1); a floor on issuance, or none
elsewhere.
`CloseAccount`: account_not_found, account_not_empty.

A command in a linked chain that fails keeps its own code; every other command of the
chain gets `linked_failed`, and none of the chain's effects remain.
"""

from __future__ import annotations

from enum import IntEnum


class Result(IntEnum):
    """The result of one ledger command. `ok` is the only success."""

    ok = 0
    linked_failed = 1
    linked_chain_open = 2
    id_zero = 3
    id_reused = 4
    amount_invalid = 5
    accounts_same = 6
    account_not_found = 7
    account_closed = 8
    currency_mismatch = 9
    timeout_invalid = 10
    overflow = 11
    exceeds_floor = 12
    pending_not_found = 13
    already_posted = 14
    already_voided = 15
    pending_expired = 16
    exceeds_pending_amount = 17
    floor_invalid = 18
    account_not_empty = 19
    reference_too_long = 20
    id_invalid = 21
    code_invalid = 22
    account_invalid = 23

    # The usual name for exceeds_floor on a settlement account.
    insufficient_funds = 12
