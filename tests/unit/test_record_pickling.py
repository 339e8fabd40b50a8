"""Records cross between processes as (class, field values), loaded without __init__."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

from corridor.iso20022 import examples
from corridor.iso20022.records import pickled_by_fields


@dataclasses.dataclass(frozen=True, slots=True)
class _Slotted:
    a: int
    b: str | None = None


@dataclasses.dataclass(frozen=True)
class _Plain:
    a: int
    b: tuple[int, ...] = ()


pickled_by_fields(_Slotted)
pickled_by_fields(_Plain)


def test_a_bulk_message_round_trips_equal_and_frozen() -> None:
    body = examples.credit_transfer(5)
    copied = pickle.loads(pickle.dumps(body, pickle.HIGHEST_PROTOCOL))
    assert copied == body and type(copied) is type(body)
    assert copied.transactions[0] == body.transactions[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        copied.transactions[0].uetr = "x"  # type: ignore[misc]


@pytest.mark.parametrize("record", [_Slotted(1, "x"), _Slotted(2), _Plain(3, (1, 2))])
def test_slotted_and_plain_records_load_as_they_were(record: object) -> None:
    assert pickle.loads(pickle.dumps(record)) == record


def test_a_record_that_checks_itself_is_refused() -> None:
    @dataclasses.dataclass(frozen=True, slots=True)
    class Checked:
        a: int

        def __post_init__(self) -> None:
            assert self.a > 0

    with pytest.raises(TypeError):
        pickled_by_fields(Checked)
