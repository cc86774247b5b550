"""The next options at the current step, ranked, as a list model."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from app import text
from app.models.roles import ID_ROLE, OBJECT_ROLE, ORDER_ROLE, TIE_ROLE, TIER_ROLE, WHY_ROLE
from app.models.rows import runs
from pathways.engine import Option, Recommendation

Index = QModelIndex | QPersistentModelIndex
# Combined once: the view asks for every visible cell's flags at every paint.
_ROW_FLAGS = (
    Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
)


class OptionsListModel(QAbstractListModel):
    """Rows are :class:`pathways.engine.Option`; ``OBJECT_ROLE`` returns the option itself."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._options: tuple[Option, ...] = ()

    @property
    def options(self) -> tuple[Option, ...]:
        return self._options

    def set_recommendation(self, rec: Recommendation | None) -> None:
        options = rec.options if rec is not None else ()
        if [o.regimen for o in options] == [o.regimen for o in self._options]:
            # The same options in the same places: only the rows that hold something else are
            # repainted (a step often leaves every card as it was). Option's equality leaves
            # out its safety notes, which OBJECT_ROLE hands out too: they are compared here.
            pairs = zip(options, self._options, strict=True)
            changed = [i for i, (a, b) in enumerate(pairs) if a != b or a.safety != b.safety]
            self._options = options
            for first, last in runs(changed):
                self.dataChanged.emit(self.index(first), self.index(last))
            return
        self.beginResetModel()
        self._options = options
        self.endResetModel()

    def row_of(self, regimen: str) -> int:
        return next((i for i, o in enumerate(self._options) if o.regimen == regimen), -1)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._options)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return _ROW_FLAGS

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._options):
            return None
        option = self._options[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return option.name
        if role == OBJECT_ROLE:
            return option
        if role == ID_ROLE:
            return option.regimen
        if role == TIER_ROLE:
            return option.tier
        if role == WHY_ROLE:
            return option.why
        if role == ORDER_ROLE:
            return text.order_label(option)
        if role == TIE_ROLE:
            return text.tie_note(option)
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            tie = text.tie_note(option)
            return self.tr("{order} {tier}: {name}{tie} — {why}").format(
                order=text.order_label(option),
                tier=text.tier_label(option.tier),
                name=option.name,
                tie=f" ({tie})" if tie else "",
                why=option.why,
            )
        return None
