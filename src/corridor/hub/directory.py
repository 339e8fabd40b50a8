"""The network's directory as the hub sees it: participants, their keys, their accounts.

Held in memory (a few thousand participants at most) and replaced wholesale when the
operator changes it, so readers on other threads always see one consistent version.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from corridor.crypto.keys import KeyRing, load_public_key
from corridor.hub.network import issuance_account_id, settlement_account_id
from corridor.ledger import AccountBalance, AccountKind
from corridor.payments.records import Participant, ParticipantKind, ParticipantStatus


class AccountsView(Protocol):
    """What the directory reads of the ledger: which accounts exist and whose they are."""

    def accounts(self) -> list[AccountBalance]: ...

    def account(self, account_id: int) -> AccountBalance | None: ...


@dataclass(frozen=True, slots=True)
class _Snapshot:
    participants: dict[str, Participant]
    keys: KeyRing
    agents: dict[str, str]  # currency -> settlement agent BIC


class Directory:
    """Participants by BIC, the key ring built from their registered keys, routing."""

    def __init__(self, participants: list[Participant], ledger: Callable[[], AccountsView]) -> None:
        self._ledger = ledger
        self._snapshot = self._build(participants)
        self.version = 1  # bumped on every change, so intake workers know to reload

    def _build(self, participants: list[Participant]) -> _Snapshot:
        keys = KeyRing()
        for participant in participants:
            if participant.public_key_pem:
                keys.add(participant.bic, load_public_key(participant.public_key_pem.encode()))
        agents = {
            a.currency: a.owner for a in self._ledger().accounts() if a.kind is AccountKind.issuance
        }
        return _Snapshot({p.bic: p for p in participants}, keys, agents)

    def replace(self, participants: list[Participant]) -> None:
        """Swap in a new version of the directory (after an operator change)."""
        self._snapshot = self._build(participants)
        self.version += 1

    # -- reading --------------------------------------------------------------------
    @property
    def keys(self) -> KeyRing:
        return self._snapshot.keys

    def participant(self, bic: str | None) -> Participant | None:
        if not bic:
            return None
        snapshot = self._snapshot.participants
        return snapshot.get(bic) or (
            snapshot.get(bic[:8]) if len(bic) == 11 and bic.endswith("XXX") else None
        )

    def participants(self) -> list[Participant]:
        return sorted(self._snapshot.participants.values(), key=lambda p: p.bic)

    def settlement_agent(self, currency: str) -> str | None:
        return self._snapshot.agents.get(currency)

    def settling_participant(self, bic: str) -> Participant | None:
        """Whose settlement accounts move for `bic`: itself, or its direct participant."""
        participant = self.participant(bic)
        if participant is None:
            return None
        if participant.kind is ParticipantKind.indirect:
            return self.participant(participant.settles_through)
        return participant

    def account_id(self, bic: str, currency: str) -> int | None:
        """The ledger account a participant settles on in `currency`, if it has one."""
        if self.settlement_agent(currency) == bic:
            return issuance_account_id(currency)
        account_id = settlement_account_id(bic, currency)
        return account_id if self._ledger().account(account_id) is not None else None

    def first_inactive(self, bics: Iterable[str]) -> str | None:
        """The first of these BICs that is not an active participant now, or None."""
        return next((bic for bic in bics if not self.is_active(self.participant(bic))), None)

    @staticmethod
    def is_active(participant: Participant | None) -> bool:
        return participant is not None and participant.status is ParticipantStatus.active
