"""The top of the window: the case header (which patient, which decision) and the warnings
banner (this patient's warnings open, general evidence notes collapsed).

Both keep their height while the user steps through a case: the header is one line, and the
banner reserves as many rows as the step with the most patient warnings needs (a banner that
grew and shrank at every step moved every panel below it, and that relayout was half the cost
of a step's repaint). Their style sheets are set once, not per step.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from html import escape
from typing import Any

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QFont, QFontMetricsF, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app import text, theme
from pathways.case import Case, TreatmentLine
from pathways.content import Content
from pathways.engine import Notice, Recommendation


class ElidedLabel(QLabel):
    """A one-line plain-text label that elides at its right edge instead of growing; the full
    text stays available as the tooltip and the accessible description."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setWordWrap(False)

    def full_text(self) -> str:
        return self._full

    def set_full_text(self, value: str) -> None:
        if value == self._full:
            return
        self._full = value
        self.setToolTip(text.plain_tooltip(value))  # text from files: never markup
        self.setAccessibleDescription(value)
        self.elide()

    def is_elided(self) -> bool:
        return self.text() != self._full

    def elide(self) -> None:
        if self.wordWrap():  # "Full text": the whole text, wrapped
            if self.text() != self._full:
                self.setText(self._full)
            return
        width = max(0, self.contentsRect().width())
        fm = self.fontMetrics()
        self.setText(fm.elidedText(self._full, Qt.TextElideMode.ElideRight, width))

    def sizeHint(self) -> QSize:
        if self.wordWrap():
            return super().sizeHint()
        fm = self.fontMetrics()
        return QSize(fm.horizontalAdvance(self._full), fm.height())

    def minimumSizeHint(self) -> QSize:
        if self.wordWrap():
            return super().minimumSizeHint()
        return QSize(self.fontMetrics().horizontalAdvance("M…"), self.fontMetrics().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.elide()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self.elide()


def _scaled(font: QFont, factor: float, bold: bool = True) -> QFont:
    out = QFont(font)
    out.setBold(bold)
    out.setPointSizeF(font.pointSizeF() * factor)
    return out


# ---------------------------------------------------------------------------- header
class CaseHeader(QFrame):
    """One line: the case label and age, the factors that matter (from the vocabulary's
    ``header``/``notable`` marks), and the decision at this step ("Deciding line 3 after
    progression on T-DXd")."""

    SCALE = 1.25

    def __init__(self, content: Content, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("case_header")
        self.content = content
        self.case_label = QLabel(self)
        self.case_label.setObjectName("header_case")
        self.case_label.setTextFormat(Qt.TextFormat.PlainText)
        self.factors = QLabel(self)
        self.factors.setObjectName("header_factors")
        self.factors.setTextFormat(Qt.TextFormat.RichText)
        self.factors.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.decision = QLabel(self)
        self.decision.setObjectName("header_decision")
        self.decision.setTextFormat(Qt.TextFormat.PlainText)
        self.setAccessibleName(self.tr("Case"))
        self.grid = QGridLayout(self)
        m = self.fontMetrics().horizontalAdvance("M") // 2
        self.grid.setContentsMargins(m, 0, m, 0)
        self.grid.setHorizontalSpacing(m * 2)
        self.grid.setVerticalSpacing(0)
        self._two_rows: bool | None = None
        self._items: list[tuple[str, bool]] = []
        self._apply_fonts()

    def _apply_fonts(self) -> None:
        big = _scaled(self.font(), self.SCALE)
        self.case_label.setFont(big)
        self.decision.setFont(big)
        self._fit_factors()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._apply_fonts()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._arrange()
        self._fit_factors()

    def _arrange(self) -> None:
        """One row on a wide window; on a narrow one the decision gets a row of its own. The
        choice depends on the width only, so stepping never changes the header's height."""
        two = self.width() < self.fontMetrics().horizontalAdvance("M") * 120
        if two == self._two_rows:
            return
        self._two_rows = two
        for w in (self.case_label, self.factors, self.decision):
            self.grid.removeWidget(w)
        self.grid.addWidget(self.case_label, 0, 0)
        self.grid.addWidget(self.factors, 0, 1)
        if two:
            self.grid.addWidget(self.decision, 1, 0, 1, 2)
        else:
            self.grid.addWidget(self.decision, 0, 2)
        self.grid.setColumnStretch(1, 1)

    def set_case(self, case: Case) -> None:
        label = case.label
        age = case.patient.age if case.patient is not None else None
        if age is not None:
            label = self.tr("{label} · {age} y").format(label=label, age=age)
        self.case_label.setText(label)
        self._items = text.header_factors(case.factors)
        self._arrange()
        self._fit_factors()

    def set_step(self, rec: Recommendation, before: Sequence[TreatmentLine]) -> None:
        self.decision.setText(text.decision(rec, before, self.content))
        # The factors as they stand at this step: a toxicity recorded on an earlier line counts
        # (T-DXd stopped for grade 2 ILD -> prior ILD from then on, not before).
        changed: dict[str, Any] = dict(rec.facts.effective)  # factor name -> its new value
        effective = dataclasses.replace(rec.facts.factors, **changed)
        self._items = text.header_factors(effective)
        self._fit_factors()
        self.setAccessibleDescription(self.header_text())

    def header_text(self) -> str:
        """The header in plain words (also what a screen reader announces)."""
        items = " · ".join(t for t, _ in self._items)
        return f"{self.case_label.text()} · {items} · {self.decision.text()}"

    def _fit_factors(self) -> None:
        """Show as many whole factors as fit; notable ones in bold with a mark (not colour
        alone). The full list is the tooltip."""
        width = self.factors.width()
        fm = QFontMetricsF(self.factors.font())
        bold_fm = QFontMetricsF(_scaled(self.factors.font(), 1.0))
        sep = fm.horizontalAdvance(" · ")
        used = 0.0
        parts: list[str] = []
        for i, (item, notable) in enumerate(self._items):
            shown = f"● {item}" if notable else item
            w = (bold_fm if notable else fm).horizontalAdvance(shown) + (sep if i else 0.0)
            rest = len(self._items) - i - 1
            if used + w + (fm.horizontalAdvance(" …") if rest else 0.0) > width:
                parts.append("…")
                break
            used += w
            parts.append(f"<b>{escape(shown)}</b>" if notable else escape(shown))
        self.factors.setText(" · ".join(parts))
        self.factors.setToolTip("\n".join(t for t, _ in self._items))


# ---------------------------------------------------------------------------- warnings
class WarningsBanner(QFrame):
    """This patient's warnings, one row each with its action in words, always open; general
    evidence notes (gaps, availability, unconfirmed statuses) behind "Evidence notes (n)".

    Rows are elided to one line each so the banner's height depends only on how many rows it
    reserves (``reserve``), not on the text; "Full text" wraps them.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("warnings_banner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName(self.tr("Warnings at this step"))
        self._notices: tuple[Notice, ...] = ()
        self._rows: list[tuple[QLabel, ElidedLabel]] = []
        self._reserved = 1
        self._used = 1
        self.grid = QGridLayout()
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setVerticalSpacing(0)
        self._columns = 1
        self.grid.setColumnStretch(1, 1)
        self.full_button = QToolButton(self)
        self.full_button.setObjectName("warnings_full_text")
        self.full_button.setText(self.tr("Full text"))
        self.full_button.setCheckable(True)
        self.full_button.setAutoRaise(True)
        self.full_button.toggled.connect(self._on_full_button_toggled)
        self.notes_button = QToolButton(self)
        self.notes_button.setObjectName("warnings_notes_button")
        self.notes_button.setCheckable(True)
        self.notes_button.setAutoRaise(True)
        self.notes_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.notes_button.setArrowType(Qt.ArrowType.RightArrow)
        self.notes_button.toggled.connect(self._on_notes_button_toggled)
        self.notes = QLabel(self)
        self.notes.setObjectName("warnings_notes")
        self.notes.setWordWrap(True)
        self.notes.setTextFormat(Qt.TextFormat.RichText)
        self.notes.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notes.setAccessibleName(self.tr("Evidence notes at this step"))
        self.notes.setVisible(False)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addLayout(self.grid, 1)
        top.addWidget(self.full_button, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.notes_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        m = self.fontMetrics().horizontalAdvance("M") // 2
        layout.setContentsMargins(m * 2, m // 2, m, m // 2)
        layout.setSpacing(m // 2)
        layout.addLayout(top)
        layout.addWidget(self.notes)
        # Preferred, not Maximum: "Full text" may make it taller than its one-line rows
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self._apply_style()
        self.set_warnings((), "")

    # ------------------------------------------------------------------ style (set once)
    def _apply_style(self) -> None:
        palette = self.palette()
        background, border, fg = theme.warning_colors(palette)
        whatif = theme.banner_whatif(palette)
        self.setStyleSheet(
            f"QFrame#warnings_banner {{ background: {background.name()}; "
            f"border: 2px solid {border.name()}; border-radius: 4px; }}"
            f"QFrame#warnings_banner QLabel {{ color: {fg.name()}; background: transparent; }}"
            f'QFrame#warnings_banner QLabel[whatif="true"] {{ color: {whatif.name()}; }}'
            f"QFrame#warnings_banner QToolButton {{ color: {fg.name()}; }}"
        )

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit_rows()

    # ------------------------------------------------------------------ content
    @property
    def notices(self) -> tuple[Notice, ...]:
        return self._notices

    def patient_notices(self) -> list[Notice]:
        return [n for n in self._notices if not text.warning_is_note(n.kind)]

    def note_notices(self) -> list[Notice]:
        return [n for n in self._notices if text.warning_is_note(n.kind)]

    @staticmethod
    def rows_needed(notices: Sequence[Notice], whatif_note: str = "") -> int:
        """Rows a step's warnings take (at least one: "no warnings" is a row too)."""
        patient = sum(1 for n in notices if not text.warning_is_note(n.kind))
        return max(1, patient + (1 if whatif_note else 0))

    def reserve(self, rows: int) -> None:
        """Keep room for ``rows`` rows, whatever the step shows (call once per case)."""
        self._reserved = max(1, rows)
        self._ensure_rows(self._reserved)
        for i, (prefix, body) in enumerate(self._rows):
            visible = i < max(self._reserved, self._used)
            prefix.setVisible(visible and bool(prefix.text()))  # see set_warnings
            body.setVisible(visible)

    @property
    def reserved(self) -> int:
        return self._reserved

    def _ensure_rows(self, n: int) -> None:
        while len(self._rows) < n:
            i = len(self._rows)
            prefix = QLabel(self)
            prefix.setObjectName(f"warning_kind_{i}")
            prefix.setTextFormat(Qt.TextFormat.PlainText)
            body = ElidedLabel(self)
            body.setObjectName(f"warning_text_{i}")
            self._rows.append((prefix, body))
            self._place(i)
        self._fit_rows()

    def _place(self, i: int) -> None:
        """Row slot ``i`` in the grid: down the first column, or two side by side on a wide
        window (four warnings then take two rows)."""
        prefix, body = self._rows[i]
        self.grid.removeWidget(prefix)
        self.grid.removeWidget(body)
        row, col = divmod(i, self._columns)
        # the last of an odd number of warnings has the whole width (its action shows whole)
        alone = self._columns == 2 and i == self._used - 1 and self._used % 2 == 1
        self.grid.addWidget(prefix, row, col * 2, Qt.AlignmentFlag.AlignTop)
        self.grid.addWidget(body, row, col * 2 + 1, 1, 3 if alone else 1)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        columns = 2 if self.width() >= self.fontMetrics().horizontalAdvance("M") * 85 else 1
        if columns != self._columns:
            self._columns = columns
            for c in range(4):
                self.grid.setColumnStretch(c, 1 if c % 2 and c // 2 < columns else 0)
            for i in range(len(self._rows)):
                self._place(i)

    def _fit_rows(self) -> None:
        bold = _scaled(self.font(), 1.0)
        for prefix, body in self._rows:
            prefix.setFont(bold)
            body.setWordWrap(self.full_button.isChecked())
            if self.full_button.isChecked():
                body.setText(body.full_text())
                policy = QSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
                policy.setHeightForWidth(True)  # as tall as the wrapped text needs
                body.setSizePolicy(policy)
                body.setMinimumHeight(0)
                body.setMaximumHeight(16777215)
            else:
                body.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
                body.setFixedHeight(body.fontMetrics().lineSpacing() + 2)
                body.set_full_text(body.full_text())
                body.elide()

    def set_warnings(self, notices: Sequence[Notice], whatif_note: str) -> None:
        self._notices = tuple(notices)
        rows: list[tuple[str, str, bool]] = []  # (prefix, body, what-if?)
        if whatif_note:
            rows.append(("◇ " + self.tr("What-if"), whatif_note, True))
        for n in self.patient_notices():
            kind = text.warning_kind_label(n.kind)
            body = f"{n.title}: {n.text}" if n.title else n.text
            rows.append((f"⚠ {kind}", body, False))
        if not rows:
            rows.append(("", self.tr("No warnings about this patient at this step."), False))
        self._ensure_rows(len(rows))
        if self._used != len(rows):
            self._used = len(rows)
            for i in range(len(self._rows)):
                self._place(i)
        for i, (prefix_label, body_label) in enumerate(self._rows):
            p, b, whatif = rows[i] if i < len(rows) else ("", "", False)
            prefix_label.setText(p)
            body_label.set_full_text(b)
            if self.full_button.isChecked():
                body_label.setText(b)
            label: QLabel
            for label in (prefix_label, body_label):
                if bool(label.property("whatif")) != whatif:
                    label.setProperty("whatif", whatif)
                    label.style().unpolish(label)
                    label.style().polish(label)
            visible = i < max(self._reserved, len(rows))
            # An empty prefix takes no room: shown, its width was whatever size it cached last
            # ("No warnings" came out indented when the window opened on such a case).
            prefix_label.setVisible(visible and bool(p))
            body_label.setVisible(visible)
        notes = self.note_notices()
        self.notes_button.setText(self.tr("Evidence notes ({n})").format(n=len(notes)))
        self.notes_button.setEnabled(bool(notes))
        self.notes_button.setAccessibleName(self.notes_button.text())
        self.notes.setText(
            "<br>".join(
                f"<b>{escape(text.warning_kind_label(n.kind))}"
                f"{' — ' + escape(n.title) if n.title else ''}:</b> {escape(n.text)}"
                for n in notes
            )
        )
        self.notes.setVisible(self.notes_button.isChecked() and bool(notes))
        self.setAccessibleDescription(self.plain_text())

    def plain_text(self) -> str:
        """Everything the banner says, open or collapsed, as plain lines."""
        lines = [
            f"{p.text()} {b.full_text()}".strip()
            for p, b in self._rows[: self._used]
            if b.full_text()
        ]
        lines += [
            f"{text.warning_kind_label(n.kind)}: {n.title}: {n.text}" for n in self.note_notices()
        ]
        return "\n".join(lines)

    def _on_notes_button_toggled(self, checked: bool) -> None:
        self.notes_button.setArrowType(
            Qt.ArrowType.DownArrow if checked else Qt.ArrowType.RightArrow
        )
        self.notes.setVisible(checked and bool(self.note_notices()))

    def _on_full_button_toggled(self, _checked: bool) -> None:
        self._fit_rows()
        # The window's layout caches whether the banner's height depends on its width: lay the
        # banner out, then the window's layout anew (a click, not a step: done at once).
        inner = self.layout()
        if inner is not None:
            inner.activate()
        self.updateGeometry()
        parent = self.parentWidget()
        outer = parent.layout() if parent is not None else None
        if outer is not None:
            outer.invalidate()
            outer.activate()
