"""The case-library dock: meetings, agendas, library cases, auto-save, decisions."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTextBrowser
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from app.main_window import MainWindow
from app.tumor_board.decision_dialog import OTHER, DecisionDialog
from app.tumor_board.models import CaseListModel, DecisionTableModel, MeetingListModel
from app.tumor_board.storage import (
    DB_ENV,
    case_from_library,
    default_db_path,
    resolve_db_path,
)
from app.tumor_board.summary import identity
from pathways.case import load_case
from pathways.content import Content
from pathways.engine import Engine
from pathways.library import Attendee, CaseLibrary, LibraryError
from pathways.snapshot_diff import take_snapshot
from tests.app.conftest import CASES, DialogCalls
from tests.app.tumor_board_support import (
    IDENTIFIED_CASE,
    BoardDialogs,
    draft,
    fill_library,
    make_board,
)


@pytest.fixture(autouse=True)
def board_dialogs(monkeypatch: pytest.MonkeyPatch) -> BoardDialogs:
    return BoardDialogs(monkeypatch)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "library.sqlite3"


def test_db_location_cli_then_env_then_app_data(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(DB_ENV, str(tmp_path / "env.sqlite3"))
    assert resolve_db_path(tmp_path / "cli.sqlite3") == tmp_path / "cli.sqlite3"
    assert resolve_db_path() == tmp_path / "env.sqlite3"
    monkeypatch.delenv(DB_ENV)
    assert resolve_db_path() == default_db_path()
    assert default_db_path().name == "case-library.sqlite3"


def test_models_pass_the_model_tester(
    qtmodeltester: ModelTester, content: Content, db: Path
) -> None:
    meeting, ids = fill_library(db, content, ["01-new-metastatic.json", "02-after-first-line.json"])
    with CaseLibrary.open(db) as library:
        snapshot, _rec = take_snapshot(Engine(content), case_from_library(library, ids[0], content))
        library.record_decision(
            meeting,
            ids[0],
            snapshot=snapshot,
            chosen_regimen="tdxd",
            on_pathway=True,
            off_pathway_reason=None,
            off_pathway_detail="",
            alternatives=[],
            note="",
            dissent="",
            recorded_by="A",
        )
        cases = CaseListModel()
        cases.set_cases(library.agenda(meeting), {ids[0]}, numbered=True)
        meetings = MeetingListModel()
        meetings.refresh(library)
        decisions = DecisionTableModel(content)
        decisions.set_decisions(
            library.decisions(ids[0]), {m.id: m for m in library.list_meetings()}
        )
    for model in (cases, meetings, decisions):
        qtmodeltester.check(model)
    assert cases.data(cases.index(0)).endswith("✔")
    assert decisions.rowCount() == 1


def test_library_is_opened_only_when_used(window: MainWindow, db: Path) -> None:
    board = make_board(window, db)
    assert not db.exists()
    board.panel.show()
    assert db.exists() and board.library() is not None


def test_newer_library_is_refused_with_one_error(
    window: MainWindow, db: Path, dialog_calls: DialogCalls, qtbot: QtBot
) -> None:
    with closing(sqlite3.connect(db)) as conn:
        conn.execute("PRAGMA user_version = 99")
    before = db.read_bytes()
    dialog_calls.answer("show_error", None)
    board = make_board(window, db)
    board.panel.show()
    board.panel.refresh()
    board.panel.refresh_agenda()  # refreshes do not ask again: one problem, one dialog
    assert dialog_calls.names() == ["show_error"]
    assert "newer version" in dialog_calls.calls[0][1][2]
    assert board.library() is None  # asked once, not at every use
    assert dialog_calls.names() == ["show_error"]
    qtbot.mouseClick(board.panel.retry_button, Qt.MouseButton.LeftButton)  # asked again
    assert dialog_calls.names() == ["show_error", "show_error"]
    assert db.read_bytes() == before


def test_create_meeting_import_add_reorder_remove(
    window: MainWindow, db: Path, content: Content, board_dialogs: BoardDialogs, qtbot: QtBot
) -> None:
    board = make_board(window, db)
    board.panel.show()
    board_dialogs.answer("ask_meeting", ("Breast board", dt.date(2026, 5, 12)))
    qtbot.mouseClick(board.panel.new_meeting_button, Qt.MouseButton.LeftButton)
    meeting = board.meeting_id()
    assert meeting is not None
    assert board.panel.meeting_combo.currentText() == "2026-05-12 · Breast board"

    # import two case files: they land in the library and on the agenda
    files = [CASES / "01-new-metastatic.json", CASES / "02-after-first-line.json"]
    board_dialogs.answer("ask_import_paths", files)
    qtbot.mouseClick(board.panel.import_button, Qt.MouseButton.LeftButton)
    library = board.library()
    assert library is not None
    labels = [load_case(f, content).label for f in files]
    assert [c.label for c in library.agenda(meeting)] == labels

    # add a case that is already in the library
    extra = library.add_case((CASES / "05-brain-metastases.json").read_text(encoding="utf-8"))
    board.panel.refresh_cases()
    board.panel.select_library_case(extra)
    qtbot.mouseClick(board.panel.add_button, Qt.MouseButton.LeftButton)
    assert [c.id for c in library.agenda(meeting)][-1] == extra
    assert board.panel.agenda.rowCount() == 3

    # reorder: move the new case up twice
    board.panel.select_agenda_case(extra)
    qtbot.mouseClick(board.panel.up_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(board.panel.up_button, Qt.MouseButton.LeftButton)
    assert library.agenda(meeting)[0].id == extra
    assert board.panel.agenda.case_id(0) == extra
    assert not board.panel.up_button.isEnabled()

    # remove from the agenda: the case stays in the library
    qtbot.mouseClick(board.panel.remove_button, Qt.MouseButton.LeftButton)
    assert extra not in [c.id for c in library.agenda(meeting)]
    assert library.get_case(extra).id == extra
    assert board.panel.cases.row_of(extra) >= 0


def test_library_case_edits_are_saved_without_save(
    window: MainWindow, db: Path, content: Content, qtbot: QtBot
) -> None:
    _meeting, ids = fill_library(db, content, ["02-after-first-line.json"])
    board = make_board(window, db)
    board.panel.show()
    board.panel.select_agenda_case(ids[0])
    qtbot.mouseClick(board.panel.open_agenda_button, Qt.MouseButton.LeftButton)
    doc = window.document
    assert board.binding.case_id == ids[0]
    assert doc.path is None

    doc.set_label("Renamed at the board")
    library = board.library()
    assert library is not None
    assert library.get_case(ids[0]).label == "Renamed at the board"
    assert not doc.is_modified and not window.isWindowModified()
    assert board.panel.agenda.data(board.panel.agenda.index(0)).startswith(
        "1. Renamed at the board"
    )
    factors = dataclasses.replace(doc.case.factors, brain_metastases="stable")
    doc.set_factors(factors)
    assert '"brain_metastases": "stable"' in library.get_case(ids[0]).case_json
    doc.undo_stack.undo()  # undo is an edit too: written back at once
    assert '"brain_metastases": "stable"' not in library.get_case(ids[0]).case_json
    assert not doc.is_modified

    # opening a file ends the link: edits to it never reach the library
    window.open_case(CASES / "01-new-metastatic.json", ask=False)
    assert board.binding.case_id is None
    window.document.set_label("A file case")
    assert library.get_case(ids[0]).label == "Renamed at the board"


def test_store_open_case_then_autosave(window: MainWindow, db: Path) -> None:
    board = make_board(window, db)
    case_id = board.library_control.store_open_case()
    assert case_id is not None and board.binding.case_id == case_id
    window.document.set_label("Stored")
    library = board.library()
    assert library is not None
    assert library.get_case(case_id).label == "Stored"


def test_record_a_decision_and_a_correction(
    window: MainWindow,
    db: Path,
    content: Content,
    engine: Engine,
    board_dialogs: BoardDialogs,
    qtbot: QtBot,
) -> None:
    meeting, ids = fill_library(db, content, ["04-after-thp-and-tdxd.json"])
    board = make_board(window, db)
    board.panel.show()
    board.panel.select_agenda_case(ids[0])
    assert board.panel.record_button.isEnabled()
    assert not board.panel.correct_button.isEnabled()
    board_dialogs.answer(
        "ask_decision", draft("tdm1", alternatives=("tucatinib-trastuzumab-capecitabine",))
    )
    qtbot.mouseClick(board.panel.record_button, Qt.MouseButton.LeftButton)
    assert board.panel.correct_button.isEnabled() and not board.panel.record_button.isEnabled()

    seen = []
    board_dialogs.answer(
        "ask_decision",
        lambda _parent, _content, _rec, _who, previous: (
            seen.append(previous),
            draft(
                "Margetuximab trial arm",
                off_pathway_reason="clinical-trial",
                off_pathway_detail="enrolled in a trial",
                dissent="Dr B preferred T-DM1",
            ),
        )[1],
    )
    qtbot.mouseClick(board.panel.correct_button, Qt.MouseButton.LeftButton)
    assert seen[0] is not None and seen[0].chosen_regimen == "tdm1"  # the form starts from v1

    library = board.library()
    assert library is not None
    history = library.decisions(ids[0], meeting)
    assert [d.version for d in history] == [1, 2]
    assert not history[0].is_current and history[1].is_current
    assert history[1].off_pathway_reason == "clinical-trial"
    # on/off pathway is the engine's verdict, and each version keeps what the board saw
    rec = engine.next_options(load_case(CASES / "04-after-thp-and-tdxd.json", content))
    assert history[0].on_pathway == (rec.tier_of("tdm1") in ("preferred", "alternative"))
    assert not history[1].on_pathway
    assert history[0].snapshot is not None
    assert history[0].snapshot.recommendation == rec.to_dict(content)
    assert history[0].snapshot.content_digest == content.digest
    model = board.panel.decisions
    assert model.rowCount() == 2  # both versions visible: the audit trail
    texts = [model.data(model.index(r, DecisionTableModel.VERSION)) for r in range(2)]
    assert texts == ["v1 (superseded)", "v2 (current)"]
    assert "Trastuzumab emtansine" in model.data(model.index(0, DecisionTableModel.CHOSEN))
    assert "off pathway" in model.data(model.index(1, DecisionTableModel.CHOSEN))


def test_decision_form_names_the_case_and_preselects_nothing(
    qtbot: QtBot, content: Content, engine: Engine
) -> None:
    case = load_case(CASES / "04-after-thp-and-tdxd.json", content)
    rec = engine.next_options(case)
    dialog = DecisionDialog(content, rec, identity(case, False))
    qtbot.addWidget(dialog)
    assert case.label in dialog.case_label.text() and "Age 64" in dialog.case_label.text()
    assert "Demo Patient Four" not in dialog.case_label.text()
    assert dialog.choices.currentItem() is None  # the board chooses
    assert dialog.draft().chosen_regimen == ""
    assert "Choose" in dialog.problems()
    assert dialog.choices.count() == len(rec.options) + 1

    first = rec.options[0]
    dialog.choose(first.regimen)
    assert dialog.draft().chosen_regimen == first.regimen
    assert dialog.draft().off_pathway_reason is None and not dialog.reason.isEnabled()
    assert "On the pathway" in dialog.pathway.text()
    # the chosen regimen is not offered as an alternative to itself
    hidden = [
        dialog.alternatives.item(i).data(Qt.ItemDataRole.UserRole)
        for i in range(dialog.alternatives.count())
        if dialog.alternatives.item(i).isHidden()
    ]
    assert hidden == [first.regimen]

    dialog.choose(OTHER)
    dialog.other.setEditText("Investigational ADC")
    dialog.reason.setCurrentIndex(dialog.reason.findData("other"))
    assert dialog.reason.isEnabled()
    d = dialog.draft()
    assert d.chosen_regimen == "Investigational ADC" and d.off_pathway_reason == "other"
    assert "reason" in dialog.problems()
    dialog.detail.setText("compassionate use")
    dialog.recorded_by.setText("Dr C")
    assert dialog.problems() == ""

    avoid = next(o for o in rec.options if o.tier == "avoid")
    dialog.choose(avoid.regimen)
    assert not dialog.on_pathway()  # an "avoid" option needs a reason too
    assert "Off the pathway" in dialog.pathway.text()


def test_export_case_file_from_the_library(
    window: MainWindow, db: Path, content: Content, board_dialogs: BoardDialogs, tmp_path: Path
) -> None:
    _meeting, ids = fill_library(db, content, ["01-new-metastatic.json"])
    board = make_board(window, db)
    board.panel.show()
    board.panel.select_library_case(ids[0])
    out = tmp_path / "exported.json"
    board_dialogs.answer("ask_case_export_path", out)
    board.panel.export_button.click()
    assert load_case(out, content) == load_case(CASES / "01-new-metastatic.json", content)


def test_sign_off_freezes_the_meeting_in_the_dock_and_amend_reopens_it(
    window: MainWindow,
    db: Path,
    content: Content,
    board_dialogs: BoardDialogs,
    dialog_calls: DialogCalls,
    qtbot: QtBot,
) -> None:
    meeting, ids = fill_library(db, content, ["02-after-first-line.json", IDENTIFIED_CASE])
    with CaseLibrary.open(db) as library:  # an earlier meeting with its attendees
        earlier = library.create_meeting("April board", dt.date(2026, 4, 14))
        library.set_attendees(earlier, [Attendee("Dr A", "medical oncology")])
    board = make_board(window, db)
    board.panel.show()
    board.panel.select_meeting(meeting)
    board.panel.select_agenda_case(ids[0])
    prefilled: list[list[Attendee]] = []
    board_dialogs.answer(
        "ask_attendees",
        lambda _parent, current, last: (
            prefilled.append(last),
            [*last, Attendee("Dr R", "radiology")],
        )[1],
    )
    qtbot.mouseClick(board.panel.attendees_button, Qt.MouseButton.LeftButton)
    assert prefilled == [[Attendee("Dr A", "medical oncology")]]  # typed once, pre-filled
    assert "Dr R (radiology)" in board.panel.minutes.text()

    board_dialogs.answer("ask_sign_off", "Dr Chair")
    qtbot.mouseClick(board.panel.sign_off_button, Qt.MouseButton.LeftButton)
    assert "Signed off by Dr Chair" in board.panel.minutes.text()
    assert "(signed off)" in board.panel.meeting_combo.currentText()
    for button in (
        board.panel.record_button,
        board.panel.up_button,
        board.panel.down_button,
        board.panel.remove_button,
        board.panel.attendees_button,
        board.panel.sign_off_button,
    ):
        assert not button.isEnabled()
    assert "signed off" in board.panel.record_button.toolTip()  # the window shows why
    library = board.library()
    assert library is not None
    with pytest.raises(LibraryError, match="signed off"):
        library.remove_from_agenda(meeting, ids[0])
    dialog_calls.answer("show_error", None)
    board_dialogs_before = list(board_dialogs.calls)
    assert board.record_decision() is None  # refused, saying why, before the form opens
    assert board_dialogs.calls == board_dialogs_before
    assert "signed off" in dialog_calls.calls[-1][1][2]

    # importing while the meeting is signed off stores the case, off the frozen agenda
    board_dialogs.answer("ask_import_paths", [CASES / "05-brain-metastases.json"])
    qtbot.mouseClick(board.panel.import_button, Qt.MouseButton.LeftButton)
    assert [c.id for c in library.agenda(meeting)] == ids
    assert len(library.list_cases()) == 3

    board_dialogs.answer("ask_amendment", ("Dr Chair", "late pathology result"))
    assert board.panel.amend_button.isEnabled()
    qtbot.mouseClick(board.panel.amend_button, Qt.MouseButton.LeftButton)
    assert "late pathology result" in board.panel.minutes.text()
    assert board.panel.record_button.isEnabled()
    events = library.minutes_history(meeting)
    assert [e.kind for e in events] == ["sign-off", "amendment"]


def test_damaged_library_shows_one_plain_dialog_and_the_dock_keeps_working(
    window: MainWindow, db: Path, content: Content, dialog_calls: DialogCalls
) -> None:
    meeting, ids = fill_library(db, content, ["02-after-first-line.json"])
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("UPDATE cases SET updated_at = '<b>not a date</b>' WHERE id = ?", (ids[0],))
    dialog_calls.answer("show_error", None)
    board = make_board(window, db)
    board.panel.show()  # the refresh fails: one dialog, no exception escapes
    assert dialog_calls.names() == ["show_error"]
    message = dialog_calls.calls[0][1][2]
    assert "damaged value" in message and "<b>" not in message
    assert "damaged value" in board.panel.status.text()
    assert board.panel.status.textFormat() == Qt.TextFormat.PlainText
    # the library stays open and usable: repair the row, refresh, and it reads again
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute(
            "UPDATE cases SET updated_at = '2026-05-01T10:00:00.000+00:00' WHERE id = ?",
            (ids[0],),
        )
    board.panel.refresh()
    assert board.panel.agenda.rowCount() == 1
    assert len(dialog_calls.calls) == 1
    board.panel.refresh()  # and a new failure after a good read is reported again
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("UPDATE meetings SET meeting_date = '2026-02-30' WHERE id = ?", (meeting,))
    board.panel.refresh()
    board.panel.refresh()
    assert len(dialog_calls.calls) == 2


def test_failed_open_is_retried_on_request(
    window: MainWindow, db: Path, dialog_calls: DialogCalls, qtbot: QtBot
) -> None:
    with closing(sqlite3.connect(db)) as conn:
        conn.execute("PRAGMA user_version = 99")
    dialog_calls.answer("show_error", None)
    board = make_board(window, db)
    board.panel.show()
    assert board.library_control.current() is None
    assert board.panel.retry_button.isVisible() and "newer version" in board.panel.status.text()
    assert not board.panel.new_meeting_button.isEnabled()
    with closing(sqlite3.connect(db)) as conn:  # the user fixes it (another copy, a disk…)
        conn.execute("PRAGMA user_version = 0")
    qtbot.mouseClick(board.panel.retry_button, Qt.MouseButton.LeftButton)
    assert board.library() is not None  # no restart needed
    assert not board.panel.retry_button.isVisible() and board.panel.new_meeting_button.isEnabled()
    assert dialog_calls.names() == ["show_error"]


def test_local_practice_is_shown_apart_from_the_evidence(
    window: MainWindow, db: Path, content: Content, board_dialogs: BoardDialogs
) -> None:
    names = ["02-after-first-line.json"] * 3
    _meeting, ids = fill_library(db, content, names)
    board = make_board(window, db)
    board.panel.show()
    rec = window.engine.next_options(load_case(CASES / names[0], content))
    chosen = rec.options[1]
    for case_id in ids[:2]:
        board.panel.select_agenda_case(case_id)
        board_dialogs.answer("ask_decision", draft(chosen.regimen))
        assert board.record_decision() is not None
    assert board.library_control.open_case(ids[2])
    note = board.panel.practice.text()
    assert note.startswith("Local practice (not evidence)")
    assert f"{chosen.name} in 2 of 2" in note
    assert "not evidence" in board.panel.practice.toolTip()
    evidence_text = window.evidence.findChild(QTextBrowser)
    assert evidence_text is None or "Local practice" not in evidence_text.toPlainText()
    assert [o.regimen for o in window.document.recommendation.options] == [
        o.regimen for o in rec.options
    ]  # never mixed into the ranking


def test_since_this_decision_note_in_the_dock(
    window: MainWindow, db: Path, content: Content, board_dialogs: BoardDialogs, qtbot: QtBot
) -> None:
    _meeting, ids = fill_library(db, content, ["02-after-first-line.json"])
    board = make_board(window, db)
    board.panel.show()
    board.panel.select_agenda_case(ids[0])
    board_dialogs.answer("ask_decision", draft("tdm1"))
    assert board.record_decision() is not None
    assert not board.panel.since.isVisible()  # nothing changed since: no note
    qtbot.mouseClick(board.panel.open_agenda_button, Qt.MouseButton.LeftButton)
    window.document.set_label("Seen again at the next board")  # saved to the library at once
    assert board.panel.since.isVisible()
    assert board.panel.since.text().startswith("Since this decision:")
    assert "The case was edited since." in board.panel.since.text()
