"""Clinical scenarios, table-driven: the preferred option(s) and what must be excluded.

Each row names its basis in the clinical reference (section of ../shared/clinical-reference.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest

from pathways.case import Case, TreatmentLine
from pathways.engine import Engine
from tests.pathways.conftest import line, make_case

THP = "pertuzumab-trastuzumab-taxane"
HP = "pertuzumab-trastuzumab-maintenance"
TUC = "tucatinib-trastuzumab-capecitabine"


@dataclass
class Scenario:
    name: str
    case: Case
    preferred: set[str]  # exactly these are preferred (an equal first choice counts)
    not_preferred: set[str] = field(default_factory=set)  # offered at most as alternative/avoid
    avoid: set[str] = field(default_factory=set)  # must be listed as avoid (or absent)
    absent_or_avoid: set[str] = field(default_factory=set)
    first: str | None = None  # the top-ranked option
    warnings: set[str] = field(default_factory=set)  # warning kinds that must be present
    line: int | str | None = "any"


def _lines(*regimens: str) -> list[TreatmentLine]:
    return [line(r) for r in regimens]


SCENARIOS = [
    # --- the six public scenarios of the engine issue
    Scenario("1 de novo metastatic", make_case(), {THP}, not_preferred={"tdm1"}, first=THP, line=1),
    Scenario(
        "2 after THP, T-DXd available",
        make_case(*_lines(THP)),
        {"tdxd"},
        not_preferred={"tdm1"},
        first="tdxd",
        line=2,
    ),
    Scenario(
        "3 after THP, T-DXd unavailable",
        make_case(*_lines(THP), tdxd_available=False),
        {"tdm1"},
        avoid={"tdxd"},
        line=2,
    ),
    Scenario(
        "4 after THP and T-DXd",
        make_case(*_lines(THP, "tdxd")),
        {TUC, "tdm1"},
        avoid={"tdxd"},
        line=3,
    ),
    Scenario(
        "5 active brain metastases after THP and T-DXd",
        make_case(*_lines(THP, "tdxd"), brain_metastases="active"),
        {TUC},
        first=TUC,
        avoid={"tdxd"},
    ),
    Scenario(
        "6 residual disease after neoadjuvant therapy",
        make_case(line("neoadjuvant-her2", "residual-disease", "neoadjuvant"), metastatic=None),
        {"adjuvant-tdm1"},
        not_preferred={"adjuvant-tdxd"},
        line=None,
    ),
    # --- derived from the reference (§3-§5)
    Scenario(
        "HR+ first line ongoing: continue, then HP maintenance",
        make_case(line(THP, "ongoing"), hormone_receptor="positive"),
        {THP, HP},
        line=1,
    ),
    Scenario(
        "THP completed: HP maintenance (ASCO 4.0)", make_case(line(THP, "completed")), {HP}, line=1
    ),
    Scenario(
        "maintenance progressed = progression on first line",
        make_case(line(THP, "completed"), line(HP)),
        {"tdxd"},
        absent_or_avoid={THP, HP},
        line=2,
    ),
    Scenario(
        "prior ILD: T-DXd not preferred (§4)",
        make_case(*_lines(THP), ild_history=True),
        {"tdm1"},
        absent_or_avoid={"tdxd"},
        warnings={"ild"},
    ),
    Scenario(
        "T-DXd stopped for grade >=2 ILD is never offered again (§3)",
        make_case(line(THP), line("tdxd", "toxicity", toxicity="ild-grade2-plus")),
        {TUC, "tdm1"},
        avoid={"tdxd"},
        absent_or_avoid={"tdxd-pertuzumab"},
    ),
    Scenario(
        "T-DXd interrupted for grade 1 ILD may be resumed (§3, S46)",
        make_case(line(THP), line("tdxd", "toxicity", toxicity="ild-grade1")),
        set(),
        absent_or_avoid=set(),
    ),
    Scenario(
        "pregnancy rules out every HER2-directed agent (§4)",
        make_case(*_lines(THP), pregnant=True),
        set(),
        avoid={"tdxd", "tdm1", TUC},
        warnings={"pregnancy"},
    ),
    Scenario(
        "heart failure holds antibodies and ADCs (§3)",
        make_case(heart_failure=True),
        set(),
        avoid={THP, "tdxd-pertuzumab"},
        warnings={"cardiac"},
    ),
    Scenario(
        "LVEF below 50% holds antibodies and ADCs (§3)",
        make_case(*_lines(THP), lvef=42.0),
        set(),
        avoid={"tdxd", "tdm1"},
        warnings={"cardiac"},
    ),
    Scenario(
        "symptomatic brain metastases: local therapy first (ASCO BM 2.1)",
        make_case(*_lines(THP, "tdxd"), brain_metastases="symptomatic"),
        {TUC, "tdm1"},
        warnings={"brain-local-therapy"},
    ),
    Scenario(
        "active brain metastases at second line: tucatinib regimen preferred (ASCO BM 7.1)",
        make_case(*_lines(THP), brain_metastases="active"),
        {TUC, "tdxd"},
        first=TUC,
    ),
    Scenario(
        "HR+ unsuitable for chemotherapy: HER2-targeted + endocrine (ASCO 6.0.2)",
        make_case(hormone_receptor="positive", chemotherapy_unsuitable=True),
        {"her2-targeted-endocrine"},
        not_preferred={THP},
    ),
    Scenario(
        "HR- disease: no endocrine options (§4)",
        make_case(hormone_receptor="negative"),
        {THP},
        absent_or_avoid={"her2-targeted-endocrine", "endocrine-therapy-alone"},
    ),
    Scenario(
        "taxane contraindicated: THP out (ASCO 1.1)",
        make_case(taxane_contraindicated=True),
        set(),
        absent_or_avoid={THP},
    ),
    Scenario(
        "relapse 3 months after adjuvant trastuzumab = second line (ASCO 5.0)",
        make_case(
            line("adjuvant-trastuzumab", "completed", "adjuvant", end=date(2023, 10, 1)),
            metastatic=date(2024, 1, 1),
        ),
        {"tdxd"},
        absent_or_avoid={THP},
        warnings={"early-relapse"},
        line=2,
    ),
    Scenario(
        "relapse 9 months after trastuzumab-only adjuvant: guidelines disagree",
        make_case(
            line("adjuvant-trastuzumab", "completed", "adjuvant", end=date(2023, 4, 1)),
            metastatic=date(2024, 1, 1),
        ),
        set(),
        warnings={"guideline-conflict"},
    ),
    Scenario(
        "relapse 9 months after pertuzumab-containing adjuvant = second line (NCCN, ASCO)",
        make_case(
            line("adjuvant-trastuzumab-pertuzumab", "completed", "adjuvant", end=date(2023, 4, 1)),
            metastatic=date(2024, 1, 1),
        ),
        {"tdxd"},
        absent_or_avoid={THP},
        warnings={"early-relapse"},
        line=2,
    ),
    Scenario(
        "relapse 3 years after adjuvant therapy = first line (ASCO 5.1)",
        make_case(
            line("adjuvant-trastuzumab", "completed", "adjuvant", end=date(2021, 1, 1)),
            metastatic=date(2024, 1, 1),
        ),
        {THP},
        line=1,
    ),
    Scenario(
        "relapse soon after adjuvant T-DM1: T-DM1 not repeated (§4)",
        make_case(
            line("neoadjuvant-her2", "residual-disease", "neoadjuvant", end=date(2022, 5, 1)),
            line("adjuvant-tdm1", "completed", "adjuvant", end=date(2023, 3, 1)),
            metastatic=date(2023, 6, 1),
        ),
        {"tdxd"},
        avoid={"tdm1"},
    ),
    Scenario(
        "T-DXd unavailable, after THP and T-DM1: tucatinib regimen",
        make_case(*_lines(THP, "tdm1"), tdxd_available=False),
        {TUC},
        avoid={"tdm1"},
    ),
    Scenario(
        "after T-DM1 (2L), T-DXd available: T-DXd (DESTINY-Breast02)",
        make_case(*_lines(THP, "tdm1")),
        {"tdxd", TUC},
        avoid={"tdm1"},
    ),
    Scenario(
        "beyond the usual sequence: consider a clinical trial",
        make_case(*_lines(THP, "tdxd", TUC, "tdm1")),
        set(),
        avoid={"tdxd", "tdm1", TUC},
        warnings={"clinical-trial"},
        line=5,
    ),
    Scenario(
        "first-line T-DXd + pertuzumab then progression: T-DXd not repeated (pitfall 4)",
        make_case(*_lines("tdxd-pertuzumab")),
        set(),
        avoid={"tdxd"},
    ),
]


def _tiers(engine: Engine, case: Case) -> dict[str, str]:
    return {o.regimen: o.tier for o in engine.next_options(case).options}


@pytest.mark.parametrize("s", SCENARIOS, ids=lambda s: s.name)
def test_scenario(engine: Engine, s: Scenario) -> None:
    rec = engine.next_options(s.case)
    tiers = {o.regimen: o.tier for o in rec.options}
    preferred = {r for r, t in tiers.items() if t == "preferred"}
    if s.preferred:
        assert preferred == s.preferred, [(o.regimen, o.tier, o.why) for o in rec.options]
    for regimen in s.not_preferred:
        assert tiers.get(regimen) in ("alternative", "avoid", None), regimen
    for regimen in s.avoid:
        assert tiers.get(regimen) == "avoid", (regimen, tiers.get(regimen))
    for regimen in s.absent_or_avoid:
        assert tiers.get(regimen) in ("avoid", None), (regimen, tiers.get(regimen))
    if s.first:
        assert rec.options[0].regimen == s.first, [o.regimen for o in rec.options]
    kinds = {w.kind for w in rec.warnings} | {w.kind for o in rec.options for w in o.warnings}
    assert s.warnings <= kinds, kinds
    if s.line != "any":
        assert rec.line == s.line
    # Every option explains itself.
    for option in rec.options:
        assert option.why and option.explanation
        assert option.evidence, option.regimen


def test_tdm1_after_tdxd_says_the_evidence_is_from_another_sequence(engine: Engine) -> None:
    rec = engine.next_options(make_case(*_lines(THP, "tdxd")))
    tdm1 = rec.option("tdm1")
    assert tdm1 is not None
    gaps = [w.text for w in tdm1.warnings if w.kind == "evidence-gap"]
    assert any("EMILIA" in text for text in gaps), gaps


def test_third_line_says_guidelines_do_not_rank(engine: Engine) -> None:
    rec = engine.next_options(make_case(*_lines(THP, "tdxd")))
    tuc, tdm1 = rec.option(TUC), rec.option("tdm1")
    assert tuc is not None and tdm1 is not None
    assert tuc.rank == tdm1.rank  # equal first choices
    kinds = {w.kind for w in rec.warnings}
    assert kinds & {"guideline-conflict", "evidence-gap"}


def test_grade1_ild_does_not_end_tdxd(engine: Engine) -> None:
    rec = engine.next_options(make_case(line(THP), line("tdxd", "toxicity", toxicity="ild-grade1")))
    tdxd = rec.option("tdxd")
    assert tdxd is not None and tdxd.tier != "avoid"


def test_factor_change_is_explained(engine: Engine) -> None:
    base = make_case(*_lines(THP))
    changed = base.model_copy(
        update={"factors": base.factors.model_copy(update={"tdxd_available": False})}
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
    case = make_case(*_lines(THP, "tdxd"), brain_metastases="stable")
    assert engine.next_options(case) == engine.next_options(case)
