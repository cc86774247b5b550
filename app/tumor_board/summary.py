"""Phrases shared by the presentation, the dock and the reports (built from data, never hard-wired
clinical sentences): who the case is (with or without identifiers), key trial figures, decisions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication

from app import text
from pathways.case import Case, TreatmentLine
from pathways.content import Content
from pathways.engine import Option
from pathways.frozen import FrozenValue, frozen_value
from pathways.library import Attendee, Decision, Meeting, MinutesEvent
from pathways.schema import Endpoint, Evidence
from pathways.snapshot_diff import LocalPractice, SinceDecision


def tr(s: str) -> str:
    return QCoreApplication.translate("TumorBoard", s)


# ---------------------------------------------------------------------------- identity
@frozen_value
class Identity(FrozenValue):
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


def _evidence_ids(content: Content, regimen_id: str, evidence: Sequence[str]) -> list[str]:
    ids = list(evidence)
    regimen = content.regimens.get(regimen_id)
    if regimen is not None:
        ids += [e for e in regimen.evidence if e not in ids]
    return ids


def key_figures(content: Content, option: Option, limit: int = 2) -> list[str]:
    """One line per pivotal trial: 'DESTINY-Breast03: median PFS 28.8 vs 6.8 months, HR 0.33'."""
    return key_figures_for(content, option.regimen, option.evidence, limit)


def key_figures_for(
    content: Content, regimen: str, evidence: Sequence[str], limit: int = 2
) -> list[str]:
    out: list[str] = []
    for eid in _evidence_ids(content, regimen, evidence):
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
    return citations_for(content, option.regimen, option.evidence)


def citations_for(content: Content, regimen: str, evidence: Sequence[str]) -> list[str]:
    out = []
    for eid in _evidence_ids(content, regimen, evidence):
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


# ---------------------------------------------------------------------------- since a decision
def source_name(content: Content, source: str) -> str:
    """An explanation source or evidence id, named for a reader (the id stays visible)."""
    kind, _, ident = source.partition(":")
    if kind == "evidence":
        ev = content.evidence.get(ident)
        return tr("evidence {trial} ({id})").format(trial=ev.trial, id=ident) if ev else source
    if kind == "rule":
        return tr("rule {id}").format(id=ident)
    if kind == "builtin":
        return tr("built-in rule {id}").format(id=ident)
    if kind == "transition":
        return tr("transition {id}").format(id=ident) if ident else tr("the pathway transition")
    if kind == "adjustment":
        return tr("adjustment {id}").format(id=ident) if ident else tr("a transition adjustment")
    return source


def since_lines(content: Content, since: SinceDecision) -> list[str]:
    """The "since this decision" note, one short line per fact; empty if nothing changed."""
    out: list[str] = []
    if since.content_changed and since.content_version_then == since.content_version_now:
        out.append(
            tr("The content files changed since (same version number, {version}).").format(
                version=since.content_version_now
            )
        )
    elif since.content_changed:
        out.append(
            tr("The content changed since (version {then} then, {now} now).").format(
                then=since.content_version_then, now=since.content_version_now
            )
        )
    if since.case_unreadable:
        out.append(tr("Today's case can no longer be read with today's content."))
    elif since.case_changed:
        out.append(tr("The case was edited since."))
    for c in since.changes:
        why = ", ".join(source_name(content, s) for s in c.sources)
        because = tr(" — changed: {why}").format(why=why) if why else ""
        if c.kind == "added":
            line = tr("Now offered: {name} ({tier})").format(
                name=c.name, tier=text.tier_label(c.after or "")
            )
        elif c.kind == "removed":
            line = tr("No longer offered: {name} (was {tier})").format(
                name=c.name, tier=text.tier_label(c.before or "")
            )
        elif c.kind == "retiered":
            line = tr("{name}: {before} → {after}").format(
                name=c.name,
                before=text.tier_label(c.before or ""),
                after=text.tier_label(c.after or ""),
            )
        else:
            line = tr("{name}: moved from {old} to {new} in the ranking").format(
                name=c.name, old=c.rank_before, new=c.rank_after
            )
        out.append(line + because)
    if (since.content_changed or since.case_changed) and not (
        since.changes or since.case_unreadable
    ):
        out.append(tr("Today's options are the same as the board saw."))
    return out


def practice_text(content: Content, practice: LocalPractice) -> str:
    """'This board chose T-DM1 in 7 of 9 earlier decisions at this point (…)' or ''."""
    if practice.total == 0:
        return ""
    known = practice.position in content.regimens or practice.position in content.entry_points
    where = content.node_name(practice.position) if known else practice.position
    point = tr("after {where}").format(where=where)
    if practice.line is not None:
        point = tr("line {line}, {point}").format(line=practice.line, point=point)
    point += ", " + tr("brain metastases: {value}").format(
        value=text.brain_label(practice.brain_metastases)
    )
    parts = [
        tr("{name} in {n} of {total}").format(
            name=regimen_display(content, regimen), n=n, total=practice.total
        )
        for regimen, n in practice.chosen[:3]
    ]
    return tr("This board chose {choices} earlier decisions at this point ({point}).").format(
        choices="; ".join(parts), point=point
    )


# ---------------------------------------------------------------------------- minutes
def attendee_list(attendees: Sequence[Attendee]) -> str:
    return "; ".join(f"{a.name} ({a.role})" if a.role else a.name for a in attendees)


def minutes_state(meeting: Meeting, history: Sequence[MinutesEvent]) -> str:
    """'Signed off by Dr A, 2026-05-12 14:03 (version 2)' or 'Open (version 1, not signed off)'."""
    version = history[-1].version if history else 1
    if meeting.signed_off and history:
        last = history[-1]
        return tr("Signed off by {who}, {when} (minutes version {n})").format(
            who=last.by, when=local_time(last.at), n=version
        )
    if history:
        last = history[-1]
        return tr(
            "Reopened by {who}, {when}: {reason} (minutes version {n}, not signed off)"
        ).format(who=last.by, when=local_time(last.at), reason=last.reason, n=version)
    return tr("Open (not signed off)")


def minutes_status(
    meeting: Meeting, attendees: Sequence[Attendee], history: Sequence[MinutesEvent]
) -> str:
    people = attendee_list(attendees) or tr("none recorded")
    return tr("{state}. Attendees: {people}").format(
        state=minutes_state(meeting, history), people=people
    )
