"""Patient identifiers (name, record number, birth date, age) for the case's identifier fields.

They go into :class:`pathways.case.Patient`, which presentation mode can hide; they never go into
the report or a log. Every identifying string found is also returned so the importer can scrub
the report of it, in case one turns up somewhere unexpected (Synthea uses the MRN as resource id).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pathways import records
from pathways.case import Patient
from pathways.fhir.codes import CodeTable
from pathways.fhir.elements import as_list, codes, parse_birth_date
from pathways.fhir.reader import Found
from pathways.fhir.report import HIDDEN, ImportReport

_MAX_AGE = 120


@dataclass(frozen=True)
class Identity:
    patient: Patient | None
    names: set[str] = field(default_factory=set)  # hidden as whole words in the report
    identifiers: set[str] = field(default_factory=set)  # ids, numbers, dates: hidden anywhere


def read_identity(
    patients: list[Found], table: CodeTable, report: ImportReport, today: date
) -> Identity:
    if not patients:
        report.warn("The record holds no Patient resource: no identifiers were imported.")
        return Identity(None)
    names: set[str] = set()
    identifiers: set[str] = set()
    for found in patients:
        _identifying_strings(found.resource, names, identifiers)
        report.use(
            "Patient",
            HIDDEN,
            "identifiers read into the case's patient fields (hidden in this report)",
        )
    if len({f.id for f in patients}) > 1:
        report.warn(
            f"The file holds {len(patients)} different Patient resources; identifiers were taken "
            "from the first. Check that the whole record belongs to one patient."
        )
    first = patients[0].resource
    birth = parse_birth_date(first.get("birthDate"))
    try:
        # Validated as a case file's patient is (lengths, ranges, whitespace stripped).
        patient = records.validate(
            Patient,
            {
                "name": _name(first),
                "record_number": _record_number(first, table),
                "birth_date": birth,
                "age": _age(birth, first, today),
            },
        )
    except records.RecordError as exc:
        # The error would quote the value: name only the field, never what it holds.
        fields = sorted({str(e["loc"][0]) for e in exc.errors() if e.get("loc")})
        report.warn(
            f"The Patient's {', '.join(fields) or 'identifiers'} could not be read; no "
            "identifiers were imported (enter them by hand if needed)."
        )
        return Identity(None, names, identifiers)
    return Identity(None if patient.is_empty else patient, names, identifiers)


def _name(resource: dict[str, Any]) -> str | None:
    names = [n for n in as_list(resource.get("name")) if isinstance(n, dict)]
    official = [n for n in names if n.get("use") == "official"] or names
    for name in official:
        text = name.get("text")
        if isinstance(text, str) and text.strip():
            return text.strip()[:200]
        given = [g for g in as_list(name.get("given")) if isinstance(g, str)]
        family = name.get("family")
        parts = [*given, family] if isinstance(family, str) else given
        joined = " ".join(p.strip() for p in parts if p.strip())
        if joined:
            return joined[:200]
    return None


def _record_number(resource: dict[str, Any], table: CodeTable) -> str | None:
    # Only an identifier typed as a medical record number: never a social security, passport or
    # driving licence number that sits in the same list.
    for identifier in as_list(resource.get("identifier")):
        if not isinstance(identifier, dict):
            continue
        kinds = codes(table, identifier.get("type"))
        value = identifier.get("value")
        is_mrn = table.any_is_a(kinds, "identifier-record-number")
        if is_mrn and isinstance(value, str) and value.strip():
            return value.strip()[:100]
    return None


def _age(birth: date | None, resource: dict[str, Any], today: date) -> int | None:
    if birth is None:
        return None
    deceased = resource.get("deceasedDateTime")
    at = parse_birth_date(deceased) if isinstance(deceased, str) else None
    at = at or today
    years = at.year - birth.year - ((at.month, at.day) < (birth.month, birth.day))
    return years if 0 <= years <= _MAX_AGE else None


def _identifying_strings(resource: dict[str, Any], names: set[str], identifiers: set[str]) -> None:
    def add(value: Any, into: set[str]) -> None:
        if isinstance(value, str) and value.strip():
            into.add(value.strip())

    add(resource.get("id"), identifiers)
    birth = resource.get("birthDate")
    add(birth, identifiers)
    if isinstance(birth, str):
        add(birth.replace("-", ""), identifiers)  # 19680423 inside an id
    for name in as_list(resource.get("name")):
        if not isinstance(name, dict):
            continue
        add(name.get("text"), names)
        add(name.get("family"), names)
        for given in as_list(name.get("given")):
            add(given, names)
        full = _name({"name": [name]})
        add(full, names)
    for identifier in as_list(resource.get("identifier")):
        if isinstance(identifier, dict):
            add(identifier.get("value"), identifiers)
    for telecom in as_list(resource.get("telecom")):
        if isinstance(telecom, dict):
            add(telecom.get("value"), identifiers)
