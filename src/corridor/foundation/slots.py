"""Fast construction of frozen slots dataclasses, for the records that the hub makes or
loads by the hundred thousand (payment copies, records unpickled from intake workers).

A frozen dataclass's __init__ sets each field through object.__setattr__, which is
checked; these functions are written once per class as source (the way dataclasses
writes __init__) and set each slot through its descriptor instead: a fraction of the
cost. Neither calls __post_init__, so classes that have one are refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from types import MemberDescriptorType
from typing import Any


def slot_restorer(cls: type) -> Callable[[tuple[object, ...]], Any]:
    """values (in field order) -> instance; `cls(*values)` when the class has no slots."""
    names = _field_names(cls)
    setters = [cls.__dict__.get(name) for name in names]
    if not all(isinstance(s, MemberDescriptorType) for s in setters):
        return lambda values: cls(*values)
    body = "".join(f"    _set_{i}(new, values[{i}])\n" for i in range(len(names)))
    source = f"def restore(values):\n    new = _new(_cls)\n{body}    return new\n"
    scope = _scope(cls, {f"_set_{i}": s.__set__ for i, s in enumerate(setters)})  # type: ignore[union-attr]
    return _compiled(source, scope, "restore")


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
