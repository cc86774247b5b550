"""The case library behind the dock: opening it (and trying again after a failure), cases,
meetings and agendas, and the link between the open document and a library case.

A library that cannot be opened is reported once, in a dialog and in the dock; it is tried
again when the user asks (the dock's *Try again*, or showing the dock again), never disabled
until a restart. Every edit is one library transaction; a failed one is one dialog.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from app.tumor_board import dialogs as board_dialogs
from app.tumor_board import report
from app.tumor_board.context import BoardContext
from app.tumor_board.storage import LibraryBinding, case_from_library
from pathways import safe_write
from pathways.case import Case, dump_case, load_case
from pathways.errors import PathwayError
from pathways.library import CaseLibrary, LibraryError

log = logging.getLogger(__name__)


class LibraryController(QObject):
    """Owns the open :class:`CaseLibrary` (opened on first use) and the document's binding.

    Signals:
        library_changed(object): the library was opened (the CaseLibrary) or failed (None).
        cases_changed: cases were added or edited.
        agenda_changed(int, int): the agenda of meeting ``m`` changed; select case ``c`` (0: none).
        meeting_created(int): a new meeting.
        case_bound(int): the window now shows library case ``id`` (0: a file or a new case).
    """

    library_changed = Signal(object)
    cases_changed = Signal()
    agenda_changed = Signal(int, int)
    meeting_created = Signal(int)
    case_bound = Signal(int)

    def __init__(self, ctx: BoardContext, db_path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.db_path = db_path
        self._library: CaseLibrary | None = None
        self.problem: str | None = None  # why the last attempt to open failed (for the dock)
        self.binding = LibraryBinding(ctx.document, self)
        self.binding.case_written.connect(lambda _id: self.cases_changed.emit())
        self.binding.write_failed.connect(
            lambda message: ctx.error(self.tr("The edit was not saved to the library"), message)
        )
        self.binding.bound_changed.connect(self.case_bound)

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
        from app.library_location import library_location_problem

        problem = library_location_problem(self.db_path)  # SQLite over a network: refused
        if problem is not None:
            self.problem = problem
            self.library_changed.emit(None)
            self.ctx.error(self.tr("Cannot open the case library"), problem)
            return
        try:
            self._library = CaseLibrary.open(self.db_path)
            self.problem = None
        except LibraryError as exc:
            self.problem = str(exc)
            self.library_changed.emit(None)
            self.ctx.error(self.tr("Cannot open the case library"), exc)
            return
        log.info("case library opened%s", " read-only" if self._library.read_only else "")
        self.library_changed.emit(self._library)

    def close(self) -> None:
        if self._library is not None:
            self._library.close()
            self._library = None

    def _writable(self, title: str) -> CaseLibrary | None:
        library = self.library()
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
            self.ctx.error(title, exc)
            return None
        self.meeting_created.emit(meeting_id)
        return meeting_id

    def add_to_agenda(self, meeting_id: int | None, case_id: int) -> bool:
        library = self.library()
        if library is None or meeting_id is None:
            return False
        try:
            library.add_to_agenda(meeting_id, case_id)
        except LibraryError as exc:
            self.ctx.error(self.tr("Cannot add the case to the agenda"), exc)
            return False
        self.agenda_changed.emit(meeting_id, case_id)
        return True

    def move(self, meeting_id: int | None, case_id: int | None, delta: int) -> None:
        library = self.library()
        if library is None or meeting_id is None or case_id is None:
            return
        try:
            ids = [c.id for c in library.agenda(meeting_id)]
            library.move_in_agenda(meeting_id, case_id, ids.index(case_id) + delta)
        except (LibraryError, ValueError) as exc:
            self.ctx.error(self.tr("Cannot move the case"), exc)
        self.agenda_changed.emit(meeting_id, case_id)

    def remove_from_agenda(self, meeting_id: int | None, case_id: int | None) -> None:
        """Off the agenda only: the case stays in the library."""
        library = self.library()
        if library is None or meeting_id is None or case_id is None:
            return
        try:
            library.remove_from_agenda(meeting_id, case_id)
        except LibraryError as exc:
            self.ctx.error(self.tr("Cannot remove the case from the agenda"), exc)
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
                self.ctx.error(self.tr("Cannot import cases"), exc)
                return []
        if paths is None:
            paths = board_dialogs.ask_import_paths(self.ctx.parent, str(self.ctx.folder()))
        ids = []
        for path in paths:
            try:
                case = load_case(path, self.ctx.content)
                case_id = library.add_case(dump_case(case))
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
            self.ctx.error(self.tr("Cannot store the case"), exc)
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
            self.ctx.error(self.tr("Cannot open the library case"), exc)
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
            self.ctx.error(self.tr("Cannot export the case"), exc)
            return False
        suggested = self.ctx.folder() / report.suggested_name(stored.label, ".json")
        path = board_dialogs.ask_case_export_path(self.ctx.parent, str(suggested))
        if path is None:
            return False
        try:  # whole or not at all (pathways.safe_write)
            safe_write.write_text(path, stored.case_json)
        except PathwayError as exc:
            self.ctx.error(self.tr("Cannot export the case"), exc)
            return False
        return True
