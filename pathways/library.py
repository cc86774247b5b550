"""The local case library: stored cases, tumor-board meetings, their agendas, minutes and decisions.

One SQLite file holds everything. Cases are kept as the app's case-file JSON text (opaque here
apart from its ``label``). Decisions form an append-only audit trail: a correction is a new row
that supersedes the previous one, and triggers make the table refuse UPDATE and DELETE. Since
schema 3 every decision carries a snapshot of what the board saw (the case JSON, the engine's
recommendation, the content version and digest, the app version), and a meeting can be signed
off: the database then refuses every change to it until an amendment (with its reason) reopens
it as a new version of the minutes.

Every failure, including values damaged inside otherwise valid rows, is raised as
:class:`LibraryError`. Nothing in this module logs, and no error message quotes case contents,
because a case file may carry patient identifiers.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import stat
import urllib.parse
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

SCHEMA_VERSION = 3

OFF_PATHWAY_REASONS: tuple[str, ...] = (
    "patient-preference",
    "comorbidity",
    "drug-unavailable",
    "clinical-trial",
    "prior-toxicity",
    "other",
)

# Generous bounds on what one row may hold: a case file is at most 2 MB (pathways.case), a
# snapshot of the engine's answer is a few kB; free text is a sentence or a paragraph.
MAX_CASE_CHARS = 2_000_000
MAX_SNAPSHOT_CHARS = 1_000_000
MAX_TEXT_CHARS = 10_000
MAX_NAME_CHARS = 200
MAX_ATTENDEES = 100

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


def _frozen(meeting: str) -> str:
    """SQL: true when the meeting's latest minutes event is a sign-off (it is then frozen)."""
    return (
        "(SELECT s.kind FROM meeting_signoffs s WHERE s.meeting_id = "
        f"{meeting} ORDER BY s.id DESC LIMIT 1) IS 'sign-off'"
    )


_FROZEN_MESSAGE = "the meeting is signed off: amend it (with a reason) before changing it"


def _frozen_rows(table: str) -> tuple[str, ...]:
    """Triggers refusing to add, change or remove ``table``'s rows of a signed-off meeting."""
    return (
        f"""CREATE TRIGGER frozen_{table}_insert BEFORE INSERT ON {table}
        WHEN {_frozen("NEW.meeting_id")}
        BEGIN SELECT RAISE(ABORT, '{_FROZEN_MESSAGE}'); END""",
        f"""CREATE TRIGGER frozen_{table}_update BEFORE UPDATE ON {table}
        WHEN {_frozen("OLD.meeting_id")} OR {_frozen("NEW.meeting_id")}
        BEGIN SELECT RAISE(ABORT, '{_FROZEN_MESSAGE}'); END""",
        f"""CREATE TRIGGER frozen_{table}_delete BEFORE DELETE ON {table}
        WHEN {_frozen("OLD.meeting_id")}
        BEGIN SELECT RAISE(ABORT, '{_FROZEN_MESSAGE}'); END""",
    )


_V3_SCHEMA: tuple[str, ...] = (
    # A decision keeps a copy of what the board saw: the case it points to keeps changing.
    # Rows from v2 have no snapshot (NULL); every new row must have one (trigger below).
    "ALTER TABLE decisions ADD COLUMN case_snapshot TEXT",
    "ALTER TABLE decisions ADD COLUMN recommendation_snapshot TEXT",
    "ALTER TABLE decisions ADD COLUMN content_version TEXT",
    "ALTER TABLE decisions ADD COLUMN content_digest TEXT",
    "ALTER TABLE decisions ADD COLUMN app_version TEXT",
    """CREATE TRIGGER decisions_need_snapshot BEFORE INSERT ON decisions
        WHEN NEW.case_snapshot IS NULL OR NEW.recommendation_snapshot IS NULL
          OR NEW.content_version IS NULL OR NEW.content_digest IS NULL
          OR NEW.app_version IS NULL
        BEGIN SELECT RAISE(ABORT, 'a decision is recorded with a snapshot of what was seen');
        END""",
    """CREATE TABLE attendees (
        meeting_id INTEGER NOT NULL REFERENCES meetings(id),
        position INTEGER NOT NULL CHECK (position >= 0),
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        PRIMARY KEY (meeting_id, position)
    ) WITHOUT ROWID""",
    # The minutes' history: a sign-off freezes the meeting, an amendment reopens it. Each
    # sign-off keeps the minutes as signed (attendees and the decision versions then current).
    """CREATE TABLE meeting_signoffs (
        id INTEGER PRIMARY KEY,
        meeting_id INTEGER NOT NULL REFERENCES meetings(id),
        kind TEXT NOT NULL CHECK (kind IN ('sign-off', 'amendment')),
        by_name TEXT NOT NULL,
        at TEXT NOT NULL,
        reason TEXT NOT NULL,
        minutes TEXT NOT NULL
    )""",
    "CREATE INDEX meeting_signoffs_by_meeting ON meeting_signoffs(meeting_id, id)",
    """CREATE TRIGGER signoffs_no_update BEFORE UPDATE ON meeting_signoffs
        BEGIN SELECT RAISE(ABORT, 'the minutes history is append-only'); END""",
    """CREATE TRIGGER signoffs_no_delete BEFORE DELETE ON meeting_signoffs
        BEGIN SELECT RAISE(ABORT, 'the minutes history is append-only'); END""",
    f"""CREATE TRIGGER signoff_order BEFORE INSERT ON meeting_signoffs
        WHEN (NEW.kind = 'sign-off') = ({_frozen("NEW.meeting_id")})
        BEGIN SELECT RAISE(ABORT,
            'a meeting is signed off when open and amended when signed off'); END""",
    f"""CREATE TRIGGER frozen_decisions BEFORE INSERT ON decisions WHEN {_frozen("NEW.meeting_id")}
        BEGIN SELECT RAISE(ABORT, '{_FROZEN_MESSAGE}'); END""",
    f"""CREATE TRIGGER frozen_meeting BEFORE UPDATE ON meetings WHEN {_frozen("OLD.id")}
        BEGIN SELECT RAISE(ABORT, '{_FROZEN_MESSAGE}'); END""",
    *_frozen_rows("agenda"),
    *_frozen_rows("attendees"),
)

# _MIGRATIONS[n] upgrades a database from user_version n to n + 1, in one transaction.
_MIGRATIONS: tuple[tuple[str, ...], ...] = (_V1_SCHEMA, _V2_SCHEMA, _V3_SCHEMA)
if len(_MIGRATIONS) != SCHEMA_VERSION:  # pragma: no cover - guards a forgotten migration
    raise RuntimeError("one migration per schema version is required")

# SQLite's primary result codes (the low byte of an extended code).
_SQLITE_PERM, _SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY = 3, 5, 6, 8
_SQLITE_IOERR, _SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_NOTADB = 10, 11, 13, 14, 26


class LibraryError(Exception):
    """The only exception the case library raises; its message is fit to show to the user."""


class _Damaged(Exception):
    """A stored value is not what the schema promises (raised while decoding rows)."""


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
    signed_off: bool = False  # frozen: the database refuses every change until amended


@dataclass(frozen=True, slots=True)
class Attendee:
    name: str
    role: str


@dataclass(frozen=True, slots=True)
class MinutesEvent:
    """One sign-off (``kind == "sign-off"``) or amendment of a meeting's minutes."""

    id: int
    meeting_id: int
    kind: str
    by: str
    at: dt.datetime
    reason: str
    version: int  # the minutes version this event closes (sign-off) or opens (amendment)
    attendees: tuple[Attendee, ...]  # as signed (sign-off only)
    decision_ids: tuple[int, ...]  # the decision versions current when signed (sign-off only)


@dataclass(frozen=True)
class DecisionSnapshot:
    """What the board saw when it decided: recorded with the decision, never changed."""

    case_json: str
    recommendation: dict[str, Any]  # the engine's Recommendation.to_dict(content)
    content_version: str
    content_digest: str
    app_version: str

    def to_json(self) -> str:
        return json.dumps(self.recommendation, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
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
    snapshot: DecisionSnapshot | None = field(default=None, compare=False)  # None before v3

    @property
    def is_current(self) -> bool:
        return self.superseded_by is None


def create_v1_database(path: Path) -> None:
    """Write an empty schema-1 library, as the first release did (for migration tests)."""
    create_database(path, 1)


def create_database(path: Path, version: int) -> None:
    """Write an empty library at schema ``version`` (for migration tests)."""
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        for old in range(version):
            _apply_migration(conn, old)


class CaseLibrary:
    """An open case library. Use :meth:`open`; close it (or use ``with``) when done."""

    def __init__(
        self, conn: sqlite3.Connection, path: Path, read_only_reason: str | None = None
    ) -> None:
        self._conn: sqlite3.Connection | None = conn
        self._path = path
        self._read_only_reason = read_only_reason

    @classmethod
    def open(
        cls, path: Path, *, read_only: bool = False, timeout: float = _BUSY_TIMEOUT_S
    ) -> CaseLibrary:
        """Open (or create) the library at ``path``.

        A library that cannot be written (a read-only file, folder or disk) is opened read-only
        rather than refused, so that it can still be read and printed; ``read_only`` asks for
        that mode explicitly. ``timeout``: how long to wait for another program's lock.
        """
        path = Path(path)
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
        return cls(conn, path, reason)

    @property
    def path(self) -> Path:
        return self._path

    @property
    def read_only(self) -> bool:
        return self._read_only_reason is not None

    @property
    def read_only_reason(self) -> str | None:
        return self._read_only_reason

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
            return StoredCase(
                _int(row[0]), _str(row[1]), _str(row[2]), _time(row[3]), _time(row[4])
            )

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
        title = _non_empty(title, "a meeting title", MAX_NAME_CHARS)
        with self._write() as conn:
            cur = conn.execute(
                "INSERT INTO meetings (title, meeting_date) VALUES (?, ?)", (title, _day(date))
            )
            return _rowid(cur)

    def rename_meeting(self, meeting_id: int, title: str) -> None:
        title = _non_empty(title, "a meeting title", MAX_NAME_CHARS)
        with self._write() as conn:
            cur = conn.execute("UPDATE meetings SET title = ? WHERE id = ?", (title, meeting_id))
            if cur.rowcount == 0:
                raise LibraryError(f"there is no meeting {meeting_id} in the library")

    def get_meeting(self, meeting_id: int) -> Meeting:
        with self._read() as conn:
            row = conn.execute(
                f"SELECT id, title, meeting_date, {_frozen('meetings.id')}"
                " FROM meetings WHERE id = ?",
                (meeting_id,),
            ).fetchone()
            if row is None:
                raise LibraryError(f"there is no meeting {meeting_id} in the library")
            return _meeting(row)

    def list_meetings(self) -> list[Meeting]:
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT id, title, meeting_date, {_frozen('meetings.id')} FROM meetings"
                " ORDER BY meeting_date DESC, id DESC"
            ).fetchall()
            return [_meeting(r) for r in rows]

    def agenda(self, meeting_id: int) -> list[CaseSummary]:
        with self._read() as conn:
            _require(conn, "meetings", meeting_id, "meeting")
            rows = conn.execute(
                "SELECT c.id, c.label, c.updated_at FROM agenda a JOIN cases c ON c.id = a.case_id"
                " WHERE a.meeting_id = ? ORDER BY a.position",
                (meeting_id,),
            ).fetchall()
            return [CaseSummary(_int(r[0]), _str(r[1]), _time(r[2])) for r in rows]

    def add_to_agenda(self, meeting_id: int, case_id: int, position: int | None = None) -> None:
        with self._write() as conn:
            _require_open(conn, meeting_id)
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
            _require_open(conn, meeting_id)
            _take_off_agenda(conn, meeting_id, case_id)

    def move_in_agenda(self, meeting_id: int, case_id: int, new_position: int) -> None:
        with self._write() as conn:
            _require_open(conn, meeting_id)
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

    # -- minutes: attendees, sign-off, amendments ----------------------------------------------

    def attendees(self, meeting_id: int) -> list[Attendee]:
        with self._read() as conn:
            _require(conn, "meetings", meeting_id, "meeting")
            rows = conn.execute(
                "SELECT name, role FROM attendees WHERE meeting_id = ? ORDER BY position",
                (meeting_id,),
            ).fetchall()
            return [Attendee(_str(r[0]), _str(r[1])) for r in rows]

    def set_attendees(self, meeting_id: int, attendees: Sequence[Attendee]) -> None:
        """Replace the meeting's list of attendees (refused once the meeting is signed off)."""
        if len(attendees) > MAX_ATTENDEES:
            raise LibraryError(f"a meeting lists at most {MAX_ATTENDEES} attendees")
        clean = [
            Attendee(
                _non_empty(a.name, "an attendee's name", MAX_NAME_CHARS),
                _bounded(a.role, "an attendee's role", MAX_NAME_CHARS).strip(),
            )
            for a in attendees
        ]
        with self._write() as conn:
            _require_open(conn, meeting_id)
            conn.execute("DELETE FROM attendees WHERE meeting_id = ?", (meeting_id,))
            conn.executemany(
                "INSERT INTO attendees (meeting_id, position, name, role) VALUES (?, ?, ?, ?)",
                [(meeting_id, i, a.name, a.role) for i, a in enumerate(clean)],
            )

    def last_attendees(self, before_meeting: int | None = None) -> list[Attendee]:
        """The attendees of the latest other meeting that has any (to pre-fill a new list)."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT m.id FROM meetings m WHERE m.id IS NOT ?"
                " AND EXISTS (SELECT 1 FROM attendees a WHERE a.meeting_id = m.id)"
                " ORDER BY m.meeting_date DESC, m.id DESC LIMIT 1",
                (before_meeting,),
            ).fetchone()
        return [] if row is None else self.attendees(_int(row[0]))

    def sign_off(self, meeting_id: int, by: str) -> int:
        """The chair signs the minutes: the meeting is frozen from now on (until amended)."""
        by = _non_empty(by, "who signs off the meeting", MAX_NAME_CHARS)
        with self._write() as conn:
            _require(conn, "meetings", meeting_id, "meeting")
            if _is_frozen(conn, meeting_id):
                raise LibraryError(f"meeting {meeting_id} is already signed off")
            attendees = conn.execute(
                "SELECT name, role FROM attendees WHERE meeting_id = ? ORDER BY position",
                (meeting_id,),
            ).fetchall()
            current = conn.execute(
                "SELECT d.id FROM decisions d WHERE d.meeting_id = ?"
                " AND NOT EXISTS (SELECT 1 FROM decisions n WHERE n.supersedes = d.id)"
                " ORDER BY d.id",
                (meeting_id,),
            ).fetchall()
            minutes = {
                "attendees": [{"name": a[0], "role": a[1]} for a in attendees],
                "decisions": [r[0] for r in current],
            }
            cur = conn.execute(
                "INSERT INTO meeting_signoffs (meeting_id, kind, by_name, at, reason, minutes)"
                " VALUES (?, 'sign-off', ?, ?, '', ?)",
                (meeting_id, by, _now(), json.dumps(minutes)),
            )
            return _rowid(cur)

    def amend_meeting(self, meeting_id: int, by: str, reason: str) -> int:
        """Reopen a signed-off meeting as a new version of its minutes; the old one stays."""
        by = _non_empty(by, "who amends the meeting", MAX_NAME_CHARS)
        reason = _non_empty(reason, "the reason for the amendment", MAX_TEXT_CHARS)
        with self._write() as conn:
            _require(conn, "meetings", meeting_id, "meeting")
            if not _is_frozen(conn, meeting_id):
                raise LibraryError(
                    f"meeting {meeting_id} is not signed off; it can be changed directly"
                )
            cur = conn.execute(
                "INSERT INTO meeting_signoffs (meeting_id, kind, by_name, at, reason, minutes)"
                " VALUES (?, 'amendment', ?, ?, ?, '{}')",
                (meeting_id, by, _now(), reason),
            )
            return _rowid(cur)

    def minutes_history(self, meeting_id: int) -> list[MinutesEvent]:
        """Every sign-off and amendment of the meeting, oldest first."""
        with self._read() as conn:
            _require(conn, "meetings", meeting_id, "meeting")
            rows = conn.execute(
                "SELECT id, meeting_id, kind, by_name, at, reason, minutes FROM meeting_signoffs"
                " WHERE meeting_id = ? ORDER BY id",
                (meeting_id,),
            ).fetchall()
            events = []
            version = 1
            for r in rows:
                kind = _str(r[2])
                if kind not in ("sign-off", "amendment"):
                    raise _Damaged
                if kind == "amendment":
                    version += 1
                minutes = _json(r[6], dict)
                attendees = tuple(
                    Attendee(_str(a.get("name")), _str(a.get("role")))
                    for a in _list_of(minutes.get("attendees", []), dict)
                )
                events.append(
                    MinutesEvent(
                        id=_int(r[0]),
                        meeting_id=_int(r[1]),
                        kind=kind,
                        by=_str(r[3]),
                        at=_time(r[4]),
                        reason=_str(r[5]),
                        version=version,
                        attendees=attendees,
                        decision_ids=tuple(_list_of(minutes.get("decisions", []), int)),
                    )
                )
            return events

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
        snapshot: DecisionSnapshot,
        supersedes: int | None = None,
    ) -> int:
        chosen_regimen = _non_empty(chosen_regimen, "the chosen regimen", MAX_NAME_CHARS)
        recorded_by = _non_empty(recorded_by, "who recorded the decision", MAX_NAME_CHARS)
        _check_off_pathway(on_pathway, off_pathway_reason, off_pathway_detail)
        if not isinstance(alternatives, list | tuple) or not all(
            isinstance(a, str) and len(a) <= MAX_NAME_CHARS for a in alternatives
        ):
            raise LibraryError("alternatives must be a list of regimen names")
        for text, what in ((note, "the note"), (dissent, "the dissent")):
            _bounded(text, what, MAX_TEXT_CHARS)
        snap = _snapshot_row(snapshot)
        with self._write() as conn:
            _require_open(conn, meeting_id)
            _require(conn, "cases", case_id, "case")
            current = _current_decision_id(conn, meeting_id, case_id)
            if supersedes != current:
                raise LibraryError(_supersede_problem(meeting_id, case_id, supersedes, current))
            cur = conn.execute(
                "INSERT INTO decisions (meeting_id, case_id, chosen_regimen, on_pathway,"
                " off_pathway_reason, off_pathway_detail, alternatives, note, dissent,"
                " recorded_by, recorded_at, supersedes, case_snapshot, recommendation_snapshot,"
                " content_version, content_digest, app_version)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                    *snap,
                ),
            )
            return _rowid(cur)

    def decisions(self, case_id: int, meeting_id: int | None = None) -> list[Decision]:
        """Every version of the decisions on a case, oldest first."""
        where = "WHERE case_id = ?"
        params: tuple[int, ...] = (case_id,)
        if meeting_id is not None:
            where += " AND meeting_id = ?"
            params += (meeting_id,)
        with self._read() as conn:
            _require(conn, "cases", case_id, "case")
            if meeting_id is not None:
                _require(conn, "meetings", meeting_id, "meeting")
            rows = conn.execute(f"{_DECISION_COLUMNS} {where} ORDER BY id", params).fetchall()
            return _decisions(rows)

    def all_decisions(self) -> list[Decision]:
        """Every decision version in the library, oldest first (for local practice)."""
        with self._read() as conn:
            rows = conn.execute(f"{_DECISION_COLUMNS} ORDER BY id").fetchall()
            return _decisions(rows)

    def meeting_decisions(self, meeting_id: int) -> list[Decision]:
        """Every decision version recorded at a meeting, oldest first."""
        with self._read() as conn:
            _require(conn, "meetings", meeting_id, "meeting")
            rows = conn.execute(
                f"{_DECISION_COLUMNS} WHERE meeting_id = ? ORDER BY id", (meeting_id,)
            ).fetchall()
            return _decisions(rows)

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
            return [CaseSummary(_int(r[0]), _str(r[1]), _time(r[2])) for r in rows]

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise LibraryError(f"{self._path}: the case library is closed")
        return self._conn

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """A read, with the rows decoded inside: damaged values become a LibraryError too."""
        conn = self._connection()
        try:
            yield conn
        except sqlite3.Error as exc:
            raise LibraryError(
                f"{self._path}: cannot read the case library: {_explain(exc)}"
            ) from None
        except (_Damaged, ValueError, TypeError, KeyError, OverflowError, RecursionError):
            # ValueError includes UnicodeDecodeError: SQLite hands back text that is not UTF-8.
            raise LibraryError(
                f"{self._path}: the case library holds a damaged value "
                "(a date, a number or a stored JSON text is not readable); nothing was changed"
            ) from None

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One transaction per public edit, so a crash loses at most the edit in progress.

        BEGIN IMMEDIATE takes the write lock up front: the checks made inside the transaction
        then still hold when its writes happen, even with another process on the same file.
        """
        conn = self._connection()
        if self._read_only_reason is not None:
            raise LibraryError(
                f"{self._path}: the case library is read-only ({self._read_only_reason}); "
                "nothing was changed"
            )
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
            raise LibraryError(
                f"{self._path}: cannot change the case library: {_explain(exc)}"
            ) from None
        except (_Damaged, ValueError, TypeError, OverflowError, RecursionError):
            raise LibraryError(
                f"{self._path}: the case library holds a damaged value; nothing was changed"
            ) from None


_DECISION_COLUMNS = (
    "SELECT id, meeting_id, case_id, chosen_regimen, on_pathway, off_pathway_reason,"
    " off_pathway_detail, alternatives, note, dissent, recorded_by, recorded_at,"
    " supersedes, case_snapshot, recommendation_snapshot, content_version, content_digest,"
    " app_version FROM decisions"
)


def _decisions(rows: list[Any]) -> list[Decision]:
    superseded_by = {_int(r[12]): _int(r[0]) for r in rows if r[12] is not None}
    versions: dict[tuple[int, int], int] = {}
    result = []
    for r in rows:
        # Each correction must supersede the latest version, so id order is version order.
        key = (_int(r[1]), _int(r[2]))
        versions[key] = versions.get(key, 0) + 1
        on_pathway = _int(r[4])
        reason = None if r[5] is None else _str(r[5])
        if on_pathway not in (0, 1) or (reason is not None and reason not in OFF_PATHWAY_REASONS):
            raise _Damaged
        result.append(
            Decision(
                id=_int(r[0]),
                meeting_id=key[0],
                case_id=key[1],
                version=versions[key],
                chosen_regimen=_str(r[3]),
                on_pathway=bool(on_pathway),
                off_pathway_reason=reason,
                off_pathway_detail=_str(r[6]),
                alternatives=tuple(_list_of(_json(r[7], list), str)),
                note=_str(r[8]),
                dissent=_str(r[9]),
                recorded_by=_str(r[10]),
                recorded_at=_time(r[11]),
                supersedes=None if r[12] is None else _int(r[12]),
                superseded_by=superseded_by.get(_int(r[0])),
                snapshot=_snapshot(r[13:18]),
            )
        )
    return result


def _snapshot(values: Sequence[Any]) -> DecisionSnapshot | None:
    if all(v is None for v in values):
        return None  # recorded before schema 3
    case_json = _str(values[0])
    _json(case_json, dict)  # checked here, so that a damaged snapshot fails like any row
    return DecisionSnapshot(
        case_json=case_json,
        recommendation=_json(values[1], dict),
        content_version=_str(values[2]),
        content_digest=_str(values[3]),
        app_version=_str(values[4]),
    )


def _snapshot_row(s: DecisionSnapshot) -> tuple[str, str, str, str, str]:
    if not isinstance(s, DecisionSnapshot):
        raise LibraryError("a decision is recorded with a snapshot of what the board saw")
    _label_of(s.case_json)
    try:
        recommendation = s.to_json()
    except (TypeError, ValueError):
        raise LibraryError("the recommendation snapshot is not JSON") from None
    if len(recommendation) > MAX_SNAPSHOT_CHARS:
        raise LibraryError(f"the recommendation snapshot is over {MAX_SNAPSHOT_CHARS} characters")
    for value, what in (
        (s.content_version, "the content version"),
        (s.content_digest, "the content digest"),
        (s.app_version, "the app version"),
    ):
        _non_empty(value, what, MAX_NAME_CHARS)
    return s.case_json, recommendation, s.content_version, s.content_digest, s.app_version


# -- opening ---------------------------------------------------------------------------------------


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


def _explain(exc: sqlite3.Error, timeout: float = _BUSY_TIMEOUT_S) -> str:
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
    return str(exc)


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
    _refuse_newer(path, version)
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


def _casefold(value: object) -> str | None:
    # Called by SQLite on stored labels: a damaged (non-text) label must not raise inside SQL.
    return value.casefold() if isinstance(value, str) else None


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


# -- queries -----------------------------------------------------------------------------------


def _require(conn: sqlite3.Connection, table: str, row_id: int, what: str) -> None:
    if conn.execute(f"SELECT 1 FROM {table} WHERE id = ?", (row_id,)).fetchone() is None:
        raise LibraryError(f"there is no {what} {row_id} in the library")


def _require_open(conn: sqlite3.Connection, meeting_id: int) -> None:
    """The meeting exists and is not signed off (the triggers refuse too; this says it first)."""
    _require(conn, "meetings", meeting_id, "meeting")
    if _is_frozen(conn, meeting_id):
        raise LibraryError(f"meeting {meeting_id}: {_FROZEN_MESSAGE}")


def _is_frozen(conn: sqlite3.Connection, meeting_id: int) -> bool:
    row = conn.execute(f"SELECT {_frozen('?')}", (meeting_id,)).fetchone()
    return bool(row[0])


def _position(conn: sqlite3.Connection, meeting_id: int, case_id: int) -> int | None:
    row = conn.execute(
        "SELECT position FROM agenda WHERE meeting_id = ? AND case_id = ?", (meeting_id, case_id)
    ).fetchone()
    return None if row is None else _int(row[0])


def _agenda_size(conn: sqlite3.Connection, meeting_id: int) -> int:
    return _int(
        conn.execute("SELECT count(*) FROM agenda WHERE meeting_id = ?", (meeting_id,)).fetchone()[
            0
        ]
    )


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
    return None if row is None else _int(row[0])


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
    _bounded(detail, "the off-pathway detail", MAX_TEXT_CHARS)
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


# -- values ----------------------------------------------------------------------------------------


def _label_of(case_json: str) -> str:
    if not isinstance(case_json, str):
        raise LibraryError("the case must be JSON text")
    if len(case_json) > MAX_CASE_CHARS:
        raise LibraryError(f"the case is over {MAX_CASE_CHARS:,} characters")
    try:
        case = json.loads(case_json)
    except (ValueError, RecursionError):
        # The parser's message may quote the text, so it is not passed on.
        raise LibraryError("the case is not valid JSON") from None
    if not isinstance(case, dict):
        raise LibraryError("the case must be a JSON object")
    label = case.get("label")
    if not isinstance(label, str) or not label.strip():
        raise LibraryError('the case needs a non-empty string "label"')
    return label


def _bounded(text: object, what: str, limit: int) -> str:
    if not isinstance(text, str):
        raise LibraryError(f"{what} must be text")
    if len(text) > limit:
        raise LibraryError(f"{what} is over {limit:,} characters")
    return text


def _non_empty(text: object, what: str, limit: int) -> str:
    if not isinstance(text, str) or not text.strip():
        raise LibraryError(f"{what} must not be empty")
    return _bounded(text, what, limit).strip()


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _day(date: dt.date) -> str:
    # A datetime is also a date; only the day is meaningful for a meeting.
    return dt.date(date.year, date.month, date.day).isoformat()


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


# Decoders of stored values: anything unexpected raises _Damaged (-> LibraryError in _read).


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise _Damaged
    return value


def _int(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise _Damaged
    return value


def _time(value: object) -> dt.datetime:
    moment = dt.datetime.fromisoformat(_str(value))
    # Naive or out-of-range moments cannot be shown in local time (astimezone overflows).
    if moment.tzinfo is None or not 1900 <= moment.year <= 9000:
        raise _Damaged
    return moment


def _date(value: object) -> dt.date:
    day = dt.date.fromisoformat(_str(value))
    if not 1900 <= day.year <= 9000:
        raise _Damaged
    return day


def _json(value: object, kind: type[Any]) -> Any:
    text = _str(value)
    if len(text) > MAX_CASE_CHARS:
        raise _Damaged
    decoded = json.loads(text)
    if not isinstance(decoded, kind):
        raise _Damaged
    return decoded


def _list_of(value: object, kind: type[Any]) -> list[Any]:
    if not isinstance(value, list) or not all(
        isinstance(v, kind) and not isinstance(v, bool) for v in value
    ):
        raise _Damaged
    return value


def _meeting(row: Sequence[Any]) -> Meeting:
    return Meeting(_int(row[0]), _str(row[1]), _date(row[2]), bool(row[3]))


def _rowid(cur: sqlite3.Cursor) -> int:
    if cur.lastrowid is None:  # pragma: no cover - INSERT on a rowid table always sets it
        raise LibraryError("the library did not assign an id")
    return cur.lastrowid
