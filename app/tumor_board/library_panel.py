"""The case-library dock: meetings and their agendas, the library's cases, and decisions.

Every button is one library edit in its own transaction (see :mod:`pathways.library`); the
panel re-reads the library after each. The heavy lifting (opening cases, decisions, exports)
is the :class:`~app.tumor_board.install.TumorBoard` controller's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.tumor_board.models import CaseListModel, DecisionTableModel, MeetingListModel

if TYPE_CHECKING:
    from app.tumor_board.install import TumorBoard


class LibraryPanel(QDockWidget):
    """Meeting, agenda, decisions for the selected agenda case, and the library of cases."""

    def __init__(self, board: TumorBoard, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Tumor board"), parent)
        self.setObjectName("dock_tumor_board")
        self.board = board
        body = QWidget(self)
        body.setObjectName("tumor_board_panel")
        self.meetings = MeetingListModel(self)
        self.agenda = CaseListModel(self)
        self.cases = CaseListModel(self)
        self.decisions = DecisionTableModel(board.content, self)

        self.meeting_combo = QComboBox(body)
        self.meeting_combo.setObjectName("meeting_combo")
        self.meeting_combo.setModel(self.meetings)
        self.meeting_combo.setAccessibleName(self.tr("Meeting"))
        self.new_meeting_button = self._button(body, "button_new_meeting", self.tr("New…"))
        self.agenda_view = self._list(body, "agenda_view", self.agenda, self.tr("Agenda"))
        self.up_button = self._button(body, "button_agenda_up", self.tr("Up"))
        self.down_button = self._button(body, "button_agenda_down", self.tr("Down"))
        self.remove_button = self._button(body, "button_agenda_remove", self.tr("Remove"))
        self.open_agenda_button = self._button(body, "button_agenda_open", self.tr("Open"))
        self.present_button = self._button(body, "button_present", self.tr("Present (F5)"))
        self.decision_view = QTableView(body)
        self.decision_view.setObjectName("decision_view")
        self.decision_view.setAccessibleName(self.tr("Decisions on the selected case"))
        self.decision_view.setModel(self.decisions)
        self.decision_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.decision_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.decision_view.verticalHeader().setVisible(False)
        header = self.decision_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(DecisionTableModel.CHOSEN, QHeaderView.ResizeMode.Stretch)
        self.record_button = self._button(body, "button_record_decision", self.tr("Record…"))
        self.correct_button = self._button(body, "button_correct_decision", self.tr("Correct…"))
        self.search = QLineEdit(body)
        self.search.setObjectName("library_search")
        self.search.setPlaceholderText(self.tr("Search cases by label"))
        self.search.setAccessibleName(self.tr("Search the library"))
        self.case_view = self._list(body, "library_view", self.cases, self.tr("Library cases"))
        self.add_button = self._button(body, "button_add_to_agenda", self.tr("Add to agenda"))
        self.import_button = self._button(body, "button_import", self.tr("Import files…"))
        self.store_button = self._button(body, "button_store_open", self.tr("Store open case"))
        self.export_button = self._button(body, "button_export_case", self.tr("Export file…"))
        self.open_case_button = self._button(body, "button_library_open", self.tr("Open"))
        self.status = QLabel(body)
        self.status.setObjectName("library_status")
        self.status.setWordWrap(True)

        layout = QVBoxLayout(body)
        row = QHBoxLayout()
        row.addWidget(self._caption(body, self.tr("&Meeting:"), self.meeting_combo))
        row.addWidget(self.meeting_combo, 1)
        row.addWidget(self.new_meeting_button)
        layout.addLayout(row)
        layout.addWidget(self._caption(body, self.tr("&Agenda"), self.agenda_view))
        layout.addWidget(self.agenda_view, 3)
        layout.addLayout(
            self._row(
                self.up_button,
                self.down_button,
                self.remove_button,
                self.open_agenda_button,
                self.present_button,
            )
        )
        layout.addWidget(self._caption(body, self.tr("&Decisions"), self.decision_view))
        layout.addWidget(self.decision_view, 2)
        layout.addLayout(self._row(self.record_button, self.correct_button))
        layout.addWidget(self._caption(body, self.tr("&Library"), self.search))
        layout.addWidget(self.search)
        layout.addWidget(self.case_view, 3)
        layout.addLayout(self._row(self.add_button, self.import_button, self.store_button))
        layout.addLayout(self._row(self.open_case_button, self.export_button))
        layout.addWidget(self.status)
        self.setWidget(body)

        self.meeting_combo.currentIndexChanged.connect(lambda _i: self.refresh_agenda())
        self.agenda_view.selectionModel().currentChanged.connect(
            lambda *_: self.refresh_decisions()
        )
        self.case_view.selectionModel().currentChanged.connect(lambda *_: self._update_buttons())
        self.agenda_view.activated.connect(lambda _i: board.open_selected_agenda_case())
        self.case_view.activated.connect(lambda _i: board.open_selected_library_case())
        self.search.textChanged.connect(lambda _t: self.refresh_cases())
        self.new_meeting_button.clicked.connect(lambda: board.new_meeting())
        self.up_button.clicked.connect(lambda: board.move_selected(-1))
        self.down_button.clicked.connect(lambda: board.move_selected(1))
        self.remove_button.clicked.connect(lambda: board.remove_selected_from_agenda())
        self.open_agenda_button.clicked.connect(lambda: board.open_selected_agenda_case())
        self.present_button.clicked.connect(lambda: board.present())
        self.record_button.clicked.connect(lambda: board.record_decision())
        self.correct_button.clicked.connect(lambda: board.record_decision(correct=True))
        self.add_button.clicked.connect(lambda: board.add_selected_to_agenda())
        self.import_button.clicked.connect(lambda: board.import_files())
        self.store_button.clicked.connect(lambda: board.store_open_case())
        self.export_button.clicked.connect(lambda: board.export_selected_case_file())
        self.open_case_button.clicked.connect(lambda: board.open_selected_library_case())

    # ------------------------------------------------------------------ construction
    def _button(self, parent: QWidget, name: str, label: str) -> QPushButton:
        button = QPushButton(label, parent)
        button.setObjectName(name)
        button.setAutoDefault(False)
        return button

    def _list(self, parent: QWidget, name: str, model: CaseListModel, label: str) -> QListView:
        view = QListView(parent)
        view.setObjectName(name)
        view.setAccessibleName(label)
        view.setModel(model)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        return view

    def _caption(self, parent: QWidget, label: str, buddy: QWidget) -> QLabel:
        caption = QLabel(label, parent)
        caption.setBuddy(buddy)
        font = caption.font()
        font.setBold(True)
        caption.setFont(font)
        return caption

    def _row(self, *buttons: QPushButton) -> QHBoxLayout:
        row = QHBoxLayout()
        for b in buttons:
            row.addWidget(b)
        row.addStretch(1)
        return row

    # ------------------------------------------------------------------ selection
    def meeting_id(self) -> int | None:
        row = self.meeting_combo.currentIndex()
        meetings = self.meetings.meetings
        return meetings[row].id if 0 <= row < len(meetings) else None

    def select_meeting(self, meeting_id: int) -> None:
        self.meeting_combo.setCurrentIndex(self.meetings.row_of(meeting_id))

    def agenda_case_id(self) -> int | None:
        return self.agenda.case_id(self.agenda_view.currentIndex().row())

    def select_agenda_case(self, case_id: int) -> None:
        row = self.agenda.row_of(case_id)
        self.agenda_view.setCurrentIndex(self.agenda.index(row) if row >= 0 else QModelIndex())

    def library_case_id(self) -> int | None:
        return self.cases.case_id(self.case_view.currentIndex().row())

    def select_library_case(self, case_id: int) -> None:
        row = self.cases.row_of(case_id)
        self.case_view.setCurrentIndex(self.cases.index(row) if row >= 0 else QModelIndex())

    # ------------------------------------------------------------------ refresh
    def refresh(self) -> None:
        library = self.board.library()
        if library is None:
            self.setEnabled(False)
            return
        self.setEnabled(True)
        keep = self.meeting_id()
        self.meeting_combo.blockSignals(True)
        try:
            self.meetings.refresh(library)
            row = self.meetings.row_of(keep) if keep is not None else 0
            self.meeting_combo.setCurrentIndex(max(row, 0) if self.meetings.rowCount() else -1)
        finally:
            self.meeting_combo.blockSignals(False)
        self.refresh_agenda()
        self.refresh_cases()
        self.status.setText(self.tr("Library: {path}").format(path=str(library.path)))

    def refresh_agenda(self) -> None:
        library = self.board.library()
        keep = self.agenda_case_id()
        meeting = self.meeting_id()
        if library is None or meeting is None:
            self.agenda.set_cases([])
        else:
            items = library.agenda(meeting)
            decided = {c.id for c in items if library.current_decision(meeting, c.id)}
            self.agenda.set_cases(items, decided, numbered=True)
        if keep is not None:
            self.select_agenda_case(keep)
        self.refresh_decisions()
        self._update_buttons()

    def refresh_cases(self) -> None:
        library = self.board.library()
        keep = self.library_case_id()
        if library is None:
            self.cases.set_cases([])
            return
        pattern = self.search.text().strip()
        self.cases.set_cases(library.search_cases(pattern) if pattern else library.list_cases())
        if keep is not None:
            self.select_library_case(keep)
        self._update_buttons()

    def refresh_decisions(self) -> None:
        library = self.board.library()
        case_id = self.agenda_case_id()
        if library is None or case_id is None:
            self.decisions.set_decisions([], {})
        else:
            meetings = {m.id: m for m in library.list_meetings()}
            self.decisions.set_decisions(library.decisions(case_id), meetings)
        self._update_buttons()

    def _update_buttons(self) -> None:
        meeting = self.meeting_id() is not None
        agenda_case = self.agenda_case_id() is not None
        library_case = self.library_case_id() is not None
        row = self.agenda_view.currentIndex().row()
        self.up_button.setEnabled(agenda_case and row > 0)
        self.down_button.setEnabled(agenda_case and row < self.agenda.rowCount() - 1)
        self.remove_button.setEnabled(agenda_case)
        self.open_agenda_button.setEnabled(agenda_case)
        self.record_button.setEnabled(agenda_case)
        meeting_id = self.meeting_id()
        current = [
            d for d in self.decisions.decisions if d.is_current and d.meeting_id == meeting_id
        ]
        self.correct_button.setEnabled(bool(current))
        self.record_button.setEnabled(agenda_case and not current)
        self.add_button.setEnabled(meeting and library_case)
        self.export_button.setEnabled(library_case)
        self.open_case_button.setEnabled(library_case)
