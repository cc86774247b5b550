"""FHIR import of a generated ~5 MB bundle: a four-line HER2+ history amid thousands of labs.

The clinical core follows the shape of the importer's own examples (mCODE STU2+: requests,
administrations every three weeks, disease-status observations before each switch); routine
laboratory and vital-sign observations fill the bundle up to the size, as in a real EHR export.
"""

from __future__ import annotations

import datetime as dt
import importlib
import itertools
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks.common import Context, Figure, measured, not_landed

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/"
SUBJECT = {"reference": "Patient/pat-1"}
TARGET_BYTES = 5_000_000
# (RxNorm codes, start, end): the regimens of the history, in order.
LINES: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("1298944", "224905", "72962"), "2020-01-06", "2021-03-01"),  # pertuzumab+trastuzumab+doce
    (("2267574",), "2021-03-22", "2022-06-13"),  # T-DXd
    (("2361285", "224905", "194000"), "2022-07-04", "2023-05-15"),  # tucatinib+trast.+cape
)
LABS = (("718-7", "g/dL", 12.1), ("2160-0", "mg/dL", 0.9), ("29463-7", "kg", 64.0))

Resource = dict[str, Any]


def _concept(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def _entry(resource: Resource) -> Resource:
    return {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}


def _core(ids: Iterator[int]) -> Iterator[Resource]:
    yield {
        "resourceType": "Patient",
        "id": "pat-1",
        "name": [{"use": "official", "given": ["Bench"], "family": "Mark"}],
        "gender": "female",
        "birthDate": "1965-02-01",
    }
    for code, profile in (("254837009", "primary"), ("94381002", "secondary")):
        yield {
            "resourceType": "Condition",
            "id": f"cond-{next(ids)}",
            "code": _concept(SNOMED, code),
            "subject": SUBJECT,
            "onsetDateTime": "2019-11-20",
            "meta": {"profile": [MCODE + f"mcode-{profile}-cancer-condition"]},
        }
    for code, answer, profile in (
        ("21908-9", ("http://cancerstaging.org", "4"), "mcode-tnm-clinical-stage-group"),
        ("48676-1", (LOINC, "LA6576-8"), "mcode-tumor-marker-test"),
        ("85337-4", (LOINC, "LA6577-6"), "mcode-tumor-marker-test"),
        ("85339-0", (LOINC, "LA6577-6"), "mcode-tumor-marker-test"),
    ):
        yield _observation(ids, code, "2019-11-25", profile, _concept(*answer))
    for agents, start, end in LINES:
        for rx in agents:
            yield {
                "resourceType": "MedicationRequest",
                "id": f"req-{next(ids)}",
                "meta": {"profile": [MCODE + "mcode-cancer-related-medication-request"]},
                "status": "completed",
                "intent": "order",
                "subject": SUBJECT,
                "authoredOn": start,
                "medicationCodeableConcept": _concept(RXNORM, rx),
                "dosageInstruction": [
                    {"timing": {"repeat": {"boundsPeriod": {"start": start, "end": end}}}}
                ],
            }
            day = dt.date.fromisoformat(start)
            while day <= dt.date.fromisoformat(end):
                yield {
                    "resourceType": "MedicationAdministration",
                    "id": f"adm-{next(ids)}",
                    "meta": {"profile": [MCODE + "mcode-cancer-related-medication-administration"]},
                    "status": "completed",
                    "subject": SUBJECT,
                    "effectiveDateTime": day.isoformat(),
                    "medicationCodeableConcept": _concept(RXNORM, rx),
                }
                day += dt.timedelta(days=21)
        progression = (dt.date.fromisoformat(end) + dt.timedelta(days=5)).isoformat()
        yield _observation(
            ids,
            "97509-4",
            progression,
            "mcode-cancer-disease-status",
            _concept(SNOMED, "271299001"),
        )


def _observation(
    ids: Iterator[int], code: str, day: str, profile: str, value: dict[str, Any]
) -> Resource:
    return {
        "resourceType": "Observation",
        "id": f"obs-{next(ids)}",
        "status": "final",
        "code": _concept(LOINC, code),
        "subject": SUBJECT,
        "effectiveDateTime": day,
        "valueCodeableConcept": value,
        "meta": {"profile": [MCODE + profile]},
    }


def _lab(ids: Iterator[int], k: int) -> Resource:
    code, unit, value = LABS[k % len(LABS)]
    day = dt.date(2019, 12, 1) + dt.timedelta(days=k // len(LABS))
    return {
        "resourceType": "Observation",
        "id": f"lab-{next(ids)}",
        "status": "final",
        "category": [
            _concept("http://terminology.hl7.org/CodeSystem/observation-category", "laboratory")
        ],
        "code": _concept(LOINC, code),
        "subject": SUBJECT,
        "effectiveDateTime": f"{day.isoformat()}T08:{k % 60:02d}:00Z",
        "valueQuantity": {
            "value": round(value * (0.9 + (k % 20) / 100), 2),
            "unit": unit,
            "system": "http://unitsofmeasure.org",
            "code": unit,
        },
    }


def bundle_bytes(target: int = TARGET_BYTES) -> tuple[bytes, int]:
    """A collection Bundle of about ``target`` bytes, and how many resources it holds."""
    ids = itertools.count(1)
    entries = [_entry(r) for r in _core(ids)]
    size = len(json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries}))
    k = 0
    while size < target:
        entry = _entry(_lab(ids, k))
        entries.append(entry)
        size += len(json.dumps(entry)) + 2
        k += 1
    data = json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries})
    return data.encode(), len(entries)


def run(ctx: Context) -> list[Figure]:
    label = "FHIR import, ~5 MB bundle"
    try:
        fhir: Any = importlib.import_module("pathways.fhir")
        import_file = fhir.import_fhir_file
    except (ImportError, AttributeError) as exc:
        why = f"pathways.fhir.import_fhir_file ({exc})"
        return [not_landed("fhir_import", label, "≤ 1 s", why)]
    from pathways.content import load_content

    content = load_content()
    target = 500_000 if ctx.quick else TARGET_BYTES
    data, count = bundle_bytes(target)
    path = Path(ctx.scratch) / "bundle.json"
    path.write_bytes(data)
    import_file(path, content.agents, content.regimens)  # warm-up (code tables)
    samples = []
    lines = 0
    for _ in range(ctx.pick(1, 5)):
        start = time.perf_counter()
        result = import_file(path, content.agents, content.regimens)
        samples.append(time.perf_counter() - start)
        lines = len(result.case.history)
    return [
        measured(
            "fhir_import",
            f"FHIR import, {len(data) / 1e6:.1f} MB bundle ({count:,} resources)",
            "s",
            samples,
            target="≤ 1 s",
            limit=1.0,
            details={"bytes": len(data), "resources": count, "history_lines": lines},
        )
    ]
