"""The rule model: vocabulary coverage, name resolution, derived factors, population limits,
required content, and properties of every ranking over random histories."""

from __future__ import annotations

import dataclasses
import itertools
import json
import subprocess
import sys
from pathlib import Path
from typing import Any, get_args

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pathways import records
from pathways.bundled import bundled_folder
from pathways.case import Case, Factors, parse_case
from pathways.conditions import MATCHERS, holds
from pathways.content import Content, load_content_texts
from pathways.engine import Engine, Site
from pathways.errors import CaseError, ContentErrors
from pathways.ranking import in_scope, lowers, population_notes
from pathways.schema import Condition
from pathways.vocab import (
    FACTORS,
    TOXICITY_FACTORS,
    TOXICITY_LABEL,
    WARNING_LABEL,
    WARNING_WEIGHT,
    ToxicityName,
    WarningKind,
)
from tests.pathways.conftest import line, make_case
from tests.pathways.test_engine_properties import CONTENT, cases

ENGINE = Engine(CONTENT)
CONTENT_DIR = bundled_folder("pathway")  # through the installed package


# ---------------------------------------------------------------------------- vocabulary
def test_every_condition_field_has_exactly_one_matcher() -> None:
    assert set(MATCHERS) == {f.name for f in dataclasses.fields(Condition)}


def test_every_factor_is_in_the_case_model_and_the_conditions() -> None:
    assert {f.name for f in FACTORS} == {f.name for f in dataclasses.fields(Factors)}
    for spec in FACTORS:
        assert spec.label
        assert getattr(Factors(), spec.name) == spec.default, spec.name
        if spec.kind != "number":
            assert spec.name in {f.name for f in dataclasses.fields(Condition)}, spec.name
        if spec.kind == "choice":
            hint = next(f.hint for f in records.field_specs(Factors) if f.name == spec.name)
            assert set(get_args(hint)) == set(spec.choices), spec.name


def test_toxicities_map_to_factors_and_have_labels() -> None:
    names = {f.name for f in FACTORS}
    assert set(TOXICITY_LABEL) == set(get_args(ToxicityName))
    for detail, (factor, _value, kind) in TOXICITY_FACTORS.items():
        assert detail in TOXICITY_LABEL
        assert factor in names
        assert kind in WARNING_WEIGHT


def test_every_warning_kind_has_a_weight_and_a_label() -> None:
    kinds = set(get_args(WarningKind))
    assert set(WARNING_WEIGHT) == kinds == set(WARNING_LABEL)


# ---------------------------------------------------------------------------- names
@pytest.mark.parametrize(
    ("name", "setting", "expected"),
    [
        ("Kadcyla", "adjuvant", "adjuvant-tdm1"),
        ("Kadcyla", "metastatic", "tdm1"),
        ("Enhertu", "adjuvant", "adjuvant-tdxd"),
        ("Enhertu", "metastatic", "tdxd"),
        ("Herceptin", "adjuvant", "adjuvant-trastuzumab"),
        ("Phesgo", "adjuvant", "adjuvant-trastuzumab-pertuzumab"),
        ("Phesgo", "metastatic", "pertuzumab-trastuzumab-maintenance"),
        ("Phesgo + docetaxel", "metastatic", "pertuzumab-trastuzumab-taxane"),
        ("Herceptin + Navelbine", "metastatic", "trastuzumab-chemotherapy"),
        ("Tukysa + Herceptin + Xeloda", "metastatic", "tucatinib-trastuzumab-capecitabine"),
        ("Tykerb and Herceptin", "metastatic", "lapatinib-trastuzumab"),
        ("Ogivri + vinorelbine", "metastatic", "trastuzumab-chemotherapy"),
        ("THP", "metastatic", "pertuzumab-trastuzumab-taxane"),
    ],
)
def test_brand_and_drug_names_resolve_by_setting(
    content: Content, name: str, setting: str, expected: str
) -> None:
    assert content.resolve(name, setting).regimen == expected


@pytest.mark.parametrize(
    ("name", "candidates"),
    [
        ("lapatinib", {"lapatinib-capecitabine", "lapatinib-trastuzumab"}),
        ("Tukysa", {"tucatinib-trastuzumab-capecitabine", "tucatinib-tdm1"}),
        ("Herceptin", {"trastuzumab-chemotherapy", "her2-targeted-endocrine"}),
    ],
)
def test_a_single_drug_never_silently_becomes_a_combination(
    content: Content, name: str, candidates: set[str]
) -> None:
    found = content.resolve(name, "metastatic")
    assert found.regimen is None
    assert candidates <= set(found.candidates)


def _case_json(regimen: str, setting: str) -> str:
    return json.dumps(
        {
            "format": "her2-pathway-case",
            "version": 1,
            "metastatic_diagnosis": "2024-01-01",
            "history": [{"regimen": regimen, "setting": setting, "outcome": "progression"}],
        }
    )


def test_case_file_with_an_ambiguous_name_names_the_candidates(content: Content) -> None:
    with pytest.raises(CaseError) as err:
        parse_case(_case_json("lapatinib", "metastatic"), "case.json", content)
    assert "lapatinib-capecitabine" in str(err.value)
    assert "lapatinib-trastuzumab" in str(err.value)


def test_cli_exits_2_with_one_line_on_an_ambiguous_name(tmp_path: Path) -> None:
    path = tmp_path / "case.json"
    path.write_text(_case_json("Tukysa", "metastatic"), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "pathways", "next", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2
    assert len(run.stderr.strip().splitlines()) == 1
    assert "tucatinib-trastuzumab-capecitabine" in run.stderr
    assert "Traceback" not in run.stderr


def _refusal(file: str, old: str, new: str) -> str:
    """What loading the bundled content says once ``old`` is ``new`` in ``file`` (a refusal)."""
    texts = {p.name: p.read_text(encoding="utf-8") for p in CONTENT_DIR.glob("*.yaml")}
    assert texts[file].count(old) == 1  # the edit applies, once: else the test proves nothing
    texts[file] = texts[file].replace(old, new)
    with pytest.raises(ContentErrors) as err:
        load_content_texts(texts)
    return str(err.value)


def test_a_drug_name_alias_of_a_combination_is_refused() -> None:
    problem = _refusal(
        "drugs.yaml", "      - NALA regimen\n", "      - NALA regimen\n      - Nerlynx\n"
    )
    assert "Nerlynx" in problem and "drugs.yaml" in problem


# ---------------------------------------------------------------------------- required content
def test_content_without_an_engine_node_is_refused() -> None:
    problem = _refusal(
        "pathway.yaml", "    later_lines: later-lines\n", "    later_lines: no-such-node\n"
    )
    assert "engine.nodes.later_lines" in problem


def test_content_without_a_threshold_is_refused() -> None:
    problem = _refusal("pathway.yaml", "    lvef_hold_below: 40\n", "")
    assert "lvef_hold_below" in problem and "pathway.yaml" in problem


def test_ranking_fields_are_refused_outside_pitfalls() -> None:
    problem = _refusal(
        "rules.yaml", "    when: {tdxd_available: false}\n", "    when: {offered: [tdm1]}\n"
    )
    assert "pitfalls" in problem


# ---------------------------------------------------------------------------- facts
def test_a_recorded_cardiac_toxicity_counts_as_heart_failure_naming_its_line() -> None:
    case = make_case(
        line("pertuzumab-trastuzumab-taxane"),
        line("tdxd", "toxicity", toxicity="cardiac"),
    )
    rec = ENGINE.next_options(case)
    assert rec.facts.factor("heart_failure") is True
    derived = [w for w in rec.warnings if w.source == "derived:heart_failure"]
    assert derived and "line 2" in derived[0].text and derived[0].kind == "cardiac"
    tdm1 = rec.option("tdm1")
    assert tdm1 is not None and tdm1.tier == "avoid"
    assert "line 2" in tdm1.why


def test_grade1_ild_is_not_prior_ild() -> None:
    case = make_case(
        line("pertuzumab-trastuzumab-taxane"), line("tdxd", "toxicity", toxicity="ild-grade1")
    )
    assert ENGINE.next_options(case).facts.factor("ild_history") is False


def test_trial_line_limits_are_checked(content: Content) -> None:
    history = [
        line("pertuzumab-trastuzumab-taxane"),
        line("tdm1"),
        line("tucatinib-trastuzumab-capecitabine"),
    ]
    facts = ENGINE.facts(make_case(*history), 3)
    assert facts.prior_lines == 3
    notes = population_notes(content, ["destiny-breast12"], facts)
    assert any("at most 2 prior lines" in n.text and "had 3" in n.text for n in notes)
    early = ENGINE.facts(make_case(history[0]), 1)
    assert not any(
        "at most" in n.text for n in population_notes(content, ["destiny-breast12"], early)
    )


def test_site_unavailable_agent_is_avoid_and_explained() -> None:
    site = Site(unavailable_agents=frozenset({"tucatinib"}), name="Test site")
    engine = Engine(CONTENT, site=site)
    rec = engine.next_options(make_case(line("pertuzumab-trastuzumab-taxane"), line("tdxd")))
    option = rec.option("tucatinib-trastuzumab-capecitabine")
    assert option is not None and option.tier == "avoid"
    assert "Test site" in option.why and "site" in option.flags


def test_json_output_names_order_and_the_rule_that_decided_it() -> None:
    case = make_case(line("pertuzumab-trastuzumab-taxane"), brain_metastases="active")
    data = ENGINE.next_options(case).to_dict(CONTENT)
    first = data["options"][0]
    assert first["regimen"] == "tucatinib-trastuzumab-capecitabine"
    assert first["order"] == 1 and first["tied"] is False
    assert first["ordered_by"] == "adjustment:second-line-tucatinib-bm-active"


# ---------------------------------------------------------------------------- properties
def _factor_values() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for spec in FACTORS:
        if spec.kind == "bool":
            out[spec.name] = st.booleans()
        elif spec.kind == "choice":
            out[spec.name] = st.sampled_from(spec.choices)
        else:
            out[spec.name] = st.one_of(st.none(), st.floats(min_value=20, max_value=75))
    return out


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(), st.fixed_dictionaries(_factor_values()))
def test_every_order_is_explained_and_safety_always_wins(
    case: Case, values: dict[str, Any]
) -> None:
    case = dataclasses.replace(case, factors=records.validate(Factors, values))
    for k in range(len(case.history) + 1):
        rec = ENGINE.options_at(case, k)
        f = rec.facts
        usable = [o for o in rec.options if o.tier != "avoid"]
        # Order numbers: 1, 2, ... over usable options; equal numbers exactly when tier and
        # rank are equal, and then both are marked as guideline ties.
        for a, b in itertools.pairwise(usable):
            assert a.order is not None and b.order is not None
            if (a.tier, a.rank) == (b.tier, b.rank):
                assert a.order == b.order and a.tied and b.tied
            else:
                assert b.order == a.order + 1
                # The earlier option is better by tier, or by a rank a named step set.
                assert (a.tier, a.rank) < (b.tier, b.rank) or a.tier != b.tier
                for o in (a, b):
                    assert o.ordered_by, o
                    assert o.ordered_by in {s.source for s in o.explanation}
        for o in rec.options:
            if o.tier == "avoid":
                assert o.order is None
            # No option is better than "avoid" while a lowering safety rule that applies
            # says "avoid".
            regimen = CONTENT.regimens[o.regimen]
            for rule in CONTENT.rules:
                if (
                    rule.tier == "avoid"
                    and lowers(rule)
                    and in_scope(CONTENT, rule, regimen.id)
                    and holds(rule.when, f)
                ):
                    assert o.tier == "avoid", (o.regimen, rule.id)
            # Never again after progression, except trastuzumab with a new partner.
            if o.regimen in f.progressed and not regimen.beyond_progression:
                assert o.tier == "avoid" or o.continuing, o.regimen
    assert ENGINE.next_options(case).to_dict(CONTENT) == ENGINE.next_options(case).to_dict(CONTENT)


def test_a_trial_that_required_a_taxane_is_flagged_when_none_was_given() -> None:
    no_taxane = make_case(line("her2-targeted-endocrine"), hormone_receptor="positive")
    tdxd = ENGINE.next_options(no_taxane).option("tdxd")
    assert tdxd is not None
    assert any("DESTINY-Breast03" in w.text and "a taxane" in w.text for w in tdxd.warnings)
    # Trastuzumab with "a chemotherapy partner" may have been paclitaxel: no such claim.
    maybe = make_case(line("trastuzumab-chemotherapy"))
    tdxd = ENGINE.next_options(maybe).option("tdxd")
    assert tdxd is not None and not any("a taxane" in w.text for w in tdxd.warnings)
    after_thp = make_case(line("pertuzumab-trastuzumab-taxane"))
    tdxd = ENGINE.next_options(after_thp).option("tdxd")
    assert tdxd is not None and not any("a taxane" in w.text for w in tdxd.warnings)
