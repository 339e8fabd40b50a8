"""Account state held by the ledger. Mutable, owned by the single writer only."""

from __future__ import annotations

from dataclasses import dataclass

from corridor.ledger.commands import AccountKind

BALANCE_MAX = 2**63 - 1  # every running total fits a signed 64-bit column


class Account:
    """One account's running totals.

    Attributes:
        id, owner, currency, kind: as opened.
        floor_minor: lowest allowed available balance; None = no floor (issuance only).
        debits_posted / credits_posted: settled totals, minor units, never negative.
        debits_pending / credits_pending: reserved by pending transfers.
        closed: no more transfers in or out.
    """

    __slots__ = (
        "closed",
        "credits_pending",
        "credits_posted",
        "currency",
        "debits_pending",
        "debits_posted",
        "floor_minor",
        "id",
        "kind",
        "owner",
    )

    def __init__(
        self,
        id: int,
        owner: str,
        currency: str,
        kind: AccountKind,
        floor_minor: int | None,
        *,
        debits_posted: int = 0,
        credits_posted: int = 0,
        debits_pending: int = 0,
        credits_pending: int = 0,
        closed: bool = False,
    ) -> None:
        self.id = id
        self.owner = owner
        self.currency = currency
        self.kind = kind
        self.floor_minor = floor_minor
        self.debits_posted = debits_posted
        self.credits_posted = credits_posted
        self.debits_pending = debits_pending
        self.credits_pending = credits_pending
        self.closed = closed

    @property
    def balance_minor(self) -> int:
        """Posted balance: credits minus debits."""
        return self.credits_posted - self.debits_posted

    @property
    def available_minor(self) -> int:
        """What may still be debited before the floor: posted balance less pending debits."""
        return self.credits_posted - self.debits_posted - self.debits_pending

    def snapshot(self) -> AccountBalance:
        return AccountBalance(
            id=self.id,
            owner=self.owner,
            currency=self.currency,
            kind=self.kind,
            floor_minor=self.floor_minor,
            debits_posted=self.debits_posted,
            credits_posted=self.credits_posted,
            debits_pending=self.debits_pending,
            credits_pending=self.credits_pending,
            closed=self.closed,
        )

    def __repr__(self) -> str:
        return (
            f"Account(id={self.id:#x}, owner={self.owner!r}, currency={self.currency}, "
            f"kind={self.kind.name}, balance={self.balance_minor}, floor={self.floor_minor})"
        )


@dataclass(frozen=True, slots=True)
class AccountBalance:
    """An immutable copy of an account's state, for readers outside the writer."""

    id: int
    owner: str
    currency: str
    kind: AccountKind
    floor_minor: int | None
    debits_posted: int
    credits_posted: int
    debits_pending: int
    credits_pending: int
    closed: bool

    @property
    def balance_minor(self) -> int:
        return self.credits_posted - self.debits_posted

    @property
    def available_minor(self) -> int:
        return self.credits_posted - self.debits_posted - self.debits_pending
