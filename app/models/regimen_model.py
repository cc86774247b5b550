"""Every regimen with its aliases, for the type-to-search regimen picker."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from pathways.content import Content

Index = QModelIndex | QPersistentModelIndex
SEARCH_ROLE = int(Qt.ItemDataRole.UserRole) + 20


class RegimenListModel(QAbstractListModel):
    """Display: the regimen's name; SEARCH_ROLE: name, short name and aliases (for matching);
    UserRole: the regimen id."""

    def __init__(self, content: Content, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._regimens = sorted(
            content.regimens.values(), key=lambda r: (r.setting != "early", r.line, r.name)
        )

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._regimens)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._regimens):
            return None
        r = self._regimens[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return r.name
        if role == SEARCH_ROLE:
            return " · ".join((r.name, r.short, *r.aliases))
        if role == Qt.ItemDataRole.ToolTipRole:
            aliases = ", ".join(r.aliases)
            return f"{r.name} ({r.short})" + (f" — {aliases}" if aliases else "")
        if role == Qt.ItemDataRole.UserRole:
            return r.id
        return None

    def row_of(self, regimen_id: str) -> int:
        return next((i for i, r in enumerate(self._regimens) if r.id == regimen_id), -1)
