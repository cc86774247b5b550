"""The form that records a board decision (or a correction of one).

The board picks one of the engine's options, or another regimen; anything not preferred or
alternative on the pathway needs an off-pathway reason from the short list (plus free text,
required for "other"). Alternatives discussed, a note, dissent and who records it complete it.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app import text
from app.tumor_board import summary
from pathways.content import Content
from pathways.engine import Recommendation
from pathways.library import OFF_PATHWAY_REASONS, Decision

OTHER = "__other__"


@dataclass(frozen=True)
class DecisionDraft:
    """What the form returns; :func:`record` turns it into a library row."""

    chosen_regimen: str
    on_pathway: bool
    off_pathway_reason: str | None = None
    off_pathway_detail: str = ""
    alternatives: tuple[str, ...] = field(default_factory=tuple)
    note: str = ""
    dissent: str = ""
    recorded_by: str = ""


def default_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name (some service accounts)
        return ""


class DecisionDialog(QDialog):
    def __init__(
        self,
        content: Content,
        rec: Recommendation,
        previous: Decision | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("decision_dialog")
        self._content = content
        self._rec = rec
        self.setWindowTitle(
            self.tr("Correct the board's decision")
            if previous is not None
            else self.tr("Record the board's decision")
        )
        self.chosen = QComboBox(self)
        self.chosen.setObjectName("decision_chosen")
        for option in rec.options:
            self.chosen.addItem(f"{text.tier_badge(option.tier)} — {option.name}", option.regimen)
        self.chosen.addItem(self.tr("Another regimen (off pathway)…"), OTHER)
        self.other = QComboBox(self)
        self.other.setObjectName("decision_other")
        self.other.setEditable(True)
        offered = {o.regimen for o in rec.options}
        for regimen in sorted(content.regimens.values(), key=lambda r: r.name.casefold()):
            if regimen.id not in offered:
                self.other.addItem(regimen.name, regimen.id)
        self.other.setCurrentIndex(-1)
        self.other.setPlaceholderText(self.tr("Regimen name"))
        self.reason = QComboBox(self)
        self.reason.setObjectName("decision_reason")
        for code in OFF_PATHWAY_REASONS:
            self.reason.addItem(summary.off_pathway_reason_label(code), code)
        self.detail = QLineEdit(self)
        self.detail.setObjectName("decision_detail")
        self.detail.setPlaceholderText(self.tr("Off-pathway reason in words (required for Other)"))
        self.alternatives = QListWidget(self)
        self.alternatives.setObjectName("decision_alternatives")
        for option in rec.options:
            item = QListWidgetItem(option.name, self.alternatives)
            item.setData(Qt.ItemDataRole.UserRole, option.regimen)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
        self.note = QPlainTextEdit(self)
        self.note.setObjectName("decision_note")
        self.dissent = QPlainTextEdit(self)
        self.dissent.setObjectName("decision_dissent")
        self.recorded_by = QLineEdit(default_user(), self)
        self.recorded_by.setObjectName("decision_recorded_by")
        self.problem = QLabel(self)
        self.problem.setObjectName("decision_problem")
        self.problem.setWordWrap(True)
        lines = self.fontMetrics().lineSpacing()
        for edit in (self.note, self.dissent):
            edit.setFixedHeight(lines * 4)
        self.alternatives.setFixedHeight(lines * 6)

        form = QFormLayout()
        for label, widget in (
            (self.tr("&Decision:"), self.chosen),
            (self.tr("&Other regimen:"), self.other),
            (self.tr("Off-pathway &reason:"), self.reason),
            (self.tr("Reason &details:"), self.detail),
            (self.tr("&Alternatives discussed:"), self.alternatives),
            (self.tr("&Note:"), self.note),
            (self.tr("Di&ssent:"), self.dissent),
            (self.tr("Recorded &by:"), self.recorded_by),
        ):
            buddy = QLabel(label, self)
            buddy.setBuddy(widget)
            widget.setAccessibleName(label.replace("&", "").rstrip(":"))
            form.addRow(buddy, widget)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.chosen.currentIndexChanged.connect(self._update)
        self.other.currentTextChanged.connect(self._update)
        if previous is not None:
            self._fill(previous)
        self._update()

    def _fill(self, d: Decision) -> None:
        row = self.chosen.findData(d.chosen_regimen)
        if row < 0:
            self.chosen.setCurrentIndex(self.chosen.findData(OTHER))
            other = self.other.findData(d.chosen_regimen)
            if other >= 0:
                self.other.setCurrentIndex(other)
            else:
                self.other.setEditText(d.chosen_regimen)
        else:
            self.chosen.setCurrentIndex(row)
        if d.off_pathway_reason is not None:
            self.reason.setCurrentIndex(max(0, self.reason.findData(d.off_pathway_reason)))
        self.detail.setText(d.off_pathway_detail)
        for i in range(self.alternatives.count()):
            item = self.alternatives.item(i)
            if item.data(Qt.ItemDataRole.UserRole) in d.alternatives:
                item.setCheckState(Qt.CheckState.Checked)
        self.note.setPlainText(d.note)
        self.dissent.setPlainText(d.dissent)

    def _chosen_regimen(self) -> str:
        value = self.chosen.currentData()
        if value != OTHER:
            return str(value or "")
        name = self.other.currentText().strip()
        row = self.other.findText(name, Qt.MatchFlag.MatchFixedString)
        if row >= 0:
            return str(self.other.itemData(row))
        return self._content.resolve_regimen(name) or name

    def on_pathway(self) -> bool:
        return self._rec.tier_of(self._chosen_regimen()) in ("preferred", "alternative")

    def _update(self, *_args: object) -> None:
        other = self.chosen.currentData() == OTHER
        self.other.setEnabled(other)
        off = not self.on_pathway()
        self.reason.setEnabled(off)
        self.detail.setEnabled(off)
        self.problem.setText(
            self.tr("Off pathway: choose a reason.") if off and self._chosen_regimen() else ""
        )

    def draft(self) -> DecisionDraft:
        on_pathway = self.on_pathway()
        alternatives = tuple(
            str(self.alternatives.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.alternatives.count())
            if self.alternatives.item(i).checkState() == Qt.CheckState.Checked
        )
        return DecisionDraft(
            chosen_regimen=self._chosen_regimen(),
            on_pathway=on_pathway,
            off_pathway_reason=None if on_pathway else str(self.reason.currentData()),
            off_pathway_detail="" if on_pathway else self.detail.text().strip(),
            alternatives=alternatives,
            note=self.note.toPlainText().strip(),
            dissent=self.dissent.toPlainText().strip(),
            recorded_by=self.recorded_by.text().strip(),
        )

    def problems(self) -> str:
        d = self.draft()
        if not d.chosen_regimen:
            return self.tr("Choose the regimen the board decided on.")
        if not d.recorded_by:
            return self.tr("Enter who records the decision.")
        if d.off_pathway_reason == "other" and not d.off_pathway_detail:
            return self.tr("Describe the off-pathway reason.")
        return ""

    def accept(self) -> None:
        problem = self.problems()
        if problem:
            self.problem.setText(problem)
            return
        super().accept()
