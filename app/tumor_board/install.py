"""Tumor-board mode wired into the main window: :func:`install_tumor_board` is the one call.

:class:`TumorBoard` only connects things: the dock (:class:`LibraryPanel`, which emits what the
user asked for), four small controllers (library, decisions, export, presentation) that do the
work, and the "Tumor board" menu, toolbar action and dock, added through the main window's
``add_menu`` / ``add_toolbar_actions`` / ``add_dock``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from app.actions import make_action
from app.main_window import MainWindow
from app.tumor_board.context import BoardContext
from app.tumor_board.decision_controller import DecisionController
from app.tumor_board.export_controller import ExportController
from app.tumor_board.library_controller import LibraryController
from app.tumor_board.library_panel import LibraryPanel
from app.tumor_board.presentation import PresentationWindow
from app.tumor_board.presentation_controller import PresentationController
from app.tumor_board.storage import LibraryBinding, resolve_db_path
from pathways.library import CaseLibrary

log = logging.getLogger(__name__)


# One per window, compared by identity: no generated __eq__ or __repr__ to compile at start.
@dataclass(eq=False, repr=False)
class BoardActions:
    present: QAction
    export_pdf: QAction
    export_meeting_pdf: QAction
    export_graph: QAction
    print_case: QAction
    show_identifiers: QAction

    def all(self) -> list[QAction]:
        return [getattr(self, f.name) for f in fields(self)]


class TumorBoard(QObject):
    """The tumor-board mode of one window: actions, menu, dock and controllers, connected."""

    def __init__(
        self,
        window: MainWindow,
        db_path: Path | str | None = None,
        show_identifiers: bool = False,
    ) -> None:
        super().__init__(window)
        self.setObjectName("tumor_board")
        self.ctx = BoardContext(
            content=window.content,
            engine=window.engine,
            document=window.document,
            parent=window,
            last_dir=lambda: window.settings.last_dir or "",
            maybe_save=window.maybe_save,
            status=lambda message: window.statusBar().showMessage(message, 6000),
        )
        store = window.settings.store  # Open library… remembers its choice there
        self.library_control = LibraryController(
            self.ctx, resolve_db_path(db_path, store), self, store
        )
        self.decisions = DecisionController(self.ctx, self.library_control, self)
        self.exports = ExportController(self.ctx, self.library_control, self)
        self.presenting = PresentationController(
            self.ctx, self.library_control, self.decisions, self
        )
        self.actions = self._create_actions(show_identifiers)
        self.panel = LibraryPanel(window.content, window)
        self.menu = self._create_menu()
        window.add_menu(self.menu)
        window.addActions(self.actions.all())
        window.add_toolbar_actions([self.actions.present])
        window.add_dock(self.panel)
        self._connect_panel()
        self._connect_controllers(window)

    # ------------------------------------------------------------------ construction
    def _create_actions(self, show_identifiers: bool) -> BoardActions:
        t = self.tr
        actions = BoardActions(
            present=make_action(
                self,
                "action_present",
                t("&Present meeting"),
                ("F5",),
                t("Full-screen presentation of the meeting's agenda"),
            ),
            export_pdf=make_action(
                self, "action_export_pdf", t("Export case as &PDF…"), ("Ctrl+Shift+E",)
            ),
            export_meeting_pdf=make_action(
                self, "action_export_meeting_pdf", t("Export &meeting as PDF…")
            ),
            export_graph=make_action(
                self, "action_export_graph", t("Export &graph as PNG or SVG…")
            ),
            print_case=make_action(self, "action_print", t("P&rint case…"), ("Ctrl+P",)),
            show_identifiers=make_action(
                self,
                "action_show_identifiers",
                t("Show patient &identifiers"),
                (),
                t("Show names, record numbers and birth dates in the presentation"),
            ),
        )
        actions.show_identifiers.setCheckable(True)
        actions.show_identifiers.setChecked(show_identifiers)
        return actions

    def _create_menu(self) -> QMenu:
        toggle = self.panel.toggleViewAction()
        toggle.setObjectName("action_show_library")
        toggle.setText(self.tr("Case &library and meetings"))
        toggle.setShortcut(QKeySequence("F9"))
        menu = QMenu(self.tr("&Tumor board"), self.ctx.parent)
        menu.setObjectName("menu_tumor_board")
        menu.addAction(toggle)
        menu.addAction(self.panel.open_library_action)
        menu.addSeparator()
        menu.addAction(self.actions.present)
        menu.addAction(self.actions.show_identifiers)
        menu.addSeparator()
        menu.addActions(
            [
                self.actions.export_pdf,
                self.actions.export_meeting_pdf,
                self.actions.export_graph,
                self.actions.print_case,
            ]
        )
        return menu

    def _connect_panel(self) -> None:
        p, lib, dec = self.panel, self.library_control, self.decisions
        p.visibilityChanged.connect(self._on_panel_visibility_changed)
        p.retry_requested.connect(self._on_panel_retry_requested)
        p.open_library_requested.connect(lambda: lib.choose_library())
        p.server_lost.connect(lambda _message: lib.lost())
        p.read_failed.connect(
            lambda message: self.ctx.error(self.tr("Cannot read the case library"), message)
        )
        p.selection_changed.connect(self._update_notes)
        p.new_meeting_requested.connect(lambda: lib.new_meeting())
        p.attendees_requested.connect(lambda: dec.edit_attendees(p.meeting_id()))
        p.sign_off_requested.connect(lambda: dec.sign_off(p.meeting_id()))
        p.amend_requested.connect(lambda: dec.amend(p.meeting_id()))
        p.agenda_move_requested.connect(
            lambda delta: lib.move(p.meeting_id(), p.agenda_case_id(), delta)
        )
        p.agenda_remove_requested.connect(
            lambda: lib.remove_from_agenda(p.meeting_id(), p.agenda_case_id())
        )
        p.agenda_case_opened.connect(lib.open_case)
        p.library_case_opened.connect(lib.open_case)
        p.add_to_agenda_requested.connect(
            lambda case_id: lib.add_to_agenda(p.meeting_id(), case_id)
        )
        p.import_requested.connect(lambda: lib.import_files(p.meeting_id()))
        p.store_requested.connect(lambda: lib.store_open_case())
        p.export_case_requested.connect(lib.export_case_file)
        p.present_requested.connect(lambda: self.present())
        p.record_requested.connect(lambda: self.record_decision(correct=False))
        p.correct_requested.connect(lambda: self.record_decision(correct=True))

    def _connect_controllers(self, window: MainWindow) -> None:
        a, lib, p = self.actions, self.library_control, self.panel
        a.present.triggered.connect(lambda: self.present())
        a.export_pdf.triggered.connect(lambda: self.exports.export_case_pdf(p.meeting_id()))
        a.export_meeting_pdf.triggered.connect(
            lambda: self.exports.export_meeting_pdf(p.meeting_id())
        )
        a.export_graph.triggered.connect(lambda: self.exports.export_graph())
        a.print_case.triggered.connect(lambda: self.exports.print_case(p.meeting_id()))
        a.show_identifiers.toggled.connect(self._on_show_identifiers_toggled)
        lib.library_changed.connect(self._on_library_changed)
        lib.cases_changed.connect(self._on_cases_changed)
        lib.agenda_changed.connect(self._on_agenda_changed)
        lib.meeting_created.connect(self._on_meeting_created)
        lib.case_bound.connect(self._on_case_bound)
        lib.changed_elsewhere.connect(self._on_changed_elsewhere)
        lib.availability_changed.connect(p.set_available)
        self.decisions.decision_recorded.connect(self._on_decision_recorded)
        self.decisions.minutes_changed.connect(lambda _m: p.refresh())
        self.presenting.privacy_changed.connect(a.show_identifiers.setChecked)
        self.presenting.ended.connect(self._on_presentation_ended)
        window.document.step_changed.connect(lambda _s: self._update_practice())
        window.document.case_changed.connect(self._update_practice)

    # ------------------------------------------------------------------ API used by main.py
    @property
    def binding(self) -> LibraryBinding:
        return self.library_control.binding

    @property
    def presentation(self) -> PresentationWindow | None:
        return self.presenting.view

    @property
    def show_identifiers(self) -> bool:
        return self.actions.show_identifiers.isChecked()

    def library(self) -> CaseLibrary | None:
        return self.library_control.library()

    def meeting_id(self) -> int | None:
        return self.panel.meeting_id()

    def close(self) -> None:
        self.library_control.close()

    def present(self, full_screen: bool = True) -> PresentationWindow | None:
        return self.presenting.present(
            self.panel.meeting_id(), self.panel.agenda_case_id(), self.show_identifiers, full_screen
        )

    def record_decision(self, correct: bool | None = None) -> int | None:
        """Record (or correct) the decision on the selected agenda case at the meeting."""
        return self.decisions.record(self.panel.meeting_id(), self.panel.agenda_case_id(), correct)

    # ------------------------------------------------------------------ slots
    def _on_panel_visibility_changed(self, visible: bool) -> None:
        if not visible:
            return
        if self.library_control.is_open:
            self.panel.refresh()
        else:
            # Showing the dock asks for the library (again, after a failure); opening it, or
            # failing to, reaches the dock through library_changed.
            self.library_control.retry()

    def _on_panel_retry_requested(self) -> None:
        self.library_control.retry()

    def _on_library_changed(self, library: object) -> None:
        assert library is None or isinstance(library, CaseLibrary)
        self.panel.set_library(library, self.library_control.problem or "")
        self._update_notes()

    def _on_cases_changed(self) -> None:
        if self.library_control.is_open:
            self.panel.refresh_agenda()
            self.panel.refresh_cases()
            self._update_notes()  # an edited case may now get a different answer

    def _on_agenda_changed(self, meeting_id: int, case_id: int) -> None:
        self.panel.refresh_agenda()
        if case_id and meeting_id == self.panel.meeting_id():
            self.panel.select_agenda_case(case_id)

    def _on_meeting_created(self, meeting_id: int) -> None:
        self.panel.refresh()
        self.panel.select_meeting(meeting_id)

    def _on_changed_elsewhere(self, tables: frozenset[str]) -> None:
        # The dock's lists are re-read, keeping the selections.
        if self.library_control.is_open:
            self.panel.refresh_changed(tables)
            self._update_notes()

    def _on_case_bound(self, case_id: int) -> None:
        if case_id:
            self.panel.refresh_cases()
            self.panel.select_library_case(case_id)
            self.ctx.status(self.tr("Library case: every change is saved as you make it."))

    def _on_decision_recorded(self, meeting_id: int, case_id: int, _decision: int) -> None:
        self.panel.refresh_agenda()
        if meeting_id == self.panel.meeting_id():
            self.panel.select_agenda_case(case_id)
        self._update_notes()

    def _on_show_identifiers_toggled(self, show: bool) -> None:
        view = self.presenting.view
        if view is not None:
            view.set_show_identifiers(show)

    def _on_presentation_ended(self) -> None:
        self.actions.show_identifiers.setChecked(False)
        self.panel.refresh_agenda()
        self.ctx.parent.activateWindow()

    def _update_notes(self) -> None:
        """The dock's "since this decision" note for the selected agenda case."""
        decisions = [d for d in self.panel.decisions.decisions if d.is_current]
        meeting = self.panel.meeting_id()
        here = [d for d in decisions if d.meeting_id == meeting] or decisions[-1:]
        lines = self.decisions.since_note(here[-1]) if here else []
        if lines:
            self.panel.set_since(self.tr("Since this decision: ") + " ".join(lines))
        else:
            self.panel.set_since("")
        self._update_practice()

    def _update_practice(self) -> None:
        """Local practice at the open case's current step (from the library only)."""
        if not self.panel.isVisible() or not self.library_control.is_open:
            self.panel.set_practice("")
            return
        document = self.ctx.document
        note = self.decisions.practice_note(
            document.recommendation, document.case, self.binding.case_id
        )
        self.panel.set_practice(note)


def install_tumor_board(
    window: MainWindow,
    db_path: Path | str | None = None,
    show_identifiers: bool = False,
    meeting_id: int | None = None,
) -> TumorBoard:
    """Add tumor-board mode to ``window``; the library is opened on first use."""
    board = TumorBoard(window, db_path, show_identifiers)
    window.tumor_board = board  # type: ignore[attr-defined]
    if meeting_id is not None:
        board.panel.show()
        board.panel.select_meeting(meeting_id)
    return board
