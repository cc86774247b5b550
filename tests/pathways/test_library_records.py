"""Schema 3 of the case library: snapshots, minutes (sign-off, amendments), damaged values,
read-only and locked libraries."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import sqlite3
import stat
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from pathways.library import (
    SCHEMA_VERSION,
    Attendee,
    CaseLibrary,
    DecisionSnapshot,
    LibraryError,
)
from pathways.library_sqlite import create_database
from tests.disks import mounted_tmpfs, remount
from tests.pathways.library_backends import REFUSALS, raw

RECOMMENDATION = {
    "line": 3,
    "setting": "metastatic",
    "position": "tdxd",
    "options": [{"regimen": "tdm1", "name": "T-DM1", "tier": "preferred", "explanation": []}],
    "warnings": [],
}


def case(label: str, **extra: Any) -> str:
    return json.dumps({"label": label, **extra})


def snapshot(label: str = "Seen", **changes: Any) -> DecisionSnapshot:
    fields: dict[str, Any] = {
        "case_json": case(label, history=[{"regimen": "tdxd"}]),
        "recommendation": RECOMMENDATION,
        "content_version": "1.0.0",
        "content_digest": "d" * 64,
        "app_version": "0.1.0",
    }
    fields.update(changes)
    return DecisionSnapshot(**fields)


def decide(lib: CaseLibrary, meeting: int, case_id: int, **changes: Any) -> int:
    fields: dict[str, Any] = {
        "chosen_regimen": "tdm1",
        "on_pathway": True,
        "off_pathway_reason": None,
        "off_pathway_detail": "",
        "alternatives": ["tucatinib-trastuzumab-capecitabine"],
        "note": "",
        "dissent": "",
        "recorded_by": "Dr A",
        "snapshot": snapshot(),
    }
    fields.update(changes)
    return lib.record_decision(meeting, case_id, **fields)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "library.sqlite3"


@pytest.fixture
def board(location: Path | str) -> Iterator[tuple[CaseLibrary, int, int]]:
    """A meeting with one case on its agenda, on each backend."""
    with CaseLibrary.open(location) as lib:
        meeting = lib.create_meeting("Board", dt.date(2026, 5, 12))
        case_id = lib.add_case(case("Patient A"))
        lib.add_to_agenda(meeting, case_id)
        yield lib, meeting, case_id


# -- snapshots -------------------------------------------------------------------------------------


def test_decision_keeps_its_snapshot_while_the_case_changes(
    board: tuple[CaseLibrary, int, int], location: Path | str
) -> None:
    lib, meeting, case_id = board
    seen = snapshot("As presented")
    decision = decide(lib, meeting, case_id, snapshot=seen)
    lib.update_case(case_id, case("Edited later", history=[]))
    (stored,) = lib.decisions(case_id)
    assert stored.id == decision
    assert stored.snapshot == seen
    assert json.loads(stored.snapshot.case_json)["label"] == "As presented"
    with pytest.raises(REFUSALS, match="append-only"):
        raw(location, "UPDATE decisions SET case_snapshot = '{}'")
    with pytest.raises(REFUSALS, match="snapshot"):
        raw(
            location,
            "INSERT INTO decisions (meeting_id, case_id, chosen_regimen, on_pathway,"
            " off_pathway_detail, alternatives, note, recorded_by, recorded_at, supersedes)"
            " VALUES (?, ?, 'x', 1, '', '[]', '', 'A', '2026-01-01T00:00:00+00:00', ?)",
            (meeting, case_id, decision),
        )


def test_snapshot_is_required_and_checked(board: tuple[CaseLibrary, int, int]) -> None:
    lib, meeting, case_id = board
    with pytest.raises(LibraryError, match="snapshot"):
        decide(lib, meeting, case_id, snapshot=None)
    with pytest.raises(LibraryError, match="label"):
        decide(lib, meeting, case_id, snapshot=snapshot(case_json="{}"))
    with pytest.raises(LibraryError, match="content digest"):
        decide(lib, meeting, case_id, snapshot=snapshot(content_digest=""))
    assert lib.decisions(case_id) == []


def test_correction_is_a_new_version_with_its_own_snapshot(
    board: tuple[CaseLibrary, int, int],
) -> None:
    lib, meeting, case_id = board
    first = decide(lib, meeting, case_id, snapshot=snapshot("First look"))
    second = decide(lib, meeting, case_id, supersedes=first, snapshot=snapshot("Second look"))
    old, new = lib.decisions(case_id)
    assert (old.id, old.superseded_by, new.id, new.supersedes) == (first, second, second, first)
    assert old.snapshot is not None and new.snapshot is not None
    assert json.loads(old.snapshot.case_json)["label"] == "First look"
    assert json.loads(new.snapshot.case_json)["label"] == "Second look"


# -- migration ----------------------------------------------------------------------------------


def test_migration_from_v2_keeps_decisions_without_snapshot(db_path: Path) -> None:
    create_database(db_path, 2)
    now = "2025-03-04T10:00:00.000+00:00"
    with closing(sqlite3.connect(db_path)) as conn, conn:
        conn.execute("INSERT INTO cases VALUES (1, 'Old', ?, ?, ?)", (case("Old"), now, now))
        conn.execute("INSERT INTO meetings VALUES (1, 'Old board', '2025-03-04')")
        conn.execute("INSERT INTO agenda VALUES (1, 1, 0)")
        conn.execute(
            "INSERT INTO decisions (id, meeting_id, case_id, chosen_regimen, on_pathway,"
            " off_pathway_reason, off_pathway_detail, alternatives, note, recorded_by,"
            " recorded_at, supersedes, dissent)"
            " VALUES (1, 1, 1, 'tdm1', 1, NULL, '', '[]', 'v2 note', 'Dr A', ?, NULL, 'Dr B')",
            (now,),
        )
    copy = db_path.with_name("copy.sqlite3")
    copy.write_bytes(db_path.read_bytes())

    with CaseLibrary.open(copy) as lib:
        (old,) = lib.decisions(1)
        assert (old.note, old.dissent, old.snapshot) == ("v2 note", "Dr B", None)
        assert not lib.get_meeting(1).signed_off
        assert lib.minutes_history(1) == [] and lib.attendees(1) == []
        new = decide(lib, 1, 1, supersedes=1)
        current = lib.current_decision(1, 1)
        assert current is not None and current.id == new and current.snapshot == snapshot()
        lib.sign_off(1, "Chair")
        assert lib.get_meeting(1).signed_off
    assert raw(copy, "PRAGMA user_version") == [(SCHEMA_VERSION,)] == [(3,)]
    assert raw(db_path, "PRAGMA user_version") == [(2,)]  # the original is untouched


def test_newer_schema_refused_untouched(db_path: Path) -> None:
    CaseLibrary.open(db_path).close()
    raw(db_path, "PRAGMA user_version = 4")
    before = db_path.read_bytes()
    with pytest.raises(LibraryError, match="newer version"):
        CaseLibrary.open(db_path)
    assert db_path.read_bytes() == before


# -- minutes -------------------------------------------------------------------------------------


def test_sign_off_freezes_the_meeting_in_the_database(
    board: tuple[CaseLibrary, int, int], location: Path | str
) -> None:
    lib, meeting, case_id = board
    other = lib.add_case(case("Patient B"))
    lib.add_to_agenda(meeting, other)
    lib.set_attendees(meeting, [Attendee("Dr A", "medical oncology"), Attendee("Dr C", "")])
    first = decide(lib, meeting, case_id)
    lib.sign_off(meeting, "Dr Chair")
    assert lib.get_meeting(meeting).signed_off

    refused: list[Callable[[], object]] = [
        lambda: decide(lib, meeting, case_id, supersedes=first),
        lambda: decide(lib, meeting, other),
        lambda: lib.add_to_agenda(meeting, lib.add_case(case("Late"))),
        lambda: lib.remove_from_agenda(meeting, other),
        lambda: lib.move_in_agenda(meeting, other, 0),
        lambda: lib.set_attendees(meeting, []),
        lambda: lib.rename_meeting(meeting, "Renamed"),
        lambda: lib.sign_off(meeting, "Again"),
    ]
    for attempt in refused:
        with pytest.raises(LibraryError, match="signed off"):
            attempt()
    # The database itself refuses, whoever writes to it.
    for sql in (
        f"DELETE FROM agenda WHERE meeting_id = {meeting}",
        f"UPDATE meetings SET title = 'x' WHERE id = {meeting}",
        f"DELETE FROM attendees WHERE meeting_id = {meeting}",
        "DELETE FROM meeting_signoffs",
    ):
        with pytest.raises(REFUSALS, match=r"signed off|append-only"):
            raw(location, sql)
    assert [c.id for c in lib.agenda(meeting)] == [case_id, other]
    assert [a.name for a in lib.attendees(meeting)] == ["Dr A", "Dr C"]


def test_amendment_reopens_as_a_new_version_and_keeps_the_first(
    board: tuple[CaseLibrary, int, int],
) -> None:
    lib, meeting, case_id = board
    lib.set_attendees(meeting, [Attendee("Dr A", "oncology")])
    first = decide(lib, meeting, case_id)
    lib.sign_off(meeting, "Dr Chair")
    with pytest.raises(LibraryError, match="reason"):
        lib.amend_meeting(meeting, "Dr Chair", "  ")
    lib.amend_meeting(meeting, "Dr Chair", "pathology report arrived")
    assert not lib.get_meeting(meeting).signed_off
    with pytest.raises(LibraryError, match="not signed off"):
        lib.amend_meeting(meeting, "Dr Chair", "again")
    second = decide(lib, meeting, case_id, supersedes=first, chosen_regimen="tdxd")
    lib.set_attendees(meeting, [Attendee("Dr A", "oncology"), Attendee("Dr P", "pathology")])
    lib.sign_off(meeting, "Dr Chair")

    events = lib.minutes_history(meeting)
    assert [(e.kind, e.version) for e in events] == [
        ("sign-off", 1),
        ("amendment", 2),
        ("sign-off", 2),
    ]
    assert events[0].decision_ids == (first,) and events[2].decision_ids == (second,)
    assert [a.name for a in events[0].attendees] == ["Dr A"]
    assert [a.name for a in events[2].attendees] == ["Dr A", "Dr P"]
    assert events[1].reason == "pathology report arrived"
    assert [d.id for d in lib.decisions(case_id)] == [first, second]  # both versions stay


def test_last_attendees_prefill(location: Path | str) -> None:
    with CaseLibrary.open(location) as lib:
        old = lib.create_meeting("May", dt.date(2026, 5, 1))
        new = lib.create_meeting("June", dt.date(2026, 6, 1))
        assert lib.last_attendees(new) == []
        lib.set_attendees(old, [Attendee("Dr A", "chair")])
        assert lib.last_attendees(new) == [Attendee("Dr A", "chair")]
        with pytest.raises(LibraryError, match="name"):
            lib.set_attendees(new, [Attendee(" ", "x")])


# -- damaged values -----------------------------------------------------------------------------


def _damage(path: Path, sql: str) -> None:
    with closing(sqlite3.connect(path)) as conn, conn:
        # Damage as a disk or another tool would: past the app's triggers and checks.
        conn.execute("PRAGMA ignore_check_constraints = ON")
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"):
            conn.execute(f"DROP TRIGGER {name}")
        conn.execute(sql)


DAMAGE = {
    "case date": "UPDATE cases SET updated_at = 'yesterday'",
    "case created": "UPDATE cases SET created_at = '2026-02-30T00:00:00+00:00'",
    "naive time": "UPDATE cases SET updated_at = '2026-01-01T00:00:00'",
    "label blob": "UPDATE cases SET label = X'00FF'",
    "case json blob": "UPDATE cases SET case_json = X'C328'",
    "meeting date": "UPDATE meetings SET meeting_date = '2026-13-45'",
    "meeting year 0": "UPDATE meetings SET meeting_date = '0001-01-01'",
    "alternatives": "UPDATE decisions SET alternatives = '{'",
    "alternatives type": "UPDATE decisions SET alternatives = '[1, 2]'",
    "deep json": "UPDATE decisions SET alternatives = '" + "[" * 100000 + "'",
    "on pathway": "UPDATE decisions SET on_pathway = 7",
    "reason": "UPDATE decisions SET off_pathway_reason = 'because'",
    "recorded at": "UPDATE decisions SET recorded_at = ''",
    "snapshot json": "UPDATE decisions SET recommendation_snapshot = '[]'",
    "snapshot case": "UPDATE decisions SET case_snapshot = 'not json'",
    "snapshot part": "UPDATE decisions SET content_digest = NULL",
    "supersedes": "UPDATE decisions SET supersedes = 'x'",
    "minutes": "UPDATE meeting_signoffs SET minutes = '[]'",
    "minutes kind": "UPDATE meeting_signoffs SET kind = 'other'",
    "attendee": "UPDATE attendees SET name = X'FF'",
    # Python's sqlite3 quotes undecodable text in its own message: it must not reach the user.
    "label not utf-8": "UPDATE cases SET label = CAST(X'50617469656E74204120FF' AS TEXT)",
    "case not utf-8": "UPDATE cases SET case_json = CAST(X'50617469656E74204120FF' AS TEXT)",
}


def _every_read(lib: CaseLibrary, meeting: int, case_id: int) -> list[Callable[[], object]]:
    return [
        lib.list_cases,
        lambda: lib.search_cases("a"),
        lambda: lib.get_case(case_id),
        lib.list_meetings,
        lambda: lib.get_meeting(meeting),
        lambda: lib.agenda(meeting),
        lambda: lib.decisions(case_id),
        lambda: lib.current_decision(meeting, case_id),
        lib.all_decisions,
        lambda: lib.meeting_decisions(meeting),
        lambda: lib.attendees(meeting),
        lambda: lib.minutes_history(meeting),
    ]


@pytest.mark.parametrize("damage", list(DAMAGE), ids=list(DAMAGE))
def test_damaged_values_raise_library_error_only(db_path: Path, damage: str) -> None:
    with CaseLibrary.open(db_path) as lib:
        meeting = lib.create_meeting("Board", dt.date(2026, 5, 12))
        case_id = lib.add_case(case("Patient A"))
        lib.add_to_agenda(meeting, case_id)
        lib.set_attendees(meeting, [Attendee("Dr A", "chair")])
        decide(lib, meeting, case_id)
        lib.sign_off(meeting, "Dr A")
    _damage(db_path, DAMAGE[damage])
    failures = 0
    with CaseLibrary.open(db_path) as lib:
        for read in _every_read(lib, meeting, case_id):
            try:
                read()
            except LibraryError as exc:
                failures += 1
                assert "Patient A" not in str(exc)
        # Still open and usable afterwards: one damaged value disables nothing.
        assert lib.create_meeting("Next board", dt.date(2026, 6, 1)) > meeting
    assert failures > 0  # the damage was noticed somewhere, as a LibraryError


def test_flipped_bytes_raise_library_error_only(db_path: Path) -> None:
    with CaseLibrary.open(db_path) as lib:
        meeting = lib.create_meeting("Board", dt.date(2026, 5, 12))
        for n in range(30):
            case_id = lib.add_case(case(f"Patient {n}", note="x" * 300))
            lib.add_to_agenda(meeting, case_id)
            decide(lib, meeting, case_id)
    good = db_path.read_bytes()
    rng = random.Random(20261130)
    outcomes = {"error": 0, "ok": 0}
    for _ in range(60):
        data = bytearray(good)
        for _ in range(rng.randint(1, 8)):
            at = rng.randrange(100, len(data))  # keep the header: the file is still SQLite
            data[at] ^= 1 << rng.randrange(8)
        db_path.write_bytes(bytes(data))
        try:
            with CaseLibrary.open(db_path) as lib:
                for read in _every_read(lib, meeting, 1):
                    try:
                        read()
                        outcomes["ok"] += 1
                    except LibraryError:
                        outcomes["error"] += 1
        except LibraryError:
            outcomes["error"] += 1
        for side in db_path.parent.glob(db_path.name + "-*"):
            side.unlink()
    assert outcomes["error"] > 0 and outcomes["ok"] > 0


# -- opening problems ------------------------------------------------------------------------------


def test_read_only_mode_reads_and_refuses_writes(board: tuple[CaseLibrary, int, int]) -> None:
    lib, meeting, case_id = board
    decide(lib, meeting, case_id)
    assert lib.rights() == {"meetings", "cases", "decisions", "minutes"}  # a file, or the owner
    lib.close()
    with CaseLibrary.open(lib.location, read_only=True) as ro:
        assert ro.read_only and ro.read_only_reason
        assert ro.rights() == frozenset()
        assert [c.id for c in ro.agenda(meeting)] == [case_id]
        assert ro.current_decision(meeting, case_id) is not None
        with pytest.raises(LibraryError, match=r"read-only.*nothing was changed"):
            ro.add_case(case("New"))
    if isinstance(lib.location, Path):
        with pytest.raises(LibraryError, match="no case library there"):
            CaseLibrary.open(lib.location.with_name("missing.sqlite3"), read_only=True)


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0,
    reason="file permissions do not bind the superuser",
)
def test_read_only_folder_opens_read_only(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    path = folder / "library.sqlite3"
    with CaseLibrary.open(path) as lib:
        meeting = lib.create_meeting("Board", dt.date(2026, 5, 12))
    path.chmod(stat.S_IRUSR)
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        with CaseLibrary.open(path) as lib:
            assert lib.read_only and "read-only" in (lib.read_only_reason or "")
            assert lib.get_meeting(meeting).title == "Board"
            with pytest.raises(LibraryError, match="read-only"):
                lib.create_meeting("x", dt.date(2026, 1, 1))
        with pytest.raises(LibraryError, match="folder is read-only"):
            CaseLibrary.open(folder / "new.sqlite3")
    finally:
        folder.chmod(stat.S_IRWXU)
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)


def test_lock_held_while_opening_says_so(db_path: Path) -> None:
    CaseLibrary.open(db_path).close()
    with closing(sqlite3.connect(db_path, isolation_level=None)) as holder:
        holder.execute("PRAGMA locking_mode = EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("INSERT INTO meetings (title, meeting_date) VALUES ('x', '2026-01-01')")
        with pytest.raises(LibraryError) as info:
            CaseLibrary.open(db_path, timeout=0.05)
        holder.execute("ROLLBACK")
    message = str(info.value)
    assert "another program holds its lock" in message
    assert "damaged" not in message and "not a case library" not in message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_special_files_are_refused_before_reading(tmp_path: Path) -> None:
    fifo = tmp_path / "library.fifo"
    os.mkfifo(fifo)
    with pytest.raises(LibraryError, match="not a regular file"):
        CaseLibrary.open(fifo)
    with pytest.raises(LibraryError, match="folder"):
        CaseLibrary.open(tmp_path)


def test_limits_on_stored_text(board: tuple[CaseLibrary, int, int]) -> None:
    lib, meeting, case_id = board
    with pytest.raises(LibraryError, match="note is over"):
        decide(lib, meeting, case_id, note="x" * 10_001)
    with pytest.raises(LibraryError, match="over"):
        lib.add_case(case("Big", pad="x" * 2_000_001))


# -- real read-only and full disks (a tmpfs, where the test may mount one) ------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MB tmpfs mounted for the test (skipped where mounting is not allowed)."""
    with mounted_tmpfs(tmp_path / "disk", "1m") as disk:
        yield disk


def test_library_on_a_read_only_disk_is_opened_read_only(small_disk: Path) -> None:
    path = small_disk / "library.sqlite3"
    with CaseLibrary.open(path) as lib:
        meeting = lib.create_meeting("Board", dt.date(2026, 5, 12))
        case_id = lib.add_case(case("Patient A"))
        lib.add_to_agenda(meeting, case_id)
        decide(lib, meeting, case_id)
    remount(small_disk, "ro")
    with CaseLibrary.open(path) as lib:  # WAL needs side files: read as an immutable file
        assert lib.read_only and "read-only disk" in (lib.read_only_reason or "")
        assert [c.id for c in lib.agenda(meeting)] == [case_id]
        assert lib.current_decision(meeting, case_id) is not None
        with pytest.raises(LibraryError, match="read-only"):
            lib.add_case(case("New"))
    with pytest.raises(LibraryError, match="folder is read-only"):
        CaseLibrary.open(small_disk / "other.sqlite3")


def test_full_disk_loses_no_committed_edit(small_disk: Path) -> None:
    path = small_disk / "library.sqlite3"
    committed: list[int] = []
    with CaseLibrary.open(path) as lib:
        meeting = lib.create_meeting("Board", dt.date(2026, 5, 12))
        with pytest.raises(LibraryError, match="disk is full") as info:
            for n in range(10_000):
                committed.append(lib.add_case(case(f"Patient {n}", pad="x" * 20_000)))
        assert "Patient" not in str(info.value)
        assert len(committed) > 5
        # still usable: the edit that did not fit is the only one missing
        assert sorted(c.id for c in lib.list_cases()) == committed
        lib.rename_meeting(meeting, "Renamed")  # a small edit still fits
    with CaseLibrary.open(path) as lib:
        assert sorted(c.id for c in lib.list_cases()) == committed
        assert lib.get_meeting(meeting).title == "Renamed"
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
