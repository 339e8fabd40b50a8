"""Duplicate and replay guards: pure ports the hub backs with its database.

`DuplicateGuard`: a (sender, MsgId) pair is accepted once. `ReplayGuard`: a (sender,
BizMsgIdr) pair is accepted once within the window in which a header's CreDt is accepted
at all; older headers are refused as stale, so the memory needed stays bounded. The
in-memory versions keep at most `entries_max` entries and forget the oldest first.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Protocol


class DuplicateGuard(Protocol):
    def remember(self, sender: str, msg_id: str) -> bool:
        """Record the pair; False if it was already recorded (a duplicate)."""
        ...

    def seen(self, sender: str, msg_id: str) -> bool: ...


class ReplayGuard(Protocol):
    def remember(self, sender: str, biz_msg_id: str, created_at: datetime, now: datetime) -> bool:
        """Record the header; False if replayed or outside the window."""
        ...

    def seen(self, sender: str, biz_msg_id: str) -> bool: ...


class MemoryDuplicateGuard:
    def __init__(self, entries_max: int = 1_000_000) -> None:
        if entries_max <= 0:
            raise ValueError(f"entries_max must be positive: {entries_max}")
        self._seen: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._entries_max = entries_max

    def seen(self, sender: str, msg_id: str) -> bool:
        return (sender, msg_id) in self._seen

    def remember(self, sender: str, msg_id: str) -> bool:
        key = (sender, msg_id)
        if key in self._seen:
            return False
        self._seen[key] = None
        if len(self._seen) > self._entries_max:
            self._seen.popitem(last=False)
        return True


class MemoryReplayGuard:
    def __init__(self, window_s: int = 86_400, entries_max: int = 1_000_000) -> None:
        if window_s <= 0 or entries_max <= 0:
            raise ValueError("window_s and entries_max must be positive")
        self._window = timedelta(seconds=window_s)
        self._seen: OrderedDict[tuple[str, str], datetime] = OrderedDict()
        self._entries_max = entries_max

    def seen(self, sender: str, biz_msg_id: str) -> bool:
        return (sender, biz_msg_id) in self._seen

    def remember(self, sender: str, biz_msg_id: str, created_at: datetime, now: datetime) -> bool:
        self._expire(now)
        if abs(now - created_at) > self._window:
            return False
        key = (sender, biz_msg_id)
        if key in self._seen:
            return False
        self._seen[key] = now
        if len(self._seen) > self._entries_max:
            self._seen.popitem(last=False)
        return True

    def _expire(self, now: datetime) -> None:
        while self._seen:
            key, at = next(iter(self._seen.items()))
            if now - at <= self._window:
                return
            del self._seen[key]
