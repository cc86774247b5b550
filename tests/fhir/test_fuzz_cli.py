"""Fuzzing the FHIR import as the command line runs it (in-process, few examples: fast).

Resources are built from FHIR-shaped parts with hostile values (lone surrogates, objects where
text belongs, huge numbers, markup, duplicate-looking ids); every run must end with exit 0 or 2
and never raise.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pathways import cli
from tests.fhir import builders as b

_TEXT = st.text(
    alphabet=st.characters(codec=None, exclude_categories=()), max_size=12
) | st.sampled_from(["\ud800", "<b>x</b>", "2021-02-30", "YYYY", "MR", b.PATIENT_MRN, ""])
_LEAF = st.none() | st.booleans() | st.integers(-(10**30), 10**30) | st.floats() | _TEXT
_VALUE = st.recursive(
    _LEAF,
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(_TEXT, kids, max_size=3),
    max_leaves=8,
)
_CODES = st.sampled_from(["2267576", "2382609", "1658087", "48676-1", "97509-4", "271299001"])
_KEYS = st.sampled_from(
    [
        "id", "status", "intent", "extension", "url", "medicationCodeableConcept", "code",
        "valueCodeableConcept", "effectiveDateTime", "authoredOn", "dosageInstruction",
        "statusReason", "name", "identifier", "birthDate", "contained", "medicationReference",
        "stage", "bodySite", "clinicalStatus", "meta", "effectivePeriod", "performedDateTime",
    ]
)  # fmt: skip


@st.composite
def resources(draw: st.DrawFn) -> dict[str, Any]:
    base = draw(
        st.sampled_from(
            [
                b.patient(),
                b.med_request("2267576", "2021-01-01", "2021-06-01"),
                b.med_statement("2382609", "2020-01-01", termination_reason="266721009"),
                b.disease_status("97509-4", "2021-03-01", "271299001"),
                b.observation("48676-1", "2020-01-01", b.concept(b.LOINC, "LA6576-8")),
                b.condition(b.SNOMED, "94225005", "2021-01-01"),
                {"resourceType": "CarePlan", "id": "cp", "extension": [{"url": "x"}]},
            ]
        )
    )
    resource = json.loads(json.dumps(base))
    for key, value in draw(st.dictionaries(_KEYS, _VALUE | _CODES, max_size=3)).items():
        resource[key] = value
    return resource


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items=st.lists(resources(), min_size=1, max_size=4), ndjson=st.booleans())
def test_fuzzed_resources_exit_0_or_2(
    items: list[dict[str, Any]], ndjson: bool, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / "in.json"
    if ndjson:
        text = "\n".join(json.dumps(i, ensure_ascii=True) for i in items)
    else:
        text = json.dumps(b.bundle(items), ensure_ascii=True)
    path.write_text(text, encoding="ascii")
    out, report = folder / "case.json", folder / "report.txt"
    code = cli.main(["import-fhir", str(path), "-o", str(out), "--report", str(report)])
    assert code in (0, 2)
    if code == 0:
        assert report.read_text(encoding="utf-8").startswith("FHIR import report")
        assert b.PATIENT_MRN not in report.read_text(encoding="utf-8")
