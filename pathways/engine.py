"""The engine: from a case (or a case cut at step k) to the next options, ranked and explained.

Deterministic and explainable: every change to an option's tier is recorded as a step with the
content's reason for it, so the window can say why. The texts come from the content.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import networkx as nx

from pathways.case import Case, Factors, Outcome, Setting, TreatmentLine
from pathways.content import Content
from pathways.graph import build_graph
from pathways.schema import TIER_ORDER, Condition, Tier, Transition

StepTier = Literal["preferred", "alternative", "avoid", "off-pathway"]
RelapseTiming = Literal[
    "de-novo", "within-6-months", "6-to-12-months", "after-12-months", "unknown"
]
DAYS_PER_MONTH = 30.4375


@dataclass(frozen=True, slots=True)
class Notice:
    """A warning: ``kind`` is one of :data:`pathways.schema.WarningKind`."""

    kind: str
    text: str
    source: str = ""
    title: str = ""

    def to_dict(self) -> dict[str, str]:
        out = {"kind": self.kind, "text": self.text}
        if self.title:
            out["title"] = self.title
        return out


@dataclass(frozen=True, slots=True)
class Step:
    """One rule or factor that changed (or set) an option's tier: the explanation's unit."""

    source: str  # "transition", "adjustment", "rule:<id>" or "builtin:<name>"
    text: str
    before: Tier | None
    after: Tier


@dataclass(frozen=True, slots=True)
class Option:
    regimen: str
    name: str
    tier: Tier
    rank: int
    why: str
    evidence: tuple[str, ...]
    guidelines: tuple[str, ...]
    warnings: tuple[Notice, ...]
    explanation: tuple[Step, ...]
    continuing: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "regimen": self.regimen,
            "name": self.name,
            "tier": self.tier,
            "why": self.why,
            "evidence": list(self.evidence),
            "guidelines": list(self.guidelines),
            "warnings": [w.to_dict() for w in self.warnings],
            "explanation": [
                {"source": s.source, "text": s.text, "from": s.before, "to": s.after}
                for s in self.explanation
            ],
        }


@dataclass(frozen=True, slots=True)
class Facts:
    """What the engine derived from the case at this step; conditions are evaluated on it."""

    factors: Factors
    setting: Literal["early", "metastatic"]
    position: str
    line: int | None
    relapse: RelapseTiming
    relapse_months: float | None
    early_pertuzumab: bool
    last_outcome: str | None
    last_toxicity: str | None
    received: frozenset[str]
    received_agents: frozenset[str]
    progressed: frozenset[str]
    progressed_regimens: tuple[str, ...]
    toxicities: tuple[tuple[frozenset[str], str], ...]
    prior_her2_metastatic_lines: int
    ongoing: str | None


@dataclass(frozen=True, slots=True)
class Recommendation:
    line: int | None
    setting: Literal["early", "metastatic"]
    position: str
    options: tuple[Option, ...]
    warnings: tuple[Notice, ...]
    facts: Facts = field(repr=False)

    def option(self, regimen: str) -> Option | None:
        return next((o for o in self.options if o.regimen == regimen), None)

    @property
    def preferred(self) -> tuple[Option, ...]:
        return tuple(o for o in self.options if o.tier == "preferred")

    def tier_of(self, regimen: str) -> StepTier:
        option = self.option(regimen)
        return option.tier if option else "off-pathway"

    def to_dict(self, content: Content) -> dict[str, Any]:
        return {
            "line": self.line,
            "setting": self.setting,
            "position": self.position,
            "options": [o.to_dict() for o in self.options],
            "warnings": [w.to_dict() for w in self.warnings],
            "content": {"version": content.version, "reviewed": content.reviewed},
        }


@dataclass(frozen=True, slots=True)
class StepResult:
    """The situation before history line ``index``: options then, and what was given next."""

    index: int
    recommendation: Recommendation
    given: TreatmentLine | None
    given_tier: StepTier | None

    @property
    def on_pathway(self) -> bool | None:
        if self.given_tier is None:
            return None
        return self.given_tier in ("preferred", "alternative")


# ---------------------------------------------------------------------------- facts
def _months(start: Any, end: Any) -> float:
    return float((end - start).days) / DAYS_PER_MONTH


class Engine:
    """Stateless apart from the content and its graph; safe to share."""

    def __init__(self, content: Content) -> None:
        self.content = content
        self.graph: nx.DiGraph[str] = build_graph(content)

    # -- public API ----------------------------------------------------------------------
    def next_options(self, case: Case) -> Recommendation:
        """Options after the whole history of ``case``."""
        return self._recommend(case, len(case.history))

    def options_at(self, case: Case, k: int) -> Recommendation:
        """Options as they stood before history line ``k`` (0 = before the first line)."""
        if not 0 <= k <= len(case.history):
            raise IndexError(f"step {k} is outside 0..{len(case.history)}")
        return self._recommend(case, k)

    def steps(self, case: Case) -> list[StepResult]:
        """The options at every step, and whether what was given next was on the pathway."""
        out = []
        for k in range(len(case.history) + 1):
            rec = self._recommend(case, k)
            given = case.history[k] if k < len(case.history) else None
            tier: StepTier | None = rec.tier_of(given.regimen) if given else None
            out.append(StepResult(k, rec, given, tier))
        return out

    # -- facts ---------------------------------------------------------------------------
    def facts(self, case: Case, k: int) -> Facts:
        c = self.content
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

        relapse, months = self._relapse(case, early_lines, setting)
        early_pertuzumab = any("pertuzumab" in c.definite_agents(ln.regimen) for ln in early_lines)
        rapid = relapse == "within-6-months" or (relapse == "6-to-12-months" and early_pertuzumab)

        received: set[str] = set()
        received_agents: set[str] = set()
        progressed: set[str] = set()
        progressed_regimens: list[str] = []
        toxicities: list[tuple[frozenset[str], str]] = []
        for ln in history:
            agents = c.definite_agents(ln.regimen)
            received.add(ln.regimen)
            received_agents |= agents
            if ln.outcome is Outcome.PROGRESSION:
                progressed.add(ln.regimen)
                progressed |= agents
                progressed_regimens.append(ln.regimen)
            if ln.outcome is Outcome.TOXICITY and ln.toxicity_detail is not None:
                toxicities.append((agents | {ln.regimen}, ln.toxicity_detail.value))
        if setting == "metastatic" and rapid and early_before:
            # Relapse on or soon after (neo)adjuvant HER2 therapy counts as progression on it:
            # its defining agents are not re-used (CLEOPATRA excluded such patients).
            last_early = early_before[-1]
            progressed.add(last_early.regimen)
            progressed |= c.definite_agents(last_early.regimen) - {"trastuzumab"}
            progressed_regimens.append(last_early.regimen)

        last = history[-1] if history else None
        position = self._position(case, history, metastatic_lines, setting, relapse, rapid)
        line = self._line(metastatic_lines, last, rapid) if setting == "metastatic" else None
        her2_lines = sum(
            1 for ln in metastatic_lines if c.agent_classes(ln.regimen) & _HER2_CLASSES
        ) + (1 if rapid else 0)
        return Facts(
            factors=case.factors,
            setting=setting,
            position=position,
            line=line,
            relapse=relapse,
            relapse_months=months,
            early_pertuzumab=early_pertuzumab,
            last_outcome=last.outcome.value if last else None,
            last_toxicity=last.toxicity_detail.value if last and last.toxicity_detail else None,
            received=frozenset(received | received_agents),
            received_agents=frozenset(received_agents),
            progressed=frozenset(progressed),
            progressed_regimens=tuple(dict.fromkeys(progressed_regimens)),
            toxicities=tuple(toxicities),
            prior_her2_metastatic_lines=her2_lines,
            ongoing=last.regimen if last and last.outcome is Outcome.ONGOING else None,
        )

    def _relapse(
        self, case: Case, early_lines: Sequence[TreatmentLine], setting: str
    ) -> tuple[RelapseTiming, float | None]:
        if not early_lines or setting != "metastatic":
            return "de-novo", None
        last = early_lines[-1]
        if last.outcome is Outcome.ONGOING:
            return "within-6-months", 0.0  # relapse during (neo)adjuvant therapy
        if case.metastatic_diagnosis is None or last.end is None:
            return "unknown", None
        months = max(0.0, _months(last.end, case.metastatic_diagnosis))
        if months <= 6:
            return "within-6-months", months
        if months <= 12:
            return "6-to-12-months", months
        return "after-12-months", months

    def _position(
        self,
        case: Case,
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
                return "metastatic-diagnosis"
            return "relapse-early" if rapid else "relapse-late"
        if not history:
            return "early-diagnosis"
        last = history[-1]
        if last.outcome is Outcome.RESIDUAL_DISEASE:
            return "residual-disease"
        if last.outcome is Outcome.PATHOLOGIC_COMPLETE_RESPONSE:
            return "pathologic-complete-response"
        return last.regimen

    def _line(
        self, metastatic_lines: Sequence[TreatmentLine], last: TreatmentLine | None, rapid: bool
    ) -> int:
        c = self.content
        count = 0
        previous: str | None = None
        for ln in metastatic_lines:
            if previous is None or previous not in c.regimens[ln.regimen].maintenance_of:
                count += 1
            previous = ln.regimen
        same_line = (
            last is not None
            and last.setting is Setting.METASTATIC
            and (
                last.outcome is Outcome.ONGOING
                or (last.outcome is Outcome.COMPLETED and last.regimen in c.maintained)
            )
        )
        line = count if same_line else count + 1
        return line + (1 if rapid else 0)

    # -- conditions ----------------------------------------------------------------------
    def holds(self, cond: Condition | None, f: Facts) -> bool:
        if cond is None:
            return True
        fa = f.factors
        checks: list[bool] = []
        for name in ("hormone_receptor", "brain_metastases"):
            allowed = getattr(cond, name)
            if allowed is not None:
                checks.append(getattr(fa, name) in allowed)
        for name in (
            "ild_history",
            "tdxd_available",
            "heart_failure",
            "pregnant",
            "taxane_contraindicated",
            "chemotherapy_unsuitable",
        ):
            wanted = getattr(cond, name)
            if wanted is not None:
                checks.append(getattr(fa, name) is wanted)
        if cond.lvef_below is not None:
            checks.append(fa.lvef is not None and fa.lvef < cond.lvef_below)
        if cond.line_at_least is not None:
            checks.append(f.line is not None and f.line >= cond.line_at_least)
        if cond.line_at_most is not None:
            checks.append(f.line is not None and f.line <= cond.line_at_most)
        if cond.setting is not None:
            checks.append(f.setting == cond.setting)
        if cond.relapse is not None:
            checks.append(f.relapse in cond.relapse)
        if cond.early_pertuzumab is not None:
            checks.append(f.early_pertuzumab is cond.early_pertuzumab)
        if cond.last_outcome is not None:
            checks.append(f.last_outcome in cond.last_outcome)
        if cond.last_toxicity is not None:
            checks.append(f.last_toxicity in cond.last_toxicity)
        if cond.received_any is not None:
            checks.append(bool(f.received & set(cond.received_any)))
        if cond.received_none is not None:
            checks.append(not f.received & set(cond.received_none))
        if cond.progressed_on_any is not None:
            checks.append(bool(f.progressed & set(cond.progressed_on_any)))
        if cond.toxicity_on_any is not None or cond.toxicity_detail is not None:
            on = set(cond.toxicity_on_any or ())
            details = cond.toxicity_detail
            checks.append(
                any(
                    (not on or agents & on) and (details is None or detail in details)
                    for agents, detail in f.toxicities
                )
            )
        if cond.any_of is not None:
            checks.append(any(self.holds(sub, f) for sub in cond.any_of))
        if cond.none_of is not None:
            checks.append(not any(self.holds(sub, f) for sub in cond.none_of))
        return all(checks)

    # -- ranking -------------------------------------------------------------------------
    def _recommend(self, case: Case, k: int) -> Recommendation:
        c = self.content
        f = self.facts(case, k)
        candidates = self._candidates(f)
        options = [self._rank(t, f) for t in candidates]
        best: dict[str, Option] = {}
        for opt in options:
            held = best.get(opt.regimen)
            if held is None or _sort_key(opt) < _sort_key(held):
                best[opt.regimen] = opt
        if f.ongoing is not None:
            best[f.ongoing] = self._continue_option(f.ongoing, f)
        # A regimen the disease progressed on (or all of whose defining agents it progressed
        # on, e.g. T-DXd after T-DXd + pertuzumab) is listed as "avoid" with the reason, even
        # where no transition leads back to it, so that nobody wonders why it is missing.
        if f.setting == "metastatic":
            # Only regimens progressed on, or defined by an agent progressed on, can qualify:
            # look them up through the content's index rather than scanning every regimen.
            suspects = [r for r in f.progressed if r in c.regimens]
            for agent in sorted(f.progressed):
                suspects.extend(c.regimens_defined_by.get(agent, ()))
            for regimen_id in dict.fromkeys(suspects):
                regimen = c.regimens[regimen_id]
                if regimen.id in best or regimen.setting != "metastatic":
                    continue
                defining = set(regimen.defining_agents)
                if regimen.id in f.progressed or (defining and defining <= f.progressed):
                    best[regimen.id] = self._rank(self._revisit(regimen.id), f)
            # A regimen stopped for toxicity is listed when a rule rules it out (e.g. T-DXd
            # after grade >= 2 ILD).
            for regimen_id in dict.fromkeys(r for agents, _ in f.toxicities for r in agents):
                if regimen_id in c.regimens and regimen_id not in best:
                    option = self._rank(self._revisit(regimen_id), f)
                    if option.tier == "avoid":
                        best[regimen_id] = option
        ranked = tuple(sorted(best.values(), key=_sort_key))

        warnings: list[Notice] = []
        warnings.extend(self._relapse_notices(f))
        for pitfall in c.pitfalls:
            if self.holds(pitfall.when, f):
                warnings.append(
                    Notice(pitfall.kind, pitfall.text, f"pitfall:{pitfall.id}", pitfall.title)
                )
        if not self.graph.out_degree(f.position) and f.position in c.regimens and not f.ongoing:
            warnings.append(
                Notice(
                    "evidence-gap",
                    c.message("no_transitions", regimen=c.regimens[f.position].name),
                    "builtin:no-transitions",
                )
            )
        usable = any(o.tier != "avoid" for o in ranked)
        if (
            f.setting == "metastatic"
            and not usable
            and not any(w.kind == "clinical-trial" for w in warnings)
        ):
            warnings.append(
                Notice("clinical-trial", c.message("clinical_trial"), "builtin:clinical-trial")
            )
        return Recommendation(
            line=f.line,
            setting=f.setting,
            position=f.position,
            options=ranked,
            warnings=tuple(_dedupe(warnings)),
            facts=f,
        )

    def _candidates(self, f: Facts) -> list[Transition]:
        c = self.content
        if f.position not in self.graph:
            return []
        found: list[Transition] = []
        for _, _, data in self.graph.out_edges(f.position, data=True):
            for index in data["transitions"]:
                t = c.transitions[index]
                if self.holds(t.when, f):
                    found.append(t)
        if f.last_outcome in ("ongoing", "completed"):
            # A transition written for this outcome (e.g. THP completed -> HP maintenance) is
            # more specific than the "after progression" ones, which then do not apply yet.
            explicit = [
                t
                for t in found
                if t.when and t.when.last_outcome and f.last_outcome in t.when.last_outcome
            ]
            if explicit or f.last_outcome == "ongoing":
                found = explicit
        return found

    def _rank(self, t: Transition, f: Facts) -> Option:
        c = self.content
        regimen = c.regimens[t.to]
        tier: Tier = t.tier
        rank = t.rank
        why = t.why
        steps = [Step("transition", t.why, None, tier)]
        warnings: list[Notice] = []
        evidence = list(t.evidence)

        def apply(source: str, new: Tier | None, mode: str, reason: str) -> None:
            nonlocal tier, why
            before = tier
            if new is not None:
                tier = _combine(tier, new, mode)
            steps.append(Step(source, reason, before, tier))
            if tier != before:
                why = reason

        for i, adj in enumerate(t.adjust):
            if self.holds(adj.when, f):
                apply(f"adjustment:{i}", adj.tier, adj.mode, adj.reason)
                if adj.rank is not None:
                    rank = adj.rank
                if adj.warning:
                    warnings.append(Notice(adj.warning, adj.reason, f"adjustment:{t.to}:{i}"))
                evidence.extend(adj.evidence)
        agents = c.possible_agents(regimen.id)
        classes = c.agent_classes(regimen.id) | {
            cls for a in c.definite_agents(regimen.id) for cls in c.agents[a].classes
        }
        for rule in c.rules:
            in_scope = (
                regimen.id in rule.regimens
                or bool(agents & set(rule.agents))
                or bool(classes & set(rule.classes))
            )
            if in_scope and self.holds(rule.when, f):
                apply(f"rule:{rule.id}", rule.tier, rule.mode, rule.reason)
                if rule.warning:
                    warnings.append(Notice(rule.warning, rule.reason, f"rule:{rule.id}"))
                evidence.extend(rule.evidence)
        # Built-in: never again after progression on the regimen or one of its defining agents.
        if regimen.id in f.progressed:
            text = c.message("repeated_regimen", regimen=regimen.name)
            apply("builtin:repeated-regimen", "avoid", "set", text)
            warnings.append(Notice("repeated-regimen", text, "builtin:repeated-regimen"))
        else:
            shared = sorted(set(regimen.defining_agents) & f.progressed)
            if shared:
                names = ", ".join(c.agents[a].name for a in shared)
                text = c.message("repeated_agent", agents=names, regimen=regimen.name)
                apply("builtin:repeated-agent", "avoid", "set", text)
                warnings.append(Notice("repeated-regimen", text, "builtin:repeated-agent"))
        evidence.extend(regimen.evidence)
        evidence_ids = tuple(dict.fromkeys(evidence))
        if f.setting == "metastatic" and tier != "avoid":
            warnings.extend(population_notes(c, t.evidence or regimen.evidence, f))
        guidelines = tuple(dict.fromkeys((*t.guidelines, *regimen.guidelines)))
        for gid in t.guidelines:
            g = c.guidelines[gid]
            if g.status == "unconfirmed":
                warnings.append(
                    Notice(
                        "unconfirmed",
                        c.message("unconfirmed_guideline", body=g.body),
                        f"guideline:{gid}",
                    )
                )
        return Option(
            regimen=regimen.id,
            name=regimen.name,
            tier=tier,
            rank=rank,
            why=why,
            evidence=evidence_ids,
            guidelines=guidelines,
            warnings=tuple(_dedupe(warnings)),
            explanation=tuple(steps),
        )

    def _revisit(self, regimen_id: str) -> Transition:
        """A pseudo-transition back to a regimen already given, so the usual rules judge it."""
        c = self.content
        text = c.message("previously_given", regimen=c.regimens[regimen_id].name)
        return Transition.model_validate(
            {
                "from": ["metastatic-diagnosis"],
                "to": regimen_id,
                "tier": "alternative",
                "rank": 99,
                "why": text,
            }
        )

    def _continue_option(self, regimen_id: str, f: Facts) -> Option:
        c = self.content
        regimen = c.regimens[regimen_id]
        text = c.message("continue_ongoing", regimen=regimen.name)
        return Option(
            regimen=regimen_id,
            name=regimen.name,
            tier="preferred",
            rank=0,
            why=text,
            evidence=regimen.evidence,
            guidelines=regimen.guidelines,
            warnings=(),
            explanation=(Step("builtin:continue-ongoing", text, None, "preferred"),),
            continuing=True,
        )

    def _relapse_notices(self, f: Facts) -> list[Notice]:
        c = self.content
        if f.setting != "metastatic" or f.relapse == "de-novo":
            return []
        months = f"{f.relapse_months:.0f}" if f.relapse_months is not None else "?"
        if f.relapse == "unknown":
            return [Notice("early-relapse", c.message("relapse_unknown"), "builtin:relapse")]
        if f.relapse == "6-to-12-months" and not f.early_pertuzumab:
            return [
                Notice(
                    "guideline-conflict",
                    c.message("relapse_grey_zone", months=months),
                    "builtin:relapse",
                )
            ]
        if f.relapse in ("within-6-months", "6-to-12-months"):
            return [
                Notice(
                    "early-relapse", c.message("early_relapse", months=months), "builtin:relapse"
                )
            ]
        return []


def population_notes(content: Content, evidence_ids: Iterable[str], f: Facts) -> list[Notice]:
    """Where the trials' populations differ from this patient's sequence, grouped so that
    trials differing in the same way share one sentence (the content's wording)."""
    naive: dict[tuple[str, ...], list[str]] = {}
    required: dict[tuple[str, ...], list[str]] = {}
    lines: dict[int, list[str]] = {}
    for eid in evidence_ids:
        ev = content.evidence[eid]
        pop = ev.population
        gap = tuple(sorted(set(pop.naive_to) & f.received_agents))
        if gap:
            naive.setdefault(gap, []).append(ev.trial)
        missing = tuple(sorted(set(pop.prior_required) - f.received_agents))
        if missing and f.received_agents:
            required.setdefault(missing, []).append(ev.trial)
        need = pop.min_prior_her2_lines
        if need is not None and f.prior_her2_metastatic_lines < need:
            lines.setdefault(need, []).append(ev.trial)

    def names(agents: Iterable[str]) -> str:
        return _join([_lower_first(content.agents[a].name) for a in agents])

    notes = [
        Notice(
            "evidence-gap",
            content.message(message, trial=_join(trials), agents=names(agents)),
            "population",
        )
        for message, groups in (("population_naive", naive), ("population_required", required))
        for agents, trials in groups.items()
    ]
    notes += [
        Notice(
            "evidence-gap",
            content.message("population_lines", trial=_join(trials), count=count),
            "population",
        )
        for count, trials in lines.items()
    ]
    return notes


_HER2_CLASSES = frozenset({"her2-antibody", "her2-adc", "her2-tki"})


def _lower_first(name: str) -> str:
    """Drug names read mid-sentence in lower case ("trastuzumab"), acronyms stay ("T-DXd")."""
    return name if name[1:2].isupper() else name[:1].lower() + name[1:]


def _join(items: Sequence[str]) -> str:
    items = list(dict.fromkeys(items))
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _combine(current: Tier, new: Tier, mode: str) -> Tier:
    if mode == "set":
        return new
    if mode == "cap":  # no better than `new`
        return current if TIER_ORDER[current] >= TIER_ORDER[new] else new
    return current if TIER_ORDER[current] <= TIER_ORDER[new] else new  # raise


def _sort_key(o: Option) -> tuple[int, int, str]:
    return (TIER_ORDER[o.tier], o.rank, o.regimen)


def _dedupe(items: Iterable[Notice]) -> list[Notice]:
    seen: set[tuple[str, str]] = set()
    out = []
    for n in items:
        if (n.kind, n.text) not in seen:
            seen.add((n.kind, n.text))
            out.append(n)
    return out


@dataclass(frozen=True, slots=True)
class Change:
    """How one option moved between two rankings (e.g. after a factor change).

    ``before``/``after`` are None when the option was not offered on that side; ``reason`` is
    the content's text for the rule that made the difference (the option's ``why``)."""

    regimen: str
    name: str
    before: Tier | None
    after: Tier | None
    rank_before: int | None
    rank_after: int | None
    reason: str


def explain_change(before: Recommendation, after: Recommendation) -> list[Change]:
    """The options whose tier or rank differs between two recommendations, best first."""
    old = {o.regimen: o for o in before.options}
    new = {o.regimen: o for o in after.options}
    changes = []
    for regimen in dict.fromkeys((*new, *old)):
        a, b = old.get(regimen), new.get(regimen)
        if a is not None and b is not None and (a.tier, a.rank) == (b.tier, b.rank):
            continue
        shown = b if b is not None else a
        assert shown is not None
        changes.append(
            Change(
                regimen=regimen,
                name=shown.name,
                before=a.tier if a else None,
                after=b.tier if b else None,
                rank_before=a.rank if a else None,
                rank_after=b.rank if b else None,
                reason=shown.why,
            )
        )
    return changes
