"""Frozen dataclasses whose methods are shared, not compiled anew for each class.

On Python 3.11 ``@dataclass(frozen=True)`` compiles six methods for every class (``__init__``,
``__repr__``, ``__eq__``, ``__hash__``, ``__setattr__``, ``__delattr__``): about 0.5 ms a class,
at every start, before the first window. :func:`frozen_value` registers the fields and slots only;
:class:`FrozenValue` builds, compares, hashes, prints and freezes every such class with the same
code. Building one is slower than with a generated ``__init__`` (a loop over the fields), so
it is for the values made a few at a time -- settings, decisions, diffs, a step's notes -- not
for the ranking's options, made and copied dozens of times in every ranking, which stay
``@dataclass(frozen=True)``.

Supported: fields with defaults and ``field(default_factory=...)``, fields left out of
comparison or repr (``field(compare=False, repr=False)``), positional and keyword arguments,
``dataclasses.replace``, ``fields``, ``asdict``, pickling. Refused when the class is made (so
nothing is silently ignored): ``__post_init__`` (and with it ``InitVar``, which only feeds it)
and ``field(init=False)``.
"""

from __future__ import annotations

import dataclasses
import operator
import typing
from collections.abc import Callable
from typing import Any, TypeVar


class _Shape:
    """What the shared methods need to know of one class, worked out once: its fields as
    (name, default, default factory), the values that compare and those that hash, and the
    fields that repr shows (a field may be left out, as in a dataclass: ``field(compare=False,
    repr=False)``)."""

    __slots__ = ("compared", "fields", "hashed", "shown")

    def __init__(self, cls: type) -> None:
        specs = dataclasses.fields(typing.cast(Any, cls))
        self.fields = tuple((f.name, f.default, f.default_factory) for f in specs)
        self.compared = _getter([f.name for f in specs if f.compare])
        self.hashed = _getter([f.name for f in specs if (f.compare if f.hash is None else f.hash)])
        self.shown = tuple(f.name for f in specs if f.repr)


_SHAPES: dict[type, _Shape] = {}


def _shape(cls: type) -> _Shape:
    found = _SHAPES.get(cls)
    if found is None:
        found = _SHAPES[cls] = _Shape(cls)
    return found


def fields_of(cls: type) -> tuple[tuple[str, Any, Any], ...]:
    """``cls``'s fields as (name, default, default factory), in order; kept per class."""
    return _shape(cls).fields


def _getter(names: list[str]) -> Callable[[Any], tuple[Any, ...]]:
    if len(names) > 1:
        return operator.attrgetter(*names)  # a tuple of the values
    if names:
        name = names[0]
        return lambda obj: (getattr(obj, name),)
    return lambda obj: ()


def assign(obj: object, specs: tuple[tuple[str, Any, Any], ...], values: dict[str, Any]) -> None:
    """Set ``obj``'s fields ``specs`` from the keyword arguments ``values`` (consumed) or
    their defaults; a missing or an unexpected argument is a TypeError, as in a dataclass."""
    for name, default, factory in specs:
        if name in values:
            value = values.pop(name)
        elif default is not dataclasses.MISSING:
            value = default
        elif factory is not dataclasses.MISSING:
            value = factory()
        else:
            raise TypeError(f"{type(obj).__name__}() missing argument {name!r}")
        object.__setattr__(obj, name, value)
    if values:
        raise TypeError(f"{type(obj).__name__}() got unexpected {', '.join(sorted(values))}")


_C = TypeVar("_C", bound=type)


@typing.dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field,))
def frozen_value(cls: _C) -> _C:
    """Make ``cls`` (a :class:`FrozenValue` subclass) a frozen, slotted dataclass with shared
    methods. Type checkers see the dataclass it stands for (PEP 681)."""
    if not issubclass(cls, FrozenValue):
        raise TypeError(f"{cls.__name__} is not a FrozenValue")
    if "__post_init__" in cls.__dict__:
        raise TypeError(f"{cls.__name__}: @frozen_value does not run __post_init__")
    made = dataclasses.dataclass(init=False, repr=False, eq=False, slots=True)(cls)
    for spec in dataclasses.fields(typing.cast(Any, made)):
        if not spec.init:
            raise TypeError(f"{cls.__name__}.{spec.name}: init=False is not supported")
    return typing.cast(_C, made)


class FrozenValue:
    """Base of :func:`frozen_value` classes: immutable, compared and hashed by their fields, in
    order, as frozen dataclasses are."""

    __slots__ = ()

    def __init__(self, *args: Any, **values: Any) -> None:
        specs = fields_of(type(self))
        if len(args) > len(specs):
            raise TypeError(
                f"{type(self).__name__}() takes {len(specs)} arguments, {len(args)} given"
            )
        for (name, _, _), value in zip(specs, args, strict=False):
            if name in values:
                raise TypeError(f"{type(self).__name__}() got {name!r} twice")
            object.__setattr__(self, name, value)
        assign(self, specs[len(args) :], values)

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name, _, _ in fields_of(type(self)))

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        values = _shape(self.__class__).compared
        return values(self) == values(other)

    def __hash__(self) -> int:
        return hash(_shape(self.__class__).hashed(self))

    def __repr__(self) -> str:
        cls = type(self)
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in _shape(cls).shown)
        return f"{cls.__qualname__}({shown})"

    def __setattr__(self, name: str, value: Any) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")

    def __getstate__(self) -> tuple[Any, ...]:
        return self._values()

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        for (name, _, _), value in zip(fields_of(type(self)), state, strict=True):
            object.__setattr__(self, name, value)
