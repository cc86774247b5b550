"""YAML read with places: every problem names the file, the line and the path inside it.

Shared by the content loader, the scenario library and the site file: each reads its text with
:func:`read_yaml` (bounded, no aliases, duplicate keys refused, dates kept as text) and validates
it with :func:`validate`, which turns the validation errors (:func:`pathways.records.validate`)
into the caller's error class with the line of each. :func:`compose` gives the node tree for
checks made after validation, and :func:`place_of` names a place in it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

from pathways.errors import ContentError, ContentErrors, shown
from pathways.records import Record, RecordError
from pathways.records import validate as validate_record

if TYPE_CHECKING:
    import yaml

M = TypeVar("M", bound=Record)

# PyYAML is imported when a file is first read (~12 ms): a start whose content comes from the
# cache (pathways.content_cache) reads no YAML at all.


@cache
def _loader() -> type[yaml.SafeLoader]:
    """The safe loader, stricter: duplicate keys are refused and dates stay text.

    PyYAML keeps the last of two equal keys silently (a second ``evidence:`` would erase the
    first), and builds dates itself, raising a bare ValueError for ``2026-13-45``; as text, the
    date is checked by pydantic with the file, line and place like any other value.
    """
    import yaml

    # libyaml's loader is ten times faster than the pure-Python one; fall back where missing.
    base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class _Loader(base):  # type: ignore[valid-type,misc]
        def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict[Any, Any]:
            if isinstance(node, yaml.MappingNode):
                seen: set[Any] = set()
                for key_node, _ in node.value:
                    key = self.construct_object(key_node, deep=True)
                    try:
                        duplicate = key in seen
                        seen.add(key)
                    except TypeError:  # an unhashable key: the base class reports it
                        continue
                    if duplicate:
                        raise yaml.constructor.ConstructorError(
                            "while reading a mapping",
                            node.start_mark,
                            f"duplicate key {shown(key, 60)}",
                            key_node.start_mark,
                        )
            mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
            return mapping

    _Loader.add_constructor("tag:yaml.org,2002:timestamp", base.construct_yaml_str)
    loader: type[yaml.SafeLoader] = _Loader
    return loader


def line_of(node: yaml.Node | None, loc: Iterable[int | str]) -> int | None:
    """The 1-based line of the deepest YAML node reachable along a pydantic error location."""
    import yaml

    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            key = "from" if part == "from_" else part
            nxt = next((v for k, v in node.value if getattr(k, "value", None) == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            nxt = node.value[part] if 0 <= part < len(node.value) else None
        else:
            continue  # union tags such as "ComponentChoice" are not in the YAML
        if nxt is None:
            break
        node = nxt
        line = node.start_mark.line + 1
    return line


def place(loc: Iterable[int | str], line: int | None) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part[:1].isupper() or part == "str" or part.startswith("function-"):
            continue  # a union member's tag (a class, "str", a checked record), not a key
        else:
            path += f".{part}" if path else part
    path = path.replace("from_", "from")
    return f"line {line}, {path}" if line else path


def place_of(root: yaml.Node | None, loc: tuple[int | str, ...]) -> str:
    """``line N, a.b[2]``: the place of ``loc`` in the node tree ``root``."""
    return place(loc, line_of(root, loc))


@dataclass
class Parsed:
    name: str
    text: str
    data: Any


def read_yaml(name: str, text: str, limit: int) -> Parsed:
    """Parse one file's text (at most ``limit`` characters), or raise a placed ContentError."""
    if len(text) > limit:
        raise ContentError(name, "", f"file is too large ({len(text):,} bytes)")
    import yaml

    loader = _loader()
    try:
        # Content needs no anchors/aliases, and aliases allow "billion laughs" expansion: refuse
        # them before anything is built.
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, yaml.AliasEvent):
                mark = event.start_mark
                where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
                raise ContentError(name, where, "aliases (*name) are not allowed in content files")
        data = yaml.load(text, Loader=loader)  # a safe loader (C or Python)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ContentError(name, where, f"not valid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise ContentError(name, "", f"not valid YAML: {exc}") from None
    except RecursionError:
        raise ContentError(name, "", "YAML is nested too deeply") from None
    except (ValueError, TypeError, OverflowError) as exc:  # a value PyYAML cannot build
        raise ContentError(name, "", f"not valid YAML: {exc}") from None
    return Parsed(name, text, data)


def compose(parsed: Parsed) -> yaml.Node | None:
    """The node tree of a file already read: built only when a place must be named."""
    import yaml

    root: yaml.Node | None = yaml.compose(parsed.text, Loader=_loader())
    return root


def found_shown(value: object) -> str:
    """The content loader's way to quote a value: JSON-escaped and cut (see errors.shown)."""
    return "" if isinstance(value, dict | list) else f" (found {shown(value)})"


def found_repr(limit: int) -> Callable[[object], str]:
    """Quote short scalars only, as Python shows them, the whole note cut to ``limit``."""

    def found(value: object) -> str:
        if isinstance(value, dict | list) or value is None:
            return ""
        return f" (found {value!r})"[:limit]

    return found


def validate(
    parsed: Parsed,
    model: type[M],
    error: type[ContentError] = ContentError,
    found: Callable[[object], str] = found_shown,
) -> M:
    """``model`` validated from the file's data, or ContentErrors placed by line and path.

    ``error`` is the class of each error raised, and ``found`` quotes the value at fault (an
    empty string to show none).
    """
    try:
        return validate_record(model, parsed.data)
    except RecordError as exc:
        # Only now build the node tree: it is needed to name the lines, and costs a second parse.
        root = compose(parsed)
        errors: list[ContentError] = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            msg = err["msg"].removeprefix("Value error, ")
            errors.append(error(parsed.name, place_of(root, loc), msg + found(err.get("input"))))
        raise ContentErrors(errors) from None
