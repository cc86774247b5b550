"""Small builders for FHIR R4 resources used by the importer's tests.

Codes are the ones in resources/fhir/codes.yaml; every builder returns a plain dict, as json.load
would, so tests can break them in any way real files do.
"""

from __future__ import annotations

import itertools
import json
from datetime import date, timedelta
from typing import Any

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/"

Resource = dict[str, Any]
_ids = itertools.count(1)

# Test identifiers: made up, and chosen so that a leak into the report is easy to search for.
PATIENT_NAME = ("Ottilie", "Quarrington")
PATIENT_MRN = "MRN-7730419"
PATIENT_BIRTH = "1968-04-23"


def next_id(prefix: str) -> str:
    return f"{prefix}-{next(_ids)}"


def concept(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    coding: dict[str, Any] = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


def patient(rid: str = "pat-1") -> Resource:
    return {
        "resourceType": "Patient",
        "id": rid,
        "identifier": [
            {
                "type": concept("http://terminology.hl7.org/CodeSystem/v2-0203", "MR"),
                "system": "urn:example:mrn",
                "value": PATIENT_MRN,
            },
            {
                "type": concept("http://terminology.hl7.org/CodeSystem/v2-0203", "SS"),
                "system": "http://hl7.org/fhir/sid/us-ssn",
                "value": "999-12-3456",
            },
        ],
        "name": [{"use": "official", "given": [PATIENT_NAME[0]], "family": PATIENT_NAME[1]}],
        "gender": "female",
        "birthDate": PATIENT_BIRTH,
    }


def subject() -> dict[str, str]:
    return {"reference": "Patient/pat-1"}


def intent_extension(code: str, stu1: bool = False) -> dict[str, Any]:
    url = MCODE + ("mcode-treatment-intent" if stu1 else "mcode-procedure-intent")
    return {"url": url, "valueCodeableConcept": concept(SNOMED, code)}


def med_request(
    rxnorm: str | None,
    start: str,
    end: str | None = None,
    *,
    status: str = "completed",
    status_reason: str | None = None,
    medication_reference: str | None = None,
    rid: str | None = None,
) -> Resource:
    resource: Resource = {
        "resourceType": "MedicationRequest",
        "id": rid or next_id("req"),
        "meta": {"profile": [MCODE + "mcode-cancer-related-medication-request"]},
        "status": status,
        "intent": "order",
        "subject": subject(),
        "authoredOn": start,
    }
    if rxnorm is not None:
        resource["medicationCodeableConcept"] = concept(RXNORM, rxnorm)
    if medication_reference is not None:
        resource["medicationReference"] = {"reference": medication_reference}
    bounds = {"start": start, **({"end": end} if end else {})}
    resource["dosageInstruction"] = [{"timing": {"repeat": {"boundsPeriod": bounds}}}]
    if status_reason:
        resource["statusReason"] = concept(SNOMED, status_reason)
    return resource


def med_administration(
    rxnorm: str | None,
    when: str,
    *,
    medication_reference: str | None = None,
    status: str = "completed",
) -> Resource:
    resource: Resource = {
        "resourceType": "MedicationAdministration",
        "id": next_id("adm"),
        "meta": {"profile": [MCODE + "mcode-cancer-related-medication-administration"]},
        "status": status,
        "subject": subject(),
        "effectiveDateTime": when,
    }
    if rxnorm is not None:
        resource["medicationCodeableConcept"] = concept(RXNORM, rxnorm)
    if medication_reference is not None:
        resource["medicationReference"] = {"reference": medication_reference}
    return resource


def med_statement(
    rxnorm: str,
    start: str,
    end: str | None = None,
    *,
    status: str = "completed",
    termination_reason: str | None = None,
    intent: str | None = None,
) -> Resource:
    resource: Resource = {
        "resourceType": "MedicationStatement",
        "id": next_id("stmt"),
        "meta": {"profile": [MCODE + "mcode-cancer-related-medication-statement"]},
        "status": status,
        "medicationCodeableConcept": concept(RXNORM, rxnorm),
        "subject": subject(),
        "effectivePeriod": {"start": start, **({"end": end} if end else {})},
    }
    extensions = []
    if termination_reason:
        extensions.append(
            {
                "url": MCODE + "mcode-treatment-termination-reason",
                "valueCodeableConcept": concept(SNOMED, termination_reason),
            }
        )
    if intent:
        extensions.append(intent_extension(intent, stu1=True))
    if extensions:
        resource["extension"] = extensions
    return resource


def observation(
    loinc: str, when: str | None, value: dict[str, Any] | None, *, profile: str | None = None
) -> Resource:
    resource: Resource = {
        "resourceType": "Observation",
        "id": next_id("obs"),
        "status": "final",
        "code": concept(LOINC, loinc),
        "subject": subject(),
    }
    if when is not None:
        resource["effectiveDateTime"] = when
    if value is not None:
        resource["valueCodeableConcept"] = value
    if profile:
        resource["meta"] = {"profile": [MCODE + profile]}
    return resource


def disease_status(loinc: str, when: str, snomed_value: str) -> Resource:
    return observation(
        loinc, when, concept(SNOMED, snomed_value), profile="mcode-cancer-disease-status"
    )


def condition(
    system: str,
    code: str,
    onset: str | None,
    *,
    profile: str | None = None,
    body_site: str | None = None,
    clinical_status: str | None = None,
) -> Resource:
    resource: Resource = {
        "resourceType": "Condition",
        "id": next_id("cond"),
        "code": concept(system, code),
        "subject": subject(),
    }
    if onset is not None:
        resource["onsetDateTime"] = onset
    if profile:
        resource["meta"] = {"profile": [MCODE + profile]}
    if body_site:
        resource["bodySite"] = [concept(SNOMED, body_site)]
    if clinical_status:
        resource["clinicalStatus"] = concept(
            "http://terminology.hl7.org/CodeSystem/condition-clinical", clinical_status
        )
    return resource


def bundle(resources: list[Resource], kind: str = "collection") -> Resource:
    return {
        "resourceType": "Bundle",
        "type": kind,
        "entry": [
            {"fullUrl": f"urn:uuid:{r.get('id', next_id('x'))}", "resource": r} for r in resources
        ],
    }


def every(start: str, days: int, count: int) -> list[str]:
    first = date.fromisoformat(start)
    return [(first + timedelta(days=days * i)).isoformat() for i in range(count)]


def to_bytes(value: Any) -> bytes:
    return json.dumps(value, indent=1).encode("utf-8")
