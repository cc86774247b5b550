"""What the engine works out once per content (rules in scope, a condition's set fields)
gives the answers working it out every time would."""

from __future__ import annotations

import dataclasses

from pathways import conditions
from pathways.conditions import MATCHERS, holds
from pathways.content import Content
from pathways.facts import derive_facts
from pathways.ranking import in_scope, rules_in_scope
from pathways.schema import Condition
from tests.pathways.conftest import line, make_case


def test_rules_in_scope_are_the_rules_whose_scope_takes_the_regimen(content: Content) -> None:
    for regimen in content.regimens:
        expected = tuple(rule for rule in content.rules if in_scope(content, rule, regimen))
        assert rules_in_scope(content, regimen) == expected
        assert rules_in_scope(content, regimen) is rules_in_scope(content, regimen)
    some = next(r for r in content.regimens if rules_in_scope(content, r))
    other = dataclasses.replace(content, rules=())  # another content: its own answer
    assert rules_in_scope(other, some) == ()


def _holds_by_reading_every_field(cond: Condition, facts: object) -> bool:
    for name, matcher in MATCHERS.items():
        wanted = getattr(cond, name)
        if wanted is not None and not matcher(wanted, facts):  # type: ignore[arg-type]
            return False
    if cond.toxicity_on_any is not None or cond.toxicity_detail is not None:
        return conditions._toxicity(cond, facts)  # type: ignore[arg-type]
    return True


def test_conditions_hold_as_when_every_field_is_read(content: Content) -> None:
    conds = [r.when for r in content.rules] + [p.when for p in content.pitfalls]
    conds += [a.when for t in content.transitions for a in t.adjust]
    cases = [
        make_case(),
        make_case(
            line("pertuzumab-trastuzumab-taxane"),
            line("tdxd", outcome="toxicity", toxicity="ild-grade2-plus"),
            brain_metastases="active",
        ),
    ]
    tested = held = 0
    for case in cases:
        for k in range(len(case.history) + 1):
            facts = derive_facts(content, case, k)
            for cond in conds:
                assert holds(cond, facts) == _holds_by_reading_every_field(cond, facts)
                tested += 1
                held += holds(cond, facts)
    assert 0 < held < tested  # some conditions hold, some do not
    # Conditions made at run time (not in the content) are judged by their own fields.
    facts = derive_facts(content, make_case(), 0)
    assert [holds(Condition(pregnant=p), facts) for p in (True, False, True)] == [
        False,
        True,
        False,
    ]
