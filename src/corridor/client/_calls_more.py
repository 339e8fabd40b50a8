"""CorridorClient's calls for queues, reports, FX, the business day, four eyes and audit.

A mixin: CorridorClient inherits it and provides `_json(method, path, ...)`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from corridor.client._results import UnexpectedResponse
from corridor.client._results_more import (
    Approval,
    AuditCheck,
    AuditPage,
    CutOffResult,
    DayStatus,
    Decision,
    EndOfDayResult,
    Exposure,
    FxVolume,
    GridlockReport,
    PriorityChange,
    QueuedPayment,
    Quote,
    RateSheet,
    RateTier,
    Report,
)
from corridor.foundation.errors import InputError
from corridor.foundation.money import format_amount

PRIORITIES = ("URGT", "HIGH", "NORM")
REPORT_KINDS = ("camt.052", "camt.053", "camt.054")
FIXED_SIDES = ("SEND", "RECEIVE")
CHARGE_BEARERS = ("DEBT", "CRED", "SHAR", "SLEV")
APPROVAL_ACTIONS = ("fund", "defund", "set_credit_line", "set_limits", "extend_cut_off")
AUDIT_PAGE_MAX = 1_000
ID_LENGTH_MAX = 64


class MoreCalls:
    """Liquidity, reports, FX, business day, four eyes and audit (see CorridorClient)."""

    # Provided by CorridorClient, which these calls are mixed into.
    _json: Callable[..., Any]

    # -- participants: queues and reports ----------------------------------------------
    def queue(self, currency: str | None = None) -> list[QueuedPayment]:
        """Your payments waiting for liquidity, in settlement order."""
        params = {"currency": _currency(currency)} if currency else None
        data = self._json("GET", "/v1/queue", params=params)
        return [QueuedPayment.from_json(p) for p in _data(data)]

    def reprioritise(self, uetr: str, priority: str) -> PriorityChange:
        """Change a queued payment's priority (URGT, HIGH, NORM)."""
        _choice(priority, "priority", PRIORITIES)
        path = f"/v1/queue/{_part(uetr, 'uetr')}/priority"
        return PriorityChange.from_json(self._json("POST", path, json={"priority": priority}))

    def report(self, kind: str, currency: str, start: datetime, end: datetime) -> Report:
        """A camt.052 / 053 / 054 for your account over [start, end); also in your outbox.
        Not retried (each call places one more message in your outbox)."""
        _choice(kind, "kind", REPORT_KINDS)
        body = {
            "kind": kind,
            "currency": _currency(currency),
            "from": _aware(start, "start"),
            "to": _aware(end, "end"),
        }
        return Report.from_json(self._json("POST", "/v1/reports", idempotent=False, json=body))

    # -- FX ----------------------------------------------------------------------------
    def quote(
        self,
        creditor_agent: str,
        source_currency: str,
        target_currency: str,
        amount: str,
        *,
        fixed_side: str = "SEND",
        charge_bearer: str = "DEBT",
    ) -> Quote:
        """An executable quote (you are the debtor agent). `amount` is a decimal string in
        the source currency (SEND) or the target currency (RECEIVE). No quote is a
        CorridorApiError 409 whose `code` says why (e.g. "no_rate")."""
        body = {
            "creditor_agent": _part(creditor_agent, "creditor_agent"),
            "source_currency": _currency(source_currency, "source_currency"),
            "target_currency": _currency(target_currency, "target_currency"),
            "fixed_side": _choice(fixed_side, "fixed_side", FIXED_SIDES),
            "amount": amount,
            "charge_bearer": _choice(charge_bearer, "charge_bearer", CHARGE_BEARERS),
        }
        data = self._json("POST", "/v1/fx/quotes", idempotent=False, json=body)
        return Quote.from_json(data)

    def get_quote(self, quote_id: str) -> Quote:
        """One of your quotes, with its status (locked, consumed, settled...)."""
        return Quote.from_json(self._json("GET", f"/v1/fx/quotes/{_part(quote_id, 'quote')}"))

    def publish_rates(self, rates: Sequence[RateTier]) -> RateSheet:
        """FX providers: replace your executable rates with `rates`."""
        body = {"rates": [_tier_json(index, tier) for index, tier in enumerate(rates)]}
        return RateSheet.from_json(self._json("PUT", "/v1/fx/rates", json=body))

    def fx_volumes(self, start: datetime, end: datetime) -> list[FxVolume]:
        """Operator users: settled FX per day, provider and direction in [start, end)."""
        params = {"from": _aware(start, "start"), "to": _aware(end, "end")}
        data = self._json("GET", "/v1/operator/fx/volumes", params=params)
        return [FxVolume.from_json(v) for v in _data(data)]

    def fx_exposure(self) -> list[Exposure]:
        """Operator users: every provider's exposure per pair."""
        return [Exposure.from_json(r) for r in _data(self._json("GET", "/v1/operator/fx/exposure"))]

    # -- operator: queues and the business day -----------------------------------------
    def queues(self, currency: str | None = None) -> list[QueuedPayment]:
        """Operator users: every queued payment (or one currency's), in order."""
        params = {"currency": _currency(currency)} if currency else None
        data = self._json("GET", "/v1/operator/queues", params=params)
        return [QueuedPayment.from_json(p) for p in _data(data)]

    def gridlock(self, currency: str) -> GridlockReport:
        """Operator: run gridlock resolution for `currency` now."""
        path = f"/v1/operator/gridlock/{_currency(currency)}"
        return GridlockReport.from_json(self._json("POST", path))

    def cut_off(self, currency: str) -> CutOffResult:
        """Operator: reject everything still queued in `currency` (TM01)."""
        path = f"/v1/operator/day/{_currency(currency)}/cut-off"
        return CutOffResult.from_json(self._json("POST", path))

    def end_of_day(self, currency: str, business_date: date | None = None) -> EndOfDayResult:
        """Operator: cut-off, then a camt.053 for every account. Not retried."""
        path = f"/v1/operator/day/{_currency(currency)}/end-of-day"
        body = {"business_date": business_date.isoformat()} if business_date else None
        return EndOfDayResult.from_json(self._json("POST", path, idempotent=False, json=body))

    def day_states(self) -> list[DayStatus]:
        """Operator users: every currency's business day."""
        return [DayStatus.from_json(d) for d in _data(self._json("GET", "/v1/operator/day"))]

    # -- operator: four eyes and audit --------------------------------------------------
    def request_approval(self, action: str, params: dict[str, Any]) -> Approval:
        """Operator: ask for a sensitive action; a different user must approve it."""
        _choice(action, "action", APPROVAL_ACTIONS)
        body = {"action": action, "params": params}
        return Approval.from_json(
            self._json("POST", "/v1/operator/approvals", idempotent=False, json=body)
        )

    def approve(self, approval_id: str) -> Decision:
        """Operator or compliance (not the requester): carry the request out."""
        return self._decide(approval_id, "approve")

    def refuse(self, approval_id: str) -> Decision:
        return self._decide(approval_id, "refuse")

    def approvals(self) -> list[Approval]:
        """Operator users: requests waiting for a decision."""
        data = self._json("GET", "/v1/operator/approvals")
        return [Approval.from_json(a) for a in _data(data)]

    def audit(self, after: int = 0, limit: int = 100) -> AuditPage:
        """Operator users: audit entries with seq > `after`, oldest first."""
        _check_page(after, limit, AUDIT_PAGE_MAX)
        data = self._json("GET", "/v1/operator/audit", params={"after": after, "limit": limit})
        return AuditPage.from_json(data)

    def audit_verify(self) -> AuditCheck:
        """Operator users: recompute the audit log's hash chain."""
        return AuditCheck.from_json(self._json("GET", "/v1/operator/audit/verify"))

    def _decide(self, approval_id: str, decision: str) -> Decision:
        path = f"/v1/operator/approvals/{_part(approval_id, 'approval_id')}/{decision}"
        return Decision.from_json(self._json("POST", path))


def _data(data: Any) -> list[dict[str, Any]]:
    items = data.get("data") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise UnexpectedResponse("expected {data: [...]}")
    return items


def _check_page(after: int, limit: int, limit_max: int) -> None:
    if not isinstance(after, int) or after < 0:
        raise InputError("must be an integer >= 0", field="after", value=after)
    if not isinstance(limit, int) or not 1 <= limit <= limit_max:
        raise InputError(f"must be 1..{limit_max}", field="limit", value=limit)


def _currency(code: str | None, field: str = "currency") -> str:
    if not isinstance(code, str) or len(code) != 3 or not code.isalpha() or not code.isupper():
        raise InputError("must be an ISO 4217 code such as INR", field=field, value=code)
    return code


def _part(value: str, field: str) -> str:
    """A value that goes into a URL path: letters, digits and '-' only."""
    ok = isinstance(value, str) and 0 < len(value) <= ID_LENGTH_MAX
    if not ok or not all(c.isalnum() or c == "-" for c in value):
        raise InputError("must be an id of letters, digits and '-'", field=field, value=value)
    return value


def _choice(value: str, field: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise InputError(f"must be one of {', '.join(allowed)}", field=field, value=value)
    return value


def _aware(moment: datetime, field: str) -> str:
    if not isinstance(moment, datetime) or moment.tzinfo is None:
        raise InputError("must be an aware datetime (UTC)", field=field, value=moment)
    return moment.isoformat()


def _tier_json(index: int, tier: RateTier) -> dict[str, Any]:
    for name in ("bid", "ask"):
        value = getattr(tier, name)
        if value is not None and not hasattr(value, "as_tuple"):
            raise InputError("must be a Decimal, never a float", field=f"rates[{index}].{name}")
    return {
        "base": _currency(tier.base, f"rates[{index}].base"),
        "quote": _currency(tier.quote, f"rates[{index}].quote"),
        "bid": None if tier.bid is None else format(tier.bid, "f"),
        "ask": None if tier.ask is None else format(tier.ask, "f"),
        "band_min": format_amount(tier.band_min_minor, tier.base),
        "band_max": format_amount(tier.band_max_minor, tier.base),
        "exposure_max": format_amount(tier.exposure_max_minor, tier.base),
        "valid_from": _aware(tier.valid_from, f"rates[{index}].valid_from"),
        "valid_until": _aware(tier.valid_until, f"rates[{index}].valid_until"),
    }
