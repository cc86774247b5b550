"""The clinical review packet: everything a reviewer checks and initials, as one PDF, without Qt.

Contents, in order: the sign-off state and the digest being reviewed; the clinical diff against
the last signed version (when given); every regimen, transition, rule, pitfall, guideline
position and safety note in plain words with its sources and status (unconfirmed first, then
secondary, then confirmed); every trial record with its figures; the scenario table (the
engine's answers on the scenario library beside the expected answer and the guideline section);
and a sign-off page. Every item has a line to initial.

Written with fpdf2 (pure Python) in its built-in Helvetica: the few characters outside Latin-1
that the content uses are spelled out (``≥`` as ``>=``), never dropped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from pathways.content import Content
from pathways.content_diff import ContentDiff, transition_key
from pathways.engine import Engine
from pathways.records import Record, to_data
from pathways.safe_write import write_bytes
from pathways.scenarios import (
    Scenario,
    ScenarioResult,
    describe_answer,
    describe_expect,
    run_library,
)
from pathways.signoff import SignOffState
from pathways.site import SiteSettings
from pathways.version import APP_VERSION

STATUS_ORDER = {"unconfirmed": 0, "secondary": 1, "confirmed": 2}
_SPELLED = {
    "\u2265": ">=",
    "\u2264": "<=",
    "\u2192": "->",
    "\u2190": "<-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2026": "...",
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2212": "-",
    "\u2022": "*",
    "\u00a0": " ",
}
Item = tuple[str, str, list[str]]  # (status, heading, lines)
INITIAL = "Initials: ________   [ ] agree   [ ] change needed: ______________________________"


def plain(text: str) -> str:
    """Text the core PDF font can show: known symbols spelled out, anything else as [U+XXXX]."""
    out: list[str] = []
    for ch in text:
        ch = _SPELLED.get(ch, ch)
        if len(ch) == 1 and ord(ch) > 255:
            ch = f"[U+{ord(ch):04X}]"
        out.append(ch)
    return "".join(out)


@dataclass(frozen=True)
class PacketInputs:
    content: Content
    digest: str
    state: SignOffState
    scenarios: tuple[Scenario, ...]
    diff: ContentDiff | None = None
    against: str = ""  # what the diff is against, in words
    site: SiteSettings | None = None
    today: date | None = None


class _Pdf(FPDF):
    footer_lines: tuple[str, ...] = ()

    def footer(self) -> None:
        self.set_y(-16)
        self.set_font("Helvetica", "", 7)
        for line in self.footer_lines:
            self.cell(0, 3.5, plain(line)[:190], new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.cell(0, 3.5, f"Page {self.page_no()}/{{nb}}", align="R")


class _Writer:
    def __init__(self, footer: Sequence[str]) -> None:
        self.pdf = _Pdf(format="A4")
        self.pdf.footer_lines = tuple(footer)
        self.pdf.set_auto_page_break(auto=True, margin=22)
        self.pdf.set_margins(16, 16, 16)
        self.pdf.alias_nb_pages()
        self.pdf.add_page()
        self._widths: dict[tuple[str, float, str], float] = {}

    def heading(self, text: str, size: int = 14) -> None:
        self.pdf.ln(2)
        self.pdf.set_font("Helvetica", "B", size)
        self.pdf.multi_cell(0, size * 0.5, plain(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.pdf.ln(1)

    def para(self, text: str, style: str = "", size: float = 9) -> None:
        # Wrapped here, a word at a time: fpdf2's multi_cell measures its whole line again for
        # every character (the 40-page packet took 5 s with it).
        self.pdf.set_font("Helvetica", style, size)
        for line in self._wrap(plain(text), self.pdf.epw):
            self.pdf.cell(0, size * 0.48, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def _width(self, word: str) -> float:
        key = (self.pdf.font_style, self.pdf.font_size_pt, word)
        if key not in self._widths:
            self._widths[key] = self.pdf.get_string_width(word)
        return self._widths[key]

    def _wrap(self, text: str, width: float) -> list[str]:
        lines: list[str] = []
        for paragraph in text.split("\n"):
            line, used = "", 0.0
            space = self._width(" ")
            for word in paragraph.split(" "):
                w = self._width(word)
                while w > width and word:  # a word longer than the line: split it
                    cut = len(word)
                    while cut > 1 and self._width(word[:cut]) > width:
                        cut = max(1, cut * 3 // 4)
                    if line:
                        lines.append(line)
                    lines.append(word[:cut])
                    line, used, word = "", 0.0, word[cut:]
                    w = self._width(word)
                if line and used + space + w > width:
                    lines.append(line)
                    line, used = word, w
                else:
                    line, used = (f"{line} {word}", used + space + w) if line else (word, w)
            lines.append(line)
        return lines

    def item(self, title: str, lines: Iterable[str], status: str | None = None) -> None:
        if self.pdf.will_page_break(30):
            self.pdf.add_page()
        flag = f"[{status.upper()}] " if status and status != "confirmed" else ""
        self.para(flag + title, "B", 9.5)
        for line in lines:
            if line:
                self.para(line, "", 8.5)
        self.para(INITIAL, "I", 8)
        self.pdf.ln(2.5)

    def page(self) -> None:
        self.pdf.add_page()

    def bytes(self) -> bytes:
        return bytes(self.pdf.output())


# ---------------------------------------------------------------------------- plain words
def _cond(cond: Record | None) -> str:
    if cond is None:
        return ""
    data = to_data(cond, exclude_none=True)
    return json.dumps(data, ensure_ascii=False)[1:-1].replace('"', "") if data else ""


def _worst(statuses: Iterable[str]) -> str:
    found = [s for s in statuses if s in STATUS_ORDER]
    return min(found, key=STATUS_ORDER.__getitem__) if found else "confirmed"


def _sources(content: Content, keys: Iterable[str]) -> str:
    titles = {s.key: f"{s.key} ({s.reliability})" for s in content.header.sources}
    return ", ".join(titles.get(k, k) for k in keys)


def _ev_status(content: Content, ids: Iterable[str]) -> list[str]:
    return [content.evidence[e].status for e in ids if e in content.evidence]


def _gl_status(content: Content, ids: Iterable[str]) -> list[str]:
    return [content.guidelines[g].status for g in ids if g in content.guidelines]


def _trials(content: Content, ids: Iterable[str]) -> str:
    return ", ".join(content.evidence[e].trial if e in content.evidence else e for e in ids)


def regimen_items(content: Content) -> list[Item]:
    out: list[Item] = []
    for r in content.regimens.values():
        status = _worst(_ev_status(content, r.evidence) + _gl_status(content, r.guidelines))
        lines = [
            f"{r.setting} setting, usual line {r.line}. {r.summary}",
            f"Trials: {_trials(content, r.evidence)}",
            f"Guideline positions: {', '.join(r.guidelines) or 'none'}",
            f"Dosing reminder: {r.dosing}" if r.dosing else "",
        ]
        out.append((status, f"Regimen {r.id}: {r.name}", lines))
    return out


def transition_items(content: Content) -> list[Item]:
    out: list[Item] = []
    for t in content.transitions:
        evidence = tuple(getattr(t, "evidence", ()))
        guidelines = tuple(getattr(t, "guidelines", ()))
        status = _worst(_ev_status(content, evidence) + _gl_status(content, guidelines))
        after = ", ".join(content.node_name(n) for n in t.from_)
        lines = [
            f"After {after}: {content.node_name(t.to)} is {t.tier} (rank {t.rank}). {t.why}",
            f"Only when: {_cond(t.when)}" if getattr(t, "when", None) else "",
        ]
        for adj in getattr(t, "adjust", ()):
            effect = f"{adj.mode} {adj.tier}" if adj.tier else ""
            effect += f" rank {adj.rank}" if adj.rank is not None else ""
            lines.append(f"Adjusted ({effect.strip()}) when {_cond(adj.when)}: {adj.reason}")
        lines.append(f"Trials: {_trials(content, evidence) or 'none'}")
        lines.append(f"Guideline positions: {', '.join(guidelines) or 'none'}")
        out.append((status, f"Transition {transition_key(t)}", lines))
    return out


def rule_items(content: Content) -> list[Item]:
    out: list[Item] = []
    for rule in content.rules:
        scope = [*rule.agents, *rule.classes, *rule.regimens]
        effect = f"{rule.mode} {rule.tier}" if rule.tier else "warning only"
        lines = [
            rule.reason,
            f"Applies to: {', '.join(scope)}. Effect: {effect}. When: {_cond(rule.when)}",
            f"Sources: {_sources(content, rule.sources)}; "
            f"trials: {_trials(content, rule.evidence) or 'none'}",
        ]
        out.append((_worst(_ev_status(content, rule.evidence)), f"Rule {rule.id}", lines))
    return out


def pitfall_items(content: Content) -> list[Item]:
    out: list[Item] = []
    for p in content.pitfalls:
        lines = [
            p.text,
            f"Kind: {p.kind}. Shown when: {_cond(p.when)}",
            f"Sources: {_sources(content, p.sources)}",
        ]
        out.append((p.status, f"Pitfall {p.id}: {p.title}", lines))
    return out


def guideline_items(content: Content) -> list[Item]:
    out: list[Item] = []
    for g in content.guidelines.values():
        strength = f", {g.strength}" if g.strength else ""
        lines = [
            f"{g.body} {g.version}, {g.setting}: {g.position}{strength}. {g.statement}",
            f"Regimens: {', '.join(g.regimens)}. Sources: {_sources(content, g.sources)}",
        ]
        out.append((g.status, f"Guideline position {g.id}", lines))
    return out


def safety_items(content: Content) -> list[Item]:
    return [
        (
            s.status,
            f"Safety note {s.id} ({s.kind})",
            [s.text, f"Agents: {', '.join(s.agents)}. Sources: {_sources(content, s.sources)}"],
        )
        for s in content.safety.values()
    ]


def message_items(content: Content) -> list[Item]:
    """The texts of the engine's built-in rules, as the user reads them."""
    texts = to_data(content.messages)
    return [("confirmed", f"Built-in rule text {name}", [str(t)]) for name, t in texts.items()]


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def trial_items(content: Content) -> list[Item]:
    out: list[Item] = []
    for e in content.evidence.values():
        n = f", n={e.n}" if e.n else ""
        lines = [
            f"{e.phase}{n}, {e.year}. {e.design}. Arms: {e.arms}. Comparator: {e.comparator}.",
            f"Population: {e.population.description}",
        ]
        for ep in e.endpoints:
            unit = f" {ep.unit}" if ep.unit and ep.unit != "ratio" else ""
            figures = f"{_num(ep.value)}{unit} vs {_num(ep.comparator_value)}{unit}"
            if ep.hr is not None:
                figures += f"; HR {ep.hr:g} (95% CI {_num(ep.ci_low)}-{_num(ep.ci_high)})"
            if ep.p:
                figures += f"; p {ep.p}"
            flag = f" [{ep.status.upper()}]" if ep.status != "confirmed" else ""
            note = f" ({ep.note})" if ep.note else ""
            lines.append(f"- {ep.name}: {figures}{note}{flag}")
        c = e.citation
        ids = " ".join(
            x for x in (f"PMID {c.pmid}" if c.pmid else "", f"DOI {c.doi}" if c.doi else "") if x
        )
        lines.append(f"Citation: {c.text} {ids}. Sources: {_sources(content, c.sources)}")
        if e.note:
            lines.append(f"Note: {e.note}")
        status = _worst([e.status, *(ep.status for ep in e.endpoints)])
        out.append((status, f"Trial record {e.id}: {e.trial}", lines))
    return out


def _sorted(items: list[Item]) -> list[Item]:
    # Unconfirmed first, then secondary, then confirmed; content order within each.
    return sorted(items, key=lambda i: STATUS_ORDER.get(i[0], 2))


# ---------------------------------------------------------------------------- the packet
def build_packet(inputs: PacketInputs) -> bytes:
    c = inputs.content
    today = inputs.today or date.today()
    footer = [
        f"Review packet - HER2 Pathways {APP_VERSION} - content {c.version} - review digest "
        f"{inputs.digest[:16]}... - {today}",
        inputs.state.summary(),
    ]
    if inputs.state.staleness():
        footer.append(inputs.state.staleness() or "")
    if inputs.site is not None:
        footer.append(inputs.site.footer(c))
    w = _Writer(footer)
    w.heading(f"Clinical review packet: HER2 pathway content {c.version}", 16)
    w.para(f"Generated {today}. Content from: {Path(c.origin).name or c.origin}.")
    w.para(f"Review digest (record this when signing off): {inputs.digest}", "B")
    w.para(f"Sign-off state: {inputs.state.summary()}")
    if inputs.state.staleness():
        w.para(inputs.state.staleness() or "", "B")
    w.para(
        "How to review: check each item against its sources and initial it. Items the reference "
        "could not confirm are marked [UNCONFIRMED] and come first in each section, then "
        "[SECONDARY] (news or summary sources only), then confirmed items. The scenario table "
        "shows what the engine answers for each case of the project's scenario library, beside "
        "the expected answer and the guideline section it comes from. Sign the last page; the "
        "sign-off is then recorded into the content with `python -m pathways sign-off`."
    )
    w.para(f"Scope: {c.header.scope.strip()}")
    w.para(f"Compiler's note: {c.header.review_note.strip()}")
    if inputs.diff is not None:
        _diff_section(w, inputs.diff, inputs.against)
    sections = (
        ("Regimens", regimen_items(c)),
        ("Transitions (which regimen may follow which, and how it is tiered)", transition_items(c)),
        ("Rules", rule_items(c)),
        ("Pitfalls", pitfall_items(c)),
        ("Guideline positions", guideline_items(c)),
        ("Safety notes", safety_items(c)),
        ("Trial records and their figures", trial_items(c)),
        ("Texts of the engine's built-in rules", message_items(c)),
    )
    for title, items in sections:
        w.page()
        counts = {s: sum(1 for i in items if i[0] == s) for s in STATUS_ORDER}
        w.heading(f"{title} ({len(items)})")
        w.para(
            f"{counts['unconfirmed']} unconfirmed, {counts['secondary']} secondary, "
            f"{counts['confirmed']} confirmed.",
            "I",
        )
        for status, heading, lines in _sorted(items):
            w.item(heading, lines, status)
    _scenario_section(w, c, run_library(Engine(c), inputs.scenarios))
    _signoff_page(w, inputs)
    return w.bytes()


def _diff_section(w: _Writer, diff: ContentDiff, against: str) -> None:
    w.page()
    w.heading(f"Changes since the last signed version ({diff.old_version} -> {diff.new_version})")
    if against:
        w.para(f"Compared with: {against}", "I")
    w.para(f"Records ({len(diff.records)} changes):", "B")
    for line in diff.record_lines() or ["none"]:
        w.para(line, "", 8.5)
    w.pdf.ln(2)
    w.para(
        f"Scenario answers that change ({len(diff.answers)} over {diff.scenarios_run} scenarios):",
        "B",
    )
    for line in diff.answer_lines() or ["none"]:
        w.para(line, "", 8.5)
    w.pdf.ln(2)
    w.para(INITIAL, "I", 8)


def _scenario_section(w: _Writer, content: Content, results: Sequence[ScenarioResult]) -> None:
    w.page()
    passed = sum(r.passed for r in results)
    w.heading(f"Scenario table ({len(results)} scenarios, {passed} answer as expected)")
    for r in results:
        s = r.scenario
        verdict = "as expected" if r.passed else "DIFFERS FROM EXPECTED"
        lines = [
            f"Guideline / reference: {s.reference}",
            f"Case: {_case_words(s)}",
            f"Expected: {'; '.join(describe_expect(s.expect, content))}",
        ]
        if r.recommendation is None:
            lines.append(f"Engine: cannot run ({r.error})")
        else:
            lines.append(f"Engine: {'; '.join(describe_answer(r.recommendation)) or 'no options'}")
            for c in r.failures:
                lines.append(f"Differs: expected {c.expected}, engine gives {c.actual}")
        w.item(f"Scenario {s.id}: {s.title} - {verdict}", lines)


def _case_words(s: Scenario) -> str:
    case = s.case
    factors = to_data(case.factors, exclude_defaults=True)
    history = [f"{h.regimen} ({h.setting.value}, {h.outcome.value})" for h in case.history]
    parts = [f"history: {' -> '.join(history) or 'none'}"]
    if factors:
        parts.append(f"factors: {json.dumps(factors)[1:-1]}")
    if case.metastatic_diagnosis:
        parts.append(f"metastatic diagnosis {case.metastatic_diagnosis}")
    if s.step is not None:
        parts.append(f"answer before line {s.step + 1}")
    return "; ".join(parts)


def _signoff_page(w: _Writer, inputs: PacketInputs) -> None:
    w.page()
    w.heading("Sign-off")
    w.para(
        "I have reviewed the content identified by the digest below, item by item, and the "
        "scenario table. Items marked 'change needed' are listed on the pages above."
    )
    w.para(f"Content {inputs.content.version}, review digest: {inputs.digest}", "B")
    for _ in range(3):
        w.pdf.ln(6)
        w.para("Name: ______________________   Role: ____________________   Date: ___________")
        w.pdf.ln(3)
        w.para("Signature: ______________________________")


def write_packet(path: Path, inputs: PacketInputs) -> None:
    """Build the packet and write it whole or not at all."""
    write_bytes(path, build_packet(inputs))
