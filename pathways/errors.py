"""Exceptions the domain raises for bad input.

Every error names the file, the place in it and what is wrong, so the command line can print
one line and the window can show one dialog. Nothing here ever carries patient identifiers.
"""

from __future__ import annotations


class PathwayError(Exception):
    """Base class for every error caused by input (content, case files, imports)."""

    def __init__(self, source: str, place: str, problem: str) -> None:
        self.source = source
        self.place = place
        self.problem = problem
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
