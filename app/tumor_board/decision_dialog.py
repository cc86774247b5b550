"""The form that records a board decision (or a correction of one).

The board picks one of the engine's options, or another regimen; anything not preferred or
alternative on the pathway needs an off-pathway reason from the short list (plus free text,
required for "other"). Alternatives discussed, a note, dissent and who records it complete it.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field

from PySide6.QtCore import QCoreApplication, QItemSelectionModel, QModelIndex, Qt
from PySide6.QtGui import QFocusEvent
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
    """What the form returns. Whether it is on the pathway is not part of it: the engine
    decides that from the chosen regimen when the decision is recorded."""

    chosen_regimen: str
    off_pathway_reason: str | None = None
    off_pathway_detail: str = ""
    alternatives: tuple[str, ...] = field(default_factory=tuple)
    note: str = ""
    dissent: str = ""
    recorded_by: str = ""


class ChoiceList(QListWidget):
    """A list where focus never picks an item: Qt's views make the first row current when they
    get the keyboard focus, which here would pre-select the top-ranked option."""

    def focusInEvent(self, event: QFocusEvent) -> None:
        chosen = self.currentItem() is not None
        super().focusInEvent(event)
        if not chosen and self.currentItem() is not None:
            self.selectionModel().setCurrentIndex(
                QModelIndex(), QItemSelectionModel.SelectionFlag.NoUpdate
            )


def lock_to_login(field: QLineEdit, login: str | None) -> None:
    """On a shared library the author is the database login (the server stamps it)."""
    if not login:
        return
    field.setText(login)
    field.setReadOnly(True)
    field.setToolTip(
        QCoreApplication.translate(
            "DecisionDialog",
            "On a shared library the server records your database login as the author.",
        )
    )


def default_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name (some service accounts)
        return ""


class DecisionDialog(QDialog):
    """Names the case, lists the engine's options with nothing chosen, and says whether the
    board's choice is on the pathway (the engine's tier for it, shown as the board chooses)."""

    def __init__(
        self,
        content: Content,
        rec: Recommendation,
        who: summary.Identity,
        previous: Decision | None = None,
        parent: QWidget | None = None,
        login: str | None = None,
    ) -> None:
        """``login``: the database login of a shared library, which the server records as the
        author whatever is sent; shown read-only then (None: free text, as on a file)."""
        super().__init__(parent)
        self.setObjectName("decision_dialog")
        self._content = content
        self._rec = rec
        self.setWindowTitle(
            self.tr("Correct the board's decision")
            if previous is not None
            else self.tr("Record the board's decision")
        )
        self.case_label = QLabel(self)
        self.case_label.setObjectName("decision_case")
        self.case_label.setTextFormat(Qt.TextFormat.PlainText)  # a label is text from a file
        self.case_label.setWordWrap(True)
        self.case_label.setText(
            self.tr("Case: {who} — {where}").format(
                who=who.one_line(), where=text.situation(rec, content)
            )
        )
        self.previous_label = QLabel(self)
        self.previous_label.setObjectName("decision_previous")
        self.previous_label.setTextFormat(Qt.TextFormat.PlainText)
        self.previous_label.setWordWrap(True)
        if previous is not None:
            self.previous_label.setText(
                self.tr("Recorded now (version {n}): {what}").format(
                    n=previous.version, what=summary.decision_summary(content, previous)
                )
            )
        self.previous_label.setVisible(previous is not None)
        self.choices = ChoiceList(self)
        self.choices.setObjectName("decision_choices")
        for option in rec.options:
            item = QListWidgetItem(f"{text.tier_badge(option.tier)} — {option.name}", self.choices)
            item.setData(Qt.ItemDataRole.UserRole, option.regimen)
        other = QListWidgetItem(self.tr("Another regimen (off pathway)…"), self.choices)
        other.setData(Qt.ItemDataRole.UserRole, OTHER)
        # The board chooses: nothing is pre-selected, not even the top-ranked option.
        self.choices.setCurrentRow(-1)
        self.choices.clearSelection()
        self.pathway = QLabel(self)
        self.pathway.setObjectName("decision_pathway")
        self.pathway.setTextFormat(Qt.TextFormat.PlainText)
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
        for edit in (self.note, self.dissent):
            edit.setTabChangesFocus(True)  # keyboard-only use: Tab leaves the field
        self.recorded_by = QLineEdit(default_user(), self)
        self.recorded_by.setObjectName("decision_recorded_by")
        lock_to_login(self.recorded_by, login)
        self.problem = QLabel(self)
        self.problem.setObjectName("decision_problem")
        self.problem.setWordWrap(True)
        lines = self.fontMetrics().lineSpacing()
        for edit in (self.note, self.dissent):
            edit.setFixedHeight(lines * 4)
        self.alternatives.setFixedHeight(lines * 6)
        self.choices.setMinimumHeight(lines * min(10, len(rec.options) + 2))

        form = QFormLayout()
        for label, widget in (
            (self.tr("&Decision:"), self.choices),
            (self.tr("Pathway:"), self.pathway),
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
        layout.addWidget(self.case_label)
        layout.addWidget(self.previous_label)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.choices.currentItemChanged.connect(self._update)
        self.other.currentTextChanged.connect(self._update)
        if previous is not None:
            self._fill(previous)
        self._update()
        self.choices.setFocus()

    def _fill(self, d: Decision) -> None:
        """A correction starts from the recorded texts; the choice itself is made again."""
        if d.off_pathway_reason is not None:
            self.reason.setCurrentIndex(max(0, self.reason.findData(d.off_pathway_reason)))
        self.detail.setText(d.off_pathway_detail)
        for i in range(self.alternatives.count()):
            item = self.alternatives.item(i)
            if item.data(Qt.ItemDataRole.UserRole) in d.alternatives:
                item.setCheckState(Qt.CheckState.Checked)
        self.note.setPlainText(d.note)
        self.dissent.setPlainText(d.dissent)

    def choose(self, regimen: str) -> None:
        """Select ``regimen`` (an option's id, or another regimen's name or id)."""
        for row in range(self.choices.count()):
            if self.choices.item(row).data(Qt.ItemDataRole.UserRole) == regimen:
                self.choices.setCurrentRow(row)
                return
        self.choices.setCurrentRow(self.choices.count() - 1)
        other = self.other.findData(regimen)
        if other >= 0:
            self.other.setCurrentIndex(other)
        else:
            self.other.setEditText(regimen)

    def _choice(self) -> str:
        item = self.choices.currentItem()
        return "" if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    def _chosen_regimen(self) -> str:
        value = self._choice()
        if value != OTHER:
            return value
        name = self.other.currentText().strip()
        row = self.other.findText(name, Qt.MatchFlag.MatchFixedString)
        if row >= 0:
            return str(self.other.itemData(row))
        return self._content.resolve_regimen(name) or name

    def on_pathway(self) -> bool:
        """The engine's verdict for the current choice (its tier for that regimen)."""
        return self._rec.tier_of(self._chosen_regimen()) in ("preferred", "alternative")

    def _update(self, *_args: object) -> None:
        self.other.setEnabled(self._choice() == OTHER)
        chosen = self._chosen_regimen()
        off = bool(chosen) and not self.on_pathway()
        self.reason.setEnabled(off)
        self.detail.setEnabled(off)
        if not chosen:
            self.pathway.setText(self.tr("Choose the board's decision."))
        else:
            tier = self._rec.tier_of(chosen)
            self.pathway.setText(
                self.tr("Off the pathway ({tier}): choose a reason.").format(
                    tier=text.tier_label(tier)
                )
                if off
                else self.tr("On the pathway ({tier}).").format(tier=text.tier_label(tier))
            )
        # The chosen regimen is not an alternative to itself.
        for i in range(self.alternatives.count()):
            item = self.alternatives.item(i)
            mine = item.data(Qt.ItemDataRole.UserRole) == chosen
            if mine:
                item.setCheckState(Qt.CheckState.Unchecked)
            item.setHidden(mine)
        self.problem.setText("")

    def draft(self) -> DecisionDraft:
        chosen = self._chosen_regimen()
        on_pathway = self.on_pathway()
        alternatives = tuple(
            str(self.alternatives.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.alternatives.count())
            if self.alternatives.item(i).checkState() == Qt.CheckState.Checked
            and self.alternatives.item(i).data(Qt.ItemDataRole.UserRole) != chosen
        )
        return DecisionDraft(
            chosen_regimen=chosen,
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
