"""A tumor board on a shared library (issue 17): two workstations, live refresh, a lost server.

Against a real PostgreSQL server (``postgres_dsn``; skipped, with the reason, without one), and
the same behaviour where it applies on an SQLite file. A change made elsewhere must arrive
(``qtbot.waitUntil``); how fast it arrives ("within a second") is measured by the benchmark
(``python -m benchmarks --only library-pg``, "live refresh"), not asserted here, where a loaded
machine would make a time limit flaky: the waits allow a generous ``LIVE_MS``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from app.library_location import library_location_problem
from app.main_window import MainWindow
from app.tumor_board import dialogs as board_dialogs
from app.tumor_board.cli import library_location
from app.tumor_board.decision_dialog import DecisionDialog, DecisionDraft, lock_to_login
from app.tumor_board.dialogs import LibraryLocationDialog
from app.tumor_board.install import TumorBoard, install_tumor_board
from app.tumor_board.library_panel import server_lost_text
from app.tumor_board.storage import DB_ENV, LOCATION_KEY, resolve_db_path
from pathways.case import dump_case, load_case
from pathways.content import Content
from pathways.library import CaseLibrary, address_has_password
from tests.app.conftest import CASES, DialogCalls
from tests.app.tumor_board_support import BoardDialogs, draft, fill_library

if TYPE_CHECKING:
    from tests.postgres_server import PostgresServer

ROOT = Path(__file__).resolve().parents[2]
# How long a change made elsewhere may take to appear, here: far above the second the
# benchmark measures, so that a busy CI machine does not fail a behaviour that works.
LIVE_MS = 5000
FIRST, SECOND, THIRD = (
    "02-after-first-line.json",
    "05-brain-metastases.json",
    "01-new-metastatic.json",
)


@pytest.fixture(autouse=True)
def board_dialogs_fixture(monkeypatch: pytest.MonkeyPatch) -> BoardDialogs:
    return BoardDialogs(monkeypatch)


@pytest.fixture
def workstation(
    make_window: Callable[..., MainWindow],
) -> Iterator[Callable[[Path | str], TumorBoard]]:
    """Makes a "workstation": a shown window with the board's dock open on a library; each
    one's library is closed at the end (its server connections with it)."""
    boards: list[TumorBoard] = []

    def make(location: Path | str) -> TumorBoard:
        window = make_window()
        board = install_tumor_board(window, location)
        boards.append(board)
        board.panel.show()
        assert board.library() is not None
        return board

    yield make
    for board in boards:
        board.close()


def label_of(name: str, content: Content) -> str:
    return load_case(CASES / name, content).label


def labels(board: TumorBoard, which: str = "cases") -> list[str]:
    model = board.panel.cases if which == "cases" else board.panel.agenda
    return [c.label for c in model.cases]


def dbname(dsn: str) -> str:
    return dsn.rsplit("/", 1)[1]


# -- two workstations, one server ------------------------------------------------------------


def test_two_workstations_run_a_meeting_together(
    workstation: Callable[[Path | str], TumorBoard],
    postgres_dsn: str,
    content: Content,
    board_dialogs_fixture: BoardDialogs,
    qtbot: QtBot,
) -> None:
    coordinator = workstation(postgres_dsn)
    clinician = workstation(postgres_dsn)
    assert coordinator.library_control.watching_socket  # LISTEN/NOTIFY, not a timer

    # The agenda is built on the coordinator's workstation…
    board_dialogs_fixture.answer("ask_meeting", ("Breast board", dt.date(2026, 5, 12)))
    meeting = coordinator.library_control.new_meeting()
    assert meeting is not None
    coordinator.library_control.import_files(meeting, [CASES / FIRST])
    # …and seen on the clinician's, within a second.
    qtbot.waitUntil(lambda: clinician.panel.meeting_id() == meeting, timeout=LIVE_MS)
    qtbot.waitUntil(
        lambda: labels(clinician, "agenda") == [label_of(FIRST, content)], timeout=LIVE_MS
    )

    # The clinician adds a case to the agenda; the coordinator sees it, keeping his selection.
    coordinator.panel.select_agenda_case(coordinator.panel.agenda.case_id(0) or 0)
    selected = coordinator.panel.agenda_case_id()
    assert selected is not None
    clinician.library_control.import_files(meeting, [CASES / SECOND])
    expected = [label_of(FIRST, content), label_of(SECOND, content)]
    qtbot.waitUntil(lambda: labels(coordinator, "agenda") == expected, timeout=LIVE_MS)
    assert coordinator.panel.agenda_case_id() == selected
    assert set(labels(coordinator)) == set(expected)  # the library's list too

    # The clinician presents; the coordinator records a decision: the presentation shows it.
    clinician.panel.select_agenda_case(selected)
    view = clinician.present(full_screen=False)
    assert view is not None and view.current is not None
    assert view.current.case_id == selected and not view.current.decisions
    undecided = view.decision.text()
    board_dialogs_fixture.answer("ask_decision", draft("tdm1", recorded_by="typed name"))
    coordinator.panel.select_agenda_case(selected)
    decision = coordinator.record_decision()
    assert decision is not None
    qtbot.waitUntil(
        lambda: view.current is not None and len(view.current.decisions) == 1, timeout=LIVE_MS
    )
    assert view.current.case_id == selected  # still the case on screen
    assert view.current.decisions[0].recorded_by == "postgres"  # the login, not the text
    assert view.decision.text() != undecided  # shown on the projector, not only stored
    qtbot.waitUntil(lambda: clinician.panel.decisions.rowCount() == 1, timeout=LIVE_MS)
    agenda = clinician.panel.agenda
    assert agenda.data(agenda.index(agenda.row_of(selected))).endswith("✔")

    # A decision recorded during the presentation, from it, reaches the coordinator's dock.
    view.show_case(1)
    top = view.document.recommendation.options[0].regimen  # on the pathway for this case
    board_dialogs_fixture.answer("ask_decision", draft(top))
    view.request_record()
    second = view.cases[1].case_id
    assert second is not None and len(view.cases[1].decisions) == 1
    coordinator.panel.select_agenda_case(second)
    qtbot.waitUntil(lambda: coordinator.panel.decisions.rowCount() == 1, timeout=LIVE_MS)
    view.close()


def test_a_change_made_by_another_process_appears_in_the_dock(
    workstation: Callable[[Path | str], TumorBoard],
    postgres_dsn: str,
    content: Content,
    qtbot: QtBot,
) -> None:
    board = workstation(postgres_dsn)
    assert board.panel.cases.rowCount() == 0
    env = {k: v for k, v in os.environ.items() if k != DB_ENV}
    done = subprocess.run(
        [sys.executable, "-m", "pathways", "library", "--db", postgres_dsn, "add-case", FIRST],
        cwd=CASES,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    qtbot.waitUntil(lambda: labels(board) == [label_of(FIRST, content)], timeout=LIVE_MS)


def test_the_same_file_on_two_windows_is_refreshed_too(
    workstation: Callable[[Path | str], TumorBoard], tmp_path: Path, content: Content, qtbot: QtBot
) -> None:
    db = tmp_path / "library.sqlite3"
    one, other = workstation(db), workstation(db)
    assert not one.library_control.watching_socket  # a file is polled on a timer
    one.library_control.import_files(None, [CASES / FIRST])
    qtbot.waitUntil(lambda: labels(other) == [label_of(FIRST, content)], timeout=LIVE_MS)


# -- the server gone mid-meeting -----------------------------------------------------------------


def test_server_stopped_mid_meeting_banner_rows_kept_writes_refused_then_back(
    workstation: Callable[[Path | str], TumorBoard],
    postgres_server: PostgresServer,
    postgres_dsn: str,
    content: Content,
    board_dialogs_fixture: BoardDialogs,
    dialog_calls: DialogCalls,
    qtbot: QtBot,
) -> None:
    meeting, ids = fill_library(postgres_dsn, content, [FIRST, SECOND])
    board = workstation(postgres_dsn)
    board.panel.select_meeting(meeting)
    board.panel.select_agenda_case(ids[1])
    board_dialogs_fixture.answer("ask_decision", draft("tdm1"))
    assert board.record_decision() is not None
    assert board.panel.decisions.rowCount() == 1
    view = board.present(full_screen=False)
    assert view is not None
    agenda = labels(board, "agenda")
    assert len(agenda) == 2 and not board.panel.server_banner.isVisible()

    postgres_server.stop()
    qtbot.waitUntil(lambda: board.panel.server_banner.isVisible(), timeout=15_000)
    assert board.panel.server_banner.text() == server_lost_text()
    assert view.server_band.isVisible() and not view.record.isEnabled()
    # What was loaded stays readable, and changes are off in the dock.
    assert labels(board, "agenda") == agenda and len(labels(board)) == 2
    assert board.panel.agenda_case_id() == ids[1]
    assert view.current is not None and view.current.case_id == ids[1]
    assert not board.panel.record_button.isEnabled()
    assert not board.panel.import_button.isEnabled()
    assert dialog_calls.names() == []  # the banner, not a dialog

    assert not board.panel.meeting_combo.isEnabled()  # another meeting cannot be read
    assert board.panel.decisions.rowCount() == 1  # kept for the case they belong to
    board.panel.select_agenda_case(ids[0])
    # Decisions of one case are never shown beside another: cleared, not re-read.
    assert board.panel.decisions.rowCount() == 0
    # A write is refused with one dialog that says nothing was changed, also from the projector.
    dialog_calls.answer("show_error", None)
    assert board.library_control.import_files(meeting, [CASES / THIRD]) == []
    view.request_record()
    assert dialog_calls.names() == ["show_error", "show_error"]
    for call, action in zip(dialog_calls.calls, ("import", "record"), strict=True):
        title, message = call[1][1:3]
        assert title.startswith(f"Cannot {action}") and "nothing was changed" in message
    assert labels(board, "agenda") == agenda  # still shown

    postgres_server.start()
    qtbot.waitUntil(lambda: not board.panel.server_banner.isVisible(), timeout=15_000)
    assert not view.server_band.isVisible() and view.record.isEnabled()
    assert board.panel.import_button.isEnabled()
    with CaseLibrary.open(postgres_dsn) as library:
        assert len(library.list_cases()) == 2  # nothing half-written
        library.add_case(dump_case(load_case(CASES / THIRD, content)))
    qtbot.waitUntil(lambda: len(labels(board)) == 3, timeout=LIVE_MS)  # live again
    assert dialog_calls.names() == ["show_error", "show_error"]
    view.close()


def test_killed_connections_are_replaced_without_a_banner(
    workstation: Callable[[Path | str], TumorBoard],
    postgres_server: PostgresServer,
    postgres_dsn: str,
    content: Content,
    qtbot: QtBot,
) -> None:
    meeting, _ids = fill_library(postgres_dsn, content, [FIRST])
    board = workstation(postgres_dsn)
    states: list[bool] = []
    board.library_control.availability_changed.connect(states.append)
    assert postgres_server.terminate_backends(dbname(postgres_dsn)) >= 2  # reader and listener
    # Still live: a change made elsewhere arrives, and this workstation can write.
    with CaseLibrary.open(postgres_dsn) as library:
        library.add_case(dump_case(load_case(CASES / SECOND, content)))
    qtbot.waitUntil(lambda: len(labels(board)) == 2, timeout=LIVE_MS)
    assert board.library_control.import_files(meeting, [CASES / THIRD]) != []
    assert len(labels(board, "agenda")) == 2
    assert states == [] and not board.panel.server_banner.isVisible()


# -- who recorded it ----------------------------------------------------------------------------


def test_on_postgresql_the_author_fields_show_the_login_read_only(
    workstation: Callable[[Path | str], TumorBoard],
    postgres_dsn: str,
    content: Content,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    meeting, ids = fill_library(postgres_dsn, content, [FIRST])
    board = workstation(postgres_dsn)
    assert "signed in as postgres" in board.panel.where.text()
    seen: dict[str, Any] = {}

    def ask_decision(*args: Any, login: str | None = None) -> DecisionDraft:
        parent, content, rec, who, previous = args
        dialog = DecisionDialog(content, rec, who, previous, parent, login=login)
        seen["field"] = (dialog.recorded_by.text(), dialog.recorded_by.isReadOnly())
        dialog.choose("tdm1")
        result = dialog.draft()
        dialog.deleteLater()
        return result

    monkeypatch.setattr(board_dialogs, "ask_decision", ask_decision)
    monkeypatch.setattr(
        board_dialogs, "ask_sign_off", lambda parent, login=None: seen.setdefault("chair", login)
    )
    board.panel.select_meeting(meeting)
    board.panel.select_agenda_case(ids[0])
    assert board.record_decision() is not None
    assert seen["field"] == ("postgres", True)
    assert board.decisions.sign_off(meeting)
    assert seen["chair"] == "postgres"
    with CaseLibrary.open(postgres_dsn) as library:
        assert library.decisions(ids[0])[0].recorded_by == "postgres"
        assert library.minutes_history(meeting)[0].by == "postgres"


def test_on_a_file_the_author_fields_stay_free_text(
    workstation: Callable[[Path | str], TumorBoard], tmp_path: Path, qtbot: QtBot
) -> None:
    board = workstation(tmp_path / "library.sqlite3")
    assert board.library_control.current() is not None
    assert board.library_control.current().login is None  # type: ignore[union-attr]
    assert "Library file:" in board.panel.where.text()
    from PySide6.QtWidgets import QLineEdit

    field = QLineEdit("someone")
    qtbot.addWidget(field)
    lock_to_login(field, None)
    assert field.text() == "someone" and not field.isReadOnly()
    lock_to_login(field, "chair_login")
    assert field.text() == "chair_login" and field.isReadOnly()


# -- where the library is -----------------------------------------------------------------------


def test_db_accepts_a_server_address(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    address = "postgresql://board@db.example.org/tumor_board?sslmode=verify-full"
    assert library_location(address) == address
    assert library_location("service=board") == "service=board"
    assert library_location(str(tmp_path / "x.sqlite3")) == tmp_path / "x.sqlite3"
    monkeypatch.setenv(DB_ENV, " service=board ")
    assert resolve_db_path() == "service=board"
    assert resolve_db_path(address) == address
    assert library_location_problem(address) is None  # the network check is for files only


def test_passwords_are_never_taken_in_the_address(qtbot: QtBot) -> None:
    assert address_has_password("postgresql://board:secret@host/db")
    assert address_has_password("postgresql://board@host/db?password=secret")
    assert address_has_password("service=board password=secret")
    assert not address_has_password("postgresql://board@host/db?sslmode=verify-full")
    assert not address_has_password("service=board")
    dialog = LibraryLocationDialog("service=board")
    qtbot.addWidget(dialog)
    assert dialog.server_choice.isChecked() and dialog.location() == "service=board"
    dialog.address.setText("postgresql://board:secret@host/db")
    assert dialog.location() is None and "pgpass" in dialog.problem.text()
    dialog.address.setText("not an address")
    assert dialog.location() is None
    dialog.file_choice.setChecked(True)
    dialog.file.setText("/tmp/lib.sqlite3")
    assert dialog.location() == Path("/tmp/lib.sqlite3")


def test_open_library_switches_live_and_is_remembered(
    workstation: Callable[[Path | str], TumorBoard],
    tmp_path: Path,
    postgres_dsn: str,
    content: Content,
    board_dialogs_fixture: BoardDialogs,
    monkeypatch: pytest.MonkeyPatch,
    qtbot: QtBot,
) -> None:
    monkeypatch.delenv(DB_ENV, raising=False)
    first = tmp_path / "first.sqlite3"
    fill_library(first, content, [FIRST])
    fill_library(postgres_dsn, content, [SECOND, THIRD])
    board = workstation(first)
    assert labels(board) == [label_of(FIRST, content)]
    board_dialogs_fixture.answer("ask_library_location", postgres_dsn)
    board.panel.open_library_action.trigger()
    assert set(labels(board)) == {label_of(SECOND, content), label_of(THIRD, content)}
    assert board.library_control.current() is not None
    assert board.library_control.current().backend == "postgresql"  # type: ignore[union-attr]
    assert "signed in as postgres" in board.panel.where.text()
    store: QSettings = board.ctx.parent.settings.store  # type: ignore[attr-defined]
    assert store.value(LOCATION_KEY) == postgres_dsn
    # Live on the new library, not on the old one.
    with CaseLibrary.open(postgres_dsn) as library:
        library.add_case(dump_case(load_case(CASES / FIRST, content)))
    qtbot.waitUntil(lambda: len(labels(board)) == 3, timeout=LIVE_MS)
    # The next window (no --db, no environment) opens the library chosen last.
    assert resolve_db_path(None, store) == postgres_dsn
    # A library that cannot be opened leaves the open one in place, with one dialog.
    dialogs_before = list(board_dialogs_fixture.calls)
    damaged = tmp_path / "not-a-library.sqlite3"
    damaged.write_bytes(b"this is not an SQLite database, only text" * 100)
    board_dialogs_fixture.answer("ask_library_location", damaged)
    errors: list[str] = []
    monkeypatch.setattr(
        "app.dialogs.show_error", lambda _parent, title, _message: errors.append(title)
    )
    assert not board.library_control.choose_library()
    assert errors == ["Cannot open the case library"]
    assert len(labels(board)) == 3 and board.library_control.location == postgres_dsn
    assert board_dialogs_fixture.calls == [*dialogs_before, "ask_library_location"]


def test_a_change_elsewhere_rereads_the_case_list_only_when_cases_changed(
    workstation: Callable[[Path | str], TumorBoard], tmp_path: Path, content: Content
) -> None:
    db = tmp_path / "library.sqlite3"
    meeting, ids = fill_library(db, content, [FIRST, SECOND])
    board = workstation(db)
    resets: list[str] = []
    board.panel.cases.modelReset.connect(lambda: resets.append("cases"))
    board.panel.agenda.modelReset.connect(lambda: resets.append("agenda"))
    with CaseLibrary.open(db) as library:
        library.move_in_agenda(meeting, ids[1], 0)
    board.panel.refresh_changed(frozenset({"agenda"}))
    assert resets == ["agenda"]
    assert labels(board, "agenda") == [label_of(SECOND, content), label_of(FIRST, content)]
    board.panel.refresh_changed(frozenset({"cases"}))
    assert resets == ["agenda", "agenda", "cases"]


def test_the_presentation_follows_the_agenda_changed_elsewhere(
    workstation: Callable[[Path | str], TumorBoard],
    tmp_path: Path,
    content: Content,
    qtbot: QtBot,
) -> None:
    db = tmp_path / "library.sqlite3"
    meeting, ids = fill_library(db, content, [FIRST, SECOND])
    board = workstation(db)
    board.panel.select_meeting(meeting)
    board.panel.select_agenda_case(ids[1])
    view = board.present(full_screen=False)
    assert view is not None and view.index == 1
    view.document.set_step(0)  # the presenter stepped back through the history
    view.set_show_identifiers(True)
    with CaseLibrary.open(db) as library:  # another workstation puts a case first
        third = library.add_case(dump_case(load_case(CASES / THIRD, content)))
        library.add_to_agenda(meeting, third, 0)
    qtbot.waitUntil(lambda: len(view.cases) == 3, timeout=LIVE_MS)
    # The same patient stays on screen, at the same step, at its new place.
    assert view.current is not None and view.current.case_id == ids[1] and view.index == 2
    assert view.document.step == 0 and view.show_identifiers
    assert "Case 3 of 3" in view.position_label.text()
    with CaseLibrary.open(db) as library:  # and then takes it off the agenda
        library.remove_from_agenda(meeting, ids[1])
    qtbot.waitUntil(lambda: len(view.cases) == 2, timeout=LIVE_MS)
    assert view.current is not None and view.current.case_id != ids[1]
    assert not view.show_identifiers  # another patient: identifiers hidden again
    view.close()


def test_a_write_racing_the_lost_server_is_refused_whole_then_the_banner_shows(
    workstation: Callable[[Path | str], TumorBoard],
    postgres_server: PostgresServer,
    postgres_dsn: str,
    content: Content,
    dialog_calls: DialogCalls,
    qtbot: QtBot,
) -> None:
    meeting, ids = fill_library(postgres_dsn, content, [FIRST])
    board = workstation(postgres_dsn)
    board.panel.select_meeting(meeting)
    board.panel.select_agenda_case(ids[0])
    dialog_calls.answer("show_error", None)
    postgres_server.stop()
    # No event has run since: the window does not know yet, so the library itself refuses.
    assert board.library_control.available
    assert board.library_control.import_files(meeting, [CASES / SECOND]) == []
    assert dialog_calls.names() == ["show_error"]
    assert "nothing was changed" in dialog_calls.calls[0][1][2]
    assert board.panel.server_banner.isVisible() and not board.library_control.available
    assert labels(board, "agenda") == [label_of(FIRST, content)]
    postgres_server.start()
    qtbot.waitUntil(lambda: board.library_control.available, timeout=15_000)
    with CaseLibrary.open(postgres_dsn) as library:
        assert [c.label for c in library.list_cases()] == [label_of(FIRST, content)]
    assert board.library_control.import_files(meeting, [CASES / SECOND]) != []
    assert dialog_calls.names() == ["show_error"]


def test_an_edit_to_a_library_case_while_the_server_is_lost_is_saved_when_it_is_back(
    workstation: Callable[[Path | str], TumorBoard],
    postgres_server: PostgresServer,
    postgres_dsn: str,
    content: Content,
    dialog_calls: DialogCalls,
    qtbot: QtBot,
) -> None:
    _meeting, ids = fill_library(postgres_dsn, content, [FIRST])
    board = workstation(postgres_dsn)
    assert board.library_control.open_case(ids[0])
    document = board.ctx.document
    postgres_server.stop()
    qtbot.waitUntil(lambda: not board.library_control.available, timeout=15_000)
    dialog_calls.answer("show_error", None)
    document.set_label("Renamed while the server was away")
    assert dialog_calls.names() == ["show_error"]
    assert "not saved yet" in dialog_calls.calls[0][1][2]
    assert document.is_modified  # kept in the window, not dropped
    postgres_server.start()
    qtbot.waitUntil(lambda: board.library_control.available, timeout=15_000)
    assert not document.is_modified
    with CaseLibrary.open(postgres_dsn) as library:
        assert library.get_case(ids[0]).label == "Renamed while the server was away"
    assert dialog_calls.names() == ["show_error"]


def test_two_app_processes_run_a_meeting_together(
    workstation: Callable[[Path | str], TumorBoard],
    postgres_dsn: str,
    content: Content,
    board_dialogs_fixture: BoardDialogs,
    qtbot: QtBot,
    tmp_path: Path,
) -> None:
    """Two instances of the app, each in its own process, on one server: the agenda is built
    here, the decision is recorded there during the presentation shown here, and each sees the
    other's work by its own live refresh."""
    import threading

    here = workstation(postgres_dsn)
    board_dialogs_fixture.answer("ask_meeting", ("Breast board", dt.date(2026, 5, 12)))
    meeting = here.library_control.new_meeting()
    assert meeting is not None
    here.library_control.import_files(meeting, [CASES / FIRST])
    here.panel.select_agenda_case(here.panel.agenda.case_id(0) or 0)
    view = here.present(full_screen=False)
    assert view is not None and view.current is not None and not view.current.decisions

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    script = str(Path(__file__).with_name("second_workstation.py"))
    lines: list[str] = []
    with subprocess.Popen(
        [sys.executable, script, postgres_dsn, str(meeting), str(tmp_path)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as other:
        reader = threading.Thread(target=lambda: lines.extend(other.stdout or ()), daemon=True)
        reader.start()
        try:
            # The decision recorded on the other workstation reaches the presentation here.
            qtbot.waitUntil(
                lambda: view.current is not None and len(view.current.decisions) == 1,
                timeout=30_000,
            )
            recorded = view.current.decisions[0]
            assert recorded.chosen_regimen == "tdm1" and recorded.recorded_by == "postgres"
            # A case added here reaches the other workstation's agenda.
            here.library_control.import_files(meeting, [CASES / SECOND])
            other.wait(60)  # stdout is the reader's; stderr is read below
        finally:
            if other.poll() is None:
                other.kill()
                other.wait(10)
        reader.join(10)
        errors = other.stderr.read() if other.stderr else ""
    assert other.returncode == 0, errors
    assert lines == [f"recorded {recorded.id}\n", "saw 2 cases\n"]
    view.close()


def test_a_password_the_server_asks_for_is_typed_and_kept_in_memory_only(
    workstation: Callable[[Path | str], TumorBoard],
    postgres_server: PostgresServer,
    postgres_dsn: str,
    board_dialogs_fixture: BoardDialogs,
    qtbot: QtBot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secret = "board-pw-7Q"
    login = "typed_pw_user"
    postgres_server.execute(
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{login}') THEN"
        f" CREATE ROLE {login} LOGIN PASSWORD '{secret}'; END IF; END $$"
    )
    database = dbname(postgres_dsn)
    postgres_server.execute(f"ALTER DATABASE {database} OWNER TO {login}")
    postgres_server.execute(f"GRANT CREATE ON SCHEMA public TO {login}", dbname=database)
    postgres_server.prepend_hba(f"host all {login} 127.0.0.1/32 scram-sha-256")
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no-pgpass"))
    typed = iter(["wrong guess", secret])
    board_dialogs_fixture.answer("ask_password", lambda *args: next(typed))

    board = workstation(postgres_dsn.replace("postgres@", f"{login}@", 1))
    library = board.library()
    assert library is not None and library.login == login
    assert board_dialogs_fixture.calls.count("ask_password") == 2  # refused once, then right
    # Never written: not in the settings, the location or the log folder's files.
    settings_text = "".join(
        p.read_text("utf-8", "replace") for p in tmp_path.parent.rglob("*.ini") if p.is_file()
    )
    assert secret not in settings_text and secret not in str(board.library_control.location)

    # The server restarts: the window reconnects with the password it keeps, asking nothing.
    postgres_server.stop()
    board.library_control.lost()
    postgres_server.start()
    qtbot.waitUntil(lambda: board.library_control.available, timeout=10_000)
    assert board_dialogs_fixture.calls.count("ask_password") == 2


def test_what_a_login_may_not_do_is_not_offered(
    workstation: Callable[[Path | str], TumorBoard],
    postgres_server: PostgresServer,
    postgres_dsn: str,
    board_dialogs_fixture: BoardDialogs,
) -> None:
    """A member of the board (cases and decisions) sees the coordinator's and the chair's
    buttons disabled, each saying which role it needs; the database would refuse them anyway."""
    owner = CaseLibrary.open(postgres_dsn)
    try:
        meeting = owner.create_meeting("Breast board", dt.date(2026, 5, 12))
        case_id = owner.add_case(json.dumps({"label": "On the agenda"}))
        owner.add_to_agenda(meeting, case_id)
    finally:
        owner.close()
    roles = (ROOT / "docs" / "postgresql-roles.sql").read_text("utf-8")
    postgres_server.execute(roles, dbname=dbname(postgres_dsn))
    postgres_server.execute(
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'board_member') THEN"
        " CREATE ROLE board_member LOGIN; END IF; END $$"
    )
    postgres_server.execute("GRANT pathways_member TO board_member")

    board = workstation(postgres_dsn.replace("postgres@", "board_member@", 1))
    panel = board.panel
    panel.select_meeting(meeting)
    panel.select_agenda_case(case_id)
    assert panel.record_button.isEnabled() and panel.import_button.isEnabled()
    for button, role in (
        (panel.sign_off_button, "pathways_chair"),
        (panel.new_meeting_button, "pathways_coordinator"),
        (panel.remove_button, "pathways_coordinator"),
    ):
        assert not button.isEnabled()
        assert "board_member" in button.toolTip() and role in button.toolTip()


def test_a_coordinator_presenting_is_not_offered_to_record(
    workstation: Callable[[Path | str], TumorBoard],
    postgres_server: PostgresServer,
    postgres_dsn: str,
    content: Content,
    dialog_calls: DialogCalls,
) -> None:
    meeting, ids = fill_library(postgres_dsn, content, [FIRST])
    roles = (ROOT / "docs" / "postgresql-roles.sql").read_text("utf-8")
    postgres_server.execute(roles, dbname=dbname(postgres_dsn))
    postgres_server.execute(
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'board_coord') THEN"
        " CREATE ROLE board_coord LOGIN; END IF; END $$"
    )
    postgres_server.execute("GRANT pathways_coordinator TO board_coord")
    board = workstation(postgres_dsn.replace("postgres@", "board_coord@", 1))
    board.panel.select_meeting(meeting)
    board.panel.select_agenda_case(ids[0])
    view = board.present(full_screen=False)
    assert view is not None
    assert not view.record.isEnabled()
    assert "board_coord" in view.record.toolTip() and "pathways_member" in view.record.toolTip()
    dialog_calls.answer("show_error", None)
    view.request_record()  # what R does: says why, opens no decision form
    assert dialog_calls.names() == ["show_error"]
    assert "pathways_member" in dialog_calls.calls[0][1][2]
    view.close()
