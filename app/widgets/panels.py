"""The window's panels: history, next options, evidence notes, patient factors, warnings.

Each panel takes the document (or is fed by the window) and has an objectName so tests and the
tumor-board mode can find it.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QHeaderView,
    QLabel,
    QListView,
    QSizePolicy,
    QSpinBox,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app import evidence_html, text, theme
from app.document import CaseDocument
from app.models.history_model import HistoryTableModel
from app.models.options_model import OptionsListModel
from app.models.roles import ID_ROLE
from app.widgets.delegates import (
    OptionDelegate,
    StepDelegate,
    TierBadgeDelegate,
    TwoLineDelegate,
)
from pathways.case import Factors
from pathways.engine import Notice, Option, Recommendation


def _title(label: str, name: str) -> QLabel:
    title = QLabel(label)
    title.setObjectName(name)
    font = QFont(title.font())
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 1.15)
    title.setFont(font)
    return title


# ---------------------------------------------------------------------------- history
class HistoryPanel(QWidget):
    """The lines of therapy; selecting a row jumps to that step.

    Signals:
        line_activated(int): a line was double-clicked or Enter was pressed on it (edit it).
    """

    line_activated = Signal(int)

    def __init__(self, document: CaseDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("history_panel")
        self._document = document
        self.model = HistoryTableModel(document, self)
        self.title = _title(self.tr("History"), "history_title")
        self.table = QTableView(self)
        self.table.setObjectName("history_table")
        self.table.setAccessibleName(self.tr("Treatment history"))
        self.table.setAccessibleDescription(
            self.tr("Lines of therapy in order. Selecting a row moves the current step to it.")
        )
        self.table.setModel(self.model)
        self.table.setItemDelegateForColumn(HistoryTableModel.PATHWAY, TierBadgeDelegate(self))
        self.table.setItemDelegateForColumn(HistoryTableModel.REGIMEN, TwoLineDelegate(self))
        self.table.setItemDelegateForColumn(HistoryTableModel.STEP, StepDelegate(self))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.setTabKeyNavigation(False)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(False)
        self.table.verticalHeader().setVisible(False)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(HistoryTableModel.REGIMEN, QHeaderView.ResizeMode.Stretch)
        # Columns are sized from a sample of rows, not by measuring every row on every step
        # (a 60-line history would otherwise re-measure 240 cells per step).
        header.setResizeContentsPrecision(20)
        header.setHighlightSections(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self._fit_rows()
        self.table.doubleClicked.connect(self._on_table_double_clicked)
        self.table.activated.connect(self._on_table_double_clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.table)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        document.step_changed.connect(self._on_document_step_changed)
        self._on_document_step_changed(document.step)

    def _fit_rows(self) -> None:
        """Two lines of text per row, from the font (follows the text zoom)."""
        height = int(self.table.fontMetrics().lineSpacing() * 2.8)
        self.table.verticalHeader().setMinimumSectionSize(height // 2)
        self.table.verticalHeader().setDefaultSectionSize(height)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit_rows()

    def selected_line(self) -> int | None:
        """The selected row if it is a line (not the "now" row)."""
        row = self.table.currentIndex().row()
        if 0 <= row < len(self._document.effective_case.history):
            return row
        return None

    def _on_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self._document.set_step(current.row())

    def _on_document_step_changed(self, step: int) -> None:
        index = self.model.index(step, HistoryTableModel.STEP)
        if index.isValid() and self.table.currentIndex().row() != step:
            self.table.selectionModel().setCurrentIndex(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
        self.table.scrollTo(index)

    def _on_table_double_clicked(self, index: QModelIndex) -> None:
        if 0 <= index.row() < len(self._document.effective_case.history):
            self.line_activated.emit(index.row())


# ---------------------------------------------------------------------------- options
class OptionsPanel(QWidget):
    """Ranked next options with tier badges and a one-line reason each.

    Signals:
        option_selected(str): the user selected an option (regimen id; "" for none).
    """

    option_selected = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("options_panel")
        self.model = OptionsListModel(self)
        self.title = _title(self.tr("Next options"), "options_title")
        self.situation = QLabel(self)
        self.situation.setObjectName("options_situation")
        self.situation.setWordWrap(True)
        self.list = QListView(self)
        self.list.setObjectName("options_list")
        self.list.setAccessibleName(self.tr("Next options, ranked"))
        self.list.setModel(self.model)
        self.list.setItemDelegate(OptionDelegate(self.list))
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.setUniformItemSizes(False)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.changes = QLabel(self)
        self.changes.setObjectName("change_explanation")
        self.changes.setWordWrap(True)
        self.changes.setTextFormat(Qt.TextFormat.RichText)
        self.changes.setAccessibleName(self.tr("What changed"))
        self.changes.setVisible(False)
        self.changes.setFrameShape(QFrame.Shape.StyledPanel)
        self.changes.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.situation)
        layout.addWidget(self.changes)
        layout.addWidget(self.list, 1)
        self.list.selectionModel().currentChanged.connect(self._on_current_changed)

    def set_recommendation(self, rec: Recommendation | None, situation: str) -> None:
        keep = self.selected_regimen()
        self.list.selectionModel().blockSignals(True)
        try:
            self.model.set_recommendation(rec)
            self.list.clearSelection()
            row = self.model.row_of(keep) if keep else -1
            if row >= 0:
                self.list.setCurrentIndex(self.model.index(row))
            else:
                self.list.setCurrentIndex(QModelIndex())
        finally:
            self.list.selectionModel().blockSignals(False)
        self.situation.setText(situation)
        if rec is not None and not rec.options:
            self.situation.setText(situation + " — " + self.tr("no pathway options"))

    def selected_regimen(self) -> str | None:
        index = self.list.currentIndex()
        if not index.isValid() or not self.list.selectionModel().isSelected(index):
            return None
        value = index.data(ID_ROLE)
        return str(value) if value else None

    def selected_option(self) -> Option | None:
        regimen = self.selected_regimen()
        row = self.model.row_of(regimen) if regimen else -1
        return self.model.options[row] if row >= 0 else None

    def select_regimen(self, regimen: str | None) -> None:
        """Select without emitting (the graph or the window asked for it)."""
        self.list.selectionModel().blockSignals(True)
        try:
            row = self.model.row_of(regimen) if regimen else -1
            if row >= 0:
                self.list.setCurrentIndex(self.model.index(row))
            else:
                self.list.clearSelection()
                self.list.setCurrentIndex(QModelIndex())
        finally:
            self.list.selectionModel().blockSignals(False)

    def show_changes(self, lines: list[str]) -> None:
        if not lines:
            self.changes.setVisible(False)
            self.changes.clear()
            return
        palette = self.palette()
        bg = theme.mix(
            palette.color(QPalette.ColorRole.Highlight),
            palette.color(QPalette.ColorRole.Base),
            0.14,
        )
        self.changes.setStyleSheet(
            f"QLabel#change_explanation {{ background: {bg.name()}; padding: 4px; }}"
        )
        items = "".join(f"<li>{escape(line)}</li>" for line in lines)
        self.changes.setText(
            f"<b>{escape(self.tr('What changed'))}</b>"
            f"<ul style='margin:0; -qt-list-indent:1;'>{items}</ul>"
        )
        self.changes.setVisible(True)

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        value = current.data(ID_ROLE) if current.isValid() else None
        self.option_selected.emit(str(value) if value else "")


# ---------------------------------------------------------------------------- evidence
class EvidencePanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("evidence_panel")
        self.title = _title(self.tr("Evidence notes"), "evidence_title")
        self.browser = QTextBrowser(self)
        self.browser.setObjectName("evidence_browser")
        self.browser.setAccessibleName(self.tr("Evidence notes"))
        self.browser.setOpenLinks(False)
        self.browser.setOpenExternalLinks(False)
        self.regimen: str | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.browser)
        self.clear()

    def clear(self) -> None:
        self.regimen = None
        self._html = evidence_html.placeholder_html(self.palette())
        self.browser.setHtml(self._html)

    def show_regimen(
        self,
        document: CaseDocument,
        regimen: str,
        option: Option | None,
        rec: Recommendation | None,
    ) -> None:
        self.regimen = regimen
        html = evidence_html.evidence_html(document.content, regimen, option, rec, self.palette())
        if html == self._html:
            return  # stepping often leaves the evidence as it was: keep the laid-out page
        self._html = html
        scroll = self.browser.verticalScrollBar().value()
        same = self.browser.property("regimen") == regimen
        self.browser.setHtml(html)
        self.browser.setProperty("regimen", regimen)
        if same:
            self.browser.verticalScrollBar().setValue(scroll)

    def plain_text(self) -> str:
        return self.browser.toPlainText()


# ---------------------------------------------------------------------------- factors
class FactorsPanel(QWidget):
    """Patient factors; every change is reported at once so the window can re-rank.

    Signals:
        factors_edited(object): the user changed a factor (the new ``Factors``).
    """

    factors_edited = Signal(object)
    LVEF_NONE = 4  # the spin box's "not recorded" value (below the valid 5..90)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("factors_panel")
        self._factors = Factors()
        self.title = _title(self.tr("Patient factors"), "factors_title")
        self.hormone = QComboBox(self)
        self.hormone.setObjectName("factor_hormone_receptor")
        for value in ("positive", "negative", "unknown"):
            self.hormone.addItem(text.hormone_label(value), value)
        self.brain = QComboBox(self)
        self.brain.setObjectName("factor_brain_metastases")
        for value in ("none", "stable", "active", "symptomatic"):
            self.brain.addItem(text.brain_label(value), value)
        self.lvef = QSpinBox(self)
        self.lvef.setObjectName("factor_lvef")
        self.lvef.setRange(self.LVEF_NONE, 90)
        self.lvef.setSpecialValueText(self.tr("not recorded"))
        self.lvef.setSuffix(" %")
        self.lvef.setKeyboardTracking(False)
        self.checks: dict[str, QCheckBox] = {}
        labels = {
            "ild_history": self.tr("Prior ILD / pneumonitis"),
            "tdxd_available": self.tr("T-DXd available"),
            "heart_failure": self.tr("Heart failure"),
            "taxane_contraindicated": self.tr("Taxane contraindicated"),
            "chemotherapy_unsuitable": self.tr("Unsuitable for chemotherapy"),
            "pregnant": self.tr("Pregnant"),
        }
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for label_text, field, name in (
            (self.tr("&Hormone receptor"), self.hormone, "hormone_receptor"),
            (self.tr("&Brain metastases"), self.brain, "brain_metastases"),
            (self.tr("&LVEF"), self.lvef, "lvef"),
        ):
            label = QLabel(label_text, self)
            label.setBuddy(field)
            field.setAccessibleName(text.factor_name(name))
            form.addRow(label, field)
        for name, label_text in labels.items():
            box = QCheckBox(label_text, self)
            box.setObjectName(f"factor_{name}")
            box.setAccessibleName(label_text)
            self.checks[name] = box
            form.addRow(box)
            box.toggled.connect(self._on_edited)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addLayout(form)
        layout.addStretch(1)
        self.hormone.currentIndexChanged.connect(self._on_edited)
        self.brain.currentIndexChanged.connect(self._on_edited)
        self.lvef.valueChanged.connect(self._on_edited)

    def set_factors(self, factors: Factors) -> None:
        """Show ``factors`` without emitting ``factors_edited``."""
        self._factors = factors
        widgets: list[QWidget] = [self.hormone, self.brain, self.lvef, *self.checks.values()]
        for w in widgets:
            w.blockSignals(True)
        try:
            self.hormone.setCurrentIndex(self.hormone.findData(factors.hormone_receptor))
            self.brain.setCurrentIndex(self.brain.findData(factors.brain_metastases))
            self.lvef.setValue(round(factors.lvef) if factors.lvef is not None else self.LVEF_NONE)
            for name, box in self.checks.items():
                box.setChecked(bool(getattr(factors, name)))
        finally:
            for w in widgets:
                w.blockSignals(False)

    def factors(self) -> Factors:
        lvef = self.lvef.value()
        keep_lvef = self._factors.lvef
        if lvef == self.LVEF_NONE:
            new_lvef = None
        elif keep_lvef is not None and round(keep_lvef) == lvef:
            new_lvef = keep_lvef
        else:
            new_lvef = float(lvef)
        return self._factors.model_copy(
            update={
                "hormone_receptor": self.hormone.currentData(),
                "brain_metastases": self.brain.currentData(),
                "lvef": new_lvef,
                **{name: box.isChecked() for name, box in self.checks.items()},
            }
        )

    def _on_edited(self, *_args: object) -> None:
        factors = self.factors()
        if factors != self._factors:
            self.factors_edited.emit(factors)


# ---------------------------------------------------------------------------- warnings
class WarningsBanner(QFrame):
    """The pitfalls that apply at this step, in plain words."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("warnings_banner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.label = QLabel(self)
        self.label.setObjectName("warnings_text")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setAccessibleName(self.tr("Warnings at this step"))
        layout = QVBoxLayout(self)
        m = self.fontMetrics().horizontalAdvance("M") // 2
        layout.setContentsMargins(m * 2, m, m * 2, m)
        layout.addWidget(self.label)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self._notices: tuple[Notice, ...] = ()
        self.set_warnings((), "")

    @property
    def notices(self) -> tuple[Notice, ...]:
        return self._notices

    def set_warnings(self, notices: tuple[Notice, ...], whatif_note: str) -> None:
        self._notices = notices
        palette = self.palette()
        background, border, fg = theme.warning_colors(palette)
        if not notices and not whatif_note:
            background = theme.mix(
                palette.color(QPalette.ColorRole.Window),
                palette.color(QPalette.ColorRole.Base),
                0.5,
            )
            border = palette.color(QPalette.ColorRole.Mid)
        self.setStyleSheet(
            f"QFrame#warnings_banner {{ background: {background.name()}; "
            f"border: 2px solid {border.name()}; border-radius: 4px; }}"
            f"QLabel#warnings_text {{ color: {fg.name()}; background: transparent; }}"
        )
        parts = []
        if whatif_note:
            color = theme.whatif_color(palette).name()
            parts.append(f"<b style='color:{color};'>◇ {escape(whatif_note)}</b>")
        for n in notices:
            title = f" — {escape(n.title)}" if n.title else ""
            parts.append(
                f"<b>⚠ {escape(text.warning_kind_label(n.kind))}{title}:</b> {escape(n.text)}"
            )
        if not parts:
            parts.append(escape(self.tr("No warnings at this step.")))
        self.label.setText("<br>".join(parts))
