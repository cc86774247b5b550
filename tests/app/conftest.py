"""Fixtures for the window tests: content, engine, an isolated settings store, the window.

Every dialog function in ``app.dialogs`` is replaced by one that fails the test, so a modal
dialog can never hang the suite; tests that expect a dialog patch it with an answer.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from app import dialogs
from app.main_window import MainWindow, demo_cases_dir
from app.settings import AppSettings
from pathways.case import Case, load_case
from pathways.content import Content, load_content
from pathways.engine import Engine

ROOT = Path(__file__).resolve().parents[2]
CASES = demo_cases_dir()
DIALOGS = (
    "show_error",
    "confirm_discard",
    "confirm",
    "ask_open_path",
    "ask_save_path",
    "edit_line",
    "ask_label",
    "ask_whatif_outcome",
    "show_about",
    "ask_fhir_path",
    "review_fhir_import",
)


@pytest.fixture(scope="session")
def content() -> Content:
    folder = os.environ.get("HER2_PATHWAYS_TEST_CONTENT")  # a content folder under review
    return load_content(Path(folder) if folder else None)


@pytest.fixture(scope="session")
def engine(content: Content) -> Engine:
    return Engine(content)


@pytest.fixture
def settings(tmp_path: Path) -> AppSettings:
    return AppSettings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


class DialogCalls:
    """Records the dialogs a test opened; ``answer(name, value)`` scripts a reply."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self._monkeypatch = monkeypatch
        for name in DIALOGS:
            monkeypatch.setattr(dialogs, name, self._unexpected(name))

    def _unexpected(self, name: str) -> Callable[..., Any]:
        def fail(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, args))
            raise AssertionError(f"unexpected dialog: {name}{args[1:]}")

        return fail

    def answer(self, name: str, value: Any) -> None:
        def reply(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, args))
            return value(*args) if callable(value) else value

        self._monkeypatch.setattr(dialogs, name, reply)

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]


@pytest.fixture(autouse=True)
def dialog_calls(monkeypatch: pytest.MonkeyPatch) -> DialogCalls:
    return DialogCalls(monkeypatch)


@pytest.fixture
def make_window(
    qtbot: QtBot, content: Content, engine: Engine, settings: AppSettings
) -> Iterator[Callable[..., MainWindow]]:
    made: list[MainWindow] = []

    def make(
        case_name: str | None = "04-after-thp-and-tdxd.json",
        show: bool = True,
        store: AppSettings | None = None,
    ) -> MainWindow:
        window = MainWindow(content, engine, store or settings)
        # pytest-qt closes the window after the test: never prompt for unsaved changes then
        qtbot.addWidget(window, before_close_func=lambda w: w.document.undo_stack.setClean())
        if case_name is not None:
            path = CASES / case_name
            window.document.load(load_case(path, content), path)
        if show:
            window.show()
            qtbot.waitExposed(window)
        made.append(window)
        return window

    yield make


@pytest.fixture
def window(make_window: Callable[..., MainWindow]) -> MainWindow:
    return make_window()


def case_of(name: str, content: Content) -> Case:
    return load_case(CASES / name, content)
