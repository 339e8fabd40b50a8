"""Time as a port: the engine never reads the wall clock; it is handed `now`."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Tells the time in UTC. Injected wherever time matters."""

    def now_ms(self) -> int:
        """Milliseconds since the Unix epoch, UTC."""
        ...


class SystemClock:
    """The real clock."""

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000


class FixedClock:
    """A clock that moves only when told to: for tests and simulations."""

    def __init__(self, now_ms: int = 1_767_225_600_000) -> None:  # 2026-01-01T00:00:00Z
        self._now_ms = now_ms

    def now_ms(self) -> int:
        return self._now_ms

    def advance(self, delta_ms: int) -> None:
        if delta_ms < 0:
            raise ValueError("a clock does not run backwards")
        self._now_ms += delta_ms


def ms_to_datetime(epoch_ms: int) -> datetime:
    """Epoch milliseconds to an aware UTC datetime (edges only)."""
    return datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)


def datetime_to_ms(moment: datetime) -> int:
    """An aware datetime to epoch milliseconds; naive datetimes are refused."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: Corridor works in aware UTC datetimes only")
    return int(moment.timestamp() * 1000)
