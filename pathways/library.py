"""The local case library: stored cases, tumour-board meetings, their agendas and decisions.

One SQLite file holds everything. Cases are kept as the app's case-file JSON text (opaque here
apart from its ``label``). Decisions form an append-only audit trail: a correction is a new row
that supersedes the previous one, and triggers make the table refuse UPDATE and DELETE.

Nothing in this module logs, and no error message quotes case contents, because a case file may
carry patient identifiers.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

SCHEMA_VERSION = 2

OFF_PATHWAY_REASONS: tuple[str, ...] = (
    "patient-preference",
    "comorbidity",
    "drug-unavailable",
    "clinical-trial",
    "prior-toxicity",
    "other",
)

_SQLITE_MAGIC = b"SQLite format 3\x00"
_BUSY_TIMEOUT_S = 5.0

_V1_SCHEMA: tuple[str, ...] = (
    """CREATE TABLE cases (
        id INTEGER PRIMARY KEY,
        label TEXT NOT NULL,
        case_json TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    """CREATE TABLE meetings (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL,
        meeting_date TEXT NOT NULL
    )""",
    """CREATE TABLE agenda (
        meeting_id INTEGER NOT NULL REFERENCES meetings(id),
        case_id INTEGER NOT NULL REFERENCES cases(id),
        position INTEGER NOT NULL CHECK (position >= 0),
        PRIMARY KEY (meeting_id, case_id)
    ) WITHOUT ROWID""",
    """CREATE TABLE decisions (
        id INTEGER PRIMARY KEY,
        meeting_id INTEGER NOT NULL REFERENCES meetings(id),
        case_id INTEGER NOT NULL REFERENCES cases(id),
        chosen_regimen TEXT NOT NULL,
        on_pathway INTEGER NOT NULL CHECK (on_pathway IN (0, 1)),
        off_pathway_reason TEXT,
        off_pathway_detail TEXT NOT NULL,
        alternatives TEXT NOT NULL,
        note TEXT NOT NULL,
        recorded_by TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        supersedes INTEGER UNIQUE REFERENCES decisions(id)
    )""",
    # Together with UNIQUE(supersedes) this keeps each meeting+case history a single chain.
    """CREATE UNIQUE INDEX decisions_first_version
        ON decisions(meeting_id, case_id) WHERE supersedes IS NULL""",
    """CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions
        BEGIN SELECT RAISE(ABORT, 'decisions are append-only: record a correction instead'); END""",
    """CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions
        BEGIN SELECT RAISE(ABORT, 'decisions are append-only: they are never deleted'); END""",
)

_V2_SCHEMA: tuple[str, ...] = (
    # v1 boards could not record a dissenting opinion next to the decision.
    "ALTER TABLE decisions ADD COLUMN dissent TEXT NOT NULL DEFAULT ''",
    "CREATE INDEX cases_by_label ON cases(label COLLATE NOCASE)",
)

# _MIGRATIONS[n] upgrades a database from user_version n to n + 1, in one transaction.
_MIGRATIONS: tuple[tuple[str, ...], ...] = (_V1_SCHEMA, _V2_SCHEMA)
if len(_MIGRATIONS) != SCHEMA_VERSION:  # pragma: no cover - guards a forgotten migration
    raise RuntimeError("one migration per schema version is required")


class LibraryError(Exception):
    """The only exception the case library raises; its message is fit to show to the user."""


@dataclass(frozen=True, slots=True)
class CaseSummary:
    id: int
    label: str
    updated_at: dt.datetime


@dataclass(frozen=True, slots=True)
class StoredCase:
    id: int
    label: str
    case_json: str
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Meeting:
    id: int
    title: str
    date: dt.date


@dataclass(frozen=True, slots=True)
class Decision:
    id: int
    meeting_id: int
    case_id: int
    version: int
    chosen_regimen: str
    on_pathway: bool
    off_pathway_reason: str | None
    off_pathway_detail: str
    alternatives: tuple[str, ...]
    note: str
    dissent: str
    recorded_by: str
    recorded_at: dt.datetime
    supersedes: int | None
    superseded_by: int | None

    @property
    def is_current(self) -> bool:
        return self.superseded_by is None


def create_v1_database(path: Path) -> None:
    """Write an empty schema-1 library, as the first release did (for migration tests)."""
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        _apply_migration(conn, 0)


class CaseLibrary:
    """An open case library. Use :meth:`open`; close it (or use ``with``) when done."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn: sqlite3.Connection | None = conn
        self._path = path

    @classmethod
    def open(cls, path: Path) -> CaseLibrary:
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LibraryError(f"{path}: cannot create its folder ({exc.strerror})") from None
        _refuse_non_sqlite(path)
        try:
            # isolation_level=None: this class issues BEGIN/COMMIT itself, so that the
            # sqlite3 module never opens or commits a transaction behind its back.
            conn = sqlite3.connect(path, timeout=_BUSY_TIMEOUT_S, isolation_level=None)
        except sqlite3.Error as exc:
            raise LibraryError(f"{path}: cannot open the case library ({exc})") from None
        try:
            _prepare(conn, path)
        except BaseException:
            conn.close()
            raise
        return cls(conn, path)

    @property
    def path(self) -> Path:
        return self._path

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- cases ---------------------------------------------------------------------------------

    def add_case(self, case_json: str) -> int:
        label = _label_of(case_json)
        now = _now()
        with self._write() as conn:
            cur = conn.execute(
                "INSERT INTO cases (label, case_json, created_at, updated_at) VALUES (?, ?, ?, ?)",
                (label, case_json, now, now),
            )
            return _rowid(cur)

    def update_case(self, case_id: int, case_json: str) -> None:
        label = _label_of(case_json)
        with self._write() as conn:
            cur = conn.execute(
                "UPDATE cases SET label = ?, case_json = ?, updated_at = ? WHERE id = ?",
                (label, case_json, _now(), case_id),
            )
            if cur.rowcount == 0:
                raise LibraryError(f"there is no case {case_id} in the library")

    def get_case(self, case_id: int) -> StoredCase:
        with self._read() as conn:
            row = conn.execute(
                "SELECT id, label, case_json, created_at, updated_at FROM cases WHERE id = ?",
                (case_id,),
            ).fetchone()
        if row is None:
            raise LibraryError(f"there is no case {case_id} in the library")
        return StoredCase(row[0], row[1], row[2], _time(row[3]), _time(row[4]))

    def export_case_json(self, case_id: int) -> str:
        return self.get_case(case_id).case_json

    def list_cases(self) -> list[CaseSummary]:
        return self._summaries("", ())

    def search_cases(self, text: str) -> list[CaseSummary]:
        # casefold on both sides: SQLite's own LIKE folds ASCII letters only.
        pattern = "%" + _escape_like(text.casefold()) + "%"
        return self._summaries("WHERE casefold(label) LIKE ? ESCAPE '\\'", (pattern,))

    def delete_case(self, case_id: int) -> None:
        with self._write() as conn:
            _require(conn, "cases", case_id, "case")
            if conn.execute("SELECT 1 FROM decisions WHERE case_id = ?", (case_id,)).fetchone():
                raise LibraryError(
                    f"case {case_id} has recorded decisions and cannot be deleted "
                    "(decisions are kept for the audit trail)"
                )
            meetings = conn.execute("SELECT meeting_id FROM agenda WHERE case_id = ?", (case_id,))
            for (meeting_id,) in meetings.fetchall():
                _take_off_agenda(conn, meeting_id, case_id)
            conn.execute("DELETE FROM cases WHERE id = ?", (case_id,))

    # -- meetings and agendas ------------------------------------------------------------------

    def create_meeting(self, title: str, date: dt.date) -> int:
        title = _non_empty(title, "a meeting title")
        with self._write() as conn:
            cur = conn.execute(
                "INSERT INTO meetings (title, meeting_date) VALUES (?, ?)", (title, _day(date))
            )
            return _rowid(cur)

    def rename_meeting(self, meeting_id: int, title: str) -> None:
        title = _non_empty(title, "a meeting title")
        with self._write() as conn:
            cur = conn.execute("UPDATE meetings SET title = ? WHERE id = ?", (title, meeting_id))
            if cur.rowcount == 0:
                raise LibraryError(f"there is no meeting {meeting_id} in the library")

    def get_meeting(self, meeting_id: int) -> Meeting:
        with self._read() as conn:
            row = conn.execute(
                "SELECT id, title, meeting_date FROM meetings WHERE id = ?", (meeting_id,)
            ).fetchone()
        if row is None:
            raise LibraryError(f"there is no meeting {meeting_id} in the library")
        return Meeting(row[0], row[1], dt.date.fromisoformat(row[2]))

    def list_meetings(self) -> list[Meeting]:
        with self._read() as conn:
            rows = conn.execute(
                "SELECT id, title, meeting_date FROM meetings ORDER BY meeting_date DESC, id DESC"
            ).fetchall()
        return [Meeting(r[0], r[1], dt.date.fromisoformat(r[2])) for r in rows]

    def agenda(self, meeting_id: int) -> list[CaseSummary]:
        with self._read() as conn:
            _require(conn, "meetings", meeting_id, "meeting")
            rows = conn.execute(
                "SELECT c.id, c.label, c.updated_at FROM agenda a JOIN cases c ON c.id = a.case_id"
                " WHERE a.meeting_id = ? ORDER BY a.position",
                (meeting_id,),
            ).fetchall()
        return [CaseSummary(r[0], r[1], _time(r[2])) for r in rows]

    def add_to_agenda(self, meeting_id: int, case_id: int, position: int | None = None) -> None:
        with self._write() as conn:
            _require(conn, "meetings", meeting_id, "meeting")
            _require(conn, "cases", case_id, "case")
            if _position(conn, meeting_id, case_id) is not None:
                raise LibraryError(
                    f"case {case_id} is already on the agenda of meeting {meeting_id}"
                )
            size = _agenda_size(conn, meeting_id)
            if position is None:
                position = size
            elif not 0 <= position <= size:
                raise LibraryError(f"agenda position {position} is outside 0..{size}")
            conn.execute(
                "UPDATE agenda SET position = position + 1 WHERE meeting_id = ? AND position >= ?",
                (meeting_id, position),
            )
            conn.execute(
                "INSERT INTO agenda (meeting_id, case_id, position) VALUES (?, ?, ?)",
                (meeting_id, case_id, position),
            )

    def remove_from_agenda(self, meeting_id: int, case_id: int) -> None:
        with self._write() as conn:
            _take_off_agenda(conn, meeting_id, case_id)

    def move_in_agenda(self, meeting_id: int, case_id: int, new_position: int) -> None:
        with self._write() as conn:
            old = _position(conn, meeting_id, case_id)
            if old is None:
                raise LibraryError(f"case {case_id} is not on the agenda of meeting {meeting_id}")
            size = _agenda_size(conn, meeting_id)
            if not 0 <= new_position < size:
                raise LibraryError(f"agenda position {new_position} is outside 0..{size - 1}")
            if new_position < old:
                shift, low, high = 1, new_position, old - 1
            else:
                shift, low, high = -1, old + 1, new_position
            conn.execute(
                "UPDATE agenda SET position = position + ?"
                " WHERE meeting_id = ? AND position BETWEEN ? AND ?",
                (shift, meeting_id, low, high),
            )
            conn.execute(
                "UPDATE agenda SET position = ? WHERE meeting_id = ? AND case_id = ?",
                (new_position, meeting_id, case_id),
            )

    # -- decisions -----------------------------------------------------------------------------

    def record_decision(
        self,
        meeting_id: int,
        case_id: int,
        *,
        chosen_regimen: str,
        on_pathway: bool,
        off_pathway_reason: str | None,
        off_pathway_detail: str,
        alternatives: list[str],
        note: str,
        dissent: str,
        recorded_by: str,
        supersedes: int | None = None,
    ) -> int:
        chosen_regimen = _non_empty(chosen_regimen, "the chosen regimen")
        recorded_by = _non_empty(recorded_by, "who recorded the decision")
        _check_off_pathway(on_pathway, off_pathway_reason, off_pathway_detail)
        if not all(isinstance(a, str) for a in alternatives):
            raise LibraryError("alternatives must be a list of regimen names")
        with self._write() as conn:
            _require(conn, "meetings", meeting_id, "meeting")
            _require(conn, "cases", case_id, "case")
            current = _current_decision_id(conn, meeting_id, case_id)
            if supersedes != current:
                raise LibraryError(_supersede_problem(meeting_id, case_id, supersedes, current))
            cur = conn.execute(
                "INSERT INTO decisions (meeting_id, case_id, chosen_regimen, on_pathway,"
                " off_pathway_reason, off_pathway_detail, alternatives, note, dissent,"
                " recorded_by, recorded_at, supersedes)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    meeting_id,
                    case_id,
                    chosen_regimen,
                    int(on_pathway),
                    off_pathway_reason,
                    off_pathway_detail,
                    json.dumps(list(alternatives)),
                    note,
                    dissent,
                    recorded_by,
                    _now(),
                    supersedes,
                ),
            )
            return _rowid(cur)

    def decisions(self, case_id: int, meeting_id: int | None = None) -> list[Decision]:
        """Every version of the decisions on a case, oldest first."""
        query = (
            "SELECT id, meeting_id, case_id, chosen_regimen, on_pathway, off_pathway_reason,"
            " off_pathway_detail, alternatives, note, dissent, recorded_by, recorded_at,"
            " supersedes FROM decisions WHERE case_id = ?"
        )
        params: tuple[int, ...] = (case_id,)
        if meeting_id is not None:
            query += " AND meeting_id = ?"
            params += (meeting_id,)
        with self._read() as conn:
            _require(conn, "cases", case_id, "case")
            if meeting_id is not None:
                _require(conn, "meetings", meeting_id, "meeting")
            rows = conn.execute(query + " ORDER BY id", params).fetchall()
        superseded_by = {r[12]: r[0] for r in rows if r[12] is not None}
        versions: dict[int, int] = {}
        result = []
        for r in rows:
            # Each correction must supersede the latest version, so id order is version order.
            versions[r[1]] = versions.get(r[1], 0) + 1
            result.append(
                Decision(
                    id=r[0],
                    meeting_id=r[1],
                    case_id=r[2],
                    version=versions[r[1]],
                    chosen_regimen=r[3],
                    on_pathway=bool(r[4]),
                    off_pathway_reason=r[5],
                    off_pathway_detail=r[6],
                    alternatives=tuple(json.loads(r[7])),
                    note=r[8],
                    dissent=r[9],
                    recorded_by=r[10],
                    recorded_at=_time(r[11]),
                    supersedes=r[12],
                    superseded_by=superseded_by.get(r[0]),
                )
            )
        return result

    def current_decision(self, meeting_id: int, case_id: int) -> Decision | None:
        history = self.decisions(case_id, meeting_id)
        return history[-1] if history else None

    # -- plumbing ------------------------------------------------------------------------------

    def _summaries(self, where: str, params: tuple[Any, ...]) -> list[CaseSummary]:
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT id, label, updated_at FROM cases {where}"
                " ORDER BY label COLLATE NOCASE, id",
                params,
            ).fetchall()
        return [CaseSummary(r[0], r[1], _time(r[2])) for r in rows]

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise LibraryError(f"{self._path}: the case library is closed")
        return self._conn

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        conn = self._connection()
        try:
            yield conn
        except sqlite3.Error as exc:
            raise LibraryError(f"{self._path}: cannot read the case library ({exc})") from exc

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One transaction per public edit, so a crash loses at most the edit in progress.

        BEGIN IMMEDIATE takes the write lock up front: the checks made inside the transaction
        then still hold when its writes happen, even with another process on the same file.
        """
        conn = self._connection()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise LibraryError(f"{self._path}: cannot change the case library ({exc})") from exc


def _refuse_non_sqlite(path: Path) -> None:
    if not path.exists():
        return
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


def _prepare(conn: sqlite3.Connection, path: Path) -> None:
    """Check the version, then configure and migrate the freshly opened connection."""
    try:
        # Only reads happen until the version is known to be one this app understands, so that
        # a newer app's library is left exactly as it was.
        version = _user_version(conn)
        if version == 0 and conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            raise LibraryError(
                f"{path}: this SQLite database is not a case library; it was not opened or changed"
            )
    except sqlite3.DatabaseError as exc:
        raise LibraryError(
            f"{path}: this is not a case library or it is damaged ({exc}); "
            "it was not opened or changed"
        ) from None
    _refuse_newer(path, version)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        # FULL rather than NORMAL: in WAL mode NORMAL may drop the last commits on power loss,
        # and a tumour-board decision that was shown as saved must stay saved. The extra fsync
        # per edit is imperceptible at the pace of human edits.
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.create_function("casefold", 1, str.casefold, deterministic=True)
        if version < SCHEMA_VERSION:
            _migrate(conn, path)
    except sqlite3.Error as exc:
        raise LibraryError(f"{path}: cannot prepare the case library ({exc})") from exc


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    while True:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Re-read under the write lock: another instance of the app may have just migrated.
            version = _user_version(conn)
            if version >= SCHEMA_VERSION:
                conn.execute("COMMIT")
                _refuse_newer(path, version)
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
    for statement in _MIGRATIONS[version]:
        conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {version + 1}")
    if own:
        conn.execute("COMMIT")


def _refuse_newer(path: Path, version: int) -> None:
    if version > SCHEMA_VERSION:
        raise LibraryError(
            f"{path}: this case library was written by a newer version of the app "
            f"(schema {version}, this app understands up to {SCHEMA_VERSION}); "
            "it was not opened or changed"
        )


def _user_version(conn: sqlite3.Connection) -> int:
    version: int = conn.execute("PRAGMA user_version").fetchone()[0]
    return version


def _require(conn: sqlite3.Connection, table: str, row_id: int, what: str) -> None:
    if conn.execute(f"SELECT 1 FROM {table} WHERE id = ?", (row_id,)).fetchone() is None:
        raise LibraryError(f"there is no {what} {row_id} in the library")


def _position(conn: sqlite3.Connection, meeting_id: int, case_id: int) -> int | None:
    row = conn.execute(
        "SELECT position FROM agenda WHERE meeting_id = ? AND case_id = ?", (meeting_id, case_id)
    ).fetchone()
    return None if row is None else int(row[0])


def _agenda_size(conn: sqlite3.Connection, meeting_id: int) -> int:
    size: int = conn.execute(
        "SELECT count(*) FROM agenda WHERE meeting_id = ?", (meeting_id,)
    ).fetchone()[0]
    return size


def _take_off_agenda(conn: sqlite3.Connection, meeting_id: int, case_id: int) -> None:
    old = _position(conn, meeting_id, case_id)
    if old is None:
        raise LibraryError(f"case {case_id} is not on the agenda of meeting {meeting_id}")
    conn.execute("DELETE FROM agenda WHERE meeting_id = ? AND case_id = ?", (meeting_id, case_id))
    conn.execute(
        "UPDATE agenda SET position = position - 1 WHERE meeting_id = ? AND position > ?",
        (meeting_id, old),
    )


def _current_decision_id(conn: sqlite3.Connection, meeting_id: int, case_id: int) -> int | None:
    row = conn.execute(
        "SELECT d.id FROM decisions d WHERE d.meeting_id = ? AND d.case_id = ?"
        " AND NOT EXISTS (SELECT 1 FROM decisions n WHERE n.supersedes = d.id)",
        (meeting_id, case_id),
    ).fetchone()
    return None if row is None else int(row[0])


def _supersede_problem(
    meeting_id: int, case_id: int, supersedes: int | None, current: int | None
) -> str:
    where = f"case {case_id} at meeting {meeting_id}"
    if current is None:
        return f"decision {supersedes} cannot be corrected: {where} has no decision yet"
    if supersedes is None:
        return (
            f"{where} already has decision {current}; record a correction with supersedes={current}"
        )
    return f"decision {supersedes} is not the current decision for {where} (that is {current})"


def _check_off_pathway(on_pathway: bool, reason: str | None, detail: str) -> None:
    if on_pathway:
        if reason is not None:
            raise LibraryError("an on-pathway decision takes no off-pathway reason")
        return
    if reason not in OFF_PATHWAY_REASONS:
        raise LibraryError(
            f"an off-pathway decision needs a reason, one of: {', '.join(OFF_PATHWAY_REASONS)}"
        )
    if reason == "other" and not detail.strip():
        raise LibraryError("an off-pathway decision for reason 'other' needs a written detail")


def _label_of(case_json: str) -> str:
    try:
        case = json.loads(case_json)
    except (TypeError, ValueError):
        # The parser's message may quote the text, so it is not passed on.
        raise LibraryError("the case is not valid JSON") from None
    if not isinstance(case, dict):
        raise LibraryError("the case must be a JSON object")
    label = case.get("label")
    if not isinstance(label, str) or not label.strip():
        raise LibraryError('the case needs a non-empty string "label"')
    return label


def _non_empty(text: str, what: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise LibraryError(f"{what} must not be empty")
    return text.strip()


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _day(date: dt.date) -> str:
    # A datetime is also a date; only the day is meaningful for a meeting.
    return dt.date(date.year, date.month, date.day).isoformat()


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def _time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _rowid(cur: sqlite3.Cursor) -> int:
    if cur.lastrowid is None:  # pragma: no cover - INSERT on a rowid table always sets it
        raise LibraryError("the library did not assign an id")
    return cur.lastrowid
