"""Compliance: cases opened by screening hits, releasing (four eyes) or rejecting held
payments, and putting new watch lists in force.

A part of the Hub façade (corridor.hub.service): engine-thread use cases.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from corridor.foundation.errors import InputError
from corridor.hub import reasons
from corridor.hub.compliance import ComplianceDesk
from corridor.hub.intake import TransferInstruction
from corridor.hub.screening import ScreeningDecision
from corridor.hub.security import Principal
from corridor.hub.settling import settling_parties
from corridor.hub.usecases._parts import HubParts
from corridor.hub.watchlists import screener_for
from corridor.payments.lifecycle import advance
from corridor.payments.records import (
    CaseStatus,
    ComplianceCase,
    PaymentChanges,
    PaymentEvent,
    PaymentState,
)
from corridor.screening import Suppression, suppression_key
from corridor.store.case_store import (
    CASE_PAGE_MAX,
    CaseCursor,
    case_by_id,
    case_page,
    every_case,
)
from corridor.store.suppression_store import load_suppressions, save_suppression


@dataclass(frozen=True, slots=True)
class RescreenReport:
    lists: tuple[str, ...]
    queued_now_held: int
    held_rescreened: int


class ComplianceCases(HubParts):
    """Compliance."""

    @property
    def compliance(self) -> ComplianceDesk:
        screening = self.processor.screening
        if not isinstance(screening, ComplianceDesk):
            raise InputError(
                "screening is not configured on this hub", field="screening", value=None
            )
        return screening

    def cases(
        self,
        principal: Principal,
        status: CaseStatus | None = None,
        uetr: str | None = None,
        *,
        after: CaseCursor | None = None,
        limit: int = CASE_PAGE_MAX,
    ) -> list[ComplianceCase]:
        """A page of cases, oldest first, after the cursor (see store.case_store)."""
        self._may_read_cases(principal)
        return case_page(self.store.engine, status, uetr, after=after, limit=limit)

    def every_case(
        self, principal: Principal, status: CaseStatus | None = None, uetr: str | None = None
    ) -> Iterator[ComplianceCase]:
        """Every matching case, oldest first, read a page at a time (exports)."""
        self._may_read_cases(principal)
        return every_case(self.store.engine, status, uetr)

    def case(self, principal: Principal, case_id: str) -> ComplianceCase | None:
        self._may_read_cases(principal)
        return case_by_id(self.store.engine, case_id)

    def _may_read_cases(self, principal: Principal) -> None:
        if principal.is_participant:
            raise InputError(
                "compliance cases are for operator users", field="role", value=principal.role.value
            )

    def reject_hold(self, principal: Principal, uetr: str, note: str) -> ComplianceCase:
        """A compliance officer refuses a held payment: RJCT (RR04) to the sender."""
        self._may_decide(principal, "release_hold")
        instruction, case = self._held_case(uetr)
        decided = replace(
            case,
            status=CaseStatus.rejected,
            decided_by=principal.name,
            decided_at_ms=self.clock.now_ms(),
            decision_note=note[:500],
        )
        self.deferred.reject(
            [instruction],
            reasons.RR04,
            f"rejected by compliance ({principal.name}): {note}"[:140],
            cases=[decided],
        )
        self.compliance.unhold(uetr)
        self.audit.record(principal.name, "reject_hold", uetr=uetr, case=case.id, note=note)
        return decided

    def _release_hold(self, params: dict[str, Any], requested_by: str, approved_by: str) -> str:
        """Four eyes done: settle the held payment now, or queue it for liquidity; reject it
        if one of its parties was suspended or closed while it was held."""
        uetr = str(params["uetr"])
        instruction, case = self._held_case(uetr)
        decided = replace(
            case,
            status=CaseStatus.released,
            decided_by=f"{requested_by} + {approved_by}",
            decided_at_ms=self.clock.now_ms(),
            decision_note=str(params.get("note", ""))[:500],
        )
        detail = f"released by compliance ({requested_by}, {approved_by})"
        # The payment leaves the holds only once its way out is committed: if a commit
        # fails, it is still held, and a new release (or rejection) finds it.
        inactive = self.directory.first_inactive(settling_parties(instruction))
        if inactive is not None:  # suspended or closed while held: as the intake would
            self.deferred.reject(
                [instruction], reasons.AG01, f"{inactive} is not active", [decided]
            )
            self.compliance.unhold(uetr)
            return "rejected"
        if not self.liquidity.must_wait(instruction):
            outcome = self.deferred.settle([instruction], detail=detail, cases=[decided])
            if outcome.settled:
                self.compliance.unhold(uetr)
                self._dequeue_settled(outcome.settled, [instruction])
                return "settled"
        sequence = self.liquidity.reserve_sequence()
        self.deferred.queue_released(instruction, sequence, detail, decided)
        self.compliance.unhold(uetr)
        self.liquidity.enqueue(instruction, sequence)
        return "queued"

    def reload_lists(
        self, watchlists_dir: Path, threshold: float | None = None, actor: str = "operator"
    ) -> RescreenReport:
        """Put the archive's lists in force and re-screen what has not moved yet: a queued
        payment that now hits is held (with a case); a held one gets a note of what the
        new lists say (the officers still decide)."""
        desk = self.compliance
        desk.screener = screener_for(
            watchlists_dir, threshold, load_suppressions(self.store.engine)
        )
        now_ms = self.clock.now_ms()
        moved: list[tuple[TransferInstruction, ScreeningDecision]] = []
        for entry in self.liquidity.entries():
            decision = desk.screen(entry.instruction, again=True)
            if decision.hold:
                moved.append((entry.instruction, decision))
        payments = self.store.payments_by_uetr([i.uetr for i, _ in moved] + desk.held_uetrs())
        updated, events = [], []
        for instruction, decision in moved:
            payment, event = advance(
                payments[instruction.uetr],
                PaymentState.held,
                now_ms,
                f"re-screened: {decision.detail}",
            )
            updated.append(payment)
            events.append(event)
        notes = [
            PaymentEvent(
                uetr,
                PaymentState.held,
                now_ms,
                "re-screened under new lists: "
                + (
                    "still a hit"
                    if desk.screen(desk.held(uetr), again=True).hold  # type: ignore[arg-type]
                    else "no longer a hit"
                ),
            )
            for uetr in desk.held_uetrs()
        ]
        changes = PaymentChanges(
            payments=tuple(updated),
            events=tuple(events + notes),
            cases=tuple(d.case for _, d in moved if d.case is not None),
        )
        if changes:
            self.engine.execute([], lambda _outcome: changes)
        self.liquidity.remove([i.uetr for i, _ in moved])
        for instruction, _ in moved:
            desk.hold(instruction)
        versions = desk.screener.versions() if desk.screener else ()
        self.audit.record(
            actor,
            "reload_lists",
            lists={v.list_name: v.list_version for v in versions},
            held_now=len(moved),
        )
        return RescreenReport(tuple(v.list_name for v in versions), len(moved), len(notes))

    def _suppress_hit(self, params: dict[str, Any], requested_by: str, approved_by: str) -> int:
        """Four eyes done: this name never again hits this entry in this list version
        (a known false positive). Returns how many suppressions are in force."""
        suppression = Suppression(
            list_name=str(params["list_name"]),
            list_version=str(params["list_version"]),
            entry_id=str(params["entry_id"]),
            query_key=suppression_key(str(params["name"])),
            proposed_by=requested_by,
            approved_by=approved_by,
            reason=str(params.get("reason", ""))[:500],
        )
        save_suppression(self.store.engine, suppression, self.clock.now_ms())
        suppressions = load_suppressions(self.store.engine)
        desk = self.compliance
        if desk.screener is not None:
            desk.screener = desk.screener.with_suppressions(suppressions)
        return len(suppressions)

    def _held_case(self, uetr: str) -> tuple[TransferInstruction, ComplianceCase]:
        instruction = self.compliance.held(uetr)
        open_cases = case_page(self.store.engine, CaseStatus.open, uetr, limit=1)
        if instruction is None or not open_cases:
            raise InputError("no held payment with an open case", field="uetr", value=uetr)
        return instruction, open_cases[0]
