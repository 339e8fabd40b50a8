"""Four eyes: operator requests and approvals, and the sensitive actions they carry out
(manual postings, credit lines, sender limits, cut-off extensions).

A part of the Hub façade (corridor.hub.service): engine-thread use cases.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

from corridor.crypto.keys import load_public_key
from corridor.foundation.errors import InputError
from corridor.foundation.money import parse_amount
from corridor.hub.approvals import Decision
from corridor.hub.network import (
    TRANSFER_CODE_FUNDING,
    issuance_account_id,
)
from corridor.hub.onboarding import check_participant
from corridor.hub.security import Principal, Role
from corridor.hub.usecases._parts import HubParts
from corridor.ledger import (
    CreateTransfer,
    Result,
    SetAccountFloor,
)
from corridor.payments.records import Participant, ParticipantKind
from corridor.settlement import (
    DayResult,
    LimitConfig,
)
from corridor.store.audit_store import ApprovalRow, approval


class ApprovalCases(HubParts):
    """Four eyes."""

    def request_approval(
        self, principal: Principal, action: str, params: dict[str, Any]
    ) -> ApprovalRow:
        """The first pair of eyes: nothing happens until another user approves."""
        self._may_decide(principal, action)
        return self.four_eyes.request(action, params, principal.name)

    def approve(self, principal: Principal, approval_id: str) -> Decision:
        """The second pair of eyes (engine thread): carries the action out."""
        row = approval(self.store.engine, approval_id)
        self._may_decide(principal, row.action if row else "")
        return self.four_eyes.approve(approval_id, principal.name)

    def _may_decide(self, principal: Principal, action: str) -> None:
        """Compliance officers decide holds; operators (or compliance) everything else."""
        compliance_only = action in ("release_hold", "suppress_hit")
        needed = {Role.compliance} if compliance_only else {Role.operator, Role.compliance}
        if principal.role not in needed:
            raise InputError(
                f"{action or 'this'} needs a {' or '.join(sorted(needed))} user",
                field="role",
                value=principal.role.value,
            )

    def refuse(self, principal: Principal, approval_id: str) -> Decision:
        self._may_decide(principal, "")
        return self.four_eyes.refuse(approval_id, principal.name)

    def _fund(self, params: dict[str, Any], requested_by: str, approved_by: str) -> Result:
        """Manual posting: the currency's settlement agent funds a participant."""
        return self._move_funds(params, requested_by, approved_by, into_participant=True)

    def _defund(self, params: dict[str, Any], requested_by: str, approved_by: str) -> Result:
        return self._move_funds(params, requested_by, approved_by, into_participant=False)

    def _move_funds(
        self, params: dict[str, Any], requested_by: str, approved_by: str, *, into_participant: bool
    ) -> Result:
        currency = str(params["currency"])
        amount_minor = parse_amount(str(params["amount"]), currency, field="amount")
        account_id = self._account_of(params, currency)
        issuance = issuance_account_id(currency)
        debit, credit = (issuance, account_id) if into_participant else (account_id, issuance)
        transfer = CreateTransfer(
            self.processor.ids.next_id(),
            debit,
            credit,
            amount_minor,
            code=TRANSFER_CODE_FUNDING,
            reference=f"{'fund' if into_participant else 'defund'} {requested_by}/{approved_by}"[
                :140
            ],
        )
        (result,) = self.engine.execute([transfer]).results
        if result is Result.ok and self.liquidity.length():
            # The funds are committed: the approval is done whatever the queues do. A
            # release that fails here must not leave it pending, to be approved (and
            # funded) a second time; the next payment or gridlock run releases them.
            try:
                self.release_queues()
            except Exception as error:
                with contextlib.suppress(Exception):  # the database may be away for it too
                    self.audit.record("engine", "release_queues_failed", error=str(error)[:200])
        return result

    def _account_of(self, params: dict[str, Any], currency: str) -> int:
        account_id = self.directory.account_id(str(params["bic"]), currency)
        if account_id is None:
            raise InputError(f"no {currency} account", field="bic", value=params["bic"])
        return account_id

    def _set_credit_line(
        self, params: dict[str, Any], requested_by: str, approved_by: str
    ) -> Result:
        currency = str(params["currency"])
        account_id = self._account_of(params, currency)
        line_minor = parse_amount(str(params["credit_line"]), currency, field="credit_line")
        (result,) = self.engine.execute([SetAccountFloor(account_id, -line_minor)]).results
        return result

    def _set_limits(self, params: dict[str, Any], requested_by: str, approved_by: str) -> None:
        currency = str(params["currency"])
        config = LimitConfig(
            bilateral_minor={
                (str(s), str(c)): parse_amount(str(a), currency, field="bilateral")
                for s, c, a in params.get("bilateral", [])
            },
            multilateral_minor={
                str(s): parse_amount(str(a), currency, field="multilateral")
                for s, a in params.get("multilateral", [])
            },
            net_debit_cap_minor={
                str(p): parse_amount(str(a), currency, field="net_debit_cap")
                for p, a in params.get("net_debit_cap", [])
            },
        )
        self.liquidity.set_limits(currency, config)

    def request_onboarding(
        self, principal: Principal, participant: Participant, accounts: Sequence[tuple[str, str]]
    ) -> ApprovalRow:
        """The first operator asks to onboard (or update) a participant; checked now, so a
        request that could never be carried out is refused at once, naming the field."""
        check_participant(participant)
        if participant.public_key_pem:
            load_public_key(participant.public_key_pem.encode())
        for index, (currency, credit_line) in enumerate(accounts):
            parse_amount(credit_line, currency, field=f"accounts[{index}].credit_line")
        params = {
            "bic": participant.bic,
            "name": participant.name,
            "country": participant.country,
            "kind": participant.kind.value,
            "lei": participant.lei,
            "settles_through": participant.settles_through,
            "public_key_pem": participant.public_key_pem,
            "accounts": [list(a) for a in accounts],
        }
        return self.request_approval(principal, "onboard", params)

    def _onboard(self, params: dict[str, Any], requested_by: str, approved_by: str) -> str:
        """Four eyes done: add the participant and open its accounts."""
        participant = Participant(
            bic=str(params["bic"]),
            name=str(params["name"]),
            country=str(params["country"]),
            kind=ParticipantKind(params["kind"]),
            lei=params.get("lei"),
            settles_through=params.get("settles_through"),
            public_key_pem=str(params.get("public_key_pem") or ""),
        )
        currencies = [
            (str(c), parse_amount(str(line), str(c), field="credit_line"))
            for c, line in params.get("accounts", [])
        ]
        results = self.onboard(participant, currencies, actor=f"{requested_by} + {approved_by}")
        return (
            " ".join(f"{c}:{r.name}" for (c, _), r in zip(currencies, results, strict=True)) or "ok"
        )

    def _extend_cut_off(
        self, params: dict[str, Any], requested_by: str, approved_by: str
    ) -> DayResult:
        day = self.days.day(str(params["currency"]))
        if day is None:
            raise InputError(
                "no business day for this currency", field="currency", value=params["currency"]
            )
        return day.extend_cut_off(
            int(params["minutes"]),
            requested_by=requested_by,
            approved_by=approved_by,
            reason=str(params.get("reason", "")),
        )
