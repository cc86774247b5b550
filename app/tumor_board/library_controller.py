"""The case library behind the dock: opening it (and trying again after a failure), switching
to another one, live refresh, a lost server, cases, meetings and agendas, and the link between
the open document and a library case.

A library that cannot be opened is reported once, in a dialog and in the dock; it is tried
again when the user asks (the dock's *Try again*, or showing the dock again), never disabled
until a restart. Every edit is one library transaction; a failed one is one dialog.

A shared library (PostgreSQL) whose server cannot be reached is not closed: what was loaded
stays on screen, a banner says so (:attr:`available` is False), every write is refused with
one dialog, and :meth:`CaseLibrary.reconnect` is tried every two seconds on a timer; when it
succeeds, the banner goes and everything is refreshed.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QSettings, QTimer, Signal

from app import text
from app.tumor_board import dialogs as board_dialogs
from app.tumor_board.context import BoardContext
from app.tumor_board.live import LibraryWatcher
from app.tumor_board.storage import (
    LibraryBinding,
    Location,
    case_from_library,
    remember_location,
)
from pathways import safe_write
from pathways.case import Case, dump_case, load_case
from pathways.errors import PathwayError
from pathways.library import (
    CaseLibrary,
    LibraryError,
    LibraryUnavailable,
    PasswordRequired,
    address_has_password,
)

if TYPE_CHECKING:
    from concurrent.futures import Future

log = logging.getLogger(__name__)

MAX_PASSWORD_TRIES = 3  # a password asked for again after a refusal, then the error
RECONNECT_MS = 2000  # a lost server is tried again this long after the last try ended
PROBE_CHECK_MS = 100  # how often the window looks whether a try (in a thread) has ended


def _can_open(location: Location, password: str | None = None) -> bool:
    """Whether the library can be opened now (run in a worker thread, on its own connection:
    nothing is shared with the window's)."""
    try:
        CaseLibrary.open(location, read_only=True, password=password).close()
    except Exception:  # any failure means "not yet"; the message is not needed here
        return False
    return True


class LibraryController(QObject):
    """Owns the open :class:`CaseLibrary` (opened on first use) and the document's binding.

    Signals:
        library_changed(object): the library was opened (the CaseLibrary) or failed (None).
        cases_changed: cases were added or edited.
        agenda_changed(int, int): the agenda of meeting ``m`` changed; select case ``c`` (0: none).
        meeting_created(int): a new meeting.
        case_bound(int): the window now shows library case ``id`` (0: a file or a new case).
        changed_elsewhere(frozenset): another workstation (or window) changed these tables
            (``{"*"}``: anything); also after the server came back.
        availability_changed(bool): the library's server was lost (False) or is back (True).
    """

    library_changed = Signal(object)
    cases_changed = Signal()
    agenda_changed = Signal(int, int)
    meeting_created = Signal(int)
    case_bound = Signal(int)
    changed_elsewhere = Signal(frozenset)
    availability_changed = Signal(bool)

    def __init__(
        self,
        ctx: BoardContext,
        db_path: Location,
        parent: QObject | None = None,
        settings: QSettings | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.location: Location = db_path
        self._settings = settings  # where Open library… remembers its choice
        self._library: CaseLibrary | None = None
        self._password: str | None = None  # typed when the server asked: memory only
        self._watcher: LibraryWatcher | None = None
        self.available = True
        self.problem: str | None = None  # why the last attempt to open failed (for the dock)
        self._reconnect = QTimer(self)
        self._reconnect.setSingleShot(True)  # the next try is armed after this one ends
        self._reconnect.setInterval(RECONNECT_MS)
        self._reconnect.timeout.connect(self._on_reconnect_timeout)
        self._probe: Future[bool] | None = None  # a reconnection try running in a thread
        self._probe_check = QTimer(self)
        self._probe_check.setInterval(PROBE_CHECK_MS)
        self._probe_check.timeout.connect(self._on_probe_check)
        self.binding = LibraryBinding(ctx.document, self)
        self.binding.case_written.connect(lambda _id: self.cases_changed.emit())
        self.binding.write_failed.connect(self._on_binding_write_failed)
        self.binding.bound_changed.connect(self.case_bound)
        self.binding.reachable = lambda: self.available
        # Live refresh and reconnection run while the window is open, not after it closed.
        ctx.parent.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.ctx.parent and self._library is not None:
            # Spontaneous hides are the window system's (minimized while presenting): ignored.
            if event.type() == QEvent.Type.Hide and not event.spontaneous():
                self._stop_watching()
                self._reconnect.stop()
                self._probe_check.stop()
                self._probe = None
            elif event.type() == QEvent.Type.Show and self._watcher is None:
                if self.available:
                    self._watch()
                    self.changed_elsewhere.emit(frozenset({"*"}))  # what happened meanwhile
                elif not self._reconnect.isActive():
                    self._reconnect.start()
        return False

    @property
    def watching_socket(self) -> bool:
        """Whether other workstations' changes arrive on a socket (PostgreSQL's notifications)
        rather than by polling on a timer (a file)."""
        return self._watcher is not None and self._watcher.uses_socket

    @property
    def db_path(self) -> Path | None:
        """The library's file (an export must never replace it), or None on a server."""
        return self.location if isinstance(self.location, Path) else None

    # ------------------------------------------------------------------ opening
    @property
    def is_open(self) -> bool:
        return self._library is not None

    def library(self) -> CaseLibrary | None:
        """The open library, opened on first use. After a failure: None, without a new dialog,
        until :meth:`retry` (the dock's *Try again*, or showing the dock again): one problem is
        one dialog, and nothing stays disabled until a restart."""
        if self._library is None and self.problem is None:
            self._open()
        return self._library

    def current(self) -> CaseLibrary | None:
        """The open library, or None; never tries to open it (for refreshes and notes)."""
        return self._library

    def retry(self) -> CaseLibrary | None:
        """Try to open the library again, whatever happened last time."""
        if self._library is None:
            self.problem = None
            self._open()
        return self._library

    def _open(self) -> None:
        library = self._try_open(self.location)
        if library is None:
            self.library_changed.emit(None)
            return
        self._start(library)

    def _try_open(self, location: Location) -> CaseLibrary | None:
        """The library at ``location``, or None after one dialog (:attr:`problem` says why)."""
        from app.library_location import library_location_problem

        problem = library_location_problem(location)  # SQLite over a network: refused
        if problem is not None:
            self.problem = problem
            self.ctx.error(self.tr("Cannot open the case library"), problem)
            return None
        password = self._password if location == self.location else None
        for attempt in range(MAX_PASSWORD_TRIES + 1):
            try:
                library = CaseLibrary.open(location, password=password)
                break
            except PasswordRequired as exc:
                if attempt == MAX_PASSWORD_TRIES:
                    self.problem = str(exc)
                    self.ctx.error(self.tr("Cannot open the case library"), exc)
                    return None
                password = board_dialogs.ask_password(
                    self.ctx.parent, exc.where, retry=password is not None
                )
                if password is None:
                    self.problem = str(exc)
                    return None
            except LibraryError as exc:
                self.problem = str(exc)
                self.ctx.error(self.tr("Cannot open the case library"), exc)
                return None
        self._password = password
        self.problem = None
        return library

    def _start(self, library: CaseLibrary) -> None:
        self._library = library
        self.available = True
        mode = ", read-only" if library.read_only else ""
        log.info("case library opened (%s%s)", library.backend, mode)
        self._watch()
        self.library_changed.emit(library)

    def open_location(self, location: Location) -> bool:
        """Switch to the library at ``location`` (the old one stays open if it cannot be)."""
        library = self._try_open(location)
        if library is None:
            if self._library is None:
                self.library_changed.emit(None)
            return False
        if self.binding.case_id is not None:
            # The case shown was saved to the old library; from now on it is a plain document.
            self.binding.release()
            self.ctx.status(self.tr("The open case is no longer saved to a library."))
        self.close()
        self.location = location
        if not (isinstance(location, str) and address_has_password(location)):
            remember_location(self._settings, location)
        self._start(library)
        return True

    def choose_library(self) -> bool:
        """Open library…: ask for a file or a server address, then switch to it."""
        answer = board_dialogs.ask_library_location(self.ctx.parent, self.location)
        if answer is None:
            return False
        return self.open_location(answer)

    def close(self) -> None:
        self._stop_watching()
        self._reconnect.stop()
        self._probe_check.stop()
        self._probe = None  # a try still running is ignored when it ends
        if not self.available:  # the lost server's banner goes with its library
            self.available = True
            self.availability_changed.emit(True)
        if self._library is not None:
            self._library.close()
            self._library = None

    # ------------------------------------------------------------------ live refresh
    def _watch(self) -> None:
        """Follow other workstations' changes (a failure to watch is not fatal: no refresh)."""
        self._stop_watching()
        library = self._library
        if library is None or not self.ctx.parent.isVisible():
            return
        try:
            watcher = LibraryWatcher(library, self)
        except LibraryUnavailable:
            self.lost()
            return
        except LibraryError as exc:
            log.warning("live refresh unavailable: %s", type(exc).__name__)
            return
        watcher.changed.connect(self.changed_elsewhere)
        watcher.failed.connect(self._on_watcher_failed)
        self._watcher = watcher

    def _stop_watching(self) -> None:
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            watcher.stop()
            watcher.deleteLater()

    def _on_watcher_failed(self, _message: str) -> None:
        # A connection killed on the server (restart, pg_terminate_backend) is replaced at once
        # when it can be, without a banner; otherwise the server is gone.
        self._stop_watching()
        if not self._back():
            self.lost()

    def lost(self) -> None:
        """The server cannot be reached: banner on, keep what is shown, retry on a timer."""
        if self._library is None:
            return
        if self.available:
            log.warning("case library server lost")
            self.available = False
            self._stop_watching()
            self.availability_changed.emit(False)
        if not self._reconnect.isActive():
            self._reconnect.start()

    def _on_reconnect_timeout(self) -> None:
        """Ask, in a worker thread, whether the library can be opened: an unreachable host
        makes a connection wait up to its timeout (5 s), which the window must not."""
        if self._library is None or self.available or self._probe is not None:
            return
        from concurrent.futures import ThreadPoolExecutor

        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="library-probe")
        self._probe = executor.submit(_can_open, self.location, self._password)
        executor.shutdown(wait=False)  # the thread ends with the probe
        self._probe_check.start()

    def _on_probe_check(self) -> None:
        probe = self._probe
        if probe is None or not probe.done():
            return
        self._probe_check.stop()
        self._probe = None
        if self._library is None or self.available:
            return
        # Reached from the worker: this connection's own reconnection is quick now.
        if not (probe.result() and self._back()):
            self._reconnect.start()

    def _back(self) -> bool:
        """Try to reach the server; when it answers, watch again and refresh everything."""
        library = self._library
        if library is None or not library.reconnect():
            return False
        self._watch()
        watching = self.ctx.parent.isVisible()
        if watching and self._watcher is None and library.backend == "postgresql":
            return False  # reached, then lost again while listening: keep trying
        if not self.available:
            log.info("case library server back")
            self.available = True
            self.availability_changed.emit(True)
            self.binding.flush()  # an edit refused meanwhile is saved now
        self.changed_elsewhere.emit(frozenset({"*"}))  # notifications meanwhile are lost
        return True

    def failed(self, title: str, exc: Exception) -> None:
        """One dialog for a failed read or write; a lost server also turns the banner on."""
        if isinstance(exc, LibraryUnavailable):
            self.lost()
        self.ctx.error(title, exc)

    def _on_binding_write_failed(self, message: str) -> None:
        library = self._library
        if self.available and library is not None and not library.reconnect():
            self.lost()
        self.ctx.error(self.tr("The edit was not saved to the library"), message)

    def reachable(self, title: str) -> CaseLibrary | None:
        """The library for a change, or None after one dialog while its server is lost (the
        change is refused at once rather than after waiting for the network)."""
        library = self.library()
        if library is not None and not self.available:
            self.ctx.error(
                title,
                self.tr(
                    "The shared library's server cannot be reached: nothing was changed. "
                    "Changes are possible again as soon as it is back (the banner then goes)."
                ),
            )
            return None
        return library

    def _writable(self, title: str) -> CaseLibrary | None:
        library = self.reachable(title)
        if library is not None and library.read_only:
            self.ctx.error(
                title,
                self.tr("The case library is read-only ({why}).").format(
                    why=library.read_only_reason
                ),
            )
            return None
        return library

    # ------------------------------------------------------------------ meetings and agendas
    def new_meeting(self) -> int | None:
        title = self.tr("Cannot create the meeting")
        library = self._writable(title)
        answer = board_dialogs.ask_meeting(self.ctx.parent) if library is not None else None
        if library is None or answer is None:
            return None
        try:
            meeting_id = library.create_meeting(*answer)
        except LibraryError as exc:
            self.failed(title, exc)
            return None
        self.meeting_created.emit(meeting_id)
        return meeting_id

    def add_to_agenda(self, meeting_id: int | None, case_id: int) -> bool:
        library = self.reachable(self.tr("Cannot add the case to the agenda"))
        if library is None or meeting_id is None:
            return False
        try:
            library.add_to_agenda(meeting_id, case_id)
        except LibraryError as exc:
            self.failed(self.tr("Cannot add the case to the agenda"), exc)
            return False
        self.agenda_changed.emit(meeting_id, case_id)
        return True

    def move(self, meeting_id: int | None, case_id: int | None, delta: int) -> None:
        library = self.reachable(self.tr("Cannot move the case"))
        if library is None or meeting_id is None or case_id is None:
            return
        try:
            ids = [c.id for c in library.agenda(meeting_id)]
            library.move_in_agenda(meeting_id, case_id, ids.index(case_id) + delta)
        except (LibraryError, ValueError) as exc:
            self.failed(self.tr("Cannot move the case"), exc)
        self.agenda_changed.emit(meeting_id, case_id)

    def remove_from_agenda(self, meeting_id: int | None, case_id: int | None) -> None:
        """Off the agenda only: the case stays in the library."""
        library = self.reachable(self.tr("Cannot remove the case from the agenda"))
        if library is None or meeting_id is None or case_id is None:
            return
        try:
            library.remove_from_agenda(meeting_id, case_id)
        except LibraryError as exc:
            self.failed(self.tr("Cannot remove the case from the agenda"), exc)
        self.agenda_changed.emit(meeting_id, 0)

    # ------------------------------------------------------------------ cases
    def import_files(self, meeting_id: int | None, paths: list[Path] | None = None) -> list[int]:
        """Store case files in the library (and on the meeting's agenda, if one is given)."""
        library = self._writable(self.tr("Cannot import cases"))
        if library is None:
            return []
        if meeting_id is not None:
            try:
                if library.get_meeting(meeting_id).signed_off:
                    meeting_id = None  # a signed-off agenda is frozen: into the library only
            except LibraryError as exc:
                self.failed(self.tr("Cannot import cases"), exc)
                return []
        if paths is None:
            paths = board_dialogs.ask_import_paths(self.ctx.parent, str(self.ctx.folder()))
        ids = []
        for path in paths:
            try:
                case = load_case(path, self.ctx.content)
                case_id = library.add_case(dump_case(case))
            except LibraryUnavailable as exc:
                self.failed(self.tr("Cannot import {name}").format(name=path.name), exc)
                break  # the server is gone: one dialog, not one per file
            except (PathwayError, LibraryError) as exc:
                self.ctx.error(self.tr("Cannot import {name}").format(name=path.name), exc)
                continue
            ids.append(case_id)
            if meeting_id is not None:
                self.add_to_agenda(meeting_id, case_id)
        self.cases_changed.emit()
        return ids

    def store_open_case(self) -> int | None:
        """Put the case shown in the window into the library; from now on it is saved there."""
        library = self._writable(self.tr("Cannot store the case"))
        if library is None:
            return None
        case = self.ctx.document.case
        try:
            case_id = library.add_case(dump_case(case))
        except LibraryError as exc:
            self.failed(self.tr("Cannot store the case"), exc)
            return None
        self.binding.open(library, case_id, case)
        self.cases_changed.emit()
        return case_id

    def load(self, case_id: int) -> Case | None:
        """A library case parsed with the content, or None after one error dialog."""
        library = self.library()
        if library is None:
            return None
        try:
            return case_from_library(library, case_id, self.ctx.content)
        except (PathwayError, LibraryError) as exc:
            self.failed(self.tr("Cannot open the library case"), exc)
            return None

    def open_case(self, case_id: int) -> bool:
        library = self.library()
        if library is None or not self.ctx.maybe_save():
            return False
        case = self.load(case_id)
        if case is None:
            return False
        self.binding.open(library, case_id, case)
        return True

    def export_case_file(self, case_id: int) -> bool:
        library = self.library()
        if library is None:
            return False
        try:
            stored = library.get_case(case_id)
        except LibraryError as exc:
            self.failed(self.tr("Cannot export the case"), exc)
            return False
        suggested = self.ctx.folder() / text.suggested_name(stored.label, ".json")
        path = board_dialogs.ask_case_export_path(self.ctx.parent, str(suggested))
        if path is None:
            return False
        try:  # whole or not at all (pathways.safe_write)
            safe_write.write_text(path, stored.case_json)
        except PathwayError as exc:
            self.failed(self.tr("Cannot export the case"), exc)
            return False
        return True
