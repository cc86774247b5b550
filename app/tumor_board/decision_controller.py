"""Decisions and minutes: recording and correcting a decision (with its snapshot), attendees,
sign-off and amendments, the "since this decision" note and local practice.

On or off the pathway is the engine's verdict for the chosen regimen (its tier in the
recommendation snapshotted with the decision), never the dialog's.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from app.tumor_board import dialogs as board_dialogs
from app.tumor_board import summary
from app.tumor_board.context import BoardContext
from app.tumor_board.library_controller import LibraryController
from app.tumor_board.storage import case_from_library
from pathways.case import Case
from pathways.engine import Recommendation
from pathways.errors import PathwayError
from pathways.library import Decision, LibraryError
from pathways.snapshot_diff import is_on_pathway, local_practice, since_decision, take_snapshot

log = logging.getLogger(__name__)


class DecisionController(QObject):
    """Signals:
    decision_recorded(int, int, int): meeting, case and the new decision's id.
    minutes_changed(int): the meeting's attendees, sign-off or amendments changed.
    """

    decision_recorded = Signal(int, int, int)
    minutes_changed = Signal(int)

    def __init__(
        self, ctx: BoardContext, library: LibraryController, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.library = library

    # ------------------------------------------------------------------ decisions
    def record(
        self,
        meeting_id: int | None,
        case_id: int | None,
        correct: bool | None = None,
        parent: QWidget | None = None,
        show_identifiers: bool = False,
    ) -> int | None:
        """Record (or, if one exists, correct) the decision on an agenda case.

        ``correct``: True/False insists on a correction/a first decision; None takes whichever
        applies. ``parent``: the dialog's parent (the presentation, when recording there).
        """
        title = self.tr("Cannot record the decision")
        library = self.library.reachable(title)
        if library is None or meeting_id is None or case_id is None:
            return None
        try:
            meeting = library.get_meeting(meeting_id)
            if meeting.signed_off:
                self.ctx.error(
                    title,
                    self.tr(
                        "The meeting was signed off and can no longer be changed. "
                        "Amend it (with a reason) to record or correct a decision."
                    ),
                )
                return None
            case = case_from_library(library, case_id, self.ctx.content)
            previous = library.current_decision(meeting_id, case_id)
        except (PathwayError, LibraryError) as exc:
            self.library.failed(title, exc)
            return None
        if correct is not None and correct != (previous is not None):
            return None
        snapshot, rec = take_snapshot(self.ctx.engine, case)
        who = summary.identity(case, show_identifiers)
        draft = board_dialogs.ask_decision(
            parent or self.ctx.parent, self.ctx.content, rec, who, previous, login=library.login
        )
        if draft is None:
            return None
        on_pathway = is_on_pathway(rec, draft.chosen_regimen)
        reason = None if on_pathway else draft.off_pathway_reason
        try:
            decision_id = library.record_decision(
                meeting_id,
                case_id,
                chosen_regimen=draft.chosen_regimen,
                on_pathway=on_pathway,
                off_pathway_reason=reason,
                off_pathway_detail="" if on_pathway else draft.off_pathway_detail,
                alternatives=[a for a in draft.alternatives if a != draft.chosen_regimen],
                note=draft.note,
                dissent=draft.dissent,
                recorded_by=draft.recorded_by,
                snapshot=snapshot,
                supersedes=previous.id if previous is not None else None,
            )
        except LibraryError as exc:
            self.library.failed(title, exc)
            return None
        log.info("decision %d recorded (meeting %d, case %d)", decision_id, meeting_id, case_id)
        self.decision_recorded.emit(meeting_id, case_id, decision_id)
        return decision_id

    def since_note(self, decision: Decision | None) -> list[str]:
        """The "since this decision" lines for a decision (empty: no snapshot, or unreadable)."""
        library = self.library.current()
        if decision is None or decision.snapshot is None or library is None:
            return []
        try:
            stored = library.get_case(decision.case_id)
        except LibraryError:
            return []
        try:
            today: Case | None = case_from_library(library, decision.case_id, self.ctx.content)
        except (PathwayError, LibraryError):
            today = None
        since = since_decision(decision.snapshot, self.ctx.engine, today, stored.case_json)
        # Nothing changed since: no note on screen (the PDF says so explicitly).
        return summary.since_lines(self.ctx.content, since) if since.anything_changed else []

    def practice_note(self, rec: Recommendation, case: Case, exclude_case: int | None) -> str:
        """How this board decided before at the same point; '' when it never did."""
        library = self.library.current()
        if library is None:
            return ""
        try:
            decisions = library.all_decisions()
        except LibraryError:
            return ""
        practice = local_practice(decisions, rec.to_dict(self.ctx.content), case, exclude_case)
        text = summary.practice_text(self.ctx.content, practice)
        return self.tr("Local practice (not evidence): {text}").format(text=text) if text else ""

    # ------------------------------------------------------------------ minutes
    def edit_attendees(self, meeting_id: int | None) -> bool:
        title = self.tr("Cannot change the attendees")
        library = self.library.reachable(title)
        if library is None or meeting_id is None:
            return False
        try:
            current = library.attendees(meeting_id)
            last = [] if current else library.last_attendees(meeting_id)
        except LibraryError as exc:
            self.library.failed(title, exc)
            return False
        attendees = board_dialogs.ask_attendees(self.ctx.parent, current, last)
        if attendees is None:
            return False
        try:
            library.set_attendees(meeting_id, attendees)
        except LibraryError as exc:
            self.library.failed(title, exc)
            return False
        self.minutes_changed.emit(meeting_id)
        return True

    def sign_off(self, meeting_id: int | None) -> bool:
        library = self.library.reachable(self.tr("Cannot sign off the meeting"))
        if library is None or meeting_id is None:
            return False
        by = board_dialogs.ask_sign_off(self.ctx.parent, login=library.login)
        if by is None:
            return False
        try:
            library.sign_off(meeting_id, by)
        except LibraryError as exc:
            self.library.failed(self.tr("Cannot sign off the meeting"), exc)
            return False
        log.info("meeting %d signed off", meeting_id)
        self.minutes_changed.emit(meeting_id)
        return True

    def amend(self, meeting_id: int | None) -> bool:
        library = self.library.reachable(self.tr("Cannot amend the meeting"))
        if library is None or meeting_id is None:
            return False
        answer = board_dialogs.ask_amendment(self.ctx.parent, login=library.login)
        if answer is None:
            return False
        try:
            library.amend_meeting(meeting_id, *answer)
        except LibraryError as exc:
            self.library.failed(self.tr("Cannot amend the meeting"), exc)
            return False
        log.info("meeting %d amended", meeting_id)
        self.minutes_changed.emit(meeting_id)
        return True
