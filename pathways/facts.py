"""Facts: what the engine derives once from a case at step *k*; conditions are matched on them.

The history is read here and only here: the line of therapy, the setting, the relapse timing
under each guideline's definition, what was ever received, progressed on or stopped for which
toxicity, and the patient factors as they stand once recorded toxicities are taken into account
(a line stopped for heart failure counts like the heart-failure factor, naming that line).
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import field, replace
from datetime import date, timedelta
from typing import Literal

from pathways.case import Case, Factors, TreatmentLine
from pathways.content import Content
from pathways.frozen import FrozenValue, frozen_value
from pathways.schema import EngineNodes, LvefBand, Thresholds
from pathways.vocab import (
    FACTORS,
    HER2_CLASSES,
    TOXICITY_FACTORS,
    TOXICITY_LABEL,
    Outcome,
    RelapseTiming,
    Setting,
)

DAYS_PER_MONTH = 30.4375


@frozen_value
class ToxicityRecord(FrozenValue):
    """A line stopped for a toxicity: which line, regimen and agents, and what it was."""

    line: int | None  # metastatic line number, None in the early setting
    regimen: str
    agents: frozenset[str]
    detail: str


@frozen_value
class Progression(FrozenValue):
    """Where the disease progressed on an agent or regimen (the first time)."""

    line: int | None
    regimen: str


@frozen_value
class Site(FrozenValue):
    """What the engine needs of the site's settings (kept apart from the content)."""

    unavailable_agents: frozenset[str] = frozenset()
    guideline_first: str | None = None
    name: str = ""


@frozen_value
class Facts(FrozenValue):
    factors: Factors
    effective: Mapping[str, object]
    derived: Mapping[str, str]  # factor name -> where a recorded toxicity set it, in words
    lvef_band: LvefBand
    setting: Literal["early", "metastatic"]
    position: str
    line: int | None
    relapse: RelapseTiming
    relapse_months: float | None
    relapse_during: bool  # relapse while (neo)adjuvant therapy was still being given
    early_pertuzumab: bool
    rapid_relapse: bool
    last_outcome: str | None
    last_toxicity: str | None
    last_regimen: str | None
    received: frozenset[str]  # regimen and agent ids
    received_agents: frozenset[str]
    exposed_agents: frozenset[str]  # received agents and the agents they include
    # Drug classes every variant of a received regimen contains / that some variant may have.
    received_classes: frozenset[str]
    possible_classes: frozenset[str]
    progressed: frozenset[str]  # regimen and agent ids
    progressed_regimens: tuple[str, ...]
    progressed_where: Mapping[str, Progression]
    toxicities: tuple[ToxicityRecord, ...]
    prior_lines: int  # metastatic lines before this decision (early relapse counts as one)
    prior_her2_metastatic_lines: int
    ongoing: str | None
    site: Site = field(default_factory=Site)
    offered: frozenset[str] | None = None  # set after ranking, for pitfalls only

    def factor(self, name: str) -> object:
        return self.effective[name]

    def with_offered(self, offered: frozenset[str]) -> Facts:
        return replace(self, offered=offered)


def _months(start: date, end: date) -> float:
    return float((end - start).days) / DAYS_PER_MONTH


def _add_months(day: date, months: float) -> date:
    """``day`` plus a number of calendar months (the day clamped to the month's length); a
    fractional cut-off falls back to average-length months."""
    if not float(months).is_integer():
        return day + timedelta(days=round(months * DAYS_PER_MONTH))
    total = day.month - 1 + int(months)
    year, month = day.year + total // 12, total % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def derive_facts(content: Content, case: Case, k: int, site: Site | None = None) -> Facts:
    """The facts before history line ``k`` (0 = before the first line)."""
    c = content
    nodes = c.header.engine.nodes
    limits = c.header.engine.thresholds
    history = case.history[:k]
    upcoming = case.history[k] if k < len(case.history) else None
    metastatic_lines = [ln for ln in history if ln.setting is Setting.METASTATIC]
    early_lines = [ln for ln in case.history if ln.setting.is_early]
    early_before = [ln for ln in history if ln.setting.is_early]
    if metastatic_lines:
        setting: Literal["early", "metastatic"] = "metastatic"
    elif upcoming is not None:
        setting = "early" if upcoming.setting.is_early else "metastatic"
    elif early_before and case.metastatic_diagnosis is None:
        setting = "early"
    else:
        setting = "metastatic"

    relapse, months = _relapse(case, early_lines, setting, limits)
    early_pertuzumab = any("pertuzumab" in c.definite_agents(ln.regimen) for ln in early_lines)
    rapid = relapse == "within-6-months" or (relapse == "6-to-12-months" and early_pertuzumab)

    numbers = _line_numbers(c, history)
    received: set[str] = set()
    received_agents: set[str] = set()
    progressed: set[str] = set()
    progressed_regimens: list[str] = []
    where: dict[str, Progression] = {}
    toxicities: list[ToxicityRecord] = []
    for ln, number in zip(history, numbers, strict=True):
        agents = c.definite_agents(ln.regimen)
        received.add(ln.regimen)
        received_agents |= agents
        if ln.outcome is Outcome.PROGRESSION:
            progressed.add(ln.regimen)
            progressed |= agents
            progressed_regimens.append(ln.regimen)
            for item in (ln.regimen, *agents):
                where.setdefault(item, Progression(number, ln.regimen))
        if ln.outcome is Outcome.TOXICITY and ln.toxicity_detail is not None:
            toxicities.append(
                ToxicityRecord(number, ln.regimen, agents | {ln.regimen}, ln.toxicity_detail.value)
            )
    if setting == "metastatic" and rapid and early_before:
        # Relapse on or soon after (neo)adjuvant HER2 therapy counts as progression on it: its
        # agents are not re-used (CLEOPATRA excluded such patients), except trastuzumab, which
        # guidelines keep beyond progression.
        last_early = early_before[-1]
        agents = c.definite_agents(last_early.regimen) - {"trastuzumab"}
        progressed.add(last_early.regimen)
        progressed |= agents
        progressed_regimens.append(last_early.regimen)
        for item in (last_early.regimen, *agents):
            where.setdefault(item, Progression(None, last_early.regimen))

    last = history[-1] if history else None
    # The last line speaks for the decision only in its own setting: an adjuvant line that was
    # ongoing at relapse says "relapse during therapy" (the relapse timing), not "continue it".
    if last is not None and setting == "metastatic" and last.setting.is_early:
        last = None
    position = _position(nodes, history, metastatic_lines, setting, relapse, rapid)
    count = max((n for n in numbers if n is not None), default=0)
    line: int | None = None
    prior = 0
    if setting == "metastatic":
        same_line = (
            last is not None
            and last.setting is Setting.METASTATIC
            and (
                last.outcome is Outcome.ONGOING
                or (last.outcome is Outcome.COMPLETED and last.regimen in c.maintained)
            )
        )
        prior = (count - 1 if same_line else count) + (1 if rapid else 0)
        line = prior + 1
    her2_lines = sum(1 for ln in metastatic_lines if c.agent_classes(ln.regimen) & HER2_CLASSES) + (
        1 if rapid else 0
    )
    effective, derived = _effective_factors(c, case.factors, toxicities)
    exposed = set(received_agents)
    for agent in received_agents:
        exposed.update(c.agents[agent].includes)
    given = [ln.regimen for ln in history]
    certain = {cls for r in given for cls in c.agent_classes(r)}
    possible = {cls for r in given for a in c.possible_agents(r) for cls in c.agents[a].classes}
    return Facts(
        factors=case.factors,
        effective=effective,
        derived=derived,
        lvef_band=_lvef_band(case.factors.lvef, limits),
        setting=setting,
        position=position,
        line=line,
        relapse=relapse,
        relapse_months=months,
        relapse_during=(
            setting == "metastatic"
            and bool(early_lines)
            and early_lines[-1].outcome is Outcome.ONGOING
        ),
        early_pertuzumab=early_pertuzumab,
        rapid_relapse=rapid,
        last_outcome=last.outcome.value if last else None,
        last_toxicity=last.toxicity_detail.value if last and last.toxicity_detail else None,
        last_regimen=last.regimen if last else None,
        received=frozenset(received | received_agents),
        received_agents=frozenset(received_agents),
        exposed_agents=frozenset(exposed),
        received_classes=frozenset(certain),
        possible_classes=frozenset(possible),
        progressed=frozenset(progressed),
        progressed_regimens=tuple(dict.fromkeys(progressed_regimens)),
        progressed_where=where,
        toxicities=tuple(toxicities),
        prior_lines=prior,
        prior_her2_metastatic_lines=her2_lines,
        ongoing=last.regimen if last and last.outcome is Outcome.ONGOING else None,
        site=site or Site(),
    )


def _line_numbers(c: Content, history: Sequence[TreatmentLine]) -> list[int | None]:
    """The metastatic line each history entry belongs to (None for early-setting entries):
    maintenance and a resumed line continue the line above them."""
    out: list[int | None] = []
    count = 0
    previous: TreatmentLine | None = None
    for ln in history:
        if ln.setting is not Setting.METASTATIC:
            out.append(None)
            continue
        continues = previous is not None and (
            previous.regimen in c.regimens[ln.regimen].maintenance_of
            or (ln.resumed and previous.regimen == ln.regimen)
        )
        if not continues:
            count += 1
        out.append(count)
        previous = ln
    return out


def _relapse(
    case: Case, early_lines: Sequence[TreatmentLine], setting: str, limits: Thresholds
) -> tuple[RelapseTiming, float | None]:
    if not early_lines or setting != "metastatic":
        return "de-novo", None
    last = early_lines[-1]
    if last.outcome is Outcome.ONGOING:
        return "within-6-months", 0.0  # relapse during (neo)adjuvant therapy
    # Without a recorded date of metastatic diagnosis, the start of the first metastatic line is
    # the latest the relapse can have been.
    diagnosis = case.metastatic_diagnosis or next(
        (ln.start for ln in case.history if ln.setting is Setting.METASTATIC and ln.start), None
    )
    if diagnosis is None or last.end is None:
        return "unknown", None
    months = max(0.0, _months(last.end, diagnosis))
    # Cut-offs in calendar months ("within 12 months" of 2023-03-01 is up to 2024-03-01).
    if diagnosis <= _add_months(last.end, limits.rapid_relapse_months):
        return "within-6-months", months
    if diagnosis <= _add_months(last.end, limits.early_relapse_months):
        return "6-to-12-months", months
    return "after-12-months", months


def _position(
    nodes: EngineNodes,
    history: Sequence[TreatmentLine],
    metastatic_lines: Sequence[TreatmentLine],
    setting: str,
    relapse: RelapseTiming,
    rapid: bool,
) -> str:
    if metastatic_lines:
        return metastatic_lines[-1].regimen
    if setting == "metastatic":
        if relapse == "de-novo":
            return nodes.metastatic_diagnosis
        return nodes.relapse_early if rapid else nodes.relapse_late
    if not history:
        return nodes.early_diagnosis
    last = history[-1]
    if last.outcome is Outcome.RESIDUAL_DISEASE:
        return nodes.residual_disease
    if last.outcome is Outcome.PATHOLOGIC_COMPLETE_RESPONSE:
        return nodes.pathologic_complete_response
    return last.regimen


def _lvef_band(lvef: float | None, limits: Thresholds) -> LvefBand:
    if lvef is None:
        return "unknown"
    if lvef < limits.lvef_hold_below:
        return "hold"
    if lvef < limits.lvef_caution_below:
        return "caution"
    return "normal"


def _effective_factors(
    c: Content, factors: Factors, toxicities: Sequence[ToxicityRecord]
) -> tuple[dict[str, object], dict[str, str]]:
    effective = {spec.name: getattr(factors, spec.name) for spec in FACTORS}
    derived: dict[str, str] = {}
    for tox in toxicities:
        target = TOXICITY_FACTORS.get(tox.detail)
        if target is None:
            continue
        name, value, _kind = target
        if effective[name] == value:
            continue
        effective[name] = value
        derived[name] = c.message(
            "derived_factor",
            factor=_lower(_label(name)),
            line=str(tox.line) if tox.line is not None else "early",
            regimen=c.regimens[tox.regimen].name,
            detail=TOXICITY_LABEL[tox.detail],
        )
    return effective, derived


def _label(name: str) -> str:
    return next(spec.label for spec in FACTORS if spec.name == name)


def _lower(text: str) -> str:
    return text if text[1:2].isupper() else text[:1].lower() + text[1:]
