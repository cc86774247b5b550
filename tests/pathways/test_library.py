"""Tests for the local case library (pathways.library)."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from pathways.library import (
    OFF_PATHWAY_REASONS,
    SCHEMA_VERSION,
    CaseLibrary,
    DecisionSnapshot,
    LibraryError,
)
from pathways.library_sqlite import create_v1_database
from tests.pathways.library_backends import REFUSALS, raw

ROOT = Path(__file__).resolve().parents[2]
WRITER = Path(__file__).with_name("library_writer.py")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "library.sqlite"


@pytest.fixture
def library(location: Path | str) -> Iterator[CaseLibrary]:
    """A new library on each backend (the tests that take it run on both)."""
    with CaseLibrary.open(location) as lib:
        yield lib


def case(label: str, **extra: Any) -> str:
    return json.dumps({"label": label, **extra})


def decide(lib: CaseLibrary, meeting_id: int, case_id: int, **changes: Any) -> int:
    fields: dict[str, Any] = {
        "snapshot": snapshot(),
        "chosen_regimen": "T-DXd",
        "on_pathway": True,
        "off_pathway_reason": None,
        "off_pathway_detail": "",
        "alternatives": ["T-DM1", "tucatinib-capecitabine-trastuzumab"],
        "note": "",
        "dissent": "",
        "recorded_by": "Dr A",
    }
    fields.update(changes)
    return lib.record_decision(meeting_id, case_id, **fields)


def snapshot(label: str = "Snap", **changes: Any) -> DecisionSnapshot:
    fields: dict[str, Any] = {
        "case_json": case(label),
        "recommendation": {"position": "tdxd", "line": 3, "options": []},
        "content_version": "1.0.0",
        "content_digest": "d" * 64,
        "app_version": "0.1.0",
    }
    fields.update(changes)
    return DecisionSnapshot(**fields)


def positions(location: Path | str, meeting_id: int) -> list[int]:
    rows = raw(
        location, "SELECT position FROM agenda WHERE meeting_id = ? ORDER BY 1", (meeting_id,)
    )
    return [r[0] for r in rows]


# -- opening -------------------------------------------------------------------------------------


def test_open_creates_folders_and_uses_wal(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "library.sqlite"
    with CaseLibrary.open(path) as lib:
        assert lib.path == path
    assert raw(path, "PRAGMA journal_mode") == [("wal",)]
    assert raw(path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]


def test_close_is_idempotent_and_closed_library_refuses(db_path: Path) -> None:
    lib = CaseLibrary.open(db_path)
    lib.close()
    lib.close()
    with pytest.raises(LibraryError, match="closed"):
        lib.list_cases()
    with pytest.raises(LibraryError, match="closed"):
        lib.add_case(case("X"))


def test_reopen_keeps_data(db_path: Path) -> None:
    with CaseLibrary.open(db_path) as lib:
        case_id = lib.add_case(case("Kept"))
    with CaseLibrary.open(db_path) as lib:
        assert lib.get_case(case_id).label == "Kept"


def test_newer_schema_is_refused_and_file_untouched(db_path: Path) -> None:
    CaseLibrary.open(db_path).close()
    raw(db_path, f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    before = db_path.read_bytes()
    mtime = db_path.stat().st_mtime_ns
    expected = (
        f"written by a newer version of the app \\(schema {SCHEMA_VERSION + 1}, "
        f"this app understands up to {SCHEMA_VERSION}\\); it was not opened or changed"
    )
    with pytest.raises(LibraryError, match=expected) as info:
        CaseLibrary.open(db_path)
    assert str(db_path) in str(info.value)
    assert db_path.read_bytes() == before
    assert db_path.stat().st_mtime_ns == mtime
    assert sorted(p.name for p in db_path.parent.iterdir()) == [db_path.name]


@pytest.mark.parametrize(
    "content",
    [
        b"this is a text file, not a database\n" * 50,
        b"SQLite format 3\x00" + bytes(range(256)) * 16,
        b"SQL",
    ],
    ids=["text", "sqlite-magic-then-garbage", "truncated"],
)
def test_garbage_file_is_refused(db_path: Path, content: bytes) -> None:
    db_path.write_bytes(content)
    with pytest.raises(LibraryError, match="not a case library") as info:
        CaseLibrary.open(db_path)
    assert not isinstance(info.value.__cause__, sqlite3.Error)
    assert db_path.read_bytes() == content


def test_other_sqlite_database_is_refused(db_path: Path) -> None:
    raw(db_path, "CREATE TABLE photos (id INTEGER PRIMARY KEY)")
    with pytest.raises(LibraryError, match="not a case library"):
        CaseLibrary.open(db_path)


def test_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(LibraryError):
        CaseLibrary.open(tmp_path)


# -- cases ---------------------------------------------------------------------------------------


def test_case_round_trip(library: CaseLibrary) -> None:
    text = case("Patient B", factors={"er": "positive"})
    case_id = library.add_case(text)
    stored = library.get_case(case_id)
    assert (stored.id, stored.label, stored.case_json) == (case_id, "Patient B", text)
    assert stored.created_at == stored.updated_at
    assert stored.created_at.tzinfo is not None
    assert library.export_case_json(case_id) == text

    library.update_case(case_id, case("Patient B (renamed)", rev=2))
    updated = library.get_case(case_id)
    assert updated.label == "Patient B (renamed)"
    assert json.loads(updated.case_json)["rev"] == 2
    assert updated.created_at == stored.created_at
    assert updated.updated_at >= stored.updated_at


def test_list_is_ordered_by_label_case_insensitively(library: CaseLibrary) -> None:
    for label in ("charlie", "Alpha", "bravo"):
        library.add_case(case(label))
    assert [c.label for c in library.list_cases()] == ["Alpha", "bravo", "charlie"]


@pytest.mark.parametrize("size", [1, 2, 3, 7])
def test_pages_put_together_are_the_whole_list(library: CaseLibrary, size: int) -> None:
    labels = ["b", "B", "a", "A", "a", "Zoë", "zoe", "ß", "case 10", "Case 2", "b"]
    for label in labels:
        library.add_case(case(label))
    whole = library.list_cases()
    pages: list[list[Any]] = []
    while True:
        page = library.list_cases(after=pages[-1][-1] if pages else None, limit=size)
        if not page:
            break
        assert len(page) <= size
        pages.append(page)
    assert [c.id for p in pages for c in p] == [c.id for c in whole]
    found = library.search_cases("B")
    paged = library.search_cases("B", limit=1) + library.search_cases("B", after=found[0], limit=5)
    assert [c.id for c in paged] == [c.id for c in found] and len(found) == 3
    with pytest.raises(LibraryError, match="at least one"):
        library.list_cases(limit=0)


def test_search_is_case_insensitive_and_escapes_wildcards(library: CaseLibrary) -> None:
    percent = library.add_case(case("HER2 100% amplified"))
    underscore = library.add_case(case("case_07"))
    plain = library.add_case(case("Case 107 follow-up"))
    backslash = library.add_case(case(r"path\name"))
    accented = library.add_case(case("Élodie"))

    def ids(text: str) -> set[int]:
        return {c.id for c in library.search_cases(text)}

    assert ids("0%") == {percent}
    assert ids("%") == {percent}
    assert ids("_") == {underscore}
    assert ids("e_0") == {underscore}
    assert ids("CASE") == {underscore, plain}
    assert ids("\\") == {backslash}
    assert ids("élo") == {accented}
    assert ids("") == {percent, underscore, plain, backslash, accented}
    assert ids("nothing") == set()


@pytest.mark.parametrize(
    "bad",
    ["not json", "[1, 2]", '"label"', "{}", '{"label": 7}', '{"label": "  "}'],
)
def test_invalid_case_json_is_refused(library: CaseLibrary, bad: str) -> None:
    with pytest.raises(LibraryError):
        library.add_case(bad)
    assert library.list_cases() == []


def test_error_messages_do_not_quote_case_contents(library: CaseLibrary) -> None:
    with pytest.raises(LibraryError) as info:
        library.add_case('{"label": "Jane Doe 1970-01-01", broken')
    assert "Jane" not in str(info.value)


def test_missing_case(library: CaseLibrary) -> None:
    with pytest.raises(LibraryError, match="no case 99"):
        library.get_case(99)
    with pytest.raises(LibraryError, match="no case 99"):
        library.update_case(99, case("X"))
    with pytest.raises(LibraryError, match="no case 99"):
        library.delete_case(99)


def test_delete_case(library: CaseLibrary, location: Path | str) -> None:
    meeting = library.create_meeting("Board", dt.date(2025, 3, 1))
    first, doomed, last = (library.add_case(case(x)) for x in "ABC")
    for case_id in (first, doomed, last):
        library.add_to_agenda(meeting, case_id)
    library.delete_case(doomed)
    assert [c.id for c in library.list_cases()] == [first, last]
    assert [c.id for c in library.agenda(meeting)] == [first, last]
    assert positions(location, meeting) == [0, 1]


def test_delete_refused_when_decisions_exist(library: CaseLibrary) -> None:
    meeting = library.create_meeting("Board", dt.date(2025, 3, 1))
    case_id = library.add_case(case("Decided"))
    library.add_to_agenda(meeting, case_id)
    decide(library, meeting, case_id)
    with pytest.raises(LibraryError, match="decisions"):
        library.delete_case(case_id)
    assert library.get_case(case_id).label == "Decided"
    assert [c.id for c in library.agenda(meeting)] == [case_id]
    assert len(library.decisions(case_id)) == 1


# -- meetings and agendas ------------------------------------------------------------------------


def test_meetings(library: CaseLibrary) -> None:
    older = library.create_meeting("March board", dt.date(2025, 3, 1))
    newer = library.create_meeting("April board", dt.date(2025, 4, 5))
    assert [m.id for m in library.list_meetings()] == [newer, older]
    library.rename_meeting(older, "March board (rescheduled)")
    meeting = library.get_meeting(older)
    assert (meeting.title, meeting.date) == ("March board (rescheduled)", dt.date(2025, 3, 1))
    with pytest.raises(LibraryError):
        library.create_meeting("  ", dt.date(2025, 1, 1))
    with pytest.raises(LibraryError, match="no meeting 99"):
        library.get_meeting(99)
    with pytest.raises(LibraryError, match="no meeting 99"):
        library.rename_meeting(99, "x")


def test_agenda(library: CaseLibrary, location: Path | str) -> None:
    meeting = library.create_meeting("Board", dt.date(2025, 3, 1))
    a, b, c, d = (library.add_case(case(x)) for x in "ABCD")

    def order() -> list[int]:
        assert positions(location, meeting) == list(range(len(library.agenda(meeting))))
        return [s.id for s in library.agenda(meeting)]

    library.add_to_agenda(meeting, a)
    library.add_to_agenda(meeting, b)
    library.add_to_agenda(meeting, c, position=0)
    library.add_to_agenda(meeting, d, position=1)
    assert order() == [c, d, a, b]

    with pytest.raises(LibraryError, match="already on the agenda"):
        library.add_to_agenda(meeting, a)
    with pytest.raises(LibraryError, match="position"):
        library.add_to_agenda(meeting, library.add_case(case("E")), position=5)

    library.move_in_agenda(meeting, c, 3)
    assert order() == [d, a, b, c]
    library.move_in_agenda(meeting, b, 0)
    assert order() == [b, d, a, c]
    library.move_in_agenda(meeting, a, 2)
    assert order() == [b, d, a, c]
    with pytest.raises(LibraryError, match="position"):
        library.move_in_agenda(meeting, a, 4)

    library.remove_from_agenda(meeting, d)
    assert order() == [b, a, c]
    assert library.get_case(d).label == "D"
    with pytest.raises(LibraryError, match="not on the agenda"):
        library.remove_from_agenda(meeting, d)
    with pytest.raises(LibraryError, match="not on the agenda"):
        library.move_in_agenda(meeting, d, 0)


def test_agendas_of_meetings_are_independent(library: CaseLibrary) -> None:
    first = library.create_meeting("One", dt.date(2025, 3, 1))
    second = library.create_meeting("Two", dt.date(2025, 3, 8))
    case_id = library.add_case(case("Shared"))
    library.add_to_agenda(first, case_id)
    library.add_to_agenda(second, case_id)
    library.remove_from_agenda(first, case_id)
    assert library.agenda(first) == []
    assert [c.id for c in library.agenda(second)] == [case_id]
    with pytest.raises(LibraryError, match="no meeting 99"):
        library.add_to_agenda(99, case_id)
    with pytest.raises(LibraryError, match="no case 99"):
        library.add_to_agenda(first, 99)


# -- decisions -----------------------------------------------------------------------------------


@pytest.fixture
def board(library: CaseLibrary) -> tuple[CaseLibrary, int, int]:
    meeting = library.create_meeting("Board", dt.date(2025, 3, 1))
    case_id = library.add_case(case("Patient C"))
    library.add_to_agenda(meeting, case_id)
    return library, meeting, case_id


def test_decision_versions(board: tuple[CaseLibrary, int, int]) -> None:
    library, meeting, case_id = board
    assert library.current_decision(meeting, case_id) is None
    first = decide(library, meeting, case_id, note="initial")
    second = decide(
        library,
        meeting,
        case_id,
        supersedes=first,
        chosen_regimen="T-DM1",
        on_pathway=False,
        off_pathway_reason="prior-toxicity",
        dissent="Dr B would rechallenge",
    )
    third = decide(library, meeting, case_id, supersedes=second, note="typo fixed")

    history = library.decisions(case_id)
    assert [(d.id, d.version, d.supersedes, d.superseded_by) for d in history] == [
        (first, 1, None, second),
        (second, 2, first, third),
        (third, 3, second, None),
    ]
    assert [d.is_current for d in history] == [False, False, True]
    assert history[0].note == "initial"
    assert history[0].alternatives == ("T-DM1", "tucatinib-capecitabine-trastuzumab")
    assert history[1].chosen_regimen == "T-DM1"
    assert history[1].off_pathway_reason == "prior-toxicity"
    assert history[1].dissent == "Dr B would rechallenge"
    assert history[1].on_pathway is False
    assert history[0].recorded_at.utcoffset() == dt.timedelta(0)
    current = library.current_decision(meeting, case_id)
    assert current is not None
    assert current.id == third


def test_corrections_must_supersede_the_current_decision(
    board: tuple[CaseLibrary, int, int],
) -> None:
    library, meeting, case_id = board
    with pytest.raises(LibraryError, match="no decision yet"):
        decide(library, meeting, case_id, supersedes=1)
    first = decide(library, meeting, case_id)
    with pytest.raises(LibraryError, match=f"supersedes={first}"):
        decide(library, meeting, case_id)
    second = decide(library, meeting, case_id, supersedes=first)
    with pytest.raises(LibraryError, match="not the current decision"):
        decide(library, meeting, case_id, supersedes=first)

    other_meeting = library.create_meeting("Next board", dt.date(2025, 3, 8))
    with pytest.raises(LibraryError, match="no decision yet"):
        decide(library, other_meeting, case_id, supersedes=second)
    other = decide(library, other_meeting, case_id)
    assert [d.version for d in library.decisions(case_id)] == [1, 2, 1]
    assert [d.id for d in library.decisions(case_id, other_meeting)] == [other]
    assert [d.id for d in library.decisions(case_id, meeting)] == [first, second]


def test_off_pathway_rules(board: tuple[CaseLibrary, int, int]) -> None:
    library, meeting, case_id = board
    with pytest.raises(LibraryError, match="needs a reason"):
        decide(library, meeting, case_id, on_pathway=False)
    with pytest.raises(LibraryError, match="needs a reason"):
        decide(library, meeting, case_id, on_pathway=False, off_pathway_reason="whim")
    with pytest.raises(LibraryError, match="'other' needs"):
        decide(library, meeting, case_id, on_pathway=False, off_pathway_reason="other")
    with pytest.raises(LibraryError, match="no off-pathway reason"):
        decide(library, meeting, case_id, off_pathway_reason="comorbidity")
    with pytest.raises(LibraryError, match="regimen"):
        decide(library, meeting, case_id, chosen_regimen=" ")
    with pytest.raises(LibraryError, match="recorded"):
        decide(library, meeting, case_id, recorded_by="")
    assert library.decisions(case_id) == []

    previous = decide(
        library,
        meeting,
        case_id,
        on_pathway=False,
        off_pathway_reason="other",
        off_pathway_detail="drug shortage at site",
    )
    for reason in OFF_PATHWAY_REASONS:
        if reason != "other":
            previous = decide(
                library,
                meeting,
                case_id,
                on_pathway=False,
                off_pathway_reason=reason,
                supersedes=previous,
            )
    assert len(library.decisions(case_id)) == len(OFF_PATHWAY_REASONS)


def test_decisions_table_is_append_only(
    board: tuple[CaseLibrary, int, int], location: Path | str
) -> None:
    library, meeting, case_id = board
    decision_id = decide(library, meeting, case_id, note="as agreed")
    with pytest.raises(REFUSALS, match="append-only"):
        raw(location, "UPDATE decisions SET note = 'rewritten' WHERE id = ?", (decision_id,))
    with pytest.raises(REFUSALS, match="append-only"):
        raw(location, "DELETE FROM decisions WHERE id = ?", (decision_id,))
    history = library.decisions(case_id)
    assert [(d.id, d.note) for d in history] == [(decision_id, "as agreed")]


def test_decision_for_unknown_rows(board: tuple[CaseLibrary, int, int]) -> None:
    library, meeting, case_id = board
    with pytest.raises(LibraryError, match="no meeting 99"):
        decide(library, 99, case_id)
    with pytest.raises(LibraryError, match="no case 99"):
        decide(library, meeting, 99)
    with pytest.raises(LibraryError, match="no case 99"):
        library.decisions(99)


# -- migration -----------------------------------------------------------------------------------


def test_migration_from_v1(db_path: Path) -> None:
    create_v1_database(db_path)
    columns = [r[1] for r in raw(db_path, "PRAGMA table_info(decisions)")]
    assert "dissent" not in columns
    with closing(sqlite3.connect(db_path)) as conn, conn:
        now = "2024-11-02T09:30:00.000+00:00"
        conn.execute(
            "INSERT INTO cases VALUES (1, 'Old case', ?, ?, ?)", (case("Old case"), now, now)
        )
        conn.execute("INSERT INTO meetings VALUES (1, 'Old board', '2024-11-02')")
        conn.execute("INSERT INTO agenda VALUES (1, 1, 0)")
        conn.execute(
            "INSERT INTO decisions (id, meeting_id, case_id, chosen_regimen, on_pathway,"
            " off_pathway_reason, off_pathway_detail, alternatives, note, recorded_by,"
            " recorded_at, supersedes)"
            " VALUES (1, 1, 1, 'THP', 1, NULL, '', '[\"T-DM1\"]', 'v1 note', 'Dr A', ?, NULL)",
            (now,),
        )

    with CaseLibrary.open(db_path) as lib:
        assert lib.get_case(1).case_json == case("Old case")
        assert lib.get_meeting(1).date == dt.date(2024, 11, 2)
        assert [c.id for c in lib.agenda(1)] == [1]
        (old,) = lib.decisions(1)
        assert (old.chosen_regimen, old.note, old.dissent) == ("THP", "v1 note", "")
        assert old.alternatives == ("T-DM1",)
        new = decide(lib, 1, 1, supersedes=1, dissent="Dr B: prefers T-DXd")
        current = lib.current_decision(1, 1)
        assert current is not None
        assert (current.id, current.version, current.dissent) == (new, 2, "Dr B: prefers T-DXd")

    assert raw(db_path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert raw(db_path, "SELECT name FROM sqlite_master WHERE name = 'cases_by_label'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        raw(db_path, "UPDATE decisions SET dissent = 'x'")


# -- crash safety --------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_killed_writer_loses_no_committed_edit(db_path: Path, tmp_path: Path) -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    rng = random.Random()
    reported: list[list[str]] = []
    stderr_path = tmp_path / "writer.stderr"
    for _ in range(5):
        with (
            stderr_path.open("w") as stderr,
            subprocess.Popen(
                [sys.executable, str(WRITER), str(db_path)],
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
                env=env,
            ) as child,
        ):
            assert child.stdout is not None
            for _ in range(rng.randint(6, 40)):
                line = child.stdout.readline()
                assert line, f"writer stopped: {stderr_path.read_text()}"
                reported.append(line.split())
            time.sleep(rng.uniform(0, 0.02))
            os.kill(child.pid, signal.SIGKILL)
            # Lines written before the kill also report committed edits; a line cut short by
            # the kill (no newline yet) does not count.
            rest = child.stdout.read().splitlines(keepends=True)
            reported.extend(line.split() for line in rest if line.endswith("\n"))
            assert child.wait() == -signal.SIGKILL

    assert raw(db_path, "PRAGMA integrity_check") == [("ok",)]
    assert raw(db_path, "PRAGMA foreign_key_check") == []
    with CaseLibrary.open(db_path) as lib:
        for kind, *numbers in reported:
            ids = [int(n) for n in numbers]
            if kind == "meeting":
                lib.get_meeting(ids[0])
            elif kind == "case":
                lib.get_case(ids[0])
            elif kind == "update":
                assert json.loads(lib.get_case(ids[0]).case_json)["rev"] == 1
            elif kind == "agenda":
                assert ids[1] in [c.id for c in lib.agenda(ids[0])]
            else:
                assert kind == "decision"
                current = lib.current_decision(ids[1], ids[2])
                assert current is not None
                assert current.id == ids[0]
                # the snapshot was written in the same transaction, whole
                assert current.snapshot is not None
                assert len(current.snapshot.recommendation["options"][0]["why"]) == 4000
        for meeting in lib.list_meetings():
            assert positions(db_path, meeting.id) == list(range(len(lib.agenda(meeting.id))))
    assert sum(words[0] == "decision" for words in reported) > 0
