"""The screening step of the payment lifecycle, as a port the screening package fills."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from corridor.foundation.slots import slot_init
from corridor.hub.intake import TransferInstruction
from corridor.payments.records import ComplianceCase


@slot_init  # one per payment screened
@dataclass(frozen=True, slots=True)
class ScreeningDecision:
    """hold: stop before settlement for a compliance officer; detail: for the history."""

    hold: bool
    detail: str
    case_id: str | None = None
    case: ComplianceCase | None = None


class PaymentScreening(Protocol):
    def screen(self, instruction: TransferInstruction) -> ScreeningDecision: ...

    def hold(self, instruction: TransferInstruction) -> None:
        """Keep a held payment's instruction until compliance decides (engine thread)."""
        ...
