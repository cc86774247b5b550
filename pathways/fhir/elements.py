"""Tolerant readers for FHIR data types (CodeableConcept, dateTime, Period, extensions).

Real files break the rules in every way (placeholder dates, two value[x], lists where objects
belong), so each helper returns "nothing" for malformed input instead of raising.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from pathways.fhir.codes import Coded, CodeTable

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:T[0-9:.]+(?:Z|[+-]\d{2}:\d{2})?)?$")
# Dates before this are typing errors in a cancer treatment record (birth dates are read apart).
_EARLIEST_YEAR = 1900
_LATEST_YEAR = 2100


@dataclass(frozen=True)
class FhirDate:
    """A parsed FHIR date/dateTime: the calendar date as written (time and zone dropped)."""

    value: date | None
    problem: str | None = None
    approximate: bool = False  # only a year or a month was given: the first day is used


NO_DATE = FhirDate(None, "no date")


def parse_date(raw: Any) -> FhirDate:
    if raw is None:
        return NO_DATE
    if not isinstance(raw, str):
        return FhirDate(None, "date is not text")
    text = raw.strip()
    match = _DATE.match(text)
    if match is None:
        if any(ch.isalpha() and ch not in "TZ" for ch in text):
            return FhirDate(None, f"placeholder date ({text[:20]})")
        return FhirDate(None, f"not a FHIR date ({text[:20]})")
    year, month, day = (int(g) if g else None for g in match.groups())
    assert year is not None  # the pattern requires it
    if not _EARLIEST_YEAR <= year <= _LATEST_YEAR:
        return FhirDate(None, f"implausible year {year}")
    try:
        value = date(year, month or 1, day or 1)
    except ValueError:
        return FhirDate(None, f"not a calendar date ({text[:20]})")
    return FhirDate(value, None, approximate=day is None)


def parse_birth_date(raw: Any) -> date | None:
    if not isinstance(raw, str):
        return None
    match = _DATE.match(raw.strip())
    if match is None or not match.group(3):
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def first_date(*candidates: Any) -> FhirDate:
    """The first candidate that parses; otherwise the first candidate's problem."""
    problem: FhirDate | None = None
    for raw in candidates:
        if raw is None:
            continue
        parsed = parse_date(raw)
        if parsed.value is not None:
            return parsed
        problem = problem or parsed
    return problem or NO_DATE


def period(raw: Any) -> tuple[Any, Any]:
    if not isinstance(raw, dict):
        return None, None
    return raw.get("start"), raw.get("end")


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def raw_codings(concept: Any) -> list[tuple[str, str]]:
    """(system, code) of every Coding in a CodeableConcept (or list of them)."""
    out: list[tuple[str, str]] = []
    for item in as_list(concept):
        if not isinstance(item, dict):
            continue
        for coding in as_list(item.get("coding")):
            if not isinstance(coding, dict):
                continue
            system, code = coding.get("system"), coding.get("code")
            if isinstance(code, str | int) and str(code).strip():
                out.append((system if isinstance(system, str) else "", str(code).strip()))
    return out


def codes(table: CodeTable, concept: Any) -> list[Coded]:
    return [table.coded(system, code) for system, code in raw_codings(concept)]


def shown(table: CodeTable, concept: Any) -> str:
    """The codes of a concept for the report ("loinc|1234-5, snomed|678"), or "(no code)"."""
    found = codes(table, concept)
    if not found:
        return "(no code)"
    return ", ".join(f"{s}|{c}" for s, c in found[:4]) + (" …" if len(found) > 4 else "")


def extensions(resource: Any, url_suffix: str) -> list[dict[str, Any]]:
    """Extensions whose URL ends with ``url_suffix`` (mCODE URLs changed host between versions)."""
    if not isinstance(resource, dict):
        return []
    return [
        ext
        for ext in as_list(resource.get("extension"))
        if isinstance(ext, dict)
        and isinstance(ext.get("url"), str)
        and ext["url"].rstrip("/").lower().endswith(url_suffix.lower())
    ]


def has_profile(resource: dict[str, Any], profile_suffix: str) -> bool:
    meta = resource.get("meta")
    if not isinstance(meta, dict):
        return False
    return any(
        isinstance(p, str) and p.rstrip("/").endswith(profile_suffix)
        for p in as_list(meta.get("profile"))
    )


def status_code(concept: Any) -> str:
    """The code of a simple status CodeableConcept (clinicalStatus, verificationStatus)."""
    found = raw_codings(concept)
    return found[0][1].lower() if found else ""


def value_kinds(resource: dict[str, Any]) -> list[str]:
    """The value[x] elements present (valid FHIR has at most one)."""
    return [key for key in resource if key.startswith("value") and len(key) > 5]
