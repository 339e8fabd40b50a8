"""Fast construction of frozen slots dataclasses, for the records that the hub makes or
loads by the hundred thousand (records extracted from messages, payment copies, records
unpickled from intake workers).

A frozen dataclass's __init__ sets each field through object.__setattr__, which is
checked; these functions are written once per class as source (the way dataclasses
writes __init__) and set each slot through its descriptor instead (slot_restorer, where
it can, through a plain twin class: cheaper still): a fraction of the cost. None calls
__post_init__, so classes that have one are refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, fields, is_dataclass
from types import MemberDescriptorType
from typing import Any, TypeVar

T = TypeVar("T", bound=type)


def slot_init(cls: T) -> T:
    """Class decorator, under @dataclass(frozen=True, slots=True): replace the generated
    __init__ with one that takes the same arguments (positional or keyword, the same
    defaults and default factories, keyword-only fields after `*`) and sets each slot
    through its descriptor. Equality, hashing, repr and frozen-ness are untouched."""
    if not is_dataclass(cls):
        raise TypeError(f"{cls.__name__}: not a dataclass")
    names = _field_names(cls)  # refuses a class with a __post_init__
    if "self" in names:
        raise TypeError(f"{cls.__name__}: a field named self")
    setters = {n: cls.__dict__.get(n) for n in names}
    if not all(isinstance(s, MemberDescriptorType) for s in setters.values()):
        raise TypeError(f"{cls.__name__}: every field must be a slot (slots=True)")
    scope = _scope(cls, {f"_set_{n}": s.__set__ for n, s in setters.items()})  # type: ignore[union-attr]
    scope["_FACTORY"] = _FACTORY
    params, body = _init_parts(cls, scope)
    source = f"def __init__({', '.join(params)}):\n" + ("".join(body) or "    pass\n")
    init = _compiled(source, scope, "__init__")
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__annotations__ = {f.name: f.type for f in fields(cls)} | {"return": None}
    cls.__init__ = init  # type: ignore[misc]
    return cls


class _Factory:
    """Stands for "not given" where a field has a default factory (as in dataclasses)."""

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _Factory()


def _init_parts(cls: type, scope: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The parameters (in dataclasses' order) and the body lines of a slot-setting __init__."""
    positional, keyword, body = ["self"], [], []
    for f in fields(cls):
        if not f.init:
            raise TypeError(f"{cls.__name__}.{f.name}: init=False fields are not supported")
        param, value = f.name, f.name
        if f.default is not MISSING:
            scope[f"_default_{f.name}"] = f.default
            param = f"{f.name}=_default_{f.name}"
        elif f.default_factory is not MISSING:
            scope[f"_factory_{f.name}"] = f.default_factory
            param = f"{f.name}=_FACTORY"
            value = f"_factory_{f.name}() if {f.name} is _FACTORY else {f.name}"
        (keyword if f.kw_only else positional).append(param)
        body.append(f"    _set_{f.name}(self, {value})\n")
    return positional + (["*", *keyword] if keyword else []), body


def slot_restorer(cls: type) -> Callable[..., Any]:
    """restore(*values) -> instance, the values in field order, without calling __init__;
    `cls` itself when its fields are not all its own slots (its __init__ takes them).

    Setting a slot through its descriptor (`__set__`, as slot_init does) is a call through
    a method wrapper; setting an attribute of a plain class with the same slots is a
    single store, several times cheaper. So the restorer fills an instance of such a twin
    class, then gives it the record's class: CPython allows that assignment between
    classes of the same layout. The twin never escapes. Where CPython refuses it (a base
    class other than object, a __weakref__ slot), the restorer sets the descriptors."""
    names = _field_names(cls)  # refuses a class with a __post_init__
    setters = [cls.__dict__.get(name) for name in names]
    if not all(isinstance(s, MemberDescriptorType) for s in setters):
        return cls
    # parameters v0, v1...: a field may be called "new" or "_cls"
    params = ", ".join(f"v{i}" for i in range(len(names)))
    twin = _twin(cls)
    if twin is None:
        body = "".join(f"    _set_{i}(new, v{i})\n" for i in range(len(names)))
        source = f"def restore({params}):\n    new = _new(_cls)\n{body}    return new\n"
        scope = _scope(cls, {f"_set_{i}": s.__set__ for i, s in enumerate(setters)})  # type: ignore[union-attr]
        return _compiled(source, scope, "restore")
    body = "".join(f"    new.{name} = v{i}\n" for i, name in enumerate(names))
    source = f"def restore({params}):\n    new = _twin()\n{body}    new.__class__ = _cls\n"
    return _compiled(source + "    return new\n", {"_twin": twin, "_cls": cls}, "restore")


def _twin(cls: type) -> type | None:
    """A plain class with the slots of `cls`, if CPython lets an instance of it become a
    `cls` (tried once here, on an empty instance); else None."""
    slots = cls.__dict__.get("__slots__", ())
    twin = type(f"_{cls.__name__}Twin", (), {"__slots__": slots, "__module__": cls.__module__})
    try:
        twin().__class__ = cls
    except TypeError:  # "object layout differs"
        return None
    return twin


def field_reducer(
    restore: Callable[..., Any], cls: type
) -> Callable[[Any], tuple[Callable[..., Any], tuple[object, ...]]]:
    """A reduction function for pickle (see copyreg.pickle): record -> (restore, its field
    values in field order). Written as source that reads each field as an attribute: a
    loop over the names with getattr costs several times as much."""
    values = "".join(f"record.{name}, " for name in _field_names(cls))
    source = f"def reduce(record):\n    return _restore, ({values})\n"
    reduce = _compiled(source, {"_restore": restore}, "reduce")
    reduce.__qualname__ = f"reduce_{cls.__qualname__}"
    return reduce


def slot_copier(cls: type) -> Callable[..., Any]:
    """`dataclasses.replace` for a slots class: copy(instance, field=value, ...); unknown
    names raise TypeError, like replace."""
    names = _field_names(cls)
    params = ", ".join(f"{n}=_KEEP" for n in names)
    body = "".join(f"    _set_{n}(new, p.{n} if {n} is _KEEP else {n})\n" for n in names)
    source = f"def copy(p, *, {params}):\n    new = _new(_cls)\n{body}    return new\n"
    scope = _scope(cls, {f"_set_{n}": getattr(cls, n).__set__ for n in names})
    scope["_KEEP"] = object()
    return _compiled(source, scope, "copy")


def _field_names(cls: type) -> list[str]:
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__}: a __post_init__ would be skipped")
    return [f.name for f in fields(cls)]


def _scope(cls: type, setters: dict[str, Any]) -> dict[str, Any]:
    return {"_new": object.__new__, "_cls": cls} | setters


def _compiled(source: str, scope: dict[str, Any], name: str) -> Callable[..., Any]:
    exec(source, scope)  # the source is built from the class's own field names only
    function: Callable[..., Any] = scope[name]
    return function
