"""Settlement: RTGS liquidity management (domain layer, pure and deterministic).

Public API::

    QueuedPayment, Priority                      payments.py
    PaymentQueue, QueueBook, QueuePolicy,
    QueueResult, Rejection, CUT_OFF_REASON       queue.py
    LimitConfig, LimitState, LimitCheck          limits.py
    resolve, GridlockResult,
    simultaneous_commands                        gridlock.py
    exact_optimum                                optimum.py (measurement only)
    NettingWindow, WindowState, WindowReport     netting.py
    CurrencyCalendar, BusinessDay, DayState      calendar.py
    Entry, Side, AccountOpening, Statement,
    transfer_entries, build_statements,
    reconcile, roll_over                         statements.py
"""

from corridor.settlement.calendar import (
    BusinessDay,
    CurrencyCalendar,
    CutOffExtension,
    DayResult,
    DayState,
)
from corridor.settlement.gridlock import GridlockResult, resolve, simultaneous_commands
from corridor.settlement.limits import LimitCheck, LimitConfig, LimitState
from corridor.settlement.netting import NettingWindow, WindowReport, WindowResult, WindowState
from corridor.settlement.optimum import exact_optimum
from corridor.settlement.payments import Priority, QueuedPayment
from corridor.settlement.queue import (
    CUT_OFF_REASON,
    PaymentQueue,
    QueueBook,
    QueuePolicy,
    QueueResult,
    Rejection,
)
from corridor.settlement.statements import (
    AccountOpening,
    Entry,
    Side,
    Statement,
    build_statements,
    reconcile,
    roll_over,
    transfer_entries,
)

__all__ = [
    "CUT_OFF_REASON",
    "AccountOpening",
    "BusinessDay",
    "CurrencyCalendar",
    "CutOffExtension",
    "DayResult",
    "DayState",
    "Entry",
    "GridlockResult",
    "LimitCheck",
    "LimitConfig",
    "LimitState",
    "NettingWindow",
    "PaymentQueue",
    "Priority",
    "QueueBook",
    "QueuePolicy",
    "QueueResult",
    "QueuedPayment",
    "Rejection",
    "Side",
    "Statement",
    "WindowReport",
    "WindowResult",
    "WindowState",
    "build_statements",
    "exact_optimum",
    "reconcile",
    "resolve",
    "roll_over",
    "simultaneous_commands",
    "transfer_entries",
]
