"""Who is calling: API credentials, principals and roles, and what each may see.

A credential is `crd_<key id>_<secret>`; the hub keeps only SHA-256(secret). Participants
see only their own accounts, payments and messages; operator users have a role.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import StrEnum

from corridor.foundation.clock import Clock
from corridor.payments.records import Payment
from corridor.store.hub_store import CredentialStore

TOKEN_PREFIX = "crd_"


class Role(StrEnum):
    participant = "participant"
    operator = "operator"
    compliance = "compliance"
    auditor = "auditor"


OPERATOR_ROLES = frozenset({Role.operator, Role.compliance, Role.auditor})


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller: a participant (name = its BIC) or an operator user."""

    name: str
    role: Role

    @property
    def is_participant(self) -> bool:
        return self.role is Role.participant

    def may_see_payment(self, payment: Payment) -> bool:
        """The parties' agents (and their settling participants) and operator users."""
        if not self.is_participant:
            return True
        return self.name in (
            payment.instructing_agent,
            payment.debtor_agent,
            payment.creditor_agent,
            payment.debit_participant,
            payment.credit_participant,
        )


class Credentials:
    """Issues and checks API credentials."""

    def __init__(self, store: CredentialStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._cache: dict[str, Principal] = {}

    def issue(self, principal: str, role: Role) -> str:
        """A new credential; the token is shown once and never stored."""
        key_id = secrets.token_hex(8)
        secret = secrets.token_urlsafe(24)
        self._store.add(key_id, _hash(secret), principal, role.value, self._clock.now_ms())
        return f"{TOKEN_PREFIX}{key_id}_{secret}"

    def authenticate(self, token: str) -> Principal | None:
        if token in self._cache:
            return self._cache[token]
        if not token.startswith(TOKEN_PREFIX) or token.count("_") < 2:
            return None
        key_id, _, secret = token[len(TOKEN_PREFIX) :].partition("_")
        found = self._store.find(key_id)
        if found is None or not hmac.compare_digest(found[0], _hash(secret)):
            return None
        principal = Principal(found[1], Role(found[2]))
        self._cache[token] = principal
        return principal

    def revoke(self, key_id: str) -> bool:
        self._cache.clear()
        return self._store.revoke(key_id)


def _hash(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()
