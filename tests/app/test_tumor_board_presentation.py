"""Presentation mode: enter with F5, move through the agenda, privacy, leave with Esc."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.main_window import MainWindow
from app.tumor_board.presentation import PresentationWindow
from pathways.content import Content
from tests.app.tumor_board_support import (
    BIRTH_DATE,
    IDENTIFIED_CASE,
    NAME,
    RECORD_NUMBER,
    BoardDialogs,
    draft,
    fill_library,
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
    meeting, ids = fill_library(db, content, AGENDA)
    board = make_board(window, db)
    board.panel.show()
    board.panel.select_meeting(meeting)
    board.panel.select_agenda_case(ids[1])
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
