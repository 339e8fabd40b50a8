"""What every use-case group may use of the Hub (set in Hub.__init__)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from corridor.foundation.clock import Clock
    from corridor.hub.approvals import FourEyes
    from corridor.hub.audit import AuditLog
    from corridor.hub.business_day import BusinessDays
    from corridor.hub.deferred import DeferredSettlement
    from corridor.hub.directory import Directory
    from corridor.hub.engine import SettlementEngine
    from corridor.hub.intake import IntakeDesk
    from corridor.hub.processing import PaymentProcessor
    from corridor.hub.security import Credentials
    from corridor.hub.statements import StatementDesk
    from corridor.store.hub_store import HubStore


class HubParts:
    """Attribute declarations only: the parts the Hub is built from."""

    engine: SettlementEngine
    store: HubStore
    directory: Directory
    intake: IntakeDesk
    processor: PaymentProcessor
    credentials: Credentials
    clock: Clock
    hub_bic: str
    deferred: DeferredSettlement
    statements: StatementDesk
    days: BusinessDays
    audit: AuditLog
    four_eyes: FourEyes
