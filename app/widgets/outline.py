"""The accessible outline of the graph: a keyboard-navigable tree mirroring what the graph
shows. Arrow keys move, Enter selects the node (as a click on the graph would)."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QAbstractItemView, QTreeView, QWidget

from app.models.outline_model import Outline, OutlineModel
from app.models.roles import ID_ROLE


class GraphOutline(QTreeView):
    """Signals:
    node_activated(str): Enter or a double-click on a node row (its id).
    """

    node_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("graph_outline")
        self.setAccessibleName(self.tr("Pathway outline"))
        self.setAccessibleDescription(
            self.tr(
                "The graph as a list: the patient's path, then the next options with their tier."
            )
        )
        self.outline_model = OutlineModel(self)
        self.setModel(self.outline_model)
        self.setHeaderHidden(True)
        self.setUniformRowHeights(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setWordWrap(False)
        self.activated.connect(self._on_activated)
        self._expand_due = False

    def set_outline(self, outline: Outline) -> None:
        self.outline_model.set_outline(outline)
        # The model is always current (screen readers and tests read it); opening every row
        # lays the tree out, which is for when it is on screen (it is the graph's other tab).
        self._expand_due = not self.isVisible()
        if not self._expand_due:
            self.expandAll()

    def showEvent(self, event: QShowEvent) -> None:
        if self._expand_due:
            self._expand_due = False
            self.expandAll()
        super().showEvent(event)
        if self.currentIndex().isValid():
            self.scrollTo(self.currentIndex())

    def show_node(self, node: str | None) -> None:
        """Make ``node`` the current row (the window's selection), without emitting."""
        index = self.outline_model.node_index(node) if node else QModelIndex()
        if index.isValid() and index != self.currentIndex():
            self.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect
            )
            if self.isVisible():  # else when shown (scrolling lays every row out)
                self.scrollTo(index)

    def _on_activated(self, index: QModelIndex) -> None:
        node = index.data(ID_ROLE)
        if node:
            self.node_activated.emit(str(node))
