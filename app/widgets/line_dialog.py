"""Add or edit one line of therapy: regimen (type to search names, aliases, brand and drug
names), setting, dates, outcome, toxicity, whether it resumes the line above, and a note.
Unknown names are refused with a message in the dialog; a drug name that could mean several
regimens in this setting ("lapatinib") offers them to choose from, never a silent guess."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app import text
from app.models.regimen_model import SEARCH_ROLE, RegimenListModel
from pathways.case import Outcome, Setting, ToxicityDetail, TreatmentLine
from pathways.content import Content


class _DateField(QWidget):
    """A date with a "not recorded" check box (dates are optional in the file format)."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.known = QCheckBox(self.tr("known"), self)
        self.known.setObjectName(f"{name}_known")
        self.known.setAccessibleName(self.tr("{name} known").format(name=name))
        self.edit = QDateEdit(self)
        self.edit.setObjectName(f"{name}_date")
        self.edit.setAccessibleName(name)
        self.edit.setCalendarPopup(True)
        self.edit.setDisplayFormat("yyyy-MM-dd")
        self.edit.setDate(QDate.currentDate())
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.known)
        layout.addWidget(self.edit, 1)
        self.known.toggled.connect(self.edit.setEnabled)
        self.set_value(None)

    def set_value(self, value: date | None) -> None:
        self.known.setChecked(value is not None)
        self.edit.setEnabled(value is not None)
        if value is not None:
            self.edit.setDate(QDate(value.year, value.month, value.day))

    def value(self) -> date | None:
        if not self.known.isChecked():
            return None
        d = self.edit.date()
        return date(d.year(), d.month(), d.day())


class LineDialog(QDialog):
    def __init__(
        self, content: Content, line: TreatmentLine | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("line_dialog")
        self.setWindowTitle(self.tr("Edit line") if line else self.tr("Add line"))
        self.content = content
        self.regimens = RegimenListModel(content, self)
        self.regimen = QComboBox(self)
        self.regimen.setObjectName("line_regimen")
        self.regimen.setAccessibleName(self.tr("Regimen"))
        self.regimen.setEditable(True)
        self.regimen.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.regimen.setModel(self.regimens)
        completer = QCompleter(self)
        completer.setModel(self.regimens)
        completer.setCompletionRole(SEARCH_ROLE)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.regimen.setCompleter(completer)
        completer.activated.connect(self._on_completer_activated)
        self.setting = QComboBox(self)
        self.setting.setObjectName("line_setting")
        self.setting.setAccessibleName(self.tr("Setting"))
        for s in Setting:
            self.setting.addItem(text.setting_label(s), s.value)
        self.start = _DateField(self.tr("Start"), self)
        self.end = _DateField(self.tr("End"), self)
        self.outcome = QComboBox(self)
        self.outcome.setObjectName("line_outcome")
        self.outcome.setAccessibleName(self.tr("Outcome"))
        for o in Outcome:
            self.outcome.addItem(text.outcome_label(o), o.value)
        self.toxicity = QComboBox(self)
        self.toxicity.setObjectName("line_toxicity")
        self.toxicity.setAccessibleName(self.tr("Toxicity"))
        self.toxicity.addItem(self.tr("—"), None)
        for t in ToxicityDetail:
            self.toxicity.addItem(text.toxicity_label(t), t.value)
        self.resumed = QCheckBox(self.tr("Resumes the line above after a pause (same line)"), self)
        self.resumed.setObjectName("line_resumed")
        self.resumed.setToolTip(
            self.tr(
                "For example T-DXd restarted once grade 1 ILD has resolved: the line of therapy "
                "continues, no new line starts."
            )
        )
        self.choice = QComboBox(self)
        self.choice.setObjectName("line_regimen_choice")
        self.choice.setAccessibleName(self.tr("Which regimen"))
        self.choice.setVisible(False)
        self.note = QLineEdit(self)
        self.note.setObjectName("line_note")
        self.note.setAccessibleName(self.tr("Note"))
        self.problem = QLabel(self)
        self.problem.setObjectName("line_problem")
        self.problem.setTextFormat(Qt.TextFormat.PlainText)  # it quotes what was typed
        self.problem.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        for label_text, field in (
            (self.tr("&Regimen"), self.regimen),
            (self.tr("&Which one"), self.choice),
            (self.tr("&Setting"), self.setting),
            (self.tr("S&tart"), self.start),
            (self.tr("&End"), self.end),
            (self.tr("&Outcome"), self.outcome),
            (self.tr("To&xicity"), self.toxicity),
            (self.tr("&Note"), self.note),
        ):
            label = QLabel(label_text, self)
            label.setBuddy(field.edit if isinstance(field, _DateField) else field)
            form.addRow(label, field)
            if field is self.choice:
                self._choice_label = label
                label.setVisible(False)
        form.addRow(self.resumed)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.regimen.editTextChanged.connect(self._validate)
        self.regimen.currentIndexChanged.connect(self._on_regimen_index_changed)
        self.outcome.currentIndexChanged.connect(self._validate)
        self.setting.currentIndexChanged.connect(self._validate)
        self.choice.currentIndexChanged.connect(self._validate)
        self.set_line(line)

    def set_line(self, line: TreatmentLine | None) -> None:
        if line is None:
            self.regimen.setCurrentIndex(-1)
            self.regimen.setEditText("")
            self.setting.setCurrentIndex(self.setting.findData(Setting.METASTATIC.value))
            self.outcome.setCurrentIndex(self.outcome.findData(Outcome.PROGRESSION.value))
        else:
            self.regimen.setCurrentIndex(self.regimens.row_of(line.regimen))
            self.setting.setCurrentIndex(self.setting.findData(line.setting.value))
            self.start.set_value(line.start)
            self.end.set_value(line.end)
            self.outcome.setCurrentIndex(self.outcome.findData(line.outcome.value))
            detail = line.toxicity_detail.value if line.toxicity_detail else None
            self.toxicity.setCurrentIndex(self.toxicity.findData(detail))
            self.note.setText(line.note or "")
            self.resumed.setChecked(line.resumed)
        self._validate()

    def regimen_id(self) -> str | None:
        typed = self.regimen.currentText().strip()
        if not typed:
            return None
        found = self.content.resolve(typed, self.setting.currentData())
        if found.regimen is not None:
            return found.regimen
        if not self.choice.isHidden() and self.choice.currentData() in found.candidates:
            return str(self.choice.currentData())
        return None

    def _offer_choice(self, candidates: tuple[str, ...]) -> None:
        """Show the regimens a name could mean; keep the user's pick while they stay valid."""
        current = [self.choice.itemData(i) for i in range(1, self.choice.count())]
        if current != list(candidates):
            self.choice.blockSignals(True)
            self.choice.clear()
            self.choice.addItem(self.tr("— choose —"), None)
            for regimen_id in candidates:
                self.choice.addItem(self.content.regimens[regimen_id].name, regimen_id)
            self.choice.blockSignals(False)
        show = bool(candidates)
        self.choice.setVisible(show)
        self._choice_label.setVisible(show)

    def _on_completer_activated(self, value: str) -> None:
        regimen = self.content.resolve_regimen(value.split(" · ")[0])
        if regimen is not None:
            self.regimen.setCurrentIndex(self.regimens.row_of(regimen))

    def _on_regimen_index_changed(self, _index: int) -> None:
        regimen = self.regimen_id()
        if regimen is not None:
            early = self.content.regimens[regimen].setting == "early"
            current = Setting(self.setting.currentData())
            if early != current.is_early:
                wanted = Setting.NEOADJUVANT if early else Setting.METASTATIC
                self.setting.setCurrentIndex(self.setting.findData(wanted.value))
        self._validate()

    def _validate(self, *_args: object) -> None:
        typed = self.regimen.currentText().strip()
        found = self.content.resolve(typed, self.setting.currentData()) if typed else None
        self._offer_choice(found.candidates if found is not None and found.ambiguous else ())
        ok = self.regimen_id() is not None
        if not typed:
            self.problem.setText(self.tr("Choose a regimen (type to search names and aliases)."))
        elif found is not None and found.ambiguous and not ok:
            self.problem.setText(
                self.tr('"{name}" could be several regimens in this setting: choose one.').format(
                    name=typed[:80]
                )
            )
        elif not ok:
            self.problem.setText(
                self.tr('Unknown regimen "{name}": not a name or alias in the content.').format(
                    name=typed[:80]
                )
            )
        else:
            self.problem.setText("")
        self.toxicity.setEnabled(self.outcome.currentData() == Outcome.TOXICITY.value)
        button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        button.setEnabled(ok)

    def line(self) -> TreatmentLine | None:
        regimen = self.regimen_id()
        if regimen is None:
            return None
        outcome = Outcome(self.outcome.currentData())
        detail = self.toxicity.currentData() if outcome is Outcome.TOXICITY else None
        return TreatmentLine(
            regimen=regimen,
            setting=Setting(self.setting.currentData()),
            start=self.start.value(),
            end=self.end.value(),
            outcome=outcome,
            toxicity_detail=ToxicityDetail(detail) if detail else None,
            note=self.note.text().strip() or None,
            resumed=self.resumed.isChecked(),
        )
