"""Identifiers: 128-bit, time-ordered (UUIDv7 layout), made by an injected generator.

Time-ordered ids keep the journal's primary-key index append-only; random keys scatter
inserts over the whole B-tree and slow a growing journal.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from typing import Protocol

from corridor.foundation.clock import Clock, SystemClock
from corridor.foundation.errors import InputError

_RANDOM_BUFFER_BYTES = 4_096
_RAND_BITS = 74  # UUIDv7: 48 bits of ms, 4 version bits, 12 + 62 random bits, 2 variant bits


class IdGenerator(Protocol):
    def next_id(self) -> int:
        """A new 128-bit id, greater than every id this generator made before."""
        ...


class Uuid7Generator:
    """UUIDv7 ids, strictly increasing within one generator even inside one millisecond.

    `seed` makes the random part deterministic (for simulations); without it, os.urandom.
    """

    def __init__(self, clock: Clock | None = None, *, seed: int | None = None) -> None:
        self._clock = clock or SystemClock()
        self._last = 0
        self._counter = seed if seed is not None else None
        self._random = b""
        self._random_at = 0

    def _random_bits(self) -> int:
        if self._counter is None:
            return int.from_bytes(self._random_bytes(10), "big") >> (80 - _RAND_BITS)
        self._counter = (self._counter * 6364136223846793005 + 1442695040888963407) % 2**64
        return self._counter << 10

    def _random_bytes(self, count: int) -> bytes:
        """From a buffer refilled 4 KiB at a time: os.urandom per id is a system call that
        gives up the interpreter lock, and the engine thread then waits to get it back."""
        if self._random_at + count > len(self._random):
            self._random, self._random_at = os.urandom(_RANDOM_BUFFER_BYTES), 0
        start, self._random_at = self._random_at, self._random_at + count
        return self._random[start : self._random_at]

    def next_id(self) -> int:
        rand = self._random_bits() & ((1 << _RAND_BITS) - 1)
        rand_a, rand_b = rand >> 62, rand & ((1 << 62) - 1)
        value = (self._clock.now_ms() & ((1 << 48) - 1)) << 80
        value |= 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
        if value <= self._last:
            # Same millisecond (or a clock step back): keep order by counting up.
            value = self._last + 1
        self._last = value
        return value


def id_to_uuid(value: int) -> uuid.UUID:
    return uuid.UUID(int=value)


def id_to_str(value: int) -> str:
    return str(uuid.UUID(int=value))


def parse_id(text: str, *, field: str = "id") -> int:
    """A UUID string (any version) to its 128-bit integer."""
    try:
        return uuid.UUID(text).int
    except (ValueError, AttributeError, TypeError):
        raise InputError("must be a UUID", field=field, value=text) from None


def derived_id(*parts: str) -> int:
    """A stable 128-bit id from names (e.g. an account from owner, currency and kind).

    Used where the same input must always give the same id, so that re-running
    `corridor init` is idempotent. Never zero.
    """
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return int.from_bytes(digest[:16], "big") or 1
