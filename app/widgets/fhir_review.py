"""Review a case inferred from a FHIR export before it replaces anything in the window.

The clinician sees the inferred lines and factors next to the import report (what was
recognised, skipped and inferred) and decides; corrections are then made in the window, where
every edit is undoable.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from pathways.case import Case
from pathways.content import Content
from pathways.fhir import FhirImport


def _tr(text: str) -> str:
    return QCoreApplication.translate("FhirReview", text)


def _row(*cells: str, header: bool = False) -> str:
    tag = "th" if header else "td"
    return "<tr>" + "".join(f"<{tag}>{escape(c)}</{tag}>" for c in cells) + "</tr>"


def case_summary_html(case: Case, content: Content) -> str:
    """The inferred case as small HTML tables (no patient identifiers: they stay hidden)."""
    f = case.factors
    factors = [
        _row(_tr("Hormone receptor"), f.hormone_receptor),
        _row(_tr("Brain metastases"), f.brain_metastases),
        _row(_tr("Prior ILD / pneumonitis"), _tr("yes") if f.ild_history else _tr("no")),
        _row(_tr("Metastatic diagnosis"), str(case.metastatic_diagnosis or _tr("not found"))),
    ]
    lines = [_row("#", _tr("Regimen"), _tr("Setting"), _tr("Dates"), _tr("Outcome"), header=True)]
    for i, line in enumerate(case.history, start=1):
        regimen = content.regimens.get(line.regimen)
        dates = f"{line.start or '?'} – {line.end or ''}"
        name = regimen.name if regimen else line.regimen
        lines.append(_row(str(i), name, line.setting.value, dates, line.outcome.value))
    if not case.history:
        lines.append(_row(_tr("No line of therapy recognised.")))
    return (
        f"<h3>{escape(case.label)}</h3>"
        f"<table cellspacing=0 cellpadding=3>{''.join(factors)}</table>"
        f"<h4>{escape(_tr('Inferred lines of therapy'))}</h4>"
        f"<table cellspacing=0 cellpadding=3 border=1>{''.join(lines)}</table>"
    )


class FhirReviewDialog(QDialog):
    """Shows the inferred case and the import report; Accept opens the case in the window."""

    def __init__(self, result: FhirImport, content: Content, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("fhir_review_dialog")
        self.setWindowTitle(self.tr("Review the imported case"))
        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr(
                "Check the case inferred from the FHIR record before using it. Every inference "
                "is listed in the report; correct the lines in the window after opening."
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        splitter = QSplitter(self)
        self.summary = QTextBrowser(splitter)
        self.summary.setObjectName("fhir_case_summary")
        self.summary.setAccessibleName(self.tr("Inferred case"))
        self.summary.setHtml(case_summary_html(result.case, content))
        self.report = QPlainTextEdit(splitter)
        self.report.setObjectName("fhir_report")
        self.report.setAccessibleName(self.tr("Import report"))
        self.report.setReadOnly(True)
        self.report.setPlainText(result.report.to_text())
        layout.addWidget(splitter, 1)
        buttons = QDialogButtonBox(self)
        self.open_button = buttons.addButton(
            self.tr("Open as a new case"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.open_button.setObjectName("fhir_open_button")
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        metrics = self.fontMetrics()
        self.resize(metrics.horizontalAdvance("M") * 110, metrics.height() * 36)
