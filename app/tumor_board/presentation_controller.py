"""Presenting a meeting: which cases, where to start, recording decisions from the projector.

A decision recorded (or corrected) from the presentation goes through the same
:class:`DecisionController` as from the dock; the presentation then shows it at once. What
another workstation changes reaches the presentation too (``changed_elsewhere``), and a lost
server shows the same band as in the dock.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal

from app.tumor_board.context import BoardContext
from app.tumor_board.decision_controller import DecisionController
from app.tumor_board.library_controller import LibraryController
from app.tumor_board.presentation import PresentationWindow, PresentedCase
from pathways.errors import PathwayError
from pathways.library import CaseLibrary, LibraryError, LibraryUnavailable

log = logging.getLogger(__name__)


class PresentationController(QObject):
    """Signals:
    privacy_changed(bool): identifiers shown or hidden in the presentation.
    ended: the presentation closed.
    """

    privacy_changed = Signal(bool)
    ended = Signal()

    def __init__(
        self,
        ctx: BoardContext,
        library: LibraryController,
        decisions: DecisionController,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.library = library
        self.decisions = decisions
        self.view: PresentationWindow | None = None
        self._meeting: int | None = None
        library.changed_elsewhere.connect(lambda _tables: self.refresh())
        library.availability_changed.connect(self._on_availability_changed)
        decisions.decision_recorded.connect(lambda _m, _c, _d: self.refresh())

    def _entry(self, library: CaseLibrary, meeting_id: int, case_id: int) -> PresentedCase:
        """Raises PathwayError or LibraryError."""
        from app.tumor_board.storage import case_from_library

        versions = tuple(library.decisions(case_id, meeting_id))
        since = tuple(self.decisions.since_note(versions[-1])) if versions else ()
        case = case_from_library(library, case_id, self.ctx.content)
        return PresentedCase(case, case_id, versions, since)

    def cases(
        self, meeting_id: int | None, selected: int | None
    ) -> tuple[list[PresentedCase], int] | None:
        """The meeting's agenda and where to start (the open case, else the selected one), or
        just the open case; None after an error dialog."""
        library = self.library.current()
        bound = self.library.binding.case_id
        if library is not None and meeting_id is not None:
            try:
                cases = [self._entry(library, meeting_id, c.id) for c in library.agenda(meeting_id)]
            except (PathwayError, LibraryError) as exc:
                self.library.failed(self.tr("Cannot present the meeting"), exc)
                return None
            if cases:
                ids = [c.case_id for c in cases]
                start = ids.index(bound) if bound in ids else 0
                if selected in ids and bound not in ids:
                    start = ids.index(selected)
                return cases, start
        return [PresentedCase(self.ctx.document.case, bound)], 0

    def present(
        self,
        meeting_id: int | None,
        selected: int | None,
        show_identifiers: bool = False,
        full_screen: bool = True,
    ) -> PresentationWindow | None:
        found = self.cases(meeting_id, selected)
        if found is None:
            return None
        cases, start = found
        if self.view is not None:
            self.view.close()
        library = self.library.current()
        info = None
        if library is not None and meeting_id is not None and cases[0].case_id is not None:
            try:
                info = library.get_meeting(meeting_id)
            except LibraryError as exc:
                self.library.failed(self.tr("Cannot present the meeting"), exc)
                return None
        self._meeting = meeting_id if info is not None else None
        view = PresentationWindow(
            self.ctx.content, self.ctx.engine, cases, info, show_identifiers, None
        )
        view.privacy_changed.connect(self.privacy_changed)
        view.record_requested.connect(self._on_view_record_requested)
        view.closed.connect(self._on_view_closed)
        self.view = view
        view.set_server_lost(not self.library.available)
        if library is not None and library.login is not None:
            try:
                may_record = "decisions" in library.rights()
            except LibraryError:
                may_record = True  # unknown now: the database decides when it is tried
            view.set_may_record(
                may_record,
                ""
                if may_record
                else self.tr(
                    "Your login {login} may not record decisions: it needs the role "
                    "pathways_member."
                ).format(login=library.login),
            )
        view.start(start, full_screen)
        return view

    def refresh(self) -> None:
        """Show the meeting as it is now in the library (changed here or elsewhere)."""
        view, meeting_id = self.view, self._meeting
        library = self.library.current()
        if view is None or meeting_id is None or library is None or not self.library.available:
            return
        try:
            meeting = library.get_meeting(meeting_id)
            cases = [self._entry(library, meeting_id, c.id) for c in library.agenda(meeting_id)]
        except LibraryUnavailable:
            self.library.lost()  # the band says so; what is shown stays
            return
        except (PathwayError, LibraryError) as exc:
            # Not a dialog over the projector at every change: the dock reports read failures.
            log.warning("presentation not refreshed: %s", type(exc).__name__)
            return
        view.replace_cases(cases, meeting)

    def _on_availability_changed(self, available: bool) -> None:
        if self.view is not None:
            self.view.set_server_lost(not available)

    def _on_view_record_requested(self, index: int) -> None:
        view = self.view
        if view is None or self._meeting is None or not 0 <= index < len(view.cases):
            return
        entry = view.cases[index]
        may, why = view.may_record
        if not may:  # said before the form is filled in, not after
            self.ctx.error(self.tr("Cannot record the decision"), why)
            return
        decision = self.decisions.record(
            self._meeting,
            entry.case_id,
            parent=view,
            show_identifiers=view.show_identifiers,
        )
        if decision is None or entry.case_id is None:
            return
        library = self.library.current()
        if library is None:
            return
        try:
            view.update_case(index, self._entry(library, self._meeting, entry.case_id))
        except (PathwayError, LibraryError) as exc:
            self.library.failed(self.tr("Cannot show the decision"), exc)
        view.activateWindow()
        view.setFocus()

    def _on_view_closed(self) -> None:
        self.view = None
        self._meeting = None
        self.ended.emit()
