"""Every user-visible phrase the app builds from domain codes (tiers, outcomes, warning kinds).

The domain returns codes and data; this module phrases them with
``QCoreApplication.translate("Pathways", ...)`` so that ``pyside6-lupdate`` can extract them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from PySide6.QtCore import QCoreApplication

from pathways.case import Factors, Outcome, Setting, ToxicityDetail, TreatmentLine
from pathways.content import Content
from pathways.engine import Recommendation


def tr(text: str, disambiguation: str | None = None, n: int = -1) -> str:
    return QCoreApplication.translate("Pathways", text, disambiguation, n)


# ---------------------------------------------------------------------------- tiers
TIER_SYMBOLS: dict[str, str] = {
    "preferred": "★",
    "alternative": "◆",
    "avoid": "✕",
    "off-pathway": "⚠",
}


def tier_label(tier: str) -> str:
    return {
        "preferred": tr("Preferred"),
        "alternative": tr("Alternative"),
        "avoid": tr("Avoid"),
        "off-pathway": tr("Off pathway"),
    }.get(tier, tier)


def tier_badge(tier: str) -> str:
    """Symbol plus word: the second cue that never relies on colour."""
    return f"{TIER_SYMBOLS.get(tier, '•')} {tier_label(tier)}"


# ---------------------------------------------------------------------------- case fields
def setting_label(setting: Setting | str) -> str:
    return {
        "neoadjuvant": tr("Neoadjuvant"),
        "adjuvant": tr("Adjuvant"),
        "metastatic": tr("Metastatic"),
        "early": tr("Early"),
    }.get(str(setting), str(setting))


def outcome_label(outcome: Outcome | str) -> str:
    return {
        "progression": tr("Progression"),
        "toxicity": tr("Stopped for toxicity"),
        "completed": tr("Completed"),
        "ongoing": tr("Ongoing"),
        "residual-disease": tr("Residual disease"),
        "pathologic-complete-response": tr("Pathologic complete response"),
    }.get(str(outcome), str(outcome))


def toxicity_label(detail: ToxicityDetail | str | None) -> str:
    if detail is None:
        return ""
    return {
        "ild-grade1": tr("ILD/pneumonitis grade 1"),
        "ild-grade2-plus": tr("ILD/pneumonitis grade ≥2"),
        "cardiac": tr("Cardiac"),
        "other": tr("Other toxicity"),
    }.get(str(detail), str(detail))


def hormone_label(value: str) -> str:
    return {"positive": tr("Positive"), "negative": tr("Negative"), "unknown": tr("Unknown")}.get(
        value, value
    )


def brain_label(value: str) -> str:
    return {
        "none": tr("None"),
        "stable": tr("Stable (treated)"),
        "active": tr("Active"),
        "symptomatic": tr("Symptomatic"),
    }.get(value, value)


def format_date(value: date | None) -> str:
    return value.isoformat() if value else "…"


def line_dates(line: TreatmentLine) -> str:
    if line.start is None and line.end is None:
        return tr("dates not recorded")
    if line.end is None:
        return tr("{start} –").format(start=format_date(line.start))
    return f"{format_date(line.start)} – {format_date(line.end)}"


def short_dates(line: TreatmentLine) -> str:
    """Month precision for tables ("2021-03 – 2021-08"); the full dates are in the tooltip."""
    if line.start is None and line.end is None:
        return tr("no dates")
    start = line.start.strftime("%Y-%m") if line.start else "…"
    end = line.end.strftime("%Y-%m") if line.end else ""
    return f"{start} – {end}".strip()


def outcome_text(line: TreatmentLine) -> str:
    text = outcome_label(line.outcome)
    if line.toxicity_detail is not None:
        text += f" ({toxicity_label(line.toxicity_detail)})"
    return text


# ---------------------------------------------------------------------------- warnings
def warning_kind_label(kind: str) -> str:
    return {
        "guideline-conflict": tr("Guidelines disagree"),
        "early-relapse": tr("Early relapse"),
        "ild": tr("ILD / pneumonitis"),
        "cardiac": tr("Cardiac"),
        "pregnancy": tr("Pregnancy"),
        "brain-local-therapy": tr("Brain metastases"),
        "clinical-trial": tr("Clinical trial"),
        "repeated-regimen": tr("Already progressed"),
        "evidence-gap": tr("Evidence gap"),
        "unconfirmed": tr("Unconfirmed"),
        "safety": tr("Safety"),
        "endocrine": tr("Endocrine therapy"),
        "regional": tr("Regional option"),
        "pitfall": tr("Pitfall"),
    }.get(kind, kind)


def status_label(status: str) -> str:
    return {
        "confirmed": tr("confirmed"),
        "secondary": tr("secondary source only"),
        "unconfirmed": tr("UNCONFIRMED"),
    }.get(status, status)


def position_label(position: str) -> str:
    return {
        "preferred": tr("Preferred"),
        "recommended": tr("Recommended"),
        "option": tr("Option"),
        "selected-patients": tr("Selected patients"),
        "not-recommended": tr("Not recommended"),
        "approved": tr("Approved"),
    }.get(position, position)


# ---------------------------------------------------------------------------- situation
def situation(rec: Recommendation, content: Content) -> str:
    """'Line 3 (metastatic) — after T-DXd' or 'Early setting — residual disease'."""
    where = content.node_name(rec.position) if rec.position in _nodes(content) else rec.position
    if rec.line is not None:
        return tr("Line {line} · after {where}").format(line=rec.line, where=where)
    return tr("Early setting · {where}").format(where=where)


def _nodes(content: Content) -> set[str]:
    return set(content.regimens) | set(content.entry_points)


# ---------------------------------------------------------------------------- changes
def factor_name(name: str) -> str:
    return {
        "hormone_receptor": tr("Hormone receptor"),
        "brain_metastases": tr("Brain metastases"),
        "ild_history": tr("Prior ILD/pneumonitis"),
        "tdxd_available": tr("T-DXd available"),
        "lvef": tr("LVEF"),
        "heart_failure": tr("Heart failure"),
        "pregnant": tr("Pregnant"),
        "taxane_contraindicated": tr("Taxane contraindicated"),
        "chemotherapy_unsuitable": tr("Unsuitable for chemotherapy"),
    }.get(name, name)


def factor_value(name: str, value: object) -> str:
    if isinstance(value, bool):
        return tr("yes") if value else tr("no")
    if value is None:
        return tr("not recorded")
    if name == "hormone_receptor":
        return hormone_label(str(value))
    if name == "brain_metastases":
        return brain_label(str(value))
    if name == "lvef" and isinstance(value, float):
        return f"{value:g} %"
    return str(value)


def factor_changes(before: Factors, after: Factors) -> list[str]:
    out = []
    for name in Factors.model_fields:
        a, b = getattr(before, name), getattr(after, name)
        if a != b:
            out.append(
                tr("{factor}: {old} → {new}").format(
                    factor=factor_name(name), old=factor_value(name, a), new=factor_value(name, b)
                )
            )
    return out


def ranking_changes(before: Recommendation, after: Recommendation) -> list[str]:
    """What changed between two rankings of the same step, one line per option."""
    lines: list[str] = []
    old = {o.regimen: o for o in before.options}
    new = {o.regimen: o for o in after.options}
    for regimen in dict.fromkeys((*new, *old)):
        a, b = old.get(regimen), new.get(regimen)
        if a is not None and b is not None:
            if a.tier != b.tier:
                lines.append(
                    tr("{name}: {old} → {new} ({why})").format(
                        name=b.name, old=tier_badge(a.tier), new=tier_badge(b.tier), why=b.why
                    )
                )
            elif a.rank != b.rank:
                lines.append(
                    tr("{name}: rank {old} → {new}").format(name=b.name, old=a.rank, new=b.rank)
                )
        elif b is not None:
            lines.append(
                tr("{name}: now offered ({tier}) — {why}").format(
                    name=b.name, tier=tier_badge(b.tier), why=b.why
                )
            )
        elif a is not None:
            lines.append(tr("{name}: no longer offered").format(name=a.name))
    return lines


def join_lines(items: Sequence[str]) -> str:
    return "\n".join(items)
