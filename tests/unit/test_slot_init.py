"""slot_init: a frozen slots dataclass built through its slot descriptors takes the same
arguments and makes the same record as the __init__ dataclasses writes."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import pickle

import pytest

from corridor.foundation.slots import slot_init
from corridor.iso20022 import examples
from corridor.iso20022.records import Agent, CreditTransferTransaction


@dataclasses.dataclass(frozen=True, slots=True)
class _Reference:
    a: int
    b: str = "b"
    c: tuple[int, ...] = dataclasses.field(default_factory=tuple)
    d: list[int] = dataclasses.field(default_factory=list, kw_only=True)
    e: str | None = dataclasses.field(default=None, kw_only=True)


@slot_init
@dataclasses.dataclass(frozen=True, slots=True)
class _Fast:
    a: int
    b: str = "b"
    c: tuple[int, ...] = dataclasses.field(default_factory=tuple)
    d: list[int] = dataclasses.field(default_factory=list, kw_only=True)
    e: str | None = dataclasses.field(default=None, kw_only=True)


def _fields(record: object) -> tuple[object, ...]:
    return dataclasses.astuple(record)  # type: ignore[call-overload, no-any-return]


def test_the_signature_is_the_dataclass_one() -> None:
    assert str(inspect.signature(_Fast)) == str(inspect.signature(_Reference))
    assert _Fast.__init__.__qualname__ == "_Fast.__init__"


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        ((1,), {}),
        ((1, "x"), {}),
        ((1, "x", (2, 3)), {"d": [4], "e": "e"}),
        ((), {"a": 1, "c": (5,), "b": "y"}),
        ((1,), {"e": "only e"}),
    ],
)
def test_positional_keyword_and_default_arguments_give_the_same_fields(
    args: tuple[object, ...], kwargs: dict[str, object]
) -> None:
    fast, reference = _Fast(*args, **kwargs), _Reference(*args, **kwargs)  # type: ignore[arg-type]
    assert _fields(fast) == _fields(reference)
    assert repr(fast).removeprefix("_Fast") == repr(reference).removeprefix("_Reference")


def test_a_default_factory_makes_a_new_value_for_each_record() -> None:
    one, two = _Fast(1), _Fast(2)
    assert one.d == [] and one.d is not two.d


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [((), {}), ((1, "b", (), [4]), {}), ((1,), {"f": 2}), ((1,), {"a": 2})],
)
def test_wrong_arguments_are_refused_as_before(
    args: tuple[object, ...], kwargs: dict[str, object]
) -> None:
    with pytest.raises(TypeError):
        _Reference(*args, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        _Fast(*args, **kwargs)  # type: ignore[arg-type]


def test_the_record_stays_frozen_equal_and_hashable() -> None:
    record = _Fast(1, "x", (2,), e="e")
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.a = 2  # type: ignore[misc]
    assert record == _Fast(1, "x", (2,), e="e") and record != _Fast(2)
    agent = Agent(bic="DEUTDEFFXXX")
    assert hash(agent) == hash(Agent(bic="DEUTDEFFXXX")) and agent == Agent("DEUTDEFFXXX")


def test_replace_copy_and_pickling_keep_working() -> None:
    record = _Fast(1, "x", (2,), d=[3], e="e")
    assert dataclasses.replace(record, b="y") == _Fast(1, "y", (2,), d=[3], e="e")
    assert copy.copy(record) == record and copy.deepcopy(record) == record
    assert pickle.loads(pickle.dumps(record)) == record
    tx = examples.credit_transfer(2).transactions[1]
    assert isinstance(tx, CreditTransferTransaction)
    assert pickle.loads(pickle.dumps(tx, pickle.HIGHEST_PROTOCOL)) == tx


def test_classes_it_cannot_serve_are_refused() -> None:
    @dataclasses.dataclass(frozen=True, slots=True)
    class Checked:
        a: int

        def __post_init__(self) -> None:
            assert self.a > 0

    @dataclasses.dataclass(frozen=True)
    class NoSlots:
        a: int

    @dataclasses.dataclass(frozen=True, slots=True)
    class Derived:
        a: int
        b: int = dataclasses.field(default=0, init=False)

    class NotADataclass:
        __slots__ = ("a",)

    for cls in (Checked, NoSlots, Derived, NotADataclass):
        with pytest.raises(TypeError):
            slot_init(cls)
