"""Unhandled exceptions: logged with their stack, then shown in a dialog, never lost.

In a windowed build there is no console, so an exception in a slot would otherwise print to
nowhere while the app carries on in an unknown state. :func:`install_excepthooks` replaces
``sys.excepthook`` and ``threading.excepthook``: each exception is logged (stack only, see
:func:`app.logging_setup.redacted_traceback`) and a :class:`~app.crash_dialog.CrashDialog` names
the log file and offers "Copy details" for a bug report. The details hold no patient identifier:
exception messages are withheld, only code locations are shown.
"""

from __future__ import annotations

import logging
import sys
import threading
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QApplication

from app import logging_setup
from pathways.version import APP_NAME, APP_VERSION

if TYPE_CHECKING:
    from app.crash_dialog import CrashDialog

log = logging.getLogger("app.crash")


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
        from app.crash_dialog import CrashDialog  # loaded for the first crash, not at start

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
