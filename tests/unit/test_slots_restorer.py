"""slot_restorer and field_reducer: a record taken apart into its field values and put
back together without __init__ is the same record, of the same class, still frozen."""

from __future__ import annotations

import dataclasses
import gc
import weakref

import pytest

from corridor.foundation.slots import field_reducer, slot_restorer


@dataclasses.dataclass(frozen=True, slots=True)
class _Record:
    a: int
    b: str | None = None
    c: tuple[int, ...] = ()


@dataclasses.dataclass(frozen=True, slots=True)
class _Clashing:
    """Fields named like the generated code's own names."""

    new: int
    record: int
    v0: int
    _twin: int
    _cls: int
    _restore: int


@dataclasses.dataclass(frozen=True, slots=True, weakref_slot=True)
class _Weak:
    a: int


@dataclasses.dataclass(frozen=True, slots=True)
class _Empty:
    pass


class _Mixin:
    __slots__ = ()

    def twice(self) -> int:
        return 2 * self.a  # type: ignore[attr-defined, no-any-return]


@dataclasses.dataclass(frozen=True, slots=True)
class _Mixed(_Mixin):
    a: int


@dataclasses.dataclass(frozen=True)
class _Plain:
    a: int
    b: int = 0


def _values(record: object) -> tuple[object, ...]:
    return tuple(getattr(record, f.name) for f in dataclasses.fields(record))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "record",
    [
        _Record(1, "x", (2, 3)),
        _Record(2),
        _Clashing(1, 2, 3, 4, 5, 6),
        _Weak(7),
        _Empty(),
        _Mixed(8),
    ],
)
def test_the_restored_record_is_the_same_record(record: object) -> None:
    restore = slot_restorer(type(record))
    copied = restore(*_values(record))
    assert type(copied) is type(record)
    assert copied == record and copied is not record
    assert _values(copied) == _values(record)
    assert not hasattr(copied, "__dict__")
    assert gc.is_tracked(copied)
    for field in dataclasses.fields(copied):  # type: ignore[arg-type]
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(copied, field.name, 9)


def test_every_slot_is_set_and_hash_and_weak_references_work() -> None:
    copied = slot_restorer(_Record)(1, None, ())
    assert (copied.a, copied.b, copied.c) == (1, None, ())
    assert hash(copied) == hash(_Record(1))
    weak = slot_restorer(_Weak)(5)
    assert weakref.ref(weak)() is weak


def test_the_reducer_gives_the_restorer_and_the_values_in_field_order() -> None:
    restore = slot_restorer(_Clashing)
    reduce = field_reducer(restore, _Clashing)
    record = _Clashing(1, 2, 3, 4, 5, 6)
    function, values = reduce(record)
    assert function is restore and values == (1, 2, 3, 4, 5, 6)
    assert field_reducer(slot_restorer(_Empty), _Empty)(_Empty())[1] == ()
    assert field_reducer(slot_restorer(_Weak), _Weak)(_Weak(3))[1] == (3,)


def test_a_class_without_slots_of_its_own_is_restored_by_its_init() -> None:
    @dataclasses.dataclass(frozen=True, slots=True)
    class Derived(_Record):  # a dataclass base: the base's fields are the base's slots
        d: int = 0

    assert slot_restorer(_Plain) is _Plain
    assert slot_restorer(_Plain)(1, 2) == _Plain(1, 2)
    assert slot_restorer(Derived) is Derived
    assert slot_restorer(Derived)(1, "x", (), 4) == Derived(1, "x", (), 4)


def test_the_twin_class_is_used_where_cpython_allows_it_else_the_descriptors() -> None:
    """A __weakref__ slot or a base other than object: the __class__ assignment is refused,
    so those are restored through the slot descriptors (same record, slower)."""
    for cls in (_Record, _Clashing, _Empty):
        assert "_twin" in slot_restorer(cls).__globals__
    for cls in (_Weak, _Mixed):
        restore = slot_restorer(cls)
        assert "_twin" not in restore.__globals__
        copied = restore(21)
        assert type(copied) is cls and copied == cls(21)
    assert slot_restorer(_Mixed)(21).twice() == 42


def test_a_record_that_checks_itself_is_refused() -> None:
    @dataclasses.dataclass(frozen=True, slots=True)
    class Checked:
        a: int

        def __post_init__(self) -> None:
            assert self.a > 0

    with pytest.raises(TypeError):
        slot_restorer(Checked)
    with pytest.raises(TypeError):
        field_reducer(Checked, Checked)
