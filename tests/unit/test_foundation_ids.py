"""Time-ordered 128-bit ids: UUIDv7 layout, strictly increasing, random part buffered."""

from __future__ import annotations

import uuid

from corridor.foundation.clock import FixedClock
from corridor.foundation.ids import Uuid7Generator


def test_ids_increase_and_differ_across_random_buffer_refills() -> None:
    generator = Uuid7Generator()
    ids = [generator.next_id() for _ in range(2_000)]  # ~5 refills of the 4 KiB buffer
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert {uuid.UUID(int=i).version for i in ids} == {7}


def test_same_millisecond_ids_still_increase() -> None:
    clock = FixedClock(1_700_000_000_000)
    generator = Uuid7Generator(clock)
    first, second = generator.next_id(), generator.next_id()
    assert second > first
    assert first >> 80 == 1_700_000_000_000  # the millisecond is the top 48 bits


def test_seeded_generators_repeat_themselves() -> None:
    clock_a, clock_b = FixedClock(5), FixedClock(5)
    a = [Uuid7Generator(clock_a, seed=42).next_id() for _ in range(3)]
    b = [Uuid7Generator(clock_b, seed=42).next_id() for _ in range(3)]
    assert a == b
