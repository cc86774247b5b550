"""Exceptions the domain raises for bad input, and the one way to quote a value in them.

Every error names the file, the place in it and what is wrong, so the command line can print
one line and the window can show one dialog. Nothing here ever carries patient identifiers:
callers quote values only through :func:`shown`, never from the ``patient`` block, free-text
fields or unknown keys, and every part of the line is cut to a bounded length (a megabyte-long
value must not freeze a dialog).
"""

from __future__ import annotations

import json

MAX_SHOWN = 80
"""Characters of a quoted value kept in an error message."""
_MAX_SOURCE = 200
_MAX_PLACE = 160
_MAX_PROBLEM = 400


def cut(text: str, limit: int) -> str:
    """``text`` on one line, at most ``limit`` characters (an ellipsis marks a cut)."""
    text = " ".join(text.split()) if ("\n" in text or "\r" in text) else text
    return text if len(text) <= limit else text[: limit - 1] + "…"


def shown(value: object, limit: int = MAX_SHOWN) -> str:
    """A value quoted for an error message: JSON-escaped (one line, ASCII) and cut."""
    try:
        text = json.dumps(value, ensure_ascii=True, default=str)
    except (TypeError, ValueError, RecursionError):
        text = type(value).__name__
    return cut(text, limit)


# Control characters (a terminal escape sequence in a file name) are shown, not obeyed.
_CONTROLS = {c: f"\\x{c:02x}" for c in (*range(32), 127)}


def _printable(text: str) -> str:
    # Lone surrogates (from undecodable file names) cannot be printed or encoded: escape them.
    return text.encode("utf-8", "backslashreplace").decode("utf-8").translate(_CONTROLS)


class PathwayError(Exception):
    """Base class for every error caused by input (content, case files, imports)."""

    def __init__(self, source: str, place: str, problem: str) -> None:
        self.source = _printable(cut(source, _MAX_SOURCE))
        self.place = _printable(cut(place, _MAX_PLACE))
        self.problem = _printable(cut(problem, _MAX_PROBLEM))
        super().__init__(self.one_line())

    def one_line(self) -> str:
        where = f"{self.source}: {self.place}" if self.place else self.source
        return f"{where}: {self.problem}"


class ContentError(PathwayError):
    """The clinical content (resources/pathway/*.yaml) is malformed or inconsistent."""


class ContentErrors(ContentError):
    """Several content problems found in one validation pass."""

    def __init__(self, errors: list[ContentError]) -> None:
        self.errors = errors
        first = errors[0]
        super().__init__(first.source, first.place, first.problem)

    def one_line(self) -> str:
        if len(self.errors) == 1:
            return self.errors[0].one_line()
        return f"{self.errors[0].one_line()} (and {len(self.errors) - 1} more problems)"


class CaseError(PathwayError):
    """A case file is unreadable, malformed, or describes an impossible history."""


class AmbiguousRegimenError(CaseError):
    """A line names a drug that could be several regimens in its setting ("lapatinib"): the
    command line reports the candidates; the window lets the user pick one."""

    def __init__(
        self, index: int, candidates: tuple[str, ...], source: str, place: str, problem: str
    ) -> None:
        super().__init__(source, place, problem)
        self.index = index
        self.candidates = candidates
