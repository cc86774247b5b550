"""The open case as one object: the case, its file, the undo stack, the current step, a what-if.

Widgets never change the case directly: they call the document, which validates the change,
pushes an undoable command and emits Qt signals. The domain (``pathways``) stays Qt-free.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from app import text
from pathways.case import Case, Factors, Outcome, TreatmentLine, check_history, save_case
from pathways.content import Content
from pathways.engine import Engine, Recommendation, StepResult
from pathways.errors import CaseError
from pathways.walkthrough import Branch, Walkthrough, branch_with, describe_changes

log = logging.getLogger(__name__)


# A hypothetical branch: the real history up to ``base``, then ``lines`` (all hypothetical).
WhatIf = Branch


class _ReplaceCase(QUndoCommand):
    def __init__(self, document: CaseDocument, before: Case, after: Case, label: str) -> None:
        super().__init__(label)
        self._document = document
        self._before = before
        self._after = after

    def redo(self) -> None:
        self._document._set_case(self._after)

    def undo(self) -> None:
        self._document._set_case(self._before)


class CaseDocument(QObject):
    """The case being viewed and edited.

    Signals:
        case_changed: the (effective) case changed; the steps were recomputed.
        step_changed(int): the current step moved (also emitted after case_changed).
        whatif_changed(bool): a what-if branch started (True) or ended (False).
        path_changed(str): the file the case belongs to changed ("" for none).
        change_explained(list): lines saying what an edit changed at the current step.
        loaded: a new case was loaded (emitted before case_changed).
    """

    loaded = Signal()
    case_changed = Signal()
    step_changed = Signal(int)
    whatif_changed = Signal(bool)
    path_changed = Signal(str)
    change_explained = Signal(list)

    def __init__(self, content: Content, engine: Engine, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.content = content
        self.engine = engine
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setObjectName("undo_stack")
        self._case = Case()
        self._path: Path | None = None
        self._whatif: WhatIf | None = None
        self._step = 0
        self._walk = Walkthrough.of(self.engine, self._case)
        self._walks: list[Walkthrough] = [self._walk]

    # ------------------------------------------------------------------ state
    @property
    def case(self) -> Case:
        """The real case (what is saved); never contains hypothetical lines."""
        return self._case

    @property
    def effective_case(self) -> Case:
        """The case as displayed: the real one, or the what-if branch."""
        if self._whatif is None:
            return self._case
        return self._whatif.apply(self._case)

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def whatif(self) -> WhatIf | None:
        return self._whatif

    @property
    def step(self) -> int:
        return self._step

    @property
    def step_count(self) -> int:
        """Steps are 0..len(history): the situation before each line, and now."""
        return len(self._walk)

    @property
    def walkthrough(self) -> Walkthrough:
        """The displayed case's steps (the what-if's, during one)."""
        return self._walk

    @property
    def steps(self) -> Sequence[StepResult]:
        return self._walk.steps

    @property
    def current(self) -> StepResult:
        return self._walk.at(self._step)

    @property
    def recommendation(self) -> Recommendation:
        return self.current.recommendation

    @property
    def is_modified(self) -> bool:
        return not self.undo_stack.isClean()

    def patient_path(self, step: int | None = None) -> list[str]:
        """Graph nodes the patient has passed through up to ``step``, in order."""
        return self._walk.path(self._step if step is None else step)

    # ------------------------------------------------------------------ loading
    def load(self, case: Case, path: Path | None) -> None:
        """Replace the whole document (no undo: a new file is a new document)."""
        self.undo_stack.clear()
        self._whatif = None
        self._case = dataclasses.replace(case, history=case.real_history)
        self._path = path
        self._recompute()
        self._step = len(self._walk) - 1
        self.undo_stack.setClean()
        log.info("loaded case: %d lines, step %d", len(self._case.history), self._step)
        self.loaded.emit()
        self.whatif_changed.emit(False)
        self.path_changed.emit(str(path) if path else "")
        self.case_changed.emit()
        self.step_changed.emit(self._step)
        self.change_explained.emit([])

    def save(self, path: Path) -> None:
        """Write the real case (never the what-if) atomically; marks the document clean."""
        save_case(self._case, path)
        self._path = path
        self.undo_stack.setClean()
        self.path_changed.emit(str(path))

    # ------------------------------------------------------------------ stepping
    def set_step(self, step: int) -> None:
        step = max(0, min(step, len(self._walk) - 1))
        if step != self._step:
            self._step = step
            self.step_changed.emit(step)

    def step_previous(self) -> None:
        self.set_step(self._step - 1)

    def step_next(self) -> None:
        self.set_step(self._step + 1)

    def step_first(self) -> None:
        self.set_step(0)

    def step_last(self) -> None:
        self.set_step(len(self._walk) - 1)

    # ------------------------------------------------------------------ editing (undoable)
    def _push(self, after: Case, label: str) -> None:
        """Validate ``after`` and push it as one undoable edit. Raises CaseError if impossible."""
        check_history(after, self.tr("the edited case"), self.content)
        if after == self._case:
            return
        self.undo_stack.push(_ReplaceCase(self, self._case, after, label))

    def set_factors(self, factors: Factors) -> None:
        self._push(dataclasses.replace(self._case, factors=factors), self.tr("Change factors"))

    def set_label(self, label: str) -> None:
        label = label.strip()
        if not label:
            raise CaseError(self.tr("the edited case"), "label", self.tr("the label is empty"))
        self._push(dataclasses.replace(self._case, label=label), self.tr("Rename case"))

    def insert_line(self, index: int, line: TreatmentLine) -> None:
        history = list(self._case.history)
        index = max(0, min(index, len(history)))
        history.insert(index, dataclasses.replace(line, hypothetical=False))
        self._push(self._with_history(history), self.tr("Add line"))

    def replace_line(self, index: int, line: TreatmentLine) -> None:
        history = list(self._case.history)
        history[index] = dataclasses.replace(line, hypothetical=False)
        self._push(self._with_history(history), self.tr("Edit line"))

    def remove_line(self, index: int) -> None:
        history = list(self._case.history)
        del history[index]
        self._push(self._with_history(history), self.tr("Remove line"))

    def move_line(self, index: int, to: int) -> None:
        history = list(self._case.history)
        if not (0 <= index < len(history) and 0 <= to < len(history)) or index == to:
            return
        history.insert(to, history.pop(index))
        self._push(self._with_history(history), self.tr("Move line"))

    def _with_history(self, history: Sequence[TreatmentLine]) -> Case:
        return dataclasses.replace(self._case, history=tuple(history))

    def _set_case(self, case: Case) -> None:
        """Called by the undo commands: swap the real case, keep step and what-if if possible."""
        before = self.recommendation
        old_factors = self._case.factors
        self._case = case
        if self._whatif is not None and self._whatif.base > len(case.history):
            self._whatif = None
            self.whatif_changed.emit(False)
        self._recompute()
        self._step = min(self._step, len(self._walk) - 1)
        self.case_changed.emit()
        self.step_changed.emit(self._step)
        changes = text.factor_changes(old_factors, case.factors)
        changes += describe_changes(self.content, before, self.recommendation)
        self.change_explained.emit(changes)

    WALKS_KEPT = 8  # recent cases' steps, reused by undo, redo or a factor toggled back

    def _recompute(self) -> None:
        # The engine is fixed and its steps depend on the case alone: an equal case has the
        # same steps (running the engine for every step was a third of a factor change).
        case = self.effective_case
        walk = next((w for w in self._walks if w.case == case), None)
        if walk is None:
            walk = Walkthrough.of(self.engine, case)
        self._walks = [walk, *(w for w in self._walks if w is not walk)][: self.WALKS_KEPT]
        self._walk = walk

    # ------------------------------------------------------------------ what-if
    def add_whatif(self, regimen: str, outcome: Outcome) -> None:
        """Add ``regimen`` as a hypothetical line after the current step, and step past it.

        Lines after the current step (real or hypothetical) are left out of the branch.
        """
        k = self._step
        branch = branch_with(
            self.content, self._case, self.effective_case.history, k, self._whatif, regimen, outcome
        )
        was_active = self._whatif is not None
        self._whatif = branch
        self._recompute()
        self._step = len(self._walk) - 1
        log.info("what-if: %s after step %d (base %d)", regimen, k, branch.base)
        if not was_active:
            self.whatif_changed.emit(True)
        self.case_changed.emit()
        self.step_changed.emit(self._step)

    def discard_whatif(self) -> None:
        if self._whatif is None:
            return
        base = self._whatif.base
        self._whatif = None
        self._recompute()
        self._step = min(base, len(self._walk) - 1)
        self.whatif_changed.emit(False)
        self.case_changed.emit()
        self.step_changed.emit(self._step)

    def keep_whatif(self) -> None:
        """Make the branch the real history: an explicit, undoable edit."""
        if self._whatif is None:
            return
        lines = tuple(dataclasses.replace(ln, hypothetical=False) for ln in self._whatif.lines)
        history = (*self._case.history[: self._whatif.base], *lines)
        after = dataclasses.replace(self._case, history=history)
        check_history(after, self.tr("the what-if"), self.content)
        step = self._step
        self._whatif = None
        self._recompute()
        self._step = min(self._step, len(self._walk) - 1)
        self.whatif_changed.emit(False)
        self.undo_stack.push(_ReplaceCase(self, self._case, after, self.tr("Keep what-if")))
        self.set_step(step)
