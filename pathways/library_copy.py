"""``python -m pathways library copy SRC DST``: move a whole case library to another database.

SQLite → PostgreSQL when a board starts sharing its library, PostgreSQL → SQLite for an archive
or a workstation that leaves the network, and SQLite → SQLite or PostgreSQL → PostgreSQL. Every
row keeps its id, its times and who recorded it: cases, meetings, agendas, attendees, every
decision version (old ones without a snapshot included) and the minutes' whole sign-off history.

- SRC is opened read-only and read twice, each time in one snapshot: first to check every value
  fits the target (nothing is created or changed anywhere if one does not), then to copy.
- DST is opened (created, migrated) as usual and must hold no case and no meeting.
- The copy is one transaction on DST: all rows or none. The database's rules would refuse
  history as it is (decisions recorded before snapshots existed) or rewrite it (PostgreSQL
  stamps the login on every new decision and sign-off), so those rules are lifted inside that
  transaction only and are back before it commits; nobody else ever sees them lifted.
- After the commit, every table is read back from DST and its row count and SHA-256 digest are
  compared with SRC's (:func:`table_digests`); a difference names the table.

No message quotes a stored value: only tables, columns and ids.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# A friend module of pathways.library: it runs inside the library's own write transaction
# (CaseLibrary._write) and its connection (CaseLibrary._connection), and recognises the
# library's collision signal (_Conflict), so that the copy is one transaction like any edit.
from pathways.library import (
    CaseLibrary,
    LibraryError,
    LibraryUnavailable,
    _Conflict,
    is_server_location,
)
from pathways.library_schema import (
    MIGRATIONS,
    POSTGRESQL,
    SQLITE,
    STAMP_GUARDS,
    Dialect,
    Guard,
    render_guard,
)
from pathways.library_store import Store
from pathways.network_fs import network_problem

# Rows read and written per statement: bounds memory for libraries of any size.
PAGE_ROWS = 500

# PostgreSQL's INTEGER columns; SQLite's integers may be wider.
_PG_INT_MIN, _PG_INT_MAX = -(2**31), 2**31 - 1


class CopyError(LibraryError):
    """The copy was refused or failed; the message says whether DST was changed."""


@dataclass(frozen=True, slots=True)
class Table:
    """A table of the library as the copy sees it: its columns in a fixed order."""

    name: str
    key: tuple[str, ...]  # the primary key: the order rows are read, written and digested in
    columns: tuple[str, ...]
    ints: frozenset[str]  # INTEGER columns; every other column is TEXT
    nullable: frozenset[str] = frozenset()


_SNAPSHOT = ("case_snapshot", "recommendation_snapshot", "content_version", "content_digest")

# In an order the database's rules accept: what a row refers to comes first, and the minutes'
# sign-offs come last, so that no meeting is frozen while its rows are still being written.
TABLES: tuple[Table, ...] = (
    Table(
        "cases",
        ("id",),
        ("id", "label", "case_json", "created_at", "updated_at"),
        frozenset({"id"}),
    ),
    Table("meetings", ("id",), ("id", "title", "meeting_date"), frozenset({"id"})),
    Table(
        "agenda",
        ("meeting_id", "case_id"),
        ("meeting_id", "case_id", "position"),
        frozenset({"meeting_id", "case_id", "position"}),
    ),
    Table(
        "attendees",
        ("meeting_id", "position"),
        ("meeting_id", "position", "name", "role"),
        frozenset({"meeting_id", "position"}),
    ),
    Table(
        "decisions",
        ("id",),
        (
            "id",
            "meeting_id",
            "case_id",
            "chosen_regimen",
            "on_pathway",
            "off_pathway_reason",
            "off_pathway_detail",
            "alternatives",
            "note",
            "dissent",
            "recorded_by",
            "recorded_at",
            "supersedes",
            *_SNAPSHOT,
            "app_version",
        ),
        frozenset({"id", "meeting_id", "case_id", "on_pathway", "supersedes"}),
        # Decisions recorded before schema 3 have no snapshot; only a correction supersedes.
        frozenset({"off_pathway_reason", "supersedes", *_SNAPSHOT, "app_version"}),
    ),
    Table(
        "meeting_signoffs",
        ("id",),
        ("id", "meeting_id", "kind", "by_name", "at", "reason", "minutes"),
        frozenset({"id", "meeting_id"}),
    ),
)

# Tables whose ids PostgreSQL hands out (identity columns): set past the copied ids afterwards.
_IDENTITY_TABLES = tuple(t.name for t in TABLES if t.key == ("id",))

# The rule that refuses decisions without a snapshot: old decisions have none.
_SNAPSHOT_GUARD = "decisions_need_snapshot"
# PostgreSQL's triggers lifted during the copy, by table: the snapshot rule and the login
# stamps (which would replace who recorded a decision or signed the minutes by the copier).
_PG_LIFTED: dict[str, tuple[str, ...]] = {
    "decisions": (_SNAPSHOT_GUARD, "decisions_login"),
    "meeting_signoffs": ("signoffs_login",),
}
if {n for names in _PG_LIFTED.values() for n in names} != {_SNAPSHOT_GUARD, *STAMP_GUARDS}:
    raise RuntimeError("the copy must lift exactly the stamp guards the schema names")


@dataclass(frozen=True, slots=True)
class TableDigest:
    table: str
    rows: int
    sha256: str

    def line(self) -> str:
        return f"{self.table}: {self.rows} rows, sha256 {self.sha256}"


@dataclass(frozen=True, slots=True)
class CopyReport:
    source: str
    target: str
    tables: tuple[TableDigest, ...]

    def lines(self) -> list[str]:
        return [t.line() for t in self.tables] + ["copied and verified"]


def copy_library(source: Path | str, target: Path | str) -> CopyReport:
    """Copy the library at ``source`` into the empty library at ``target``, then verify it.

    Raises :class:`LibraryError` (one line for the user) when refused or when the check after
    the copy finds a difference (DST is then left as written, and the message says so).
    """
    target_dialect = POSTGRESQL if is_server_location(target) else SQLITE
    if target_dialect is SQLITE:
        problem = network_problem(Path(target))  # SQLite written over a network can be damaged
        if problem is not None:
            raise CopyError(problem)
    with ExitStack() as stack:
        src = stack.enter_context(CaseLibrary.open(source, read_only=True))
        if src.path is not None and target_dialect is SQLITE and _same_file(src.path, target):
            raise CopyError(f"{src.where}: SRC and DST are the same library; nothing was copied")
        expected = _check_source(src, target_dialect)
        dst = stack.enter_context(CaseLibrary.open(target))
        _copy(src, dst, expected)
        written = table_digests(dst)
        for want, got in zip(expected, written, strict=True):
            if want != got:
                raise CopyError(
                    f"{dst.where}: after the copy, table {want.table} differs from SRC "
                    f"({got.rows} rows there, {want.rows} in SRC, "
                    f"{'same' if got.sha256 == want.sha256 else 'different'} digest); "
                    "DST is left as written: do not use it, delete it and copy again"
                )
        return CopyReport(src.where, dst.where, written)


def table_digests(library: CaseLibrary) -> tuple[TableDigest, ...]:
    """Each table's row count and SHA-256 digest, read in one snapshot of the library.

    The digest is over the rows in primary-key order, each row one line of compact JSON
    (integers as numbers, text as strings, NULL as null), so that the same rows give the same
    digest whichever database holds them.
    """
    with _reading(library) as store:
        return tuple(_scan(library.where, store, table, None, None) for table in TABLES)


# -- the two passes ------------------------------------------------------------------------------


def _check_source(src: CaseLibrary, target: Dialect) -> tuple[TableDigest, ...]:
    """SRC's digests, once every value is known to fit ``target`` and the library to be readable."""
    with _reading(src) as store:
        for table in TABLES:
            _check_columns(src.where, store, table)
        digests = tuple(_scan(src.where, store, table, target, None) for table in TABLES)
    # The library's own readers: dates, flags and stored JSON that the app could not show.
    src.list_cases()
    src.list_meetings()
    src.all_decisions()
    return digests


def _copy(src: CaseLibrary, dst: CaseLibrary, expected: tuple[TableDigest, ...]) -> None:
    try:
        with _reading(src) as source, dst._write() as target:
            _require_empty(dst.where, target)
            _lift_guards(dst, target)
            for table, want in zip(TABLES, expected, strict=True):
                got = _scan(src.where, source, table, target.dialect, target)
                if got != want:
                    raise CopyError(
                        f"{src.where}: SRC changed while it was being copied (table "
                        f"{table.name}); nothing was copied: try again when nobody is using it"
                    )
            _restore_guards(target)
            if target.dialect is POSTGRESQL:
                for name in _IDENTITY_TABLES:
                    # New rows must get ids after the copied ones, not collide with them.
                    target.execute(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), max(id))"
                        f" FROM {name}"
                    )
    except _Conflict:
        raise CopyError(
            f"{dst.where}: another workstation wrote to DST during the copy; nothing was copied"
        ) from None
    except (CopyError, LibraryUnavailable):
        raise  # their messages already say what became of DST
    except LibraryError as exc:
        raise CopyError(f"{exc}; nothing was copied") from None


def _scan(
    where: str, store: Store, table: Table, target: Dialect | None, writer: Store | None
) -> TableDigest:
    """Read ``table`` page by page in key order: digest it, check it fits ``target``, copy it
    to ``writer`` (each only when given)."""
    digest = hashlib.sha256()
    count = 0
    columns = ", ".join(table.columns)
    keys = ", ".join(table.key)
    places = ", ".join("?" for _ in table.key)
    first = f"SELECT {columns} FROM {table.name} ORDER BY {keys} LIMIT ?"
    following = (
        f"SELECT {columns} FROM {table.name} WHERE ({keys}) > ({places}) ORDER BY {keys} LIMIT ?"
    )
    insert = (
        f"INSERT INTO {table.name} ({columns}) VALUES ({', '.join('?' for _ in table.columns)})"
    )
    key_at = [table.columns.index(k) for k in table.key]
    after: tuple[Any, ...] | None = None
    while True:
        sql, params = (first, (PAGE_ROWS,)) if after is None else (following, (*after, PAGE_ROWS))
        rows = [tuple(r) for r in _fetch(where, store, sql, params, table.name)]
        for row in rows:
            if target is not None:
                _check_row(where, table, row, target)
            digest.update(_canonical(where, table, row))
            digest.update(b"\n")
        if writer is not None and rows:
            writer.executemany(insert, rows)
        count += len(rows)
        if len(rows) < PAGE_ROWS:
            return TableDigest(table.name, count, digest.hexdigest())
        after = tuple(rows[-1][i] for i in key_at)


def _canonical(where: str, table: Table, row: Sequence[Any]) -> bytes:
    for value in row:
        # Only what both databases hold alike; anything else would not digest alike either.
        if not (value is None or type(value) in (int, str)):
            raise CopyError(_damaged(where, table, row, "not a number or text"))
    return json.dumps(list(row), ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8", "surrogatepass"
    )


def _check_row(where: str, table: Table, row: Sequence[Any], target: Dialect) -> None:
    for column, value in zip(table.columns, row, strict=True):
        if value is None:
            if column not in table.nullable:
                raise CopyError(_damaged(where, table, row, f"column {column} is empty"))
        elif column in table.ints:
            if type(value) is not int:
                raise CopyError(_damaged(where, table, row, f"column {column} is not a number"))
            if target is POSTGRESQL and not _PG_INT_MIN <= value <= _PG_INT_MAX:
                raise CopyError(
                    _damaged(where, table, row, f"column {column} is too large for PostgreSQL")
                )
        elif type(value) is not str:
            raise CopyError(_damaged(where, table, row, f"column {column} is not text"))
        elif target is POSTGRESQL and "\x00" in value:
            raise CopyError(
                _damaged(
                    where,
                    table,
                    row,
                    f"column {column} holds a NUL character (PostgreSQL has none)",
                )
            )


def _damaged(where: str, table: Table, row: Sequence[Any], what: str) -> str:
    key = [row[table.columns.index(k)] for k in table.key]
    if all(type(v) is int for v in key):  # ids only: never a stored text
        place = ", ".join(f"{k} {v}" for k, v in zip(table.key, key, strict=True))
    else:
        place = "a row with a damaged key"
    return (
        f"{where}: the case library holds a damaged value ({table.name}, {place}: {what}); "
        "nothing was copied"
    )


# -- DST: empty, its rules lifted and restored inside the copy's transaction ---------------------


def _require_empty(where: str, store: Store) -> None:
    for table in TABLES:
        if store.execute(f"SELECT 1 FROM {table.name} LIMIT 1").fetchone() is not None:
            raise CopyError(
                f"{where}: DST is not empty (it holds {table.name}); a library is copied only "
                "into an empty one; nothing was changed"
            )


def _lift_guards(dst: CaseLibrary, store: Store) -> None:
    if store.dialect is SQLITE:
        # SQLite's DDL is transactional: the trigger is gone for this transaction only.
        store.execute(f"DROP TRIGGER {_SNAPSHOT_GUARD}")
        return
    owned = ", ".join(f"to_regclass('{name}')" for name in _PG_LIFTED)
    row = store.execute(
        "SELECT string_agg(c.relname, ', ' ORDER BY c.relname) FROM pg_catalog.pg_class c"
        f" WHERE c.oid IN ({owned})"
        " AND NOT pg_catalog.pg_has_role(current_user, c.relowner, 'USAGE')"
    ).fetchone()
    if row is not None and row[0]:
        raise CopyError(
            f"{dst.where}: the copy keeps who recorded each decision and signed the minutes, "
            "so it switches off the login stamps for its own transaction, which only the owner "
            f"of the tables may do; your login {dst.login!r} does not own {row[0]}: run the copy "
            "with the owner's login (the one that created the library); nothing was changed"
        )
    for name, triggers in _PG_LIFTED.items():
        # Transactional too; other sessions wait on the table's lock until this one commits.
        clauses = ", ".join(f"DISABLE TRIGGER {t}" for t in triggers)
        store.execute(f"ALTER TABLE {name} {clauses}")


def _restore_guards(store: Store) -> None:
    if store.dialect is SQLITE:
        for statement in render_guard(SQLITE, _guard(_SNAPSHOT_GUARD)):
            store.execute(statement)
        return
    for name, triggers in _PG_LIFTED.items():
        clauses = ", ".join(f"ENABLE TRIGGER {t}" for t in triggers)
        store.execute(f"ALTER TABLE {name} {clauses}")


def _guard(name: str) -> Guard:
    for _, guards in MIGRATIONS:
        for guard in guards:
            if guard.name == name:
                return guard
    raise RuntimeError(f"the schema has no guard {name}")  # pragma: no cover - a renamed guard


# -- reading -------------------------------------------------------------------------------------


@contextmanager
def _reading(library: CaseLibrary) -> Iterator[Store]:
    """One read snapshot of ``library`` (the store's read transaction, on either backend).

    Not the library's ``_read``: its messages pass on the driver's words, and SQLite's word for
    text that is not UTF-8 quotes that text (a patient's name, perhaps).
    """
    store = library._connection()
    try:
        store.begin(write=False)
    except store.errors as exc:
        raise CopyError(_unreadable(library.where, store, exc, None)) from None
    try:
        yield store
        store.commit()
    except BaseException:
        with suppress(*store.errors):  # a broken connection has nothing to roll back
            store.rollback()
        raise


def _fetch(where: str, store: Store, sql: str, params: Sequence[Any], table: str) -> list[Any]:
    try:
        return store.execute(sql, params).fetchall()
    except store.errors as exc:
        raise CopyError(_unreadable(where, store, exc, table)) from None


def _check_columns(where: str, store: Store, table: Table) -> None:
    """The table has exactly the columns this copy knows: none would be left behind."""
    cursor = _cursor(where, store, f"SELECT * FROM {table.name} WHERE 1 = 0")
    description = getattr(cursor, "description", None) or ()
    found = {str(d[0]) for d in description}
    if found != set(table.columns):
        raise CopyError(
            f"{where}: table {table.name} does not have the columns this version of the app "
            "copies; nothing was copied"
        )


def _cursor(where: str, store: Store, sql: str) -> Any:
    try:
        return store.execute(sql)
    except store.errors as exc:
        raise CopyError(_unreadable(where, store, exc, None)) from None


def _unreadable(where: str, store: Store, exc: BaseException, table: str | None) -> str:
    if isinstance(exc, sqlite3.OperationalError) and getattr(exc, "sqlite_errorcode", None) is None:
        # sqlite3's own decoding failure (SQLite itself gave no error code) quotes the text.
        place = f" (table {table})" if table else ""
        return (
            f"{where}: the case library holds a text that is not readable{place}; "
            "nothing was copied"
        )
    return f"{where}: cannot read the case library: {store.explain(exc)}; nothing was copied"


def _same_file(path: Path, target: Path | str) -> bool:
    try:
        return path.resolve() == Path(target).resolve()
    except OSError:
        return False
