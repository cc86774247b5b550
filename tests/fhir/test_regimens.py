"""Regimen matching against the content's regimens."""

from __future__ import annotations

import pytest

from pathways.fhir import match_regimen
from tests.fhir.conftest import _load_drugs

CONTENTS = {"content": _load_drugs()}

METASTATIC = [
    ({"pertuzumab", "trastuzumab", "docetaxel"}, "pertuzumab-trastuzumab-taxane"),
    ({"pertuzumab", "trastuzumab", "paclitaxel"}, "pertuzumab-trastuzumab-taxane"),
    ({"pertuzumab", "trastuzumab"}, "pertuzumab-trastuzumab-maintenance"),
    ({"trastuzumab-deruxtecan"}, "tdxd"),
    ({"trastuzumab-deruxtecan", "pertuzumab"}, "tdxd-pertuzumab"),
    ({"tucatinib", "trastuzumab", "capecitabine"}, "tucatinib-trastuzumab-capecitabine"),
    ({"trastuzumab-emtansine"}, "tdm1"),
    ({"tucatinib", "trastuzumab-emtansine"}, "tucatinib-tdm1"),
    ({"lapatinib", "capecitabine"}, "lapatinib-capecitabine"),
    ({"neratinib", "capecitabine"}, "neratinib-capecitabine"),
    ({"trastuzumab", "vinorelbine"}, "trastuzumab-chemotherapy"),
    ({"margetuximab", "eribulin"}, "margetuximab-chemotherapy"),
    ({"letrozole"}, "endocrine-therapy-alone"),
]
NO_MATCH = [
    set(),
    {"paclitaxel"},  # chemotherapy alone is not a HER2 pathway regimen
    {"tucatinib", "trastuzumab", "capecitabine", "eribulin"},  # an unexplained extra agent
    {"trastuzumab-deruxtecan", "alpelisib"},  # an agent the content does not know
    {"pertuzumab", "docetaxel"},  # a required component (trastuzumab) missing
]


@pytest.mark.parametrize("which", sorted(CONTENTS))
@pytest.mark.parametrize(("agents", "expected"), METASTATIC)
def test_metastatic_regimens(which: str, agents: set[str], expected: str) -> None:
    drugs = CONTENTS[which]
    match = match_regimen(agents, "metastatic", drugs.regimens, drugs.agents)
    assert match is not None and match.regimen_id == expected


@pytest.mark.parametrize("which", sorted(CONTENTS))
@pytest.mark.parametrize("agents", NO_MATCH, ids=lambda a: "+".join(sorted(a)) or "nothing")
def test_no_match(which: str, agents: set[str]) -> None:
    drugs = CONTENTS[which]
    assert match_regimen(agents, "metastatic", drugs.regimens, drugs.agents) is None


@pytest.mark.parametrize("which", sorted(CONTENTS))
def test_setting_decides_between_early_and_metastatic(which: str) -> None:
    drugs = CONTENTS[which]
    early = match_regimen({"trastuzumab-emtansine"}, "early", drugs.regimens, drugs.agents)
    assert early is not None and early.regimen_id == "adjuvant-tdm1"
    neoadjuvant = match_regimen(
        {"trastuzumab", "pertuzumab", "docetaxel", "carboplatin"},
        "early",
        drugs.regimens,
        drugs.agents,
    )
    assert neoadjuvant is not None and neoadjuvant.regimen_id == "neoadjuvant-her2"


@pytest.mark.parametrize("which", sorted(CONTENTS))
def test_most_specific_regimen_wins(which: str) -> None:
    drugs = CONTENTS[which]
    # Trastuzumab + an aromatase inhibitor fits "HER2-targeted + endocrine"; adding pertuzumab
    # makes it HP maintenance with endocrine therapy (or, without palbociclib, nothing richer).
    match = match_regimen({"trastuzumab", "letrozole"}, "metastatic", drugs.regimens, drugs.agents)
    assert match is not None and match.regimen_id == "her2-targeted-endocrine"
    full = {"pertuzumab", "trastuzumab", "letrozole", "palbociclib"}
    match = match_regimen(full, "metastatic", drugs.regimens, drugs.agents)
    assert match is not None and match.regimen_id == "hp-endocrine-palbociclib"
