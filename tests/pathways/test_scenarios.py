"""The scenario library (resources/scenarios/*.yaml) against the engine, and a few checks that
are not scenarios (explanations, determinism, stepping).

Each scenario names its basis (a guideline section or a section of the clinical reference).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from pathways.content import Content
from pathways.engine import Engine
from pathways.errors import ContentErrors
from pathways.scenarios import (
    Scenario,
    describe_expect,
    load_scenario_texts,
    load_scenarios,
    run_scenario,
)
from tests.pathways.conftest import line, make_case

THP = "pertuzumab-trastuzumab-taxane"
TUC = "tucatinib-trastuzumab-capecitabine"

LIBRARY = load_scenarios()


def test_library_is_valid_against_the_content(content: Content) -> None:
    # Every regimen a scenario names exists, and every case is a possible history.
    assert load_scenarios(content=content)
    assert len(LIBRARY) >= 29


@pytest.mark.parametrize("s", LIBRARY, ids=lambda s: s.id)
def test_scenario(engine: Engine, s: Scenario) -> None:
    result = run_scenario(engine, s)
    assert result.error is None
    assert result.checks, "a scenario must expect something"
    rec = result.recommendation
    assert rec is not None
    answer = [(o.regimen, o.tier) for o in rec.options]
    assert result.passed, ([(c.expected, c.actual) for c in result.failures], answer)
    # Every option explains itself.
    for option in rec.options:
        assert option.why and option.explanation
        assert option.evidence, option.regimen


BAD_EXPECT = """\
format: her2-pathway-scenarios
version: 1
scenarios:
  - id: x
    title: X
    reference: "§1"
    case:
      history:
        - {regimen: pertuzumab-trastuzumab-taxane, setting: metastatic, outcome: progression}
    expect:
      avoid: [pertuzumab-trastuzumab-taxane]
"""


def test_a_failing_expectation_is_reported_not_passed(engine: Engine, content: Content) -> None:
    # After progression on THP, THP is not offered again: expecting it offered must fail.
    (s,) = load_scenario_texts({"t.yaml": BAD_EXPECT.replace("avoid:", "offered:")}, content)
    result = run_scenario(engine, s)
    assert not result.passed
    assert [c.key for c in result.failures] == ["offered"]
    assert describe_expect(s.expect, content) == ["offered: THP"]


def test_unknown_regimen_is_named_with_file_and_line(content: Content) -> None:
    text = BAD_EXPECT.replace("avoid: [pertuzumab-trastuzumab-taxane]", "avoid: [no-such-thing]")
    with pytest.raises(ContentErrors) as info:
        load_scenario_texts({"t.yaml": text}, content)
    msg = info.value.one_line()
    assert msg.startswith("t.yaml: line 11, scenarios[0].expect.avoid[0]: unknown regimen")
    assert "no-such-thing" in msg


def test_schema_errors_name_the_line(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(BAD_EXPECT.replace("outcome: progression", "outcome: bad"))
    (tmp_path / "b.yaml").write_text(BAD_EXPECT)
    with pytest.raises(ContentErrors) as info:
        load_scenarios(tmp_path)
    lines = [e.one_line() for e in info.value.errors]
    assert lines[0].startswith("a.yaml: line 9, scenarios[0].case.history[0].outcome")
    assert "b.yaml" not in " ".join(lines)


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(BAD_EXPECT)
    (tmp_path / "b.yaml").write_text(BAD_EXPECT)
    with pytest.raises(ContentErrors, match="duplicate id 'x'"):
        load_scenarios(tmp_path)


def test_impossible_history_is_refused_with_its_line(content: Content) -> None:
    text = BAD_EXPECT.replace(
        "outcome: progression}", "outcome: progression, toxicity_detail: ild-grade1}"
    )
    with pytest.raises(ContentErrors) as info:
        load_scenario_texts({"t.yaml": text}, content)
    assert info.value.one_line().startswith(
        "t.yaml: line 9, scenarios[0].case.history[0].toxicity_detail"
    )


def test_step_answers_before_a_line(engine: Engine, content: Content) -> None:
    text = BAD_EXPECT.replace("    expect:", "    step: 0\n    expect:").replace(
        "avoid: [pertuzumab-trastuzumab-taxane]", "first: [pertuzumab-trastuzumab-taxane]"
    )
    (s,) = load_scenario_texts({"t.yaml": text}, content)
    assert run_scenario(engine, s).passed


# ---------------------------------------------------------------------------- not scenarios
def test_tdm1_after_tdxd_says_the_evidence_is_from_another_sequence(engine: Engine) -> None:
    rec = engine.next_options(make_case(line(THP), line("tdxd")))
    tdm1 = rec.option("tdm1")
    assert tdm1 is not None
    gaps = [w.text for w in tdm1.warnings if w.kind == "evidence-gap"]
    assert any("EMILIA" in text for text in gaps), gaps


def test_third_line_says_guidelines_do_not_rank(engine: Engine) -> None:
    rec = engine.next_options(make_case(line(THP), line("tdxd")))
    tuc, tdm1 = rec.option(TUC), rec.option("tdm1")
    assert tuc is not None and tdm1 is not None
    assert tuc.rank == tdm1.rank  # equal first choices
    kinds = {w.kind for w in rec.warnings}
    assert kinds & {"guideline-conflict", "evidence-gap"}


def test_factor_change_is_explained(engine: Engine) -> None:
    base = make_case(line(THP))
    changed = dataclasses.replace(
        base, factors=dataclasses.replace(base.factors, tdxd_available=False)
    )
    before, after = engine.next_options(base), engine.next_options(changed)
    tdxd = after.option("tdxd")
    assert tdxd is not None and tdxd.tier == "avoid"
    assert any(step.source.startswith("rule:") for step in tdxd.explanation)
    from pathways.engine import explain_change

    changes = explain_change(before, after)
    assert any(c.regimen == "tdxd" for c in changes)


def test_steps_mark_whether_given_next_was_on_pathway(engine: Engine) -> None:
    case = make_case(line(THP), line("tdm1"), line("tdxd"))
    results = engine.steps(case)
    assert len(results) == 4
    assert results[0].given_tier == "preferred"  # THP at first line
    assert results[1].given_tier == "alternative"  # T-DM1 at 2L when T-DXd available
    assert results[2].given_tier == "preferred"  # T-DXd after T-DM1
    assert results[3].given is None and results[3].on_pathway is None


def test_engine_is_deterministic(engine: Engine) -> None:
    case = make_case(line(THP), line("tdxd"), brain_metastases="stable")
    assert engine.next_options(case) == engine.next_options(case)


def test_line_is_checked_only_when_the_file_names_it(engine: Engine, content: Content) -> None:
    def keys(expect: str) -> list[str]:
        text = BAD_EXPECT.replace("avoid: [pertuzumab-trastuzumab-taxane]", expect)
        (s,) = load_scenario_texts({"t.yaml": text}, content)
        return [c.key for c in run_scenario(engine, s).checks]

    assert keys("offered: [tdxd]") == ["offered"]  # no "line" key: not checked
    assert keys("line: 2") == ["line"]
    # null expects the early setting: checked, and failing for a second metastatic line.
    (s,) = load_scenario_texts(
        {"t.yaml": BAD_EXPECT.replace("avoid: [pertuzumab-trastuzumab-taxane]", "line: null")},
        content,
    )
    result = run_scenario(engine, s)
    assert [(c.key, c.expected, c.ok) for c in result.checks] == [("line", "early setting", False)]
    assert describe_expect(s.expect) == ["early setting"]
    with pytest.raises(ContentErrors, match=r"line 11, scenarios\[0\]\.expect\.line: "):
        load_scenario_texts(
            {"t.yaml": BAD_EXPECT.replace("avoid: [pertuzumab-trastuzumab-taxane]", "line: 0")}
        )
