"""Conditions matched field by field against the facts.

Every field of :class:`pathways.schema.Condition` has exactly one matcher here (a test checks the
two lists are the same), so a field added to the schema cannot silently match every patient.
Patient factors are matched generically from :data:`pathways.vocab.FACTORS`, on their effective
value (a recorded toxicity counts like the factor).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from pathways.facts import Facts
from pathways.schema import Condition
from pathways.vocab import FACTORS

Matcher = Callable[[Any, Facts], bool]


def _factor_matcher(name: str, kind: str) -> Matcher:
    if kind == "bool":
        return lambda wanted, f: f.factor(name) is wanted
    return lambda allowed, f: f.factor(name) in allowed


def _toxicity(cond: Condition, f: Facts) -> bool:
    on = set(cond.toxicity_on_any or ())
    details = cond.toxicity_detail
    return any(
        (not on or t.agents & on) and (details is None or t.detail in details) for t in f.toxicities
    )


def _offered(wanted: tuple[str, ...], f: Facts) -> bool:
    return f.offered is not None and set(wanted) <= f.offered


def _not_offered(wanted: tuple[str, ...], f: Facts) -> bool:
    return f.offered is not None and not set(wanted) & f.offered


MATCHERS: dict[str, Matcher] = {
    **{
        spec.name: _factor_matcher(spec.name, spec.kind)
        for spec in FACTORS
        if spec.kind != "number"
    },
    "lvef_below": lambda limit, f: f.factors.lvef is not None and f.factors.lvef < limit,
    "lvef_band": lambda bands, f: f.lvef_band in bands,
    "line_at_least": lambda n, f: f.line is not None and f.line >= n,
    "line_at_most": lambda n, f: f.line is not None and f.line <= n,
    "setting": lambda s, f: f.setting == s,
    "relapse": lambda timings, f: f.relapse in timings,
    "early_pertuzumab": lambda wanted, f: f.early_pertuzumab is wanted,
    "last_outcome": lambda outcomes, f: f.last_outcome in outcomes,
    "last_toxicity": lambda details, f: f.last_toxicity in details,
    "received_any": lambda ids, f: bool(f.received & set(ids)),
    "received_none": lambda ids, f: not f.received & set(ids),
    "progressed_on_any": lambda ids, f: bool(f.progressed & set(ids)),
    # toxicity_on_any and toxicity_detail are one test (see _toxicity): matched together.
    "toxicity_on_any": lambda _ids, _f: True,
    "toxicity_detail": lambda _details, _f: True,
    "guideline_first": lambda bodies, f: f.site.guideline_first in bodies,
    "offered": _offered,
    "not_offered": _not_offered,
    "any_of": lambda subs, f: any(holds(sub, f) for sub in subs),
    "none_of": lambda subs, f: not any(holds(sub, f) for sub in subs),
}

# Fields whose truth depends on the ranking itself: allowed in pitfalls only.
RANKING_FIELDS = frozenset({"offered", "not_offered"})


# The fields a condition sets, with their matchers, in MATCHERS' order: found once per
# condition (by identity, the condition kept with its entry), not by reading all ~30 fields
# of every condition at every test (the engine tests thousands per answer).
_CHECKS: dict[int, tuple[Condition, tuple[tuple[Matcher, Any], ...]]] = {}
_MAX_CHECKS = 20_000  # conditions of a few contents; cleared beyond (tests make many)


def _checks(cond: Condition) -> tuple[tuple[Matcher, Any], ...]:
    entry = _CHECKS.get(id(cond))
    if entry is None or entry[0] is not cond:
        if len(_CHECKS) >= _MAX_CHECKS:
            _CHECKS.clear()
        checks = tuple(
            (matcher, wanted)
            for name, matcher in MATCHERS.items()
            if (wanted := getattr(cond, name)) is not None
        )
        entry = _CHECKS[id(cond)] = (cond, checks)
    return entry[1]


def holds(cond: Condition | None, f: Facts) -> bool:
    if cond is None:
        return True
    for matcher, wanted in _checks(cond):
        if not matcher(wanted, f):
            return False
    if cond.toxicity_on_any is not None or cond.toxicity_detail is not None:
        return _toxicity(cond, f)
    return True


def fields_used(cond: Condition | None) -> Iterator[str]:
    """Every field set in the condition, nested ones included."""
    if cond is None:
        return
    for name in MATCHERS:
        value = getattr(cond, name)
        if value is None:
            continue
        yield name
        if name in ("any_of", "none_of"):
            for sub in value:
                yield from fields_used(sub)


def derived_notes(cond: Condition | None, f: Facts) -> list[str]:
    """Where a factor this condition reads was set by a recorded toxicity, that line in words."""
    return [f.derived[name] for name in dict.fromkeys(fields_used(cond)) if name in f.derived]
