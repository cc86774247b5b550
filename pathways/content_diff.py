"""The clinical diff between two versions of the content, and the answers it changes.

Records (agents, regimens, trials, guideline positions, safety notes, transitions, rules,
pitfalls, messages, sources) are matched by id (a transition by its from → to pair) and each
change is classed for a clinical reader: added, removed, figures changed (old → new), re-tiered
(a tier, rank or mode), re-worded (text), or changed (anything else, e.g. a list of references).
Then every scenario of the library is run on both versions and every answer that moves is
listed (option added, removed, re-tiered, re-ordered) with the changed records that caused it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

from pathways.content import Content
from pathways.engine import Engine, Recommendation
from pathways.records import Record, to_data
from pathways.scenarios import Scenario, option_order, run_scenario

RecordKind = Literal["added", "removed", "figures", "retiered", "reworded", "changed"]
AnswerKind = Literal["added", "removed", "retiered", "reordered", "not-run"]
_TIER_KEYS = {"tier", "rank", "mode", "position"}
_MAX_DETAIL = 300


@dataclass(frozen=True)
class RecordChange:
    section: str  # "regimen", "evidence", "transition", ...
    id: str
    kind: RecordKind
    detail: str = ""

    @property
    def ref(self) -> str:
        return f"{self.section} {self.id}"


@dataclass(frozen=True)
class AnswerChange:
    scenario: str
    title: str
    kind: AnswerKind
    regimen: str = ""
    detail: str = ""
    causes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ContentDiff:
    old_version: str
    new_version: str
    records: tuple[RecordChange, ...]
    answers: tuple[AnswerChange, ...] = ()
    scenarios_run: int = 0

    @property
    def empty(self) -> bool:
        return not self.records and not self.answers

    def to_dict(self) -> dict[str, Any]:
        return {
            "old_version": self.old_version,
            "new_version": self.new_version,
            "records": [asdict(r) for r in self.records],
            "answers": [{**asdict(a), "causes": list(a.causes)} for a in self.answers],
            "scenarios_run": self.scenarios_run,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def record_lines(self) -> list[str]:
        return [
            f"{_KIND_WORDS[r.kind]:<16} {r.ref}{': ' + r.detail if r.detail else ''}"
            for r in self.records
        ]

    def answer_lines(self) -> list[str]:
        out = []
        for a in self.answers:
            what = f"{a.regimen} {a.detail}".strip()
            because = f" (caused by {', '.join(a.causes)})" if a.causes else ""
            out.append(f"[{a.scenario}] {_ANSWER_WORDS[a.kind]}: {what}{because}")
        return out

    def to_text(self) -> str:
        out = [f"Clinical diff: content {self.old_version} -> {self.new_version}", ""]
        out.append(f"Records ({len(self.records)} changes):")
        out += [f"  {line}" for line in self.record_lines()] or ["  none"]
        out.append("")
        out.append(
            f"Scenario answers that change ({len(self.answers)}, "
            f"over {self.scenarios_run} scenarios):"
        )
        out += [f"  {line}" for line in self.answer_lines()] or ["  none"]
        return "\n".join(out) + "\n"


_KIND_WORDS: dict[str, str] = {
    "added": "added",
    "removed": "removed",
    "figures": "figures changed",
    "retiered": "re-tiered",
    "reworded": "re-worded",
    "changed": "changed",
}
_ANSWER_WORDS: dict[str, str] = {
    "added": "option added",
    "removed": "option removed",
    "retiered": "option re-tiered",
    "reordered": "option re-ordered",
    "not-run": "cannot be run",
}


# ---------------------------------------------------------------------------- records
def transition_key(t: Record) -> str:
    """A transition's name in the diff: its id if it has one, else (some of) from -> to."""
    own = getattr(t, "id", None)
    if isinstance(own, str):
        return own
    sources: tuple[str, ...] = getattr(t, "from_", ())
    more = f" +{len(sources) - 3} more" if len(sources) > 3 else ""
    return f"{', '.join(sources[:3])}{more} -> {getattr(t, 'to', '?')}"


def _pair_transitions(
    old: Iterable[Record], new: Iterable[Record]
) -> tuple[list[tuple[Record, Record]], list[Record], list[Record]]:
    """Match transitions by id, else by target and the most shared sources (a source list
    that gains or loses a node is the same transition, changed)."""
    pairs: list[tuple[Record, Record]] = []
    left, right = list(old), list(new)
    for a in list(left):
        best: Record | None = None
        best_score = 0.0
        for b in right:
            if getattr(a, "id", None) is not None or getattr(b, "id", None) is not None:
                score = 1.0 if getattr(a, "id", None) == getattr(b, "id", None) else 0.0
            elif getattr(a, "to", None) != getattr(b, "to", None):
                continue
            else:
                fa, fb = set(getattr(a, "from_", ())), set(getattr(b, "from_", ()))
                score = len(fa & fb) / max(1, len(fa | fb))
            if score > best_score:
                best, best_score = b, score
        if best is not None:
            pairs.append((a, best))
            left.remove(a)
            right.remove(best)
    return pairs, left, right


def records_of(content: Content) -> dict[str, dict[str, dict[str, Any]]]:
    """Every reviewable record as plain data, by section and id."""

    def dump(items: Iterable[Record], key: Any = None) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for item in items:
            k = key(item) if key else str(getattr(item, "id", ""))
            out[k] = to_data(item, exclude_none=True)
        return out

    messages = to_data(content.messages)
    return {
        "source": dump(content.header.sources, key=lambda s: s.key),
        "entry point": dump(content.header.entry_points),
        "agent": dump(content.agents.values()),
        "regimen": dump(content.regimens.values()),
        "evidence": dump(content.evidence.values()),
        "guideline": dump(content.guidelines.values()),
        "safety": dump(content.safety.values()),
        "transition": dump(content.transitions, key=transition_key),
        "rule": dump(content.rules),
        "pitfall": dump(content.pitfalls),
        "message": {k: {"text": v} for k, v in messages.items()},
    }


def _leaves(value: Any, path: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_leaves(v, f"{path}.{k}" if path else str(k)))
        return out
    if isinstance(value, list) and any(isinstance(v, dict) for v in value):
        out = {}
        for i, v in enumerate(value):
            # Name list items where they have a name (a trial's endpoints): "[4: median PFS]".
            label = f"{i}: {v['name']}" if isinstance(v, dict) and "name" in v else str(i)
            out.update(_leaves(v, f"{path}[{label}]"))
        return out
    return {path: value}


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= 60 else text[:57] + "..."


def _compare(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[RecordKind, str]]:
    a, b = _leaves(old), _leaves(new)
    by_kind: dict[RecordKind, list[str]] = {}
    for path in sorted(a.keys() | b.keys()):
        x, y = a.get(path), b.get(path)
        if x == y:
            continue
        last = path.rsplit(".", 1)[-1].split("[")[0]
        kind: RecordKind
        if last in _TIER_KEYS:
            kind = "retiered"
        elif isinstance(x, int | float) or isinstance(y, int | float):
            kind = "figures"
        elif isinstance(x, str) and isinstance(y, str):
            kind = "reworded"
        else:
            kind = "changed"
        if isinstance(x, list) and isinstance(y, list):
            gone = [f"-{_short(v)}" for v in x if v not in y]
            came = [f"+{_short(v)}" for v in y if v not in x]
            note = f"{path} {' '.join(gone + came) or 're-ordered'}"
        elif kind in ("retiered", "figures"):
            note = f"{path} {_short(x) if x is not None else '(none)'} -> "
            note += _short(y) if y is not None else "(none)"
        else:
            note = path
        by_kind.setdefault(kind, []).append(note)
    out: list[tuple[RecordKind, str]] = []
    kinds: tuple[RecordKind, ...] = ("figures", "retiered", "reworded", "changed")
    for kind in kinds:
        if kind in by_kind:
            detail = "; ".join(by_kind[kind])
            out.append((kind, detail if len(detail) <= _MAX_DETAIL else detail[:297] + "..."))
    return out


def _dump(item: Record) -> dict[str, Any]:
    data: dict[str, Any] = to_data(item, exclude_none=True)
    return data


def diff_records(old: Content, new: Content) -> list[RecordChange]:
    a, b = records_of(old), records_of(new)
    out: list[RecordChange] = []
    for section in a:
        if section == "transition":
            pairs, removed, added = _pair_transitions(old.transitions, new.transitions)
            out += [RecordChange(section, transition_key(t), "removed") for t in removed]
            for x, y in pairs:
                out += [
                    RecordChange(section, transition_key(y), k, d)
                    for k, d in _compare(_dump(x), _dump(y))
                ]
            out += [RecordChange(section, transition_key(t), "added") for t in added]
            continue
        old_recs, new_recs = a[section], b.get(section, {})
        for rid in old_recs:
            if rid not in new_recs:
                out.append(RecordChange(section, rid, "removed"))
        for rid in new_recs:
            if rid not in old_recs:
                out.append(RecordChange(section, rid, "added"))
            else:
                out += [
                    RecordChange(section, rid, k, d)
                    for k, d in _compare(old_recs[rid], new_recs[rid])
                ]
    return out


# ---------------------------------------------------------------------------- answers
def _related(content: Content, rec: Recommendation | None, regimen: str) -> set[str]:
    """Records that may decide how ``regimen`` is offered in ``rec`` (as RecordChange.ref)."""
    refs = {f"regimen {regimen}"}
    if regimen in content.regimens:
        reg = content.regimens[regimen]
        refs |= {f"evidence {e}" for e in reg.evidence}
        refs |= {f"guideline {g}" for g in reg.guidelines}
        refs |= {f"safety {s}" for s in reg.safety}
        agents = content.possible_agents(regimen)
        refs |= {f"agent {a}" for a in agents}
        classes = content.agent_classes(regimen)
        for rule in content.rules:
            if regimen in rule.regimens or agents & set(rule.agents) or classes & set(rule.classes):
                refs.add(f"rule {rule.id}")
    for t in content.transitions:
        if t.to == regimen:
            refs.add(f"transition {transition_key(t)}")
    option = rec.option(regimen) if rec is not None else None
    if option is not None:
        for step in option.explanation:
            if ":" in step.source:
                kind, _, rid = step.source.partition(":")
                refs.add(f"{'message' if kind == 'builtin' else kind} {rid}")
        refs |= {f"evidence {e}" for e in option.evidence}
    return refs


def diff_answers(
    old: Content, new: Content, scenarios: Iterable[Scenario], changed: Iterable[RecordChange]
) -> tuple[list[AnswerChange], int]:
    changed_refs = {r.ref for r in changed}
    old_engine, new_engine = Engine(old), Engine(new)
    out: list[AnswerChange] = []
    count = 0
    for s in scenarios:
        count += 1
        before, after = run_scenario(old_engine, s), run_scenario(new_engine, s)
        if after.recommendation is None or before.recommendation is None:
            reason = after.error or before.error or ""
            if (before.error is None) != (after.error is None):
                out.append(AnswerChange(s.id, s.title, "not-run", detail=reason))
            continue
        a, b = before.recommendation, after.recommendation
        ta = {o.regimen: o.tier for o in a.options}
        tb = {o.regimen: o.tier for o in b.options}

        def causes(regimen: str, a: Recommendation = a, b: Recommendation = b) -> tuple[str, ...]:
            related = _related(old, a, regimen) | _related(new, b, regimen)
            return tuple(sorted(related & changed_refs))

        for r in tb.keys() - ta.keys():
            out.append(AnswerChange(s.id, s.title, "added", r, f"as {tb[r]}", causes(r)))
        for r in ta.keys() - tb.keys():
            out.append(AnswerChange(s.id, s.title, "removed", r, f"was {ta[r]}", causes(r)))
        for r in ta.keys() & tb.keys():
            if ta[r] != tb[r]:
                out.append(
                    AnswerChange(s.id, s.title, "retiered", r, f"{ta[r]} -> {tb[r]}", causes(r))
                )
        oa, ob = option_order(a), option_order(b)
        common = [r for r in oa if r in ob and ta[r] == tb[r]]
        place_a = {r: sorted({oa[c] for c in common}).index(oa[r]) for r in common}
        place_b = {r: sorted({ob[c] for c in common}).index(ob[r]) for r in common}
        for r in common:
            if place_a[r] != place_b[r]:
                detail = f"place {place_a[r] + 1} -> {place_b[r] + 1}"
                out.append(AnswerChange(s.id, s.title, "reordered", r, detail, causes(r)))
    out.sort(key=lambda c: (c.scenario, c.kind, c.regimen))
    return out, count


def diff_content(old: Content, new: Content, scenarios: Iterable[Scenario] = ()) -> ContentDiff:
    records = diff_records(old, new)
    answers, count = diff_answers(old, new, scenarios, records)
    return ContentDiff(old.version, new.version, tuple(records), tuple(answers), count)


def by_section(records: Iterable[RecordChange]) -> Mapping[str, list[RecordChange]]:
    out: dict[str, list[RecordChange]] = {}
    for r in records:
        out.setdefault(r.section, []).append(r)
    return out


__all__ = ["AnswerChange", "ContentDiff", "RecordChange", "by_section", "diff_content"]
