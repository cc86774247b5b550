"""The graph as a two-level tree (groups → nodes in words), for the accessible outline.

Top-level rows are the graph's groups (the patient's path and the next options, or the whole
pathway's columns: entry points, lines); their children are the nodes, each described in words
(tier, place on the path, now). ``ID_ROLE`` of a node row is its node id.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from app.models.roles import ID_ROLE

Index = QModelIndex | QPersistentModelIndex
Outline = Sequence[tuple[str, Sequence[tuple[str, str]]]]


class _Group:
    """A top-level row; also the internal pointer of its children's indexes (an object, so the
    index never carries a bare int)."""

    def __init__(self, row: int, title: str, nodes: Sequence[tuple[str, str]]) -> None:
        self.row = row
        self.title = title
        self.nodes = tuple(nodes)


class _Root:
    pass


_ROOT = _Root()


class OutlineModel(QAbstractItemModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._groups: list[_Group] = []

    def set_outline(self, outline: Outline) -> None:
        groups = [_Group(i, t, nodes) for i, (t, nodes) in enumerate(outline)]
        same_shape = [(g.title, [n for n, _ in g.nodes]) for g in groups] == [
            (g.title, [n for n, _ in g.nodes]) for g in self._groups
        ]
        if same_shape and groups:
            # Same rows: only the words changed (a step within the case) — keep the expansion
            # and the current row.
            for old, new in zip(self._groups, groups, strict=True):
                old.nodes = new.nodes
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._groups) - 1, 0))
            for g in self._groups:
                if g.nodes:
                    parent = self.index(g.row, 0)
                    self.dataChanged.emit(
                        self.index(0, 0, parent), self.index(len(g.nodes) - 1, 0, parent)
                    )
            return
        self.beginResetModel()
        self._groups = groups
        self.endResetModel()

    def node_index(self, node: str) -> QModelIndex:
        """The last row of ``node`` (an option rather than the same regimen on the path)."""
        found = QModelIndex()
        for g in self._groups:
            for row, (n, _) in enumerate(g.nodes):
                if n == node:
                    found = self.index(row, 0, self.index(g.row, 0))
        return found

    # ------------------------------------------------------------------ shape
    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008 - Qt signature
        if column != 0 or row < 0:
            return QModelIndex()
        if not parent.isValid():
            if row >= len(self._groups):
                return QModelIndex()
            return self.createIndex(row, 0, _ROOT)
        if parent.internalPointer() is not _ROOT or parent.column() != 0:
            return QModelIndex()
        group = self._groups[parent.row()] if parent.row() < len(self._groups) else None
        if group is None or row >= len(group.nodes):
            return QModelIndex()
        return self.createIndex(row, 0, group)

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008 - Qt signature
        if not index.isValid():
            return QModelIndex()
        pointer = index.internalPointer()
        if isinstance(pointer, _Group):
            return self.createIndex(pointer.row, 0, _ROOT)
        return QModelIndex()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        if not parent.isValid():
            return len(self._groups)
        if parent.internalPointer() is _ROOT and parent.column() == 0:
            return len(self._groups[parent.row()].nodes)
        return 0

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 1

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if isinstance(index.internalPointer(), _Group):
            flags |= Qt.ItemFlag.ItemNeverHasChildren
        return flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        pointer = index.internalPointer()
        if isinstance(pointer, _Group):
            if index.row() >= len(pointer.nodes):
                return None
            node, words = pointer.nodes[index.row()]
            if role in (
                Qt.ItemDataRole.DisplayRole,
                Qt.ItemDataRole.ToolTipRole,
                Qt.ItemDataRole.AccessibleTextRole,
            ):
                return words
            if role == ID_ROLE:
                return node
            return None
        if index.row() >= len(self._groups):
            return None
        group = self._groups[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return group.title or self.tr("Nodes")
        return None
