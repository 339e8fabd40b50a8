"""pickled_by_fields: records cross between processes as their field values and a
restorer of their own class, loaded without __init__ as the same record."""

from __future__ import annotations

import copy
import copyreg
import dataclasses
import io
import pickle
import pickletools

import pytest

from corridor.hub import intake
from corridor.iso20022 import examples, pipeline, records
from corridor.iso20022.records import Agent, pickled_by_fields


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


_RECORDS = [
    value
    for value in vars(records).values()
    if isinstance(value, type)
    and dataclasses.is_dataclass(value)
    and value.__module__ == records.__name__
]
_PICKLED_BY_FIELDS = [
    *_RECORDS,
    intake.TransferInstruction,
    intake.ReturnInstruction,
    intake.CancelInstruction,
    intake.Intake,
    pipeline.ParsedMessage,
    pipeline.MessageReject,
]


def _distinct_values(cls: type) -> tuple[object, ...]:
    """One value per field, none equal to another or to a default (types are not checked
    by the records' __init__)."""
    return tuple(f"{cls.__name__}.{f.name}" for f in dataclasses.fields(cls))


def _globals_named(data: bytes) -> list[str]:
    """The `module qualname` pairs a pickle refers to, in order."""
    strings: list[str] = []
    named: list[str] = []
    for opcode, argument, _ in pickletools.genops(data):
        if opcode.name in ("SHORT_BINUNICODE", "BINUNICODE"):
            strings.append(argument)
        elif opcode.name == "STACK_GLOBAL":
            named.append(" ".join(strings[-2:]))
    return named


@pytest.mark.parametrize("cls", _PICKLED_BY_FIELDS, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("protocol", [2, pickle.DEFAULT_PROTOCOL, pickle.HIGHEST_PROTOCOL])
def test_every_record_loads_as_the_same_record(cls: type, protocol: int) -> None:
    values = _distinct_values(cls)
    record = cls(*values)
    copied = pickle.loads(pickle.dumps(record, protocol))
    assert type(copied) is cls and copied == record
    assert tuple(getattr(copied, f.name) for f in dataclasses.fields(cls)) == values
    first = dataclasses.fields(cls)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(copied, first, "changed")


@pytest.mark.parametrize("cls", _PICKLED_BY_FIELDS, ids=lambda cls: cls.__name__)
def test_a_record_is_loaded_by_its_own_restorer(cls: type) -> None:
    data = pickle.dumps(cls(*_distinct_values(cls)), pickle.HIGHEST_PROTOCOL)
    assert _globals_named(data) == [f"{cls.__module__} {cls.__qualname__}._from_fields"]
    assert cls in copyreg.dispatch_table


def test_a_bulk_message_refers_to_each_restorer_once() -> None:
    body = examples.credit_transfer(20)
    data = pickle.dumps(body, pickle.HIGHEST_PROTOCOL)
    named = _globals_named(data)
    assert len(named) == len(set(named))  # the later records take it from the memo
    copied = pickle.loads(data)
    assert copied == body and type(copied.transactions[7]) is type(body.transactions[7])


def test_copies_are_equal_records() -> None:
    tx = examples.credit_transfer(2).transactions[1]
    assert copy.copy(tx) == tx and copy.deepcopy(tx) == tx
    assert type(copy.deepcopy(tx)) is type(tx)


class _Special(Agent):
    """Not a record of its own: it must not pickle as an Agent."""


def test_a_subclass_pickles_as_itself() -> None:
    special = _Special(bic="DEUTDEFFXXX")
    copied = pickle.loads(pickle.dumps(special, pickle.HIGHEST_PROTOCOL))
    assert type(copied) is _Special and copied.bic == "DEUTDEFFXXX"


def test_a_pickler_with_a_table_of_its_own_still_loads_the_same_record() -> None:
    tx = examples.credit_transfer(1).transactions[0]
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = {}  # not copyreg's: the dataclass's own __getstate__ serves
    pickler.dump(tx)
    assert pickle.loads(buffer.getvalue()) == tx


def test_classes_it_cannot_serve_are_refused_when_decorated() -> None:
    @dataclasses.dataclass(frozen=True, slots=True)
    class KeywordOnly:
        a: int = dataclasses.field(kw_only=True)

    @dataclasses.dataclass(frozen=True, slots=True)
    class Named:
        _from_fields: int

    for cls in (KeywordOnly, Named):
        with pytest.raises(TypeError):
            pickled_by_fields(cls)
    with pytest.raises(TypeError):  # twice: the restorer is already named
        pickled_by_fields(Agent)
