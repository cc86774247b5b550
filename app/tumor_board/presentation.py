"""Full-screen presentation of a meeting's agenda, readable from the back of the room.

Only what the board needs: who (label and age, identifiers on request), the history timeline,
the graph with the current position, the next options with their key figures, the warnings and
the decision if one is recorded. Large type sized from the screen, black on white, tiers by
symbol, word and colour. Keys: Page Down / Page Up = next / previous case; Left / Right (and
Home / End) = step through the case's history; R = record (or correct) the board's decision;
I = show or hide identifiers (a coloured band says they are shown; they are hidden again when the
case changes and when the presentation ends); Esc = leave.

What another workstation changes (the agenda, a decision, a case) is shown as it happens
(:meth:`PresentationWindow.replace_cases`, keeping the case on screen); when a shared library's
server is lost, an amber band says so and recording is off until it is back.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from html import escape

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QCloseEvent, QFont, QImage, QKeyEvent, QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app import content_update, text, theme
from app.document import CaseDocument
from app.tumor_board import summary
from app.tumor_board.library_panel import banner
from app.widgets.graph_view import PathwayGraphView
from app.widgets.story import StoryScene, story_of
from pathways.case import Case
from pathways.content import Content
from pathways.engine import Engine
from pathways.frozen import FrozenValue, frozen_value
from pathways.library import Decision, Meeting
from pathways.vocab import WARNING_WEIGHT

log = logging.getLogger(__name__)

MAX_OPTIONS = 3  # options listed in full; "avoid" options are summed up in one line
MAX_WARNINGS = 4
LINES_PER_SCREEN = 40  # the base type size: the window height divided by this


@frozen_value
class PresentedCase(FrozenValue):
    case: Case
    case_id: int | None = None  # library case id, if it comes from the library
    decisions: tuple[Decision, ...] = ()  # every version at this meeting, oldest first
    since: tuple[str, ...] = ()  # the "since this decision" note on the current decision


def _secondary(palette: QPalette) -> str:
    """Secondary text that still reads on a washed-out projector (darker than 'dimmed')."""
    return theme.mix(
        palette.color(QPalette.ColorRole.Text), palette.color(QPalette.ColorRole.Base), 0.78
    ).name()


class PresentationWindow(QWidget):
    """A top-level window; :meth:`start` shows it full screen on the first (or given) case.

    Signals:
        privacy_changed(bool): identifiers were shown (True) or hidden (False).
        case_changed(int): the agenda position moved (0-based).
        record_requested(int): record or correct the decision on agenda item ``index``.
        closed: the presentation ended.
    """

    privacy_changed = Signal(bool)
    case_changed = Signal(int)
    record_requested = Signal(int)
    closed = Signal()

    def __init__(
        self,
        content: Content,
        engine: Engine,
        cases: Sequence[PresentedCase],
        meeting: Meeting | None = None,
        show_identifiers: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("presentation")
        self.setWindowTitle(self.tr("Tumor board presentation"))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.content = content
        self.engine = engine
        self.cases = list(cases)
        self.meeting = meeting
        self._show_identifiers = show_identifiers
        self._index = 0
        self.document = CaseDocument(content, engine, self)
        self.setPalette(theme.light_palette())
        self.setAutoFillBackground(True)

        # the patient's story (path, position, next options), as in the window, readable at a
        # distance; the whole pathway stays in the window
        self.scene = StoryScene(content, engine, self)
        # Pinned (family and size set explicitly, so nothing inherited replaces them): the
        # layout was computed with this font; the view's zoom is what makes the graph large.
        pinned = QFont(self.scene.font())
        pinned.setFamily(pinned.family())
        pinned.setPointSizeF(pinned.pointSizeF())
        self.scene.setFont(pinned)
        self.scene.setPalette(theme.light_palette())
        self.graph = PathwayGraphView(self)
        self.graph.setObjectName("presentation_graph")
        self.graph.set_pathway_scene(self.scene)
        self.graph.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.graph.setInteractive(False)
        self.graph.setDragMode(QGraphicsView.DragMode.NoDrag)
        self.graph.setFrameShape(QFrame.Shape.NoFrame)
        self.graph.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.graph.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        self.meeting_label = self._label("presentation_meeting")
        self.position_label = self._label("presentation_position")
        self.heading = self._label("presentation_heading")
        self.factors = self._label("presentation_factors")
        self.history = self._label("presentation_history")
        self.situation = self._label("presentation_situation")
        self.options = self._label("presentation_options")
        self.warnings = self._label("presentation_warnings")
        self.decision = self._label("presentation_decision")
        self.footer = self._label("presentation_footer")
        self.privacy = QPushButton(self)
        self.privacy.setObjectName("presentation_privacy")
        self.privacy.setCheckable(True)
        self.privacy.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.privacy.setChecked(show_identifiers)
        self.privacy.toggled.connect(self.set_show_identifiers)
        self._may_record = True  # this login may record decisions (set_may_record)
        self._server_lost = False
        self.record = QPushButton(self)
        self.record.setObjectName("presentation_record")
        self.record.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.record.clicked.connect(self.request_record)
        self.band = QLabel(self)
        self.band.setObjectName("presentation_privacy_band")
        self.band.setTextFormat(Qt.TextFormat.PlainText)
        self.band.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.band.setStyleSheet(
            "QLabel#presentation_privacy_band { background: #B00020; color: #FFFFFF;"
            " font-weight: bold; padding: 4px; }"
        )
        self.band.setText(self.tr("PATIENT IDENTIFIERS SHOWN ON SCREEN — press I to hide them"))
        self.band.setVisible(show_identifiers)
        self.server_band = banner(self, "presentation_server_band")
        self.server_band.setAlignment(Qt.AlignmentFlag.AlignCenter)

        top = QHBoxLayout()
        top.addWidget(self.meeting_label, 1)
        self.position_label.setWordWrap(False)
        self.position_label.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        top.addWidget(self.position_label)
        top.addSpacing(self.fontMetrics().horizontalAdvance("MMMM"))
        top.addWidget(self.record)
        top.addWidget(self.privacy)
        left = QVBoxLayout()
        left.addWidget(self._title(self.tr("History")))
        left.addWidget(self.history)
        left.addSpacing(self.fontMetrics().lineSpacing())
        left.addWidget(self._title(self.tr("Patient factors")))
        left.addWidget(self.factors)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(self._title(self.tr("Next options")))
        right.addWidget(self.situation)
        right.addWidget(self.options)
        right.addStretch(1)
        columns = QHBoxLayout()
        columns.addLayout(left, 27)
        columns.addWidget(self.graph, 40)
        columns.addLayout(right, 33)
        layout = QVBoxLayout(self)
        layout.addWidget(self.band)
        layout.addWidget(self.server_band)
        layout.addLayout(top)
        layout.addWidget(self.heading)
        layout.addLayout(columns, 1)
        layout.addWidget(self.warnings)
        layout.addWidget(self.decision)
        layout.addWidget(self.footer)
        self.document.step_changed.connect(self._refresh)
        self._apply_sizes()
        if self.cases:
            self.show_case(0)

    # ------------------------------------------------------------------ construction
    def _label(self, name: str) -> QLabel:
        label = QLabel(self)
        label.setObjectName(name)
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        label.setMinimumSize(1, 1)  # clip on a tiny screen rather than grow past it
        return label

    def _title(self, caption: str) -> QLabel:
        label = self._label("presentation_title")
        label.setProperty("role", "title")
        label.setText(f"<b>{escape(caption)}</b>")
        return label

    def _apply_sizes(self) -> None:
        """Type sized from the window: readable at the back of a room on any projector."""
        dpi = max(self.logicalDpiY(), 1)
        pt = max(9.0, self.height() / LINES_PER_SCREEN * 72.0 / dpi)
        base = QFont(QApplication.font())
        base.setPointSizeF(pt)
        self.setFont(base)
        sized = {self.heading: (1.7, True), self.position_label: (1.0, True)}
        sized[self.footer] = (0.75, False)
        for label in self.findChildren(QLabel):
            factor, bold = sized.get(label, (1.0, False))
            font = QFont(base)
            font.setPointSizeF(pt * factor)
            font.setBold(bold)
            label.setFont(font)
        for title in self.findChildren(QLabel, "presentation_title"):
            font = QFont(base)
            font.setPointSizeF(pt * 1.15)
            title.setFont(font)

    # ------------------------------------------------------------------ state
    @property
    def index(self) -> int:
        return self._index

    @property
    def show_identifiers(self) -> bool:
        return self._show_identifiers

    @property
    def current(self) -> PresentedCase | None:
        return self.cases[self._index] if self.cases else None

    def start(self, index: int = 0, full_screen: bool = True) -> None:
        self.show_case(index)
        if full_screen:
            self.showFullScreen()
        else:
            self.show()
        self.activateWindow()
        self.setFocus()

    def show_case(self, index: int) -> None:
        if not self.cases:
            return
        index = max(0, min(index, len(self.cases) - 1))
        if index != self._index:
            self.set_show_identifiers(False)  # shown for one patient, never carried to the next
        self._index = index
        entry = self.cases[index]
        self.document.load(entry.case, None)  # starts at "now": the decision to make
        log.info("presenting agenda item %d of %d", index + 1, len(self.cases))
        self._refresh()
        self.case_changed.emit(index)

    def update_case(self, index: int, entry: PresentedCase) -> None:
        """Replace agenda item ``index`` (e.g. a decision was just recorded) and show it."""
        if not 0 <= index < len(self.cases):
            return
        self.cases[index] = entry
        if index == self._index:
            self._refresh()

    def replace_cases(self, cases: Sequence[PresentedCase], meeting: Meeting | None) -> None:
        """The agenda as it is now (changed elsewhere): the case on screen stays on screen, at
        its new place and step, unless it was edited (reloaded) or taken off (the case now at
        its place is shown, identifiers hidden)."""
        current, previous_index = self.current, self._index
        self.cases = list(cases)
        if meeting is not None:
            self.meeting = meeting
        if not self.cases:
            self._index = 0
            self.set_show_identifiers(False)
            self._refresh()
            return
        ids = [c.case_id for c in self.cases]
        if current is None or current.case_id not in ids:
            self._index = min(previous_index, len(self.cases) - 1)
            self.set_show_identifiers(False)
            self.show_case(self._index)
            return
        self._index = ids.index(current.case_id)  # same patient: identifiers as they were
        if self.cases[self._index].case != current.case:
            self.document.load(self.cases[self._index].case, None)
        self._refresh()

    def set_server_lost(self, lost: bool) -> None:
        """The shared library's server is gone (band on, no recording) or back."""
        self.server_band.setVisible(lost)
        self._server_lost = lost
        self.record.setEnabled(self._may_record and not lost)

    def set_may_record(self, may: bool, why: str = "") -> None:
        """Whether this login may record decisions (the database's grants); ``why`` if not."""
        self._may_record = may
        self.record.setToolTip(why)
        self.record.setEnabled(may and not self._server_lost)

    @property
    def may_record(self) -> tuple[bool, str]:
        """Whether this login may record decisions, and why not."""
        return self._may_record, self.record.toolTip()

    def request_record(self) -> None:
        # Also when the button is disabled (R): the controller then says why it cannot be.
        if self.current is not None and self.current.case_id is not None:
            self.record_requested.emit(self._index)

    def next_case(self) -> None:
        self.show_case(self._index + 1)

    def previous_case(self) -> None:
        self.show_case(self._index - 1)

    def set_show_identifiers(self, show: bool) -> None:
        if show == self._show_identifiers:
            return
        self._show_identifiers = show
        self.privacy.setChecked(show)
        self.band.setVisible(show)
        self._refresh()
        self.privacy_changed.emit(show)

    def toggle_identifiers(self) -> None:
        self.set_show_identifiers(not self._show_identifiers)

    def render_image(self, size: QSize) -> QImage:
        """The presentation rendered offscreen at ``size`` (for screenshots and tests)."""
        self.resize(size)
        if not self.isVisible():
            self.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
            self.show()
        QApplication.processEvents()
        self.fit_graph()
        QApplication.processEvents()
        return self.grab().toImage()

    # ------------------------------------------------------------------ events
    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        d = self.document
        actions = {
            Qt.Key.Key_PageDown: self.next_case,
            Qt.Key.Key_PageUp: self.previous_case,
            Qt.Key.Key_Right: d.step_next,
            Qt.Key.Key_Left: d.step_previous,
            Qt.Key.Key_Home: d.step_first,
            Qt.Key.Key_End: d.step_last,
            Qt.Key.Key_Escape: self.close,
            Qt.Key.Key_I: self.toggle_identifiers,
            Qt.Key.Key_R: self.request_record,
        }
        action = actions.get(Qt.Key(key))
        if action is None:
            super().keyPressEvent(event)
            return
        action()
        event.accept()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._apply_sizes()
        self._refresh()

    def closeEvent(self, event: QCloseEvent) -> None:
        log.info("presentation closed")
        self.set_show_identifiers(False)  # leaving the presentation hides them again
        self.closed.emit()
        super().closeEvent(event)

    # ------------------------------------------------------------------ content
    def _refresh(self, *_args: object) -> None:
        entry = self.current
        if entry is None:
            self.heading.setText(escape(self.tr("The agenda is empty.")))
            return
        d = self.document
        rec = d.recommendation
        palette = self.palette()
        self.meeting_label.setText(
            escape(f"{self.meeting.title} · {self.meeting.date.isoformat()}")
            if self.meeting is not None
            else escape(self.tr("Current case"))
        )
        self.position_label.setText(
            escape(self.tr("Case {n} of {total}").format(n=self._index + 1, total=len(self.cases)))
        )
        who = summary.identity(d.case, self._show_identifiers)
        details = " · ".join(f"{escape(k)} {escape(v)}" for k, v in who.details)
        self.heading.setText(
            escape(who.label)
            + (f"<span style='font-weight:normal;'> · {details}</span>" if details else "")
        )
        self.privacy.setText(
            self.tr("Identifiers shown — hide (I)")
            if self._show_identifiers
            else self.tr("Identifiers hidden — show (I)")
        )
        self.privacy.setAccessibleName(self.tr("Show patient identifiers"))
        recordable = entry.case_id is not None and self.meeting is not None
        self.record.setVisible(recordable)
        self.record.setText(
            self.tr("Correct decision (R)") if entry.decisions else self.tr("Record decision (R)")
        )
        self.record.setAccessibleName(self.record.text())
        self.history.setText(self._history_html(palette))
        self.factors.setText(self._factors_html())
        self.situation.setText(escape(text.situation(rec, self.content)))
        self.options.setText(self._options_html(palette))
        self._set_warnings(palette)
        self._set_decision(entry)
        self.footer.setText(
            escape(
                self.tr(
                    "PgDn / PgUp: next / previous case · ← →: step through the history · "
                    "R: record decision · I: identifiers · Esc: leave — "
                    "Content {version}, reviewed {reviewed}. "
                    "Supports, does not replace, clinical judgement."
                ).format(version=self.content.version, reviewed=self.content.reviewed)
                + content_update.stale_note()  # an old review is flagged on screen too
            )
        )
        self.scene.set_story(story_of(d))
        self.fit_graph()

    def fit_graph(self) -> None:
        """Fill the graph's area (the window's own fit stops zooming at 125 %)."""
        self.graph.resetTransform()
        self.graph.fitInView(self.scene.focus_rect(), Qt.AspectRatioMode.KeepAspectRatio)

    def _history_html(self, palette: QPalette) -> str:
        d = self.document
        history = d.effective_case.history
        rows = []
        highlight = theme.path_color(palette).name()
        dim = _secondary(palette)
        for k, step in enumerate(d.steps):
            current = k == d.step
            if k < len(history):
                line = history[k]
                mark = f"{k + 1}."
                name = escape(summary.line_title(self.content, line))
                sub = escape(f"{text.short_dates(line)} · {text.outcome_text(line)}")
                tier = step.given_tier
                if tier:
                    sub += " " + self._badge(tier, small=True)
            else:
                mark, name, sub = "▶", escape(self.tr("Now: the next decision")), ""
            if current:
                style = f"background-color:{highlight}; color:#FFFFFF;"
                mark = "▶"
            else:
                style = f"color:{dim};" if k > d.step else ""
            rows.append(
                f"<p style='margin:0 0 6px 0; {style}'><b>{mark} {name}</b>"
                + (f"<br>{sub}" if sub else "")
                + "</p>"
            )
        return "".join(rows)

    def _factors_html(self) -> str:
        """The factors from the vocabulary (pathways/vocab.py): those always shown, and any
        whose value changes the pathway, flagged — a new factor needs no code here."""
        items = [
            f"<b>⚠ {escape(phrase)}</b>" if notable else escape(phrase)
            for phrase, notable in text.header_factors(self.document.case.factors)
        ]
        return "<br>".join(items)

    def _badge(self, tier: str, small: bool = False) -> str:
        """Symbol, word and colour: the tier never depends on colour alone."""
        color = theme.tier_color(tier, self.palette())
        size = " font-size:small;" if small else ""
        return (
            f"<span style='background-color:{color.name()};"
            f" color:{theme.text_on(color).name()};{size}'>"
            f"&nbsp;<b>{escape(text.tier_badge(tier).upper())}</b>&nbsp;</span>"
        )

    def _options_html(self, palette: QPalette) -> str:
        rec = self.document.recommendation
        dim = _secondary(palette)
        shown = [o for o in rec.options if o.tier != "avoid"][:MAX_OPTIONS]
        rest = [o for o in rec.options if o not in shown]
        if not rec.options:
            return escape(self.tr("No pathway options at this step."))
        parts = []
        for option in shown:
            figures = summary.key_figures(self.content, option, limit=1)
            fig = (
                f"<br><span style='color:{dim}; font-size:small;'>{escape(figures[0])}</span>"
                if figures
                else ""
            )
            # The engine's order: options the guidelines do not rank share a number ("1=").
            place = f"{option.order}{'=' if option.tied else '.'}"
            tie = (
                f" <span style='color:{dim}; font-size:small;'>"
                f"{escape(text.tie_note(option))}</span>"
                if option.tied
                else ""
            )
            parts.append(
                f"<p style='margin:0 0 8px 0;'><b>{escape(place)}</b> {self._badge(option.tier)}"
                f"{tie}<br><b>{escape(option.name)}</b>{fig}</p>"
            )
        avoid = [o for o in rest if o.tier == "avoid"]
        more = [o for o in rest if o.tier != "avoid"]
        tail = []
        if more:
            tail.append(escape(self.tr("+ {n} more on the pathway").format(n=len(more))))
        if avoid:
            names = ", ".join(self._short(o.regimen, o.name) for o in avoid)
            tail.append(f"{self._badge('avoid', small=True)} {escape(names)}")
        if tail:
            parts.append(f"<p style='font-size:small;'>{'<br>'.join(tail)}</p>")
        return "".join(parts)

    def _short(self, regimen: str, name: str) -> str:
        known = self.content.regimens.get(regimen)
        return known.short if known is not None else name

    def _set_warnings(self, palette: QPalette) -> None:
        notices = self.document.recommendation.warnings
        background, border, fg = theme.warning_colors(theme.light_palette())
        if not notices:
            self.warnings.setVisible(False)
            return
        self.warnings.setVisible(True)
        self.warnings.setStyleSheet(
            f"QLabel#presentation_warnings {{ background: {background.name()};"
            f" border: 3px solid {border.name()}; color: {fg.name()}; padding: 6px; }}"
        )
        # This patient's safety first, always; evidence notes (gaps, availability, unconfirmed
        # statuses) after them, as in the window's banner.
        patient = [n for n in notices if WARNING_WEIGHT.get(n.kind) == "patient"]
        notes = [n for n in notices if WARNING_WEIGHT.get(n.kind) != "patient"]
        ordered = patient + notes
        items = []
        for n in ordered[:MAX_WARNINGS]:
            label = text.warning_kind_label(n.kind)
            headline = n.title or n.text
            mark = "⚠" if n in patient else "ⓘ"
            items.append(
                f"<b>{mark} {escape(label)}</b>"
                + ("" if headline == label else f" — {escape(headline)}")
            )
        if len(ordered) > MAX_WARNINGS:
            items.append(escape(self.tr("… and {n} more").format(n=len(ordered) - MAX_WARNINGS)))
        self.warnings.setText("<br>".join(items))

    def _set_decision(self, entry: PresentedCase) -> None:
        if not entry.decisions:
            self.decision.setVisible(False)
            return
        current = entry.decisions[-1]
        self.decision.setVisible(True)
        self.decision.setStyleSheet(
            "QLabel#presentation_decision { border: 3px solid #000000; padding: 6px; }"
        )
        version = (
            self.tr(" (corrected, version {n})").format(n=current.version)
            if current.version > 1
            else ""
        )
        since = ""
        if entry.since:
            since = (
                f"<br><span style='font-size:small;'><b>{escape(self.tr('Since this decision:'))}"
                f"</b> {escape(' · '.join(entry.since))}</span>"
            )
        self.decision.setText(
            f"<b>{escape(self.tr('Board decision'))}{escape(version)}:</b> "
            + escape(summary.decision_summary(self.content, current))
            + since
        )
