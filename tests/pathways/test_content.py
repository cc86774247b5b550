"""The bundled content validates, covers the reference, and bad content is named precisely."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import networkx as nx
import pytest

from pathways.content import Content, bundled_content_dir, load_content
from pathways.content_checks import status_ceiling, status_problems
from pathways.errors import ContentError, ContentErrors
from pathways.graph import build_graph
from pathways.records import validate
from pathways.schema import Evidence, Guideline, SafetyNote, Source

FIXED_IDS = {
    "pertuzumab-trastuzumab-taxane",
    "pertuzumab-trastuzumab-maintenance",
    "tdxd-pertuzumab",
    "tdxd",
    "tdm1",
    "tucatinib-trastuzumab-capecitabine",
    "lapatinib-capecitabine",
    "lapatinib-trastuzumab",
    "neratinib-capecitabine",
    "margetuximab-chemotherapy",
    "trastuzumab-chemotherapy",
    "her2-targeted-endocrine",
    "neoadjuvant-her2",
    "adjuvant-trastuzumab",
    "adjuvant-trastuzumab-pertuzumab",
    "adjuvant-tdm1",
    "adjuvant-tdxd",
}
ENTRY_POINTS = {
    "metastatic-diagnosis",
    "relapse-early",
    "relapse-late",
    "residual-disease",
    "pathologic-complete-response",
}
# Trials the clinical reference (§2) covers; the content must carry each of them.
REFERENCE_TRIALS = {
    "CLEOPATRA",
    "DESTINY-Breast09",
    "PATINA",
    "HER2CLIMB-05",
    "DESTINY-Breast03",
    "EMILIA",
    "HER2CLIMB",
    "DESTINY-Breast02",
    "DESTINY-Breast01",
    "TH3RESA",
    "TDM4374g",
    "KAMILLA",
    "HER2CLIMB-02",
    "EGF100151",
    "EGF104900",
    "NALA",
    "SOPHIA",
    "PHOEBE",
    "DESTINY-Breast12",
    "KATHERINE",
    "DESTINY-Breast05",
    "DESTINY-Breast11",
    "TAnDEM",
    "SYSUCC-002",
    "monarcHER",
    "HERNATA",
    "GBG 26",
    "MARIANNE",
}


def test_bundled_content_has_fixed_ids_and_entry_points(content: Content) -> None:
    assert set(content.regimens) >= FIXED_IDS
    assert set(content.entry_points) >= ENTRY_POINTS


def test_every_regimen_has_evidence_and_every_evidence_a_citation(content: Content) -> None:
    for regimen in content.regimens.values():
        assert regimen.evidence, regimen.id
        for eid in regimen.evidence:
            assert eid in content.evidence
    for ev in content.evidence.values():
        cit = ev.citation
        assert cit.text and cit.sources
        assert cit.pmid or cit.doi or cit.identifier_note, ev.id


def test_reference_trials_are_covered(content: Content) -> None:
    trials = {ev.trial.split(" (")[0] for ev in content.evidence.values()}
    missing = {t for t in REFERENCE_TRIALS if not any(t.lower() in x.lower() for x in trials)}
    assert not missing


def test_unconfirmed_items_are_marked(content: Content) -> None:
    # The reference marks ESMO level/grade and NCCN placement of T-DXd+P as UNCONFIRMED.
    tdxd_p = [
        g
        for g in content.guidelines.values()
        if "tdxd-pertuzumab" in g.regimens and g.body in ("NCCN", "ESMO", "ASCO")
    ]
    assert tdxd_p and all(g.status == "unconfirmed" for g in tdxd_p)
    statuses = {e.status for ev in content.evidence.values() for e in ev.endpoints}
    assert "unconfirmed" in statuses


def test_header_has_version_review_date_and_disclaimer(content: Content) -> None:
    assert content.version.count(".") == 2
    assert content.reviewed
    assert "judgement" in content.header.disclaimer.lower()


def test_aliases_resolve(content: Content) -> None:
    for alias, expected in {
        "T-DXd": "tdxd",
        "Enhertu": "tdxd",
        "trastuzumab deruxtecan": "tdxd",
        "T-DM1": "tdm1",
        "Kadcyla": "tdm1",
        "THP": "pertuzumab-trastuzumab-taxane",
        "kadcyla": "tdm1",
    }.items():
        assert content.resolve_regimen(alias) == expected, alias
    assert content.resolve_regimen("aspirin") is None


def test_graph_has_every_node_and_is_not_required_to_be_acyclic(content: Content) -> None:
    graph = build_graph(content)
    assert set(content.regimens) | set(content.entry_points) == set(graph.nodes)
    for node in content.regimens:
        assert nx.has_path(graph, "metastatic-diagnosis", node) or any(
            nx.has_path(graph, e, node) for e in content.entry_points
        )
    assert graph.edges["pertuzumab-trastuzumab-taxane", "tdxd"]["tier"] == "preferred"


# ----------------------------------------------------------------------------- bad content
@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(bundled_content_dir(), target)
    return target


def _errors(folder: Path) -> list[str]:
    with pytest.raises(ContentError) as info:
        load_content(folder)
    exc = info.value
    return (
        [e.one_line() for e in exc.errors] if isinstance(exc, ContentErrors) else [exc.one_line()]
    )


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_bad_yaml_names_file_line_and_column(content_copy: Path) -> None:
    (content_copy / "drugs.yaml").write_text("agents: [unclosed\n", encoding="utf-8")
    [msg] = _errors(content_copy)
    assert msg.startswith("drugs.yaml: line ") and "column" in msg


def test_schema_error_names_file_line_and_field(content_copy: Path) -> None:
    _edit(content_copy / "evidence.yaml", "phase:", "phasee:")
    msgs = _errors(content_copy)
    assert any(m.startswith("evidence.yaml: line ") and "phasee" in m for m in msgs), msgs


def test_a_record_that_is_not_a_mapping_is_named_with_its_kind(content_copy: Path) -> None:
    """The wording of the errors stays the one the reviewers know: a list item that should be
    a record (a plain dataclass now, a pydantic model before) names what it should be."""
    path = content_copy / "rules.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\nrules:\n", "\nrules:\n  - just a line\n", 1), encoding="utf-8")
    msgs = _errors(content_copy)
    assert any(
        m.startswith(
            "rules.yaml: line 13, rules[0]: Input should be a valid dictionary or instance "
            "of ScopedRule"
        )
        for m in msgs
    ), msgs


def test_unknown_reference_is_named(content_copy: Path) -> None:
    path = content_copy / "transitions.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("to: tdxd\n", "to: tdxdd\n", 1), encoding="utf-8")
    msgs = _errors(content_copy)
    assert any("transitions.yaml" in m and "'tdxdd'" in m for m in msgs), msgs


def test_regimen_without_evidence_is_refused(content_copy: Path) -> None:
    import yaml

    path = content_copy / "drugs.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["regimens"][0]["evidence"] = []
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    msgs = _errors(content_copy)
    assert any("drugs.yaml" in m and "evidence" in m for m in msgs), msgs


def test_citation_without_identifier_or_note_is_refused(content_copy: Path) -> None:
    import yaml

    path = content_copy / "evidence.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    cit = data["evidence"][0]["citation"]
    for key in ("pmid", "doi", "identifier_note"):
        cit.pop(key, None)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    msgs = _errors(content_copy)
    assert any("citation" in m and "pmid or doi" in m for m in msgs), msgs


def test_yaml_aliases_are_refused(content_copy: Path) -> None:
    (content_copy / "rules.yaml").write_text("a: &x [1]\nb: *x\n", encoding="utf-8")
    msgs = _errors(content_copy)
    assert any("aliases" in m for m in msgs), msgs


def test_missing_file_is_named(content_copy: Path) -> None:
    (content_copy / "rules.yaml").unlink()
    [msg] = _errors(content_copy)
    assert "rules.yaml" in msg and "not found" in msg


def test_bad_message_placeholder_is_refused(content_copy: Path) -> None:
    import yaml

    path = content_copy / "rules.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["messages"]["repeated_regimen"] = "Do not repeat {regimne}."
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    msgs = _errors(content_copy)
    assert any("repeated_regimen" in m and "regimne" in m for m in msgs), msgs


# ----------------------------------------------------------------------------- status vs sources
def _source(key: str, reliability: str) -> Source:
    return validate(Source, {"key": key, "title": f"source {key}", "reliability": reliability})


SOURCES = (_source("S1", "primary"), _source("S2", "secondary"), _source("S3", "low"))


def _trial(status: str, sources: list[str], endpoint_status: str = "unconfirmed") -> Evidence:
    return validate(
        Evidence,
        {
            "id": "a-trial",
            "trial": "A trial",
            "phase": "phase 3",
            "design": "Randomised",
            "arms": "A",
            "comparator": "B",
            "population": {"description": "Anyone"},
            "endpoints": [{"name": "median PFS", "value": 9.6, "status": endpoint_status}],
            "citation": {"text": "A paper", "pmid": "12345678", "sources": sources},
            "year": 2020,
            "status": status,
        },
    )


def _guideline(status: str, sources: list[str]) -> Guideline:
    return validate(
        Guideline,
        {
            "id": "a-position",
            "body": "NCCN",
            "version": "v1",
            "regimens": ["tdxd"],
            "setting": "first line",
            "position": "preferred",
            "statement": "A position",
            "status": status,
            "sources": sources,
        },
    )


def _note(status: str, sources: list[str]) -> SafetyNote:
    return validate(
        SafetyNote,
        {
            "id": "a-note",
            "agents": ["tucatinib"],
            "kind": "monitoring",
            "text": "Check.",
            "status": status,
            "sources": sources,
        },
    )


@pytest.mark.parametrize(
    ("status", "sources", "allowed"),
    [
        ("confirmed", ["S1"], True),
        ("confirmed", ["S2", "S1"], True),  # one primary source is enough
        ("confirmed", ["S2"], False),  # §9 (S) only: at most "secondary"
        ("confirmed", ["S2", "S3"], False),
        ("secondary", ["S2"], True),
        ("secondary", ["S3"], False),  # low reliability only: "unconfirmed"
        ("unconfirmed", ["S3"], True),
        ("unconfirmed", ["S1"], True),  # claiming less than the sources allow is fine
        ("confirmed", ["S99"], True),  # unknown keys are the reference check's business
    ],
)
def test_status_may_not_claim_more_than_the_best_source(
    status: str, sources: list[str], allowed: bool
) -> None:
    found = {
        "evidence": status_problems(SOURCES, evidence=[_trial(status, sources)]),
        "guideline": status_problems(SOURCES, guidelines=[_guideline(status, sources)]),
        "safety": status_problems(SOURCES, safety=[_note(status, sources)]),
    }
    for kind, problems in found.items():
        assert (problems == []) is allowed, (kind, status, sources, problems)
        for p in problems:
            assert p.source == "evidence.yaml" and p.place.endswith(".status"), p.one_line()


def test_status_ceiling_is_the_best_source() -> None:
    reliability = {s.key: s.reliability for s in SOURCES}
    assert status_ceiling(["S3", "S2"], reliability) == "secondary"
    assert status_ceiling(["S3", "S1"], reliability) == "confirmed"
    assert status_ceiling(["S3"], reliability) == "unconfirmed"
    assert status_ceiling(["S99"], reliability) is None


def test_an_endpoint_may_not_claim_more_than_its_trial() -> None:
    trial = _trial("secondary", ["S2"], endpoint_status="confirmed")
    [problem] = status_problems(SOURCES, evidence=[trial])
    assert "endpoints[0] (median PFS)" in problem.place
    assert status_problems(SOURCES, evidence=[_trial("secondary", ["S2"], "secondary")]) == []


def test_bundled_evidence_statuses_match_their_sources(content: Content) -> None:
    """No trial, guideline or safety record is 'confirmed' on secondary or low sources alone
    (e.g. DESTINY-Breast09, SOPHIA, PHOEBE, the T-DXd rechallenge data: §9 (S) only)."""
    problems = status_problems(
        content.header.sources,
        evidence=content.evidence.values(),
        guidelines=content.guidelines.values(),
        safety=content.safety.values(),
    )
    assert [p.one_line() for p in problems] == []


def test_bundled_pitfall_statuses_match_their_sources(content: Content) -> None:
    problems = status_problems(content.header.sources, pitfalls=content.pitfalls)
    assert [p.one_line() for p in problems] == []


def test_records_the_review_named_are_no_longer_confirmed(content: Content) -> None:
    """The records the review of issue 10 found: their sources are secondary or low only."""
    for eid in ("destiny-breast09", "phoebe", "sophia", "tdxd-ild-rechallenge"):
        ev = content.evidence[eid]
        assert ev.status == "secondary", eid
        assert all(e.status != "confirmed" for e in ev.endpoints), eid
    assert content.safety["safety-tdxd-dose-levels"].status == "unconfirmed"
    # Regression guard on the check itself: the old status of DESTINY-Breast09 is caught.
    old = replace(content.evidence["destiny-breast09"], status="confirmed")
    assert status_problems(content.header.sources, evidence=[old])
