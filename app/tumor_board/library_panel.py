"""The case-library dock: meetings (with their minutes) and agendas, the library's cases, and
decisions.

The panel only shows the library and says what the user asked for, through its signals; the
controllers (``app/tumor_board/*_controller.py``) do the work and call :meth:`refresh`. A read
that fails (a damaged library, a lost disk) empties the lists, says so in the dock and emits
``read_failed`` once; the dock keeps working and the next refresh tries again. A read that
fails because a shared library's server cannot be reached keeps what is shown and emits
``server_lost`` instead: the controller turns the banner on (:meth:`set_available`).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, Qt, Signal, SignalInstance
from PySide6.QtGui import QAction
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
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.tumor_board import summary
from app.tumor_board.models import (
    CaseListModel,
    DecisionTableModel,
    MeetingListModel,
    PagedCaseListModel,
)
from pathways.content import Content
from pathways.library import CaseLibrary, CaseSummary, LibraryError, LibraryUnavailable, Meeting

# Amber, dark text: visible on light and dark themes, and not the red of the privacy band.
BANNER_STYLE = (
    "QLabel#{name} {{ background: #FFC107; color: #000000; font-weight: bold; padding: 6px;"
    " border: 1px solid #8A6D00; }}"
)


def server_lost_text() -> str:
    from PySide6.QtCore import QCoreApplication

    return QCoreApplication.translate(
        "LibraryPanel",
        "The shared library's server cannot be reached. What is shown was loaded before; "
        "changes are refused until it is back. Reconnecting…",
    )


def banner(parent: QWidget, name: str) -> QLabel:
    """The "server cannot be reached" banner (hidden until the server is lost)."""
    label = _plain_label(parent, name)
    label.setStyleSheet(BANNER_STYLE.format(name=name))
    label.setText(server_lost_text())
    label.setAccessibleName(label.text())
    label.hide()
    return label


def _plain_label(parent: QWidget, name: str) -> QLabel:
    label = QLabel(parent)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)  # labels and names come from files
    return label


class LibraryPanel(QDockWidget):
    """Meeting and minutes, agenda, decisions for the selected agenda case, the library.

    Signals:
        new_meeting_requested, attendees_requested, sign_off_requested, amend_requested:
            the meeting buttons.
        agenda_move_requested(int): move the selected agenda case by -1 or +1.
        agenda_remove_requested, present_requested, record_requested, correct_requested,
        import_requested, store_requested, retry_requested: the buttons of those names.
        agenda_case_opened(int), library_case_opened(int): open a case in the window.
        add_to_agenda_requested(int), export_case_requested(int): act on a library case.
        selection_changed: the meeting or the agenda case changed.
        read_failed(str): the library could not be read (the message is fit to show); not
            repeated for the same problem until a refresh succeeds.
        server_lost(str): a read failed because the library's server cannot be reached.
        open_library_requested: the *Open library…* action.
    """

    new_meeting_requested = Signal()
    attendees_requested = Signal()
    sign_off_requested = Signal()
    amend_requested = Signal()
    agenda_move_requested = Signal(int)
    agenda_remove_requested = Signal()
    present_requested = Signal()
    record_requested = Signal()
    correct_requested = Signal()
    import_requested = Signal()
    store_requested = Signal()
    retry_requested = Signal()
    agenda_case_opened = Signal(int)
    library_case_opened = Signal(int)
    add_to_agenda_requested = Signal(int)
    export_case_requested = Signal(int)
    selection_changed = Signal()
    read_failed = Signal(str)
    server_lost = Signal(str)
    open_library_requested = Signal()

    def __init__(self, content: Content, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Tumor board"), parent)
        self.setObjectName("dock_tumor_board")
        self._library: CaseLibrary | None = None
        self._refreshing = False
        self._last_failure = ""
        self._available = True
        self._rights: frozenset[str] = frozenset()
        body = QWidget(self)
        body.setObjectName("tumor_board_panel")
        self.meetings = MeetingListModel(self)
        self.agenda = CaseListModel(self)
        # Read a page at a time as the list scrolls: a library may hold 100,000 cases.
        self.cases = PagedCaseListModel(self)
        self.decisions = DecisionTableModel(content, self)

        self.open_library_action = QAction(self.tr("&Open library…"), self)
        self.open_library_action.setObjectName("action_open_library")
        self.open_library_action.setToolTip(
            self.tr("Open another case library: a file, or a shared library on a server")
        )
        self.open_library_action.triggered.connect(self.open_library_requested)
        self.server_banner = banner(body, "library_server_banner")
        self.where = _plain_label(body, "library_where")
        self.open_library_button = QToolButton(body)
        self.open_library_button.setObjectName("button_open_library")
        self.open_library_button.setDefaultAction(self.open_library_action)
        self.meeting_combo = QComboBox(body)
        self.meeting_combo.setObjectName("meeting_combo")
        self.meeting_combo.setModel(self.meetings)
        self.meeting_combo.setAccessibleName(self.tr("Meeting"))
        self.new_meeting_button = self._button(body, "button_new_meeting", self.tr("New…"))
        self.minutes = _plain_label(body, "minutes_status")
        self.attendees_button = self._button(body, "button_attendees", self.tr("Attendees…"))
        self.sign_off_button = self._button(body, "button_sign_off", self.tr("Sign off…"))
        self.amend_button = self._button(body, "button_amend", self.tr("Amend…"))
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
        self.since = _plain_label(body, "since_decision")
        self.practice = _plain_label(body, "local_practice")
        self.practice.setToolTip(
            self.tr(
                "Counted from this library's earlier decisions only. Local practice is not "
                "evidence and never changes the ranking."
            )
        )
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
        self.status = _plain_label(body, "library_status")
        self.retry_button = self._button(body, "button_library_retry", self.tr("Try again"))
        self.retry_button.hide()

        layout = QVBoxLayout(body)
        layout.addWidget(self.server_banner)
        place = QHBoxLayout()
        place.addWidget(self.where, 1)
        place.addWidget(self.open_library_button)
        layout.addLayout(place)
        row = QHBoxLayout()
        row.addWidget(self._caption(body, self.tr("&Meeting:"), self.meeting_combo))
        row.addWidget(self.meeting_combo, 1)
        row.addWidget(self.new_meeting_button)
        layout.addLayout(row)
        layout.addWidget(self.minutes)
        layout.addLayout(self._row(self.attendees_button, self.sign_off_button, self.amend_button))
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
        layout.addWidget(self.since)
        layout.addLayout(self._row(self.record_button, self.correct_button))
        layout.addWidget(self.practice)
        layout.addWidget(self._caption(body, self.tr("&Library"), self.search))
        layout.addWidget(self.search)
        layout.addWidget(self.case_view, 3)
        layout.addLayout(self._row(self.add_button, self.import_button, self.store_button))
        layout.addLayout(self._row(self.open_case_button, self.export_button))
        layout.addWidget(self.status)
        layout.addLayout(self._row(self.retry_button))
        self.setWidget(body)
        self._connect()
        self.set_since("")
        self.set_practice("")

    def _connect(self) -> None:
        self.meeting_combo.currentIndexChanged.connect(self._on_meeting_combo_changed)
        self.agenda_view.selectionModel().currentChanged.connect(self._on_agenda_current_changed)
        self.case_view.selectionModel().currentChanged.connect(lambda *_: self._update_buttons())
        self.agenda_view.activated.connect(lambda _i: self._emit_id(self.agenda_case_opened))
        self.case_view.activated.connect(lambda _i: self._emit_library(self.library_case_opened))
        self.search.textChanged.connect(lambda _t: self.refresh_cases())
        clicks: list[tuple[QPushButton, Callable[[], None]]] = [
            (self.new_meeting_button, self.new_meeting_requested.emit),
            (self.attendees_button, self.attendees_requested.emit),
            (self.sign_off_button, self.sign_off_requested.emit),
            (self.amend_button, self.amend_requested.emit),
            (self.up_button, lambda: self.agenda_move_requested.emit(-1)),
            (self.down_button, lambda: self.agenda_move_requested.emit(1)),
            (self.remove_button, self.agenda_remove_requested.emit),
            (self.open_agenda_button, lambda: self._emit_id(self.agenda_case_opened)),
            (self.present_button, self.present_requested.emit),
            (self.record_button, self.record_requested.emit),
            (self.correct_button, self.correct_requested.emit),
            (self.add_button, lambda: self._emit_library(self.add_to_agenda_requested)),
            (self.import_button, self.import_requested.emit),
            (self.store_button, self.store_requested.emit),
            (self.export_button, lambda: self._emit_library(self.export_case_requested)),
            (self.open_case_button, lambda: self._emit_library(self.library_case_opened)),
            (self.retry_button, self.retry_requested.emit),
        ]
        for button, slot in clicks:
            button.clicked.connect(slot)

    def _emit_id(self, signal: SignalInstance) -> None:
        case_id = self.agenda_case_id()
        if case_id is not None:
            signal.emit(case_id)

    def _emit_library(self, signal: SignalInstance) -> None:
        case_id = self.library_case_id()
        if case_id is not None:
            signal.emit(case_id)

    def _on_meeting_combo_changed(self, _row: int) -> None:
        self.refresh_agenda()
        self.selection_changed.emit()

    def _on_agenda_current_changed(self, *_args: object) -> None:
        self.refresh_decisions()
        self.selection_changed.emit()

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
        meeting = self.meeting()
        return meeting.id if meeting is not None else None

    def meeting(self) -> Meeting | None:
        row = self.meeting_combo.currentIndex()
        meetings = self.meetings.meetings
        return meetings[row] if 0 <= row < len(meetings) else None

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
        row = self.cases.fetch_until(case_id)
        self.case_view.setCurrentIndex(self.cases.index(row) if row >= 0 else QModelIndex())

    # ------------------------------------------------------------------ notes
    def set_since(self, note: str) -> None:
        self.since.setText(note)
        self.since.setVisible(bool(note))

    def set_practice(self, note: str) -> None:
        self.practice.setText(note)
        self.practice.setVisible(bool(note))

    # ------------------------------------------------------------------ refresh
    def set_library(self, library: CaseLibrary | None, problem: str = "") -> None:
        """Show ``library`` (None: none could be opened, ``problem`` says why)."""
        self._library = library
        self._available = True
        self.server_banner.hide()
        self.meeting_combo.setEnabled(True)
        self.retry_button.setVisible(library is None)
        self._show_where()
        if library is None:
            self.meetings.clear()
            self.agenda.set_cases([])
            self.cases.clear()
            self.decisions.set_decisions([], {})
            self.status.setText(problem)
            self.minutes.setText("")
            self._update_buttons()
            return
        self.refresh()

    def _safely(self, refresh: Callable[[CaseLibrary], None]) -> None:
        """Run a refresh; a failed read is reported once, by the outermost refresh. Nothing is
        read while the server is lost: each try could wait for the network."""
        library = self._library
        if library is None or not self._available:
            return
        if self._refreshing:
            refresh(library)
            return
        self._refreshing = True
        try:
            refresh(library)
            self._last_failure = ""
        except LibraryUnavailable as exc:
            # What was loaded stays on screen (the banner says it may be out of date).
            self._update_buttons()
            self.server_lost.emit(str(exc))
        except LibraryError as exc:
            message = str(exc)
            self.status.setText(message)
            self.agenda.set_cases([])
            self.decisions.set_decisions([], {})
            self._update_buttons()
            if message != self._last_failure:  # the same problem again is not a new dialog
                self._last_failure = message
                self.read_failed.emit(message)
        finally:
            self._refreshing = False

    def refresh(self) -> None:
        self._safely(self._refresh_all)

    def refresh_changed(self, tables: frozenset[str]) -> None:
        """After a change made elsewhere (``tables``; ``*``: any): the library's case list,
        which may be long, is read again only when cases changed."""
        if "*" in tables or "cases" in tables:
            self.refresh()
        else:
            self._safely(self._refresh_meetings)

    def _refresh_all(self, library: CaseLibrary) -> None:
        # What this login may change (the database's grants on a shared library): what would
        # be refused is not offered. Read again at each full refresh: roles can be granted.
        self._rights = library.rights()
        self._refresh_meetings(library)
        self._refresh_cases(library)
        self._show_where()
        where = library.where
        if library.read_only:
            where = self.tr("{path} (read-only: {why})").format(
                path=where, why=library.read_only_reason
            )
        self.status.setText(self.tr("Library: {path}").format(path=where))

    def _refresh_meetings(self, library: CaseLibrary) -> None:
        """The meetings, and the selected one's minutes, agenda and decisions."""
        keep = self.meeting_id()
        self.meeting_combo.blockSignals(True)
        try:
            self.meetings.refresh(library)
            row = self.meetings.row_of(keep) if keep is not None else 0
            self.meeting_combo.setCurrentIndex(max(row, 0) if self.meetings.rowCount() else -1)
        finally:
            self.meeting_combo.blockSignals(False)
        self._refresh_agenda(library)

    def _show_where(self) -> None:
        """Where the library is, and on a server who the server records as the author."""
        library = self._library
        if library is None:
            self.where.setText(self.tr("No case library is open."))
        elif library.login:
            self.where.setText(
                self.tr("Shared library: {where} — signed in as {login}").format(
                    where=library.where, login=library.login
                )
            )
        else:
            self.where.setText(self.tr("Library file: {where}").format(where=library.where))

    def set_available(self, available: bool) -> None:
        """The server was lost (banner on, changes off; rows kept) or is back (banner off)."""
        self._available = available
        self.server_banner.setVisible(not available)
        self.meeting_combo.setEnabled(available)  # another meeting's agenda cannot be read
        self._update_buttons()

    def refresh_agenda(self) -> None:
        self._safely(self._refresh_agenda)

    def _refresh_agenda(self, library: CaseLibrary) -> None:
        keep = self.agenda_case_id()
        meeting = self.meeting_id()
        if meeting is None:
            self.agenda.set_cases([])
            self.minutes.setText("")
        else:
            fresh = library.get_meeting(meeting)
            self.meetings.update(fresh)
            items = library.agenda(meeting)
            decided = {d.case_id for d in library.meeting_decisions(meeting)}
            self.agenda.set_cases(items, decided, numbered=True)
            self.minutes.setText(
                summary.minutes_status(
                    fresh, library.attendees(meeting), library.minutes_history(meeting)
                )
            )
        if keep is not None:
            self.select_agenda_case(keep)
        self._refresh_decisions(library)

    def refresh_cases(self) -> None:
        self._safely(self._refresh_cases)

    def _refresh_cases(self, library: CaseLibrary) -> None:
        keep = self.library_case_id()
        pattern = self.search.text().strip()

        def page(after: CaseSummary | None, limit: int) -> list[CaseSummary]:
            if pattern:
                return library.search_cases(pattern, after=after, limit=limit)
            return library.list_cases(after=after, limit=limit)

        self.cases.load(page)
        if keep is not None:
            self.select_library_case(keep)
        self._update_buttons()

    def refresh_decisions(self) -> None:
        if not self._available:
            # Another agenda case was selected while its decisions cannot be read: the ones on
            # screen belong to the previous case and must not be shown beside this one.
            selected = self.agenda_case_id()
            if any(d.case_id != selected for d in self.decisions.decisions):
                self.decisions.set_decisions([], {})
                self._update_buttons()
            return
        self._safely(self._refresh_decisions)

    def _refresh_decisions(self, library: CaseLibrary) -> None:
        case_id = self.agenda_case_id()
        if case_id is None:
            self.decisions.set_decisions([], {})
        else:
            meetings = {m.id: m for m in library.list_meetings()}
            self.decisions.set_decisions(library.decisions(case_id), meetings)
        self._update_buttons()

    def _update_buttons(self) -> None:
        library = self._library
        writable = library is not None and not library.read_only and self._available
        meeting = self.meeting()
        open_meeting = writable and meeting is not None and not meeting.signed_off
        agenda_case = self.agenda_case_id() is not None
        library_case = self.library_case_id() is not None
        row = self.agenda_view.currentIndex().row()
        meeting_id = meeting.id if meeting is not None else None
        current = [
            d for d in self.decisions.decisions if d.is_current and d.meeting_id == meeting_id
        ]
        may = self._rights.__contains__
        agenda_ok, minutes_ok = open_meeting and may("meetings"), may("minutes")
        self.new_meeting_button.setEnabled(writable and may("meetings"))
        self.attendees_button.setEnabled(agenda_ok)
        self.sign_off_button.setEnabled(open_meeting and minutes_ok)
        self.amend_button.setEnabled(
            writable and minutes_ok and meeting is not None and meeting.signed_off
        )
        self.up_button.setEnabled(agenda_ok and agenda_case and row > 0)
        self.down_button.setEnabled(agenda_ok and agenda_case and row < self.agenda.rowCount() - 1)
        self.remove_button.setEnabled(agenda_ok and agenda_case)
        self.open_agenda_button.setEnabled(agenda_case)
        decide_ok = open_meeting and may("decisions")
        self.record_button.setEnabled(decide_ok and agenda_case and not current)
        self.correct_button.setEnabled(decide_ok and bool(current))
        self.add_button.setEnabled(agenda_ok and library_case)
        self.import_button.setEnabled(writable and may("cases"))
        self.store_button.setEnabled(writable and may("cases"))
        self.export_button.setEnabled(library_case)
        self.open_case_button.setEnabled(library_case)
        frozen = self.tr(
            "The meeting is signed off: it can no longer be changed. Amend… reopens it as a new "
            "version, with a reason."
        )
        tip = frozen if meeting is not None and meeting.signed_off else ""
        frozen_buttons = (
            self.attendees_button,
            self.sign_off_button,
            self.up_button,
            self.down_button,
            self.remove_button,
            self.record_button,
            self.correct_button,
            self.add_button,
        )
        for button in frozen_buttons:
            button.setToolTip(tip)
        self._explain_rights(writable, frozen_buttons)

    def _explain_rights(self, writable: bool, keep: tuple[QPushButton, ...]) -> None:
        """Say on each button the login may not use which role it lacks (shared library);
        the other buttons keep the tool tip just set (``keep``) or get none."""
        library = self._library
        login = library.login if library is not None else None
        roles = {
            "meetings": (
                "pathways_coordinator",
                (
                    self.new_meeting_button,
                    self.attendees_button,
                    self.up_button,
                    self.down_button,
                    self.remove_button,
                    self.add_button,
                ),
            ),
            "cases": ("pathways_member", (self.import_button, self.store_button)),
            "decisions": ("pathways_member", (self.record_button, self.correct_button)),
            "minutes": ("pathways_chair", (self.sign_off_button, self.amend_button)),
        }
        for right, (role, buttons) in roles.items():
            lacking = writable and login is not None and right not in self._rights
            text = self.tr("Your login {login} may not do this: it needs the role {role}.")
            for button in buttons:
                if lacking:
                    button.setToolTip(text.format(login=login, role=role))
                elif button not in keep:
                    button.setToolTip("")
