"""Patient factors from the findings: receptor status, brain metastases, ILD, setting evidence.

The latest dated result of each marker wins; a change over time, or two different results on the
latest date, is reported so the clinician can check it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from typing import Literal

from pathways.case import BrainMetastases, HormoneReceptor
from pathways.fhir.findings import Findings, Marker, MarkerResult
from pathways.fhir.lines import SettingEvidence
from pathways.fhir.report import ImportReport

Status = Literal["positive", "negative", "unknown"]


@dataclass(frozen=True)
class ReceptorStatus:
    her2: Status
    er: Status
    pr: Status
    hormone_receptor: HormoneReceptor


def latest(results: list[MarkerResult], marker: Marker, report: ImportReport) -> Status:
    """The latest result of one marker; undated results count only when nothing is dated."""
    own = [r for r in results if r.marker == marker]
    if not own:
        return "unknown"
    dated = sorted((r for r in own if r.when is not None), key=lambda r: r.when or date.min)
    pool = dated or own
    last_date = pool[-1].when
    last = {r.positive for r in pool if r.when == last_date}
    if len(last) > 1:
        report.warn(
            f"{marker}: positive and negative results on the same date ({last_date or 'undated'});"
            f" {marker} status is treated as unknown."
        )
        return "unknown"
    value: Status = "positive" if last.pop() else "negative"
    changes = [(a, b) for a, b in pairwise(dated) if a.positive != b.positive]
    for before, after in changes:
        report.warn(
            f"{marker} changed from {_word(before)} ({before.when}) to {_word(after)} "
            f"({after.when}); the latest result is used."
        )
    return value


def _word(result: MarkerResult) -> str:
    return "positive" if result.positive else "negative"


def receptor_status(findings: Findings, report: ImportReport) -> ReceptorStatus:
    her2 = latest(findings.markers, "HER2", report)
    er = latest(findings.markers, "ER", report)
    pr = latest(findings.markers, "PR", report)
    combined = latest(findings.markers, "ER/PR", report)
    if "positive" in (er, pr) or (combined == "positive" and er == pr == "unknown"):
        hormone: HormoneReceptor = "positive"
    elif (er == "negative" and pr != "positive") or (
        combined == "negative" and er == pr == "unknown"
    ):
        hormone = "negative"
    else:
        hormone = "unknown"
    report.infer(
        f"Receptors (latest results): HER2 {her2}, ER {er}, PR {pr} → hormone receptor {hormone}."
    )
    return ReceptorStatus(her2, er, pr, hormone)


def brain_metastases(findings: Findings, report: ImportReport) -> BrainMetastases:
    if not findings.brain:
        return "none"
    if any(b.active for b in findings.brain):
        report.infer(
            "Brain metastases recorded; whether they are active, stable or symptomatic is not "
            'in the record, so "active" was set (please check).'
        )
        return "active"
    report.infer('Brain metastases recorded as resolved or in remission: "stable" was set.')
    return "stable"


def setting_evidence(findings: Findings) -> SettingEvidence:
    dated = [e.when for e in findings.metastatic if e.when is not None]
    return SettingEvidence(
        metastatic_since=min(dated) if dated else None,
        metastatic_undated=bool(findings.metastatic) and not dated,
        early_evidence=bool(findings.early),
    )


def report_setting(evidence: SettingEvidence, findings: Findings, report: ImportReport) -> None:
    since = evidence.metastatic_since
    later_early = [e for e in findings.early if e.when and since and e.when >= since]
    if later_early:
        report.warn(
            f"Staging conflicts: metastatic disease is recorded from {since}, but "
            f"{later_early[0].what} on {later_early[0].when}; metastatic was assumed."
        )
    if evidence.metastatic_since is not None:
        report.infer(
            f"Metastatic disease first recorded on {evidence.metastatic_since}; lines starting "
            "from a month before that date are metastatic, earlier ones early-setting."
        )
    elif evidence.metastatic_undated:
        report.infer(
            "Metastatic disease is recorded without a date: every line is treated as metastatic."
        )
    elif evidence.early_evidence:
        report.infer("Only non-metastatic staging found: every line is treated as early-setting.")
    else:
        report.infer(
            "No staging or metastatic sites found: lines are treated as metastatic, the setting "
            "this pathway covers (please check)."
        )
