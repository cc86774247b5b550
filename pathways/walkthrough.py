"""Stepping through a case, without Qt: the options at every step computed once per case,
the patient's path through the graph at step *k*, what an edit changed (in the content's words)
and the what-if branch. The window's document, the graph, the PDF and the presentation all read
this, so the engine runs once per case per change.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from pathways.case import Case, Outcome, Setting, TreatmentLine, check_history
from pathways.content import Content
from pathways.engine import Change, Engine, Recommendation, StepResult, explain_change
from pathways.frozen import FrozenValue, frozen_value


@frozen_value
class Walkthrough(FrozenValue):
    """A case and its steps 0..len(history): the situation before each line, and now."""

    case: Case
    steps: tuple[StepResult, ...]

    @classmethod
    def of(cls, engine: Engine, case: Case) -> Walkthrough:
        return cls(case, tuple(engine.steps(case)))

    def __len__(self) -> int:
        return len(self.steps)

    def at(self, k: int) -> StepResult:
        return self.steps[max(0, min(k, len(self.steps) - 1))]

    def recommendation(self, k: int) -> Recommendation:
        return self.at(k).recommendation

    @property
    def last(self) -> StepResult:
        return self.steps[-1]

    def given_next(self, k: int) -> str | None:
        """The regimen actually given after step ``k`` (None at the last step)."""
        history = self.case.history
        return history[k].regimen if 0 <= k < len(history) else None

    def path(self, k: int) -> list[str]:
        """Graph nodes the patient has passed through up to step ``k``, in order: the entry
        point, each regimen given, and the early-disease and relapse nodes between them. Only
        nodes the patient really had, never the later-lines pool."""
        k = max(0, min(k, len(self.steps) - 1))
        nodes: list[str] = []
        history = self.case.history
        for j in range(k + 1):
            position = self.steps[j].recommendation.position
            if not nodes or nodes[-1] != position:
                nodes.append(position)
            if j < k and j < len(history):
                regimen = history[j].regimen
                if nodes[-1] != regimen:
                    nodes.append(regimen)
        return nodes


def changes(before: Recommendation, after: Recommendation) -> list[Change]:
    return explain_change(before, after)


def describe_changes(content: Content, before: Recommendation, after: Recommendation) -> list[str]:
    """What an edit changed at one step, one sentence per option, in the content's words."""
    return [change.describe(content) for change in explain_change(before, after)]


@frozen_value
class Branch(FrozenValue):
    """A what-if: the real history up to ``base``, then ``lines`` (all hypothetical)."""

    base: int
    lines: tuple[TreatmentLine, ...]

    def apply(self, case: Case) -> Case:
        return dataclasses.replace(case, history=(*case.history[: self.base], *self.lines))


def branch_with(
    content: Content,
    case: Case,
    effective: Sequence[TreatmentLine],
    step: int,
    current: Branch | None,
    regimen: str,
    outcome: Outcome,
) -> Branch:
    """The what-if branch after adding ``regimen`` as a hypothetical line after ``step``.

    Lines after the step (real or hypothetical) are left out. An ongoing line must end before
    anything follows it: in the branch it ends (completed if the new regimen maintains it, else
    progression). Raises :class:`pathways.errors.CaseError` if the branch cannot have happened.
    """
    kept = list(effective[:step])
    base = step if current is None else min(step, current.base)
    if kept and kept[-1].outcome is Outcome.ONGOING:
        last = kept[-1]
        maintains = last.regimen in content.regimens[regimen].maintenance_of
        ended = Outcome.COMPLETED if maintains else Outcome.PROGRESSION
        kept[-1] = dataclasses.replace(last, outcome=ended, hypothetical=True)
        base = min(base, len(kept) - 1)
    setting = setting_for(content, regimen, kept)
    line = TreatmentLine(regimen=regimen, setting=setting, outcome=outcome, hypothetical=True)
    lines = [
        ln if i < base else dataclasses.replace(ln, hypothetical=True) for i, ln in enumerate(kept)
    ]
    lines.append(line)
    trial = dataclasses.replace(case, history=tuple(lines))
    check_history(trial, "the what-if", content)
    return Branch(base, tuple(lines[base:]))


def setting_for(content: Content, regimen: str, before: Sequence[TreatmentLine]) -> Setting:
    """The setting a newly added line of ``regimen`` takes after the lines ``before``."""
    if content.regimens[regimen].setting == "metastatic":
        return Setting.METASTATIC
    return Setting.ADJUVANT if any(ln.setting.is_early for ln in before) else Setting.NEOADJUVANT
