"""Phrases shared by the presentation, the dock and the reports (built from data, never hard-wired
clinical sentences): who the case is (with or without identifiers), key trial figures, decisions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication

from app import text
from pathways.case import Case, TreatmentLine
from pathways.content import Content
from pathways.engine import Option
from pathways.library import Decision
from pathways.schema import Endpoint, Evidence


def tr(s: str) -> str:
    return QCoreApplication.translate("TumorBoard", s)


# ---------------------------------------------------------------------------- identity
@dataclass(frozen=True)
class Identity:
    """How a case is named on screen and in exports."""

    label: str
    details: tuple[tuple[str, str], ...]  # (field, value) pairs, identifiers only when shown

    def one_line(self) -> str:
        return " · ".join((self.label, *(f"{k} {v}" for k, v in self.details)))


def age_of(case: Case, today: dt.date | None = None) -> int | None:
    """The recorded age, or the age computed from the birth date (which itself stays hidden)."""
    patient = case.patient
    if patient is None:
        return None
    if patient.age is not None:
        return patient.age
    if patient.birth_date is None:
        return None
    today = today or dt.date.today()
    born = patient.birth_date
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def identity(case: Case, show_identifiers: bool) -> Identity:
    """Label and age by default; name, record number and birth date only when asked."""
    details: list[tuple[str, str]] = []
    patient = case.patient
    if show_identifiers and patient is not None:
        if patient.name:
            details.append((tr("Name"), patient.name))
        if patient.record_number:
            details.append((tr("Record no."), patient.record_number))
        if patient.birth_date is not None:
            details.append((tr("Born"), patient.birth_date.isoformat()))
    age = age_of(case)
    if age is not None:
        details.append((tr("Age"), str(age)))
    return Identity(case.label, tuple(details))


def has_identifiers(case: Case) -> bool:
    p = case.patient
    return p is not None and bool(p.name or p.record_number or p.birth_date)


# ---------------------------------------------------------------------------- figures
def _num(value: float) -> str:
    return f"{value:g}"


def endpoint_text(e: Endpoint) -> str:
    """'median PFS 28.8 vs 6.8 months, HR 0.33' (numbers from the content)."""
    unit = {"months": " " + tr("months"), "%": "%", "ratio": ""}.get(e.unit or "", "")
    parts: list[str] = []
    if e.value is not None:
        value = _num(e.value)
        if e.comparator_value is not None:
            value += f" {tr('vs')} {_num(e.comparator_value)}"
        parts.append(value + unit)
    if e.hr is not None:
        parts.append(f"HR {_num(e.hr)}")
    figure = ", ".join(parts)
    if e.status != "confirmed":
        figure += f" [{text.status_label(e.status)}]"
    return f"{e.name} {figure}".strip()


def _key_endpoint(ev: Evidence) -> Endpoint | None:
    numeric = [e for e in ev.endpoints if e.value is not None or e.hr is not None]
    for name in ("median PFS", "median OS"):
        for e in numeric:
            if e.name.casefold() == name.casefold():
                return e
    return numeric[0] if numeric else None


def key_figures(content: Content, option: Option, limit: int = 2) -> list[str]:
    """One line per pivotal trial: 'DESTINY-Breast03: median PFS 28.8 vs 6.8 months, HR 0.33'."""
    ids = list(option.evidence)
    regimen = content.regimens.get(option.regimen)
    if regimen is not None:
        ids += [e for e in regimen.evidence if e not in ids]
    out: list[str] = []
    for eid in ids:
        ev = content.evidence.get(eid)
        if ev is None:
            continue
        endpoint = _key_endpoint(ev)
        if endpoint is not None:
            out.append(f"{ev.trial}: {endpoint_text(endpoint)}")
        if len(out) >= limit:
            break
    return out


def citations(content: Content, option: Option) -> list[str]:
    """'Cortés J, et al. … · PMID 35294828' for every trial behind an option."""
    ids = list(option.evidence)
    regimen = content.regimens.get(option.regimen)
    if regimen is not None:
        ids += [e for e in regimen.evidence if e not in ids]
    out = []
    for eid in ids:
        ev = content.evidence.get(eid)
        if ev is None:
            continue
        cite = ev.citation
        refs = [f"PMID {cite.pmid}" if cite.pmid else "", f"DOI {cite.doi}" if cite.doi else ""]
        refs = [r for r in refs if r] or ([cite.identifier_note] if cite.identifier_note else [])
        out.append(f"{ev.trial} — {cite.text}" + (" · " + " · ".join(refs) if refs else ""))
    return out


# ---------------------------------------------------------------------------- history
def line_title(content: Content, line: TreatmentLine) -> str:
    regimen = content.regimens.get(line.regimen)
    return regimen.short if regimen is not None else line.regimen


def line_name(content: Content, line: TreatmentLine) -> str:
    regimen = content.regimens.get(line.regimen)
    return regimen.name if regimen is not None else line.regimen


# ---------------------------------------------------------------------------- decisions
def off_pathway_reason_label(reason: str | None) -> str:
    if reason is None:
        return ""
    return {
        "patient-preference": tr("Patient preference"),
        "comorbidity": tr("Comorbidity"),
        "drug-unavailable": tr("Drug unavailable"),
        "clinical-trial": tr("Clinical trial"),
        "prior-toxicity": tr("Prior toxicity"),
        "other": tr("Other"),
    }.get(reason, reason)


def regimen_display(content: Content, regimen: str) -> str:
    """A stored regimen (an id, or the board's free text for another regimen) as a name."""
    known = content.regimens.get(regimen)
    return known.name if known is not None else regimen


def decision_summary(content: Content, d: Decision) -> str:
    """'T-DM1 (on pathway)' or 'X (off pathway: drug unavailable — detail)'."""
    name = regimen_display(content, d.chosen_regimen)
    if d.on_pathway:
        return tr("{name} (on pathway)").format(name=name)
    reason = off_pathway_reason_label(d.off_pathway_reason)
    if d.off_pathway_detail.strip():
        reason += f" — {d.off_pathway_detail.strip()}"
    return tr("{name} (off pathway: {reason})").format(name=name, reason=reason)


def local_time(moment: dt.datetime) -> str:
    """A stored UTC time shown in the machine's local time, to the minute."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def version_label(d: Decision) -> str:
    state = tr("current") if d.is_current else tr("superseded")
    return tr("v{n} ({state})").format(n=d.version, state=state)
