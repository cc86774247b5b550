"""Issue 11, in process: identifiers never echoed, hostile shapes refused or read, never a crash."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from pathways.fhir import FhirImportError, import_fhir_file
from pathways.fhir.report import HIDDEN, MAX_CODE_CHARS, MAX_ID_CHARS
from tests.fhir import builders as b
from tests.fhir.conftest import Drugs, Importer

MRN = b.PATIENT_MRN
NAME = b.PATIENT_NAME[1]


def _text(result: Any) -> str:
    return str(result.report.to_text())


def test_resource_ids_that_embed_the_record_number_are_hidden(run: Importer) -> None:
    embedded = b.med_request("2267576", "2021-01-01", "2021-06-01", rid=f"req-{MRN}-7")
    folded = b.med_request("9999999", "2021-01-01", rid=f"{MRN.lower()}.x")
    plain = b.med_request("1658087", "2022-01-01", rid="req-plain-1")
    bundle = b.bundle([b.patient(), embedded, folded, plain], kind=f"collection {NAME}")
    result = run(bundle)
    text = _text(result)
    assert MRN.casefold() not in text.casefold() and NAME not in text
    ids = {i.resource_id for i in [*result.report.recognised, *result.report.skipped]}
    assert HIDDEN in ids and "req-plain-1" in ids  # only the ids holding an identifier go
    assert [line.regimen for line in result.case.history] == ["tdxd", "tdm1"]


def test_a_name_of_millions_of_characters_is_hidden_without_a_giant_pattern(run: Importer) -> None:
    name = "Zebulonia" + "x" * 2_000_000
    patient = b.patient()
    patient["name"] = [{"text": name}]
    obs = b.observation("11111-1", "2021-01-01", None)
    obs["id"] = name + "-obs"
    result = run(b.bundle([patient, obs]), validate=False)
    assert "Zebulonia" not in _text(result)
    assert result.case.patient is not None and result.case.patient.name == name[:200]


def test_too_many_names_to_check_hide_every_resource_id(run: Importer) -> None:
    patient = b.patient()
    patient["name"] = [{"given": [f"Given{i}"], "family": f"Family{i}"} for i in range(300)]
    request = b.med_request("2267576", "2021-01-01", rid="Family299-req")
    result = run(b.bundle([patient, request]), validate=False)
    assert "Family299" not in _text(result)
    assert {i.resource_id for i in result.report.recognised} == {HIDDEN}
    assert any("too many names" in w for w in result.report.warnings)


def test_values_from_the_file_are_cut_in_the_report(run: Importer) -> None:
    request = b.med_request("7" * 100_000, "2021-01-01", rid="r" * 10_000)
    result = run(b.bundle([b.patient(), request]), validate=False)
    skipped = [s for s in result.report.skipped if s.resource_type == "MedicationRequest"]
    assert len(skipped[0].code) <= MAX_CODE_CHARS
    assert len(skipped[0].resource_id) <= MAX_ID_CHARS
    assert max(len(line) for line in _text(result).splitlines()) < 1_000


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ('{"resourceType": "Patient", "id": "a", "id": "b"}', '"id" appears twice'),
        ('{"resourceType": "Patient", "Quarr-ington 1": 1, "Quarr-ington 1": 2}', "a key"),
    ],
)
def test_duplicate_keys_are_refused(run: Importer, text: str, shown: str) -> None:
    with pytest.raises(FhirImportError) as caught:
        run(text.encode())
    assert shown in caught.value.problem and "Quarr" not in caught.value.one_line()


def test_duplicate_keys_in_an_ndjson_line_are_refused(run: Importer) -> None:
    good = json.dumps(b.patient())
    with pytest.raises(FhirImportError) as caught:
        run(f'{good}\n{{"resourceType": "Patient", "name": 1, "name": 2}}\n'.encode())
    assert caught.value.place.startswith("line 2") and "twice" in caught.value.problem


def test_lone_surrogates_are_replaced_and_the_report_can_be_written(run: Importer) -> None:
    patient = b.patient()
    patient["name"] = [{"given": ["Ott\ud800ilie"], "family": "\udfff"}]
    request = b.med_request("2267576", "2021-01-01", rid="req-\udc00")
    data = json.dumps(b.bundle([patient, request]), ensure_ascii=True).encode()
    result = run(data)
    _text(result).encode("utf-8")  # would raise UnicodeEncodeError with a lone surrogate
    assert result.case.patient is not None and result.case.patient.name == "Ott\ufffdilie \ufffd"
    assert any("lone surrogate" in w for w in result.report.warnings)
    assert [line.regimen for line in result.case.history] == ["tdxd"]


def test_an_extension_url_that_is_an_object_is_tolerated(run: Importer) -> None:
    review = {
        "url": "http://example.org/icare-care-plan-review",
        "extension": [
            {"url": {"ReviewDate": 1}, "valueDate": "2021-01-01"},
            {"url": "ReviewDate", "valueDate": "2021-02-01"},
            {"url": "ChangedFlag", "valueBoolean": False},
        ],
    }
    plan = {"resourceType": "CarePlan", "id": "cp-1", "extension": [review, {"url": {}}]}
    result = run(b.bundle([b.patient(), plan]))
    assert any("reviewed, unchanged, 2021-02-01" in i.what for i in result.report.recognised)


@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and /dev/zero are POSIX")
def test_special_files_are_refused_before_reading(tmp_path: Path, drugs: Drugs) -> None:
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)  # opening it for reading the usual way would wait for a writer forever
    for path in (fifo, Path("/dev/zero")):
        with pytest.raises(FhirImportError) as caught:
            import_fhir_file(path, drugs.agents, drugs.regimens)
        assert "not a regular file" in caught.value.problem


def test_an_unforeseen_failure_is_one_error_that_quotes_nothing(
    run: Importer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise TypeError(f"unhashable value {NAME}")

    monkeypatch.setattr("pathways.fhir.importer.receptor_status", broken)
    with pytest.raises(FhirImportError) as caught:
        run(b.bundle([b.patient()]))
    line = caught.value.one_line()
    assert "TypeError" in line and NAME not in line


def test_more_lines_than_a_case_holds_are_refused_by_name(run: Importer) -> None:
    resources: list[dict[str, Any]] = [b.patient()]
    for i, start in enumerate(b.every("1960-01-01", 70, 205)):
        resources.append(b.med_request(("2267576", "1658087")[i % 2], start, start))
        resources.append(b.disease_status("97509-4", start, "271299001"))
    with pytest.raises(FhirImportError) as caught:
        run(b.bundle(resources), validate=False)
    assert "205 lines of therapy" in caught.value.problem


def test_redaction_hides_whole_words_and_tokens_but_spares_ordinary_text() -> None:
    from pathways.fhir.report import Redactor

    redactor = Redactor(["Ottilie", "Li"], ["MRN-7730419", "12", "19680423"])
    assert redactor.text("Line 1 (metastatic, 2012-01-01)") == "Line 1 (metastatic, 2012-01-01)"
    assert redactor.text("MedicationRequest req-mrn-7730419-3 ends") == (
        "MedicationRequest [hidden] ends"
    )
    assert redactor.text("Li went, li stayed, Lisa too") == "[hidden] went, li stayed, Lisa too"
    assert redactor.text("code obs-12, born 19680423x") == "code obs-[hidden], born [hidden]"
    assert redactor.resource_id("x-OTTILIE-y") == HIDDEN
    assert redactor.resource_id("clinical-7") == "clinical-7"
