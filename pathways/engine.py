"""The engine: from a case (or a case cut at step k) to the next options, ranked and explained.

Deterministic and explainable. The work is split in three: :mod:`pathways.facts` derives what
the history and factors say, :mod:`pathways.conditions` matches the content's conditions on
those facts, :mod:`pathways.ranking` judges each option and orders them. This module finds the
candidate options (the edges out of the patient's position, and from the line the content names
on, every later-line option not yet given), adds the case-level warnings and keeps the public API.
"""

from __future__ import annotations

from dataclasses import field
from typing import Any, Literal

import networkx as nx

from pathways.case import Case
from pathways.conditions import holds
from pathways.content import Content
from pathways.facts import Facts, Site, derive_facts
from pathways.frozen import FrozenValue, frozen_value
from pathways.graph import build_graph
from pathways.ranking import (
    Notice,
    Option,
    Step,
    dedupe,
    judge,
    order_options,
    population_notes,
    sort_key,
)
from pathways.schema import Condition, Transition
from pathways.vocab import TOXICITY_FACTORS, Tier

__all__ = [
    "Change",
    "Engine",
    "Facts",
    "Notice",
    "Option",
    "Recommendation",
    "Site",
    "Step",
    "StepResult",
    "explain_change",
    "population_notes",
]

StepTier = Literal["preferred", "alternative", "avoid", "off-pathway"]


@frozen_value
class Recommendation(FrozenValue):
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

    @property
    def first(self) -> tuple[Option, ...]:
        """The option(s) listed first: one, or several the guidelines do not rank."""
        return tuple(o for o in self.options if o.order == 1)

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


@frozen_value
class StepResult(FrozenValue):
    """The situation before history line ``index``: options then, and what was given next."""

    index: int
    recommendation: Recommendation
    given: Any  # TreatmentLine | None
    given_tier: StepTier | None

    @property
    def on_pathway(self) -> bool | None:
        if self.given_tier is None:
            return None
        return self.given_tier in ("preferred", "alternative")


class Engine:
    """Stateless apart from the content, its graph and the site's settings; safe to share."""

    def __init__(self, content: Content, site: Site | Any | None = None) -> None:
        self.content = content
        self.graph: nx.DiGraph[str] = build_graph(content)
        self.site = _as_site(site)

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
            if given is not None and given.resumed:
                tier = "preferred" if tier == "off-pathway" else tier
            out.append(StepResult(k, rec, given, tier))
        return out

    def facts(self, case: Case, k: int) -> Facts:
        return derive_facts(self.content, case, k, self.site)

    def holds(self, cond: Condition | None, f: Facts) -> bool:
        return holds(cond, f)

    # -- ranking -------------------------------------------------------------------------
    def _recommend(self, case: Case, k: int) -> Recommendation:
        c = self.content
        f = self.facts(case, k)
        best: dict[str, Option] = {}
        candidates = self._candidates(f)
        for tid, t in candidates:
            opt = judge(c, t, tid, f)
            held = best.get(opt.regimen)
            if held is None or sort_key(opt) < sort_key(held):
                best[opt.regimen] = opt
        if f.ongoing is not None:
            best[f.ongoing] = self._continue_option(f.ongoing, f)
        if f.setting == "metastatic":
            self._list_ruled_out(f, best)
        ranked = order_options(best.values())

        offered = frozenset(o.regimen for o in ranked if o.tier != "avoid")
        g = f.with_offered(offered)
        warnings: list[Notice] = []
        warnings.extend(self._relapse_notices(f))
        warnings.extend(self._derived_notices(f))
        # Each patient-safety rule once for the case, whichever options it touched.
        warnings.extend(n for o in ranked for n in o.safety)
        for pitfall in c.pitfalls:
            if holds(pitfall.when, g):
                warnings.append(
                    Notice(pitfall.kind, pitfall.text, f"pitfall:{pitfall.id}", pitfall.title)
                )
        if not candidates and f.position in c.regimens and not f.ongoing:
            warnings.append(
                Notice(
                    "evidence-gap",
                    c.message("no_transitions", regimen=c.regimens[f.position].name),
                    "builtin:no-transitions",
                )
            )
        # A regional option (China only) alone is not a usable pathway elsewhere.
        usable = [o for o in ranked if o.tier != "avoid" and "regional" not in o.flags]
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
            warnings=tuple(dedupe(warnings)),
            facts=g,
        )

    def _candidates(self, f: Facts) -> list[tuple[str, Transition]]:
        c = self.content
        sources = [f.position] if f.position in self.graph else []
        pool = c.header.engine.nodes.later_lines
        later = c.header.engine.thresholds.later_lines_from
        # The later-line pool from its line on, and also after a later-line regimen used
        # earlier than usual (a regimen with no edges of its own): what is left is the pool.
        dead_end = f.position in c.regimens and not self.graph.out_degree(f.position)
        if (
            f.setting == "metastatic"
            and f.line is not None
            and (f.line >= later or dead_end)
            and pool not in sources
            and pool in self.graph
        ):
            sources.append(pool)
        found: list[tuple[str, Transition]] = []
        for source in sources:
            for _, _, data in self.graph.out_edges(source, data=True):
                for index in data["transitions"]:
                    t = c.transitions[index]
                    if holds(t.when, f):
                        found.append((c.transition_ids[index], t))
        if f.last_outcome in ("ongoing", "completed"):
            # A transition written for this outcome (e.g. THP completed -> HP maintenance) is
            # more specific than the "after progression" ones, which then do not apply yet.
            explicit = [
                (tid, t)
                for tid, t in found
                if t.when and t.when.last_outcome and f.last_outcome in t.when.last_outcome
            ]
            if explicit or f.last_outcome == "ongoing":
                found = explicit
        return found

    def _list_ruled_out(self, f: Facts, best: dict[str, Option]) -> None:
        """A regimen the disease progressed on (or all of whose defining agents it progressed
        on), or one stopped for a toxicity that now rules it out, is listed as "avoid" with the
        reason, even where no transition leads back to it, so that nobody wonders why."""
        c = self.content
        suspects = [r for r in f.progressed if r in c.regimens]
        for agent in sorted(f.progressed):
            suspects.extend(c.regimens_defined_by.get(agent, ()))
        for regimen_id in dict.fromkeys(suspects):
            regimen = c.regimens[regimen_id]
            if regimen.id in best or regimen.setting != "metastatic":
                continue
            defining = set(regimen.defining_agents)
            if regimen.id in f.progressed or (defining and defining <= f.progressed):
                option = judge(c, self._revisit(regimen.id), "revisit", f)
                if option.tier == "avoid":
                    best[regimen.id] = option
        for regimen_id in dict.fromkeys(r for t in f.toxicities for r in t.agents):
            if regimen_id in c.regimens and regimen_id not in best:
                if c.regimens[regimen_id].setting != "metastatic":
                    continue
                option = judge(c, self._revisit(regimen_id), "revisit", f)
                if option.tier == "avoid":
                    best[regimen_id] = option

    def _revisit(self, regimen_id: str) -> Transition:
        """A pseudo-transition back to a regimen already given, so the usual rules judge it."""
        c = self.content
        text = c.message("previously_given", regimen=c.regimens[regimen_id].name)
        # Built from validated content and constants: a plain record, not validated.
        return Transition(
            from_=(c.header.engine.nodes.metastatic_diagnosis,),
            to=regimen_id,
            tier="alternative",
            rank=99,
            why=text,
        )

    def _continue_option(self, regimen_id: str, f: Facts) -> Option:
        """Continue the ongoing line: first, unless a safety rule now says otherwise (a
        pregnancy or heart failure during treatment is judged like any other option)."""
        c = self.content
        text = c.message("continue_ongoing", regimen=c.regimens[regimen_id].name)
        t = Transition(  # (see _revisit)
            from_=(c.header.engine.nodes.metastatic_diagnosis,),
            to=regimen_id,
            tier="preferred",
            rank=0,
            why=text,
            resumes=True,
        )
        return judge(c, t, "continue-ongoing", f)

    def _derived_notices(self, f: Facts) -> list[Notice]:
        kinds = {factor: kind for factor, _value, kind in TOXICITY_FACTORS.values()}
        return [
            Notice(kinds.get(name, "safety"), text, f"derived:{name}")
            for name, text in f.derived.items()
        ]

    def _relapse_notices(self, f: Facts) -> list[Notice]:
        c = self.content
        if f.setting != "metastatic" or f.relapse == "de-novo":
            return []
        # Only while the decision is the first after the relapse, not at later lines.
        if f.line is not None and f.line > (2 if f.rapid_relapse else 1):
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
        if f.relapse_during:
            return [Notice("early-relapse", c.message("early_relapse_during"), "builtin:relapse")]
        if f.relapse in ("within-6-months", "6-to-12-months"):
            return [
                Notice(
                    "early-relapse", c.message("early_relapse", months=months), "builtin:relapse"
                )
            ]
        return []


def _as_site(site: object) -> Site:
    """Accept the engine's own :class:`Site` or any object with the same attributes (the site
    settings file's model), so the site module and the engine stay independent."""
    if site is None:
        return Site()
    if isinstance(site, Site):
        return site
    return Site(
        unavailable_agents=frozenset(getattr(site, "unavailable_agents", ()) or ()),
        guideline_first=getattr(site, "guideline_first", None),
        name=str(getattr(site, "name", "") or ""),
    )


# ---------------------------------------------------------------------------- changes
ChangeKind = Literal["added", "removed", "tier", "first", "order"]


@frozen_value
class Change(FrozenValue):
    """How one option moved between two rankings (e.g. after a factor change).

    ``before``/``after`` are None when the option was not offered on that side; ``reason`` is
    the content's text for the rule that made the difference."""

    regimen: str
    name: str
    before: Tier | None
    after: Tier | None
    rank_before: int | None
    rank_after: int | None
    reason: str
    kind: ChangeKind = "tier"
    order_before: int | None = None
    order_after: int | None = None
    source: str = ""

    def describe(self, content: Content) -> str:
        """The change in words (the content's sentences), e.g. "… is now listed first because …"."""
        if self.kind == "added":
            return content.message(
                "change_added", regimen=self.name, tier=self.after or "", why=self.reason
            )
        if self.kind == "removed":
            return content.message("change_removed", regimen=self.name)
        if self.kind == "tier":
            return content.message(
                "change_tier",
                regimen=self.name,
                old=self.before or "",
                new=self.after or "",
                why=self.reason,
            )
        message = "change_first" if self.kind == "first" else "change_order"
        return content.message(message, regimen=self.name, why=self.reason)


def explain_change(before: Recommendation, after: Recommendation) -> list[Change]:
    """The options whose tier or order differs between two recommendations, best first."""
    old = {o.regimen: o for o in before.options}
    new = {o.regimen: o for o in after.options}
    changes = []
    for regimen in dict.fromkeys((*new, *old)):
        a, b = old.get(regimen), new.get(regimen)
        if a is not None and b is not None and (a.tier, a.order) == (b.tier, b.order):
            continue
        shown = b if b is not None else a
        assert shown is not None
        kind: ChangeKind
        if a is None:
            kind, reason, source = "added", shown.why, ""
        elif b is None:
            kind, reason, source = "removed", shown.why, ""
        elif a.tier != b.tier:
            kind, reason, source = "tier", b.why, _tier_source(b)
        else:
            kind = "first" if b.order == 1 else "order"
            reason, source = b.order_reason, b.ordered_by
        changes.append(
            Change(
                regimen=regimen,
                name=shown.name,
                before=a.tier if a else None,
                after=b.tier if b else None,
                rank_before=a.rank if a else None,
                rank_after=b.rank if b else None,
                reason=reason,
                kind=kind,
                order_before=a.order if a else None,
                order_after=b.order if b else None,
                source=source,
            )
        )
    return changes


def _tier_source(o: Option) -> str:
    """The step that last changed the option's tier."""
    for step in reversed(o.explanation):
        if step.before != step.after:
            return step.source
    return o.explanation[0].source if o.explanation else ""
