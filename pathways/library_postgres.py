"""The PostgreSQL backend of the case library: one database shared by a tumor board.

Imported only when such a library is opened (psycopg is not paid for at start-up otherwise).

- **Where**: a ``postgresql://user@host:port/db?sslmode=verify-full`` URL or ``service=NAME``
  (libpq's service file). Passwords are never taken in the address: libpq reads them from
  ``~/.pgpass`` (``%APPDATA%\\postgresql\\pgpass.conf``) or a service file, so the app never
  stores one. TLS is libpq's: ``sslmode=verify-full`` with ``sslrootcert`` checks the server.
- **Transactions**: an edit of a meeting (agenda, attendees, decisions, minutes) first locks the
  meeting's row, so edits of one meeting from several workstations run one after the other,
  each at READ COMMITTED and so seeing the one before; a deadlock or serialization failure
  (SQLSTATE 40P01/40001) rolls one edit back whole and the library runs it again (see
  :func:`pathways.library._retried`). Reads run in one REPEATABLE READ snapshot.
- **Bounded waits**: connection, statement, lock and keep-alive time-outs, so a server that goes
  away mid-meeting is noticed within seconds instead of hanging the window.
- **Reconnection**: a broken connection is replaced at the next use.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from contextlib import suppress
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg import pq
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from pathways.library_schema import NOTIFY_CHANNEL, POSTGRESQL, SCHEMA_VERSION, migration
from pathways.library_store import (
    ChangeFeed,
    Cursor,
    Failure,
    LibraryError,
    LibraryUnavailable,
    PasswordRequired,
)

CONNECT_TIMEOUT_S = 5.0
_STATEMENT_TIMEOUT_MS = 30_000
_LOCK_TIMEOUT_MS = 10_000

# The roles of a board (created by docs/postgresql-roles.sql), named in refusals.
ROLES_HELP = (
    "the board's roles are pathways_coordinator (meetings, agendas, attendees), "
    "pathways_member (cases and decisions) and pathways_chair (sign-off and amendments)"
)

_SCHEMA_LOCK = 0x70617468  # "path": one migration at a time across workstations

_GONE_CLASSES = ("08", "57P")  # connection exceptions, server shut down / crashed


class PostgresStore:
    """One connection to a library database (and the means to replace it)."""

    dialect = POSTGRESQL
    errors: tuple[type[BaseException], ...] = (psycopg.Error,)

    def __init__(
        self,
        conninfo: str,
        conn: psycopg.Connection[Any],
        read_only_reason: str | None,
        password: str | None = None,
    ) -> None:
        self._conninfo = conninfo
        self._password = password  # typed by the user: in memory only, for reconnections
        self._conn = conn
        self.where = describe(conninfo)
        self.read_only_reason = read_only_reason
        self.login: str | None = _login(conn)

    @classmethod
    def open(
        cls, location: str, *, read_only: bool, timeout: float, password: str | None = None
    ) -> PostgresStore:
        conninfo = _conninfo(location, timeout)
        where = describe(conninfo)
        try:
            conn = _connect(conninfo, password)
        except psycopg.Error as exc:
            if _asks_for_password(exc):
                why = "a wrong password" if password else "no password found"
                raise PasswordRequired(
                    f"{where}: the server asks for a password ({why}); it can be typed, or "
                    "kept in the PostgreSQL password file (pgpass) or a service file",
                    where,
                ) from None
            raise LibraryError(f"{where}: {_explain(exc, None)}") from None
        login = None
        try:
            login = _login(conn)
            _prepare(conn, where, read_only)
        except psycopg.Error as exc:
            conn.close()
            raise LibraryError(
                f"{where}: cannot open the case library: {_explain(exc, login)}"
            ) from None
        except BaseException:
            conn.close()
            raise
        return cls(conninfo, conn, "opened read-only" if read_only else None, password)

    @property
    def backend_pid(self) -> int:
        return self._conn.info.backend_pid

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        return self._conn.execute(_placeholders(sql), params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        with self._conn.cursor() as cur:
            cur.executemany(_placeholders(sql), rows)

    def begin(self, write: bool) -> None:
        statement = (
            "BEGIN ISOLATION LEVEL READ COMMITTED"
            if write
            else "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
        )
        if self._conn.closed or self._conn.broken:
            self.reconnect()
        try:
            self._conn.execute(statement)
        except psycopg.OperationalError as exc:
            if not _is_gone(exc):
                raise
            # The connection died while idle (server restarted, backend terminated): nothing
            # had begun, so a new connection can take over without losing anything.
            self.reconnect()
            self._conn.execute(statement)

    def commit(self) -> None:
        if self.in_transaction:
            self._conn.execute("COMMIT")

    def rollback(self) -> None:
        if self.in_transaction:
            self._conn.execute("ROLLBACK")

    @property
    def in_transaction(self) -> bool:
        if self._conn.closed:
            return False
        return self._conn.info.transaction_status != pq.TransactionStatus.IDLE

    def classify(self, exc: BaseException) -> Failure:
        if isinstance(exc, pg_errors.SerializationFailure | pg_errors.DeadlockDetected):
            return Failure.CONFLICT
        if _is_gone(exc) or self._conn.closed or self._conn.broken:
            return Failure.GONE
        return Failure.REFUSED

    def explain(self, exc: BaseException) -> str:
        return _explain(exc, self.login)

    def reconnect(self) -> None:
        """Replace a broken connection; raises the driver's error while the server is away."""
        if not (self._conn.closed or self._conn.broken):
            return
        self._conn.close()
        self._conn = _connect(self._conninfo, self._password)
        self.login = _login(self._conn)

    def rights(self) -> frozenset[str]:
        """What the database grants this login (docs/postgresql-roles.sql), as RIGHTS."""
        row = self.execute(
            "SELECT has_table_privilege('meetings', 'INSERT')"
            " AND has_table_privilege('agenda', 'INSERT'),"
            " has_table_privilege('cases', 'INSERT'),"
            " has_table_privilege('decisions', 'INSERT'),"
            " has_table_privilege('meeting_signoffs', 'INSERT')"
        ).fetchone()
        granted = zip(("meetings", "cases", "decisions", "minutes"), row or (), strict=False)
        return frozenset(name for name, ok in granted if ok)

    def changes(self) -> ChangeFeed:
        return NotifyFeed(self._conninfo, self._password, lambda: self._conn.info.backend_pid)

    def close(self) -> None:
        self._conn.close()


class NotifyFeed:
    """The other workstations' commits, as PostgreSQL's notifications on their own connection."""

    def __init__(self, conninfo: str, password: str | None, own_pid: Any) -> None:
        self._conninfo = conninfo
        self._password = password
        self._own_pid = own_pid  # this workstation's own changes are refreshed already
        self._conn: psycopg.Connection[Any] = _connect(conninfo, password)
        self._conn.execute(f"LISTEN {NOTIFY_CHANNEL}")

    def fileno(self) -> int | None:
        return None if self._conn.closed else self._conn.fileno()

    def poll(self) -> frozenset[str]:
        """Tables changed by others since the last call; LibraryUnavailable when gone."""
        try:
            if self._conn.closed or self._conn.broken:
                # Reconnect, and report everything changed: notifications sent meanwhile are
                # lost.
                self._conn.close()
                self._conn = _connect(self._conninfo, self._password)
                self._conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                return frozenset({"*"})
            own = self._own_pid()
            return frozenset(n.payload for n in self._conn.notifies(timeout=0) if n.pid != own)
        except psycopg.Error as exc:
            raise LibraryUnavailable(
                f"{describe(self._conninfo)}: {_explain(exc, None)}; changes made elsewhere "
                "are not shown until it is back"
            ) from None

    def close(self) -> None:
        with suppress(psycopg.Error):  # a broken connection may complain while closing
            self._conn.close()


def describe(conninfo: str) -> str:
    """The library's server for messages: host, port and database (never a password)."""
    try:
        parts = conninfo_to_dict(conninfo)
    except psycopg.Error:
        return "PostgreSQL library"
    if "service" in parts:
        return f"PostgreSQL service {parts['service']}"
    host = str(parts.get("host") or "local socket")
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"PostgreSQL {host}{port}/{parts.get('dbname') or parts.get('user') or ''}"


# A real address is a line; anything longer is refused before libpq parses it.
MAX_ADDRESS_CHARS = 2_000


def _conninfo(location: str, timeout: float) -> str:
    if len(location) > MAX_ADDRESS_CHARS:
        raise LibraryError(
            f"the library's address is over {MAX_ADDRESS_CHARS:,} characters: not an address"
        )
    try:
        parts = conninfo_to_dict(location.strip())
    except psycopg.Error:
        raise LibraryError(
            "this is not a PostgreSQL address: write postgresql://USER@HOST:PORT/DATABASE "
            "or service=NAME"
        ) from None
    if "password" in parts:  # what libpq would read, however it was written
        raise LibraryError(
            "the library's address holds a password: put it in the PostgreSQL password file "
            "(pgpass) or a service file instead, so that it is not stored or shown"
        )
    options = (
        f"-c statement_timeout={_STATEMENT_TIMEOUT_MS} -c lock_timeout={_LOCK_TIMEOUT_MS}"
        " -c idle_in_transaction_session_timeout=60000"
    )
    return make_conninfo(
        location.strip(),
        connect_timeout=str(max(1, round(timeout))),
        application_name="her2-pathways",
        options=options,
        # A server gone without closing the connection (cable, crash) is noticed in seconds.
        keepalives="1",
        keepalives_idle="5",
        keepalives_interval="2",
        keepalives_count="3",
        tcp_user_timeout="10000",
    )


def _connect(conninfo: str, password: str | None = None) -> psycopg.Connection[Any]:
    # autocommit: the library issues BEGIN / COMMIT itself, as it does on SQLite. A typed
    # password goes to libpq as a parameter, never into the address that messages show.
    if password:
        return psycopg.Connection.connect(conninfo, autocommit=True, password=password)
    return psycopg.Connection.connect(conninfo, autocommit=True)


def _asks_for_password(exc: BaseException) -> bool:
    """libpq found no password for a server that wants one, or the password was refused."""
    state = getattr(exc, "sqlstate", None)
    text = str(exc)
    return (
        state == "28P01"
        or "no password supplied" in text
        or "password authentication failed" in text
    )


def _login(conn: psycopg.Connection[Any]) -> str:
    row = conn.execute("SELECT session_user").fetchone()
    return str(row[0]) if row else ""


def _prepare(conn: psycopg.Connection[Any], where: str, read_only: bool) -> None:
    """Check that the database is a case library this app understands; create or migrate it."""
    version = _version(conn)
    if version is None:
        if _has_tables(conn):
            raise LibraryError(
                f"{where}: this database holds other tables, so it is not a case library; "
                "it was not opened or changed"
            )
        version = 0
    if version > SCHEMA_VERSION:
        raise LibraryError(
            f"{where}: this case library was written by a newer version of the app "
            f"(schema {version}, this app understands up to {SCHEMA_VERSION}); "
            "it was not opened or changed"
        )
    if version == SCHEMA_VERSION:
        return
    if read_only:
        raise LibraryError(
            f"{where}: this case library must be created or upgraded (schema {version}), "
            "which a read-only opening cannot do"
        )
    try:
        _migrate(conn)
    except pg_errors.InsufficientPrivilege:
        raise LibraryError(
            f"{where}: the case library must be created or upgraded (schema {version}) and "
            "your login may not create its tables: ask the database's administrator to open "
            "it once with the owner's login"
        ) from None


def _migrate(conn: psycopg.Connection[Any]) -> None:
    # Two workstations opening a new library at once: one migrates, the other waits, then
    # finds it done. A session lock taken outside the migration's transaction, so that the
    # version is read in a new transaction (one that sees the other's committed tables).
    conn.execute("SELECT pg_advisory_lock(%s)", (_SCHEMA_LOCK,))
    try:
        version = _version(conn) or 0
        with conn.transaction():
            while version < SCHEMA_VERSION:
                for statement in migration(POSTGRESQL, version):
                    conn.execute(statement)
                version += 1
                conn.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (version,))
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (_SCHEMA_LOCK,))


def _version(conn: psycopg.Connection[Any]) -> int | None:
    row = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
    if not row or not row[0]:
        return None
    row = conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
    return int(row[0]) if row else 0


def _has_tables(conn: psycopg.Connection[Any]) -> bool:
    row = conn.execute(
        "SELECT count(*) FROM pg_catalog.pg_tables"
        " WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
    ).fetchone()
    return bool(row and row[0])


@functools.lru_cache(maxsize=256)
def _placeholders(sql: str) -> str:
    """The library's ``?`` placeholders as psycopg's ``%s`` (the SQL holds no other ? or %)."""
    return sql.replace("%", "%%").replace("?", "%s")


def _is_gone(exc: BaseException) -> bool:
    if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
        state = getattr(exc, "sqlstate", None)
        return state is None or state.startswith(_GONE_CLASSES)
    return False


def _explain(exc: BaseException, login: str | None) -> str:
    """psycopg's error in words; server messages of our own guards are passed on as they are."""
    state = getattr(exc, "sqlstate", None) or ""
    if isinstance(exc, pg_errors.RaiseException):  # a guard of the schema: our own message
        return exc.diag.message_primary or "the database refused the change"
    if isinstance(exc, pg_errors.InsufficientPrivilege):
        who = f"your login {login!r}" if login else "your login"
        return f"{who} is not allowed to do this ({ROLES_HELP}); nothing was changed"
    if "certificate" in str(exc) or "does not support SSL" in str(exc):
        return (
            "the secure connection failed: the server's certificate could not be checked "
            "(sslrootcert), does not name this server, or the server does not offer TLS"
        )
    if state.startswith("28"):
        return "the server refused the login (check the user name, pgpass or the service file)"
    if state == "3D000":
        return "there is no such database on the server"
    if isinstance(exc, pg_errors.UniqueViolation):
        return "another workstation has just made the same entry; nothing was changed"
    if isinstance(exc, pg_errors.ForeignKeyViolation):
        return "a record it refers to is gone (removed on another workstation?)"
    if isinstance(exc, pg_errors.QueryCanceled | pg_errors.LockNotAvailable):
        return "the server did not answer in time (busy or locked); nothing was changed"
    if _is_gone(exc):
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        detail = f" ({first})" if first else ""
        return f"the library's server cannot be reached{detail}"
    return f"the database refused it (SQLSTATE {state or 'unknown'})"
