"""Strict JSON input for records: what pydantic's lax mode would quietly accept, refused.

:func:`loads` refuses duplicate keys (a trailing ``"history": []`` must not erase a history) and
the non-standard constants ``NaN`` and ``Infinity``. :func:`check_shape` walks the parsed data
against a record's fields (:func:`pathways.records.field_specs`) *before* pydantic sees it and
stops at the first problem: unknown keys, JSON types that are not exactly the field's (``true``
for a number, ``0`` or a timestamp for a date, ``"yes"`` for a boolean), lists over their cap,
text that is not valid Unicode. Pydantic then only checks constraints, on data whose size is
bounded, so it never collects millions of errors.

Problems name the place and the rule, never the offending value: the caller decides which values
may be quoted (see :func:`pathways.errors.shown`).
"""

from __future__ import annotations

import dataclasses
import json
import re
import types
import typing
from collections.abc import Mapping
from datetime import date
from enum import Enum
from typing import Any, Literal, Union

from pathways.records import Record, field_specs

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class ShapeError(ValueError):
    """The first problem found: ``place`` (a path such as ``history[3].start``) and ``problem``."""

    def __init__(self, place: str, problem: str) -> None:
        self.place = place
        self.problem = problem
        super().__init__(f"{place}: {problem}")


class DuplicateKeyError(ValueError):
    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(key)


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise DuplicateKeyError(key)
        out[key] = value
    return out


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def loads(text: str) -> Any:
    """``json.loads`` refusing duplicate keys (:class:`DuplicateKeyError`) and NaN/Infinity."""
    return json.loads(text, object_pairs_hook=_unique, parse_constant=_no_constant)


def valid_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def file_keys(model: type[Record]) -> dict[str, str]:
    """Keys a file may use for ``model`` → field name (aliases in, excluded fields out)."""
    excluded = {
        spec.name
        for spec in dataclasses.fields(model)  # type: ignore[arg-type]
        # App-only state (e.g. what-if lines): never read from a file.
        if spec.metadata.get("exclude")
    }
    return {spec.key: spec.name for spec in field_specs(model) if spec.name not in excluded}


def _join(place: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{place}[{key}]"
    return f"{place}.{key}" if place else key


def check_shape(
    data: Any,
    model: type[Record],
    place: str = "",
    caps: Mapping[str, tuple[int, str]] | None = None,
    hidden: frozenset[str] = frozenset(),
) -> None:
    """Raise :class:`ShapeError` at the first place where ``data`` cannot be a ``model``.

    ``caps`` maps a field's place (``"history"``) to (most items, what an item is); other lists
    are capped at 1,000 items. Unknown keys under a place in ``hidden`` are not named (they may
    be identifiers).
    """
    caps = caps or {}
    if not isinstance(data, dict):
        raise ShapeError(place or "(top level)", "expected a JSON object")
    keys = file_keys(model)
    hints = {spec.name: spec.hint for spec in field_specs(model)}
    for key, value in data.items():
        if not valid_unicode(key):
            raise ShapeError(place or "(top level)", "a key is not valid Unicode text")
        if key not in keys:
            if place in hidden:
                raise ShapeError(place, "unknown key (not a case-file key)")
            name = key if len(key) <= 40 else key[:39] + "…"
            raise ShapeError(_join(place, json.dumps(name)[1:-1]), "unknown key")
        _check_value(value, hints[keys[key]], _join(place, key), caps, hidden)


def _check_value(
    value: Any, tp: Any, place: str, caps: Mapping[str, tuple[int, str]], hidden: frozenset[str]
) -> None:
    problem = _problem(value, tp, place, caps, hidden)
    if problem is not None:
        raise ShapeError(place, problem)


def _problem(
    value: Any, tp: Any, place: str, caps: Mapping[str, tuple[int, str]], hidden: frozenset[str]
) -> str | None:
    """What is wrong with ``value`` as a ``tp``, or None; nested models raise themselves."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _problem(value, typing.get_args(tp)[0], place, caps, hidden)
    if origin in (Union, types.UnionType):
        members = typing.get_args(tp)
        if value is None and type(None) in members:
            return None
        problems = []
        for member in members:
            if member is type(None):
                continue
            problem = _problem(value, member, place, caps, hidden)
            if problem is None:
                return None
            problems.append(problem)
        return problems[0] if problems else "must not be null"
    if origin is Literal:
        allowed = typing.get_args(tp)
        if any(type(value) is type(a) and value == a for a in allowed):
            return None
        return "expected one of " + ", ".join(json.dumps(a) for a in allowed)
    if origin in (tuple, list):
        if not isinstance(value, list):
            return "expected a JSON array"
        most, what = caps.get(place, (1000, "items"))
        if len(value) > most:
            return f"has {len(value):,} {what}; the limit is {most:,}"
        args = [a for a in typing.get_args(tp) if a is not Ellipsis]
        item = args[0] if args else Any
        for i, element in enumerate(value):
            _check_value(element, item, _join(place, i), caps, hidden)
        return None
    if tp is Any:
        return None
    if value is None:
        return "must not be null"
    if isinstance(tp, type):
        if issubclass(tp, Record):
            check_shape(value, tp, place, caps, hidden)
            return None
        if tp is bool:
            return None if isinstance(value, bool) else "expected true or false"
        if tp is int:
            ok = type(value) is int
            return None if ok else "expected a whole number"
        if tp is float:
            ok = type(value) in (int, float)
            return None if ok else "expected a number"
        if tp is date:
            if isinstance(value, str) and _ISO_DATE.fullmatch(value):
                return None
            return "expected a date as text, YYYY-MM-DD"
        if tp is str or issubclass(tp, Enum):
            if not isinstance(value, str):
                return "expected text"
            return None if valid_unicode(value) else "text is not valid Unicode"
    return None
