"""Medication uses from MedicationRequest, MedicationAdministration and MedicationStatement.

mCODE STU1 records drugs as MedicationStatement; STU2 and later as MedicationRequest and
MedicationAdministration. Each becomes a :class:`MedicationUse`: which agents (by RxNorm code at
any level, through the code table), when, whether still running, and why it stopped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from pathways.fhir.codes import Coded, CodeTable, MedicationCode, show
from pathways.fhir.elements import (
    FhirDate,
    as_list,
    codes,
    extensions,
    first_date,
    parse_date,
    period,
)
from pathways.fhir.findings import Signal, stop_kind
from pathways.fhir.reader import Found, References
from pathways.fhir.report import ImportReport

MEDICATION_TYPES = frozenset(
    {"MedicationRequest", "MedicationAdministration", "MedicationStatement"}
)
Intent = Literal["curative", "palliative", "supportive"]

_NOT_GIVEN = {"not-taken", "not-done", "cancelled"}
_PLANNED = {"draft", "intended"}
_ONGOING = {"active", "in-progress", "on-hold"}
_NOT_ORDERS = {"proposal", "option"}
_STOP_WORDS = {
    "progression": "stopped for no response",
    "toxicity": "stopped as not tolerated",
    "other": "stopped for another reason",
}


@dataclass(frozen=True)
class MedicationUse:
    source: str  # "MedicationRequest <id>", for the report
    agents: tuple[str, ...]
    supportive: str | None
    label: str  # "trastuzumab (rxnorm|224905)"
    start: date
    end: date
    ongoing: bool
    stop: Signal | None
    intent: Intent | None


class MedicationReader:
    def __init__(self, table: CodeTable, references: References, report: ImportReport) -> None:
        self.table = table
        self.references = references
        self.report = report
        self.referenced_medications: set[int] = set()

    def read(self, found: Found) -> MedicationUse | None:
        res = found.resource
        status = str(res.get("status", "")).strip().lower()
        all_codes = self._drug_codes(res)
        code_text = ", ".join(show(c) for c in all_codes[:3]) or "(no code)"
        skip = self._status_problem(res, status)
        if skip is not None:
            self.report.skip(found.type, found.id, code_text, skip)
            return None
        entry = self._lookup(found, all_codes, code_text)
        if entry is None:
            return None
        start, end = self._dates(found)
        if start.value is None:
            self.report.skip(
                found.type, found.id, code_text, f"{_name(entry)}: {start.problem or 'no date'}"
            )
            return None
        end_value = end.value or start.value
        if end_value < start.value:
            self.report.warn(
                f"{found.type} {found.id} ends before it starts; its start date was used for both."
            )
            end_value = start.value
        use = MedicationUse(
            source=f"{found.type} {found.id}",
            agents=entry.agents,
            supportive=entry.supportive,
            label=f"{_name(entry)} ({entry.system}|{entry.code})",
            start=start.value,
            end=end_value,
            ongoing=status in _ONGOING,
            stop=self._stop(res, end_value),
            intent=self._intent(res),
        )
        self._report_use(found, use, status, start)
        return use

    # ------------------------------------------------------------------ codes
    def _drug_codes(self, res: dict[str, Any]) -> list[Coded]:
        """The drug's codes: inline, or from the Medication resource it refers to."""
        direct = codes(self.table, res.get("medicationCodeableConcept"))
        if direct:
            return direct
        medication = self.references.resolve(res.get("medicationReference"), res)
        if medication is None:
            return []
        self.referenced_medications.add(id(medication))
        found = codes(self.table, medication.get("code"))
        if any(c in self.table.medications for c in found):
            return found
        # A compounded Medication may only name its ingredients.
        for ingredient in as_list(medication.get("ingredient")):
            if not isinstance(ingredient, dict):
                continue
            found += codes(self.table, ingredient.get("itemCodeableConcept"))
            item = self.references.resolve(ingredient.get("itemReference"), medication)
            if item is not None:
                found += codes(self.table, item.get("code"))
        return found

    def _lookup(
        self, found: Found, all_codes: list[Coded], code_text: str
    ) -> MedicationCode | None:
        known = [self.table.medications[c] for c in all_codes if c in self.table.medications]
        if not known:
            reason = (
                "no RxNorm code in the local code table (drugs are never read by name)"
                if all_codes
                else "no medication code (drugs are never read by name)"
            )
            self.report.skip(found.type, found.id, code_text, reason)
            return None
        roles = {(m.agents, m.supportive) for m in known}
        if len(roles) > 1:
            self.report.skip(
                found.type, found.id, code_text, "codes name different drugs; not read"
            )
            return None
        for entry in known:
            if entry.unconfirmed:
                self.report.warn(
                    f"{_name(entry)} was recognised by {entry.system}|{entry.code}, a code not yet "
                    "checked against RxNorm (UNCONFIRMED in the code table)."
                )
        return known[0]

    # ------------------------------------------------------------------ status and dates
    def _status_problem(self, res: dict[str, Any], status: str) -> str | None:
        if status == "entered-in-error":
            return "entered in error"
        if status in _NOT_GIVEN:
            return f"not given (status {status})"
        if status in _PLANNED:
            return f"planned, not given (status {status})"
        intent = str(res.get("intent", "")).lower()
        if res.get("resourceType") == "MedicationRequest" and intent in _NOT_ORDERS:
            return f"a {intent}, not an order"
        return None

    def _dates(self, found: Found) -> tuple[FhirDate, FhirDate]:
        res = found.resource
        if found.type == "MedicationRequest":
            starts, ends = [], []
            for dosage in as_list(res.get("dosageInstruction")):
                timing = dosage.get("timing") if isinstance(dosage, dict) else None
                repeat = timing.get("repeat") if isinstance(timing, dict) else None
                bounds = repeat.get("boundsPeriod") if isinstance(repeat, dict) else None
                start, end = period(bounds)
                starts.append(start)
                ends.append(end)
            start = first_date(*starts, res.get("authoredOn"))
            end = first_date(*ends)
            return start, end
        start_raw, end_raw = period(res.get("effectivePeriod"))
        start = first_date(res.get("effectiveDateTime"), start_raw)
        end = parse_date(end_raw) if end_raw is not None else FhirDate(None)
        return start, end

    # ------------------------------------------------------------------ why it stopped, intent
    def _stop(self, res: dict[str, Any], when: date) -> Signal | None:
        reasons: list[Any] = [res.get("statusReason")]
        # mCODE STU1 carried the termination reason in an extension.
        reasons += [e.get("valueCodeableConcept") for e in extensions(res, "termination-reason")]
        for concept in reasons:
            meaning = stop_kind(self.table, concept)
            if meaning is not None:
                kind, coded = meaning
                return Signal(kind, when, f"{_STOP_WORDS[kind]} ({show(coded)})")
        return None

    def _intent(self, res: dict[str, Any]) -> Intent | None:
        for ext in extensions(res, "treatment-intent") + extensions(res, "procedure-intent"):
            found = codes(self.table, ext.get("valueCodeableConcept"))
            if self.table.any_is_a(found, "intent-palliative"):
                return "palliative"
            if self.table.any_is_a(found, "intent-curative"):
                return "curative"
            if self.table.any_is_a(found, "intent-supportive"):
                return "supportive"
        return None

    def _report_use(self, found: Found, use: MedicationUse, status: str, start: FhirDate) -> None:
        when = f"{use.start}" if use.end == use.start else f"{use.start} to {use.end}"
        if start.approximate:
            when += " (date given only to the month or year)"
        state = "ongoing" if use.ongoing else (status or "no status")
        extra = f", {use.stop.what}" if use.stop else ""
        if use.supportive:
            self.report.use(
                found.type,
                found.id,
                f"{use.label}: supportive ({use.supportive}), left out of lines; {when}",
            )
            return
        self.report.use(found.type, found.id, f"{use.label}: {when}, {state}{extra}")


def _name(entry: MedicationCode) -> str:
    if entry.agents:
        return " + ".join(entry.agents)
    return entry.note or entry.supportive or "supportive drug"
