"""Exports and printing: the open case as a PDF, a meeting as a PDF, the graph, printing.

Every export that could carry patient identifiers asks, each time, whether to include them
(nothing is remembered between exports, so a choice made for one export never leaks into the
next).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QTextDocument

from app.tumor_board import dialogs as board_dialogs
from app.tumor_board.context import BoardContext
from app.tumor_board.library_controller import LibraryController
from app.tumor_board.storage import case_from_library
from pathways.case import Case, dump_case
from pathways.errors import PathwayError
from pathways.library import Decision, LibraryError, Meeting


class ExportController(QObject):
    def __init__(
        self, ctx: BoardContext, library: LibraryController, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.library = library

    def _inputs(self) -> list[Path]:
        """Files an export must never replace: the open case file and the case library."""
        document_path = self.ctx.document.path
        return [p for p in (document_path, self.library.db_path) if p is not None]

    def ask_identifiers(self, cases: Iterable[Case]) -> bool | None:
        """Whether this export includes identifiers (asked only if a case has any); None: cancel."""
        from app.tumor_board import summary

        if not any(summary.has_identifiers(c) for c in cases):
            return False
        return board_dialogs.ask_include_identifiers(self.ctx.parent)

    def _open_case_decisions(self, meeting_id: int | None) -> tuple[list[Decision], Meeting | None]:
        """The open library case's decisions at ``meeting_id`` (if it is on that agenda)."""
        case_id = self.library.binding.case_id
        library = self.library.current()
        if library is None or meeting_id is None or case_id is None:
            return [], None
        try:
            if case_id not in [c.id for c in library.agenda(meeting_id)]:
                return [], None
            return library.decisions(case_id, meeting_id), library.get_meeting(meeting_id)
        except LibraryError:
            return [], None

    def case_document(self, meeting_id: int | None, show_identifiers: bool) -> QTextDocument:
        from app.tumor_board import report

        decisions, meeting = self._open_case_decisions(meeting_id)
        case = self.ctx.document.case
        return report.case_document(
            self.ctx.content,
            self.ctx.engine,
            case,
            decisions,
            meeting,
            show_identifiers,
            case_json=dump_case(case) if decisions else None,
        )

    def export_case_pdf(self, meeting_id: int | None, path: Path | None = None) -> bool:
        from app.tumor_board import report

        case = self.ctx.document.case
        show = self.ask_identifiers([case])
        if show is None:
            return False
        if path is None:
            suggested = self.ctx.folder() / report.suggested_name(case.label, ".pdf")
            path = board_dialogs.ask_pdf_path(self.ctx.parent, str(suggested))
            if path is None:
                return False
        try:
            doc = self.case_document(meeting_id, show)
            report.write_pdf(doc, path, self.ctx.content, self._inputs())
        except report.ReportError as exc:
            self.ctx.error(self.tr("Cannot export the PDF"), exc)
            return False
        self.ctx.status(self.tr("Exported {name}").format(name=path.name))
        return True

    def export_meeting_pdf(self, meeting_id: int | None, path: Path | None = None) -> bool:
        from app.tumor_board import report

        library = self.library.library()
        if library is None and self.library.problem is not None:
            self.ctx.error(self.tr("Cannot open the case library"), self.library.problem)
            return False
        if library is None or meeting_id is None:
            self.ctx.error(
                self.tr("No meeting selected"),
                self.tr("Choose a meeting in the case library first (F9)."),
            )
            return False
        title = self.tr("Cannot export the meeting")
        try:
            info = library.get_meeting(meeting_id)
            cases = [
                case_from_library(library, item.id, self.ctx.content)
                for item in library.agenda(meeting_id)
            ]
        except (PathwayError, LibraryError) as exc:
            self.ctx.error(title, exc)
            return False
        show = self.ask_identifiers(cases)
        if show is None:
            return False
        if path is None:
            name = report.suggested_name(f"{info.date.isoformat()} {info.title}", ".pdf")
            path = board_dialogs.ask_pdf_path(self.ctx.parent, str(self.ctx.folder() / name))
            if path is None:
                return False
        try:
            doc = report.meeting_document(
                self.ctx.content, self.ctx.engine, library, meeting_id, show
            )
            report.write_pdf(doc, path, self.ctx.content, self._inputs())
        except (PathwayError, LibraryError, report.ReportError) as exc:
            self.ctx.error(title, exc)
            return False
        self.ctx.status(self.tr("Exported {name}").format(name=path.name))
        return True

    def export_graph(self, path: Path | None = None) -> bool:
        from app.tumor_board import report

        case = self.ctx.document.case
        if path is None:
            suggested = self.ctx.folder() / report.suggested_name(case.label, ".png")
            path = board_dialogs.ask_graph_path(self.ctx.parent, str(suggested))
            if path is None:
                return False
        scene = report.graph_scene(self.ctx.content, self.ctx.engine)
        try:
            report.show_case(scene, self.ctx.content, self.ctx.engine, case)
            report.export_graph(scene, path, self._inputs())
        except report.ReportError as exc:
            self.ctx.error(self.tr("Cannot export the graph"), exc)
            return False
        finally:
            scene.deleteLater()
        return True

    def print_case(self, meeting_id: int | None) -> bool:
        from app.tumor_board import report

        show = self.ask_identifiers([self.ctx.document.case])
        if show is None:
            return False
        printer = board_dialogs.ask_printer(self.ctx.parent)
        if printer is None:
            return False
        from PySide6.QtPrintSupport import QPrinter

        assert isinstance(printer, QPrinter)
        try:
            report.print_document(self.case_document(meeting_id, show), printer, self.ctx.content)
        except report.ReportError as exc:
            self.ctx.error(self.tr("Cannot print"), exc)
            return False
        return True
