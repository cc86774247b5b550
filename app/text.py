"""Every user-visible phrase the app builds from domain codes (tiers, outcomes, warning kinds).

The domain returns codes and data; this module phrases them with
``QCoreApplication.translate("Pathways", ...)`` so that ``pyside6-lupdate`` can extract them.
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Callable, Sequence
from datetime import date

from PySide6.QtCore import QCoreApplication

from pathways.case import Factors, Outcome, Setting, ToxicityDetail, TreatmentLine
from pathways.content import Content
from pathways.engine import Option, Recommendation
from pathways.vocab import FACTOR, FACTORS, WARNING_LABEL, WARNING_WEIGHT, FactorSpec

# Phrases already translated: item views ask for the same labels for every cell at every
# paint (≈ 600 lookups a step). Cleared by forget_translations() when the language changes.
_TRANSLATED: dict[tuple[str, str | None], str] = {}


def tr(text: str, disambiguation: str | None = None, n: int = -1) -> str:
    if n != -1:  # plural forms depend on n: not remembered
        return QCoreApplication.translate("Pathways", text, disambiguation, n)
    key = (text, disambiguation)
    found = _TRANSLATED.get(key)
    if found is None:
        found = _TRANSLATED[key] = QCoreApplication.translate("Pathways", text, disambiguation)
    return found


def forget_translations() -> None:
    """Translate afresh (a translator was installed or removed: a LanguageChange event)."""
    _TRANSLATED.clear()
    _TABLES.clear()


# Phrase tables (code → words), each made once per language: a table's function phrases every
# code in it, and the history, story and outline ask for one word per line at every step.
_TABLES: dict[Callable[[], dict[str, str]], dict[str, str]] = {}


def _phrases(make: Callable[[], dict[str, str]]) -> Callable[[], dict[str, str]]:
    def table() -> dict[str, str]:
        found = _TABLES.get(make)
        if found is None:
            found = _TABLES[make] = make()
        return found

    return table


# ---------------------------------------------------------------------------- tiers
TIER_SYMBOLS: dict[str, str] = {
    "preferred": "★",
    "alternative": "◆",
    "avoid": "✕",
    "off-pathway": "⚠",
}


def plain_tooltip(value: str) -> str:
    """A tooltip that shows ``value`` as typed: Qt guesses rich text in tooltips, so text from
    a file (a file name, a label) is escaped inside an explicit rich-text paragraph."""
    return f"<p style='white-space:pre-wrap'>{html.escape(value[:2000])}</p>" if value else ""


@_phrases
def _tier_label() -> dict[str, str]:
    return {
        "preferred": tr("Preferred"),
        "alternative": tr("Alternative"),
        "avoid": tr("Avoid"),
        "off-pathway": tr("Off pathway"),
    }


def tier_label(tier: str) -> str:
    return _tier_label().get(tier, tier)


def tier_badge(tier: str) -> str:
    """Symbol plus word: the second cue that never relies on colour."""
    return f"{TIER_SYMBOLS.get(tier, '•')} {tier_label(tier)}"


# ---------------------------------------------------------------------------- case fields
@_phrases
def _setting_label() -> dict[str, str]:
    return {
        "neoadjuvant": tr("Neoadjuvant"),
        "adjuvant": tr("Adjuvant"),
        "metastatic": tr("Metastatic"),
        "early": tr("Early"),
    }


def setting_label(setting: Setting | str) -> str:
    key = str(setting)
    return _setting_label().get(key, key)


@_phrases
def _outcome_label() -> dict[str, str]:
    return {
        "progression": tr("Progression"),
        "toxicity": tr("Stopped for toxicity"),
        "completed": tr("Completed"),
        "ongoing": tr("Ongoing"),
        "residual-disease": tr("Residual disease"),
        "pathologic-complete-response": tr("Pathologic complete response"),
    }


def outcome_label(outcome: Outcome | str) -> str:
    key = str(outcome)
    return _outcome_label().get(key, key)


@_phrases
def _toxicity_label() -> dict[str, str]:
    return {
        "ild-grade1": tr("ILD/pneumonitis grade 1"),
        "ild-grade2-plus": tr("ILD/pneumonitis grade ≥2"),
        "cardiac": tr("Cardiac"),
        "other": tr("Other toxicity"),
    }


def toxicity_label(detail: ToxicityDetail | str | None) -> str:
    if detail is None:
        return ""
    key = str(detail)
    return _toxicity_label().get(key, key)


@_phrases
def _hormone_label() -> dict[str, str]:
    return {"positive": tr("Positive"), "negative": tr("Negative"), "unknown": tr("Unknown")}


def hormone_label(value: str) -> str:
    return _hormone_label().get(value, value)


@_phrases
def _brain_label() -> dict[str, str]:
    return {
        "none": tr("None"),
        "stable": tr("Stable (treated)"),
        "active": tr("Active"),
        "symptomatic": tr("Symptomatic"),
    }


def brain_label(value: str) -> str:
    return _brain_label().get(value, value)


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


@_phrases
def _outcome_short() -> dict[str, str]:
    return {
        "progression": tr("progressed"),
        "toxicity": tr("stopped: toxicity"),
        "completed": tr("completed"),
        "ongoing": tr("ongoing"),
        "residual-disease": tr("residual disease"),
        "pathologic-complete-response": tr("pCR"),
    }


def outcome_short(line: TreatmentLine) -> str:
    """The outcome in one or two words, for a graph node ("progressed", "toxicity")."""
    key = str(line.outcome)
    return _outcome_short().get(key, key)


# ---------------------------------------------------------------------------- warnings
def warning_kind_label(kind: str) -> str:
    """The warning kind's label from the vocabulary, through Qt translation."""
    return tr(WARNING_LABEL.get(kind, kind))


def warning_is_note(kind: str) -> bool:
    """True for general evidence notes (collapsed), False for this patient's warnings (open)."""
    return WARNING_WEIGHT.get(kind, "patient") == "note"


@_phrases
def _status_label() -> dict[str, str]:
    return {
        "confirmed": tr("confirmed"),
        "secondary": tr("secondary source only"),
        "unconfirmed": tr("UNCONFIRMED"),
    }


def status_label(status: str) -> str:
    return _status_label().get(status, status)


@_phrases
def _position_label() -> dict[str, str]:
    return {
        "preferred": tr("Preferred"),
        "recommended": tr("Recommended"),
        "option": tr("Option"),
        "selected-patients": tr("Selected patients"),
        "not-recommended": tr("Not recommended"),
        "approved": tr("Approved"),
    }


def position_label(position: str) -> str:
    return _position_label().get(position, position)


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
    spec = FACTOR.get(name)
    return tr(spec.label) if spec is not None else name


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
    for name in (spec.name for spec in dataclasses.fields(Factors)):
        a, b = getattr(before, name), getattr(after, name)
        if a != b:
            out.append(
                tr("{factor}: {old} → {new}").format(
                    factor=factor_name(name), old=factor_value(name, a), new=factor_value(name, b)
                )
            )
    return out


def order_label(option: Option) -> str:
    """'1.' — the option's place in the list (ties share it: the guidelines do not rank them);
    '–' for an option not to be used (to avoid), which has no place."""
    return f"{option.order}." if option.order is not None else "–"


def tie_note(option: Option) -> str:
    return tr("not ranked by the guidelines") if option.tied else ""


# ---------------------------------------------------------------------------- header
def header_factors(factors: Factors) -> list[tuple[str, bool]]:
    """(text, notable) for each factor the case header shows: those the vocabulary marks as
    always shown (``header``) and any other whose value changes the pathway (``notable``)."""
    out: list[tuple[str, bool]] = []
    for spec in FACTORS:
        value = getattr(factors, spec.name, spec.default)
        notable = value in spec.notable
        if not (spec.header or notable):
            continue
        out.append((factor_phrase(spec, value), notable))
    # what changes the pathway first: on a narrow header the rest is what gets cut
    return sorted(out, key=lambda item: not item[1])


def factor_phrase(spec: FactorSpec, value: object) -> str:
    """'HR positive'-style: the factor and its value, short enough for the header."""
    if spec.kind == "bool":
        return tr(spec.label) if value else tr("{factor}: no").format(factor=tr(spec.label))
    return tr("{factor}: {value}").format(
        factor=tr(spec.label), value=factor_value(spec.name, value)
    )


def decision(rec: Recommendation, before: Sequence[TreatmentLine], content: Content) -> str:
    """'Deciding line 3 after progression on T-DXd': the line being decided (the engine's) and
    what happened on the last line before it."""
    what = (
        tr("Deciding line {n}").format(n=rec.line)
        if rec.line is not None
        else tr("Deciding early therapy")
    )
    if not before:
        if rec.line is not None:
            return tr("{what} at metastatic diagnosis").format(what=what)
        return tr("{what} at diagnosis").format(what=what)
    last = before[-1]
    regimen = content.regimens.get(last.regimen)
    name = regimen.short if regimen is not None else last.regimen
    if rec.line is not None and last.setting is not Setting.METASTATIC:
        return tr("{what} after relapse following {name}").format(what=what, name=name)
    phrase = {
        "progression": tr("{what} after progression on {name}"),
        "toxicity": tr("{what} after {name} stopped for toxicity"),
        "completed": tr("{what} after {name} completed"),
        "ongoing": tr("{what}: {name} ongoing"),
        "residual-disease": tr("{what} after residual disease on {name}"),
        "pathologic-complete-response": tr("{what} after a complete response to {name}"),
    }.get(str(last.outcome), tr("{what} after {name}"))
    if last.toxicity_detail is not None and str(last.outcome) == "toxicity":
        phrase = tr("{what} after {name} stopped for {toxicity}").replace(
            "{toxicity}", toxicity_label(last.toxicity_detail)
        )
    return phrase.format(what=what, name=name)


def join_lines(items: Sequence[str]) -> str:
    return "\n".join(items)


def suggested_name(label: str, suffix: str) -> str:
    """A file name offered for an export of ``label`` (letters, digits, ``-_`` and spaces)."""
    name = "".join(ch if ch.isalnum() or ch in "-_ " else "_" for ch in label).strip()
    return f"{name or 'report'}{suffix}"
