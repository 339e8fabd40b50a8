"""What the later scenes of the day saw: liquidity (queues, gridlock), end of day, FX and
compliance holds. Plain records that the scenes fill in and the demo prints; tests assert
on them. Amounts are int minor units of the currency named beside them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from corridor.client import FxVolume


@dataclass(slots=True)
class GridlockOutcome:
    """The liquidity scene: banks drained near their floors, payments that queue, and the
    gridlock run that settles them.

    Attributes:
        currency: the currency of the scene ("" until it runs).
        approvals: four-eyes requests approved to drain the banks (credit line, defund).
        headroom_minor: bank -> what it could still pay after draining (available - floor).
        queued: UETRs of the payments answered PDNG (waiting for liquidity).
        queue_listed: payments the operator's queue view listed before the run.
        settled: payments the gridlock run settled.
        gross_minor / net_used_minor / saved_minor: their total value, the liquidity
            they actually used (sum of net debit positions) and the difference.
        resolved_by: "operator" (the forced run) or "hub timer" (the hub's own periodic
            run got there first; figures then come from its audit entry).
    """

    currency: str = ""
    approvals: int = 0
    headroom_minor: dict[str, int] = field(default_factory=dict)
    queued: list[str] = field(default_factory=list)
    queue_listed: int = 0
    settled: int = 0
    gross_minor: int = 0
    net_used_minor: int = 0
    saved_minor: int = 0
    resolved_by: str = ""


@dataclass(slots=True)
class StatementOutcome:
    """End of day in every currency, and the camt.053s the banks then found.

    Attributes:
        made: currency -> statements the hub made at its end of day.
        entries: statement entries in all.
        rejected_at_cut_off: payments still queued at cut-off (rejected, TM01).
        delivered: camt.053 statements found in the participants' inboxes.
        reconciled: of those, statements whose opening balance plus entries is the closing.
        recipients: participants that found at least one.
    """

    made: dict[str, int] = field(default_factory=dict)
    entries: int = 0
    rejected_at_cut_off: int = 0
    delivered: int = 0
    reconciled: int = 0
    recipients: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class FxPayment:
    """One cross-currency payment made with a quote.

    Attributes:
        debtor / creditor: the banks (BICs). source / target: currencies.
        bridge: the bridge currency, or None for a direct quote.
        rate: the customer's rate (target units per source unit).
        source_minor / charges_minor / target_minor: converted amount, charges (source
            currency) and what the creditor bank receives (target currency).
        status: the hub's answer (ACSC when settled). uetr: the payment.
    """

    debtor: str
    creditor: str
    source: str
    target: str
    bridge: str | None
    rate: Decimal
    source_minor: int
    charges_minor: int
    target_minor: int
    status: str
    uetr: str


@dataclass(slots=True)
class FxOutcome:
    """The FX scene: the provider's rates, the quoted payments, the volumes per pair.

    Attributes:
        provider: the FX provider's BIC. published: the pairs it quotes ("CNY/INR").
        payments: every quoted payment, in order. volumes: the operator's FX report.
    """

    provider: str = ""
    published: list[str] = field(default_factory=list)
    payments: list[FxPayment] = field(default_factory=list)
    volumes: list[FxVolume] = field(default_factory=list)

    def bridged(self) -> list[FxPayment]:
        return [p for p in self.payments if p.bridge is not None]


@dataclass(slots=True)
class HoldOutcome:
    """The compliance scene: payments held by screening, one released with four eyes,
    one rejected.

    Attributes:
        held: UETRs answered PDNG whose tracking showed HELD.
        hits: UETR -> the case's one-line summary (which list entry matched).
        released / rejected: UETRs settled after release, and rejected (RJCT RR04).
        release_steps: the released payment's tracked states.
        approval: the release request's id and the two officers ("id: a + b").
        not_held: payments to listed names that the hub did not hold (what it answered).
    """

    held: list[str] = field(default_factory=list)
    hits: dict[str, str] = field(default_factory=dict)
    released: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    release_steps: list[str] = field(default_factory=list)
    approval: str = ""
    not_held: list[str] = field(default_factory=list)
