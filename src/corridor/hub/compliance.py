"""Screening in the hub: every payment's parties, agents and free text are screened
against the watch lists in force (and the operator's country rules and AML rules); a hit
holds the payment before any money moves and opens a compliance case.

Deciding a case is the hub's (service.py): release needs two different compliance
officers (four eyes); rejection sends the sender a pacs.002 RJCT with RR04.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from corridor.foundation.clock import Clock, ms_to_datetime
from corridor.foundation.ids import Uuid7Generator, id_to_str
from corridor.hub.directory import Directory
from corridor.hub.intake import TransferInstruction
from corridor.hub.screening import ScreeningDecision
from corridor.iso20022.records import Agent
from corridor.iso20022.records import Party as IsoParty
from corridor.payments.records import CaseStatus, ComplianceCase
from corridor.screening import (
    AmlAlert,
    AmlRules,
    CountryRule,
    Identifier,
    Party,
    PaymentFact,
    Screener,
    ScreeningResult,
    ScreeningSubject,
    evaluate_aml,
    screen_payment,
)

HISTORY_PER_DEBTOR_MAX = 500  # past payments kept per debtor for the AML rules
HITS_SHOWN_MAX = 20


@dataclass(frozen=True, slots=True)
class ComplianceConfig:
    """The operator's choices: country/region rules and AML rules (None: AML off)."""

    country_rules: tuple[CountryRule, ...] = ()
    aml: AmlRules | None = None


class ComplianceDesk:
    """The hub's PaymentScreening: screener, rules, and the payments it holds."""

    def __init__(
        self,
        screener: Screener | None,
        directory: Directory,
        clock: Clock,
        config: ComplianceConfig = ComplianceConfig(),
        new_case_id: Callable[[], str] | None = None,
    ) -> None:
        """`new_case_id`: time-ordered ids (UUIDv7 text; the default makes its own), so
        that cases opened in one millisecond still list in the order they opened."""
        self.screener = screener
        self._directory = directory
        self._clock = clock
        self._config = config
        if new_case_id is None:
            ids = Uuid7Generator(clock)
            new_case_id = lambda: id_to_str(ids.next_id())  # noqa: E731
        self._new_case_id = new_case_id
        self._held: dict[str, TransferInstruction] = {}
        self._history: dict[str, deque[PaymentFact]] = {}

    # -- the screening port ---------------------------------------------------------
    def screen(self, instruction: TransferInstruction, *, again: bool = False) -> ScreeningDecision:
        """Screen a payment; `again` for one already screened (new lists): its AML fact is
        already in the history and is not added twice."""
        result = self._screen_lists(instruction)
        alerts = self._aml(instruction, again)
        holding_alerts = [a for a in alerts if a.hold]
        if (result is None or not result.should_hold) and not holding_alerts:
            return ScreeningDecision(hold=False, detail=_clear_detail(result, alerts))
        case = self._open_case(instruction, result, holding_alerts)
        return ScreeningDecision(
            hold=True, detail=f"held: {case.summary} (case {case.id})", case_id=case.id, case=case
        )

    def _screen_lists(self, instruction: TransferInstruction) -> ScreeningResult | None:
        if self.screener is None:
            return None
        return screen_payment(
            self.screener, subject_of(instruction, self._directory), self._config.country_rules
        )

    def _aml(self, instruction: TransferInstruction, again: bool = False) -> list[AmlAlert]:
        rules = self._config.aml
        if rules is None:
            return []
        debtor = self._directory.participant(instruction.debtor_agent)
        creditor = self._directory.participant(instruction.creditor_agent)
        fact = PaymentFact(
            instruction.uetr,
            instruction.debit_participant,
            instruction.credit_participant,
            instruction.amount_minor,
            instruction.currency,
            debtor.country if debtor else "",
            creditor.country if creditor else "",
            ms_to_datetime(self._clock.now_ms()),
        )
        history = self._history.setdefault(fact.debtor, deque(maxlen=HISTORY_PER_DEBTOR_MAX))
        alerts = list(evaluate_aml(fact, tuple(history), rules))  # skips its own fact
        if not again:
            history.append(fact)
        return alerts

    def _open_case(
        self,
        instruction: TransferInstruction,
        result: ScreeningResult | None,
        alerts: Sequence[AmlAlert],
    ) -> ComplianceCase:
        hits = list(result.hits) if result else []
        rule_hits = list(result.rule_hits) if result else []
        parts = [
            f"{h.subject_field} ~ {h.matched_name} ({h.entry_id}, {h.score:.2f})" for h in hits[:3]
        ]
        parts += [f"{r.role}: {r.rule.reason or r.rule.country}" for r in rule_hits[:2]]
        parts += [f"AML {a.rule}: {a.detail}" for a in alerts[:2]]
        explanation = {
            "hits": [
                {
                    "field": h.subject_field,
                    "query": h.query,
                    "entry": h.entry_id,
                    "list": h.list_name,
                    "version": h.list_version,
                    "matched_name": h.matched_name,
                    "score": round(h.score, 4),
                    "threshold": h.threshold,
                    "explanation": h.explain(),
                }
                for h in hits[:HITS_SHOWN_MAX]
            ],
            "rules": [
                {
                    "role": r.role,
                    "country": r.rule.country,
                    "reason": r.rule.reason,
                    "matched": r.matched,
                }
                for r in rule_hits
            ],
            "aml": [
                {"rule": a.rule, "measured": a.measured, "limit": a.limit, "detail": a.detail}
                for a in alerts
            ],
        }
        versions = {v.list_name: v.list_version for v in (result.lists_used if result else ())}
        return ComplianceCase(
            id=self._new_case_id(),
            uetr=instruction.uetr,
            opened_at_ms=self._clock.now_ms(),
            status=CaseStatus.open,
            summary="; ".join(parts)[:500] or "screening hit",
            hits=json.dumps(explanation, ensure_ascii=False),
            lists_used=json.dumps(versions, sort_keys=True),
        )

    # -- held payments (engine thread) ----------------------------------------------
    def hold(self, instruction: TransferInstruction) -> None:
        self._held[instruction.uetr] = instruction

    def held(self, uetr: str) -> TransferInstruction | None:
        return self._held.get(uetr)

    def held_uetrs(self) -> list[str]:
        return sorted(self._held)

    def unhold(self, uetr: str) -> TransferInstruction | None:
        return self._held.pop(uetr, None)


def subject_of(instruction: TransferInstruction, directory: Directory) -> ScreeningSubject:
    """Every party, agent and free text of one transaction, as the screener reads them."""
    record = instruction.record
    parties: list[Party] = []
    for role in ("debtor", "creditor", "ultimate_debtor", "ultimate_creditor"):
        value = getattr(record, role, None)
        if isinstance(value, IsoParty):
            parties.append(_party(role, value))
        elif isinstance(value, Agent):
            parties.append(_agent(role, value, directory))
    for role in ("debtor_agent", "creditor_agent"):
        agent = getattr(record, role, None)
        if isinstance(agent, Agent):
            parties.append(_agent(role, agent, directory))
    return ScreeningSubject(
        reference=instruction.uetr,
        parties=tuple(parties),
        free_text=tuple(getattr(record, "remittance", ()) or ()),
    )


def _party(role: str, party: IsoParty) -> Party:
    lines = list(party.address_lines)
    structured = " ".join(
        p
        for p in (
            party.street,
            party.building,
            party.post_code,
            party.town,
            party.country_subdivision,
        )
        if p
    )
    if structured:
        lines.append(structured)
    identifiers = [
        Identifier(kind, value.replace(" ", "").upper())
        for kind, value in (("BIC", party.any_bic), ("LEI", party.lei))
        if value
    ]
    return Party(
        role=role,
        name=party.name or "",
        country=party.country or "",
        address_lines=tuple(lines),
        entity_type="unknown" if not party.private else "person",
        identifiers=tuple(identifiers),
    )


def _agent(role: str, agent: Agent, directory: Directory) -> Party:
    """An agent is screened by its BIC and its institution name from the directory."""
    participant = directory.participant(agent.bic)
    name = agent.name or (participant.name if participant else "")
    identifiers = [Identifier("BIC", agent.bic)] if agent.bic else []
    if agent.lei:
        identifiers.append(Identifier("LEI", agent.lei))
    return Party(
        role=role,
        name=name,
        country=participant.country if participant else "",
        entity_type="entity",
        identifiers=tuple(identifiers),
    )


def _clear_detail(result: ScreeningResult | None, alerts: Sequence[AmlAlert]) -> str:
    if result is None:
        base = "screening: no watch lists loaded: cleared"
    else:
        lists = ", ".join(f"{v.list_name}@{v.list_version[:12]}" for v in result.lists_used)
        base = f"screened against {lists or 'no lists'}: no hit"
        if result.suppressed:
            base += f" ({len(result.suppressed)} suppressed)"
    if alerts:
        base += "; AML alerts (not holding): " + ", ".join(a.rule for a in alerts)
    return base
