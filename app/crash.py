"""Unhandled exceptions: logged with their stack, then shown in a dialog, never lost.

In a windowed build there is no console, so an exception in a slot would otherwise print to
nowhere while the app carries on in an unknown state. :func:`install_excepthooks` replaces
``sys.excepthook`` and ``threading.excepthook``: each exception is logged (stack only, see
:func:`app.logging_setup.redacted_traceback`) and a :class:`CrashDialog` names the log file and
offers "Copy details" for a bug report. The details hold no patient identifier: exception
messages are withheld, only code locations are shown.
"""

from __future__ import annotations

import logging
import sys
import threading
from types import TracebackType

from PySide6.QtCore import QCoreApplication, QObject, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import logging_setup
from pathways.version import APP_NAME, APP_VERSION

log = logging.getLogger("app.crash")


def tr(s: str) -> str:
    return QCoreApplication.translate("Crash", s)


def crash_details(
    exc_type: type[BaseException],
    exc: BaseException | None,
    tb: TracebackType | None,
    content_version: str = "",
) -> str:
    """What "Copy details" copies: versions, platform and the redacted stack."""
    import platform  # only after a crash, not at every start (~2 ms)

    head = [
        f"{APP_NAME} {APP_VERSION}",
        f"content {content_version or 'not loaded'}",
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}",
        f"frozen: {'yes' if getattr(sys, 'frozen', False) else 'no'}",
    ]
    return "\n".join(head) + "\n\n" + logging_setup.redacted_traceback(exc_type, exc, tb)


def open_log_folder() -> bool:
    """Open the log folder in the system's file manager (created first if need be)."""
    folder = logging_setup.log_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


class CrashDialog(QDialog):
    """ "Something went wrong": where the log is, the details, Copy details, Open log folder."""

    def __init__(self, details: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("crash_dialog")
        self.setWindowTitle(tr("Unexpected error"))
        self.details = details
        path = logging_setup.log_path()
        where = (
            tr("It was written to the log file:\n{path}").format(path=path)
            if path is not None
            else tr("No log file could be written.")
        )
        message = QLabel(
            tr(
                "An unexpected error occurred. {where}\n\nYour open case is unchanged on disk. "
                "If the window misbehaves, save under a new name and restart the app. "
                "The details below contain no patient data and can be sent with a problem "
                "report."
            ).format(where=where),
            self,
        )
        message.setObjectName("crash_message")
        message.setTextFormat(Qt.TextFormat.PlainText)
        message.setWordWrap(True)
        message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text = QPlainTextEdit(details, self)
        self.text.setObjectName("crash_details")
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.copy_button = QPushButton(tr("&Copy details"), self)
        self.copy_button.setObjectName("crash_copy")
        self.folder_button = QPushButton(tr("Open &log folder"), self)
        self.folder_button.setObjectName("crash_open_log_folder")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.folder_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.copy_button.clicked.connect(self.copy_details)
        self.folder_button.clicked.connect(open_log_folder)
        layout = QVBoxLayout(self)
        layout.addWidget(message)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)
        width = self.fontMetrics().horizontalAdvance("M") * 60
        self.resize(width, width * 2 // 3)

    @Slot()
    def copy_details(self) -> None:
        clipboard = QGuiApplication.clipboard()
        if clipboard is not None:
            clipboard.setText(self.details)


class CrashReporter(QObject):
    """Lives in the GUI thread; a worker thread's exception reaches it through a queued signal.

    Signals:
        reported(str): details of an unhandled exception, to show.
    """

    reported = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("crash_reporter")
        self.dialog: CrashDialog | None = None
        self.content_version = ""  # set once the content is loaded
        self.reported.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def handle(
        self, exc_type: type[BaseException], exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        _log_exception(exc_type, exc, tb)
        self.reported.emit(crash_details(exc_type, exc, tb, self.content_version))

    @Slot(str)
    def _show(self, details: str) -> None:
        if self.dialog is not None and self.dialog.isVisible():
            # One dialog at a time: an error repeated in every paint must not stack dialogs.
            log.warning("another unhandled exception while the error dialog is open")
            return
        parent = QApplication.activeWindow()
        self.dialog = CrashDialog(details, parent)
        self.dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog.destroyed.connect(self._forget)
        self.dialog.open()

    @Slot()
    def _forget(self) -> None:
        self.dialog = None


_installed: dict[str, object] = {}


def install_excepthooks(reporter: CrashReporter | None) -> None:
    """Route unhandled exceptions (main thread and others) to the log and ``reporter``'s dialog.

    With no reporter (no QApplication yet), exceptions are logged and printed to stderr as the
    default hook would, minus the message.
    """
    _installed.setdefault("sys", sys.excepthook)
    _installed.setdefault("threading", threading.excepthook)
    _installed["reporter"] = reporter

    def on_exception(
        exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            previous = _installed["sys"]
            assert callable(previous)
            previous(exc_type, exc, tb)
            return
        _report(exc_type, exc, tb)

    def on_thread_exception(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:  # what threading's own hook ignores too
            return
        _report(args.exc_type, args.exc_value, args.exc_traceback)

    sys.excepthook = on_exception
    threading.excepthook = on_thread_exception


def _report(
    exc_type: type[BaseException], exc: BaseException | None, tb: TracebackType | None
) -> None:
    reporter = _installed.get("reporter")
    if isinstance(reporter, CrashReporter):
        reporter.handle(exc_type, exc, tb)
        return
    _log_exception(exc_type, exc, tb)
    if sys.stderr is not None:
        print(logging_setup.redacted_traceback(exc_type, exc, tb), file=sys.stderr)


def _log_exception(
    exc_type: type[BaseException], exc: BaseException | None, tb: TracebackType | None
) -> None:
    text = logging_setup.redacted_traceback(exc_type, exc, tb).rstrip("\n")
    log.critical("unhandled exception in %s\n%s", threading.current_thread().name, text)


def uninstall_excepthooks() -> None:
    """Put back the hooks that were there before :func:`install_excepthooks` (tests)."""
    previous_sys = _installed.pop("sys", None)
    previous_thread = _installed.pop("threading", None)
    _installed.pop("reporter", None)
    if previous_sys is not None:
        sys.excepthook = previous_sys  # type: ignore[assignment]
    if previous_thread is not None:
        threading.excepthook = previous_thread  # type: ignore[assignment]
