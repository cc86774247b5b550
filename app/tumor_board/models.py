"""Item models over the case library: library cases, a meeting's agenda, decision versions.

The models read from :class:`pathways.library.CaseLibrary` on :meth:`refresh`; the library is the
single source of truth, so every edit goes to the library first and the model re-reads it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from app.models.roles import ID_ROLE, OBJECT_ROLE
from app.tumor_board import summary
from pathways.content import Content
from pathways.library import CaseLibrary, CaseSummary, Decision, LibraryError, Meeting

Index = QModelIndex | QPersistentModelIndex
_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren


class CaseListModel(QAbstractListModel):
    """Case summaries (library cases, or one meeting's agenda in order). ``ID_ROLE``: case id."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cases: list[CaseSummary] = []
        self._decided: set[int] = set()
        self._numbered = False

    @property
    def cases(self) -> list[CaseSummary]:
        return list(self._cases)

    def set_cases(
        self, cases: list[CaseSummary], decided: set[int] | None = None, numbered: bool = False
    ) -> None:
        self.beginResetModel()
        self._cases = list(cases)
        self._decided = set(decided or ())
        self._numbered = numbered
        self.endResetModel()

    def row_of(self, case_id: int) -> int:
        return next((i for i, c in enumerate(self._cases) if c.id == case_id), -1)

    def case_id(self, row: int) -> int | None:
        return self._cases[row].id if 0 <= row < len(self._cases) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._cases)

    def flags(self, index: Index) -> Qt.ItemFlag:
        return _FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._cases):
            return None
        case = self._cases[index.row()]
        decided = case.id in self._decided
        if role == Qt.ItemDataRole.DisplayRole:
            prefix = f"{index.row() + 1}. " if self._numbered else ""
            mark = "  ✔" if decided else ""
            return f"{prefix}{case.label}{mark}"
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            state = self.tr("decision recorded") if decided else self.tr("no decision yet")
            changed = summary.local_time(case.updated_at)
            if self._numbered:
                return self.tr("{n}. {label} — {state}; changed {changed}").format(
                    n=index.row() + 1, label=case.label, state=state, changed=changed
                )
            return self.tr("{label} — changed {changed}").format(label=case.label, changed=changed)
        if role == ID_ROLE:
            return case.id
        if role == OBJECT_ROLE:
            return case
        return None


# Reads ``limit`` cases after the one given (None: from the first), in the library's order.
CasePager = Callable[[CaseSummary | None, int], list[CaseSummary]]


class PagedCaseListModel(CaseListModel):
    """The library's cases, read a page at a time as the view scrolls (Qt's fetchMore).

    A library of 100,000 cases shows its first screenful as fast as a library of 100; the
    view asks for the next page when the user scrolls near the end of what is loaded.
    """

    PAGE = 500

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pager: CasePager | None = None
        self._more = False
        self.problem: str | None = None  # why the last page could not be read

    def load(self, pager: CasePager) -> None:
        """Show the first page from ``pager`` (raises the library's error, like a refresh)."""
        first = pager(None, self.PAGE)
        self._pager = pager
        self._more = len(first) == self.PAGE
        self.problem = None
        self.set_cases(first)

    def clear(self) -> None:
        self._pager = None
        self._more = False
        self.set_cases([])

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008 - Qt signature
        return not parent.isValid() and self._more and self._pager is not None

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008 - Qt signature
        if not self.canFetchMore(parent) or self._pager is None:
            return
        try:
            page = self._pager(self._cases[-1] if self._cases else None, self.PAGE)
        except LibraryError as exc:
            # Called by the view while it paints: no dialog here. What is loaded stays; the
            # next refresh (the library back, a search) starts again from the first page.
            self._more = False
            self.problem = str(exc)
            return
        self._more = len(page) == self.PAGE
        if page:
            start = len(self._cases)
            self.beginInsertRows(QModelIndex(), start, start + len(page) - 1)
            self._cases.extend(page)
            self.endInsertRows()

    def fetch_until(self, case_id: int) -> int:
        """Load pages until ``case_id`` is shown (to keep a selection); its row, or -1."""
        row = self.row_of(case_id)
        while row < 0 and self.canFetchMore():
            loaded = len(self._cases)
            self.fetchMore()
            row = next(
                (i for i, c in enumerate(self._cases[loaded:], loaded) if c.id == case_id), -1
            )
        return row


class MeetingListModel(QAbstractListModel):
    """Meetings, newest first: '2026-05-12 · Breast board'."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._meetings: list[Meeting] = []

    @property
    def meetings(self) -> list[Meeting]:
        return list(self._meetings)

    def refresh(self, library: CaseLibrary) -> None:
        meetings = library.list_meetings()  # read first: a failed read leaves the model intact
        self.beginResetModel()
        self._meetings = meetings
        self.endResetModel()

    def clear(self) -> None:
        self.beginResetModel()
        self._meetings = []
        self.endResetModel()

    def update(self, meeting: Meeting) -> None:
        """Take a fresh copy of one meeting (e.g. just signed off) without a reset."""
        row = self.row_of(meeting.id)
        if row >= 0 and self._meetings[row] != meeting:
            self._meetings[row] = meeting
            index = self.index(row)
            self.dataChanged.emit(index, index)

    def row_of(self, meeting_id: int) -> int:
        return next((i for i, m in enumerate(self._meetings) if m.id == meeting_id), -1)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._meetings)

    def flags(self, index: Index) -> Qt.ItemFlag:
        return _FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._meetings):
            return None
        meeting = self._meetings[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            signed = self.tr(" (signed off)") if meeting.signed_off else ""
            return f"{meeting.date.isoformat()} · {meeting.title}{signed}"
        if role == ID_ROLE:
            return meeting.id
        if role == OBJECT_ROLE:
            return meeting
        return None


class DecisionTableModel(QAbstractTableModel):
    """Every version of the decisions on one case (all meetings), oldest first: the audit trail.

    Superseded versions stay listed (marked so), so a correction never hides what it replaced.
    """

    VERSION, MEETING, CHOSEN, RECORDED_BY, RECORDED_AT = range(5)

    def __init__(self, content: Content, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._content = content
        self._decisions: list[Decision] = []
        self._meetings: dict[int, Meeting] = {}

    @property
    def decisions(self) -> list[Decision]:
        return list(self._decisions)

    def set_decisions(self, decisions: list[Decision], meetings: dict[int, Meeting]) -> None:
        self.beginResetModel()
        self._decisions = list(decisions)
        self._meetings = dict(meetings)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._decisions)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else 5

    def flags(self, index: Index) -> Qt.ItemFlag:
        return _FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        titles = (
            self.tr("Version"),
            self.tr("Meeting"),
            self.tr("Decision"),
            self.tr("Recorded by"),
            self.tr("When"),
        )
        return titles[section] if 0 <= section < len(titles) else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._decisions):
            return None
        d = self._decisions[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.VERSION:
                return summary.version_label(d)
            if col == self.MEETING:
                meeting = self._meetings.get(d.meeting_id)
                return (
                    f"{meeting.date.isoformat()} {meeting.title}" if meeting else str(d.meeting_id)
                )
            if col == self.CHOSEN:
                return summary.decision_summary(self._content, d)
            if col == self.RECORDED_BY:
                return d.recorded_by
            if col == self.RECORDED_AT:
                return summary.local_time(d.recorded_at)
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            parts = [summary.decision_summary(self._content, d)]
            if d.alternatives:
                names = ", ".join(summary.regimen_display(self._content, a) for a in d.alternatives)
                parts.append(self.tr("Alternatives discussed: {names}").format(names=names))
            if d.note:
                parts.append(self.tr("Note: {note}").format(note=d.note))
            if d.dissent:
                parts.append(self.tr("Dissent: {dissent}").format(dissent=d.dissent))
            return "\n".join(parts)
        if role == ID_ROLE:
            return d.id
        if role == OBJECT_ROLE:
            return d
        return None
