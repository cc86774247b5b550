"""Decision snapshots: taking one, comparing it with today's answer, and local practice.

A decision keeps what the board saw (:class:`pathways.library.DecisionSnapshot`). When the patient
comes back, :func:`since_decision` says whether today's case and content would give a different
answer: options added, removed, re-tiered or re-ordered, each with the explanation sources
(rules, adjustments, transitions) and evidence records that differ. :func:`local_practice` counts
how this board decided before at the same decision point. Both return data, never sentences: the
window and the PDF phrase them the same way (``app/tumor_board/summary.py``).

No Qt here; the command line uses the same functions.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from pathways.case import Case, dump_case
from pathways.engine import Engine, Recommendation
from pathways.frozen import FrozenValue, frozen_value
from pathways.library import Decision, DecisionSnapshot
from pathways.version import APP_VERSION

ON_PATHWAY_TIERS = ("preferred", "alternative")

ChangeKind = Literal["added", "removed", "retiered", "reordered"]


def app_version() -> str:
    return APP_VERSION


def take_snapshot(engine: Engine, case: Case) -> tuple[DecisionSnapshot, Recommendation]:
    """The case exactly as presented and the engine's answer for it, now."""
    content = engine.content
    rec = engine.next_options(case)
    snapshot = DecisionSnapshot(
        case_json=dump_case(case),
        recommendation=rec.to_dict(content),
        content_version=content.version,
        content_digest=content.digest,
        app_version=app_version(),
    )
    return snapshot, rec


def is_on_pathway(rec: Recommendation, regimen: str) -> bool:
    """The engine's verdict on a choice: on the pathway if preferred or alternative."""
    return rec.tier_of(regimen) in ON_PATHWAY_TIERS


# ---------------------------------------------------------------------------- comparison
@frozen_value
class OptionChange(FrozenValue):
    kind: ChangeKind
    regimen: str
    name: str
    before: str | None  # tier then (None: not offered)
    after: str | None  # tier now (None: not offered)
    rank_before: int | None  # 1-based position in the list then
    rank_after: int | None
    sources: tuple[str, ...]  # explanation sources and evidence ids that differ


@frozen_value
class SinceDecision(FrozenValue):
    """What differs between the snapshot and today's answer for the same patient."""

    content_changed: bool  # today's content digest differs
    content_version_then: str
    content_version_now: str
    case_changed: bool  # the library case differs from the case as presented
    case_unreadable: bool  # today's case cannot be read with today's content
    changes: tuple[OptionChange, ...]

    @property
    def answer_changed(self) -> bool:
        return bool(self.changes)

    @property
    def anything_changed(self) -> bool:
        return self.content_changed or self.case_changed or bool(self.changes)


def _options(rec: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    options = rec.get("options", [])
    if not isinstance(options, list):
        return []
    return [o for o in options if isinstance(o, Mapping) and isinstance(o.get("regimen"), str)]


def _sources(option: Mapping[str, Any], evidence: bool = True) -> set[str]:
    """The option's explanation sources (rules, transitions…) and, if asked, its evidence."""
    out: set[str] = set()
    for step in option.get("explanation", []) or []:
        if isinstance(step, Mapping) and isinstance(step.get("source"), str):
            out.add(step["source"])
    if evidence:
        for record in option.get("evidence", []) or []:
            if isinstance(record, str):
                out.add(f"evidence:{record}")
    return out


def _why_listed(option: Mapping[str, Any]) -> tuple[str, ...]:
    """For an option added or removed: the rules and transitions behind it (its evidence
    records only when nothing else explains it)."""
    return tuple(sorted(_sources(option, evidence=False) or _sources(option)))


def _explanation_key(option: Mapping[str, Any]) -> list[tuple[str, str | None, str | None]]:
    key = []
    for step in option.get("explanation", []) or []:
        if isinstance(step, Mapping):
            key.append((str(step.get("source")), step.get("from"), step.get("to")))
    return key


def compare_recommendations(
    then: Mapping[str, Any], now: Mapping[str, Any]
) -> tuple[OptionChange, ...]:
    """Options added, removed, re-tiered or re-ordered between two ``Recommendation.to_dict``."""
    before = {o["regimen"]: (i + 1, o) for i, o in enumerate(_options(then))}
    after = {o["regimen"]: (i + 1, o) for i, o in enumerate(_options(now))}
    changes: list[OptionChange] = []
    for regimen, (rank, option) in after.items():
        name = str(option.get("name", regimen))
        if regimen not in before:
            changes.append(
                OptionChange(
                    "added",
                    regimen,
                    name,
                    None,
                    str(option.get("tier")),
                    None,
                    rank,
                    _why_listed(option),
                )
            )
            continue
        old_rank, old = before[regimen]
        sources = _sources(old) ^ _sources(option)
        if _explanation_key(old) != _explanation_key(option):
            # Same sources, different effect: name the sources whose steps changed.
            old_steps = set(_explanation_key(old))
            new_steps = set(_explanation_key(option))
            sources |= {s[0] for s in old_steps ^ new_steps}
        if old.get("tier") != option.get("tier"):
            kind: ChangeKind = "retiered"
        elif _relative_order(before, after, regimen):
            kind = "reordered"
        else:
            continue
        changes.append(
            OptionChange(
                kind,
                regimen,
                name,
                str(old.get("tier")),
                str(option.get("tier")),
                old_rank,
                rank,
                tuple(sorted(sources)),
            )
        )
    for regimen, (rank, option) in before.items():
        if regimen not in after:
            changes.append(
                OptionChange(
                    "removed",
                    regimen,
                    str(option.get("name", regimen)),
                    str(option.get("tier")),
                    None,
                    rank,
                    None,
                    _why_listed(option),
                )
            )
    return tuple(changes)


def _relative_order(
    before: Mapping[str, tuple[int, Any]], after: Mapping[str, tuple[int, Any]], regimen: str
) -> bool:
    """Whether ``regimen`` changed places relative to an option present both times.

    An option that merely moves because another was added or removed has not been re-ordered.
    """
    common = [r for r in before if r in after]
    then = sorted(common, key=lambda r: before[r][0])
    now = sorted(common, key=lambda r: after[r][0])
    return then.index(regimen) != now.index(regimen)


def _normal_case(case_json: str) -> Any:
    try:
        return json.loads(case_json)
    except (ValueError, RecursionError):
        return None


def since_decision(
    snapshot: DecisionSnapshot, engine: Engine, case_today: Case | None, case_json_today: str
) -> SinceDecision:
    """Compare what the board saw with what today's content says about today's case.

    ``case_today`` is the library case parsed with today's content (None if it cannot be read);
    ``case_json_today`` its stored text.
    """
    content = engine.content
    changes: tuple[OptionChange, ...] = ()
    if case_today is not None:
        changes = compare_recommendations(
            snapshot.recommendation, engine.next_options(case_today).to_dict(content)
        )
    return SinceDecision(
        content_changed=snapshot.content_digest != content.digest,
        content_version_then=snapshot.content_version,
        content_version_now=content.version,
        case_changed=_normal_case(snapshot.case_json) != _normal_case(case_json_today),
        case_unreadable=case_today is None,
        changes=changes,
    )


# ---------------------------------------------------------------------------- local practice
@frozen_value
class LocalPractice(FrozenValue):
    """How this board decided before at one decision point (from the local library only)."""

    position: str  # the engine's position id (the last regimen, or an entry point)
    line: int | None
    brain_metastases: str
    total: int  # earlier decisions at this point (current versions, other cases)
    chosen: tuple[tuple[str, int], ...]  # (regimen, count), most often chosen first


def _factor(case_json: str, name: str, default: str) -> str:
    case = _normal_case(case_json)
    if not isinstance(case, dict):
        return default
    factors = case.get("factors")
    value = factors.get(name, default) if isinstance(factors, dict) else default
    return value if isinstance(value, str) else default


def local_practice(
    decisions: Iterable[Decision],
    today: Mapping[str, Any],
    case: Case,
    exclude_case: int | None = None,
) -> LocalPractice:
    """Count the board's current decisions whose snapshot was at the same point as ``today``
    (a ``Recommendation.to_dict``, like the snapshots).

    The same point: the same position and line, and the same brain-metastases status (the
    factor that most often changes the choice). Superseded versions and the case itself
    (``exclude_case``) are left out.
    """
    position, line = str(today.get("position", "")), today.get("line")
    brain = case.factors.brain_metastases
    counts: Counter[str] = Counter()
    for d in decisions:
        s = d.snapshot
        if s is None or not d.is_current or d.case_id == exclude_case:
            continue
        then = s.recommendation
        if then.get("position") != position or then.get("line") != line:
            continue
        if _factor(s.case_json, "brain_metastases", "none") != brain:
            continue
        counts[d.chosen_regimen] += 1
    chosen = tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return LocalPractice(
        position, line if isinstance(line, int) else None, brain, sum(counts.values()), chosen
    )


def tiers(rec: Mapping[str, Any]) -> Sequence[tuple[str, str, str]]:
    """(regimen, name, tier) of a recommendation dict, in its order."""
    return [
        (o["regimen"], str(o.get("name", o["regimen"])), str(o.get("tier"))) for o in _options(rec)
    ]
