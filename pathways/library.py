"""The case library: stored cases, tumor-board meetings, their agendas, minutes and decisions.

Two backends behind one interface (:class:`CaseLibrary`): an SQLite file, the embedded
default for one workstation, and a PostgreSQL database shared by a whole board
(``postgresql://…`` or a libpq service name; :mod:`pathways.library_postgres`, imported only
when such a library is opened). Both are built from one schema (:mod:`pathways.library_schema`),
run the same SQL, and enforce the same rules in the database itself.

Cases are kept as the app's case-file JSON text (opaque here apart from its ``label``).
Decisions form an append-only audit trail: a correction is a new row that supersedes the
previous one, and the database refuses UPDATE and DELETE on them. Every decision carries a
snapshot of what the board saw (the case JSON, the engine's recommendation, the content version
and digest, the app version), and a meeting can be signed off: the database then refuses every
change to it until an amendment (with its reason) reopens it as a new version of the minutes.

Every failure, including values damaged inside otherwise valid rows, is raised as
:class:`LibraryError`. Nothing in this module logs, and no error message quotes case contents,
because a case file may carry patient identifiers.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, Self, TypeVar

from pathways.frozen import FrozenValue, frozen_value
from pathways.library_schema import FROZEN_MESSAGE as _FROZEN_MESSAGE
from pathways.library_schema import SCHEMA_VERSION as SCHEMA_VERSION
from pathways.library_schema import Dialect, fold
from pathways.library_schema import frozen as _frozen
from pathways.library_store import Failure
from pathways.library_store import LibraryError as LibraryError
from pathways.library_store import LibraryUnavailable as LibraryUnavailable
from pathways.library_store import PasswordRequired as PasswordRequired

if TYPE_CHECKING:
    from pathways.library_store import ChangeFeed, Cursor, Store


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


class _Damaged(Exception):
    """A stored value is not what the schema promises (raised while decoding rows)."""


# The rows of a list (10,000 cases and more) keep dataclasses' generated __init__, the fastest
# way to build them; the values made a few at a time below share pathways.frozen's methods.
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


@frozen_value
class DecisionSnapshot(FrozenValue):
    """What the board saw when it decided: recorded with the decision, never changed."""

    case_json: str
    recommendation: dict[str, Any]  # the engine's Recommendation.to_dict(content)
    content_version: str
    content_digest: str
    app_version: str

    def to_json(self) -> str:
        return json.dumps(self.recommendation, ensure_ascii=False, sort_keys=True)


@frozen_value
class Decision(FrozenValue):
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


P = ParamSpec("P")
R = TypeVar("R")

# How often a write that collided with another workstation's is tried again (PostgreSQL
# reports a deadlock or a serialization failure instead of waiting): with a random pause
# that grows each time, 8 tries ride out a burst of twenty stations on the same meeting.
MAX_TRIES = 8


def _retried(
    method: Callable[Concatenate[CaseLibrary, P], R],
) -> Callable[Concatenate[CaseLibrary, P], R]:
    """Run a write again, whole, when the database reports a collision with another writer."""

    def wrapper(self: CaseLibrary, /, *args: P.args, **kwargs: P.kwargs) -> R:
        for attempt in range(MAX_TRIES):
            try:
                return method(self, *args, **kwargs)
            except _Conflict:
                self.conflicts_retried += 1
                time.sleep(random.uniform(0, 0.005 * 2**attempt))
        raise LibraryError(
            f"{self.where}: other workstations kept changing the same records at the same "
            f"moment ({MAX_TRIES} tries); nothing was changed: try again"
        )

    wrapper.__name__, wrapper.__doc__ = method.__name__, method.__doc__
    return wrapper


class _Conflict(Exception):
    """A write collided with another one and was rolled back whole: it may simply be re-run."""


def is_server_location(location: str | Path) -> bool:
    """Whether ``location`` names a PostgreSQL database rather than an SQLite file."""
    if isinstance(location, Path):
        return False
    text = location.strip()
    return text.startswith(("postgresql://", "postgres://")) or text.startswith("service=")


def address_has_password(address: str) -> bool:
    """Whether a server address carries a password (refused: the app never keeps one; libpq's
    pgpass or service file hold it, or the user types it when asked)."""
    from urllib.parse import urlsplit

    text = address.strip()
    if text.startswith(("postgresql://", "postgres://")):
        try:
            parts = urlsplit(text)
        except ValueError:
            return False
        return parts.password is not None or "password=" in parts.query.lower()
    return re.search(r"(^|\s)password\s*=", text, re.IGNORECASE) is not None


class CaseLibrary:
    """An open case library. Use :meth:`open`; close it (or use ``with``) when done."""

    def __init__(self, store: Store, location: Path | str) -> None:
        self._store: Store | None = store
        self.location = location  # as opened: a path, or an address that holds no password
        self._dialect: Dialect = store.dialect
        self.where = store.where
        self._path: Path | None = getattr(store, "path", None)
        self._read_only_reason = store.read_only_reason
        self.conflicts_retried = 0  # writes run again after a collision (for the load test)

    @classmethod
    def open(
        cls,
        location: Path | str,
        *,
        read_only: bool = False,
        timeout: float | None = None,
        password: str | None = None,
    ) -> CaseLibrary:
        """Open (or create) the library at ``location``: an SQLite file's path, or a PostgreSQL
        database (``postgresql://…`` URL or ``service=NAME`` for libpq's service file).

        A library that cannot be written (a read-only file, folder or disk) is opened read-only
        rather than refused, so that it can still be read and printed; ``read_only`` asks for
        that mode explicitly. ``timeout``: how long to wait for another program's lock (SQLite)
        or for the server to answer the connection (PostgreSQL). ``password``: typed by the
        user when the server asked for one (:class:`PasswordRequired`) and libpq found none;
        kept in this object's memory for reconnections, never written anywhere.
        """
        if is_server_location(location):
            from pathways.library_postgres import CONNECT_TIMEOUT_S, PostgresStore

            pg = PostgresStore.open(
                str(location),
                read_only=read_only,
                timeout=timeout or CONNECT_TIMEOUT_S,
                password=password,
            )
            return cls(pg, str(location).strip())
        from pathways.library_sqlite import BUSY_TIMEOUT_S, SqliteStore

        lite = SqliteStore.open(
            Path(location),
            read_only=read_only,
            timeout=BUSY_TIMEOUT_S if timeout is None else timeout,
        )
        return cls(lite, Path(location))

    @property
    def path(self) -> Path | None:
        """The SQLite file, or None for a library on a server."""
        return self._path

    @property
    def backend(self) -> str:
        return self._dialect.name

    @property
    def login(self) -> str | None:
        """The database login recorded on decisions and sign-offs (PostgreSQL), else None."""
        return None if self._store is None else self._store.login

    @property
    def read_only(self) -> bool:
        return self._read_only_reason is not None

    @property
    def read_only_reason(self) -> str | None:
        return self._read_only_reason

    def rights(self) -> frozenset[str]:
        """What this login may change: ``meetings`` (meetings, agendas, attendees), ``cases``,
        ``decisions`` and ``minutes`` (sign-off, amendment); none when read-only. On
        PostgreSQL the database's grants decide (the window disables what would be refused);
        on a file, everything."""
        if self.read_only:
            return frozenset()
        with self._read() as store:
            return store.rights()

    def changes(self) -> ChangeFeed:
        """A feed of what others commit to this library (see :class:`ChangeFeed`)."""
        store = self._connection()
        try:
            return store.changes()
        except store.errors as exc:
            raise self._failure(store, exc, "cannot watch the case library") from None

    def reconnect(self) -> bool:
        """Try to reach the server again; True when the library can be used."""
        store = self._connection()
        try:
            store.reconnect()
            store.begin(write=False)
            store.execute("SELECT 1").fetchone()
            store.commit()
            return True
        except store.errors:
            return False

    def close(self) -> None:
        store, self._store = self._store, None
        if store is not None:
            store.close()

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

    @_retried
    def add_case(self, case_json: str) -> int:
        label = _label_of(case_json)
        now = _now()
        with self._write() as conn:
            cur = conn.execute(
                "INSERT INTO cases (label, case_json, created_at, updated_at) VALUES (?, ?, ?, ?)"
                " RETURNING id",
                (label, case_json, now, now),
            )
            return _rowid(cur)

    @_retried
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

    def list_cases(
        self, *, after: CaseSummary | None = None, limit: int | None = None
    ) -> list[CaseSummary]:
        """The cases in label order; ``limit`` of them after ``after`` (a page), or all.

        A window shows a long library a page at a time (a page is read in constant time, by
        the label index, wherever it starts), so that 100,000 cases open as fast as 100.
        """
        return self._summaries([], [], after, limit)

    def search_cases(
        self, text: str, *, after: CaseSummary | None = None, limit: int | None = None
    ) -> list[CaseSummary]:
        """The cases whose label contains ``text`` (case-insensitive), paged as list_cases."""
        # Folded on both sides: SQLite's own LIKE folds ASCII letters only.
        pattern = "%" + _escape_like(fold(self._dialect, text)) + "%"
        return self._summaries(
            [f"{self._dialect.label_search} LIKE ? ESCAPE '\\'"], [pattern], after, limit
        )

    @_retried
    def delete_case(self, case_id: int) -> None:
        with self._write() as conn:
            _require(conn, "cases", case_id, "case")
            if conn.execute("SELECT 1 FROM decisions WHERE case_id = ?", (case_id,)).fetchone():
                raise LibraryError(
                    f"case {case_id} has recorded decisions and cannot be deleted "
                    "(decisions are kept for the audit trail)"
                )
            meetings = conn.execute(
                "SELECT meeting_id FROM agenda WHERE case_id = ? ORDER BY meeting_id", (case_id,)
            )
            for (meeting_id,) in meetings.fetchall():
                _lock_meeting(conn, meeting_id)
                _take_off_agenda(conn, meeting_id, case_id)
            conn.execute("DELETE FROM cases WHERE id = ?", (case_id,))

    # -- meetings and agendas ------------------------------------------------------------------

    @_retried
    def create_meeting(self, title: str, date: dt.date) -> int:
        title = _non_empty(title, "a meeting title", MAX_NAME_CHARS)
        with self._write() as conn:
            cur = conn.execute(
                "INSERT INTO meetings (title, meeting_date) VALUES (?, ?) RETURNING id",
                (title, _day(date)),
            )
            return _rowid(cur)

    @_retried
    def rename_meeting(self, meeting_id: int, title: str) -> None:
        title = _non_empty(title, "a meeting title", MAX_NAME_CHARS)
        with self._write() as conn:
            _lock_meeting(conn, meeting_id)
            conn.execute("UPDATE meetings SET title = ? WHERE id = ?", (title, meeting_id))

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

    @_retried
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

    @_retried
    def remove_from_agenda(self, meeting_id: int, case_id: int) -> None:
        with self._write() as conn:
            _require_open(conn, meeting_id)
            _take_off_agenda(conn, meeting_id, case_id)

    @_retried
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

    @_retried
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
                "SELECT m.id FROM meetings m WHERE m.id <> ?"
                " AND EXISTS (SELECT 1 FROM attendees a WHERE a.meeting_id = m.id)"
                " ORDER BY m.meeting_date DESC, m.id DESC LIMIT 1",
                (-1 if before_meeting is None else before_meeting,),  # ids are positive
            ).fetchone()
        return [] if row is None else self.attendees(_int(row[0]))

    @_retried
    def sign_off(self, meeting_id: int, by: str) -> int:
        """The chair signs the minutes: the meeting is frozen from now on (until amended)."""
        by = _non_empty(by, "who signs off the meeting", MAX_NAME_CHARS)
        with self._write() as conn:
            _lock_meeting(conn, meeting_id)
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
                " VALUES (?, 'sign-off', ?, ?, '', ?) RETURNING id",
                (meeting_id, by, _now(), json.dumps(minutes)),
            )
            return _rowid(cur)

    @_retried
    def amend_meeting(self, meeting_id: int, by: str, reason: str) -> int:
        """Reopen a signed-off meeting as a new version of its minutes; the old one stays."""
        by = _non_empty(by, "who amends the meeting", MAX_NAME_CHARS)
        reason = _non_empty(reason, "the reason for the amendment", MAX_TEXT_CHARS)
        with self._write() as conn:
            _lock_meeting(conn, meeting_id)
            if not _is_frozen(conn, meeting_id):
                raise LibraryError(
                    f"meeting {meeting_id} is not signed off; it can be changed directly"
                )
            cur = conn.execute(
                "INSERT INTO meeting_signoffs (meeting_id, kind, by_name, at, reason, minutes)"
                " VALUES (?, 'amendment', ?, ?, ?, '{}') RETURNING id",
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

    @_retried
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
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
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

    def _summaries(
        self,
        where: list[str],
        params: list[Any],
        after: CaseSummary | None,
        limit: int | None,
    ) -> list[CaseSummary]:
        key, key_of = self._dialect.label_key, self._dialect.label_key_of_parameter
        if after is not None:
            # Keyset paging: the rows after the last one shown, in the order of the index.
            # (The >= lets the database seek the index to the page's start: an OR alone would not.)
            where = [*where, f"{key} >= {key_of} AND ({key} > {key_of} OR id > ?)"]
            params = [*params, after.label, after.label, after.id]
        sql = "SELECT id, label, updated_at FROM cases"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f" ORDER BY {key}, id"
        if limit is not None:
            if not isinstance(limit, int) or limit < 1:
                raise LibraryError("a page holds at least one case")
            sql += " LIMIT ?"
            params = [*params, limit]
        with self._read() as conn:
            rows = conn.execute(sql, params).fetchall()
            return [CaseSummary(_int(r[0]), _str(r[1]), _time(r[2])) for r in rows]

    def _connection(self) -> Store:
        if self._store is None:
            raise LibraryError(f"{self.where}: the case library is closed")
        return self._store

    def _failure(self, store: Store, exc: BaseException, doing: str) -> LibraryError:
        """The driver's error in the library's words (drivers' messages quote no case data)."""
        if store.classify(exc) is Failure.GONE:
            return LibraryUnavailable(f"{self.where}: {store.explain(exc)}; nothing was changed")
        return LibraryError(f"{self.where}: {doing}: {store.explain(exc)}")

    @contextmanager
    def _read(self) -> Iterator[Store]:
        """A read, with the rows decoded inside: damaged values become a LibraryError too."""
        store = self._connection()
        try:
            store.begin(write=False)
            try:
                yield store
                store.commit()
            except BaseException:
                _quietly_roll_back(store)
                raise
        except store.errors as exc:
            raise self._failure(store, exc, "cannot read the case library") from None
        except (_Damaged, ValueError, TypeError, KeyError, OverflowError, RecursionError):
            # ValueError includes UnicodeDecodeError: SQLite hands back text that is not UTF-8.
            raise LibraryError(
                f"{self.where}: the case library holds a damaged value "
                "(a date, a number or a stored JSON text is not readable); nothing was changed"
            ) from None

    @contextmanager
    def _write(self) -> Iterator[Store]:
        """One transaction per public edit, so a crash loses at most the edit in progress.

        The store begins a transaction in which the checks made inside still hold when its
        writes happen, whatever other workstations do: SQLite takes its write lock up front,
        PostgreSQL locks the meeting an edit changes (:func:`_lock_meeting`) and reports a
        deadlock or serialization failure, which :func:`_retried` answers by running the whole
        edit again.
        """
        store = self._connection()
        if self._read_only_reason is not None:
            raise LibraryError(
                f"{self.where}: the case library is read-only ({self._read_only_reason}); "
                "nothing was changed"
            )
        committing = False
        try:
            store.begin(write=True)
            try:
                yield store
                committing = True
                store.commit()
            except BaseException:
                _quietly_roll_back(store)
                raise
        except store.errors as exc:
            failure = store.classify(exc)
            if failure is Failure.CONFLICT:
                raise _Conflict from None
            if failure is Failure.GONE and committing:
                # The server may have committed just before the connection broke.
                raise LibraryUnavailable(
                    f"{self.where}: {store.explain(exc)} while saving: the change may or may not "
                    "have been saved; check once the library is back"
                ) from None
            raise self._failure(store, exc, "cannot change the case library") from None
        except (_Damaged, ValueError, TypeError, OverflowError, RecursionError):
            raise LibraryError(
                f"{self.where}: the case library holds a damaged value; nothing was changed"
            ) from None


def _quietly_roll_back(store: Store) -> None:
    """Roll back what can be; a broken connection has nothing to roll back."""
    with suppress(*store.errors):
        store.rollback()


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


# -- queries -----------------------------------------------------------------------------------


def _require(conn: Store, table: str, row_id: int, what: str) -> None:
    if conn.execute(f"SELECT 1 FROM {table} WHERE id = ?", (row_id,)).fetchone() is None:
        raise LibraryError(f"there is no {what} {row_id} in the library")


def _lock_meeting(conn: Store, meeting_id: int) -> None:
    """The meeting exists; its row stays locked until the transaction ends.

    Every edit of a meeting (its agenda, attendees, decisions, minutes) locks it first, so the
    edits of one meeting from several workstations happen one after the other, each seeing the
    previous one's result (on SQLite the write lock on the file does this already).
    """
    if conn.dialect.meeting_lock:
        conn.execute(conn.dialect.meeting_lock, (meeting_id,)).fetchone()
    _require(conn, "meetings", meeting_id, "meeting")


def _require_open(conn: Store, meeting_id: int) -> None:
    """The meeting exists and is not signed off (the triggers refuse too; this says it first)."""
    _lock_meeting(conn, meeting_id)
    if _is_frozen(conn, meeting_id):
        raise LibraryError(f"meeting {meeting_id}: {_FROZEN_MESSAGE}")


def _is_frozen(conn: Store, meeting_id: int) -> bool:
    row = conn.execute(f"SELECT {_frozen('?')}", (meeting_id,)).fetchone()
    return bool(row[0])


def _position(conn: Store, meeting_id: int, case_id: int) -> int | None:
    row = conn.execute(
        "SELECT position FROM agenda WHERE meeting_id = ? AND case_id = ?", (meeting_id, case_id)
    ).fetchone()
    return None if row is None else _int(row[0])


def _agenda_size(conn: Store, meeting_id: int) -> int:
    return _int(
        conn.execute("SELECT count(*) FROM agenda WHERE meeting_id = ?", (meeting_id,)).fetchone()[
            0
        ]
    )


def _take_off_agenda(conn: Store, meeting_id: int, case_id: int) -> None:
    old = _position(conn, meeting_id, case_id)
    if old is None:
        raise LibraryError(f"case {case_id} is not on the agenda of meeting {meeting_id}")
    conn.execute("DELETE FROM agenda WHERE meeting_id = ? AND case_id = ?", (meeting_id, case_id))
    conn.execute(
        "UPDATE agenda SET position = position - 1 WHERE meeting_id = ? AND position > ?",
        (meeting_id, old),
    )


def _current_decision_id(conn: Store, meeting_id: int, case_id: int) -> int | None:
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


def _rowid(cur: Cursor) -> int:
    """The id an ``INSERT … RETURNING id`` assigned."""
    row = cur.fetchone()
    if row is None:  # pragma: no cover - INSERT … RETURNING always returns the row
        raise LibraryError("the library did not assign an id")
    return _int(row[0])
