"""Every modal dialog of tumor-board mode, as plain functions that tests monkeypatch.

Errors go through :func:`app.dialogs.show_error` (looked up at call time, so the test
fixtures' patch of it applies here too).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QDate, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.tumor_board.summary import Identity
from pathways.content import Content
from pathways.engine import Recommendation
from pathways.library import (
    MAX_ATTENDEES,
    Attendee,
    Decision,
    address_has_password,
    is_server_location,
)

if TYPE_CHECKING:  # the decision form loads when it is first opened, not at start-up
    from app.tumor_board.decision_dialog import DecisionDraft

CASE_FILTER = "Case files (*.json);;All files (*)"
PDF_FILTER = "PDF (*.pdf)"
GRAPH_FILTER = "PNG image (*.png);;SVG drawing (*.svg)"


def tr(s: str) -> str:
    return QCoreApplication.translate("TumorBoardDialogs", s)


def ask_meeting(parent: QWidget | None) -> tuple[str, dt.date] | None:
    """Title and date of a new meeting (today by default)."""
    title = QLineEdit(tr("Tumor board"))
    date = QDateEdit(QDate.currentDate())
    date.setCalendarPopup(True)
    date.setDisplayFormat("yyyy-MM-dd")
    dialog = _form_dialog(
        parent, "meeting_dialog", tr("New meeting"), [(tr("&Title:"), title), (tr("&Date:"), date)]
    )
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted or not title.text().strip():
            return None
        day = date.date()
        return title.text().strip(), dt.date(day.year(), day.month(), day.day())
    finally:
        dialog.deleteLater()


def ask_decision(
    parent: QWidget | None,
    content: Content,
    rec: Recommendation,
    who: Identity,
    previous: Decision | None,
    login: str | None = None,
) -> DecisionDraft | None:
    """``login``: a shared library's database login, shown read-only as the recorder."""
    from app.tumor_board.decision_dialog import DecisionDialog

    dialog = DecisionDialog(content, rec, who, previous, parent, login=login)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.draft()
    finally:
        dialog.deleteLater()


def ask_import_paths(parent: QWidget | None, folder: str) -> list[Path]:
    names, _ = QFileDialog.getOpenFileNames(
        parent, tr("Import case files into the library"), folder, tr(CASE_FILTER)
    )
    return [Path(n) for n in names]


def _save_path(parent: QWidget | None, title: str, suggested: str, filters: str) -> Path | None:
    name, chosen = QFileDialog.getSaveFileName(parent, title, suggested, filters)
    if not name:
        return None
    path = Path(name)
    if not path.suffix:
        path = path.with_suffix(".svg" if "svg" in chosen.lower() else Path(suggested).suffix)
    return path


def ask_case_export_path(parent: QWidget | None, suggested: str) -> Path | None:
    return _save_path(parent, tr("Export case file"), suggested, tr(CASE_FILTER))


def ask_pdf_path(parent: QWidget | None, suggested: str) -> Path | None:
    return _save_path(parent, tr("Export PDF report"), suggested, tr(PDF_FILTER))


def ask_graph_path(parent: QWidget | None, suggested: str) -> Path | None:
    return _save_path(parent, tr("Export pathway graph"), suggested, tr(GRAPH_FILTER))


def ask_printer(parent: QWidget | None) -> object | None:
    """A configured QPrinter, or None if cancelled (QtPrintSupport is part of Essentials)."""
    from PySide6.QtPrintSupport import QPrintDialog, QPrinter

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    dialog = QPrintDialog(printer, parent)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return printer
    finally:
        dialog.deleteLater()


def confirm(parent: QWidget | None, title: str, question: str) -> bool:
    from app import dialogs

    return dialogs.confirm(parent, title, question)


def ask_include_identifiers(parent: QWidget | None) -> bool | None:
    """Asked at every export that could carry identifiers: True, False, or None (cancel)."""
    box = QMessageBox(parent)
    box.setObjectName("ask_identifiers")
    box.setIcon(QMessageBox.Icon.Question)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setWindowTitle(tr("Patient identifiers"))
    box.setText(tr("Include patient identifiers (name, record number, birth date) in this export?"))
    box.setInformativeText(tr("Without them the export shows the case label and age."))
    include = box.addButton(tr("&Include identifiers"), QMessageBox.ButtonRole.YesRole)
    hide = box.addButton(tr("&Leave them out"), QMessageBox.ButtonRole.NoRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(hide)
    try:
        box.exec()
        clicked = box.clickedButton()
        if clicked is include:
            return True
        if clicked is hide:
            return False
        return None
    finally:
        box.deleteLater()


def _form_dialog(
    parent: QWidget | None, name: str, title: str, rows: list[tuple[str, QWidget]]
) -> QDialog:
    dialog = QDialog(parent)
    dialog.setObjectName(name)
    dialog.setWindowTitle(title)
    form = QFormLayout()
    for label, widget in rows:
        widget.setParent(dialog)
        buddy = QLabel(label, dialog)
        buddy.setBuddy(widget)
        widget.setAccessibleName(label.replace("&", "").rstrip(":"))
        form.addRow(buddy, widget)
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, dialog
    )
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addLayout(form)
    layout.addWidget(buttons)
    return dialog


def ask_sign_off(parent: QWidget | None, login: str | None = None) -> str | None:
    """The chair's name for the sign-off (the meeting is frozen afterwards); on a shared
    library the database ``login``, read-only (the server records it whatever is sent)."""
    from app.tumor_board.decision_dialog import default_user, lock_to_login

    by = QLineEdit(default_user())
    lock_to_login(by, login)
    note = QLabel(tr("After sign-off the meeting cannot be changed, only amended with a reason."))
    note.setWordWrap(True)
    dialog = _form_dialog(
        parent, "sign_off_dialog", tr("Sign off the meeting"), [(tr("&Chair:"), by)]
    )
    dialog.layout().addWidget(note)  # type: ignore[union-attr]
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted or not by.text().strip():
            return None
        return by.text().strip()
    finally:
        dialog.deleteLater()


def ask_amendment(parent: QWidget | None, login: str | None = None) -> tuple[str, str] | None:
    """Who amends a signed-off meeting, and why (both required); ``login`` as for sign-off."""
    from app.tumor_board.decision_dialog import default_user, lock_to_login

    by = QLineEdit(default_user())
    lock_to_login(by, login)
    reason = QLineEdit()
    dialog = _form_dialog(
        parent,
        "amend_dialog",
        tr("Amend the signed-off meeting"),
        [(tr("&By:"), by), (tr("&Reason:"), reason)],
    )
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        if not by.text().strip() or not reason.text().strip():
            return None
        return by.text().strip(), reason.text().strip()
    finally:
        dialog.deleteLater()


def attendees_from_text(text: str) -> list[Attendee]:
    """One attendee a line: "Name — role", "Name, role" or just "Name"."""
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        for sep in (" — ", " - ", ",", "\t"):
            if sep in line:
                name, role = line.split(sep, 1)
                break
        else:
            name, role = line, ""
        out.append(Attendee(name.strip(), role.strip()))
    return out[:MAX_ATTENDEES]


def ask_attendees(
    parent: QWidget | None, current: list[Attendee], last: list[Attendee]
) -> list[Attendee] | None:
    """Names and roles, one a line; an empty list is pre-filled from the last meeting's."""
    start = current or last
    edit = QPlainTextEdit()
    edit.setPlainText("\n".join(f"{a.name}, {a.role}" if a.role else a.name for a in start))
    edit.setTabChangesFocus(True)
    hint = QLabel(tr("One attendee a line: name, role (e.g. “Dr A Smith, medical oncologist”)."))
    hint.setWordWrap(True)
    dialog = _form_dialog(parent, "attendees_dialog", tr("Attendees"), [(tr("&Attendees:"), edit)])
    dialog.layout().addWidget(hint)  # type: ignore[union-attr]
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return attendees_from_text(edit.toPlainText())
    finally:
        dialog.deleteLater()


class LibraryLocationDialog(QDialog):
    """*Open library…*: an SQLite file on this computer, or a PostgreSQL database."""

    def __init__(self, current: Path | str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("library_location_dialog")
        self.setWindowTitle(tr("Open a case library"))
        self.file_choice = QRadioButton(tr("A library &file on this computer"), self)
        self.file_choice.setObjectName("library_choice_file")
        self.server_choice = QRadioButton(tr("A shared library on a &server (PostgreSQL)"), self)
        self.server_choice.setObjectName("library_choice_server")
        choices = QButtonGroup(self)
        choices.addButton(self.file_choice)
        choices.addButton(self.server_choice)
        self.file = QLineEdit(self)
        self.file.setObjectName("library_file")
        self.file.setAccessibleName(tr("Library file"))
        browse = QPushButton(tr("&Browse…"), self)
        browse.setObjectName("library_browse")
        browse.setAutoDefault(False)
        browse.clicked.connect(self._browse)
        self.address = QLineEdit(self)
        self.address.setObjectName("library_address")
        self.address.setAccessibleName(tr("Server address"))
        self.address.setPlaceholderText("postgresql://user@host/db")
        hint = QLabel(
            tr(
                "postgresql://user@host/db or service=NAME; passwords go in pgpass or the "
                "service file, never here"
            ),
            self,
        )
        hint.setObjectName("library_address_hint")
        hint.setWordWrap(True)
        hint.setTextFormat(Qt.TextFormat.PlainText)
        self.problem = QLabel(self)
        self.problem.setObjectName("library_location_problem")
        self.problem.setWordWrap(True)
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        if isinstance(current, Path):
            self.file.setText(str(current))
            self.file_choice.setChecked(True)
        else:
            if not address_has_password(current):
                self.address.setText(current)
            self.server_choice.setChecked(True)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file, 1)
        file_row.addWidget(browse)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.file_choice)
        layout.addLayout(file_row)
        layout.addWidget(self.server_choice)
        layout.addWidget(self.address)
        layout.addWidget(hint)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("m") * 45)  # an address
        self.file.textEdited.connect(lambda _t: self.file_choice.setChecked(True))
        self.address.textEdited.connect(lambda _t: self.server_choice.setChecked(True))

    def _browse(self) -> None:
        # A new name creates a new library, so the save dialog (without the overwrite question).
        name, _ = QFileDialog.getSaveFileName(
            self,
            tr("Case library file"),
            self.file.text(),
            tr("Case library (*.sqlite3 *.db);;All files (*)"),
            options=QFileDialog.Option.DontConfirmOverwrite,
        )
        if name:
            self.file.setText(name)
            self.file_choice.setChecked(True)

    def location(self) -> Path | str | None:
        """The chosen library, or None (and :attr:`problem` says why)."""
        if self.server_choice.isChecked():
            address = self.address.text().strip()
            if not is_server_location(address):
                self.problem.setText(
                    tr("Enter a server address: postgresql://user@host/db or service=NAME.")
                )
                return None
            if address_has_password(address):
                self.problem.setText(
                    tr(
                        "The address holds a password: put it in your pgpass or service file "
                        "instead, and leave it out here."
                    )
                )
                return None
            return address
        text = self.file.text().strip()
        if not text:
            self.problem.setText(tr("Choose a library file."))
            return None
        if is_server_location(text):
            self.problem.setText(tr("A server address goes in the server field."))
            return None
        return Path(text).expanduser()

    def accept(self) -> None:
        if self.location() is not None:
            super().accept()


def ask_password(parent: QWidget | None, where: str, retry: bool) -> str | None:
    """The password the library's server asks for (kept in memory only); None when cancelled."""
    text, ok = QInputDialog.getText(
        parent,
        QCoreApplication.translate("BoardDialogs", "Password for the shared library"),
        QCoreApplication.translate(
            "BoardDialogs",
            "{wrong}The server {where} asks for your database password. It is kept in memory "
            "until the app closes, never written anywhere (to avoid typing it, keep it in the "
            "PostgreSQL password file or a service file).",
        ).format(
            wrong=QCoreApplication.translate("BoardDialogs", "That password was refused. ")
            if retry
            else "",
            where=where,
        ),
        QLineEdit.EchoMode.Password,
    )
    return text if ok and text else None


def ask_library_location(parent: QWidget | None, current: Path | str) -> Path | str | None:
    """*Open library…*: a library file or a server address; None when cancelled."""
    dialog = LibraryLocationDialog(current, parent)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.location()
    finally:
        dialog.deleteLater()
