"""Tumor-board mode wired into the main window: :func:`install_tumor_board` is the one call.

:class:`TumorBoard` owns the case library (opened on first use, so a window that never uses the
library never creates the file), the dock, the "Tumor board" menu and its actions (F5 present,
PDF export, graph export, print), the link between the document and a library case, and the
presentation window.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields
from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence, QTextDocument
from PySide6.QtWidgets import QMenu

from app import dialogs
from app.main_window import MainWindow
from app.tumor_board import dialogs as board_dialogs
from app.tumor_board import report
from app.tumor_board.library_panel import LibraryPanel
from app.tumor_board.presentation import PresentationWindow, PresentedCase
from app.tumor_board.storage import LibraryBinding, case_from_library, resolve_db_path
from pathways import safe_write
from pathways.case import dump_case, load_case
from pathways.errors import PathwayError
from pathways.library import CaseLibrary, Decision, LibraryError, Meeting

log = logging.getLogger(__name__)


def _action(
    parent: QObject, name: str, label: str, keys: tuple[str, ...] = (), tip: str = ""
) -> QAction:
    action = QAction(label, parent)
    action.setObjectName(name)
    sequences = [QKeySequence(k) for k in keys]
    action.setShortcuts(sequences)
    tip = tip or label.replace("&", "")
    if sequences:
        tip += f" ({sequences[0].toString(QKeySequence.SequenceFormat.NativeText)})"
    action.setToolTip(tip)
    action.setStatusTip(tip)
    return action


@dataclass
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
    def __init__(
        self, window: MainWindow, db_path: Path | None = None, show_identifiers: bool = False
    ) -> None:
        super().__init__(window)
        self.setObjectName("tumor_board")
        self.window = window
        self.content = window.content
        self.engine = window.engine
        self.db_path = resolve_db_path(db_path)
        self._library: CaseLibrary | None = None
        self._library_failed = False
        self.binding = LibraryBinding(window.document, self)
        self.presentation: PresentationWindow | None = None
        t = self.tr
        self.actions = BoardActions(
            present=_action(
                self,
                "action_present",
                t("&Present meeting"),
                ("F5",),
                t("Full-screen presentation of the meeting's agenda"),
            ),
            export_pdf=_action(
                self, "action_export_pdf", t("Export case as &PDF…"), ("Ctrl+Shift+E",)
            ),
            export_meeting_pdf=_action(
                self, "action_export_meeting_pdf", t("Export &meeting as PDF…")
            ),
            export_graph=_action(self, "action_export_graph", t("Export &graph as PNG or SVG…")),
            print_case=_action(self, "action_print", t("P&rint case…"), ("Ctrl+P",)),
            show_identifiers=_action(
                self,
                "action_show_identifiers",
                t("Show patient &identifiers"),
                (),
                t("Show names, record numbers and birth dates in presentation and exports"),
            ),
        )
        self.actions.show_identifiers.setCheckable(True)
        self.actions.show_identifiers.setChecked(show_identifiers)
        window.addActions(self.actions.all())
        self.panel = LibraryPanel(self, window)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.panel)
        self.panel.hide()
        toggle = self.panel.toggleViewAction()
        toggle.setObjectName("action_show_library")
        toggle.setText(self.tr("Case &library and meetings"))
        toggle.setShortcut(QKeySequence("F9"))
        self._build_menu(toggle)
        self.panel.visibilityChanged.connect(self._on_panel_visible)
        a = self.actions
        a.present.triggered.connect(lambda: self.present())
        a.export_pdf.triggered.connect(lambda: self.export_case_pdf())
        a.export_meeting_pdf.triggered.connect(lambda: self.export_meeting_pdf())
        a.export_graph.triggered.connect(lambda: self.export_graph())
        a.print_case.triggered.connect(lambda: self.print_case())
        self.binding.case_written.connect(lambda _id: self._after_library_edit())
        self.binding.write_failed.connect(
            lambda message: dialogs.show_error(
                self.window, self.tr("The edit was not saved to the library"), message
            )
        )
        self.binding.bound_changed.connect(self._on_bound_changed)

    def _build_menu(self, toggle: QAction) -> None:
        bar = self.window.menuBar()
        menu = QMenu(self.tr("&Tumor board"), bar)
        menu.setObjectName("menu_tumor_board")
        menu.addAction(toggle)
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
        help_menu = self.window.findChild(QMenu, "menu_help")
        if help_menu is not None:
            bar.insertMenu(help_menu.menuAction(), menu)
        else:
            bar.addMenu(menu)
        self.menu = menu
        toolbar = getattr(self.window, "toolbar", None)
        if toolbar is not None:
            toolbar.addSeparator()
            toolbar.addAction(self.actions.present)

    # ------------------------------------------------------------------ library
    def library(self) -> CaseLibrary | None:
        """The open library, opened on first use; None (after one error dialog) if it cannot be."""
        if self._library is None and not self._library_failed:
            from app.library_location import library_location_problem

            problem = library_location_problem(self.db_path)  # SQLite over a network: refused
            if problem is not None:
                self._library_failed = True
                dialogs.show_error(self.window, self.tr("Cannot open the case library"), problem)
                return None
            try:
                self._library = CaseLibrary.open(self.db_path)
            except LibraryError as exc:
                self._library_failed = True
                dialogs.show_error(self.window, self.tr("Cannot open the case library"), str(exc))
                return None
            log.info("case library opened")
        return self._library

    def close(self) -> None:
        if self._library is not None:
            self._library.close()
            self._library = None

    @property
    def show_identifiers(self) -> bool:
        return self.actions.show_identifiers.isChecked()

    def _on_panel_visible(self, visible: bool) -> None:
        if visible:
            self.panel.refresh()

    def _on_bound_changed(self, case_id: int) -> None:
        if case_id:
            self.window.statusBar().showMessage(
                self.tr("Library case: every change is saved as you make it."), 6000
            )

    def _after_library_edit(self) -> None:
        if self.panel.isVisible() or self._library is not None:
            self.panel.refresh_agenda()
            self.panel.refresh_cases()

    def _error(self, title: str, exc: Exception) -> None:
        message = exc.one_line() if isinstance(exc, PathwayError) else str(exc)
        dialogs.show_error(self.window, title, message)

    def meeting_id(self) -> int | None:
        return self.panel.meeting_id()

    def new_meeting(self) -> int | None:
        library = self.library()
        answer = board_dialogs.ask_meeting(self.window) if library is not None else None
        if library is None or answer is None:
            return None
        try:
            meeting_id = library.create_meeting(*answer)
        except LibraryError as exc:
            self._error(self.tr("Cannot create the meeting"), exc)
            return None
        self.panel.refresh()
        self.panel.select_meeting(meeting_id)
        return meeting_id

    def add_to_agenda(self, case_id: int) -> bool:
        library, meeting = self.library(), self.meeting_id()
        if library is None or meeting is None:
            return False
        try:
            library.add_to_agenda(meeting, case_id)
        except LibraryError as exc:
            self._error(self.tr("Cannot add the case to the agenda"), exc)
            return False
        self.panel.refresh_agenda()
        self.panel.select_agenda_case(case_id)
        return True

    def add_selected_to_agenda(self) -> None:
        case_id = self.panel.library_case_id()
        if case_id is not None:
            self.add_to_agenda(case_id)

    def import_files(self, paths: list[Path] | None = None) -> list[int]:
        """Store case files in the library (and on the selected meeting's agenda)."""
        library = self.library()
        if library is None:
            return []
        if paths is None:
            folder = self.window.settings.last_dir or str(Path.home())
            paths = board_dialogs.ask_import_paths(self.window, folder)
        ids = []
        for path in paths:
            try:
                case = load_case(path, self.content)
                case_id = library.add_case(dump_case(case))
            except (PathwayError, LibraryError) as exc:
                self._error(self.tr("Cannot import {name}").format(name=path.name), exc)
                continue
            ids.append(case_id)
            if self.meeting_id() is not None:
                self.add_to_agenda(case_id)
        self.panel.refresh_cases()
        return ids

    def store_open_case(self) -> int | None:
        """Put the case shown in the window into the library; from now on it is saved there."""
        library = self.library()
        if library is None:
            return None
        case = self.window.document.case
        try:
            case_id = library.add_case(dump_case(case))
        except LibraryError as exc:
            self._error(self.tr("Cannot store the case"), exc)
            return None
        self.binding.open(library, case_id, case)
        self.panel.refresh_cases()
        self.panel.select_library_case(case_id)
        return case_id

    def open_library_case(self, case_id: int) -> bool:
        library = self.library()
        if library is None or not self.window.maybe_save():
            return False
        try:
            case = case_from_library(library, case_id, self.content)
        except (PathwayError, LibraryError) as exc:
            self._error(self.tr("Cannot open the library case"), exc)
            return False
        self.binding.open(library, case_id, case)
        return True

    def open_selected_agenda_case(self) -> None:
        case_id = self.panel.agenda_case_id()
        if case_id is not None:
            self.open_library_case(case_id)

    def open_selected_library_case(self) -> None:
        case_id = self.panel.library_case_id()
        if case_id is not None:
            self.open_library_case(case_id)

    def move_selected(self, delta: int) -> None:
        library, meeting = self.library(), self.meeting_id()
        case_id = self.panel.agenda_case_id()
        if library is None or meeting is None or case_id is None:
            return
        row = self.panel.agenda.row_of(case_id)
        try:
            library.move_in_agenda(meeting, case_id, row + delta)
        except LibraryError as exc:
            self._error(self.tr("Cannot move the case"), exc)
        self.panel.refresh_agenda()

    def remove_selected_from_agenda(self) -> None:
        """Off the agenda only: the case stays in the library."""
        library, meeting = self.library(), self.meeting_id()
        case_id = self.panel.agenda_case_id()
        if library is None or meeting is None or case_id is None:
            return
        try:
            library.remove_from_agenda(meeting, case_id)
        except LibraryError as exc:
            self._error(self.tr("Cannot remove the case from the agenda"), exc)
        self.panel.refresh_agenda()

    def export_selected_case_file(self) -> None:
        library = self.library()
        case_id = self.panel.library_case_id()
        if library is None or case_id is None:
            return
        try:
            stored = library.get_case(case_id)
        except LibraryError as exc:
            self._error(self.tr("Cannot export the case"), exc)
            return
        folder = Path(self.window.settings.last_dir or Path.home())
        path = board_dialogs.ask_case_export_path(
            self.window, str(folder / report.suggested_name(stored.label, ".json"))
        )
        if path is None:
            return
        try:  # whole or not at all (pathways.safe_write)
            safe_write.write_text(path, stored.case_json)
        except PathwayError as exc:
            dialogs.show_error(self.window, self.tr("Cannot export the case"), exc.one_line())

    # ------------------------------------------------------------------ decisions
    def record_decision(self, correct: bool = False, case_id: int | None = None) -> int | None:
        """Record (or correct) the decision on an agenda case at the selected meeting."""
        library, meeting = self.library(), self.meeting_id()
        case_id = self.panel.agenda_case_id() if case_id is None else case_id
        if library is None or meeting is None or case_id is None:
            return None
        try:
            case = case_from_library(library, case_id, self.content)
            previous = library.current_decision(meeting, case_id)
        except (PathwayError, LibraryError) as exc:
            self._error(self.tr("Cannot record the decision"), exc)
            return None
        if correct != (previous is not None):
            return None
        rec = self.engine.next_options(case)
        draft = board_dialogs.ask_decision(self.window, self.content, rec, previous)
        if draft is None:
            return None
        try:
            decision_id = library.record_decision(
                meeting,
                case_id,
                chosen_regimen=draft.chosen_regimen,
                on_pathway=draft.on_pathway,
                off_pathway_reason=draft.off_pathway_reason,
                off_pathway_detail=draft.off_pathway_detail,
                alternatives=list(draft.alternatives),
                note=draft.note,
                dissent=draft.dissent,
                recorded_by=draft.recorded_by,
                supersedes=previous.id if previous is not None else None,
            )
        except LibraryError as exc:
            self._error(self.tr("Cannot record the decision"), exc)
            return None
        log.info("decision %d recorded (meeting %d, case %d)", decision_id, meeting, case_id)
        self.panel.refresh_agenda()
        return decision_id

    # ------------------------------------------------------------------ presentation
    def presented_cases(self) -> tuple[list[PresentedCase], int]:
        """The meeting's agenda (and where the open case is in it), or just the open case."""
        library, meeting = self._library, self.meeting_id()
        bound = self.binding.case_id
        if library is not None and meeting is not None:
            try:
                agenda = library.agenda(meeting)
                cases = [
                    PresentedCase(
                        case_from_library(library, item.id, self.content),
                        item.id,
                        tuple(library.decisions(item.id, meeting)),
                    )
                    for item in agenda
                ]
            except (PathwayError, LibraryError) as exc:
                self._error(self.tr("Cannot present the meeting"), exc)
                return [], 0
            if cases:
                ids = [c.case_id for c in cases]
                selected = self.panel.agenda_case_id()
                start = ids.index(bound) if bound in ids else 0
                if selected in ids and bound not in ids:
                    start = ids.index(selected)
                return cases, start
        return [PresentedCase(self.window.document.case, bound)], 0

    def present(self, full_screen: bool = True) -> PresentationWindow | None:
        cases, start = self.presented_cases()
        if not cases:
            return None
        if self.presentation is not None:
            self.presentation.close()
        library, meeting = self._library, self.meeting_id()
        info = library.get_meeting(meeting) if library is not None and meeting else None
        view = PresentationWindow(
            self.content, self.engine, cases, info, self.show_identifiers, None
        )
        view.privacy_changed.connect(self.actions.show_identifiers.setChecked)
        view.closed.connect(self._on_presentation_closed)
        self.presentation = view
        view.start(start, full_screen)
        return view

    def _on_presentation_closed(self) -> None:
        self.presentation = None
        self.window.activateWindow()

    # ------------------------------------------------------------------ export
    def _current_decisions(self) -> tuple[list[Decision], Meeting | None]:
        """The open library case's decisions at the selected meeting (if it is on its agenda)."""
        library, meeting, case_id = self._library, self.meeting_id(), self.binding.case_id
        if library is None or meeting is None or case_id is None:
            return [], None
        try:
            if case_id not in [c.id for c in library.agenda(meeting)]:
                return [], None
            return library.decisions(case_id, meeting), library.get_meeting(meeting)
        except LibraryError:
            return [], None

    def case_document(self) -> QTextDocument:
        decisions, meeting = self._current_decisions()
        return report.case_document(
            self.content,
            self.engine,
            self.window.document.case,
            decisions,
            meeting,
            self.show_identifiers,
        )

    def _folder(self) -> Path:
        return Path(self.window.settings.last_dir or Path.home())

    def export_case_pdf(self, path: Path | None = None) -> bool:
        label = self.window.document.case.label
        if path is None:
            path = board_dialogs.ask_pdf_path(
                self.window, str(self._folder() / report.suggested_name(label, ".pdf"))
            )
            if path is None:
                return False
        doc = self.case_document()
        try:
            report.write_pdf(doc, path, self.content)
        except report.ReportError as exc:
            self._error(self.tr("Cannot export the PDF"), exc)
            return False
        self.window.statusBar().showMessage(self.tr("Exported {name}").format(name=path.name), 5000)
        return True

    def export_meeting_pdf(self, path: Path | None = None) -> bool:
        library, meeting = self.library(), self.meeting_id()
        if library is None or meeting is None:
            dialogs.show_error(
                self.window,
                self.tr("No meeting selected"),
                self.tr("Choose a meeting in the case library first (F9)."),
            )
            return False
        try:
            info = library.get_meeting(meeting)
            if path is None:
                name = report.suggested_name(f"{info.date.isoformat()} {info.title}", ".pdf")
                path = board_dialogs.ask_pdf_path(self.window, str(self._folder() / name))
                if path is None:
                    return False
            doc = report.meeting_document(
                self.content, self.engine, library, meeting, self.show_identifiers
            )
            report.write_pdf(doc, path, self.content)
        except (PathwayError, LibraryError, report.ReportError) as exc:
            self._error(self.tr("Cannot export the meeting"), exc)
            return False
        return True

    def export_graph(self, path: Path | None = None) -> bool:
        if path is None:
            label = self.window.document.case.label
            path = board_dialogs.ask_graph_path(
                self.window, str(self._folder() / report.suggested_name(label, ".png"))
            )
            if path is None:
                return False
        scene = report.graph_scene(self.content, self.engine)
        try:
            report.show_case(scene, self.content, self.engine, self.window.document.case)
            report.export_graph(scene, path)
        except report.ReportError as exc:
            self._error(self.tr("Cannot export the graph"), exc)
            return False
        finally:
            scene.deleteLater()
        return True

    def print_case(self) -> bool:
        printer = board_dialogs.ask_printer(self.window)
        if printer is None:
            return False
        from PySide6.QtPrintSupport import QPrinter

        assert isinstance(printer, QPrinter)
        doc = self.case_document()
        try:
            report.print_document(doc, printer, self.content)
        except report.ReportError as exc:
            self._error(self.tr("Cannot print"), exc)
            return False
        return True


def install_tumor_board(
    window: MainWindow,
    db_path: Path | None = None,
    show_identifiers: bool = False,
    meeting_id: int | None = None,
) -> TumorBoard:
    """Add tumor-board mode to ``window``; the library is opened on first use."""
    board = TumorBoard(window, db_path, show_identifiers)
    window.tumor_board = board  # type: ignore[attr-defined]
    state = window.settings.geometry("window/state")
    if not state.isEmpty():
        window.restoreState(state)  # the dock did not exist when the window restored it
    if meeting_id is not None:
        board.panel.show()
        board.panel.select_meeting(meeting_id)
    return board
