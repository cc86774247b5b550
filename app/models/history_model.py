"""The case's lines of therapy as a table, plus a last row for "now" (the next decision).

Row ``k`` is step ``k``: the situation before line ``k`` and the line that was given then. The
current step's row is marked; rows after it are dimmed; each line shows whether it was on the
pathway (the tier it had at that step).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QModelRoleData,
    QModelRoleDataSpan,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QApplication

from app import text, theme
from app.document import CaseDocument
from app.models.roles import (
    CURRENT_ROLE,
    FUTURE_ROLE,
    HYPOTHETICAL_ROLE,
    ID_ROLE,
    OBJECT_ROLE,
    TIER_ROLE,
)
from app.models.rows import runs
from pathways.case import TreatmentLine
from pathways.engine import StepResult

Index = QModelIndex | QPersistentModelIndex
# Combined once: the view asks for every visible cell's flags at every paint.
_ROW_FLAGS = (
    Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
)


class HistoryTableModel(QAbstractTableModel):
    # The outcome is the regimen cell's second line (with the dates): a column of its own
    # squeezed the regimen's name out of a narrow panel.
    STEP, LINE, REGIMEN, PATHWAY = range(4)
    COLUMNS = 4

    def __init__(self, document: CaseDocument, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._document = document
        # A snapshot of what the rows show, swapped inside begin/end pairs so that the model
        # is consistent at every moment (QAbstractItemModelTester checks this).
        self._lines: tuple[TreatmentLine, ...] = document.effective_case.history
        self._results: tuple[StepResult, ...] = tuple(document.steps)
        self._step = document.step
        self._rows = len(self._results)
        # What a cell shows depends only on the snapshot (and, for the tooltip, on whether it
        # is the current row): the view asks for it at every paint of every visible row,
        # so it is phrased once per snapshot. Looks (fonts, colours) once per palette.
        self._texts: dict[tuple[int, int, int, bool], str | None] = {}
        self._looks: dict[tuple[object, ...], Any] = {}
        document.case_changed.connect(self._on_document_case_changed)
        document.step_changed.connect(self._on_document_step_changed)

    # ------------------------------------------------------------------ shape
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else self._rows

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else self.COLUMNS

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return _ROW_FLAGS

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        if not 0 <= section < self.COLUMNS:
            return None
        return (
            self.tr("Step"),
            self.tr("Line"),
            self.tr("Regimen"),  # the outcome is its second line
            self.tr("On pathway?"),
        )[section]

    # ------------------------------------------------------------------ data
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        return self._value(index.row(), index.column(), role)

    def multiData(self, index: Index, roleDataSpan: QModelRoleDataSpan | QModelRoleData) -> None:
        """All the roles a view's delegate asks for at once: one call into Python per cell
        painted instead of one per role (seven for a plain cell)."""
        if not index.isValid():
            return
        row, col = index.row(), index.column()
        if isinstance(roleDataSpan, QModelRoleData):
            asked: Sequence[QModelRoleData] = (roleDataSpan,)
        else:
            span = cast(Sequence[QModelRoleData], roleDataSpan)  # (PySide's stubs lack its [])
            asked = [span[k] for k in range(roleDataSpan.size())]
        for wanted in asked:
            value = self._value(row, col, wanted.role())
            if value is None:  # (a delegate reuses its span: the last cell's values are in it)
                wanted.clearData()
            else:
                wanted.setData(value)

    def _value(self, row: int, col: int, role: int) -> Any:
        if not 0 <= row < self._rows:
            return None
        line = self._lines[row] if row < len(self._lines) else None
        result = self._results[row] if row < len(self._results) else None
        current = row == self._step
        if role == OBJECT_ROLE:
            return line
        if role == ID_ROLE:
            return line.regimen if line else None
        if role == CURRENT_ROLE:
            return current
        if role == FUTURE_ROLE:
            return row > self._step
        if role == HYPOTHETICAL_ROLE:
            return bool(line and line.hypothetical)
        if role == TIER_ROLE:
            return result.given_tier if result else None
        if role == Qt.ItemDataRole.DisplayRole:
            key = (row, col, role, False)
            if key not in self._texts:
                tier = result.given_tier if result else None
                self._texts[key] = self._display(row, col, line, current, tier)
            return self._texts[key]
        if role == Qt.ItemDataRole.ToolTipRole or role == Qt.ItemDataRole.AccessibleTextRole:
            key = (row, -1, Qt.ItemDataRole.ToolTipRole, current)  # one text for both roles
            if key not in self._texts:
                tier = result.given_tier if result else None
                self._texts[key] = self._describe(row, line, current, tier)
            return self._texts[key]
        hypothetical = line is not None and line.hypothetical
        if role == Qt.ItemDataRole.FontRole:
            return QFont(self._look(("font", current, hypothetical)))
        if role == Qt.ItemDataRole.ForegroundRole:
            if hypothetical:
                return self._look(("whatif",))
            if row > self._step:
                return self._look(("dimmed",))
            return None
        if role == Qt.ItemDataRole.BackgroundRole and current:
            return self._look(("current",))
        return None

    def _look(self, key: tuple[object, ...]) -> Any:
        """A font or colour of the rows, made once per application palette."""
        palette = QApplication.palette()
        full = (palette.cacheKey(), *key)
        found = self._looks.get(full)
        if found is None:
            if len(self._looks) > 64:  # palettes come and go (theme changes)
                self._looks.clear()
            found = self._looks[full] = self._make_look(key, palette)
        return found

    @staticmethod
    def _make_look(key: tuple[object, ...], palette: QPalette) -> Any:
        if key[0] == "font":
            font = QFont()
            font.setBold(bool(key[1]))
            font.setItalic(bool(key[2]))
            return font
        if key[0] == "whatif":
            return theme.whatif_color(palette)
        if key[0] == "dimmed":
            return theme.dimmed_text(palette)
        return theme.mix(
            palette.color(QPalette.ColorRole.Highlight),
            palette.color(QPalette.ColorRole.Base),
            0.16,
        )

    def _display(
        self, row: int, col: int, line: Any, current: bool, tier: str | None
    ) -> str | None:
        if col == self.STEP:  # the current-step marker "▶" is painted by the view's delegate
            return str(row + 1) if line else self.tr("Now")
        if col == self.LINE:
            return self._line_number(row, line)
        if line is None:
            return self.tr("Next decision") if col == self.REGIMEN else ""
        if col == self.REGIMEN:
            name = self._document.content.regimens[line.regimen].short
            if line.hypothetical:
                return f"{name}  ◇ {self.tr('what-if')}\n{self.tr('hypothetical line')}"
            return f"{name}\n{text.outcome_text(line)} · {text.short_dates(line)}"
        if col == self.PATHWAY:
            return text.tier_badge(tier) if tier else ""
        return None

    def _line_number(self, row: int, line: Any) -> str:
        """The line of therapy this row's regimen was (the engine's count, in which
        maintenance continues a line), or the early setting's name; for "now", the line
        being decided."""
        result = self._results[row] if row < len(self._results) else None
        number = result.recommendation.line if result is not None else None
        if number is not None:
            return str(number)
        return text.setting_label("early") if line is None or line.setting != "metastatic" else ""

    def _describe(self, row: int, line: Any, current: bool, tier: str | None) -> str:
        doc = self._document
        if line is None:
            head = self.tr("Now: the next decision")
        else:
            name = doc.content.regimens[line.regimen].name
            head = self.tr("Step {n}, line {line}: {name}, {setting}, {dates}, {outcome}").format(
                n=row + 1,
                line=self._line_number(row, line),
                name=name,
                setting=text.setting_label(line.setting),
                dates=text.line_dates(line),
                outcome=text.outcome_text(line),
            )
            if line.hypothetical:
                head += " — " + self.tr("hypothetical (what-if)")
            if tier:
                head += " — " + self.tr("at that step: {tier}").format(tier=text.tier_badge(tier))
        if current:
            head += " — " + self.tr("current step")
        return head

    # ------------------------------------------------------------------ updates
    def _take_snapshot(self) -> None:
        doc = self._document
        self._lines = doc.effective_case.history
        self._results = tuple(doc.steps)
        self._step = doc.step
        self._rows = len(self._results)
        self._texts.clear()

    def _on_document_case_changed(self) -> None:
        new_rows = self._document.step_count
        if new_rows > self._rows:
            # lines are inserted before the "now" row
            self.beginInsertRows(QModelIndex(), self._rows - 1, new_rows - 2)
            self._take_snapshot()
            self.endInsertRows()
        elif new_rows < self._rows:
            self.beginRemoveRows(QModelIndex(), new_rows - 1, self._rows - 2)
            self._take_snapshot()
            self.endRemoveRows()
        else:
            # Same rows (a factor or a label changed): only the rows that show something else
            # are repainted, not the whole table.
            before = [self._row_key(r) for r in range(self._rows)]
            content, step = self._document.content, self._step
            self._take_snapshot()
            if content is not self._document.content:
                self._refresh_all()
                return
            changed = {r for r in range(self._rows) if self._row_key(r) != before[r]}
            changed.update(r for r in (step, self._step) if step != self._step)
            for first, last in runs(sorted(r for r in changed if 0 <= r < self._rows)):
                self.dataChanged.emit(self.index(first, 0), self.index(last, self.COLUMNS - 1))
            return
        self._refresh_all()

    def _row_key(self, row: int) -> tuple[object, ...]:
        """What row ``row`` shows, apart from the current-step marks."""
        line = self._lines[row] if row < len(self._lines) else None
        result = self._results[row] if row < len(self._results) else None
        if result is None:
            return (line,)
        return (line, result.given_tier, result.recommendation.line)

    def _on_document_step_changed(self, step: int) -> None:
        # Only the rows between the old and the new step change (marker and dimming).
        old, self._step = self._step, step
        if old == step:  # (after an edit the case change has updated what changed)
            return
        first, last = min(old, step), min(max(old, step), self._rows - 1)
        if self._rows and first <= last:
            self.dataChanged.emit(self.index(first, 0), self.index(last, self.COLUMNS - 1))

    def _refresh_all(self) -> None:
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(self._rows - 1, self.COLUMNS - 1))
