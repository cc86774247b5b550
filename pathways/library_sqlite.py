"""The SQLite backend of the case library: one file on one workstation (the default).

Opening checks the file before SQLite reads it (a folder, a FIFO, another program's file are
refused untouched), falls back to read-only where the file, folder or disk cannot be written,
and migrates an older library in place, one transaction per schema version. Writes take
SQLite's write lock up front (``BEGIN IMMEDIATE``): the checks made inside a transaction then
still hold when its writes happen, even with another process on the same file.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import urllib.parse
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

from pathways.library_schema import SCHEMA_VERSION, SQLITE, migration
from pathways.library_store import RIGHTS, ChangeFeed, Cursor, Failure, LibraryError

_SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_S = 5.0

# SQLite's primary result codes (the low byte of an extended code).
_SQLITE_PERM, _SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY = 3, 5, 6, 8
_SQLITE_IOERR, _SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_NOTADB = 10, 11, 13, 14, 26


class SqliteStore:
    """One connection to a library file."""

    dialect = SQLITE
    errors: tuple[type[BaseException], ...] = (sqlite3.Error,)
    login: str | None = None

    def __init__(
        self, conn: sqlite3.Connection, path: Path, read_only_reason: str | None, timeout: float
    ) -> None:
        self._conn = conn
        self.path = path
        self.where = str(path)
        self.read_only_reason = read_only_reason
        self._timeout = timeout

    @classmethod
    def open(cls, path: Path, *, read_only: bool, timeout: float) -> SqliteStore:
        reason = "opened read-only" if read_only else None
        exists = _check_file(path)
        if exists:
            reason = reason or _unwritable(path)
        elif read_only:
            raise LibraryError(f"{path}: there is no case library there")
        else:
            _make_folder(path)
        try:
            conn = _connect(path, reason is not None, timeout)
        except sqlite3.Error as exc:
            raise LibraryError(f"{path}: {_explain(exc, timeout)}") from None
        except UnicodeDecodeError:
            raise LibraryError(f"{path}: this is not a case library or it is damaged") from None
        try:
            _prepare(conn, path, reason, timeout)
        except BaseException:
            conn.close()
            raise
        return cls(conn, path, reason, timeout)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        return self._conn.execute(sql, params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._conn.executemany(sql, rows)

    def begin(self, write: bool) -> None:
        # A read of several statements sees one snapshot (BEGIN takes no lock until it reads).
        self._conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")

    def commit(self) -> None:
        if self._conn.in_transaction:
            self._conn.execute("COMMIT")

    def rollback(self) -> None:
        if self._conn.in_transaction:
            self._conn.execute("ROLLBACK")

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction

    def classify(self, exc: BaseException) -> Failure:
        # SQLite's busy timeout already waited for the other writer; no retry on top of it.
        return Failure.REFUSED

    def explain(self, exc: BaseException) -> str:
        assert isinstance(exc, sqlite3.Error)
        return _explain(exc, self._timeout)

    def reconnect(self) -> None:
        """A file does not go away like a server: nothing to do."""

    def changes(self) -> ChangeFeed:
        return _DataVersionFeed(self.path, self._timeout)

    def rights(self) -> frozenset[str]:
        """A file has no logins: whoever may write it may do everything."""
        return RIGHTS

    def close(self) -> None:
        self._conn.close()


class _DataVersionFeed:
    """Commits by other connections (another window or program), seen by polling.

    ``PRAGMA data_version`` changes when another connection commits to the file; this feed has
    its own connection, so the app's own edits count too.
    """

    def __init__(self, path: Path, timeout: float) -> None:
        self._path = path
        self._conn: sqlite3.Connection | None = _connect(path, True, timeout)
        self._version = self._read()

    def _read(self) -> int:
        if self._conn is None:
            return 0
        value: int = self._conn.execute("PRAGMA data_version").fetchone()[0]
        return value

    def fileno(self) -> int | None:
        return None

    def poll(self) -> frozenset[str]:
        try:
            version = self._read()
        except sqlite3.Error as exc:
            raise LibraryError(
                f"{self._path}: cannot watch the case library: {_explain(exc)}"
            ) from None
        if version == self._version:
            return frozenset()
        self._version = version
        return frozenset({"*"})

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()


def create_v1_database(path: Path) -> None:
    """Write an empty schema-1 library, as the first release did (for migration tests)."""
    create_database(path, 1)


def create_database(path: Path, version: int) -> None:
    """Write an empty library at schema ``version`` (for migration tests)."""
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        for old in range(version):
            _apply_migration(conn, old)


def _prepare(conn: sqlite3.Connection, path: Path, read_only: str | None, timeout: float) -> None:
    """Check the version, then configure and migrate the freshly opened connection."""
    try:
        # Only reads happen until the version is known to be one this app understands, so that
        # a newer app's library is left exactly as it was.
        version = _user_version(conn)
        if version == 0 and conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            raise LibraryError(
                f"{path}: this SQLite database is not a case library; it was not opened or changed"
            )
    except sqlite3.Error as exc:
        raise LibraryError(
            f"{path}: {_explain(exc, timeout)}; it was not opened or changed"
        ) from None
    except UnicodeDecodeError:  # a damaged file can make even SQLite's messages unreadable
        raise LibraryError(
            f"{path}: this is not a case library or it is damaged; it was not opened or changed"
        ) from None
    refuse_newer(str(path), version)
    if read_only is not None and version < SCHEMA_VERSION:
        raise LibraryError(
            f"{path}: this case library is from an older version of the app (schema {version}) "
            f"and must be upgraded, but {read_only}; open it once where it can be written"
        )
    try:
        conn.create_function("casefold", 1, _casefold, deterministic=True)
        if read_only is not None:
            conn.execute("PRAGMA query_only = ON")
            return
        conn.execute("PRAGMA journal_mode = WAL")
        # FULL rather than NORMAL: in WAL mode NORMAL may drop the last commits on power loss,
        # and a tumor-board decision that was shown as saved must stay saved. The extra fsync
        # per edit is imperceptible at the pace of human edits.
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        if version < SCHEMA_VERSION:
            _migrate(conn, path)
    except sqlite3.Error as exc:
        raise LibraryError(
            f"{path}: cannot prepare the case library: {_explain(exc, timeout)}"
        ) from None
    except UnicodeDecodeError:
        raise LibraryError(f"{path}: the case library is damaged; it was not changed") from None


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    while True:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Re-read under the write lock: another instance of the app may have just migrated.
            version = _user_version(conn)
            if version >= SCHEMA_VERSION:
                conn.execute("COMMIT")
                refuse_newer(str(path), version)
                return
            _apply_migration(conn, version)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise


def _apply_migration(conn: sqlite3.Connection, version: int) -> None:
    """Run the migration from ``version`` inside the caller's transaction, or its own."""
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN IMMEDIATE")
    for statement in migration(SQLITE, version):
        conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {version + 1}")
    if own:
        conn.execute("COMMIT")


def refuse_newer(where: str, version: int) -> None:
    if version > SCHEMA_VERSION:
        raise LibraryError(
            f"{where}: this case library was written by a newer version of the app "
            f"(schema {version}, this app understands up to {SCHEMA_VERSION}); "
            "it was not opened or changed"
        )


def _check_file(path: Path) -> bool:
    """Whether a library file exists; refuses anything but a regular SQLite file or nothing."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise LibraryError(f"{path}: cannot read the case library ({exc.strerror})") from None
    if stat.S_ISDIR(st.st_mode):
        raise LibraryError(f"{path}: this is a folder, not a case library")
    if not stat.S_ISREG(st.st_mode):
        # A FIFO or a device would block or never end; nothing is read from it.
        raise LibraryError(f"{path}: this is not a regular file, so not a case library")
    try:
        with path.open("rb") as f:
            head = f.read(len(_SQLITE_MAGIC))
    except OSError as exc:
        raise LibraryError(f"{path}: cannot read the case library ({exc.strerror})") from None
    # SQLite treats an empty file as an empty database, so that one is acceptable.
    if head and head != _SQLITE_MAGIC:
        raise LibraryError(
            f"{path}: this is not a case library (not an SQLite database); "
            "it was not opened or changed"
        )
    return True


def _unwritable(path: Path) -> str | None:
    """Why an existing library cannot be written here, or None if it can."""
    try:
        if os.statvfs(path.parent).f_flag & os.ST_RDONLY:
            return "it is on a read-only disk"
    except (OSError, AttributeError):  # no statvfs (Windows): the access checks must do
        pass
    if not os.access(path, os.W_OK):
        return "the file is read-only"
    if not os.access(path.parent, os.W_OK):
        # SQLite needs to create its journal files next to the database.
        return "its folder is read-only"
    return None


def _make_folder(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LibraryError(
            f"{path}: cannot create the case library's folder ({exc.strerror})"
        ) from None
    if not os.access(path.parent, os.W_OK):
        raise LibraryError(f"{path}: cannot create the case library there: the folder is read-only")


def _connect(path: Path, read_only: bool, timeout: float) -> sqlite3.Connection:
    # isolation_level=None: this class issues BEGIN/COMMIT itself, so that the sqlite3 module
    # never opens or commits a transaction behind its back.
    if not read_only:
        return sqlite3.connect(path, timeout=timeout, isolation_level=None)
    uri = "file:" + urllib.parse.quote(str(path.absolute())) + "?mode=ro"
    conn = sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.Error as exc:
        if exc.sqlite_errorcode & 0xFF not in (_SQLITE_CANTOPEN, _SQLITE_READONLY):
            conn.close()
            raise
        conn.close()
    # A WAL library in a folder where SQLite cannot create its shared-memory file: read it
    # as an immutable file (nothing can change it there, so nothing is missed).
    return sqlite3.connect(uri + "&immutable=1", uri=True, timeout=timeout, isolation_level=None)


def _explain(exc: sqlite3.Error, timeout: float = BUSY_TIMEOUT_S) -> str:
    """SQLite's failure in words that say what is wrong (SQLite's messages quote no data)."""
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    if code in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return (
            f"another program holds its lock (waited {timeout:g} s); close the other program "
            "or try again"
        )
    if code == _SQLITE_READONLY:
        return "it is read-only here (the file, its folder or the disk does not allow writing)"
    if code == _SQLITE_PERM:
        return "permission denied"
    if code == _SQLITE_CANTOPEN:
        return "the file cannot be opened (check that you may read and write it and its folder)"
    if code == _SQLITE_FULL:
        return "the disk is full"
    if code == _SQLITE_IOERR:
        return "the disk reported an error while reading or writing"
    if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
        return "this is not a case library or it is damaged"
    if not code:
        # Raised by Python's sqlite3 module rather than SQLite (such as "Could not decode to
        # UTF-8 column 'label' with text '…'"), and such a message may quote stored text.
        return "a stored value cannot be read (the library is damaged)"
    return str(exc)


def _casefold(value: object) -> str | None:
    # Called by SQLite on stored labels: a damaged (non-text) label must not raise inside SQL.
    return value.casefold() if isinstance(value, str) else None


def _user_version(conn: sqlite3.Connection) -> int:
    version: int = conn.execute("PRAGMA user_version").fetchone()[0]
    return version
