"""The payment lifecycle: which state may follow which (DESIGN.md).

RECEIVED -> VALIDATED -> SCREENED (or HELD) -> QUEUED -> SETTLED -> DELIVERED,
or REJECTED, CANCELLED, RETURNED. A transition not in the table is a bug.
"""

from __future__ import annotations

from corridor.foundation.errors import CorridorError
from corridor.payments.records import Payment, PaymentEvent, PaymentState, evolve_payment

S = PaymentState
ALLOWED: dict[PaymentState, frozenset[PaymentState]] = {
    S.received: frozenset({S.validated, S.rejected}),
    S.validated: frozenset({S.screened, S.held, S.rejected}),
    S.screened: frozenset({S.queued, S.settled, S.rejected, S.cancelled}),
    S.held: frozenset({S.screened, S.rejected, S.cancelled}),
    S.queued: frozenset({S.settled, S.rejected, S.cancelled, S.held}),  # held: re-screened
    S.settled: frozenset({S.delivered, S.returned}),
    S.delivered: frozenset({S.returned}),
    S.rejected: frozenset(),
    S.cancelled: frozenset(),
    S.returned: frozenset(),
}
TERMINAL = frozenset(state for state, after in ALLOWED.items() if not after)


class TransitionError(CorridorError):
    """A lifecycle transition that the table does not allow: a programming error."""


def check_step(uetr: str, before: PaymentState, after: PaymentState) -> None:
    """Raise TransitionError unless the table allows `before -> after`."""
    if after not in ALLOWED[before]:
        raise TransitionError(f"{uetr}: {before} -> {after} is not allowed")


def advance(
    payment: Payment, state: PaymentState, at_ms: int, detail: str = "", reason: str | None = None
) -> tuple[Payment, PaymentEvent]:
    """The payment in its new state and the event that records the step."""
    check_step(payment.uetr, payment.state, state)
    updated = evolve_payment(
        payment,
        state=state,
        updated_at_ms=at_ms,
        reason=reason if reason is not None else payment.reason,
    )
    return updated, PaymentEvent(payment.uetr, state, at_ms, detail)
