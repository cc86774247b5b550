"""Every modal dialog of tumor-board mode, as plain functions that tests monkeypatch.

Errors go through :func:`app.dialogs.show_error` (looked up at call time, so the test
fixtures' patch of it applies here too).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QDate
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.tumor_board.decision_dialog import DecisionDialog, DecisionDraft
from pathways.content import Content
from pathways.engine import Recommendation
from pathways.library import Decision

CASE_FILTER = "Case files (*.json);;All files (*)"
PDF_FILTER = "PDF (*.pdf)"
GRAPH_FILTER = "PNG image (*.png);;SVG drawing (*.svg)"


def tr(s: str) -> str:
    return QCoreApplication.translate("TumorBoardDialogs", s)


def ask_meeting(parent: QWidget | None) -> tuple[str, dt.date] | None:
    """Title and date of a new meeting (today by default)."""
    dialog = QDialog(parent)
    dialog.setObjectName("meeting_dialog")
    dialog.setWindowTitle(tr("New meeting"))
    title = QLineEdit(tr("Tumor board"), dialog)
    date = QDateEdit(QDate.currentDate(), dialog)
    date.setCalendarPopup(True)
    date.setDisplayFormat("yyyy-MM-dd")
    form = QFormLayout()
    for label, widget in ((tr("&Title:"), title), (tr("&Date:"), date)):
        buddy = QLabel(label, dialog)
        buddy.setBuddy(widget)
        form.addRow(buddy, widget)
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, dialog
    )
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addLayout(form)
    layout.addWidget(buttons)
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
    previous: Decision | None,
) -> DecisionDraft | None:
    dialog = DecisionDialog(content, rec, previous, parent)
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
