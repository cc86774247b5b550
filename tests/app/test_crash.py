"""Unhandled exceptions, the log file and its rotation, faulthandler, and --version.

An exception raised in a slot must reach the log and a dialog, and neither may show what the
exception's message said (it can quote a patient's name or record number).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QStandardPaths
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QLabel, QPushButton
from pytestqt.qtbot import QtBot

from app import crash, logging_setup
from app.main import EXIT_OK, main
from pathways.content import Content
from pathways.version import APP_VERSION

ROOT = Path(__file__).resolve().parents[2]
# What a careless exception message could carry: none of it may reach the log or the dialog.
IDENTIFIERS = ("Jane Q. Example", "MRN-0042-7731", "1961-04-12")


def _leaky_error() -> None:
    raise ValueError(f"cannot read the case of {IDENTIFIERS[0]}, {IDENTIFIERS[1]}")


@pytest.fixture
def log_folder(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "logs"
    logging_setup.setup_logging(folder=folder)
    yield folder
    root = logging.getLogger()
    for handler in logging_setup._state.handlers:
        root.removeHandler(handler)
        handler.close()
    logging_setup._state.handlers = []
    logging_setup._state.log_path = None


@pytest.fixture
def reporter(qapp: QApplication, log_folder: Path) -> Iterator[crash.CrashReporter]:
    reporter = crash.CrashReporter()
    reporter.content_version = "9.9.9-test"
    crash.install_excepthooks(reporter)
    yield reporter
    crash.uninstall_excepthooks()
    if reporter.dialog is not None:
        reporter.dialog.close()
    reporter.deleteLater()


def _log_text(folder: Path) -> str:
    for handler in logging_setup._state.handlers:
        handler.flush()
    return (folder / logging_setup.LOG_NAME).read_text(encoding="utf-8")


@pytest.mark.qt_no_exception_capture
def test_exception_in_a_slot_is_logged_and_shown_without_identifiers(
    qtbot: QtBot, reporter: crash.CrashReporter, log_folder: Path
) -> None:
    button = QPushButton("boom")
    qtbot.addWidget(button)
    button.clicked.connect(_leaky_error)
    button.click()  # PySide6 hands the slot's exception to sys.excepthook
    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible())
    dialog = reporter.dialog
    assert dialog is not None and dialog.objectName() == "crash_dialog"
    details = dialog.text.toPlainText()
    assert "ValueError" in details and "_leaky_error" in details
    assert f"HER2 Pathways {APP_VERSION}" in details and "content 9.9.9-test" in details
    message = dialog.findChild(QLabel, "crash_message")
    assert message is not None
    shown = details + message.text()
    assert str(log_folder / logging_setup.LOG_NAME) in shown
    log = _log_text(log_folder)
    assert "CRITICAL app.crash: unhandled exception" in log and "_leaky_error" in log
    for identifier in IDENTIFIERS[:2]:
        assert identifier not in shown
        assert identifier not in log
    dialog.copy_button.click()
    clipboard = QGuiApplication.clipboard()
    assert clipboard is not None and clipboard.text() == details


@pytest.mark.qt_no_exception_capture
def test_a_second_exception_does_not_stack_a_second_dialog(
    qtbot: QtBot, reporter: crash.CrashReporter, log_folder: Path
) -> None:
    button = QPushButton("boom")
    qtbot.addWidget(button)
    button.clicked.connect(_leaky_error)
    button.click()
    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible())
    first = reporter.dialog
    button.click()
    qtbot.wait(50)
    assert reporter.dialog is first
    assert _log_text(log_folder).count("unhandled exception in") == 2


def test_exception_in_a_worker_thread_reaches_the_log_and_the_gui_thread(
    qtbot: QtBot, qapp: QApplication, reporter: crash.CrashReporter, log_folder: Path
) -> None:
    worker = threading.Thread(target=_leaky_error, name="worker-under-test")
    worker.start()
    worker.join()
    # The dialog is built in the GUI thread, through the reporter's queued signal.
    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible())
    assert reporter.dialog is not None
    assert reporter.dialog.thread() is qapp.thread()
    log = _log_text(log_folder)
    assert "unhandled exception in worker-under-test" in log
    assert IDENTIFIERS[0] not in log


def test_redacted_traceback_keeps_every_frame_of_a_chain_and_no_message() -> None:
    def inner() -> None:
        raise KeyError(IDENTIFIERS[1])

    def outer() -> None:
        try:
            inner()
        except KeyError as exc:
            raise RuntimeError(f"born {IDENTIFIERS[2]}") from exc

    try:
        outer()
    except RuntimeError as exc:
        text = logging_setup.redacted_traceback(type(exc), exc, exc.__traceback__)
    assert text.index("KeyError") < text.index("RuntimeError")  # innermost first, as Python
    assert "in inner" in text and "in outer" in text
    assert text.count("message withheld") == 2
    assert all(identifier not in text for identifier in IDENTIFIERS)


def test_log_exception_calls_are_redacted_too(log_folder: Path) -> None:
    try:
        _leaky_error()
    except ValueError:
        logging.getLogger("app.test").exception("while testing")
    log = _log_text(log_folder)
    assert "while testing" in log and "ValueError (message withheld" in log
    assert IDENTIFIERS[0] not in log


def test_log_rotates_at_its_size_limit_and_keeps_five_old_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logging_setup, "MAX_BYTES", 2_000)
    folder = tmp_path / "logs"
    try:
        assert logging_setup.setup_logging(folder=folder) == folder / logging_setup.LOG_NAME
        log = logging.getLogger("app.rotation")
        for i in range(400):
            log.info("record %04d %s", i, "x" * 40)
    finally:
        for handler in logging_setup._state.handlers:
            logging.getLogger().removeHandler(handler)
            handler.close()
        logging_setup._state.handlers = []
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        "her2-pathways.log",
        *(f"her2-pathways.log.{n}" for n in range(1, 6)),
    ]
    assert all(p.stat().st_size <= 2_000 for p in folder.iterdir())
    assert "record 0399" in (folder / "her2-pathways.log").read_text(encoding="utf-8")


def test_log_folder_is_local_app_data_not_the_roaming_profile(
    qapp: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(logging_setup.LOG_DIR_ENV, raising=False)
    local = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppLocalDataLocation)
    assert logging_setup.log_dir() == Path(local) / "logs"
    monkeypatch.setenv(logging_setup.LOG_DIR_ENV, "/somewhere/else")
    assert logging_setup.log_dir() == Path("/somewhere/else")


def test_unwritable_log_folder_leaves_the_app_running(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be", encoding="utf-8")
    try:
        assert logging_setup.setup_logging(folder=blocker / "logs") is None
        assert logging_setup.log_path() is None
    finally:
        for handler in logging_setup._state.handlers:
            logging.getLogger().removeHandler(handler)
            handler.close()
        logging_setup._state.handlers = []


FAULT_SCRIPT = """
import faulthandler, sys
sys.stderr = None  # as in a windowed build on Windows
from app.logging_setup import setup_logging
setup_logging(folder=__import__("pathlib").Path(sys.argv[1]))
faulthandler._sigsegv()
"""


@pytest.mark.skipif(sys.platform == "win32", reason="a real segfault is POSIX-only here")
def test_hard_crash_with_no_stderr_leaves_python_stacks_in_a_file(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", FAULT_SCRIPT, str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert done.returncode != 0
    text = (tmp_path / logging_setup.FAULT_NAME).read_text(encoding="utf-8")
    assert "Segmentation fault" in text and "File " in text


def test_version_prints_app_and_content_versions(
    qapp: QApplication, content: Content, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--version"]) == EXIT_OK
    out = capsys.readouterr().out.strip()
    assert out == (
        f"her2-pathways {APP_VERSION} (content {content.version}, reviewed {content.reviewed})"
    )


def test_refusal_with_no_console_is_a_dialog_and_a_log_line(
    qapp: QApplication,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The windowed app on Windows has no stderr: a bad start must not exit silently."""
    from PySide6.QtWidgets import QMessageBox

    shown: list[tuple[str, str]] = []

    def fake_exec(box: QMessageBox) -> int:
        shown.append((box.objectName(), box.text()))
        return 0

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    monkeypatch.setattr(sys, "stderr", None)
    missing = tmp_path / "no-such-case.json"
    with caplog.at_level(logging.INFO, logger="app"):
        code = main([str(missing), "--screenshot", str(tmp_path / "out.png")])
    assert code == 2
    assert len(shown) == 1 and shown[0][0] == "startup_error_dialog"
    assert "no-such-case.json" in shown[0][1]
    assert any(r.getMessage().startswith("refused: ") for r in caplog.records)


@pytest.mark.parametrize(
    ("message", "logged"),
    [
        ("QFile::open: cannot open /home/dr/cases/Jane Example.json", "cannot open <path.json>"),
        ("C:\\Users\\dr\\Jane Example 1961.pdf: access denied", "<path.pdf>: access denied"),
        ("\\\\clinic-srv\\share\\Jane Example.sqlite3 is locked", "<path>"),
        ('cannot write "/tmp/Jane Example.png": disk full', 'cannot write "<path.png>": disk full'),
    ],
)
def test_file_paths_in_log_messages_are_masked(log_folder: Path, message: str, logged: str) -> None:
    # A user may name a case file or an export after the patient; Qt's own warnings and the
    # start-up refusals quote paths.
    logging.getLogger("qt").warning("%s", message)
    log = _log_text(log_folder)
    assert logged in log
    assert "Jane" not in log and "1961" not in log


def test_code_locations_survive_the_masking(log_folder: Path) -> None:
    try:
        _leaky_error()
    except ValueError as exc:
        crash._log_exception(type(exc), exc, exc.__traceback__)
    log = _log_text(log_folder)
    assert f'File "{Path(__file__)}", line' in log
