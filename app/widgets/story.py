"""The patient's story as a small graph: the path so far, the current position and the next
options as the next column (the graph view's default; the whole pathway is a toggle).

The path runs down the first column, one node per situation or line given (past regimens drawn
neutral with their outcome in words, never as "avoid"); the options sit in the next column in
the order of the options list, each with its number and tier (symbol + word + colour). Nodes are
laid out on a grid, so edges run only between neighbouring columns or rows and never pass under
a node, and every badge has a place of its own inside its node, never over the label.

Brought up to date at every step: the items whose node, words and place are unchanged are
kept (a long history keeps its path), the others made anew; far cheaper than restyling the
whole pathway.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import field
from typing import NamedTuple

from PySide6.QtCore import QEvent, QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QStyleOptionGraphicsItem,
    QWidget,
)

from app import text, theme
from app.document import CaseDocument
from app.widgets.graph_view import GraphState, NodeScene, node_font
from pathways.case import TreatmentLine
from pathways.content import Content
from pathways.engine import Engine, Option, Recommendation
from pathways.frozen import FrozenValue, frozen_value

MAX_OPTIONS = 6  # options drawn; the rest are one "more" node (the list has them all)


# Alignment flags as ints, combined once: nodes are painted at every step.
_CENTER = int(Qt.AlignmentFlag.AlignCenter)
_CENTER_WRAP = int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap)
_LEFT_VCENTER = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
_RIGHT_VCENTER = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


@frozen_value
class PathEntry(FrozenValue):
    """One node on the patient's path: a situation (entry point) or a line given."""

    node: str
    line: TreatmentLine | None = None
    line_number: int | None = None  # the metastatic line it was, if any
    hypothetical: bool = False


@frozen_value
class Story(FrozenValue):
    """What the story graph shows at one step."""

    path: tuple[PathEntry, ...] = ()
    options: tuple[Option, ...] = ()
    line: int | None = None  # the line being decided
    given_next: str | None = None  # what was actually given at this step (stepping back)
    selected: str | None = None
    recommendation: Recommendation | None = field(default=None, compare=False, repr=False)

    @property
    def position(self) -> str | None:
        return self.path[-1].node if self.path else None


def story_of(document: CaseDocument, selected: str | None = None) -> Story:
    """The story at the document's current step (what-if lines included)."""
    steps = document.steps
    history = document.effective_case.history
    k = document.step
    rec = document.recommendation
    return Story(
        path=story_path(
            [s.recommendation.position for s in steps],
            [s.recommendation.line for s in steps],
            history,
            k,
        ),
        options=rec.options,
        line=rec.line,
        given_next=history[k].regimen if k < len(history) else None,
        selected=selected,
        recommendation=rec,
    )


def story_path(
    positions: Sequence[str],
    lines: Sequence[int | None],
    history: Sequence[TreatmentLine],
    step: int,
) -> tuple[PathEntry, ...]:
    """The path up to ``step``: ``positions[k]`` is the engine's position before line ``k``,
    ``lines[k]`` the line decided there (the line that ``history[k]`` then was)."""
    out: list[PathEntry] = []
    for k in range(step + 1):
        position = positions[k]
        if not out or out[-1].node != position:
            out.append(PathEntry(position))
        if k < step and k < len(history):
            line = history[k]
            out.append(PathEntry(line.regimen, line, lines[k], line.hypothetical))
    return tuple(out)


@frozen_value
class _Look(FrozenValue):
    """What a node of one kind looks like in one palette and font: computed once, not in
    every ``paint`` (the nodes are made anew at every step, so it cannot live on them)."""

    unit: float
    margin: float  # the bounding rect's reach beyond the box
    pad: float
    line: float  # the font's line spacing
    fill: QBrush
    border: QPen
    ring: QPen  # around the current node
    fg: QColor
    small: QFont  # tag row, bold
    plain_small: QFont  # bottom row
    name_font: QFont
    badge_font: QFont
    badge: str
    badge_width: float
    badge_color: QColor
    badge_text: QColor


_LOOKS: dict[tuple[object, ...], _Look] = {}


def _look(kind: str, tier: str | None, hypothetical: bool, scene: QGraphicsScene | None) -> _Look:
    palette = scene.palette() if scene is not None else QPalette()
    font = node_font(scene)
    key = (kind, tier, hypothetical, palette.cacheKey(), font.key())
    found = _LOOKS.get(key)
    if found is not None:
        return found
    fm = QFontMetricsF(font)
    base = palette.color(QPalette.ColorRole.Base)
    unit = max(1.0, fm.lineSpacing() * 0.07)
    fill, border, pen_style, width = (
        base,
        palette.color(QPalette.ColorRole.Mid),
        Qt.PenStyle.SolidLine,
        unit,
    )
    if tier is not None:
        fill = theme.tier_fill(tier, palette)
        border = theme.tier_color(tier, palette)
        width = unit * 2.4
        pen_style = {
            "alternative": Qt.PenStyle.DashLine,
            "avoid": Qt.PenStyle.DotLine,
        }.get(tier, Qt.PenStyle.SolidLine)
    elif kind in ("path", "entry"):
        accent = theme.whatif_color(palette) if hypothetical else theme.path_color(palette)
        fill = theme.mix(accent, base, 0.10)
        border = accent
        width = unit * 2.0
        if hypothetical:
            pen_style = Qt.PenStyle.DashLine
    elif kind == "more":
        pen_style = Qt.PenStyle.DotLine
    small = QFont(font)
    small.setBold(True)
    small.setPointSizeF(font.pointSizeF() * 0.9)
    plain_small = QFont(small)
    plain_small.setBold(False)
    name_font = QFont(font)
    name_font.setBold(kind != "more")
    name_font.setItalic(kind in ("entry", "more"))
    badge_font = QFont(small)
    bfm = QFontMetricsF(badge_font)
    badge = text.tier_badge(tier) if tier is not None else ""
    badge_color = theme.tier_color(tier, palette) if tier is not None else QColor()
    if len(_LOOKS) > 256:  # palettes and fonts come and go with the text zoom
        _LOOKS.clear()
    found = _LOOKS[key] = _Look(
        unit=unit,
        margin=fm.lineSpacing() * 0.5,
        pad=fm.horizontalAdvance("M") * 0.45,
        line=fm.lineSpacing(),
        fill=QBrush(fill),
        border=QPen(border, width, pen_style),
        ring=QPen(theme.path_color(palette), unit * 4),
        fg=palette.color(QPalette.ColorRole.Text),
        small=small,
        plain_small=plain_small,
        name_font=name_font,
        badge_font=badge_font,
        badge=badge,
        badge_width=bfm.horizontalAdvance(badge) + bfm.horizontalAdvance("M") if badge else 0.0,
        badge_color=badge_color,
        badge_text=theme.text_on(badge_color) if tier is not None else QColor(),
    )
    return found


class _Geometry(NamedTuple):
    """Where a node's paint() draws (see StoryNode._geometry)."""

    rect: QRectF
    radius: float
    ring: QRectF  # around the current node
    tag: QRectF
    name: QRectF
    bottom: QRectF
    pill: QRectF  # the tier's badge
    elided: str  # the bottom row's words, elided to it


class StoryNode(QGraphicsRectItem):
    """A node of the story: tag row (number, NOW, given next), name, bottom row (tier badge
    for an option, the line and its outcome for a past regimen).

    Its bounding rect is the base class's, in C++: the view asks for it several times per item
    at every step, and a Python ``boundingRect`` cost a call into Python each time. The base
    class's rect is therefore the box with its margin (no pen: nothing is added to it), and
    :meth:`rect` is the box."""

    def __init__(
        self, node: str, label: str, name: str, size: QSizeF, kind: str, margin: float
    ) -> None:
        super().__init__()
        self.node = node
        self.label = label
        self.name = name
        self.size = size
        self.kind = kind  # "entry" | "path" | "option" | "more"
        self.tier: str | None = None
        self.number = ""  # "1." for options, "①"-like order on the path
        self.current = False
        self.given_next = False
        self.hypothetical = False
        self.bottom = ""  # "Line 2 · progression"
        self.tie = ""  # "not ranked by the guidelines"
        self._look: tuple[tuple[object, ...], _Look] | None = None
        self._made: tuple[_Look, str, _Geometry] | None = None
        self._rect = self._box()
        self.setPen(QPen(Qt.PenStyle.NoPen))  # the bounding rect is the rect below, exactly
        self.setRect(self._rect.adjusted(-margin, -margin, margin, margin))
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, kind != "more")
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsFocusable, kind != "more")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setZValue(2)

    def rect(self) -> QRectF:  # the box (the base class's rect is the bounding rect)
        return QRectF(self._rect)  # a copy: callers may change theirs

    def _box(self) -> QRectF:
        return QRectF(-self.size.width() / 2, -self.size.height() / 2, *self.size.toTuple())

    def look(self) -> _Look:
        # asked for by every boundingRect; the scene is rebuilt on a font or palette change
        made = self._look
        if made is not None and made[0] == (self.tier, self.hypothetical):
            return made[1]
        look = _look(self.kind, self.tier, self.hypothetical, self.scene())
        if self.scene() is not None:  # (without a scene: the application's font and palette)
            self._look = ((self.tier, self.hypothetical), look)
        return look

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRect(self.rect())
        return path

    def description(self) -> str:
        """The node in words, for tooltips, the outline and screen readers."""
        parts = [self.name]
        if self.current:
            parts.append(text.tr("now"))
        if self.tier:
            parts.append(f"{self.number} {text.tier_label(self.tier)}".strip())
        if self.tie:
            parts.append(self.tie)
        if self.bottom:
            parts.append(self.bottom)
        if self.given_next:
            parts.append(text.tr("given next"))
        if self.hypothetical:
            parts.append(text.tr("what-if"))
        return " — ".join(parts)

    SMALLEST_LINE = 6.0  # device pixels per line of text below which words are not drawn

    def text_readable(self, level_of_detail: float) -> bool:
        """Whether the words are drawn at this scale (on screen)."""
        return self.look().line * level_of_detail >= self.SMALLEST_LINE

    # geometry shared by paint() and the tests (every label must fit inside its box)
    def rows(self) -> tuple[QRectF, QRectF, QRectF]:
        """(tag row, name area, bottom row) inside the box."""
        look = self.look()
        pad = look.pad
        # a pill-shaped entry point keeps its number and tag clear of the rounded ends
        side = pad + (self.size.height() * 0.22 if self.kind == "entry" else 0.0)
        r = self.rect().adjusted(side, pad * 0.5, -side, -pad * 0.5)
        tag_h = look.line * 1.1
        bottom_h = look.line * 1.15
        tag = QRectF(r.left(), r.top(), r.width(), tag_h)
        bottom = QRectF(r.left(), r.bottom() - bottom_h, r.width(), bottom_h)
        name = QRectF(r.left(), tag.bottom(), r.width(), bottom.top() - tag.bottom())
        return tag, name, bottom

    def _geometry(self, look: _Look) -> _Geometry:
        """Where paint() draws, for the node's look (made once, not at every paint)."""
        made = self._made
        if made is not None and made[0] is look and made[1] == self.bottom:
            return made[2]
        rect = self.rect()
        radius = rect.height() * (0.5 if self.kind == "entry" else 0.12)
        grow = look.unit * 4
        tag, name, bottom = self.rows()
        bw = min(bottom.width(), look.badge_width)
        pill = QRectF(bottom.center().x() - bw / 2, bottom.top(), bw, bottom.height())
        elided = QFontMetricsF(look.plain_small).elidedText(
            self.bottom, Qt.TextElideMode.ElideRight, bottom.width()
        )
        geometry = _Geometry(
            rect, radius, rect.adjusted(-grow, -grow, grow, grow), tag, name, bottom, pill, elided
        )
        self._made = (look, self.bottom, geometry)
        return geometry

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionGraphicsItem,
        widget: QWidget | None = None,
    ) -> None:
        look = self.look()
        at = self._geometry(look)
        rect, radius = at.rect, at.radius
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        if self.current:
            painter.setPen(look.ring)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(at.ring, radius, radius)
        painter.setPen(look.border)
        painter.setBrush(look.fill)
        painter.drawRoundedRect(rect, radius, radius)

        if widget is not None and not self.text_readable(
            option.levelOfDetailFromTransform(painter.worldTransform())
        ):
            # On screen and too small to read (a long history fitted in the view): the box
            # and its tier's colour and line style only; zooming in brings the words back,
            # and an export (no widget) always has them.
            if self.tier is not None:
                pill = at.pill
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(look.badge_color)
                painter.drawRoundedRect(pill, pill.height() / 2, pill.height() / 2)
            self._paint_selection(painter, look, rect, radius)
            return
        fg = look.fg
        painter.setFont(look.small)
        painter.setPen(fg)
        if self.number:
            painter.drawText(at.tag, _LEFT_VCENTER, self.number)
        flag = ""
        if self.current:
            flag = text.tr("● NOW")
        elif self.given_next:
            flag = text.tr("▶ given next")
        elif self.hypothetical:
            flag = text.tr("◇ what-if")
        if flag:
            painter.drawText(at.tag, _RIGHT_VCENTER, flag)
        painter.setFont(look.name_font)
        painter.drawText(at.name, _CENTER_WRAP, self.label)
        if self.tier is not None:
            pill = at.pill
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(look.badge_color)
            painter.drawRoundedRect(pill, pill.height() / 2, pill.height() / 2)
            painter.setPen(look.badge_text)
            painter.setFont(look.badge_font)
            painter.drawText(pill, _CENTER, look.badge)
        elif self.bottom:
            painter.setFont(look.plain_small)
            painter.setPen(fg)
            painter.drawText(at.bottom, _CENTER, at.elided)
        self._paint_selection(painter, look, rect, radius)

    def _paint_selection(self, painter: QPainter, look: _Look, rect: QRectF, radius: float) -> None:
        if self.isSelected():
            grow = look.unit * (8 if self.current else 4)
            painter.setPen(QPen(look.fg, look.unit * 1.5))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect.adjusted(-grow, -grow, grow, grow), radius, radius)


_EdgeStyle = tuple[QPen, QBrush, float]
_EDGE_STYLES: dict[tuple[object, ...], _EdgeStyle] = {}


def edge_style(kind: str, tier: str | None, scene: QGraphicsScene | None) -> _EdgeStyle:
    """(pen, arrowhead brush, arrowhead size) of this kind and tier of edge in the scene's
    palette and font, shared by all such edges."""
    palette = scene.palette() if scene is not None else QPalette()
    font = node_font(scene)
    key = (kind, tier, palette.cacheKey(), font.key())
    found = _EDGE_STYLES.get(key)
    if found is not None:
        return found
    fm = QFontMetricsF(font)
    unit = max(1.0, fm.lineSpacing() * 0.07)
    if kind == "option" and tier is not None:
        color = theme.tier_color(tier, palette)
        style = {
            "alternative": Qt.PenStyle.DashLine,
            "avoid": Qt.PenStyle.DotLine,
        }.get(tier, Qt.PenStyle.SolidLine)
    elif kind == "whatif":
        color, style = theme.whatif_color(palette), Qt.PenStyle.DashLine
    else:
        color, style = theme.path_color(palette), Qt.PenStyle.SolidLine
    pen = QPen(color, unit * 2.4, style)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    if len(_EDGE_STYLES) > 256:  # palettes and fonts come and go with the text zoom
        _EDGE_STYLES.clear()
    found = _EDGE_STYLES[key] = (pen, QBrush(color), unit * 3 + fm.lineSpacing() * 0.25)
    return found


class StoryEdge(QGraphicsPathItem):
    """An arrow between neighbouring nodes (down the path, or across to an option): the line
    is this item, the arrowhead a child item. Both are Qt's own path items, painted and
    measured in C++ (a story repaints every edge at most steps)."""

    def __init__(
        self,
        a: StoryNode,
        b: StoryNode,
        kind: str,
        style: _EdgeStyle,
        tier: str | None = None,
        gap: tuple[float, float] = (0.0, 0.0),
    ) -> None:
        """``gap`` (between columns, between rows) routes a path edge that wraps from the
        bottom of one column to the top of the next through the gaps, around the nodes."""
        super().__init__()
        self.ends = (a, b)
        self.kind = kind  # "path" | "option" | "whatif"
        self.tier = tier
        ra = a.rect().translated(a.pos())
        rb = b.rect().translated(b.pos())
        path = QPainterPath()
        if kind == "option":
            start = QPointF(ra.right(), ra.center().y())
            end = QPointF(rb.left(), rb.center().y())
            dx = (end.x() - start.x()) * 0.5
            path.moveTo(start)
            path.cubicTo(start + QPointF(dx, 0), end - QPointF(dx, 0), end)
        else:
            start = QPointF(ra.center().x(), ra.bottom())
            end = QPointF(rb.center().x(), rb.top())
            path.moveTo(start)
            if end.y() < start.y():  # wraps to the next column: down, across, up, across
                below = start.y() + gap[1] / 2
                above = end.y() - gap[1] / 2
                between = ra.right() + gap[0] / 2
                for x, y in (
                    (start.x(), below),
                    (between, below),
                    (between, above),
                    (end.x(), above),
                ):
                    path.lineTo(x, y)
            path.lineTo(end)
        pen, brush, size = style
        self.setPath(path)
        self.setPen(pen)
        self.end = end
        self.angle = path.angleAtPercent(1.0)
        head = QPainterPath()
        angle = math.radians(-self.angle)
        head.moveTo(end)
        for spread in (0.45, -0.45):
            head.lineTo(
                end.x() - math.cos(angle - spread) * size,
                end.y() - math.sin(angle - spread) * size,
            )
        head.closeSubpath()
        self.head = QGraphicsPathItem(head, self)
        self.head.setPen(QPen(Qt.PenStyle.NoPen))
        self.head.setBrush(brush)
        self.setZValue(1)

    def reach(self) -> QRectF:
        """The room the edge takes in the scene's rect: its path's bounds and a margin as
        wide as an arrowhead or a round cap, whichever way the edge runs."""
        return self.path().boundingRect().adjusted(-12, -12, 12, 12)


class _Caption(QGraphicsRectItem):
    """A column's caption, centred on its position. Measured once, in the scene's font (the
    story is built anew when the font changes): the base class's rect, in C++, is the
    bounding rect the view asks for."""

    def __init__(self, caption: str, width: float, scene: QGraphicsScene) -> None:
        super().__init__()
        self.caption = caption
        self.font = QFont(node_font(scene))
        self.font.setBold(True)
        fm = QFontMetricsF(self.font)
        h = fm.lineSpacing() * 1.3
        w = max(width, fm.horizontalAdvance(caption) + fm.horizontalAdvance("M"))
        self.setPen(QPen(Qt.PenStyle.NoPen))
        self.setRect(QRectF(-w / 2, -h, w, h))

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionGraphicsItem,
        widget: QWidget | None = None,
    ) -> None:
        scene = self.scene()
        palette = scene.palette() if scene is not None else QPalette()
        painter.setFont(self.font)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        painter.drawText(self.rect(), _CENTER, self.caption)


class StoryScene(NodeScene):
    """The patient's path, position and next options; rebuilt by :meth:`set_story`.

    Signals (from NodeScene):
        node_selected(str): the user selected a node ("" when the selection is cleared).
    """

    def __init__(self, content: Content, engine: Engine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # A dozen items, all replaced at every step: no spatial index to rebuild each time.
        self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
        self.content = content
        self.engine = engine
        self.story = Story()
        self.more = 0  # options not drawn (they are in the options list)
        # The items of the story on show, by what they draw (see set_story): a step keeps those
        # that stay the same, so a 60-line path does not make 120 items anew at every step.
        self._kept: dict[tuple[object, ...], QGraphicsItem] = {}

    def node_size(self) -> QSizeF:
        fm = QFontMetricsF(node_font(self))
        em = fm.horizontalAdvance("M")
        return QSizeF(em * 12.5, fm.lineSpacing() * 4.6 + em * 0.5)

    def event(self, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.PaletteChange):
            # sizes come from the font, colours from the palette: every item made anew
            self._drop_kept()
            self.set_story(self.story)
        return super().event(event)

    def current_node(self) -> str | None:
        return self.story.position

    @property
    def state(self) -> GraphState:
        """What is shown, in the whole pathway's terms (for code that reads either scene)."""
        nodes = tuple(e.node for e in self.story.path)
        return GraphState.of(self.story.recommendation, nodes, None, self.story.selected)

    def _drop_kept(self) -> None:
        """Forget the kept items (they hold their look: colours and fonts)."""
        self._kept = {}
        self.blockSignals(True)
        try:
            self.clear()
        finally:
            self.blockSignals(False)

    def set_story(self, story: Story) -> None:
        """Show ``story``. An item is kept from the last story when what it draws is the same
        (its node, words, look and place: the key it is kept by); the rest are made anew, so
        the scene is the one a fresh build would give."""
        self.story = story
        old = self._kept
        kept: dict[tuple[object, ...], QGraphicsItem] = {}
        self.nodes = {}
        size = self.node_size()
        gap_x, gap_y = size.width() * 0.45, size.height() * 0.3
        graph = self.engine.graph
        dims = size.toTuple()
        margin = QFontMetricsF(node_font(self)).lineSpacing() * 0.5  # as a node's look has it

        def node_item(
            key: tuple[object, ...], node: str, kind: str, x: float, y: float
        ) -> StoryNode:
            """The item drawn with these words at this place: kept, or made (and set up by
            the caller, before its tooltip is set)."""
            full = ("node", node, kind, x, y, dims, *key)
            found = old.pop(full, None)
            if isinstance(found, StoryNode):
                kept[full] = found
                return found
            data = graph.nodes.get(node, {})
            label = str(data.get("short", node))
            name = str(data.get("name", label))
            item = StoryNode(node, label, name, size, kind, margin)
            item.setPos(x, y)
            kept[full] = item
            made.append(item)
            return item

        made: list[StoryNode] = []
        path_items: list[StoryNode] = []
        step_x, step_y = size.width() + gap_x, size.height() + gap_y
        # A long path wraps into columns (top to bottom, then the next column to the right),
        # about as tall as the options column, so the picture stays near the view's shape.
        option_rows = min(len(story.options), MAX_OPTIONS)
        per_column = max(4, option_rows)
        columns = max(1, math.ceil(len(story.path) / per_column))
        per_column = max(1, math.ceil(len(story.path) / columns))
        last = len(story.path) - 1
        for i, entry in enumerate(story.path):
            bottom = ""
            if entry.line is not None:
                where = (
                    text.tr("Line {n}").format(n=entry.line_number)
                    if entry.line_number is not None
                    else text.setting_label(entry.line.setting)
                )
                bottom = f"{where} · {text.outcome_short(entry.line)}"
            item = node_item(
                (f"{i + 1}", entry.hypothetical, bottom, i == last),
                entry.node,
                "path" if entry.line is not None else "entry",
                (i // per_column) * step_x,
                (i % per_column) * step_y,
            )
            item.number = f"{i + 1}"
            item.hypothetical = entry.hypothetical
            item.bottom = bottom
            item.current = i == last
            path_items.append(item)
        given = {e.node for e in story.path if e.line is not None}
        # Options already given (and progressed on) are on the path, drawn as given: the list
        # still has them with their tier.
        shown = [o for o in story.options if not (o.tier == "avoid" and o.regimen in given)]
        self.more = max(0, len(shown) - MAX_OPTIONS) + (len(story.options) - len(shown))
        if len(shown) > MAX_OPTIONS:
            shown = shown[: MAX_OPTIONS - 1]
            self.more = len(story.options) - len(shown)
        numbers = {o.regimen: text.order_label(o) for o in story.options}
        column = len(shown) + (1 if self.more else 0)
        centre = path_items[-1].pos().y() if path_items else 0.0
        top = max(0.0, centre - (column - 1) / 2 * (size.height() + gap_y))
        x = columns * step_x
        option_items: list[StoryNode] = []
        for j, option in enumerate(shown):
            # "1=": joint first, as in a ranking (the words are in the tooltip and outline)
            number = (
                numbers[option.regimen].replace(".", "=")
                if option.tied
                else (numbers[option.regimen])
            )
            tie = text.tie_note(option)
            given_next = option.regimen == story.given_next
            item = node_item(
                (option.tier, number, tie, given_next),
                option.regimen,
                "option",
                x,
                top + j * (size.height() + gap_y),
            )
            item.tier = option.tier
            item.number = number
            item.tie = tie
            item.given_next = given_next
            option_items.append(item)
        if self.more:
            more = StoryNode(
                "",
                text.tr("+ {n} more in the options list").format(n=self.more),
                text.tr("{n} more options").format(n=self.more),
                size,
                "more",
                margin,
            )
            more.setPos(x, top + len(shown) * (size.height() + gap_y))
            kept[("more", id(more))] = more
        for item in made:
            item.setToolTip(text.plain_tooltip(item.description()))  # content: never markup
        # An edge is kept when both its ends are: it runs between the same places.
        for a, b in itertools.pairwise(path_items):
            kind = "whatif" if b.hypothetical else "path"
            path_key: tuple[object, ...] = ("edge", id(a), id(b), kind)
            edge = old.pop(path_key, None)
            kept[path_key] = (
                StoryEdge(a, b, kind, edge_style(kind, None, self), gap=(gap_x, gap_y))
                if edge is None
                else edge
            )
        if path_items:
            for item in option_items:
                option_key: tuple[object, ...] = ("edge", id(path_items[-1]), id(item), "option")
                edge = old.pop(option_key, None)
                kept[option_key] = (
                    StoryEdge(
                        path_items[-1],
                        item,
                        "option",
                        edge_style("option", item.tier, self),
                        item.tier,
                    )
                    if edge is None
                    else edge
                )
        # captions above the two columns
        caption_y = -size.height() / 2 - gap_y * 0.6  # above a wrapping path edge
        if story.line is not None:
            caption = text.tr("Next options · line {n}").format(n=story.line)
        else:
            caption = text.tr("Next options · early setting")
        if not story.options:
            caption = text.tr("No pathway options")
        for words, cx, cy in (
            (text.tr("Patient's path"), (columns - 1) * step_x / 2, caption_y),
            (caption, x, min(caption_y, top - size.height() / 2 - gap_y * 0.6)),
        ):
            caption_key: tuple[object, ...] = ("caption", words, cx, cy, dims)
            cap = old.pop(caption_key, None)
            if cap is None:
                cap = _Caption(words, size.width() * 1.4, self)
                cap.setPos(cx, cy)
            kept[caption_key] = cap
        # What is no longer shown goes (the rest stays where it is) and what is new comes in,
        # in the order a fresh build adds it (items of equal height never overlap).
        self.blockSignals(True)
        try:
            for gone in old.values():
                self.removeItem(gone)
        finally:
            self.blockSignals(False)
        for shown_item in kept.values():
            if shown_item.scene() is not self:
                self.addItem(shown_item)
        self._kept = kept
        # Options last in the mapping: a regimen both given and offered selects the option.
        for item in path_items + option_items:
            self.nodes[item.node] = item
        rect = QRectF()
        for shown_item in kept.values():
            rect = rect.united(
                shown_item.reach()
                if isinstance(shown_item, StoryEdge)
                else shown_item.sceneBoundingRect()
            )
        m = size.height() * 0.25
        self.setSceneRect(rect.adjusted(-m, -m, m, m))
        self.select_node(story.selected)

    def focus_rect(self) -> QRectF:
        return self.sceneRect()

    def outline(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """The path, then every option (also those the graph leaves to the list), in words."""
        story = self.story
        path: list[tuple[str, str]] = []
        for i, entry in enumerate(story.path):
            data = self.engine.graph.nodes[entry.node] if entry.node in self.engine.graph else {}
            words = [f"{i + 1}. {data.get('name', entry.node)}"]
            if entry.line is not None:
                where = (
                    text.tr("line {n}").format(n=entry.line_number)
                    if entry.line_number is not None
                    else text.setting_label(entry.line.setting)
                )
                words.append(f"{where}, {text.outcome_text(entry.line)}")
            if entry.hypothetical:
                words.append(text.tr("what-if"))
            if i == len(story.path) - 1:
                words.append(text.tr("now"))
            path.append((entry.node, " — ".join(words)))
        options = [
            (
                o.regimen,
                " — ".join(
                    [f"{text.order_label(o)} {o.name}", text.tier_label(o.tier)]
                    + ([text.tie_note(o)] if o.tied else [])
                    + ([text.tr("given next")] if o.regimen == story.given_next else [])
                ),
            )
            for o in story.options
        ]
        caption = (
            text.tr("Next options · line {n}").format(n=story.line)
            if story.line is not None
            else text.tr("Next options · early setting")
        )
        return [(text.tr("Patient's path"), path), (caption, options)]

    def ordered_nodes(self) -> list[str]:
        """The path from the top, then the options in list order (reading order)."""
        out: list[str] = []
        for item in sorted(
            (i for i in self.items() if isinstance(i, StoryNode) and i.kind != "more"),
            key=lambda i: (i.pos().x(), i.pos().y()),
        ):
            if item.node not in out:
                out.append(item.node)
        return out
