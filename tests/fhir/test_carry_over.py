"""Agents carried into a new line: the bounded search gives what trying every subset gave."""

from __future__ import annotations

from datetime import date
from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from pathways.fhir.lines import Episode, LineBuilder, SettingEvidence
from pathways.fhir.medications import Intent
from pathways.fhir.report import ImportReport
from tests.fhir.conftest import _load_drugs

DRUGS = _load_drugs()
AGENTS = [*sorted(DRUGS.agents), "ribociclib"]  # one the content does not know
START = date(2022, 1, 1)


def _builder(metastatic: bool) -> LineBuilder:
    evidence = SettingEvidence(
        metastatic_since=date(2000, 1, 1) if metastatic else None,
        metastatic_undated=False,
        early_evidence=not metastatic,
    )
    return LineBuilder(DRUGS.regimens, DRUGS.agents, evidence, ImportReport())


def _exhaustive(builder: LineBuilder, new: set[str], running: list[str]) -> set[str]:
    # The former algorithm: every subset, largest first, in alphabetical order.
    intents: set[Intent] = set()
    for size in range(len(running), 0, -1):
        for subset in combinations(running, size):
            if builder._match(new | set(subset), START, intents):
                return set(subset)
    return set()


@settings(max_examples=150, deadline=None)
@given(
    new=st.sets(st.sampled_from(AGENTS), min_size=1, max_size=3),
    running=st.sets(st.sampled_from(AGENTS), max_size=9),
    metastatic=st.booleans(),
)
def test_same_result_as_trying_every_subset(
    new: set[str], running: set[str], metastatic: bool
) -> None:
    builder = _builder(metastatic)
    continuing = [Episode(a, date(2021, 1, 1), date(2023, 1, 1), True) for a in running - new]
    expected = _exhaustive(builder, new, sorted(running - new))
    assert builder._carried_over(new, continuing, START, set()) == expected


def test_every_content_agent_running_is_fast_enough_to_finish() -> None:
    # 2^27 subsets before; a bounded search now (no timing here: it simply has to return).
    builder = _builder(True)
    running = [a for a in AGENTS if a != "capecitabine"]
    continuing = [Episode(a, date(2021, 1, 1), date(2023, 1, 1), True) for a in running]
    carried = builder._carried_over({"capecitabine"}, continuing, START, set())
    assert builder._match(carried | {"capecitabine"}, START, set()) is not None
    assert carried and carried <= set(running)
