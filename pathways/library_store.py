"""What the case library needs from a database connection: the contract of its two backends.

:class:`~pathways.library.CaseLibrary` holds the library's rules and SQL; a :class:`Store` holds
one connection of one backend (:mod:`pathways.library_sqlite`, :mod:`pathways.library_postgres`)
and knows that driver's transactions and errors. Nothing here imports a driver.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Any, Protocol

from pathways.library_schema import Dialect


class LibraryError(Exception):
    """The only exception the case library raises; its message is fit to show to the user."""


class LibraryUnavailable(LibraryError):
    """The library's server cannot be reached: nothing was read or changed; try again later."""


class PasswordRequired(LibraryError):
    """The server wants a password that libpq did not find (pgpass, service file) or that was
    wrong: the user may type it; it is then kept in memory only, never stored."""

    def __init__(self, message: str, where: str) -> None:
        super().__init__(message)
        self.where = where  # the server, as messages name it


# What a login may change, by the board's roles (pathways.library.CaseLibrary.rights).
RIGHTS: frozenset[str] = frozenset({"meetings", "cases", "decisions", "minutes"})


class Failure(Enum):
    """What a driver error means for the library."""

    REFUSED = "refused"  # the database refused the change (a rule, a constraint): final
    CONFLICT = "conflict"  # another workstation's transaction collided: try again
    GONE = "gone"  # the server cannot be reached: nothing can be read or written for now


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Store(Protocol):
    dialect: Dialect
    where: str  # how messages name the library: its path, or its server (never a password)
    errors: tuple[type[BaseException], ...]  # the driver's errors, which the library translates
    read_only_reason: str | None
    login: str | None  # the database login that the server stamps on records (None: SQLite)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor: ...

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...

    def begin(self, write: bool) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    @property
    def in_transaction(self) -> bool: ...

    def classify(self, exc: BaseException) -> Failure: ...

    def explain(self, exc: BaseException) -> str: ...

    def reconnect(self) -> None: ...

    def changes(self) -> ChangeFeed: ...

    def rights(self) -> frozenset[str]: ...

    def close(self) -> None: ...


class ChangeFeed(Protocol):
    """Changes committed to the library by others (another workstation, another window).

    ``fileno()`` is a socket to watch for readability (PostgreSQL's notifications), or None when
    the feed must be polled on a timer (SQLite). ``poll()`` never blocks: it returns the names
    of the tables changed since the last call (``{"*"}`` when the backend cannot tell which),
    and raises :class:`LibraryError` (:class:`LibraryUnavailable` when the server is gone).
    """

    def fileno(self) -> int | None: ...

    def poll(self) -> frozenset[str]: ...

    def close(self) -> None: ...
