"""Every real example file (tests/fhir/data/shared-examples, see SOURCES.md there) imports.

The files are real, messy and partly invalid FHIR; each test checks what the import took from
the file, what it reported as skipped and why, and that no patient identifier reached the report.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pathways.case import Setting
from pathways.fhir import FhirImport, import_fhir_file
from pathways.fhir.resource_types import R4_RESOURCE_TYPES
from tests.fhir.conftest import EXAMPLES, TODAY, Drugs

CTM_SERVICE = EXAMPLES / "mcode__clinical-trial-matching-service"
EXTRACTION = EXAMPLES / "mcode__mcode-extraction-framework"
ALL_FILES = sorted(EXAMPLES.rglob("*.json"))


def load(path: Path, drugs: Drugs) -> FhirImport:
    return import_fhir_file(path, drugs.agents, drugs.regimens, today=TODAY)


def recognised(result: FhirImport) -> list[str]:
    return [f"{i.resource_type} {i.what}" for i in result.report.recognised]


def skipped(result: FhirImport) -> list[str]:
    return [f"{i.resource_type} [{i.code}] {i.reason}" for i in result.report.skipped]


def has(lines: list[str], *parts: str) -> bool:
    return any(all(p in line for p in parts) for line in lines)


def test_all_nine_files_are_present() -> None:
    assert len(ALL_FILES) == 9
    assert (EXAMPLES / "SOURCES.md").is_file()
    assert (EXAMPLES / "COPIED.md").is_file()


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_file_imports_with_a_readable_report(path: Path, drugs: Drugs) -> None:
    result = load(path, drugs)
    text = result.report.to_text()
    for section in ("Warnings", "Inferred", "Recognised", "Skipped"):
        assert section in text
    json.dumps(result.report.to_dict())  # serialisable as is
    # Everything in the file is accounted for: used, skipped, or said to be missing.
    assert result.report.recognised or result.report.skipped


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_patient_identifier_reaches_the_report(path: Path, drugs: Drugs) -> None:
    result = load(path, drugs)
    text = result.report.to_text() + json.dumps(result.report.to_dict())
    for secret in _identifiers(json.loads(path.read_text(encoding="utf-8"))):
        # Whole tokens: "TrialMatching" as a surname is inside other resources' ids, and a
        # given name "Patient" is also the resource type; neither discloses anything.
        if len(secret) < 2 or secret in R4_RESOURCE_TYPES:
            continue
        assert not re.search(rf"(?<![\w-]){re.escape(secret)}(?![\w-])", text), secret


def _identifiers(top: Any) -> set[str]:
    resources = top if isinstance(top, list) else [e["resource"] for e in top.get("entry", [])]
    out: set[str] = set()
    for res in resources:
        if res.get("resourceType") != "Patient":
            continue
        out.add(res["id"])
        out.add(res.get("birthDate", "x" * 40))
        for name in res.get("name", []):
            out.update(name.get("given", []))
            out.add(name.get("family", "x" * 40))
        out.update(i["value"] for i in res.get("identifier", []))
    return out


def test_ctm_patient_data_her2_positive_with_duplicates_and_two_values(drugs: Drugs) -> None:
    result = load(CTM_SERVICE / "patient_data.json", drugs)
    case, report = result.case, result.report
    assert case.factors.hormone_receptor == "positive"
    assert case.factors.brain_metastases == "none"
    assert has(recognised(result), "HER2 result (loinc|48676-1): positive, 2017-07-21")
    assert has(recognised(result), "more than one value[x]")
    # The secondary-cancer conditions date metastatic disease to diagnosis.
    assert case.metastatic_diagnosis == date(2017, 7, 21)
    # Three paclitaxel statements (deduplicated) make a single-agent line no regimen explains.
    assert case.history == ()
    assert [u.agents for u in report.unmatched_lines] == [("paclitaxel",)]
    assert report.unmatched_lines[0].setting == "metastatic"
    assert sum("exact repeat" in s for s in skipped(result)) == 5
    assert has(skipped(result), "[snomed|8935007]", "body site")
    assert has(skipped(result), "[loinc|89247-1]", "not used")
    assert has(report.warnings, "Staging conflicts")
    assert has(report.warnings, "no HER2-directed therapy")
    assert case.patient is not None and case.patient.birth_date == date(1966, 8, 3)
    assert case.patient.record_number == "1e208b6b-77f1-4808-a32b-9f9caf1ec334"


def test_eom_patient_latest_receptor_result_wins_and_change_is_reported(drugs: Drugs) -> None:
    result = load(CTM_SERVICE / "eom_patient_1.json", drugs)
    case, report = result.case, result.report
    assert case.factors.hormone_receptor == "negative"  # ER + in 2018, - in 2022
    assert has(report.warnings, "ER changed from positive (2018-03-10) to negative (2022-01-02)")
    assert has(report.warnings, "latest HER2 result is negative", "may not apply")
    assert has(recognised(result), "disease status (loinc|97509-4): improved on 2024-01-01")
    assert has(recognised(result), "metastatic disease (snomed|94391008)")
    assert case.metastatic_diagnosis == date(2022, 1, 1)
    assert case.history == ()
    (line,) = report.unmatched_lines
    assert line.agents == ("abemaciclib", "alpelisib")
    assert "alpelisib" in line.reason
    assert has(skipped(result), "[snomed|399504009]")  # cT category, not used


def test_trial_matching_patient_hr_positive_her2_negative(drugs: Drugs) -> None:
    result = load(
        EXAMPLES / "mcode__clinical-trial-matching-app/TrialMatching_Patient01.json", drugs
    )
    case, report = result.case, result.report
    assert case.factors.hormone_receptor == "positive"
    assert has(report.warnings, "latest HER2 result is negative")
    assert has(recognised(result), "leuprolide", "supportive (ovarian-suppression)")
    assert has(recognised(result), "regional lymph-node disease")
    assert has(recognised(result), "metastatic disease (snomed|94222008)")
    assert has(report.inferred, "Line 1 (metastatic, 2019-04-01", "abemaciclib + fulvestrant")
    ribociclib = [u for u in report.unmatched_lines if "ribociclib" in u.agents]
    assert ribociclib and ribociclib[0].end == "ongoing"
    assert has(skipped(result), "[loinc|62862-8]")  # MSI, not used
    assert all(line.setting is Setting.METASTATIC for line in case.history)


def test_bct_patient_codes_win_over_display_text(drugs: Drugs) -> None:
    """Every drug in this file is displayed as paclitaxel; only the codes count."""
    result = load(
        EXAMPLES
        / "mcode__clinical-trial-matching-service-breastcancertrials.org/patient_data.json",
        drugs,
    )
    report = result.report
    assert has(recognised(result), "zoledronic acid (rxnorm|1156253)", "supportive (bone-agent)")
    assert has(recognised(result), "paclitaxel (rxnorm|583214)")
    # Displayed as paclitaxel, coded as Abraxane 100 MG Injection (an SBD of the RxNorm list).
    assert has(recognised(result), "nab-paclitaxel (rxnorm|583218)")
    for code in ("904425", "34566"):
        assert has(skipped(result), f"[rxnorm|{code}]", "never read by name")
    # "HER2" display on LOINC "34566": not a HER2 test code, so HER2 stays unknown.
    assert has(skipped(result), "[loinc|34566]")
    assert has(report.warnings, "No HER2 result was recognised")
    assert has(report.warnings, "share the id")
    assert result.case.factors.hormone_receptor == "unknown"
    assert [u.setting for u in report.unmatched_lines] == ["adjuvant"]


def test_disease_status_bundle(drugs: Drugs) -> None:
    result = load(EXTRACTION / "csv-cancer-disease-status-bundle.json", drugs)
    assert has(recognised(result), "disease status (loinc|97509-4): remission on 2019-12-02")
    assert has(result.report.warnings, "no Patient resource")
    assert result.case.history == ()
    assert result.case.patient is None


def test_treatment_plan_change_bundle(drugs: Drugs) -> None:
    result = load(EXTRACTION / "csv-treatment-plan-change-bundle.json", drugs)
    assert has(recognised(result), "plan changed on 2020-04-15 (toxicity, snomed|281647001)")
    assert has(skipped(result), "[snomed|405613005]", "2020-04-30", "not recognised")


@pytest.mark.parametrize(
    "name", ["csv-medication-administration-bundle.json", "csv-medication-request-bundle.json"]
)
def test_placeholder_medication_bundles(name: str, drugs: Drugs) -> None:
    result = load(EXTRACTION / name, drugs)
    assert has(skipped(result), "[example-code-system|example-code]", "never read by name")
    assert result.case.history == ()
    assert result.report.recognised == []


def test_maryam_json_array_early_setting(drugs: Drugs) -> None:
    result = load(EXAMPLES / "mcode__pathways/Maryam.json", drugs)
    case, report = result.case, result.report
    assert report.container == "JSON array of resources"
    assert report.resource_count == 179
    assert case.factors.hormone_receptor == "positive"
    assert has(report.warnings, "latest HER2 result is negative")
    assert case.metastatic_diagnosis is None
    assert sum("simvastatin" in r and "supportive (statin)" in r for r in recognised(result)) == 10
    assert [(u.setting, u.agents) for u in report.unmatched_lines] == [
        ("neoadjuvant", ("paclitaxel",)),
        ("adjuvant", ("anastrozole",)),
    ]
    assert has(skipped(result), "Encounter", "resource type not read")
    assert "Encounter ×36" in report.to_text()
    assert case.patient is not None and case.patient.birth_date == date(1959, 2, 16)
    assert case.patient.age == 66


def test_files_with_invalid_fhir_get_validation_warnings(drugs: Drugs) -> None:
    pytest.importorskip("fhir.resources")
    invalid = {
        CTM_SERVICE / "patient_data.json": "value",
        EXAMPLES / "mcode__clinical-trial-matching-app/TrialMatching_Patient01.json": "Bundle",
        EXTRACTION / "csv-medication-request-bundle.json": "authoredOn",
    }
    for path, expected in invalid.items():
        warnings = load(path, drugs).report.warnings
        assert has(warnings, "break strict FHIR R4 rules"), path
        assert has(warnings, expected), path
    assert not has(load(CTM_SERVICE / "eom_patient_1.json", drugs).report.warnings, "strict")


def test_import_works_without_fhir_resources(drugs: Drugs, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    real_import = importlib.import_module

    def without_fhir_resources(name: str, package: str | None = None) -> Any:
        if name.startswith("fhir.resources"):
            raise ImportError(name)
        return real_import(name, package)

    monkeypatch.setattr(importlib, "import_module", without_fhir_resources)
    result = load(CTM_SERVICE / "patient_data.json", drugs)
    assert not has(result.report.warnings, "strict FHIR")
    assert has(recognised(result), "HER2 result (loinc|48676-1): positive")
