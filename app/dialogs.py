"""Every modal dialog the window opens, as plain functions that tests monkeypatch.

A modal dialog in a test would hang the suite, so the window never calls QMessageBox or
QFileDialog directly: it calls these.
"""

from __future__ import annotations

import logging
from enum import Enum
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QInputDialog,
    QLabel,
    QMessageBox,
    QWidget,
)

from pathways.case import Outcome, TreatmentLine
from pathways.content import Content

if TYPE_CHECKING:  # the importer loads only when a FHIR file is imported
    from pathways.fhir import FhirImport

log = logging.getLogger(__name__)
CASE_FILTER = "Case files (*.json);;All files (*)"


def tr(s: str) -> str:
    return QCoreApplication.translate("Dialogs", s)


class Discard(Enum):
    SAVE = "save"
    DISCARD = "discard"
    CANCEL = "cancel"


# Messages quote files' text: a long one would freeze the dialog's layout.
MAX_DIALOG_TEXT = 1000


def plain(text: str, limit: int = MAX_DIALOG_TEXT) -> str:
    """Text for a dialog: cut to ``limit`` characters (shown as plain text, never HTML)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plain_box(box: QMessageBox) -> QMessageBox:
    # QMessageBox guesses rich text from the content: a label with <img> or <a href> from a file
    # would render images and clickable links, and nested tables can hang the layout.
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return box


def show_error(parent: QWidget | None, title: str, message: str) -> None:
    """A clear, one-problem error in plain text; the window keeps working afterwards."""
    log.warning("error shown: %s", title)
    box = QMessageBox(parent)
    box.setObjectName("error_dialog")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(plain(title, 200))
    _plain_box(box).setText(plain(message))
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.exec()


def pick_regimen(
    parent: QWidget | None, content: Content, index: int, candidates: tuple[str, ...]
) -> str | None:
    """Ask which regimen a line's drug name means (it could be several in its setting)."""
    dialog = QInputDialog(parent)
    dialog.setObjectName("pick_regimen")
    dialog.setWindowTitle(tr("Which regimen?"))
    dialog.setLabelText(
        tr(
            "Line {n} names a drug that could be several regimens here. Which one was given?"
        ).format(n=index + 1)
    )
    for label in dialog.findChildren(QLabel):
        label.setTextFormat(Qt.TextFormat.PlainText)
    names = [plain(content.regimens[c].name, 200) for c in candidates]
    dialog.setComboBoxItems(names)
    dialog.setComboBoxEditable(False)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    chosen = dialog.textValue()
    return candidates[names.index(chosen)] if chosen in names else None


def confirm_discard(parent: QWidget | None, label: str) -> Discard:
    box = _plain_box(QMessageBox(parent))
    box.setObjectName("confirm_discard")
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(tr("Unsaved changes"))
    box.setText(tr("Save the changes to “{label}”?").format(label=plain(label, 200)))
    box.setInformativeText(tr("Your changes are lost if you don't save them."))
    box.setStandardButtons(
        QMessageBox.StandardButton.Save
        | QMessageBox.StandardButton.Discard
        | QMessageBox.StandardButton.Cancel
    )
    box.setDefaultButton(QMessageBox.StandardButton.Save)
    answer = box.exec()
    if answer == QMessageBox.StandardButton.Save:
        return Discard.SAVE
    if answer == QMessageBox.StandardButton.Discard:
        return Discard.DISCARD
    return Discard.CANCEL


def confirm(parent: QWidget | None, title: str, question: str) -> bool:
    box = _plain_box(QMessageBox(parent))
    box.setObjectName("confirm")
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(plain(title, 200))
    box.setText(plain(question))
    box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
    box.setDefaultButton(QMessageBox.StandardButton.Yes)
    return bool(box.exec() == QMessageBox.StandardButton.Yes)


def ask_open_path(parent: QWidget | None, folder: str) -> Path | None:
    name, _ = QFileDialog.getOpenFileName(parent, tr("Open case"), folder, tr(CASE_FILTER))
    return Path(name) if name else None


def ask_save_path(parent: QWidget | None, suggested: str) -> Path | None:
    name, _ = QFileDialog.getSaveFileName(parent, tr("Save case as"), suggested, tr(CASE_FILTER))
    if not name:
        return None
    path = Path(name)
    return path if path.suffix else path.with_suffix(".json")


FHIR_FILTER = "FHIR exports (*.json *.ndjson);;All files (*)"


def ask_fhir_path(parent: QWidget | None, folder: str) -> Path | None:
    name, _ = QFileDialog.getOpenFileName(parent, tr("Import FHIR record"), folder, tr(FHIR_FILTER))
    return Path(name) if name else None


def review_fhir_import(parent: QWidget | None, result: FhirImport, content: Content) -> bool:
    """Show the inferred case with its import report; True if the clinician opens it."""
    from app.widgets.fhir_review import FhirReviewDialog

    dialog = FhirReviewDialog(result, content, parent)
    try:
        return bool(dialog.exec() == FhirReviewDialog.DialogCode.Accepted)
    finally:
        dialog.deleteLater()


def edit_line(
    parent: QWidget | None, content: Content, line: TreatmentLine | None
) -> TreatmentLine | None:
    from app.widgets.line_dialog import LineDialog  # only when a line is edited

    dialog = LineDialog(content, line, parent)
    try:
        if dialog.exec() != LineDialog.DialogCode.Accepted:
            return None
        return dialog.line()
    finally:
        dialog.deleteLater()


def ask_label(parent: QWidget | None, label: str) -> str | None:
    value, ok = QInputDialog.getText(parent, tr("Case label"), tr("Label:"), text=label)
    return value if ok and value.strip() else None


def ask_whatif_outcome(parent: QWidget | None, regimen_name: str) -> Outcome | None:
    """The outcome of a hypothetical line: what happens on it, to step past it."""
    from app import text

    choices = [Outcome.PROGRESSION, Outcome.TOXICITY, Outcome.COMPLETED, Outcome.ONGOING]
    labels = [text.outcome_label(o) for o in choices]
    dialog = QInputDialog(parent)
    dialog.setObjectName("whatif_outcome")
    dialog.setWindowTitle(tr("What-if"))
    dialog.setLabelText(
        tr("Explore “{name}” as a hypothetical next line.\nOutcome on it:").format(
            name=plain(regimen_name, 200)
        )
    )
    for label in dialog.findChildren(QLabel):  # a name from the content: shown as typed
        label.setTextFormat(Qt.TextFormat.PlainText)
    dialog.setComboBoxItems(labels)
    dialog.setComboBoxEditable(False)
    try:
        if dialog.exec() != QInputDialog.DialogCode.Accepted:
            return None
        return choices[labels.index(dialog.textValue())]
    finally:
        dialog.deleteLater()


def show_about(parent: QWidget | None, content: Content | None) -> None:
    from app import content_update
    from pathways.version import APP_VERSION

    parts = [
        f"<h3>{escape(tr('HER2 Pathways'))} {escape(APP_VERSION)}</h3>",
        "<p>"
        + escape(
            tr(
                "Offline decision support for treatment sequencing in HER2-positive "
                "metastatic breast cancer."
            )
        )
        + "</p>",
    ]
    if content is not None:
        h = content.header
        parts.append(
            "<p>"
            + escape(
                tr("Content {version}, reviewed {reviewed}.").format(
                    version=content.version, reviewed=content.reviewed
                )
            )
            + f"<br>{escape(h.review_note)}</p><p>{escape(h.scope)}</p>"
            + content_update.about_html()  # sign-off state, staleness, site choices
            + f"<p><b>{escape(h.disclaimer)}</b></p>"
        )
    parts.append(
        "<p><b>"
        + escape(tr("This tool supports and does not replace clinical judgement."))
        + "</b></p>"
    )
    QMessageBox.about(parent, tr("About HER2 Pathways"), "".join(parts))
