"""Ranking: from a transition and the facts to one judged option, and from options to an order.

How a tier is decided, in this order (each applied change is an explanation step):
1. the transition's own tier;
2. ``set``: of the edge adjustments and rules that set a tier, the one with the highest
   ``priority`` decides (then the later one in the files);
3. ``raise``: no worse than each raising rule;
4. ``cap``: no better than each capping rule — safety rules cap, so nothing undoes them;
5. built-in exclusions (never again after progression on the regimen or a defining agent; an
   agent the site does not have) cap at "avoid".
A rule that lowers a tier applies when ANY variant of the regimen contains its agent or class
(an either/or regimen with trastuzumab is ruled out in pregnancy); one that raises applies only
when EVERY variant does.

How options are ordered: by tier, then by rank. The rank comes from the transition unless an
adjustment or rule sets one; of those, the highest ``priority`` decides, and the option names
it (``ordered_by``). Options of one tier with equal ranks are guideline ties: they share an order
number and are marked as such; their alphabetical listing is not a ranking.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from pathways.conditions import derived_notes, holds
from pathways.content import Content
from pathways.facts import Facts
from pathways.frozen import FrozenValue, frozen_value
from pathways.schema import Adjustment, ScopedRule, Transition
from pathways.vocab import CLASS_LABEL, TIER_ORDER, WARNING_WEIGHT, Tier


@frozen_value
class Notice(FrozenValue):
    """A warning: ``kind`` is one of :data:`pathways.vocab.WarningKind`."""

    kind: str
    text: str
    source: str = ""
    title: str = ""

    def to_dict(self) -> dict[str, str]:
        out = {"kind": self.kind, "text": self.text}
        if self.title:
            out["title"] = self.title
        if self.source:
            out["source"] = self.source
        return out


@frozen_value
class Step(FrozenValue):
    """One rule or fact that set or changed an option's tier or order: the explanation's unit."""

    source: str  # "transition:<id>", "adjustment:<id>", "rule:<id>", "builtin:<name>", "site:…"
    text: str
    before: Tier | None
    after: Tier
    rank: int | None = None  # the rank this step set, if it set one


# Made and copied with changes (replace) dozens of times per ranking: its generated __init__
# is kept (pathways.frozen's shared one made next_options ~12 % slower).
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
    order: int | None = None  # 1-based place among the usable options; ties share it
    tied: bool = False  # the guidelines do not rank it against another option of this order
    ordered_by: str = ""  # the step source that set the rank
    order_reason: str = ""
    flags: tuple[str, ...] = ()  # every warning kind that applies, shown or folded into why
    # The patient-safety rules that applied (shown once for the case, whatever they did here).
    safety: tuple[Notice, ...] = field(default=(), repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "regimen": self.regimen,
            "name": self.name,
            "tier": self.tier,
            "order": self.order,
            "tied": self.tied,
            "ordered_by": self.ordered_by,
            "order_reason": self.order_reason,
            "continuing": self.continuing,
            "why": self.why,
            "evidence": list(self.evidence),
            "guidelines": list(self.guidelines),
            "flags": list(self.flags),
            "warnings": [w.to_dict() for w in self.warnings],
            "explanation": [
                {"source": s.source, "text": s.text, "from": s.before, "to": s.after}
                | ({"rank": s.rank} if s.rank is not None else {})
                for s in self.explanation
            ],
        }


@frozen_value
class _Change(FrozenValue):
    source: str
    tier: Tier | None
    mode: str
    rank: int | None
    priority: int
    reason: str
    warning: str | None
    evidence: tuple[str, ...]
    plain: str = ""  # the reason without the derived-factor sentence (for the case's notices)


def _change(source: str, item: Adjustment | ScopedRule, f: Facts) -> _Change:
    """An edge adjustment or a rule that holds, as the change it makes to an option."""
    return _Change(
        source,
        item.tier,
        item.mode,
        item.rank,
        item.priority,
        _with_derived(item.reason, derived_notes(item.when, f)),
        item.warning,
        item.evidence,
        item.reason,
    )


def _with_derived(reason: str, notes: Sequence[str]) -> str:
    return " ".join((reason, *notes)) if notes else reason


def lowers(rule: ScopedRule | Adjustment) -> bool:
    """Rules that can only make an option worse (or only warn) match any variant."""
    if rule.mode == "raise":
        return False
    return not (rule.mode == "set" and rule.tier in ("preferred", "alternative"))


def in_scope(content: Content, rule: ScopedRule, regimen_id: str) -> bool:
    if regimen_id in rule.regimens:
        return True
    if lowers(rule):
        agents, classes = content.any_agents(regimen_id), content.any_classes(regimen_id)
    else:
        agents, classes = content.definite_agents(regimen_id), content.agent_classes(regimen_id)
    return bool(agents & set(rule.agents)) or bool(classes & set(rule.classes))


# The rules whose scope takes in a regimen depend on the content alone: worked out once per
# content and regimen, not for every option of every answer (17 rules × every option).
_IN_SCOPE: weakref.WeakKeyDictionary[Content, dict[str, tuple[ScopedRule, ...]]] = (
    weakref.WeakKeyDictionary()
)


def rules_in_scope(content: Content, regimen_id: str) -> tuple[ScopedRule, ...]:
    """The content's scoped rules that apply to ``regimen_id``, in the files' order."""
    per_regimen = _IN_SCOPE.get(content)
    if per_regimen is None:
        per_regimen = _IN_SCOPE[content] = {}
    found = per_regimen.get(regimen_id)
    if found is None:
        found = per_regimen[regimen_id] = tuple(
            rule for rule in content.rules if in_scope(content, rule, regimen_id)
        )
    return found


def judge(content: Content, t: Transition, tid: str, f: Facts) -> Option:
    """The option ``t`` leads to, judged for this patient."""
    c = content
    regimen = c.regimens[t.to]
    changes = [
        _change(f"adjustment:{a.id or f'{tid}/{i}'}", a, f)
        for i, a in enumerate(t.adjust)
        if holds(a.when, f)
    ]
    changes += [
        _change(f"rule:{rule.id}", rule, f)
        for rule in rules_in_scope(c, regimen.id)
        if holds(rule.when, f)
    ]
    warnings: list[Notice] = []
    changes += _builtin_exclusions(c, regimen.id, f, warnings)

    tier: Tier = t.tier
    steps = [Step(f"transition:{tid}", t.why, None, tier, t.rank)]
    why = t.why

    def apply(ch: _Change, new: Tier) -> None:
        nonlocal tier, why
        before = tier
        tier = new
        steps.append(Step(ch.source, ch.reason, before, tier, ch.rank))
        if tier != before:
            why = ch.reason

    sets = [ch for ch in changes if ch.tier is not None and ch.mode == "set"]
    if sets:
        winner = _winner(sets)
        assert winner.tier is not None
        apply(winner, winner.tier)
    for ch in changes:
        if ch.tier is not None and ch.mode == "raise":
            apply(ch, _better(tier, ch.tier))
    for ch in changes:
        if ch.tier is not None and ch.mode == "cap":
            apply(ch, _worse(tier, ch.tier))
    for ch in changes:
        # A rank or a note only; on an option to avoid, only what warns is worth showing.
        if ch.tier is None and (tier != "avoid" or ch.warning):
            steps.append(Step(ch.source, ch.reason, tier, tier, ch.rank))

    rank, ordered_by, order_reason = t.rank, f"transition:{tid}", t.why
    rankers = [ch for ch in changes if ch.rank is not None]
    if rankers:
        top = _winner(rankers)
        assert top.rank is not None
        rank, ordered_by, order_reason = top.rank, top.source, top.reason

    evidence = [*t.evidence, *(e for ch in changes for e in ch.evidence), *regimen.evidence]
    ruled = [Notice(ch.warning, ch.reason, ch.source) for ch in changes if ch.warning]
    warnings.extend(ruled)
    if f.setting == "metastatic" and tier != "avoid":
        warnings.extend(population_notes(c, t.evidence or regimen.evidence, f))
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
    flags = [w.kind for w in warnings]
    # The reason that decided the tier is the option's "why": not repeated as its own warning.
    shown = [w for w in dedupe(warnings) if w.text != why]
    # For the case: each patient-safety rule that bears on an option offered, or that ruled this
    # one out (the line a toxicity came from is already a notice of its own).
    decided = {s.source for s in steps if s.before != s.after}
    safety = tuple(
        Notice(ch.warning, ch.plain or ch.reason, ch.source)
        for ch in changes
        if ch.warning
        and WARNING_WEIGHT.get(ch.warning) == "patient"
        and (tier != "avoid" or ch.source in decided)
    )
    return Option(
        regimen=regimen.id,
        name=regimen.name,
        tier=tier,
        rank=rank,
        why=why,
        evidence=tuple(dict.fromkeys(evidence)),
        guidelines=tuple(dict.fromkeys((*t.guidelines, *regimen.guidelines))),
        warnings=tuple(shown),
        explanation=tuple(steps),
        continuing=t.resumes,
        ordered_by=ordered_by,
        order_reason=order_reason,
        flags=tuple(dict.fromkeys(flags)),
        safety=safety,
    )


def _builtin_exclusions(
    c: Content, regimen_id: str, f: Facts, notes: list[Notice]
) -> list[_Change]:
    """Never again after progression (by regimen, or by a defining agent); not at this site."""
    regimen = c.regimens[regimen_id]
    out: list[_Change] = []
    if regimen_id in f.progressed:
        where = f.progressed_where.get(regimen_id)
        if regimen.beyond_progression:
            notes.append(
                Notice(
                    "repeated-regimen",
                    c.message("beyond_progression", regimen=regimen.name),
                    "builtin:beyond-progression",
                )
            )
        else:
            line = (
                _line_words(where)
                if where is None or where.line is not None
                else ("relapse during or soon after it")
            )
            text = c.message("repeated_regimen", regimen=regimen.short, line=line)
            out.append(_Change("builtin:repeated-regimen", "avoid", "cap", None, 0, text, None, ()))
            notes.append(Notice("repeated-regimen", text, "builtin:repeated-regimen"))
    else:
        shared = sorted(set(regimen.defining_agents) & f.progressed)
        if shared:
            where_each = []
            for agent, name in zip(shared, agent_names(c, shared), strict=True):
                where = f.progressed_where.get(agent)
                given = c.regimens[where.regimen].short if where else ""
                sep = " " if where is not None and where.line is None else ", "
                where_each.append(f"{name} ({_line_words(where)}{sep}{given})")
            text = c.message("repeated_agent", agents=join(where_each), regimen=regimen.short)
            out.append(_Change("builtin:repeated-agent", "avoid", "cap", None, 0, text, None, ()))
            notes.append(Notice("repeated-regimen", text, "builtin:repeated-agent"))
    missing = sorted(f.site.unavailable_agents & c.any_agents(regimen_id))
    if missing:
        text = c.message(
            "site_unavailable", agents=join(agent_names(c, missing)), site=f.site.name or "-"
        )
        out.append(_Change("site:unavailable", "avoid", "cap", None, 0, text, "site", ()))
    return out


def _line_words(where: object) -> str:
    line = getattr(where, "line", None)
    return f"line {line}" if line is not None else "relapse soon after"


def _winner(changes: Sequence[_Change]) -> _Change:
    """Highest priority; among equals, the later one (rules come after edge adjustments)."""
    return max(enumerate(changes), key=lambda item: (item[1].priority, item[0]))[1]


def _better(current: Tier, floor: Tier) -> Tier:
    return current if TIER_ORDER[current] <= TIER_ORDER[floor] else floor


def _worse(current: Tier, ceiling: Tier) -> Tier:
    return current if TIER_ORDER[current] >= TIER_ORDER[ceiling] else ceiling


def sort_key(o: Option) -> tuple[int, int, str]:
    return (TIER_ORDER[o.tier], o.rank, o.name.lower())


def order_options(options: Iterable[Option]) -> tuple[Option, ...]:
    """Sorted, with order numbers: options of one tier and rank share a number (a tie)."""
    ranked = sorted(options, key=sort_key)
    groups: dict[tuple[str, int], int] = {}
    for o in ranked:
        if o.tier != "avoid":
            groups[(o.tier, o.rank)] = groups.get((o.tier, o.rank), 0) + 1
    out: list[Option] = []
    number = 0
    previous: tuple[str, int] | None = None
    for o in ranked:
        if o.tier == "avoid":
            out.append(replace(o, order=None, tied=False))
            continue
        key = (o.tier, o.rank)
        if key != previous:
            number += 1
            previous = key
        out.append(replace(o, order=number, tied=groups[key] > 1))
    return tuple(out)


# ---------------------------------------------------------------------------- population notes
def population_notes(content: Content, evidence_ids: Iterable[str], f: Facts) -> list[Notice]:
    """Where the trials' populations differ from this patient's sequence, grouped so that
    trials differing in the same way share one sentence (the content's wording)."""
    naive: dict[tuple[str, ...], list[str]] = {}
    required: dict[tuple[str, ...], list[str]] = {}
    lines: dict[int, list[str]] = {}
    most: dict[int, list[str]] = {}
    classes: dict[tuple[str, ...], list[str]] = {}
    for eid in evidence_ids:
        ev = content.evidence[eid]
        pop = ev.population
        gap = tuple(sorted(set(pop.naive_to) & f.exposed_agents))
        if gap:
            naive.setdefault(gap, []).append(ev.trial)
        missing = tuple(sorted(set(pop.prior_required) - f.exposed_agents))
        if missing and f.received_agents:
            required.setdefault(missing, []).append(ev.trial)
        # A class counts as missing only if no variant of anything given could contain it
        # (trastuzumab + "a chemotherapy partner" may have been paclitaxel).
        lacking = tuple(sorted(set(pop.prior_required_classes) - f.possible_classes))
        if lacking and f.received:
            classes.setdefault(lacking, []).append(ev.trial)
        need = pop.min_prior_her2_lines
        if need is not None and f.prior_her2_metastatic_lines < need:
            lines.setdefault(need, []).append(ev.trial)
        cap = pop.max_prior_lines
        if cap is not None and f.prior_lines > cap:
            most.setdefault(cap, []).append(ev.trial)

    notes = [
        Notice(
            "evidence-gap",
            content.message(message, trial=join(trials), agents=join(agent_names(content, ids))),
            "population",
        )
        for message, groups in (("population_naive", naive), ("population_required", required))
        for ids, trials in groups.items()
    ]
    notes += [
        Notice(
            "evidence-gap",
            content.message(
                "population_classes",
                trial=join(trials),
                classes=join([CLASS_LABEL[cls] for cls in lacking]),
            ),
            "population",
        )
        for lacking, trials in classes.items()
    ]
    notes += [
        Notice(
            "evidence-gap",
            content.message("population_lines", trial=join(trials), count=count),
            "population",
        )
        for count, trials in lines.items()
    ]
    notes += [
        Notice(
            "evidence-gap",
            content.message(
                "population_max_lines", trial=join(trials), count=count, lines=f.prior_lines
            ),
            "population",
        )
        for count, trials in most.items()
    ]
    return notes


def agent_names(content: Content, ids: Iterable[str]) -> list[str]:
    """Drug names as they read mid-sentence: "trastuzumab", but "T-DXd"."""
    return [_lower_first(content.agents[a].name) for a in ids]


def _lower_first(name: str) -> str:
    return name if name[1:2].isupper() else name[:1].lower() + name[1:]


def join(items: Sequence[str]) -> str:
    items = list(dict.fromkeys(items))
    if not items:
        return ""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def dedupe(items: Iterable[Notice]) -> list[Notice]:
    seen: set[tuple[str, str]] = set()
    out = []
    for n in items:
        if (n.kind, n.text) not in seen:
            seen.add((n.kind, n.text))
            out.append(n)
    return out
