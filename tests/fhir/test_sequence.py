"""The full HER2+ metastatic sequence, in two mCODE shapes, and line inference around it.

Fixtures (tests/fhir/data, written for these tests):
- her2_sequence_stu2plus.json: mCODE STU2+ MedicationRequest / MedicationAdministration,
  disease status LOINC 97509-4, LOINC answer codes, RxNorm ingredient codes, a Medication by
  fullUrl, by Type/id and contained.
- her2_sequence_stu1.json: mCODE STU1 MedicationStatement, LOINC 88040-1 with Synthea's
  "Worsening", SNOMED answers, RxNorm SCD/SCDF codes, ICD-10-CM brain metastases.
Both: pertuzumab + trastuzumab + docetaxel -> T-DXd -> tucatinib + trastuzumab + capecitabine ->
T-DM1 (ongoing), with progression before each switch.
"""

from __future__ import annotations

import copy
import json
from datetime import date
from typing import Any

import pytest

from pathways.case import Case, Outcome, Setting, ToxicityDetail, dump_case
from pathways.fhir import FhirImport
from tests.fhir import builders as b
from tests.fhir.conftest import DATA, Importer

SEQUENCE = [
    ("pertuzumab-trastuzumab-taxane", date(2020, 1, 6), date(2021, 3, 1), Outcome.PROGRESSION),
    ("tdxd", date(2021, 3, 22), date(2022, 6, 13), Outcome.PROGRESSION),
    (
        "tucatinib-trastuzumab-capecitabine",
        date(2022, 7, 4),
        date(2023, 5, 15),
        Outcome.PROGRESSION,
    ),
    ("tdm1", date(2023, 6, 1), None, Outcome.ONGOING),
]


def fixture(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((DATA / name).read_text(encoding="utf-8"))
    return loaded


def stu2() -> dict[str, Any]:
    return fixture("her2_sequence_stu2plus.json")


def resources_of(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"]]


def lines(result: FhirImport) -> list[tuple[str, date | None, date | None, Outcome]]:
    return [(ln.regimen, ln.start, ln.end, ln.outcome) for ln in result.case.history]


def has(texts: list[str], *parts: str) -> bool:
    return any(all(p in t for p in parts) for t in texts)


@pytest.mark.parametrize("name", ["her2_sequence_stu2plus.json", "her2_sequence_stu1.json"])
def test_full_sequence_in_both_shapes(name: str, run: Importer) -> None:
    result = run(fixture(name))
    case, report = result.case, result.report
    assert lines(result) == SEQUENCE
    assert all(ln.setting is Setting.METASTATIC for ln in case.history)
    assert case.metastatic_diagnosis == date(2019, 11, 20)
    assert case.factors.brain_metastases == "active"
    assert not case.factors.ild_history
    # No applicability warnings: HER2-positive, HER2-directed therapy present.
    assert not has(report.warnings, "may not apply")
    assert not has(report.warnings, "HER2")
    # Each line's reasoning is in the report for the clinician to check.
    for number, (regimen, *_rest) in enumerate(SEQUENCE, start=1):
        assert has(report.inferred, f"Line {number} (metastatic", f"regimen {regimen}")
    assert has(report.inferred, "Line 4", "ongoing")
    assert report.unmatched_lines == []


def test_stu2_specifics(run: Importer) -> None:
    result = run(stu2())
    assert result.case.factors.hormone_receptor == "negative"
    recognised = [f"{i.resource_type} {i.what}" for i in result.report.recognised]
    # Supportive drugs are recognised and kept out of the lines.
    assert has(recognised, "ondansetron (rxnorm|26225): supportive (antiemetic)")
    assert has(recognised, "zoledronic acid (rxnorm|1114085): supportive (bone-agent)")
    # Medication by fullUrl (request), by Type/id (administrations) and contained (T-DM1).
    assert has(recognised, "MedicationRequest trastuzumab-deruxtecan (rxnorm|2267574)")
    assert sum("MedicationAdministration trastuzumab-deruxtecan" in r for r in recognised) == 22
    assert has(recognised, "MedicationRequest trastuzumab-emtansine (rxnorm|1371041)")
    assert has(recognised, "disease status (loinc|97509-4): worsening on 2021-03-10")
    # The taxane stops in April 2020; pertuzumab + trastuzumab go on: one line, not two.
    assert result.case.history[0].end == date(2021, 3, 1)
    assert result.report.skipped == []


def test_stu1_specifics(run: Importer) -> None:
    result = run(fixture("her2_sequence_stu1.json"))
    assert result.case.factors.hormone_receptor == "positive"
    recognised = [i.what for i in result.report.recognised]
    assert has(recognised, "pamidronate (rxnorm|1737449): supportive (bone-agent)")
    assert has(recognised, "brain metastases (icd10cm|C79.31)")
    assert has(recognised, "trastuzumab (rxnorm|2119714)")
    # A secondary-cancer condition whose body site the table does not know: said so.
    assert has(
        [f"{i.code} {i.reason}" for i in result.report.skipped], "snomed|39607008", "body site"
    )


def test_identifiers_go_to_the_case_and_never_to_the_report(run: Importer) -> None:
    result = run(stu2())
    patient = result.case.patient
    assert patient is not None
    assert patient.name == " ".join(b.PATIENT_NAME)
    assert patient.record_number == b.PATIENT_MRN  # the MR-typed identifier, not the SSN
    assert patient.birth_date == date.fromisoformat(b.PATIENT_BIRTH)
    assert patient.age == 57
    text = result.report.to_text() + json.dumps(result.report.to_dict())
    for secret in (*b.PATIENT_NAME, b.PATIENT_MRN, b.PATIENT_BIRTH, "999-12-3456", "pat-1"):
        assert secret not in text
    assert b.PATIENT_MRN in dump_case(result.case)  # kept for the case's identifier fields


def test_identifier_used_as_a_resource_id_is_hidden(run: Importer) -> None:
    bundle = stu2()
    resources_of(bundle)[-1]["id"] = b.PATIENT_MRN  # Synthea uses the MRN as an id
    result = run(bundle)
    assert b.PATIENT_MRN not in result.report.to_text()
    assert b.PATIENT_MRN not in json.dumps(result.report.to_dict())


# ---------------------------------------------------------------------------- containers
def _variants() -> dict[str, bytes]:
    bundle = stu2()
    resources = resources_of(bundle)
    header = {"resourceType": "MessageHeader", "id": "mh", "eventCoding": {"code": "x"}}
    composition = {"resourceType": "Composition", "id": "doc", "status": "final"}
    out = {
        "json-array": b.to_bytes(resources),
        "ndjson": "\n".join(json.dumps(r) for r in resources).encode(),
        "nested-bundle": b.to_bytes(b.bundle([bundle], "collection")),
    }
    for kind in ("transaction", "searchset", "batch", "history"):
        variant = copy.deepcopy(bundle)
        variant["type"] = kind
        if kind == "searchset":
            for entry in variant["entry"]:
                entry["search"] = {"mode": "match"}
        out[kind] = b.to_bytes(variant)
    out["document"] = b.to_bytes(b.bundle([composition, *resources], "document"))
    out["message"] = b.to_bytes(b.bundle([header, *resources], "message"))
    return out


@pytest.mark.parametrize("kind", sorted(_variants()))
def test_every_container_gives_the_same_lines(kind: str, run: Importer) -> None:
    result = run(_variants()[kind])
    assert lines(result) == SEQUENCE


def test_single_resource(run: Importer) -> None:
    (tdm1,) = [r for r in resources_of(stu2()) if r.get("id") == "req-tdm1"]
    result = run(tdm1)
    assert result.report.container == "single MedicationRequest resource"
    assert [(ln.regimen, ln.outcome) for ln in result.case.history] == [("tdm1", Outcome.ONGOING)]
    assert has(result.report.inferred, "No staging or metastatic sites found")
    assert has(result.report.warnings, "No HER2 result")


def test_absolute_url_references_resolve(run: Importer) -> None:
    bundle = stu2()
    for res in resources_of(bundle):
        ref = res.get("medicationReference", {}).get("reference")
        if ref == "Medication/med-tdxd":
            res["medicationReference"]["reference"] = "https://ehr.example/fhir/Medication/med-tdxd"
    assert lines(run(bundle)) == SEQUENCE


def test_unresolvable_reference_is_reported(run: Importer) -> None:
    bundle = stu2()
    for res in resources_of(bundle):
        if res.get("id") == "req-tdm1":
            res["medicationReference"]["reference"] = "#missing"
    result = run(bundle)
    assert [ln.regimen for ln in result.case.history] == [s[0] for s in SEQUENCE[:3]]
    assert has([i.reason for i in result.report.skipped], "no medication code")


# ---------------------------------------------------------------------------- inference variants
def test_ild_on_tdxd_gives_toxicity(run: Importer) -> None:
    bundle = stu2()
    entries = [
        e
        for e in bundle["entry"]
        if e["resource"].get("effectiveDateTime") != "2022-06-20"  # drop the progression
    ]
    for entry in entries:
        if entry["resource"].get("id") == "req-tdxd":
            entry["resource"]["status"] = "stopped"
            entry["resource"]["statusReason"] = b.concept(b.SNOMED, "407563006")
    ild = b.condition(b.SNOMED, "233703007", "2022-06-01")
    entries.append({"fullUrl": "urn:uuid:ild", "resource": ild})
    bundle["entry"] = entries
    result = run(bundle)
    line = result.case.history[1]
    assert (line.regimen, line.outcome) == ("tdxd", Outcome.TOXICITY)
    assert line.toxicity_detail is ToxicityDetail.ILD_GRADE2_PLUS
    assert result.case.factors.ild_history
    assert has(result.report.inferred, "grade 2 or higher assumed")


def test_without_signals_outcomes_are_assumed_and_said_so(run: Importer) -> None:
    bundle = stu2()
    bundle["entry"] = [
        e for e in bundle["entry"] if "97509-4" not in json.dumps(e["resource"].get("code", {}))
    ]
    for res in resources_of(bundle):
        res.pop("statusReason", None)
    result = run(bundle)
    assert lines(result) == SEQUENCE
    assert has(result.report.inferred, "Line 1", "progression assumed")
    assert has(result.report.inferred, "Line 3", "no progression recorded before it")


def test_endocrine_added_to_maintenance_stays_in_line_one(run: Importer) -> None:
    bundle = stu2()
    bundle["entry"].append(
        {"resource": b.med_request("84857", "2020-06-01", "2021-03-01", rid="req-ai")}
    )
    result = run(bundle)
    assert lines(result) == SEQUENCE
    assert has(result.report.inferred, "Line 1", "anastrozole added to HER2-directed maintenance")


def test_pertuzumab_added_in_cycle_two_completes_the_regimen(run: Importer) -> None:
    bundle = stu2()
    for res in resources_of(bundle):
        if res.get("id") == "req-pertuzumab":
            res["dosageInstruction"][0]["timing"]["repeat"]["boundsPeriod"]["start"] = "2020-01-27"
    result = run(bundle)
    assert result.case.history[0].regimen == "pertuzumab-trastuzumab-taxane"
    assert has(result.report.inferred, "pertuzumab added on 2020-01-27")


def test_unrecognised_regimen_is_left_out_and_listed(run: Importer) -> None:
    bundle = stu2()
    # Eribulin alone between the tucatinib regimen and T-DM1: no HER2-directed partner.
    bundle["entry"].append({"resource": b.med_request("1045453", "2023-05-16", "2023-05-20")})
    result = run(bundle)
    assert [ln.regimen for ln in result.case.history] == [s[0] for s in SEQUENCE]
    (unmatched,) = result.report.unmatched_lines
    assert unmatched.agents == ("eribulin",)
    assert "add by hand" in result.report.to_text()


def test_trastuzumab_continued_beyond_progression_joins_the_next_regimen(run: Importer) -> None:
    """THP, then tucatinib + capecitabine added to trastuzumab that never stopped."""
    resources = [
        b.patient(),
        b.condition(b.SNOMED, "94222008", "2019-12-01"),
        b.observation("48676-1", "2019-12-01", b.concept(b.LOINC, "LA6576-8")),
        b.med_request("1298944", "2020-01-06", "2021-03-01"),
        b.med_request("72962", "2020-01-06", "2020-04-20"),
        b.med_request("224905", "2020-01-06", "2022-01-10"),
        b.disease_status("97509-4", "2021-03-10", "271299001"),
        b.med_request("2361285", "2021-03-22", "2022-01-10"),
        b.med_request("194000", "2021-03-22", "2022-01-10"),
    ]
    result = run(b.bundle(resources))
    assert lines(result) == [
        ("pertuzumab-trastuzumab-taxane", date(2020, 1, 6), date(2021, 3, 1), Outcome.PROGRESSION),
        (
            "tucatinib-trastuzumab-capecitabine",
            date(2021, 3, 22),
            date(2022, 1, 10),
            Outcome.COMPLETED,
        ),
    ]
    assert has(result.report.inferred, "trastuzumab continued from the previous line")


def test_phesgo_code_counts_as_pertuzumab_and_trastuzumab(run: Importer) -> None:
    bundle = stu2()
    bundle["entry"] = [
        e
        for e in bundle["entry"]
        if e["resource"].get("id") not in {"req-pertuzumab", "req-trastuzumab-1"}
    ]
    bundle["entry"].append({"resource": b.med_request("2382603", "2020-01-06", "2021-03-01")})
    assert lines(run(bundle)) == SEQUENCE


def test_early_setting_history_before_metastatic_lines(run: Importer) -> None:
    bundle = stu2()
    early = [
        b.med_request("1298944", "2016-02-01", "2016-06-01"),
        b.med_request("224905", "2016-02-01", "2017-01-15"),
        b.med_request("72962", "2016-02-01", "2016-06-01"),
    ]
    surgery = {
        "resourceType": "Procedure",
        "id": "surgery",
        "status": "completed",
        "meta": {"profile": [b.MCODE + "mcode-cancer-related-surgical-procedure"]},
        "code": b.concept(b.SNOMED, "69031006"),
        "performedDateTime": "2016-07-01",
    }
    bundle["entry"] += [{"resource": r} for r in [*early, surgery]]
    result = run(bundle)
    first = result.case.history[0]
    assert (first.setting, first.regimen) == (Setting.NEOADJUVANT, "neoadjuvant-her2")
    assert first.outcome is Outcome.COMPLETED
    assert lines(result)[1:] == SEQUENCE


def test_sequential_neoadjuvant_regimen_then_adjuvant_tdm1(run: Importer) -> None:
    """AC then THP is one neoadjuvant regimen; T-DM1 after surgery means residual disease."""
    early = [
        b.med_request("1790099", "2016-01-04", "2016-03-14"),  # doxorubicin
        b.med_request("1734919", "2016-01-04", "2016-03-14"),  # cyclophosphamide
        b.med_request("72962", "2016-04-04", "2016-06-06"),  # docetaxel
        b.med_request("224905", "2016-04-04", "2016-06-27"),
        b.med_request("1298944", "2016-04-04", "2016-06-27"),
        b.med_request("1658084", "2016-08-01", "2017-04-01"),  # adjuvant T-DM1
    ]
    surgery = {
        "resourceType": "Procedure",
        "id": "surgery",
        "status": "completed",
        "meta": {"profile": [b.MCODE + "mcode-cancer-related-surgical-procedure"]},
        "performedDateTime": "2016-07-11",
    }
    bundle = stu2()
    bundle["entry"] += [{"resource": r} for r in [*early, surgery]]
    result = run(bundle)
    first, second = result.case.history[:2]
    assert (first.regimen, first.setting, first.outcome) == (
        "neoadjuvant-her2",
        Setting.NEOADJUVANT,
        Outcome.RESIDUAL_DISEASE,
    )
    assert (second.regimen, second.setting) == ("adjuvant-tdm1", Setting.ADJUVANT)
    assert lines(result)[2:] == SEQUENCE
    assert has(result.report.inferred, "completes a sequential regimen")
    assert has(result.report.inferred, "residual disease assumed")


def test_her2_negative_record_is_imported_with_a_warning(run: Importer) -> None:
    bundle = stu2()
    for res in resources_of(bundle):
        if res.get("code", {}).get("coding", [{}])[0].get("code") == "48676-1":
            res["valueCodeableConcept"] = b.concept(b.LOINC, "LA6577-6")
    result = run(bundle)
    assert lines(result) == SEQUENCE
    assert has(result.report.warnings, "HER2 result is negative", "may not apply")


def test_record_without_her2_therapy_is_imported_with_a_warning(run: Importer) -> None:
    bundle = b.bundle(
        [
            b.patient(),
            b.observation("48676-1", "2020-01-01", b.concept(b.LOINC, "LA6576-8")),
            b.med_request("200064", "2020-02-01", status="active"),
        ]
    )
    result = run(bundle)
    assert has(result.report.warnings, "no HER2-directed therapy", "may not apply")


def test_unconfirmed_code_is_flagged(run: Importer) -> None:
    bundle = stu2()
    bundle["entry"].append({"resource": b.med_request("993449", "2020-06-01", "2021-03-01")})
    result = run(bundle)
    assert has(result.report.warnings, "denosumab", "rxnorm|993449", "UNCONFIRMED")


def test_imported_case_is_a_valid_case_file(run: Importer) -> None:
    result = run(stu2())
    from pathways.case import parse_case

    again = parse_case(dump_case(result.case))
    assert again == result.case
    assert isinstance(again, Case)


# ---------------------------------------------------------------------------- engine
def test_engine_offers_next_options_after_the_imported_history(run: Importer) -> None:
    from pathways.content import load_content
    from pathways.engine import Engine

    content = load_content()
    result = run(stu2())
    engine = Engine(content)
    # Before line 4: progression on THP, T-DXd and tucatinib + trastuzumab + capecitabine.
    before_four = engine.next_options(result.case.cut(3))
    assert (before_four.line, before_four.setting) == (4, "metastatic")
    assert [o.regimen for o in before_four.preferred] == ["tdm1"]
    for progressed in ("pertuzumab-trastuzumab-taxane", "tdxd", SEQUENCE[2][0]):
        assert before_four.tier_of(progressed) == "avoid"
    # The imported brain metastases reach the engine.
    assert any(w.kind == "brain-local-therapy" for w in before_four.warnings)
    # The whole imported case: T-DM1 is ongoing and continuing it is the preferred option.
    now = engine.next_options(result.case)
    (preferred,) = now.preferred
    assert (preferred.regimen, preferred.continuing) == ("tdm1", True)


def test_report_as_dict_and_text(run: Importer) -> None:
    bundle = stu2()
    bundle["entry"].append({"resource": b.med_request("1045453", "2023-05-16", "2023-05-20")})
    report = run(bundle).report
    data = report.to_dict()
    assert set(data) == {
        "container",
        "resource_count",
        "warnings",
        "inferred",
        "unmatched_lines",
        "recognised",
        "skipped",
    }
    assert data["container"] == "Bundle (collection)"
    assert data["unmatched_lines"][0]["agents"] == ["eribulin"]
    assert {"resource_type", "resource_id", "what"} == set(data["recognised"][0])
    text = report.to_text()
    assert text.index("Warnings") < text.index("Inferred") < text.index("Recognised")
    assert "eribulin" in text.split("Not recognised as a regimen")[1].split("Recognised")[0]
