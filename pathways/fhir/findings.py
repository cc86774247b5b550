"""Facts about the disease read from Observations, Conditions, Procedures and CarePlans.

Tumour markers (HER2, ER, PR), disease status (progression), staging, metastatic sites (brain),
ILD / pneumonitis, breast surgery and ICAREdata treatment-plan changes. Every resource is either
used (and listed as recognised, with what was taken from it) or listed as skipped with a reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from pathways.fhir.codes import Coded, CodeTable, ConceptGroup, show
from pathways.fhir.elements import (
    FhirDate,
    as_list,
    codes,
    extensions,
    first_date,
    has_profile,
    period,
    shown,
    status_code,
    value_kinds,
)
from pathways.fhir.reader import Found
from pathways.fhir.report import ImportReport

Marker = Literal["HER2", "ER", "PR", "ER/PR"]
Trend = Literal["worsening", "stable", "improved", "remission", "undetermined"]
SignalKind = Literal["progression", "toxicity", "other"]


@dataclass(frozen=True)
class MarkerResult:
    marker: Marker
    positive: bool
    when: date | None
    source: str


@dataclass(frozen=True)
class StatusReading:
    trend: Trend
    when: date
    source: str


@dataclass(frozen=True)
class Evidence:
    """A dated (or undated) piece of evidence, e.g. for metastatic disease."""

    when: date | None
    what: str


@dataclass(frozen=True)
class BrainMetastasis:
    when: date | None
    active: bool  # False when the condition is recorded as resolved / in remission
    source: str


@dataclass(frozen=True)
class Signal:
    """Why a treatment stopped or changed: from disease status, stop reasons or plan reviews."""

    kind: SignalKind
    when: date
    what: str


@dataclass
class Findings:
    markers: list[MarkerResult] = field(default_factory=list)
    statuses: list[StatusReading] = field(default_factory=list)
    metastatic: list[Evidence] = field(default_factory=list)
    early: list[Evidence] = field(default_factory=list)
    brain: list[BrainMetastasis] = field(default_factory=list)
    ild: list[Evidence] = field(default_factory=list)
    surgeries: list[date] = field(default_factory=list)
    signals: list[Signal] = field(default_factory=list)


_TRENDS: tuple[tuple[ConceptGroup, Trend], ...] = (
    ("trend-worsening", "worsening"),
    ("trend-stable", "stable"),
    ("trend-improved", "improved"),
    ("trend-remission", "remission"),
    ("trend-undetermined", "undetermined"),
)
_MARKER_TESTS: tuple[tuple[ConceptGroup, Marker], ...] = (
    ("her2-test", "HER2"),
    ("er-test", "ER"),
    ("pr-test", "PR"),
    ("hormone-receptor-test", "ER/PR"),
)
_STOP_KINDS: tuple[tuple[ConceptGroup, SignalKind], ...] = (
    ("stop-no-response", "progression"),
    ("stop-not-tolerated", "toxicity"),
    ("stop-other", "other"),
)
_IGNORED_STATUSES = {"entered-in-error", "cancelled"}
_NOT_PRESENT = {"refuted", "entered-in-error"}
_RESOLVED = {"resolved", "inactive", "remission"}


def stop_kind(table: CodeTable, concept: Any) -> tuple[SignalKind, Coded] | None:
    """What a termination / change reason means, if the table knows the code."""
    for coded in codes(table, concept):
        for group, kind in _STOP_KINDS:
            if table.is_a(coded, group):
                return kind, coded
    return None


class FindingsReader:
    def __init__(self, table: CodeTable, report: ImportReport) -> None:
        self.table = table
        self.report = report
        self.findings = Findings()

    # ------------------------------------------------------------------ Observation
    def observation(self, found: Found) -> None:
        res = found.resource
        kind, rid = found.type, found.id
        concept = res.get("code")
        observed = codes(self.table, concept)
        groups = self.table.groups_of_all(observed)
        if not groups:  # most observations in a whole-patient export are labs and vital signs
            self.report.skip(kind, rid, shown(self.table, concept), "observation not used")
            return
        if str(res.get("status", "")).lower() in _IGNORED_STATUSES:
            self.report.skip(kind, rid, shown(self.table, concept), f"status {res.get('status')}")
            return
        when = first_date(
            res.get("effectiveDateTime"),
            period(res.get("effectivePeriod"))[0],
            res.get("effectiveInstant"),
            res.get("issued"),
        )
        for group, marker in _MARKER_TESTS:
            test = next((c for c in observed if self.table.is_a(c, group)), None)
            if test is not None:
                self._marker(found, marker, test, when)
                return
        if "her2-numeric-test" in groups:
            self.report.skip(
                kind,
                rid,
                shown(self.table, concept),
                "numeric HER2 result (ratio / copy number) is not interpreted; coded results are",
            )
            return
        if self.table.any_is_a(observed, "disease-status-test"):
            self._disease_status(found, when)
            return
        if self.table.any_is_a(observed, "stage-group-test"):
            self._stage(found, res.get("valueCodeableConcept"), when, "stage group")
            return
        if self.table.any_is_a(observed, "distant-metastasis-test"):
            self._stage(found, res.get("valueCodeableConcept"), when, "distant metastasis (M)")
            return
        if self.table.any_is_a(observed, "history-of-metastasis"):
            self._history_of_metastasis(found, when)
            return
        if self.table.any_is_a(observed, "treatment-status-test"):
            value = codes(self.table, res.get("valueCodeableConcept"))
            if self.table.any_is_a(value, "treatment-changed") and when.value is not None:
                self.report.use(kind, rid, f"treatment changed on {when.value}")
                self.findings.signals.append(Signal("other", when.value, "treatment changed"))
                return
        self.report.skip(kind, rid, shown(self.table, concept), "observation not used")

    def _marker(self, found: Found, marker: Marker, test: Coded, when: FhirDate) -> None:
        res = found.resource
        answer = codes(self.table, res.get("valueCodeableConcept"))
        if not answer:
            answer = codes(self.table, res.get("interpretation"))
        positive = self.table.any_is_a(answer, "answer-positive")
        negative = self.table.any_is_a(answer, "answer-negative")
        label = f"{marker} result ({show(test)})"
        if positive == negative:
            reason = (
                "answer codes contradict each other"
                if positive
                else "result is not a coded positive/negative answer"
                if not answer
                else f"answer {show(answer[0])} not recognised"
            )
            self.report.skip(found.type, found.id, show(test), f"{label}: {reason}")
            return
        value = "positive" if positive else "negative"
        note = ""
        if len(value_kinds(res)) > 1:
            note = " (resource has more than one value[x], invalid FHIR; the coded one was used)"
        dated = f", {when.value}" if when.value else ", undated"
        self.report.use(found.type, found.id, f"{label}: {value}{dated}{note}")
        self.findings.markers.append(
            MarkerResult(marker, positive, when.value, f"{found.type} {found.id}")
        )

    def _disease_status(self, found: Found, when: FhirDate) -> None:
        res = found.resource
        value = codes(self.table, res.get("valueCodeableConcept"))
        label = f"disease status ({shown(self.table, res.get('code'))})"
        if self.table.any_is_a(value, "metastasis-present"):
            self._metastatic(found, when.value, "disease status: distant metastasis present")
            return
        trend = next(
            (t for group, t in _TRENDS if self.table.any_is_a(value, group)),
            None,
        )
        if trend is None:
            shown_value = shown(self.table, res.get("valueCodeableConcept"))
            self.report.skip(found.type, found.id, shown_value, f"{label}: value not recognised")
            return
        if when.value is None:
            self.report.skip(
                found.type, found.id, show(value[0]), f"{label} {trend}: {when.problem}"
            )
            return
        self.report.use(found.type, found.id, f"{label}: {trend} on {when.value}")
        self.findings.statuses.append(StatusReading(trend, when.value, f"{found.type} {found.id}"))
        if trend == "worsening":
            self.findings.signals.append(
                Signal("progression", when.value, f"disease status worsening ({show(value[0])})")
            )

    def _stage(self, found: Found, value_concept: Any, when: FhirDate, label: str) -> None:
        value = codes(self.table, value_concept)
        meaning = self._stage_meaning(value)
        if meaning is None:
            self.report.skip(
                found.type, found.id, shown(self.table, value_concept), f"{label}: not recognised"
            )
            return
        self._staging_evidence(found, meaning, when.value, label)

    def _stage_meaning(self, value: list[Coded]) -> Literal["metastatic", "early"] | None:
        if self.table.any_is_a(value, "stage-4") or self.table.any_is_a(value, "m1"):
            return "metastatic"
        if self.table.any_is_a(value, "stage-early") or self.table.any_is_a(value, "m0"):
            return "early"
        for system, code in value:
            if system == "ajcc":
                meaning = ajcc_meaning(code)
                if meaning is not None:
                    return meaning
        return None

    def _staging_evidence(
        self,
        found: Found,
        meaning: Literal["metastatic", "early"],
        when: date | None,
        label: str,
    ) -> None:
        if meaning == "metastatic":
            self._metastatic(found, when, f"{label}: metastatic (stage IV / M1)")
        else:
            dated = f" on {when}" if when else " (undated)"
            self.report.use(found.type, found.id, f"{label}: not metastatic{dated}")
            self.findings.early.append(Evidence(when, f"{label} not metastatic"))

    def _history_of_metastasis(self, found: Found, when: FhirDate) -> None:
        if found.resource.get("valueBoolean") is True:
            self._metastatic(found, when.value, "history of metastatic cancer")
        else:
            self.report.skip(
                found.type,
                found.id,
                shown(self.table, found.resource.get("code")),
                "history of metastatic cancer: not answered yes",
            )

    def _metastatic(self, found: Found, when: date | None, what: str) -> None:
        dated = f" on {when}" if when else " (undated)"
        self.report.use(found.type, found.id, what + dated)
        self.findings.metastatic.append(Evidence(when, what))

    # ------------------------------------------------------------------ Condition
    def condition(self, found: Found) -> None:
        res = found.resource
        concept = res.get("code")
        found_codes = codes(self.table, concept)
        verification = status_code(res.get("verificationStatus"))
        if verification in _NOT_PRESENT:
            self.report.skip(found.type, found.id, shown(self.table, concept), verification)
            return
        onset = first_date(
            res.get("onsetDateTime"),
            period(res.get("onsetPeriod"))[0],
            res.get("recordedDate"),
            *[e.get("valueDateTime") for e in extensions(res, "condition-assertedDate")],
        )
        clinical = status_code(res.get("clinicalStatus"))
        brain_codes = [c for c in found_codes if self.table.is_a(c, "secondary-brain")]
        primary_codes = [c for c in found_codes if self.table.is_a(c, "primary-breast-cancer")]
        if brain_codes and primary_codes:
            self._prefer_snomed(found, brain_codes, primary_codes)
            brain_codes = [c for c in brain_codes if c[0] == "snomed"] or (
                brain_codes if not any(c[0] == "snomed" for c in primary_codes) else []
            )
        if brain_codes:
            self._brain(found, onset.value, clinical, show(brain_codes[0]))
            return
        if self.table.any_is_a(found_codes, "secondary-distant") or (
            has_profile(res, "mcode-secondary-cancer-condition")
            and not self.table.any_is_a(found_codes, "secondary-regional")
        ):
            self._secondary(found, found_codes, onset.value, clinical)
            return
        if self.table.any_is_a(found_codes, "secondary-regional"):
            self.report.use(
                found.type, found.id, "regional lymph-node disease (not metastatic on its own)"
            )
            return
        if self.table.any_is_a(found_codes, "ild"):
            self.report.use(
                found.type, found.id, f"interstitial lung disease / pneumonitis ({_dated(onset)})"
            )
            self.findings.ild.append(Evidence(onset.value, "ILD / pneumonitis"))
            return
        if primary_codes:
            self._primary(found, onset)
            return
        self.report.skip(found.type, found.id, shown(self.table, concept), "condition not used")

    def _prefer_snomed(self, found: Found, brain: list[Coded], primary: list[Coded]) -> None:
        self.report.warn(
            f"{found.type} {found.id} is coded both as brain metastasis ({show(brain[0])}) and as "
            f"primary breast cancer ({show(primary[0])}); the SNOMED code was used."
        )

    def _brain(self, found: Found, when: date | None, clinical: str, code: str) -> None:
        active = clinical not in _RESOLVED
        state = "active or of unknown activity" if active else f"recorded as {clinical}"
        self.report.use(
            found.type, found.id, f"brain metastases ({code}), {state}, since {when or '(undated)'}"
        )
        self.findings.brain.append(BrainMetastasis(when, active, f"{found.type} {found.id}"))
        self.findings.metastatic.append(Evidence(when, "brain metastases"))

    def _secondary(
        self, found: Found, found_codes: list[Coded], when: date | None, clinical: str
    ) -> None:
        sites = codes(self.table, found.resource.get("bodySite"))
        if self.table.any_is_a(sites, "body-site-brain"):
            self._brain(found, when, clinical, f"body site {show(sites[0])}")
            return
        code = show(found_codes[0]) if found_codes else "(no code)"
        self.report.use(
            found.type, found.id, f"metastatic disease ({code}), since {when or '(undated)'}"
        )
        self.findings.metastatic.append(Evidence(when, "secondary cancer condition"))
        unknown_sites = [s for s in sites if not self.table.groups_of(s)]
        if unknown_sites:
            self.report.skip(
                found.type,
                found.id,
                show(unknown_sites[0]),
                "body site of the metastasis not recognised: brain involvement could not be "
                "checked",
            )

    def _primary(self, found: Found, onset: FhirDate) -> None:
        self.report.use(found.type, found.id, f"primary breast cancer, diagnosed {_dated(onset)}")
        meanings = set()
        for stage in as_list(found.resource.get("stage")):
            if not isinstance(stage, dict):
                continue
            value = codes(self.table, stage.get("summary"))
            meaning = self._stage_meaning(value)
            if meaning is not None:
                meanings.add(meaning)
            elif value:
                self.report.skip(
                    found.type,
                    found.id,
                    shown(self.table, stage.get("summary")),
                    "stage summary not recognised",
                )
        # Several stage entries (3A and 3, clinical and pathological) say the same thing once.
        for meaning in sorted(meanings, reverse=True):
            self._staging_evidence(found, meaning, onset.value, "stage at diagnosis")

    # ------------------------------------------------------------------ Procedure
    def procedure(self, found: Found) -> None:
        res = found.resource
        concept = res.get("code")
        if str(res.get("status", "")).lower() not in {"completed", "in-progress", ""}:
            self.report.skip(found.type, found.id, shown(self.table, concept), "not performed")
            return
        # The mCODE profile marks cancer surgery; its dates separate neoadjuvant from adjuvant.
        if has_profile(res, "mcode-cancer-related-surgical-procedure"):
            when = first_date(res.get("performedDateTime"), period(res.get("performedPeriod"))[0])
            if when.value is not None:
                self.report.use(found.type, found.id, f"cancer surgery on {when.value}")
                self.findings.surgeries.append(when.value)
                return
        self.report.skip(
            found.type, found.id, shown(self.table, concept), "procedure not used by this app"
        )

    # ------------------------------------------------------------------ CarePlan (ICAREdata)
    def care_plan(self, found: Found) -> None:
        reviews = extensions(found.resource, "icare-care-plan-review")
        if not reviews:
            self.report.skip(found.type, found.id, "", "care plan without treatment-plan reviews")
            return
        for review in reviews:
            self._plan_review(found, review)

    def _plan_review(self, found: Found, review: dict[str, Any]) -> None:
        parts = {
            e["url"]: e
            for e in as_list(review.get("extension"))
            if isinstance(e, dict) and isinstance(e.get("url"), str)
        }
        when = first_date(
            parts.get("ReviewDate", {}).get("valueDate"),
            parts.get("ReviewDate", {}).get("valueDateTime"),
        )
        changed = parts.get("ChangedFlag", {}).get("valueBoolean")
        reason_concept = parts.get("CarePlanChangeReason", {}).get("valueCodeableConcept")
        if when.value is None:
            self.report.skip(found.type, found.id, "", f"treatment-plan review: {when.problem}")
            return
        if changed is not True:
            self.report.use(
                found.type, found.id, f"treatment plan reviewed, unchanged, {when.value}"
            )
            return
        meaning = stop_kind(self.table, reason_concept)
        if meaning is None:
            self.report.use(found.type, found.id, f"treatment plan changed on {when.value}")
            self.report.skip(
                found.type,
                found.id,
                shown(self.table, reason_concept),
                f"reason for the plan change on {when.value} not recognised",
            )
            self.findings.signals.append(Signal("other", when.value, "treatment plan changed"))
            return
        kind, coded = meaning
        self.report.use(
            found.type,
            found.id,
            f"treatment plan changed on {when.value} ({kind}, {show(coded)})",
        )
        self.findings.signals.append(
            Signal(kind, when.value, f"treatment plan changed ({show(coded)})")
        )


def _dated(when: FhirDate) -> str:
    return str(when.value) if when.value else f"(date unknown: {when.problem})"


_AJCC_STAGE = re.compile(r"(?:y?[cp]|r|a)?(0|is|IS|IV|I{1,3}|[1-4])(?:[A-Ca-c]\d?)?")
_AJCC_M = re.compile(r"(?:y?[cp])?M(0|1)[a-d]?(?:\(i\+\))?")


def ajcc_meaning(code: str) -> Literal["metastatic", "early"] | None:
    """AJCC codes ("c3A", "4", "IV", "cM1"): stage IV or M1 is metastatic, lower stages are not."""
    text = code.strip()
    stage = _AJCC_STAGE.fullmatch(text)
    if stage is not None:
        return "metastatic" if stage.group(1) in {"IV", "4"} else "early"
    m_category = _AJCC_M.fullmatch(text)
    if m_category is not None:
        return "metastatic" if m_category.group(1) == "1" else "early"
    return None
