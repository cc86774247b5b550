"""The dialog that shows an unhandled exception (see :mod:`app.crash`), and the log folder.

Loaded when first needed: its Qt classes (dialog, buttons, text view) are made as Python
types, with their enums, on first use, which no ordinary start needs.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import logging_setup


def tr(s: str) -> str:
    return QCoreApplication.translate("Crash", s)


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
