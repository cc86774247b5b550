"""The evidence notes for one regimen at one step, as HTML for a QTextBrowser.

Everything here is offline text: PMIDs and DOIs are shown as text, never as links to open.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QColor, QPalette

from app import text, theme
from pathways.content import Content
from pathways.engine import Facts, Option, Recommendation, population_notes
from pathways.schema import Endpoint, Evidence, Guideline

BODIES = ("NCCN", "ESMO", "ASCO")
REGULATORS = ("FDA", "EMA")


def tr(s: str) -> str:
    return QCoreApplication.translate("Evidence", s)


def _hex(color: QColor) -> str:
    return str(color.name())


def decimals(value: float) -> int:
    """Decimal places in the shortest spelling of ``value`` (29.0 and 29 both count as 0).

    The content stores figures as floats, so a reported "29.0" or "0.30" arrives as 29.0 or
    0.3; the helpers below restore the usual precision from the figures shown together.
    """
    spelled = repr(float(value))
    if "e" in spelled or "." not in spelled:
        return 0
    return len(spelled.split(".")[1].rstrip("0"))


def format_values(*values: float) -> list[str]:
    """Figures shown side by side with one precision: 29.0 vs 7.2, 7.0 vs 5.1 (not 29 vs 7.2)."""
    places = max((decimals(v) for v in values), default=0)
    # A zero is reported as "0" ("24.9 vs 0%"), not with the partner's decimals.
    return ["0" if v == 0 else f"{v:.{places}f}" for v in values]


def format_hr(hr: float, ci_low: float | None = None, ci_high: float | None = None) -> str:
    """'HR 0.30 (95% CI 0.24–0.38)': hazard ratios and their CIs are reported to at least two
    decimals, so 0.30 is never shown as 0.3; a third decimal (0.641) is kept."""
    shown = [v for v in (hr, ci_low, ci_high) if v is not None]
    places = max(2, *(decimals(v) for v in shown))
    out = f"HR {hr:.{places}f}"
    if ci_low is not None and ci_high is not None:
        out += f" (95% CI {ci_low:.{places}f}–{ci_high:.{places}f})"
    return out


def phase_text(phase: str) -> str:
    """'3' → 'phase 3'; a phase already spelled out or a design ('real-world cohort') as is."""
    return f"{tr('phase')} {phase}" if phase[:1].isdigit() else phase


class _Colors:
    def __init__(self, palette: QPalette) -> None:
        self.palette = palette
        self.text = _hex(palette.color(QPalette.ColorRole.Text))
        self.dim = _hex(theme.dimmed_text(palette))
        self.rule = _hex(
            theme.mix(
                palette.color(QPalette.ColorRole.Mid), palette.color(QPalette.ColorRole.Base), 0.5
            )
        )
        self.head = _hex(
            theme.mix(
                palette.color(QPalette.ColorRole.Highlight),
                palette.color(QPalette.ColorRole.Base),
                0.12,
            )
        )
        self.warn = _hex(theme.tier_color("off-pathway", palette))

    def tier(self, tier: str) -> str:
        return _hex(theme.tier_color(tier, self.palette))

    def badge(self, tier: str) -> str:
        bg = theme.tier_color(tier, self.palette)
        return (
            f'<span style="background:{_hex(bg)}; color:{_hex(theme.text_on(bg))};">'
            f"&nbsp;{escape(text.tier_badge(tier))}&nbsp;</span>"
        )

    def status(self, status: str) -> str:
        """The mark put *before* a claim that is not confirmed (nothing when confirmed), so
        that an unconfirmed figure or position is never read as settled first."""
        if status == "confirmed":
            return ""
        return f'<b style="color:{self.warn};">[{escape(text.status_label(status))}]</b> '


def placeholder_html(palette: QPalette) -> str:
    c = _Colors(palette)
    return (
        f'<p style="color:{c.dim};">'
        + escape(tr("Select an option, or click a node in the graph, to see its evidence."))
        + "</p>"
    )


def evidence_html(
    content: Content,
    regimen_id: str,
    option: Option | None,
    rec: Recommendation | None,
    palette: QPalette,
) -> str:
    """Header, ranking and why, warnings, trials, guidelines, safety, dosing, citations."""
    c = _Colors(palette)
    if regimen_id in content.entry_points:
        entry = content.entry_points[regimen_id]
        return (
            f"<h3>{escape(entry.name)}</h3><p>{escape(entry.description)}</p>"
            f'<p style="color:{c.dim};">{escape(tr("Entry point of the pathway (not a regimen)."))}'
            "</p>"
        )
    regimen = content.regimens[regimen_id]
    out: list[str] = [f"<h3 style='margin-bottom:2px;'>{escape(regimen.name)}</h3>"]
    out.append(f'<p style="color:{c.dim}; margin-top:0;">{escape(regimen.summary)}</p>')

    # -- ranking and why
    if option is not None:
        out.append(f"<p>{c.badge(option.tier)}&nbsp; <b>{escape(option.why)}</b></p>")
        out.append(_order(content, option, c))
        out.append(_explanation(option, c))
        if option.warnings:
            items = "".join(
                f"<li><b>{escape(text.warning_kind_label(w.kind))}:</b> {escape(w.text)}</li>"
                for w in option.warnings
                if w.source != "population"  # shown under each trial instead
            )
            if items:
                out.append(f"<h4>{escape(tr('Cautions for this option'))}</h4><ul>{items}</ul>")
    elif rec is not None:
        out.append(
            f'<p style="color:{c.dim};"><i>'
            + escape(tr("Not among the options at this step; shown for reference."))
            + "</i></p>"
        )

    # -- trials
    evidence_ids = list(option.evidence if option is not None else regimen.evidence)
    for eid in regimen.evidence:
        if eid not in evidence_ids:
            evidence_ids.append(eid)
    if evidence_ids:
        out.append(f"<h4>{escape(tr('Trials'))}</h4>")
        for eid in evidence_ids:
            out.append(_trial(content, content.evidence[eid], rec.facts if rec else None, c))

    # -- guidelines, side by side
    out.append(_guidelines(content, regimen_id, option, c))

    # -- safety and dosing
    notes = [content.safety[s] for s in regimen.safety]
    if notes or regimen.dosing:
        out.append(f"<h4>{escape(tr('Safety and monitoring'))}</h4><ul>")
        if regimen.dosing:
            out.append(f"<li><b>{escape(tr('Dosing'))}:</b> {escape(regimen.dosing)}</li>")
        for note in notes:
            kind = note.kind.replace("-", " ")
            out.append(
                f"<li><b>{escape(kind.capitalize())}:</b> {c.status(note.status)}"
                f"{escape(note.text)}</li>"
            )
        out.append("</ul>")
    return "".join(out)


def _order(content: Content, option: Option, c: _Colors) -> str:
    """Where the option stands in the list and which rule put it there, or that it is a tie."""
    if option.order is None:
        return ""
    place = escape(tr("Listed {n}.").format(n=option.order))
    if option.tied:
        why = escape(content.message("tie"))
    else:
        why = escape(tr("Order set by {source}: {reason}")).format(
            source=f"<i>{escape(option.ordered_by)}</i>", reason=escape(option.order_reason)
        )
    return f"<p style='margin-top:0;'><b>{place}</b> {why}</p>"


def _explanation(option: Option, c: _Colors) -> str:
    if not option.explanation:
        return ""
    rows = []
    for step in option.explanation:
        source = step.source.split(":", 1)[0]
        label = {
            "transition": tr("Pathway"),
            "adjustment": tr("Adjustment"),
            "rule": tr("Rule"),
            "builtin": tr("Built-in rule"),
            "site": tr("Site setting"),
        }.get(source, source)
        if step.before is None or step.before == step.after:
            change = c.badge(step.after)
        else:
            change = f"{c.badge(step.before)} → {c.badge(step.after)}"
        if step.rank is not None and step.source == option.ordered_by:
            change += "<br>" + escape(tr("sets the order"))
        rows.append(
            f"<tr><td valign='top' style='color:{c.dim};'>{escape(label)}</td>"
            f"<td valign='top'>{change}</td><td valign='top'>{escape(step.text)}</td></tr>"
        )
    return (
        f"<p style='margin-bottom:2px;'><b>{escape(tr('Why it is ranked so'))}</b></p>"
        f"<table cellspacing='0' cellpadding='3'>{''.join(rows)}</table>"
    )


def _endpoint(e: Endpoint, c: _Colors) -> str:
    unit = {"months": " " + tr("months"), "%": "%", "ratio": ""}.get(e.unit or "", "")
    parts: list[str] = []
    if e.value is not None or e.comparator_value is not None:
        pair = [v for v in (e.value, e.comparator_value) if v is not None]
        shown = format_values(*pair)
        # Only a confirmed figure is set in bold: an unconfirmed one must not look settled.
        # A control arm alone (experimental median not reached) keeps its place after "vs".
        first = "—" if e.value is None else shown[0]
        value = f"<b>{first}</b>" if e.status == "confirmed" else first
        if e.comparator_value is not None:
            value += f" {escape(tr('vs'))} {shown[-1]}"
        parts.append(value + escape(unit))
    if e.hr is not None:
        parts.append(escape(format_hr(e.hr, e.ci_low, e.ci_high)))
    if e.p:
        if e.p.upper() == "NS":
            parts.append(escape(tr("not significant")))
        else:
            parts.append(f"p {escape(e.p)}" if e.p[0] in "<>=" else f"p = {escape(e.p)}")
    cells = " · ".join(parts)
    if e.note:
        cells += f' <span style="color:{c.dim};">{escape(e.note)}</span>'
    return (
        f"<tr><td valign='top'>{escape(e.name)}</td>"
        f"<td valign='top'>{c.status(e.status)}{cells}</td></tr>"
    )


def _trial(content: Content, ev: Evidence, facts: Facts | None, c: _Colors) -> str:
    head = f"{c.status(ev.status)}<b>{escape(ev.trial)}</b> ({escape(phase_text(ev.phase))}"
    if ev.n:
        head += f", n = {ev.n:,}"
    head += f", {ev.year})"
    rows = [
        f"<tr><td valign='top' style='color:{c.dim};'>{escape(tr('Arms'))}</td>"
        f"<td>{escape(ev.arms)} <i>{escape(tr('vs'))}</i> {escape(ev.comparator)}</td></tr>",
        f"<tr><td valign='top' style='color:{c.dim};'>{escape(tr('Design'))}</td>"
        f"<td>{escape(ev.design)}</td></tr>",
        f"<tr><td valign='top' style='color:{c.dim};'>{escape(tr('Population'))}</td>"
        f"<td>{escape(ev.population.description)}</td></tr>",
    ]
    rows += [_endpoint(e, c) for e in ev.endpoints]
    if ev.safety:
        rows.append(
            f"<tr><td valign='top' style='color:{c.dim};'>{escape(tr('Safety'))}</td>"
            f"<td>{escape(ev.safety)}</td></tr>"
        )
    if ev.note:
        rows.append(
            f"<tr><td valign='top' style='color:{c.dim};'>{escape(tr('Note'))}</td>"
            f"<td>{escape(ev.note)}</td></tr>"
        )
    match = ""
    if facts is not None and facts.setting == "metastatic":
        notes = [n.text for n in population_notes(content, [ev.id], facts)]
        if notes:
            match = "".join(
                f"<p style='margin:2px 0;'><b style='color:{c.warn};'>⚠ "
                f"{escape(tr('Population differs:'))}</b> {escape(n)}</p>"
                for n in notes
            )
        else:
            match = (
                f"<p style='margin:2px 0;'><b style='color:{c.tier('preferred')};'>✓ "
                f"{escape(tr('Trial population matches this sequence'))}</b></p>"
            )
    cite = ev.citation
    ids = []
    if cite.pmid:
        ids.append(f"PMID {escape(cite.pmid)}")
    if cite.doi:
        ids.append(f"DOI {escape(cite.doi)}")
    if not ids and cite.identifier_note:
        ids.append(escape(cite.identifier_note))
    citation = (
        f"<p style='margin:2px 0 10px 0; color:{c.dim};'>{escape(cite.text)}"
        f"{' · ' + ' · '.join(ids) if ids else ''}</p>"
    )
    return (
        f"<p style='margin:8px 0 2px 0;'>{head}</p>"
        f"<table cellspacing='0' cellpadding='2'>{''.join(rows)}</table>{match}{citation}"
    )


def _guidelines(content: Content, regimen_id: str, option: Option | None, c: _Colors) -> str:
    ids = list(option.guidelines) if option is not None else []
    ids += [g.id for g in content.guidelines.values() if regimen_id in g.regimens]
    found = [content.guidelines[g] for g in dict.fromkeys(ids)]
    by_body: dict[str, list[Guideline]] = {}
    for g in found:
        by_body.setdefault(g.body, []).append(g)
    bodies = list(BODIES)
    if any(b in by_body for b in REGULATORS):
        bodies.append("FDA/EMA")
        by_body["FDA/EMA"] = [g for b in REGULATORS for g in by_body.get(b, [])]
    header = "".join(
        f"<th align='left' style='background:{c.head};'>{escape(b)}</th>" for b in bodies
    )
    cells = "".join(
        f"<td valign='top'>{_guideline_cell(by_body.get(b, []), c)}</td>" for b in bodies
    )
    width = int(100 / len(bodies))
    return (
        f"<h4>{escape(tr('Guideline positions'))}</h4>"
        f"<table width='100%' cellspacing='0' cellpadding='4' border='1' "
        f"style='border-color:{c.rule}; border-style:solid;'>"
        f"<colgroup>{''.join(f'<col width={width}%>' for _ in bodies)}</colgroup>"
        f"<tr>{header}</tr><tr>{cells}</tr></table>"
    )


def _guideline_cell(items: Iterable[Guideline], c: _Colors) -> str:
    parts = []
    for g in items:
        strength = f", {escape(g.strength)}" if g.strength else ""
        label = escape(text.position_label(g.position))
        if g.status == "confirmed":
            position = f"<b>{label}</b>"
        elif g.status == "unconfirmed":
            # The mark first, then the position as a claim, in plain type: it is not settled.
            position = escape(
                tr("unverified position: {position}").format(
                    position=text.position_label(g.position)
                )
            )
        else:
            position = label
        # "NCCN 2.2026 as claimed…" already names its body: do not print "NCCN NCCN".
        source = g.version if g.version.startswith(g.body) else f"{g.body} {g.version}"
        parts.append(
            f"{c.status(g.status)}{position}{strength}<br>"
            f"<span style='color:{c.dim};'>{escape(g.setting)} · {escape(source)}</span><br>"
            f"{escape(g.statement)}"
        )
    if not parts:
        return f"<span style='color:{c.dim};'>{escape(tr('No position recorded'))}</span>"
    return "<br><br>".join(parts)
