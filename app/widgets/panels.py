"""The window's panels: history, next options, evidence notes, patient factors, warnings.

Each panel takes the document (or is fed by the window) and has an objectName so tests and the
tumor-board mode can find it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont, QPalette, QResizeEvent, QTextOption
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QHeaderView,
    QLabel,
    QListView,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
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
from app.widgets.header import WarningsBanner as _WarningsBanner
from pathways.case import Factors
from pathways.engine import Option, Recommendation
from pathways.vocab import FACTORS


class TitleLabel(QLabel):
    """A panel title: bold, 15 % larger than the text around it, following the text zoom (a
    label with a font of its own does not follow its window's font, so the window calls
    :meth:`rescale` after a zoom)."""

    SCALE = 1.15

    def __init__(self, label: str, name: str, parent: QWidget | None = None) -> None:
        super().__init__(label, parent)
        self.setObjectName(name)
        self.rescale(self.font())

    def rescale(self, base: QFont) -> None:
        font = QFont(base)
        font.setBold(True)
        font.setPointSizeF(base.pointSizeF() * self.SCALE)
        self.setFont(font)


def _title(label: str, name: str) -> QLabel:
    return TitleLabel(label, name)


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
        self.table.setWordWrap(False)
        self.table.setTabKeyNavigation(False)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(False)
        self.table.verticalHeader().setVisible(False)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        header = self.table.horizontalHeader()
        # The narrow columns are measured when the case or the font changes (_fit_columns),
        # not by ResizeToContents, which measured them again at every step's dataChanged.
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        # Regimen and outcome share what is left and elide (full text in the tooltip): a long
        # outcome never pushes the "On pathway?" column off the panel.
        header.setSectionResizeMode(HistoryTableModel.REGIMEN, QHeaderView.ResizeMode.Stretch)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
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
        # after the model's own slot (connected in its constructor): the rows are new by then
        self._fitted_to: tuple[str, tuple[object, ...]] | None = None
        document.case_changed.connect(self._fit_columns)
        document.step_changed.connect(self._on_document_step_changed)
        self._fit_columns()
        self._on_document_step_changed(document.step)

    FITTED = (HistoryTableModel.STEP, HistoryTableModel.LINE, HistoryTableModel.PATHWAY)

    def _fit_columns(self) -> None:
        """Size the narrow columns to their contents and header, every row measured, with
        room for the bold current-step row wherever the step goes."""
        model = self.model
        # The badge column is as wide as the widest tier's badge whatever the rows say (its
        # delegate's size hint): only the texts of the other two can change the widths.
        shown = (
            self.table.font().toString(),
            tuple(
                model.index(row, column).data()
                for row in range(model.rowCount())
                for column in (HistoryTableModel.STEP, HistoryTableModel.LINE)
            ),
        )
        if shown == self._fitted_to:
            return  # e.g. a factor changed: the same texts, the same widths
        self._fitted_to = shown
        header = self.table.horizontalHeader()
        slack = self.table.fontMetrics().horizontalAdvance("M") // 2
        for column in self.FITTED:
            width = max(self.table.sizeHintForColumn(column), header.sectionSizeHint(column))
            header.resizeSection(column, width + slack)

    MIN_ROWS = 3  # rows the table always shows, however small the screen

    def _fit_rows(self) -> None:
        """Two lines of text per row, from the font (follows the text zoom)."""
        height = int(self.table.fontMetrics().lineSpacing() * 2.8)
        self.table.verticalHeader().setMinimumSectionSize(height // 2)
        self.table.verticalHeader().setDefaultSectionSize(height)
        head = self.table.horizontalHeader().sizeHint().height()
        frame = self.table.frameWidth() * 2
        self.table.setMinimumHeight(head + frame + height * self.MIN_ROWS)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit_rows()
            self._fit_columns()

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
        # A scroll bar that comes and goes with the number of options narrowed the viewport,
        # and every card was measured and laid out again (the cards are sized for it anyway).
        self.list.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.changes = QLabel(self)
        self.changes.setObjectName("change_explanation")
        self.changes.setWordWrap(True)
        self.changes.setTextFormat(Qt.TextFormat.PlainText)
        self.changes.setAccessibleName(self.tr("What changed"))
        self.changes.setVisible(False)
        self.changes.setFrameShape(QFrame.Shape.StyledPanel)
        self.changes.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        # The case header says what is being decided; the line stays readable here for
        # screen readers (the list's description), not as a second visible caption.
        self.situation.setVisible(False)
        layout.addWidget(self.situation)
        layout.addWidget(self.changes)
        layout.addWidget(self.list, 1)
        self.list.selectionModel().currentChanged.connect(self._on_current_changed)
        self._fit_rows()

    MIN_ROWS = 3  # options always visible, however small the screen

    def _fit_rows(self) -> None:
        """Room for three cards with a one-line name (from the font: follows the text zoom)."""
        fm = self.list.fontMetrics()
        card = fm.lineSpacing() * 3.6 + fm.horizontalAdvance("M") * 1.1  # name on two lines
        self.list.setMinimumHeight(int(card * self.MIN_ROWS) + self.list.frameWidth() * 2)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit_rows()

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
        self.list.setAccessibleDescription(self.situation.text())
        if rec is not None and rec.line is not None:
            self.title.setText(self.tr("Next options · line {n}").format(n=rec.line))
        else:
            self.title.setText(self.tr("Next options"))

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
        sheet = f"QLabel#change_explanation {{ background: {bg.name()}; padding: 4px; }}"
        if self.changes.styleSheet() != sheet:  # a new sheet restyles the label: only if new
            self.changes.setStyleSheet(sheet)
        # Plain text (content's words shown as they are): a rich-text label laid its list out
        # again at several widths to find its size, at every factor change.
        self.changes.setText(
            "\n".join([self.tr("What changed:"), *(f"•  {line}" for line in lines)])
        )
        self.changes.setVisible(True)

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        value = current.data(ID_ROLE) if current.isValid() else None
        self.option_selected.emit(str(value) if value else "")


# ---------------------------------------------------------------------------- evidence
def _settle(browser: QTextBrowser, geometry: QRect) -> None:
    """Give a hidden browser the place it will be shown at before it is given a page.

    A hidden widget is told its new size only when shown, and a text browser lays its whole
    page out again at every resize, even one that leaves its width as it was. A browser made
    now, or one last shown before the panel changed height (another case, another banner),
    laid its page out at the old size, then again when shown (1.7-2.4 ms). Emptied and told
    its size first (as Qt tells it when showing it), it lays the page out once."""
    browser.setGeometry(geometry)
    if not browser.testAttribute(Qt.WidgetAttribute.WA_PendingResizeEvent):
        return
    browser.clear()  # (the page it had is not laid out again at the new size)
    # The browser first, then its viewport and scroll bars, which it has just placed: the
    # viewport's resize is the one that lays the page out.
    for widget in (browser, *browser.findChildren(QWidget)):
        if widget.testAttribute(Qt.WidgetAttribute.WA_PendingResizeEvent):
            widget.setAttribute(Qt.WidgetAttribute.WA_PendingResizeEvent, False)
            QCoreApplication.sendEvent(widget, QResizeEvent(widget.size(), QSize()))


class EvidencePanel(QWidget):
    """The evidence notes of the selected option, one laid-out page per browser.

    Laying a page out costs 3–4 ms (its tables most), and a text browser lays its whole page
    out again whenever it is given one, even a page it had before (``setDocument`` resets the
    page size). So the last few pages keep a browser each, in a stack: stepping back to a page
    shows its browser as it was. ``browser`` is the one on screen.
    """

    # A regimen's page differs from line to line (the transition, the place in the list): a
    # long history stepped back and forth shows a dozen pages of the option it keeps selected.
    BROWSERS_KEPT = 16

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("evidence_panel")
        self.title = _title(self.tr("Evidence notes"), "evidence_title")
        self._stack = QStackedWidget(self)
        self._stack.setObjectName("evidence_pages")
        self._browsers: dict[str, QTextBrowser] = {}  # by page, least recently shown first
        self.browser = self._new_browser()
        self.regimen: str | None = None
        self._html = ""
        self._pages: dict[tuple[object, ...], tuple[str, tuple[object, ...]]] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self._stack)
        self.clear()

    def _new_browser(self) -> QTextBrowser:
        browser = QTextBrowser(self._stack)
        browser.setObjectName("evidence_browser")
        browser.setAccessibleName(self.tr("Evidence notes"))
        browser.setOpenLinks(False)
        browser.setOpenExternalLinks(False)
        # Scroll bars that never come and go: a page one pixel wider or a screen taller than
        # the last one otherwise resized the viewport and laid the page out a second time at
        # every step. Text wraps anywhere rather than needing a horizontal bar.
        browser.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        browser.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        browser.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self._stack.addWidget(browser)
        return browser

    def finish_layout(self) -> None:
        """Lay the page shown out to its end now (Qt lays long pages out in slices while the
        event loop is idle): a picture of it then has its true scroll bar."""
        layout = self.browser.document().documentLayout()
        layout.documentSizeChanged.emit(layout.documentSize())  # and the scroll bar follows

    def clear(self) -> None:
        self.regimen = None
        self._show_html(evidence_html.placeholder_html(self.palette()), None)

    def show_regimen(
        self,
        document: CaseDocument,
        regimen: str,
        option: Option | None,
        rec: Recommendation | None,
    ) -> None:
        self.regimen = regimen
        self._show_html(self._page(document, regimen, option, rec), regimen)

    def _show_html(self, html: str, regimen: str | None) -> None:
        if html == self._html:
            return  # stepping often leaves the evidence as it was: keep the laid-out page
        self._html = html
        old = self.browser
        scroll = old.verticalScrollBar().value()
        same = regimen is not None and old.property("regimen") == regimen
        browser = self._browsers.pop(html, None)
        if browser is None:
            if not self._browsers:  # the first page: the browser made with the panel
                browser = old
            elif len(self._browsers) < self.BROWSERS_KEPT:
                browser = self._new_browser()
            else:  # the least recently shown page gives its browser up
                stale = next(b for b in self._browsers.values() if b is not old)
                del self._browsers[next(k for k, b in self._browsers.items() if b is stale)]
                browser = stale
            if browser is not old:
                _settle(browser, old.geometry())
            browser.setHtml(html)
            browser.setProperty("regimen", regimen)
        self._browsers[html] = browser
        if browser is not old:
            focused = old.hasFocus()
            self._stack.setCurrentWidget(browser)
            QWidget.setTabOrder(old, browser)  # Tab reaches the page on screen where it did
            if focused:
                browser.setFocus(Qt.FocusReason.OtherFocusReason)
            self.browser = browser
        if same:
            browser.verticalScrollBar().setValue(scroll)
        elif browser.verticalScrollBar().value() != 0:
            browser.verticalScrollBar().setValue(0)  # another option's page opens at its top

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.PaletteChange):
            # pages laid out for the old font or colours: only the one on screen is kept
            for html, browser in list(self._browsers.items()):
                if browser is not self.browser:
                    del self._browsers[html]
                    self._stack.removeWidget(browser)
                    browser.deleteLater()

    PAGES_KEPT = 128  # HTML text (about 10 kB each): every step of a long history

    def _page(
        self,
        document: CaseDocument,
        regimen: str,
        option: Option | None,
        rec: Recommendation | None,
    ) -> str:
        """The page's HTML, remembered per (regimen, option, recommendation, palette): a
        document's steps keep their recommendation objects, so stepping back to a step finds
        its page again. The entry holds the objects, so their ids cannot be reused meanwhile."""
        key = (regimen, id(option), id(rec), id(document.content), self.palette().cacheKey())
        found = self._pages.pop(key, None)
        if found is None:
            html = evidence_html.evidence_html(
                document.content, regimen, option, rec, self.palette()
            )
            found = (html, (option, rec, document.content))
        self._pages[key] = found  # most recent last
        while len(self._pages) > self.PAGES_KEPT:
            del self._pages[next(iter(self._pages))]
        return found[0]

    def plain_text(self) -> str:
        return self.browser.toPlainText()


# ---------------------------------------------------------------------------- factors
MENU_MNEMONICS = frozenset("fesvth")  # File, Edit, Step, View, Tumor board, Help


def mnemonic_of(label: str) -> str | None:
    """The Alt letter of a label ("&Help" → "h"), if it has one."""
    stripped = label.replace("&&", "")
    i = stripped.find("&")
    return stripped[i + 1].lower() if 0 <= i < len(stripped) - 1 else None


def with_mnemonic(label: str, used: set[str]) -> str:
    """``label`` with an Alt mnemonic on its first letter not yet taken (menus included), or
    none if every letter is taken; the letter is added to ``used``."""
    for i, ch in enumerate(label):
        key = ch.lower()
        if ch.isalpha() and key not in used and key not in MENU_MNEMONICS:
            used.add(key)
            return f"{label[:i]}&{label[i:]}"
    return label


class FactorsPanel(QWidget):
    """Patient factors, one field per row of the vocabulary's ``FACTORS`` (a new factor needs
    no code here); every change is reported at once so the window can re-rank.

    Signals:
        factors_edited(object): the user changed a factor (the new ``Factors``).
    """

    factors_edited = Signal(object)
    NUMBER_NONE_OFFSET = 1  # a number field's "not recorded" value: one below its minimum

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("factors_panel")
        self._factors = Factors()
        self.title = _title(self.tr("Patient factors"), "factors_title")
        self.fields: dict[str, QWidget] = {}
        self.checks: dict[str, QCheckBox] = {}
        used: set[str] = set()
        self._labels: dict[str, QLabel | QCheckBox] = {}
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for spec in FACTORS:
            label_text = with_mnemonic(text.factor_name(spec.name), used)
            field: QWidget
            if spec.kind == "bool":
                box = QCheckBox(label_text, self)
                box.toggled.connect(self._on_edited)
                self.checks[spec.name] = box
                self._labels[spec.name] = box
                field = box
                form.addRow(box)
            else:
                if spec.kind == "choice":
                    combo = QComboBox(self)
                    for value in spec.choices:
                        combo.addItem(text.factor_value(spec.name, value), value)
                    combo.currentIndexChanged.connect(self._on_edited)
                    field = combo
                else:
                    spin = QSpinBox(self)
                    low = int(spec.minimum if spec.minimum is not None else 0)
                    spin.setRange(low - self.NUMBER_NONE_OFFSET, int(spec.maximum or 999))
                    spin.setSpecialValueText(self.tr("not recorded"))
                    if spec.unit:
                        spin.setSuffix(f" {spec.unit}")
                    spin.setKeyboardTracking(False)
                    spin.valueChanged.connect(self._on_edited)
                    field = spin
                label = QLabel(label_text, self)
                label.setBuddy(field)
                self._labels[spec.name] = label
                form.addRow(label, field)
            field.setObjectName(f"factor_{spec.name}")
            field.setAccessibleName(text.factor_name(spec.name))
            if spec.help:
                field.setToolTip(self.tr(spec.help))
                field.setAccessibleDescription(self.tr(spec.help))
            self.fields[spec.name] = field
        inner = QWidget(self)
        inner.setObjectName("factors_form")
        inner.setLayout(form)
        # The form scrolls rather than taking the history's rows on a small screen.
        scroll = QScrollArea(self)
        scroll.setObjectName("factors_scroll")
        scroll.setWidget(inner)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes to the fields inside
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(scroll, 1)

    def mnemonics(self) -> set[str]:
        return {m for w in self._labels.values() if (m := mnemonic_of(w.text())) is not None}

    def set_mnemonics(self, taken: set[str]) -> None:
        """Give the fields Alt letters that nothing else in the window (menus, a dock's labels
        and buttons) uses: two widgets on one letter make Alt+letter cycle between them."""
        used = set(taken)
        for spec in FACTORS:
            widget = self._labels[spec.name]
            widget.setText(with_mnemonic(text.factor_name(spec.name), used))

    # the fields tests and the tumor-board mode refer to by name
    @property
    def hormone(self) -> QComboBox:
        return self._combo("hormone_receptor")

    @property
    def brain(self) -> QComboBox:
        return self._combo("brain_metastases")

    @property
    def lvef(self) -> QSpinBox:
        field = self.fields["lvef"]
        assert isinstance(field, QSpinBox)
        return field

    def _combo(self, name: str) -> QComboBox:
        field = self.fields[name]
        assert isinstance(field, QComboBox)
        return field

    def first_field(self) -> QWidget:
        return self.fields[FACTORS[0].name]

    def set_factors(self, factors: Factors) -> None:
        """Show ``factors`` without emitting ``factors_edited``."""
        self._factors = factors
        for w in self.fields.values():
            w.blockSignals(True)
        try:
            for spec in FACTORS:
                value = getattr(factors, spec.name, spec.default)
                field = self.fields[spec.name]
                if isinstance(field, QCheckBox):
                    field.setChecked(bool(value))
                elif isinstance(field, QComboBox):
                    field.setCurrentIndex(field.findData(value))
                elif isinstance(field, QSpinBox):
                    field.setValue(
                        round(float(str(value))) if value is not None else field.minimum()
                    )
        finally:
            for w in self.fields.values():
                w.blockSignals(False)

    def factors(self) -> Factors:
        update: dict[str, Any] = {}  # values of the factors' own types, by FACTORS
        for spec in FACTORS:
            field = self.fields[spec.name]
            if isinstance(field, QCheckBox):
                update[spec.name] = field.isChecked()
            elif isinstance(field, QComboBox):
                update[spec.name] = field.currentData()
            elif isinstance(field, QSpinBox):
                number = field.value()
                keep = getattr(self._factors, spec.name, None)
                if number == field.minimum():
                    update[spec.name] = None
                elif isinstance(keep, float) and round(keep) == number:
                    update[spec.name] = keep  # an unrounded value from the file stays
                else:
                    update[spec.name] = float(number)
        return dataclasses.replace(self._factors, **update)

    def _on_edited(self, *_args: object) -> None:
        factors = self.factors()
        if factors != self._factors:
            self.factors_edited.emit(factors)


# ---------------------------------------------------------------------------- warnings
# The banner lives with the case header (app.widgets.header); imported here for old callers.
WarningsBanner = _WarningsBanner
