"""The hostile corpus in the window: every bad file gives one plain-text dialog and changes
nothing; a valid case full of markup is shown as text everywhere, never rendered."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QGraphicsView,
    QLabel,
    QMessageBox,
    QTextBrowser,
    QTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from app import dialogs
from app.main_window import MainWindow
from app.settings import AppSettings
from app.tumor_board import report
from app.widgets.fhir_review import case_summary_html
from pathways.case import Patient, load_case
from pathways.content import FILES, Content, bundled_content_dir, load_content_texts
from pathways.engine import Engine
from tests.app.conftest import CASES
from tests.pathways.test_hostile_corpus import CORPUS, SECRET, Entry, check_message, make_corpus

REAL_SHOW_ERROR = dialogs.show_error  # captured before the suite's fixture replaces it
REAL_CONFIRM = dialogs.confirm
REAL_CONFIRM_DISCARD = dialogs.confirm_discard
MARKUP = ('<img src="x">', "<a href=", "<table>", "<b>bold</b>", "<img src=y>")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Entry]]:
    return make_corpus(tmp_path_factory.mktemp("hostile-window"))


@pytest.fixture
def shown_boxes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[QMessageBox]]:
    """The real message boxes, built as the app builds them; ``exec`` returns at once."""
    boxes: list[QMessageBox] = []

    def fake_exec(box: QMessageBox) -> int:
        boxes.append(box)
        return int(QMessageBox.StandardButton.Ok)

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    monkeypatch.setattr(dialogs, "show_error", REAL_SHOW_ERROR)
    yield boxes


def test_every_bad_file_gives_one_plain_text_dialog_and_keeps_the_open_case(
    window: MainWindow, corpus: dict[str, tuple[Path, Entry]], shown_boxes: list[QMessageBox]
) -> None:
    document = window.document
    for entry in CORPUS:
        if entry.valid:
            continue
        path, _ = corpus[entry.name]
        before = (document.case, document.path, document.step, document.undo_stack.count())
        shown_boxes.clear()
        assert not window.open_case(path, ask=False), entry.name
        assert len(shown_boxes) == 1, entry.name
        box = shown_boxes[0]
        assert box.textFormat() == Qt.TextFormat.PlainText, entry.name
        check_message(box.text())
        assert SECRET not in box.windowTitle() + box.informativeText() + box.detailedText()
        after = (document.case, document.path, document.step, document.undo_stack.count())
        assert after == before, entry.name
        box.deleteLater()


def _rich_texts(root: QWidget) -> Iterator[tuple[str, str]]:
    """Every text Qt may render as HTML: rich or auto-detected labels, tooltips, HTML views."""
    for widget in [root, *root.findChildren(QWidget)]:
        name = f"{type(widget).__name__} {widget.objectName()}"
        if isinstance(widget, QLabel) and widget.textFormat() != Qt.TextFormat.PlainText:
            yield name, widget.text()
        if isinstance(widget, QTextBrowser | QTextEdit):
            yield name, widget.toHtml()
        if widget.toolTip():  # tooltips guess rich text from their content
            yield f"{name} tooltip", widget.toolTip()
        if isinstance(widget, QGraphicsView) and widget.scene() is not None:
            for item in widget.scene().items():
                if item.toolTip():
                    yield f"{name} item tooltip", item.toolTip()
    for action in root.findChildren(QAction):
        if action.toolTip():
            yield f"action {action.objectName()} tooltip", action.toolTip()


def test_markup_from_a_case_file_is_never_rendered(
    window: MainWindow, corpus: dict[str, tuple[Path, Entry]], tmp_path: Path
) -> None:
    path, _ = corpus["markup-label"]
    # The file name is text from the disk too: it appears in the recent-files menu's tooltips.
    named = tmp_path / '<img src="x">.json'
    named.write_bytes(path.read_bytes())
    assert window.open_case(named, ask=False)
    document = window.document
    problems = []
    for step in range(document.step_count):
        document.set_step(step)
        window.history.table.selectRow(min(step, len(document.case.history) - 1))
        for where, text in _rich_texts(window):
            problems += [f"{where}: {m}" for m in MARKUP if m in text]
    window._fill_recent_menu()
    problems += [
        f"{where}: {m}" for where, text in _rich_texts(window) for m in MARKUP if m in text
    ]
    assert sorted(set(problems)) == []
    assert '<img src="x">' in window.windowTitle()  # a title is plain text: shown as typed


def test_confirm_and_discard_dialogs_are_plain_text(
    window: MainWindow, shown_boxes: list[QMessageBox], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dialogs, "confirm", REAL_CONFIRM)
    monkeypatch.setattr(dialogs, "confirm_discard", REAL_CONFIRM_DISCARD)
    label = '<img src="x"><table><tr><td>'
    dialogs.confirm(window, label, label)
    dialogs.confirm_discard(window, label)
    assert [b.textFormat() for b in shown_boxes] == [Qt.TextFormat.PlainText] * 2
    assert all(label in b.text() for b in shown_boxes)
    for box in shown_boxes:
        box.deleteLater()


def test_a_megabyte_message_is_cut(shown_boxes: list[QMessageBox], window: MainWindow) -> None:
    dialogs.show_error(window, "x" * 10_000, "y" * 1_000_000)
    (box,) = shown_boxes
    assert len(box.text()) <= dialogs.MAX_DIALOG_TEXT
    assert len(box.windowTitle()) <= 200
    box.deleteLater()


@pytest.mark.parametrize("show_identifiers", [False, True])
def test_reports_and_the_import_review_show_markup_as_text(
    qtbot: QtBot,
    corpus: dict[str, tuple[Path, Entry]],
    content: Content,
    engine: Engine,
    show_identifiers: bool,
) -> None:
    path, _ = corpus["markup-label"]
    case = load_case(path, content)
    case = dataclasses.replace(case, patient=Patient(name='<img src="x">', record_number="<b>"))
    html = report.case_document(content, engine, case, show_identifiers=show_identifiers).toHtml()
    summary = case_summary_html(case, content)
    for text in (html, summary):
        assert [m for m in MARKUP if m in text] == []
    assert "&lt;img" in html and "&lt;img" in summary  # shown, as text


def test_markup_in_the_content_is_never_rendered(
    qtbot: QtBot, settings: AppSettings, tmp_path: Path
) -> None:
    """Content files are files too: a regimen name and the texts around it stay text."""
    folder = bundled_content_dir()
    texts = {name: (folder / name).read_text(encoding="utf-8") for name in FILES}
    old = "    name: Trastuzumab emtansine (T-DM1)\n"
    assert texts["drugs.yaml"].count(old) == 1
    texts["drugs.yaml"] = texts["drugs.yaml"].replace(
        old, '    name: Trastuzumab emtansine (T-DM1) <img src="x"><b>bold</b>\n'
    )
    content = load_content_texts(texts)
    window = MainWindow(content, Engine(content), settings)
    qtbot.addWidget(window, before_close_func=lambda w: w.document.undo_stack.setClean())
    path = CASES / "04-after-thp-and-tdxd.json"  # T-DM1 is among its next options
    window.document.load(load_case(path, content), path)
    window.show()
    qtbot.waitExposed(window)
    problems = []
    for step in range(window.document.step_count):
        window.document.set_step(step)
        for option in window.document.recommendation.options:
            window.select(option.regimen)
            for where, text in _rich_texts(window):
                problems += [f"{where}: {m}" for m in MARKUP if m in text]
    assert sorted(set(problems)) == []
