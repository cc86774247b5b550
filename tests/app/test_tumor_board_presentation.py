"""Presentation mode: enter with F5, move through the agenda, privacy, leave with Esc."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QApplication, QDialog, QWidget
from pytestqt.qtbot import QtBot

from app.main_window import MainWindow
from app.tumor_board.decision_dialog import DecisionDialog, DecisionDraft
from app.tumor_board.presentation import PresentationWindow
from app.tumor_board.summary import Identity
from pathways.content import Content
from pathways.engine import Recommendation
from tests.app.conftest import DialogCalls
from tests.app.tumor_board_support import (
    BIRTH_DATE,
    IDENTIFIED_CASE,
    NAME,
    RECORD_NUMBER,
    BoardDialogs,
    board_on_agenda,
    draft,
    make_board,
)

AGENDA = ["02-after-first-line.json", IDENTIFIED_CASE, "05-brain-metastases.json"]


@pytest.fixture(autouse=True)
def board_dialogs(monkeypatch: pytest.MonkeyPatch) -> BoardDialogs:
    return BoardDialogs(monkeypatch)


def _visible_text(view: PresentationWindow) -> str:
    labels = (view.heading, view.history, view.options, view.factors, view.warnings, view.decision)
    return " ".join(label.text() for label in labels)


def test_present_the_agenda(
    window: MainWindow,
    tmp_path: Path,
    content: Content,
    qtbot: QtBot,
    board_dialogs: BoardDialogs,
) -> None:
    db = tmp_path / "library.sqlite3"
    board, _meeting, _ids = board_on_agenda(window, db, content, AGENDA, 1)
    board_dialogs.answer("ask_decision", draft("tdm1"))
    board.record_decision()

    board.actions.present.trigger()  # F5
    view = board.presentation
    assert view is not None
    qtbot.waitExposed(view)
    view.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is view)  # keys go to the presentation
    assert view.isFullScreen()
    assert view.index == 1  # starts at the selected agenda case
    assert len(view.cases) == 3
    assert view.position_label.text() == "Case 2 of 3"
    assert "Breast board" in view.meeting_label.text()
    assert "Board decision" in view.decision.text() and view.decision.isVisible() is True

    # privacy: identifiers hidden by default, label and age shown instead
    shown = _visible_text(view)
    assert "Demo 4" in shown and "Age 64" in shown
    for identifier in (NAME, RECORD_NUMBER, BIRTH_DATE):
        assert identifier not in shown
    qtbot.mouseClick(view.privacy, Qt.MouseButton.LeftButton)
    assert view.show_identifiers and board.show_identifiers  # exports follow the toggle
    assert NAME in view.heading.text() and RECORD_NUMBER in view.heading.text()
    qtbot.keyClick(view, Qt.Key.Key_I)
    assert NAME not in view.heading.text() and not board.show_identifiers

    # Left / Right step through the history of the current case
    last = view.document.step_count - 1
    assert view.document.step == last
    qtbot.keyClick(view, Qt.Key.Key_Left)
    assert view.document.step == last - 1
    qtbot.keyClick(view, Qt.Key.Key_Right)
    assert view.document.step == last

    # Page Down / Page Up move through the agenda, and stop at its ends
    qtbot.keyClick(view, Qt.Key.Key_PageDown)
    assert view.index == 2 and view.position_label.text() == "Case 3 of 3"
    assert not view.decision.isVisible()
    qtbot.keyClick(view, Qt.Key.Key_PageDown)
    assert view.index == 2
    qtbot.keyClick(view, Qt.Key.Key_PageUp)
    qtbot.keyClick(view, Qt.Key.Key_PageUp)
    assert view.index == 0
    assert view.scene.state.recommendation is view.document.recommendation

    with qtbot.waitSignal(view.closed):
        qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert board.presentation is None
    assert not window.document.is_modified  # presenting never edits the open case


def test_present_without_a_meeting_shows_the_open_case(
    window: MainWindow, tmp_path: Path, qtbot: QtBot
) -> None:
    board = make_board(window, tmp_path / "library.sqlite3")
    view = board.present(full_screen=False)
    assert view is not None
    qtbot.waitExposed(view)
    assert len(view.cases) == 1
    assert view.document.case == window.document.case
    assert not (tmp_path / "library.sqlite3").exists()  # the library was never needed
    image = view.render_image(QSize(1600, 1000))
    assert (image.width(), image.height()) == (1600, 1000)
    colours = {image.pixel(x, y) for y in range(0, 1000, 13) for x in range(0, 1600, 13)}
    assert len(colours) > 20
    view.close()
    QApplication.processEvents()


def test_presentation_type_is_large(window: MainWindow, tmp_path: Path, qtbot: QtBot) -> None:
    board = make_board(window, tmp_path / "library.sqlite3")
    view = board.present(full_screen=False)
    assert view is not None
    view.render_image(QSize(1600, 1000))
    # at least 1/45 of the screen height per line: readable from the back of a room
    assert view.options.fontMetrics().height() >= 1000 / 45
    assert view.heading.fontMetrics().height() > view.options.fontMetrics().height() * 1.5
    view.close()


def test_record_a_decision_from_the_presentation_by_keyboard(
    window: MainWindow,
    tmp_path: Path,
    content: Content,
    qtbot: QtBot,
    board_dialogs: BoardDialogs,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LOGNAME", "Dr Keyboard")  # what "Recorded by" starts with
    monkeypatch.setenv("USER", "Dr Keyboard")
    db = tmp_path / "library.sqlite3"
    board, meeting, ids = board_on_agenda(window, db, content, AGENDA, 1)
    view = board.present(full_screen=False)
    assert view is not None
    qtbot.waitExposed(view)
    assert view.record.isVisible() and "(R)" in view.record.text()
    assert not view.decision.isVisible()
    offered: list[str] = []

    def by_keyboard(
        parent: QWidget, content: Content, rec: Recommendation, who: Identity, previous: object
    ) -> DecisionDraft | None:
        dialog = DecisionDialog(content, rec, who, None, parent)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        assert parent is view  # over the projector, not behind it
        assert dialog.choices.currentItem() is None  # nothing pre-selected
        assert "Demo 4" in dialog.case_label.text() and NAME not in dialog.case_label.text()
        offered.append(rec.options[0].regimen)
        qtbot.keyClick(dialog.choices, Qt.Key.Key_Down)  # the first option
        qtbot.keyClick(dialog.choices, Qt.Key.Key_Return)  # OK
        assert dialog.result() == QDialog.DialogCode.Accepted
        return dialog.draft()

    board_dialogs.answer("ask_decision", by_keyboard)
    qtbot.keyClick(view, Qt.Key.Key_R)
    library = board.library()
    assert library is not None
    decision = library.current_decision(meeting, ids[1])
    assert decision is not None and decision.chosen_regimen == offered[0]
    assert decision.recorded_by == "Dr Keyboard" and decision.snapshot is not None
    # the presentation shows it at once, and R now corrects it
    assert view.decision.isVisible() and "Board decision" in view.decision.text()
    assert view.cases[1].decisions[-1].id == decision.id
    assert "Correct" in view.record.text()
    view.close()


def test_identifier_band_shows_and_resets(
    window: MainWindow, tmp_path: Path, content: Content, qtbot: QtBot
) -> None:
    db = tmp_path / "library.sqlite3"
    board, _meeting, _ids = board_on_agenda(window, db, content, AGENDA, 1)
    view = board.present(full_screen=False)
    assert view is not None
    qtbot.waitExposed(view)
    assert not view.band.isVisible()
    qtbot.keyClick(view, Qt.Key.Key_I)
    assert view.band.isVisible() and "IDENTIFIERS SHOWN" in view.band.text()
    assert NAME in view.heading.text()
    qtbot.keyClick(view, Qt.Key.Key_PageDown)  # another patient: hidden again
    assert not view.show_identifiers and not view.band.isVisible()
    assert not board.show_identifiers
    qtbot.keyClick(view, Qt.Key.Key_PageUp)
    assert NAME not in view.heading.text()
    qtbot.keyClick(view, Qt.Key.Key_I)
    assert board.show_identifiers
    with qtbot.waitSignal(view.closed):
        qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert not board.show_identifiers  # leaving the presentation hides them
    again = board.present(full_screen=False)
    assert again is not None and not again.show_identifiers and not again.band.isVisible()
    again.close()


def test_damaged_library_stops_the_presentation_with_one_dialog(
    window: MainWindow,
    tmp_path: Path,
    content: Content,
    board_dialogs: BoardDialogs,
    dialog_calls: DialogCalls,
) -> None:
    db = tmp_path / "library.sqlite3"
    board, meeting, _ids = board_on_agenda(window, db, content, AGENDA, 0)
    board_dialogs.answer("ask_decision", draft("tdm1"))
    assert board.record_decision() is not None
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("DROP TRIGGER decisions_no_update")  # as a disk error would, not the app
        conn.execute("UPDATE decisions SET recommendation_snapshot = '<i>[</i>'")
    dialog_calls.answer("show_error", None)
    assert board.present(full_screen=False) is None
    assert dialog_calls.names() == ["show_error"]
    assert "damaged" in dialog_calls.calls[0][1][2]
    board_dialogs.answer("ask_pdf_path", tmp_path / "meeting.pdf")
    board_dialogs.answer("ask_include_identifiers", False)
    assert not board.exports.export_meeting_pdf(meeting)  # refused with a dialog, no traceback
    assert dialog_calls.names() == ["show_error", "show_error"]
    assert not (tmp_path / "meeting.pdf").exists()
