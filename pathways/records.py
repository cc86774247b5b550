"""Plain run-time records, validated by pydantic only where data comes in.

The content, the case and the other files are frozen dataclasses deriving from :class:`Record`
(made with :func:`record`).
Pydantic validates them (:func:`validate`: types, the constraints written as :class:`Limits` in
their annotations, unknown keys refused, each record's own :meth:`Record._validate`) but is
imported only when something is validated: a start that reads the content from its cache and
a case known to be valid (:mod:`pathways.case`) never imports it, which spares about 0.1 s and
19 MB (BENCHMARKS.md). Everything else the app does with a record -- compare, hash, copy with
changes (:func:`dataclasses.replace`), write out (:func:`to_data`) -- is plain Python.

:func:`from_valid_data` builds records from data that pydantic has already accepted (same bytes,
same code): it converts, checking only the JSON types and keys it converts, not the limits.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import types
import typing
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal, TypeVar, Union

from pathways.frozen import FrozenValue, assign, fields_of, frozen_value

R = TypeVar("R", bound="Record")


class Limits:
    """Constraints on a value, written in an annotation: ``Annotated[str, Limits(max_length=80)]``.

    The names and meanings are pydantic's ``Field`` arguments; pydantic is asked for them only
    when a validator is built.
    """

    __slots__ = ("allow_inf_nan", "ge", "gt", "le", "lt", "max_length", "min_length", "pattern")

    def __init__(
        self,
        *,
        pattern: str | None = None,
        min_length: int | None = None,
        max_length: int | None = None,
        gt: float | None = None,
        ge: float | None = None,
        lt: float | None = None,
        le: float | None = None,
        allow_inf_nan: bool | None = None,
    ) -> None:
        self.pattern = pattern
        self.min_length = min_length
        self.max_length = max_length
        self.gt = gt
        self.ge = ge
        self.lt = lt
        self.le = le
        self.allow_inf_nan = allow_inf_nan

    def given(self) -> dict[str, Any]:
        """The constraints that are set, by name."""
        return {
            name: value for name in self.__slots__ if (value := getattr(self, name)) is not None
        }

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in sorted(self.given().items()))
        return f"Limits({args})"

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic import Field

        return handler(Annotated[source, Field(**self.given())])


_C = TypeVar("_C", bound=type)


@typing.dataclass_transform(
    kw_only_default=True, frozen_default=True, field_specifiers=(dataclasses.field,)
)
def record(cls: _C) -> _C:
    """Make ``cls`` (a :class:`Record` subclass) a frozen, slotted, keyword-only dataclass.

    The dataclass machinery only registers the fields and the slots: building, comparing,
    hashing, printing and freezing are :class:`~pathways.frozen.FrozenValue`'s, shared by every
    record. On Python 3.11 ``@dataclass(frozen=True)`` compiles seven methods per class
    (~0.65 ms each class, ~25 ms for the records at every start); this takes ~0.08 ms. Type
    checkers see the dataclass it stands for (PEP 681).
    """
    if not issubclass(cls, Record):
        raise TypeError(f"{cls.__name__} is not a Record")
    made = dataclasses.dataclass(init=False, repr=False, eq=False, slots=True, kw_only=True)
    return typing.cast(_C, made(cls))


class Record(FrozenValue):
    """Base of the frozen dataclasses read from files: ``@record class X(Record)``.

    Class attributes tune validation: ``__pydantic_config__`` (unknown keys are refused),
    ``_aliases`` (field name → the key in the file, for keys that are Python keywords such as
    ``from``); :meth:`_validate` holds the checks over several fields, :meth:`_prepare`
    reshapes the input before the fields see it. Instances are immutable and compare and
    hash by their fields, in order, as frozen dataclasses do.
    """

    __slots__ = ()
    __pydantic_config__: ClassVar[dict[str, Any]] = {"extra": "forbid"}
    _aliases: ClassVar[Mapping[str, str]] = {}

    def __init__(self, **values: Any) -> None:  # keyword arguments only
        assign(self, fields_of(type(self)), values)

    def _validate(self) -> None:
        """Checks across fields, run by :func:`validate` after the fields': raise ValueError."""

    @classmethod
    def _prepare(cls, data: Any) -> Any:
        """The input as the fields are to see it, run by :func:`validate` before them (e.g.
        defaults that depend on other keys); it gets whatever the file holds."""
        return data

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        schema = handler(source)
        if cls._aliases:
            args = _dataclass_args(schema, cls)
            for spec in args["fields"]:
                if spec["name"] in cls._aliases:
                    spec["validation_alias"] = cls._aliases[spec["name"]]
        if cls._validate is not Record._validate:
            from pydantic_core import core_schema

            schema = core_schema.no_info_after_validator_function(_run_checks, schema)
        if cls._prepare.__func__ is not Record._prepare.__func__:  # type: ignore[attr-defined]
            from pydantic_core import core_schema

            schema = core_schema.no_info_before_validator_function(cls._prepare, schema)
        return schema


def _run_checks(record: Record) -> Record:
    record._validate()
    return record


def _dataclass_args(schema: dict[str, Any], cls: type) -> dict[str, Any]:
    """The arguments' schema inside pydantic's schema of the dataclass ``cls``."""
    if schema.get("type") == "dataclass" and schema.get("cls") is cls:
        args: dict[str, Any] = schema["schema"]
        return args
    raise TypeError(f"{cls.__name__}: unexpected pydantic schema {schema.get('type')!r}")


class RecordError(ValueError):
    """Data that is not a valid record: pydantic's error list, with the keys it documents
    (``loc``, ``msg``, ``type``, ``input``, ``ctx``). ``input`` may hold what a file says:
    callers decide what is shown (see :func:`pathways.errors.shown`)."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        self._errors = errors
        super().__init__(f"{len(errors)} validation error(s)")

    def errors(self) -> list[dict[str, Any]]:
        return self._errors

    def error_count(self) -> int:
        return len(self._errors)


_ADAPTERS: dict[Any, Any] = {}  # one validator per type, built on first use


def _adapter(tp: Any) -> Any:
    adapter = _ADAPTERS.get(tp)
    if adapter is None:
        from pydantic import TypeAdapter

        adapter = _ADAPTERS[tp] = TypeAdapter(tp)
    return adapter


def validate(tp: type[R], data: Any) -> R:
    """``data`` (plain Python, as parsed from JSON or YAML) as a ``tp``, or :class:`RecordError`."""
    from pydantic import ValidationError

    try:
        record: R = _adapter(tp).validate_python(data)
    except ValidationError as exc:
        raise RecordError([_as_model_error(e) for e in exc.errors(include_url=False)]) from None
    return record


def _as_model_error(error: Any) -> dict[str, Any]:
    # Pydantic words an unknown key of a dataclass as an "unexpected keyword argument"; the
    # files are not calls: use the wording (and type) it has for models.
    out = dict(error)
    if out.get("type") == "unexpected_keyword_argument":
        out["type"] = "extra_forbidden"
        out["msg"] = "Extra inputs are not permitted"
    elif out.get("type") == "dataclass_type":  # "a dictionary or an instance of": as for models
        out["type"] = "model_type"
        out["msg"] = f"Input should be a valid dictionary or instance of {_class_name(out)}"
    return out


def _class_name(error: dict[str, Any]) -> str:
    ctx = error.get("ctx")
    return str(ctx.get("class_name", "")) if isinstance(ctx, dict) else ""


# ---------------------------------------------------------------------------- writing out
def to_data(value: Any, *, exclude_none: bool = False, exclude_defaults: bool = False) -> Any:
    """A record (or a value inside one) as JSON-ready data: dates as ISO text, enums as their
    values, tuples as lists, keys as the files spell them. Fields whose metadata says
    ``exclude`` (state that never goes to a file) are left out."""
    if isinstance(value, Record):
        out: dict[str, Any] = {}
        aliases = type(value)._aliases
        for spec in dataclasses.fields(value):  # type: ignore[arg-type]
            if spec.metadata.get("exclude"):
                continue
            item = getattr(value, spec.name)
            if exclude_none and item is None:
                continue
            if exclude_defaults and _is_default(spec, item):
                continue
            out[aliases.get(spec.name, spec.name)] = to_data(
                item, exclude_none=exclude_none, exclude_defaults=exclude_defaults
            )
        return out
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [
            to_data(v, exclude_none=exclude_none, exclude_defaults=exclude_defaults) for v in value
        ]
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {
            k: to_data(v, exclude_none=exclude_none, exclude_defaults=exclude_defaults)
            for k, v in value.items()
        }
    return value


def _is_default(spec: dataclasses.Field[Any], value: Any) -> bool:
    if spec.default is not dataclasses.MISSING:
        return bool(value == spec.default)
    if spec.default_factory is not dataclasses.MISSING:
        return bool(value == spec.default_factory())
    return False


# ---------------------------------------------------------------------------- reading in
@frozen_value
class FieldSpec(FrozenValue):
    """A record's field as a file sees it."""

    name: str  # the attribute
    key: str  # the key in the file
    hint: Any  # the annotation, Annotated kept
    required: bool
    limits: Limits | None  # the outermost Limits on the field's own type, if any


_SPECS: dict[type, tuple[FieldSpec, ...]] = {}


def field_specs(cls: type[Record]) -> tuple[FieldSpec, ...]:
    """The fields of a record class in order, their annotations resolved."""
    known = _SPECS.get(cls)
    if known is not None:
        return known
    hints = typing.get_type_hints(cls, include_extras=True)
    out = []
    for spec in dataclasses.fields(cls):  # type: ignore[arg-type]
        hint = hints[spec.name]
        required = (
            spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING
        )
        out.append(
            FieldSpec(
                spec.name, cls._aliases.get(spec.name, spec.name), hint, required, limits_of(hint)
            )
        )
    specs = _SPECS[cls] = tuple(out)
    return specs


def limits_of(hint: Any) -> Limits | None:
    """The :class:`Limits` written on ``hint`` itself (``Annotated[X, Limits(...)]``), or None."""
    if typing.get_origin(hint) is Annotated:
        for meta in hint.__metadata__:
            if isinstance(meta, Limits):
                return meta
    return None


def strip_annotated(hint: Any) -> Any:
    while typing.get_origin(hint) is Annotated:
        hint = hint.__origin__
    return hint


def from_valid_data(tp: Any, data: Any) -> Any:
    """The record (or value) of type ``tp`` that pydantic made of ``data`` -- for data it has
    already accepted, with JSON's own types (as :mod:`pathways.strict_json` requires).

    It converts; it checks only what conversion needs (each value's JSON type, a record's
    keys) and raises TypeError, ValueError or KeyError otherwise. Limits (lengths, ranges,
    patterns) are not checked: a caller that is not sure the data passed :func:`validate`
    must call it."""
    tp = strip_annotated(tp)
    if isinstance(tp, type) and issubclass(tp, Record):
        if not isinstance(data, Mapping):
            raise TypeError(f"{tp.__name__}: not a mapping")
        specs = field_specs(tp)
        unknown = set(data) - {spec.key for spec in specs}
        if unknown:
            raise KeyError(f"{tp.__name__}: {len(unknown)} unknown key(s)")
        strip = bool(tp.__pydantic_config__.get("str_strip_whitespace"))
        kwargs = {
            spec.name: _convert(spec.hint, data[spec.key], strip)
            for spec in specs
            if spec.key in data
        }
        return tp(**kwargs)
    return _convert(tp, data, False)


def _convert(hint: Any, value: Any, strip: bool) -> Any:
    hint = strip_annotated(hint)
    origin = typing.get_origin(hint)
    if origin is Union or origin is types.UnionType:
        if value is None:
            return None
        members = [strip_annotated(a) for a in typing.get_args(hint) if a is not type(None)]
        if isinstance(value, Mapping):
            hint = next(m for m in members if isinstance(m, type) and issubclass(m, Record))
        elif isinstance(value, list):
            hint = next(m for m in members if typing.get_origin(m) is tuple)
        else:
            hint = next(
                m
                for m in members
                if not (isinstance(m, type) and issubclass(m, Record))
                and typing.get_origin(m) is not tuple
            )
        return _convert(hint, value, strip)
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise TypeError("not a list")
        item = typing.get_args(hint)[0]
        return tuple(_convert(item, v, strip) for v in value)
    if origin is Literal:
        if value not in typing.get_args(hint):
            raise ValueError("not one of the literal's values")
        return value
    if hint is Any:
        return value
    if isinstance(hint, type):
        if issubclass(hint, Record):
            return from_valid_data(hint, value)
        if issubclass(hint, enum.Enum):
            return hint(value)
        if hint is datetime.date:
            return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)
        if hint is bool:
            if not isinstance(value, bool):
                raise TypeError("not a boolean")
            return value
        if hint is int or hint is float:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise TypeError("not a number")
            if hint is int and not isinstance(value, int):
                raise TypeError("not an integer")
            return float(value) if hint is float else value
        if hint is str:
            if not isinstance(value, str):
                raise TypeError("not text")
            return value.strip() if strip else value
        return value
    raise TypeError(f"no conversion for {hint!r}")
