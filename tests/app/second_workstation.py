"""A second workstation, in its own process: the whole app (window and tumor board) on a shared
library, driven as a clinician would drive it (test_tumor_board_shared runs it).

    python tests/app/second_workstation.py DSN MEETING_ID SETTINGS_FOLDER

It waits for the meeting's agenda (built on the first workstation) to show a case, records the
board's decision on it through the dock's Record action (the dialog answered here), prints
``recorded ID``, then waits until a second case appears on the agenda (added on the first
workstation after that) and prints ``saw N cases``. Each wait pumps this app's own event loop,
so what it sees arrives by the app's live refresh. Exit 0, or 1 with the reason on stderr.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def _wait(app: object, done: Callable[[], bool], seconds: float, what: str) -> None:
    from PySide6.QtWidgets import QApplication

    assert isinstance(app, QApplication)
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            raise SystemExit(f"second workstation: {what} did not arrive in {seconds:g} s")
        app.processEvents()
        time.sleep(0.01)


def main(dsn: str, meeting_id: int, settings_folder: str) -> int:
    from PySide6.QtWidgets import QApplication

    from app.main_window import MainWindow
    from app.settings import AppSettings
    from app.tumor_board import dialogs as board_dialogs
    from app.tumor_board.decision_dialog import DecisionDraft
    from app.tumor_board.install import install_tumor_board
    from pathways.content import load_content
    from pathways.engine import Engine

    app = QApplication([])
    content = load_content()
    window = MainWindow(content, Engine(content), AppSettings.ephemeral(settings_folder))
    window.show()
    board = install_tumor_board(window, dsn, meeting_id=meeting_id)
    agenda = board.panel.agenda
    _wait(app, lambda: agenda.rowCount() >= 1, 20, "the first agenda case")
    case_id = agenda.case_id(0)
    assert case_id is not None
    board.panel.select_agenda_case(case_id)
    board_dialogs.ask_decision = lambda *args, **kwargs: DecisionDraft(  # type: ignore[assignment]
        chosen_regimen="tdm1", recorded_by="typed on workstation 2"
    )
    decision = board.record_decision()
    if decision is None:
        raise SystemExit("second workstation: the decision was not recorded")
    print(f"recorded {decision}", flush=True)
    _wait(app, lambda: agenda.rowCount() >= 2, 20, "the second agenda case")
    print(f"saw {agenda.rowCount()} cases", flush=True)
    board.close()
    window.document.undo_stack.setClean()
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2]), sys.argv[3]))
