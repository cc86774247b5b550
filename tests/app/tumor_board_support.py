"""Helpers shared by the tumor-board tests (plain functions; the fixtures live in each file)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.main_window import MainWindow
from app.tumor_board import dialogs as board_dialogs
from app.tumor_board.decision_dialog import DecisionDraft
from app.tumor_board.install import TumorBoard, install_tumor_board
from pathways.case import dump_case, load_case
from pathways.content import Content
from pathways.library import CaseLibrary
from tests.app.conftest import CASES

BOARD_DIALOGS = (
    "ask_password",
    "ask_meeting",
    "ask_decision",
    "ask_import_paths",
    "ask_case_export_path",
    "ask_pdf_path",
    "ask_graph_path",
    "ask_printer",
    "confirm",
    "ask_include_identifiers",
    "ask_attendees",
    "ask_sign_off",
    "ask_amendment",
)
# Demo 4 carries identifiers: the privacy tests look for these strings.
IDENTIFIED_CASE = "04-after-thp-and-tdxd.json"
NAME, RECORD_NUMBER, BIRTH_DATE = "Demo Patient Four", "DEMO-0004", "1962-01-30"


class BoardDialogs:
    """Every tumor-board dialog fails the test unless a reply was scripted with ``answer``."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[str] = []
        self._monkeypatch = monkeypatch
        for name in BOARD_DIALOGS:
            monkeypatch.setattr(board_dialogs, name, self._unexpected(name))

    def _unexpected(self, name: str) -> Callable[..., Any]:
        def fail(*args: Any, **kwargs: Any) -> Any:
            raise AssertionError(f"unexpected dialog: {name}")

        return fail

    def answer(self, name: str, value: Any) -> None:
        def reply(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            return value(*args) if callable(value) else value

        self._monkeypatch.setattr(board_dialogs, name, reply)


def make_board(window: MainWindow, db: Path, show_identifiers: bool = False) -> TumorBoard:
    return install_tumor_board(window, db, show_identifiers)


def fill_library(db: Path | str, content: Content, names: list[str]) -> tuple[int, list[int]]:
    """A meeting with the demo cases ``names`` on its agenda, in that order."""
    with CaseLibrary.open(db) as library:
        meeting = library.create_meeting("Breast board", dt.date(2026, 5, 12))
        ids = []
        for name in names:
            case_id = library.add_case(dump_case(load_case(CASES / name, content)))
            library.add_to_agenda(meeting, case_id)
            ids.append(case_id)
    return meeting, ids


def board_on_agenda(
    window: MainWindow, db: Path, content: Content, names: list[str], selected: int
) -> tuple[TumorBoard, int, list[int]]:
    """The board's dock over a new library (see :func:`fill_library`), showing the meeting with
    agenda case ``selected`` (an index into ``names``) selected; with the meeting and case ids."""
    meeting, ids = fill_library(db, content, names)
    board = make_board(window, db)
    board.panel.show()
    board.panel.select_meeting(meeting)
    board.panel.select_agenda_case(ids[selected])
    return board, meeting, ids


def draft(regimen: str, **changes: Any) -> DecisionDraft:
    fields: dict[str, Any] = {
        "chosen_regimen": regimen,
        "alternatives": (),
        "note": "",
        "dissent": "",
        "recorded_by": "Dr Test",
    }
    fields.update(changes)
    return DecisionDraft(**fields)


def flat(text: str) -> str:
    """PDF text with all whitespace runs (tabs, line breaks) as single spaces, and ligatures
    (the PDF's "ﬀ" in "off") as their letters."""
    return " ".join(unicodedata.normalize("NFKC", text).split())
