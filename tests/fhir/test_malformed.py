"""Malformed and hostile input: a clear FhirImportError or a tolerant import, never a traceback."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pathways.errors import PathwayError
from pathways.fhir import MAX_FHIR_BYTES, FhirImportError, import_fhir_file
from tests.fhir import builders as b
from tests.fhir.conftest import DATA, Drugs, Importer


def error_of(run: Importer, data: Any) -> FhirImportError:
    with pytest.raises(FhirImportError) as caught:
        run(data)
    assert isinstance(caught.value, PathwayError)
    return caught.value


@pytest.mark.parametrize(
    ("data", "place", "problem"),
    [
        (b"{not json", "line 1, column 2", "not valid JSON"),
        (b'{"resourceType": "Patient", "id": NaN}', "", "NaN is not a JSON number"),
        (b"", "", "file is empty"),
        (b"   \n ", "", "file is empty"),
        (b"\xff\xfe\x00garbage", "byte 0", "not UTF-8"),
        (b"<Bundle xmlns='http://hl7.org/fhir'/>", "", "XML"),
        (b'{"hello": "world"}', "(top level)", "without a resourceType"),
        (b"[1, 2, 3]", "(top level)", "none of its items is a FHIR resource"),
        (b"42", "(top level)", "a number"),
        (b'"Bundle"', "(top level)", "a string"),
        (b"null", "(top level)", "a null"),
        (b'{"resourceType": "Banana"}', "resourceType", '"Banana" is not a FHIR R4'),
        (b'{"resourceType": 7}', "resourceType", "the number given is not a FHIR R4"),
        (b'{"resourceType": "OperationOutcome"}', "", "no patient data (only OperationOutcome)"),
        (b'{"resourceType": "Bundle", "type": "collection"}', "", "no FHIR resources"),
        (b'{"resourceType": "Bundle", "entry": {"a": 1}}', "(top level).entry", "not a list"),
    ],
)
def test_not_importable(run: Importer, data: bytes, place: str, problem: str) -> None:
    err = error_of(run, data)
    assert err.place == place
    assert problem in err.problem
    assert err.source == "test.json"
    assert "Traceback" not in err.one_line()


def test_bundle_of_organisations_only_holds_no_patient_data(run: Importer) -> None:
    org = {"resourceType": "Organization", "id": "o1"}
    err = error_of(run, b.bundle([org, {"resourceType": "Practitioner", "id": "p1"}]))
    assert "no patient data (only Organization, Practitioner)" in err.problem


def test_ndjson_with_a_broken_line_names_the_line(run: Importer) -> None:
    good = json.dumps(b.patient())
    data = f"{good}\n{good}\n{{broken\n".encode()
    err = error_of(run, data)
    assert err.place.startswith("line 3")


@pytest.mark.parametrize("depth", [100_000, 5_000])
def test_deeply_nested_json(run: Importer, depth: int) -> None:
    data = ("[" * depth + "]" * depth).encode()
    err = error_of(run, data)
    assert "nested" in err.problem or "none of its items" in err.problem


def test_deep_but_parseable_extension_nesting_is_tolerated(run: Importer) -> None:
    deep: dict[str, Any] = {"url": "x"}
    for _ in range(400):
        deep = {"url": "x", "extension": [deep]}
    patient = b.patient()
    patient["extension"] = [deep]
    result = run(b.bundle([patient, b.med_request("1371041", "2023-01-01")]), validate=False)
    assert [ln.regimen for ln in result.case.history] == ["tdm1"]


# ---------------------------------------------------------------------------- size limits
def _write_big_bundle(path: Path, size: int) -> None:
    entry = json.dumps({"resource": b.observation("2339-0", "2021-01-01", None)})
    with path.open("w", encoding="utf-8") as out:
        out.write('{"resourceType": "Bundle", "type": "collection", "entry": [')
        written, first = 0, True
        while written < size:
            out.write(("" if first else ",") + entry)
            written += len(entry) + 1
            first = False
        out.write("]}")


def test_file_over_the_limit_is_refused_before_reading(
    tmp_path: Path, drugs: Drugs, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "huge.json"
    _write_big_bundle(path, 50 * 1024 * 1024)
    assert path.stat().st_size > MAX_FHIR_BYTES

    def never(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("read or parsed a file over the size limit")

    monkeypatch.setattr(Path, "read_bytes", never)
    monkeypatch.setattr(json, "loads", never)
    with pytest.raises(FhirImportError) as caught:
        import_fhir_file(path, drugs.agents, drugs.regimens)
    assert "too large" in caught.value.problem
    assert "26,214,400" in caught.value.problem  # the limit, 25 MB
    assert "shorter period" in caught.value.problem


def test_bytes_over_the_limit_are_refused_before_parsing(
    run: Importer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def never(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("parsed data over the size limit")

    data = b" " * (MAX_FHIR_BYTES + 1)
    monkeypatch.setattr(json, "loads", never)
    err = error_of(run, data)
    assert "too large" in err.problem


def test_five_megabyte_bundle_imports(tmp_path: Path, drugs: Drugs) -> None:
    # Its speed is measured in benchmarks/ (no timed assertion in the suite).
    bundle = json.loads((DATA / "her2_sequence_stu2plus.json").read_text(encoding="utf-8"))
    lab = json.dumps({"resource": b.observation("2339-0", "2021-01-01", None)})
    labs = ",".join([lab] * (5 * 1024 * 1024 // len(lab)))
    text = json.dumps(bundle)[:-2] + "," + labs + "]}"
    path = tmp_path / "five.json"
    path.write_text(text, encoding="utf-8")
    assert path.stat().st_size >= 5 * 1024 * 1024
    result = import_fhir_file(path, drugs.agents, drugs.regimens)
    assert len(result.case.history) == 4


def test_missing_file_and_folder(tmp_path: Path, drugs: Drugs) -> None:
    with pytest.raises(FhirImportError, match="file not found"):
        import_fhir_file(tmp_path / "nope.json", drugs.agents, drugs.regimens)
    with pytest.raises(FhirImportError, match="folder"):
        import_fhir_file(tmp_path, drugs.agents, drugs.regimens)


# ---------------------------------------------------------------------------- tolerated problems
def _skips(result: Any) -> list[str]:
    return [f"{s.resource_type} [{s.code}] {s.reason}" for s in result.report.skipped]


def test_missing_and_placeholder_dates_are_skipped_with_a_reason(run: Importer) -> None:
    no_date = b.med_request("1371041", "2023-01-01")
    del no_date["authoredOn"]
    del no_date["dosageInstruction"]
    placeholder = b.med_administration("2267574", "YYYY-MM-DD")
    bad_calendar = b.med_administration("2267574", "2021-02-30")
    status_undated = b.disease_status("97509-4", "2021-01-01", "271299001")
    del status_undated["effectiveDateTime"]
    her2_undated = b.observation("48676-1", None, b.concept(b.LOINC, "LA6576-8"))
    month_only = b.med_request("1371041", "2023-05")
    result = run(
        b.bundle([no_date, placeholder, bad_calendar, status_undated, her2_undated, month_only])
    )
    skips = _skips(result)
    assert any("MedicationRequest" in s and "no date" in s for s in skips)
    assert any("placeholder date (YYYY-MM-DD)" in s for s in skips)
    assert any("not a calendar date" in s for s in skips)
    assert any("disease status" in s and "no date" in s for s in skips)
    recognised = [i.what for i in result.report.recognised]
    assert any("HER2 result" in r and "undated" in r for r in recognised)
    assert any("given only to the month" in r for r in recognised)
    assert [ln.start.isoformat() for ln in result.case.history if ln.start] == ["2023-05-01"]


def test_unknown_codes_and_resource_types_are_skipped_with_a_reason(run: Importer) -> None:
    resources: list[dict[str, Any]] = [
        b.patient(),
        b.med_request("9999999", "2021-01-01"),
        b.med_request(None, "2021-01-01"),
        b.observation("48676-1", "2021-01-01", b.concept(b.SNOMED, "42425007")),
        b.observation("11111-1", "2021-01-01", None),
        b.condition(b.SNOMED, "22298006", "2020-01-01"),
        {"resourceType": "Banana", "id": "b1"},
        {"resourceType": "MedicationOrder", "id": "dstu2"},
        {"resourceType": "Encounter", "id": "e1"},
    ]
    bundle = b.bundle(resources)
    bundle["entry"].append({"resource": "not even an object"})
    bundle["entry"].append({"request": {"method": "DELETE"}})
    result = run(bundle)
    skips = _skips(result)
    assert any("[rxnorm|9999999] no RxNorm code in the local code table" in s for s in skips)
    assert any("[(no code)] no medication code" in s for s in skips)
    assert any(
        "HER2 result (loinc|48676-1): answer snomed|42425007 not recognised" in s for s in skips
    )
    assert any("[loinc|11111-1] observation not used" in s for s in skips)
    assert any("[snomed|22298006] condition not used" in s for s in skips)
    assert any(s.startswith("Banana") and "not a FHIR R4 resource type" in s for s in skips)
    assert any(s.startswith("MedicationOrder") and "older FHIR version" in s for s in skips)
    assert any(s.startswith("Encounter") and "resource type not read" in s for s in skips)
    assert any("not a FHIR resource" in s for s in skips)
    assert any("entry without a resource" in s for s in skips)
    assert result.case.history == ()


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("status", 5),
        ("medicationCodeableConcept", "trastuzumab"),
        ("medicationCodeableConcept", {"coding": {"code": "224905"}}),
        ("medicationCodeableConcept", {"coding": [None, 5, {"code": None}]}),
        ("dosageInstruction", "daily"),
        ("dosageInstruction", [{"timing": {"repeat": {"boundsPeriod": []}}}]),
        ("statusReason", [1, 2]),
        ("extension", {"url": 5}),
        ("authoredOn", 20210101),
        ("contained", "x"),
        ("medicationReference", 12),
    ],
)
def test_wrong_json_types_inside_a_resource_are_tolerated(
    run: Importer, key: str, value: Any
) -> None:
    request = b.med_request("224905", "2021-01-01")
    request[key] = value
    result = run(b.bundle([b.patient(), request]))
    assert result.report.recognised or result.report.skipped


# ---------------------------------------------------------------------------- property tests
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=json_values)
def test_any_json_value_imports_or_fails_cleanly(run: Importer, value: Any) -> None:
    with contextlib.suppress(FhirImportError):
        run(value, validate=False)


_BASE = json.loads((DATA / "her2_sequence_stu2plus.json").read_text(encoding="utf-8"))
_FIELDS = sorted({key for entry in _BASE["entry"] for key in entry["resource"]})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    index=st.integers(min_value=0, max_value=len(_BASE["entry"]) - 1),
    field=st.sampled_from(_FIELDS),
    value=json_values,
)
def test_corrupting_any_field_never_crashes(
    run: Importer, index: int, field: str, value: Any
) -> None:
    bundle = json.loads(json.dumps(_BASE))
    bundle["entry"][index]["resource"][field] = value
    try:
        result = run(bundle, validate=False)
    except FhirImportError:
        return
    result.report.to_text()


def test_an_imported_case_that_would_not_open_is_refused(tmp_path: Path) -> None:
    """A record whose patient is born in the future imports into a case file that the case
    reader refuses: the import says so (exit 2) instead of writing it."""
    import subprocess
    import sys

    record = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "resource": {
                    "resourceType": "Patient",
                    "id": "p1",
                    "birthDate": "2999-01-01",
                }
            }
        ],
    }
    src = tmp_path / "record.json"
    src.write_text(json.dumps(record), encoding="utf-8")
    out = tmp_path / "case.json"
    run = subprocess.run(
        [sys.executable, "-m", "pathways", "import-fhir", str(src), "-o", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2, run.stderr
    assert len(run.stderr.strip().splitlines()) == 1 and "Traceback" not in run.stderr
    assert "2999" not in run.stderr  # never echo a patient's data
    assert not out.exists()
