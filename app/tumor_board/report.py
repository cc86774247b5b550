"""Reports: one case or a whole meeting as a PDF (or on a printer), and the graph as PNG or SVG.

Qt's own writers only: a :class:`QTextDocument` laid out from HTML and printed on a
:class:`QPdfWriter` (or a QPrinter), the graph painted by the same scene the window shows,
rendered to an image for the report and to :class:`QSvgGenerator` for SVG. Identifiers follow
the privacy setting: hidden unless ``show_identifiers``; free-text history notes (which may name
people) go with them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMarginsF, QRectF, QSize, QSizeF, Qt, QUrl
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPalette,
    QPdfWriter,
    QTextBlock,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)

from app import text, theme
from app.document import CaseDocument
from app.safe_output import png_writer, qt_output
from app.text import suggested_name as suggested_name
from app.theme import light_palette as light_palette
from app.tumor_board import summary
from app.widgets.graph_view import NodeScene
from app.widgets.story import StoryScene, story_of
from pathways.case import Case
from pathways.content import Content
from pathways.engine import Engine, Notice
from pathways.library import CaseLibrary, Decision, Meeting
from pathways.safe_write import WriteError
from pathways.snapshot_diff import SinceDecision, since_decision
from pathways.version import APP_VERSION
from pathways.walkthrough import Walkthrough

log = logging.getLogger(__name__)
# suggested_name and light_palette are imported above for this module's callers: they live in
# light modules, so that code needing only them need not import this one at start-up.
tr = summary.tr

REPORT_WIDTH_PX = 680  # layout width of the report body (device-independent pixels)
GRAPH_WIDTH_PX = 600  # the graph on the page, at most this wide…
GRAPH_MAX_HEIGHT_PX = 420  # …and this tall
GRAPH_IMAGE_WIDTH = 2200  # pixels of the graph's PNG export
PDF_DPI = 300  # the PDF's resolution
PAGE_MARGINS_MM = (16, 14, 16, 14)  # left, top, right, bottom of the A4 page
# The graph in a report: as many pixels as it has dots when printed at its widest
# (GRAPH_WIDTH_PX of the REPORT_WIDTH_PX that fill the A4 page between its margins) at the PDF's
# resolution; more only made every PDF slower to write (each image is compressed into it).
REPORT_GRAPH_IMAGE_WIDTH = round(
    GRAPH_WIDTH_PX
    / REPORT_WIDTH_PX
    * (210 - PAGE_MARGINS_MM[0] - PAGE_MARGINS_MM[2])
    / 25.4
    * PDF_DPI
)


class ReportError(Exception):
    """A report could not be written; the message names the file and the reason."""


# ---------------------------------------------------------------------------- the graph
def graph_scene(content: Content, engine: Engine, aspect: float = 1.3) -> StoryScene:
    """The patient's story (path, position, next options), as in the window: the whole
    pathway was unreadable at the size of a page. (``aspect`` is kept for callers.)"""
    scene = StoryScene(content, engine)
    scene.setPalette(light_palette())
    return scene


def show_case(scene: StoryScene, content: Content, engine: Engine, case: Case) -> Walkthrough:
    """Show the case as it stands now (its whole history, no selection); returns its steps, so
    that the rest of the report reads them instead of running the engine again."""
    document = CaseDocument(content, engine)
    try:
        document.load(case, None)
        scene.set_story(story_of(document))
        return document.walkthrough
    finally:
        document.deleteLater()


def graph_image(scene: NodeScene, width: int = GRAPH_IMAGE_WIDTH) -> QImage:
    """The relevant part of the pathway (see ``focus_rect``) as an image ``width`` wide."""
    source = scene.focus_rect()
    height = max(1, round(width * source.height() / max(source.width(), 1.0)))
    image = QImage(QSize(width, height), QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(scene.palette().color(QPalette.ColorRole.Base))
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        scene.render(painter, QRectF(0, 0, width, height), source)
    finally:
        painter.end()
    return image


def export_graph(scene: NodeScene, path: Path, inputs: Sequence[Path] = ()) -> None:
    """PNG or SVG by the file's suffix, whole or not at all. Raises :class:`ReportError`.

    ``path`` may not be the same file as one of ``inputs``.
    """
    suffix = path.suffix.lower()
    if suffix not in (".svg", ".png"):
        raise ReportError(f"{path}: export the graph as .png or .svg")
    try:
        with qt_output(path, inputs) as out:
            if suffix == ".png":
                writer = png_writer(out.device)
                if not writer.write(graph_image(scene)):
                    out.fail(f"cannot write the PNG file ({writer.errorString()})")
                return
            source = scene.focus_rect()
            from PySide6.QtSvg import QSvgGenerator

            generator = QSvgGenerator()
            generator.setOutputDevice(out.device)
            generator.setSize(source.size().toSize())
            generator.setViewBox(QRectF(0, 0, source.width(), source.height()))
            generator.setTitle(tr("Pathway graph"))
            generator.setDescription(tr("HER2 Pathways: treatment pathway with the patient's path"))
            painter = QPainter()
            if not painter.begin(generator):
                out.fail("cannot write the SVG file")
                return
            try:
                painter.fillRect(
                    QRectF(0, 0, source.width(), source.height()),
                    scene.palette().color(QPalette.ColorRole.Base),
                )
                scene.render(painter, QRectF(0, 0, source.width(), source.height()), source)
            finally:
                if not painter.end():
                    out.fail("cannot finish the SVG file")
    except WriteError as exc:
        raise ReportError(exc.one_line()) from None


# ---------------------------------------------------------------------------- HTML
@dataclass
class CaseSection:
    """One case of a report, with the decisions (every version) of the meeting, if any."""

    case: Case
    decisions: Sequence[Decision] = ()
    number: int | None = None  # position on the agenda (1-based)
    images: dict[str, QImage] = field(default_factory=dict)
    # What the board saw (the decision's snapshot of the engine's answer); None: today's answer.
    seen: dict[str, Any] | None = None
    since: SinceDecision | None = None  # today's case and content against the snapshot
    unreadable_snapshot: bool = False  # the snapshot's case cannot be read with today's content


_P = light_palette()
INK = "#000000"
DIM = "#4A4A4A"
RULE = "#9A9A9A"
HEAD = "#E8EEF7"


def _badge(tier: str) -> str:
    color = theme.tier_color(tier, _P)
    return (
        f"<span style='background-color:{color.name()}; color:{theme.text_on(color).name()};"
        f" font-weight:bold;'>&nbsp;{escape(text.tier_badge(tier))}&nbsp;</span>"
    )


def _h2(title: str) -> str:
    return f"<h3 style='margin-top:14px; margin-bottom:4px; color:{INK};'>{escape(title)}</h3>"


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[int] = ()) -> str:
    cols = "".join(f"<col width='{w}%'>" for w in widths)
    th = "".join(
        f"<th align='left' style='background-color:{HEAD};'>{escape(h)}</th>" for h in head
    )
    body = "".join(
        "<tr>" + "".join(f"<td valign='top'>{cell}</td>" for cell in row) + "</tr>" for row in rows
    )
    return (
        f"<table width='100%' cellspacing='0' cellpadding='4' border='1'"
        f" style='border-color:{RULE}; border-style:solid; border-collapse:collapse;'>"
        f"<colgroup>{cols}</colgroup><thead><tr>{th}</tr></thead>{body}</table>"
    )


def _factors(case: Case) -> str:
    rows = [
        (
            escape(text.factor_name(name)),
            escape(text.factor_value(name, getattr(case.factors, name))),
        )
        for name in (spec.name for spec in dataclasses.fields(case.factors))
    ]
    if case.metastatic_diagnosis is not None:
        rows.insert(
            0, (escape(tr("Metastatic diagnosis")), escape(case.metastatic_diagnosis.isoformat()))
        )
    half = (len(rows) + 1) // 2
    left, right = rows[:half], rows[half:]
    cells = []
    for i in range(half):
        a = left[i]
        b = right[i] if i < len(right) else ("", "")
        cells.append(
            f"<tr><td style='color:{DIM};'>{a[0]}</td><td><b>{a[1]}</b></td>"
            f"<td style='color:{DIM};'>{b[0]}</td><td><b>{b[1]}</b></td></tr>"
        )
    return (
        "<table width='100%' cellspacing='0' cellpadding='2'>"
        "<colgroup><col width='28%'><col width='22%'><col width='28%'><col width='22%'></colgroup>"
        + "".join(cells)
        + "</table>"
    )


def _history(content: Content, walk: Walkthrough, show_identifiers: bool) -> str:
    case = walk.case
    if not case.history:
        return f"<p style='color:{DIM};'>{escape(tr('No treatment recorded yet.'))}</p>"
    steps = walk.steps
    rows = []
    for i, line in enumerate(case.history):
        tier = steps[i].given_tier
        name = f"<b>{escape(summary.line_name(content, line))}</b>"
        if show_identifiers and line.note:
            name += f"<br><span style='color:{DIM};'>{escape(line.note)}</span>"
        rows.append(
            (
                str(i + 1),
                name,
                escape(text.setting_label(line.setting)),
                escape(text.line_dates(line)),
                escape(text.outcome_text(line)),
                _badge(tier) if tier else "",
            )
        )
    return _table(
        (tr("#"), tr("Regimen"), tr("Setting"), tr("Dates"), tr("Outcome"), tr("At that step")),
        rows,
        (4, 34, 12, 20, 16, 14),
    )


def _dict_options(rec: dict[str, Any]) -> list[dict[str, Any]]:
    """The options of a ``Recommendation.to_dict`` (a stored snapshot: checked, not trusted)."""
    options = rec.get("options")
    if not isinstance(options, list):
        return []
    out = []
    for o in options:
        if isinstance(o, dict) and isinstance(o.get("regimen"), str):
            out.append(o)
    return out


def _strs(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _dict_warnings(items: object) -> list[Notice]:
    out = []
    for w in items if isinstance(items, list) else []:
        if isinstance(w, dict) and isinstance(w.get("kind"), str):
            out.append(
                Notice(kind=w["kind"], text=str(w.get("text", "")), title=str(w.get("title", "")))
            )
    return out


def _where(content: Content, rec: dict[str, Any]) -> str:
    position = str(rec.get("position", ""))
    known = position in content.regimens or position in content.entry_points
    where = content.node_name(position) if known else position
    line = rec.get("line")
    if isinstance(line, int):
        return tr("Line {line} · after {where}").format(line=line, where=where)
    return tr("Early setting · {where}").format(where=where)


def _options(content: Content, rec: dict[str, Any]) -> tuple[str, str]:
    """(the options table, the numbered citations) of a recommendation as a dict."""
    options = _dict_options(rec)
    if not options:
        return f"<p>{escape(tr('No pathway options at this step.'))}</p>", ""
    rows = []
    refs: list[str] = []
    # Options the disease already progressed on: one line, not one row each.
    progressed = [o for o in options if "repeated-regimen" in _strs(o.get("flags"))]
    options = [o for o in options if o not in progressed]
    for row, option in enumerate(options, start=1):
        regimen, tier = option["regimen"], str(option.get("tier", ""))
        evidence = _strs(option.get("evidence"))
        figures = summary.key_figures_for(content, regimen, evidence)
        numbers = []
        for cite in summary.citations_for(content, regimen, evidence):
            if cite not in refs:
                refs.append(cite)
            numbers.append(str(refs.index(cite) + 1))
        name, why = str(option.get("name", regimen)), str(option.get("why", ""))
        cell = f"<b>{escape(name)}</b> — {escape(why)}"
        if figures and tier != "avoid":
            cell += "".join(f"<br>{escape(f)}" for f in figures)
        if numbers:
            cell += f" <span style='color:{DIM};'>[{', '.join(numbers)}]</span>"
        warnings = _dict_warnings(option.get("warnings"))
        kinds = dict.fromkeys(text.warning_kind_label(w.kind) for w in warnings)
        if kinds:
            cell += f"<br><span style='color:{DIM};'>⚠ {escape(' · '.join(kinds))}</span>"
        order = option.get("order")
        place = str(row) if "order" not in option else ("–" if order is None else str(order))
        if option.get("tied"):
            place += "="  # joint place: the guidelines do not rank these against each other
        rows.append((place, _badge(tier), cell))
    if progressed:
        names = ", ".join(str(o.get("name", o["regimen"])) for o in progressed)
        cell = escape(tr("Already progressed on: {names} — not offered again.").format(names=names))
        rows.append(("–", _badge("avoid"), f"<span style='color:{DIM};'>{cell}</span>"))
    table = _table((tr("Rank"), tr("Tier"), tr("Option, why, key figures")), rows, (7, 17, 76))
    cites = "".join(
        f"<p style='margin:1px 0; color:{DIM};'>[{i + 1}] {escape(c)}</p>"
        for i, c in enumerate(refs)
    )
    heading = f"<p style='margin:8px 0 2px 0;'><b>{escape(tr('Citations'))}</b></p>"
    return table, heading + cites


def _since_block(content: Content, section: CaseSection) -> str:
    """The short "since this decision" note: what today's case and content would change."""
    if section.since is None:
        return ""
    lines = summary.since_lines(content, section.since)
    if not lines:
        lines = [tr("Today's case and content give the same options as the board saw.")]
    items = "".join(f"<p style='margin:1px 0;'>{escape(line)}</p>" for line in lines)
    return (
        f"<p style='margin:8px 0 2px 0;'><b>{escape(tr('Since this decision'))}</b></p>"
        "<table width='100%' cellspacing='0' cellpadding='5' border='1'"
        f" style='border-color:{RULE}; border-style:solid;'><tr><td>{items}</td></tr></table>"
    )


def _warnings(notices: Sequence[Notice]) -> str:
    if not notices:
        return f"<p style='color:{DIM};'>{escape(tr('No warnings at this step.'))}</p>"
    items = "".join(
        f"<p style='margin:2px 0;'><b>⚠ {escape(text.warning_kind_label(n.kind))}"
        f"{' — ' + escape(n.title) if n.title else ''}:</b> {escape(n.text)}</p>"
        for n in notices
    )
    return (
        "<table width='100%' cellspacing='0' cellpadding='6' border='1'"
        " style='border-color:#E09B00; border-style:solid;'>"
        f"<tr><td style='background-color:#FFF4D6;'>{items}</td></tr></table>"
    )


def _decision_block(content: Content, decisions: Sequence[Decision]) -> str:
    if not decisions:
        return f"<p style='color:{DIM};'>{escape(tr('No decision recorded.'))}</p>"
    current = decisions[-1]
    rows = [
        (tr("Decision"), f"<b>{escape(summary.decision_summary(content, current))}</b>"),
        (
            tr("Alternatives discussed"),
            escape(", ".join(summary.regimen_display(content, a) for a in current.alternatives))
            or "—",
        ),
        (tr("Note"), escape(current.note) or "—"),
        (tr("Dissent"), escape(current.dissent) or tr("None recorded")),
        (
            tr("Recorded"),
            escape(
                tr("by {who}, {when} (version {n})").format(
                    who=current.recorded_by,
                    when=summary.local_time(current.recorded_at),
                    n=current.version,
                )
            ),
        ),
    ]
    body = "".join(
        f"<tr><td valign='top' style='color:{DIM};'>{escape(k)}</td><td>{v}</td></tr>"
        for k, v in rows
    )
    out = (
        "<table width='100%' cellspacing='0' cellpadding='5' border='1'"
        f" style='border-color:{INK}; border-style:solid;'>"
        f"<colgroup><col width='24%'><col width='76%'></colgroup>{body}</table>"
    )
    earlier = [d for d in decisions if not d.is_current]
    if earlier:
        out += f"<p style='margin:6px 0 2px 0;'><b>{escape(tr('Earlier versions'))}</b></p>"
        out += "".join(
            f"<p style='margin:1px 0; color:{DIM};'>"
            + escape(
                tr("v{n}, superseded: {what} — by {who}, {when}").format(
                    n=d.version,
                    what=summary.decision_summary(content, d),
                    who=d.recorded_by,
                    when=summary.local_time(d.recorded_at),
                )
            )
            + "</p>"
            for d in earlier
        )
    return out


def case_html(
    content: Content,
    engine: Engine,
    scene: StoryScene,
    section: CaseSection,
    show_identifiers: bool,
    meeting: Meeting | None = None,
    page_break: bool = False,
) -> str:
    case = section.case
    who = summary.identity(case, show_identifiers)
    number = f"{section.number}. " if section.number is not None else ""
    brk = " style='page-break-before:always;'" if page_break else ""
    out = [f"<div{brk}>"]
    out.append(f"<h2 style='margin-bottom:2px;'>{escape(number)}{escape(who.label)}</h2>")
    details = " · ".join(f"{escape(k)}: <b>{escape(v)}</b>" for k, v in who.details)
    if meeting is not None:
        details += (" · " if details else "") + escape(
            tr("Meeting: {title}, {date}").format(
                title=meeting.title, date=meeting.date.isoformat()
            )
        )
    if details:
        out.append(f"<p style='margin-top:0;'>{details}</p>")
    if section.unreadable_snapshot:
        out.append(
            f"<p style='color:{DIM};'>"
            + escape(
                tr(
                    "The case as presented can no longer be read with today's content; "
                    "today's case is shown, with the options the board saw."
                )
            )
            + "</p>"
        )
    elif section.seen is not None:
        out.append(
            f"<p style='color:{DIM};'>"
            + escape(tr("As presented to the board (from the decision's snapshot)."))
            + "</p>"
        )
    if section.decisions:  # the outcome first; the full record follows the options
        out.append(
            "<p style='margin-top:4px;'><b>"
            + escape(tr("Board decision:"))
            + f"</b> {escape(summary.decision_summary(content, section.decisions[-1]))}</p>"
        )
    out.append(_h2(tr("Patient factors")) + _factors(case))
    walk = show_case(scene, content, engine, case)  # the engine runs once per case
    out.append(_h2(tr("Treatment history")) + _history(content, walk, show_identifiers))
    key = f"graph://case/{id(section)}"
    image = section.images[key] = graph_image(scene, REPORT_GRAPH_IMAGE_WIDTH)
    # no taller than GRAPH_MAX_HEIGHT_PX, so that it shares the first page with the history
    width = min(GRAPH_WIDTH_PX, round(GRAPH_MAX_HEIGHT_PX * image.width() / image.height()))
    out.append(_h2(tr("The patient's path and the next options")))
    out.append(f"<p align='center'><img src='{key}' width='{width}'></p>")
    legend = "  ".join(
        (
            text.tier_badge("preferred"),
            text.tier_badge("alternative"),
            text.tier_badge("avoid"),
            tr("● now"),
            tr("1= not ranked by the guidelines"),
        )
    )
    out.append(f"<p style='margin-top:0; color:{DIM};'>{escape(legend)}</p>")
    snapshot = section.seen is not None
    seen = section.seen if section.seen is not None else walk.last.recommendation.to_dict(content)
    options, cites = _options(content, seen)
    heading = (
        tr("Options the board saw — {where}") if snapshot else tr("Next options — {where}")
    ).format(where=_where(content, seen))
    out.append(_h2(heading) + options)
    out.append(_h2(tr("Warnings")) + _warnings(_dict_warnings(seen.get("warnings"))))
    out.append(_h2(tr("Board decision")) + _decision_block(content, section.decisions))
    out.append(_since_block(content, section))
    out.append(cites)
    out.append("</div>")
    return "".join(out)


def _header(content: Content, title: str, exported: dt.datetime) -> str:
    return (
        f"<p style='color:{DIM}; margin-bottom:0;'>"
        + escape(tr("HER2 Pathways · tumor board report"))
        + "</p>"
        + f"<h1 style='margin-top:2px;'>{escape(title)}</h1>"
        + f"<p style='color:{DIM};'>"
        + escape(
            tr("Exported {when} · content {version}, reviewed {reviewed}").format(
                when=exported.strftime("%Y-%m-%d %H:%M"),
                version=content.version,
                reviewed=content.reviewed,
            )
        )
        + "</p>"
    )


def disclaimer_html(content: Content) -> str:
    return (
        "<hr>"
        f"<p style='color:{INK};'><b>{escape(tr('Decision support only.'))}</b> "
        + escape(tr("This tool supports and does not replace clinical judgement."))
        + f" {escape(content.header.disclaimer)}</p>"
        + f"<p style='color:{DIM};'>"
        + escape(
            tr("Content version {version}, reviewed {reviewed}. {note}").format(
                version=content.version,
                reviewed=content.reviewed,
                note=content.header.review_note,
            )
        )
        + "</p>"
    )


def summary_table(content: Content, sections: Sequence[CaseSection], show_identifiers: bool) -> str:
    """The minutes' decision table: one row per agenda case, its current decision."""
    rows = []
    for s in sections:
        who = summary.identity(s.case, show_identifiers).one_line()
        if s.decisions:
            d = s.decisions[-1]
            decision = escape(summary.regimen_display(content, d.chosen_regimen))
            if d.version > 1:
                decision += escape(tr(" (corrected: version {n})").format(n=d.version))
            pathway = escape(tr("On pathway")) if d.on_pathway else escape(tr("Off pathway"))
            reason = summary.off_pathway_reason_label(d.off_pathway_reason)
            if d.off_pathway_detail.strip():
                reason += f" — {d.off_pathway_detail.strip()}"
            cells: tuple[str, ...] = (
                decision,
                pathway,
                escape(reason) or "—",
                escape(d.dissent) or "—",
                escape(d.note) or "—",
                escape(d.recorded_by),
            )
        else:
            cells = (f"<i>{escape(tr('No decision recorded'))}</i>", "—", "—", "—", "—", "—")
        rows.append((str(s.number or ""), escape(who), *cells))
    return _table(
        (
            tr("#"),
            tr("Case"),
            tr("Decision"),
            tr("Pathway"),
            tr("Off-pathway reason"),
            tr("Dissent"),
            tr("Note"),
            tr("Recorded by"),
        ),
        rows,
        (3, 19, 17, 9, 14, 13, 15, 10),
    )


def minutes_html(library: CaseLibrary, meeting: Meeting) -> str:
    """Attendees, the sign-off and every amendment (each version of the minutes stays)."""
    attendees = library.attendees(meeting.id)
    history = library.minutes_history(meeting.id)
    out = [_h2(tr("Minutes"))]
    people = summary.attendee_list(attendees) or tr("none recorded")
    out.append(f"<p style='margin:2px 0;'><b>{escape(tr('Attendees:'))}</b> {escape(people)}</p>")
    out.append(
        f"<p style='margin:2px 0;'><b>{escape(tr('Status:'))}</b> "
        f"{escape(summary.minutes_state(meeting, history))}</p>"
    )
    for event in history:
        if event.kind == "sign-off":
            line = tr("Version {n} signed off by {who}, {when}; attendees then: {people}").format(
                n=event.version,
                who=event.by,
                when=summary.local_time(event.at),
                people=summary.attendee_list(event.attendees) or tr("none recorded"),
            )
        else:
            line = tr("Amended by {who}, {when} (opens version {n}): {reason}").format(
                who=event.by,
                when=summary.local_time(event.at),
                n=event.version,
                reason=event.reason,
            )
        out.append(f"<p style='margin:1px 0; color:{DIM};'>{escape(line)}</p>")
    return "".join(out)


# ---------------------------------------------------------------------------- documents
def _document(html: str, images: dict[str, QImage], title: str) -> QTextDocument:
    doc = QTextDocument()
    doc.setMetaInformation(QTextDocument.MetaInformation.DocumentTitle, title)
    font = QFont(doc.defaultFont())
    font.setPointSizeF(9.5)
    doc.setDefaultFont(font)
    doc.setDocumentMargin(0)
    for key, image in images.items():
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(key), image)
    doc.setHtml(html)
    doc.setTextWidth(REPORT_WIDTH_PX)
    return doc


def case_document(
    content: Content,
    engine: Engine,
    case: Case,
    decisions: Sequence[Decision] = (),
    meeting: Meeting | None = None,
    show_identifiers: bool = False,
    now: dt.datetime | None = None,
    case_json: str | None = None,
) -> QTextDocument:
    """The report of one case as it is today (with a library case's decision from ``meeting``,
    if any, and, given the stored ``case_json``, what changed since that decision)."""
    exported = now or dt.datetime.now()
    scene = graph_scene(content, engine)
    snapshot = decisions[-1].snapshot if decisions else None
    since = None
    if snapshot is not None and case_json is not None:
        since = since_decision(snapshot, engine, case, case_json)
    section = CaseSection(case, decisions, since=since)
    try:
        body = case_html(content, engine, scene, section, show_identifiers, meeting)
    finally:
        scene.deleteLater()
    title = tr("Case report")
    html = _header(content, title, exported) + body + disclaimer_html(content)
    return _document(html, section.images, case.label)


def meeting_section(
    content: Content,
    engine: Engine,
    library: CaseLibrary,
    meeting_id: int,
    case_id: int,
    number: int | None = None,
) -> CaseSection:
    """An agenda case as the board saw it: from the current decision's snapshot, if there is
    one, with the "since this decision" comparison against today's case and content."""
    from app.tumor_board.storage import case_from_library
    from pathways.case import parse_case
    from pathways.errors import CaseError

    decisions = library.decisions(case_id, meeting_id)
    stored = library.get_case(case_id)
    try:
        today: Case | None = case_from_library(library, case_id, content)
    except CaseError:
        today = None
    snapshot = decisions[-1].snapshot if decisions else None
    if snapshot is None:
        if today is None:  # nothing else to show: the error names the case
            case_from_library(library, case_id, content)
        assert today is not None
        return CaseSection(today, decisions, number)
    since = since_decision(snapshot, engine, today, stored.case_json)
    try:
        seen_case = parse_case(snapshot.case_json, f"decision {decisions[-1].id}", content)
    except CaseError:
        if today is None:
            raise
        return CaseSection(
            today, decisions, number, seen=snapshot.recommendation, since=since,
            unreadable_snapshot=True,
        )  # fmt: skip
    return CaseSection(seen_case, decisions, number, seen=snapshot.recommendation, since=since)


def meeting_document(
    content: Content,
    engine: Engine,
    library: CaseLibrary,
    meeting_id: int,
    show_identifiers: bool = False,
    now: dt.datetime | None = None,
) -> QTextDocument:
    """Summary of decisions first, then one section per agenda case. Raises LibraryError,
    CaseError (a stored case the content cannot read)."""

    exported = now or dt.datetime.now()
    meeting = library.get_meeting(meeting_id)
    sections = [
        meeting_section(content, engine, library, meeting_id, item.id, number=i + 1)
        for i, item in enumerate(library.agenda(meeting_id))
    ]
    title = tr("{title} — {date}").format(title=meeting.title, date=meeting.date.isoformat())
    parts = [_header(content, title, exported)]
    parts.append(minutes_html(library, meeting))
    parts.append(
        _h2(tr("Decisions ({n} cases on the agenda)").format(n=len(sections)))
        + summary_table(content, sections, show_identifiers)
    )
    scene = graph_scene(content, engine)
    images: dict[str, QImage] = {}
    try:
        for s in sections:
            parts.append(
                case_html(content, engine, scene, s, show_identifiers, meeting, page_break=True)
            )
            images.update(s.images)
    finally:
        scene.deleteLater()
    parts.append(disclaimer_html(content))
    return _document("".join(parts), images, title)


def _page_of(y: float, page_h: float) -> int:
    return int(y // page_h)


def _needs_break(doc: QTextDocument, heading: QTextBlock, page_h: float) -> bool:
    """True if ``heading`` would end a page apart from what follows it, or its short box (the
    warnings, the decision, a small table) would be split across two pages."""
    layout = doc.documentLayout()
    head = layout.blockBoundingRect(heading)
    bottom = head.bottom()
    follow = heading.next()
    if follow.isValid():
        rect = layout.blockBoundingRect(follow)
        table = QTextCursor(follow).currentTable()
        if table is not None:
            box = layout.frameBoundingRect(table)
            if box.height() < page_h / 2:  # a short box stays whole
                rect = box
            else:  # a long table only needs its header row and first row beside the heading
                first = table.cellAt(1, 0) if table.rows() > 1 else table.cellAt(0, 0)
                rect = layout.blockBoundingRect(first.firstCursorPosition().block())
        bottom = max(bottom, rect.bottom())
    starts_page = head.top() % page_h <= 1
    return not starts_page and _page_of(head.top(), page_h) != _page_of(bottom - 0.5, page_h)


def keep_together(doc: QTextDocument, page_h: float) -> None:
    """Move a heading to the next page when what follows it would not start on its page (and
    a short box with it): QTextDocument has no keep-with-next of its own. One pass from the
    top: a break moves only what comes after it, which is looked at next, laid out anew."""
    block = doc.begin()
    while block.isValid():
        if block.blockFormat().headingLevel() > 0 and _needs_break(doc, block, page_h):
            fmt = block.blockFormat()
            fmt.setPageBreakPolicy(QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore)
            QTextCursor(block).setBlockFormat(fmt)
        block = block.next()


def _print(doc: QTextDocument, device: QPagedPaintDevice, footer: str) -> None:
    """Lay ``doc`` out on A4 pages of ``device`` and paint them, each with a footer line.

    The document is laid out ``REPORT_WIDTH_PX`` wide and scaled to the page, so the report looks
    the same on a 300 dpi PDF and on any printer.
    """
    device.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(*PAGE_MARGINS_MM),
            QPageLayout.Unit.Millimeter,
        )
    )
    paint = device.pageLayout().paintRectPixels(device.logicalDpiX())
    scale = paint.width() / REPORT_WIDTH_PX
    footer_font = QFont(doc.defaultFont())  # sized in layout pixels, like the document's text
    footer_font.setPixelSize(max(1, round(QFontMetricsF(doc.defaultFont()).height() * 0.75)))
    # One more line for each line of the footer beyond the first (sign-off state, site choices).
    footer_h = QFontMetricsF(footer_font).lineSpacing() * (2.2 + footer.count("\n"))
    page_h = paint.height() / scale - footer_h
    doc.setPageSize(QSizeF(REPORT_WIDTH_PX, page_h))
    keep_together(doc, page_h)
    pages = doc.pageCount()
    painter = QPainter()
    if not painter.begin(device):
        raise ReportError("cannot start painting the report")
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        for page in range(pages):
            if page:
                device.newPage()
            painter.save()
            painter.scale(scale, scale)
            painter.save()
            painter.translate(0, -page * page_h)
            doc.drawContents(painter, QRectF(0, page * page_h, REPORT_WIDTH_PX, page_h))
            painter.restore()
            painter.setFont(footer_font)
            painter.setPen(QColor(DIM))
            line = QRectF(0, page_h + footer_h * 0.3, REPORT_WIDTH_PX, footer_h * 0.7)
            painter.drawLine(line.topLeft(), line.topRight())
            flags = int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft)
            painter.drawText(line, flags, footer)
            right = int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight)
            painter.drawText(line, right, tr("Page {n} of {total}").format(n=page + 1, total=pages))
            painter.restore()
    finally:
        painter.end()


def _footer(content: Content) -> str:
    base = tr(
        "HER2 Pathways {app} · decision support, not a substitute for clinical judgement · "
        "content {version}"
    ).format(app=APP_VERSION, version=content.version)
    from app.content_update import footer_line

    governance = footer_line(content)  # sign-off state, staleness, site choices
    return f"{base}\n{governance}" if governance else base


def _creator() -> str:
    return f"HER2 Pathways {APP_VERSION}"


def write_pdf(
    doc: QTextDocument, path: Path, content: Content, inputs: Sequence[Path] = ()
) -> None:
    """Write ``doc`` to ``path`` as an A4 PDF, whole or not at all. Raises :class:`ReportError`.

    On any failure (a full disk, a read-only file) the old file stays as it was; ``path`` may not
    be the same file as one of ``inputs``.
    """
    try:
        with qt_output(path, inputs) as out:
            writer = QPdfWriter(out.device)
            writer.setResolution(PDF_DPI)
            writer.setTitle(doc.metaInformation(QTextDocument.MetaInformation.DocumentTitle))
            writer.setCreator(_creator())
            try:
                _print(doc, writer, _footer(content))
            except ReportError as exc:
                out.fail(str(exc))
            del writer  # finishes the PDF into the device before its status is checked
    except WriteError as exc:
        raise ReportError(exc.one_line()) from None
    log.info("report written (%d bytes)", path.stat().st_size)


def print_document(doc: QTextDocument, printer: QPagedPaintDevice, content: Content) -> None:
    _print(doc, printer, _footer(content))
