"""The pathway graph drawn with QGraphicsView: one scene per content, restyled per step.

``PathwayScene(content, engine)`` lays the graph out once (columns by line of therapy; early
entry points and early regimens in bands of their own; metastatic entry points before line 1)
and ``set_state(GraphState)`` restyles it for a step: the patient's path highlighted, the
current position marked, the next options tinted by tier *and* labelled with the tier's symbol
and word. ``render_scene``/``scene_image`` paint it anywhere (PDF, SVG, PNG export).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from PySide6.QtCore import QPoint, QPointF, QRectF, QSize, QSizeF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QKeyEvent,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QResizeEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QGraphicsItem,
    QGraphicsScene,
    QGraphicsSceneMouseEvent,
    QGraphicsView,
    QStyleOptionGraphicsItem,
    QWidget,
)

from app import text, theme
from pathways.content import Content
from pathways.engine import Engine, Recommendation
from pathways.frozen import FrozenValue, frozen_value

if TYPE_CHECKING:  # networkx stays inside pathways/ at run time (only its type is used here)
    import networkx as nx


# ---------------------------------------------------------------------------- state
@frozen_value
class GraphState(FrozenValue):
    """What the graph shows at one step."""

    recommendation: Recommendation | None = None
    path: tuple[str, ...] = ()  # nodes the patient passed through, in order
    hypothetical_from: int | None = None  # index into ``path`` where the what-if starts
    selected: str | None = None

    @classmethod
    def of(
        cls,
        recommendation: Recommendation | None,
        path: Sequence[str] = (),
        hypothetical_from: int | None = None,
        selected: str | None = None,
    ) -> GraphState:
        return cls(recommendation, tuple(path), hypothetical_from, selected)


@dataclass
class _NodeStyle:
    tier: str | None = None
    order: int | None = None  # 1-based position on the patient's path
    current: bool = False
    hypothetical: bool = False
    dimmed: bool = False


@dataclass
class Layout:
    """Node centres in scene coordinates, plus the column captions."""

    positions: dict[str, QPointF] = field(default_factory=dict)
    # (caption, position, above the column?, part of the early band?)
    columns: list[tuple[str, QPointF, bool, bool]] = field(default_factory=list)
    node_size: QSizeF = field(default_factory=QSizeF)
    early: set[str] = field(default_factory=set)
    # (caption, nodes in reading order) per column, for the outline
    groups: list[tuple[str, list[str]]] = field(default_factory=list)


# ---------------------------------------------------------------------------- layout
def _column_key(data: dict[str, object]) -> tuple[int, int]:
    """(band, line): early entries, early regimens, metastatic entries, then lines 1..n."""
    early = data.get("setting") == "early"
    entry = data.get("kind") == "entry"
    line = int(str(data.get("line", 0)))
    if early:
        return (0, 0) if entry else (1, 0)
    if entry:
        return (2, 0)
    return (3, max(1, line))


_LAYOUTS: dict[tuple[str, str, bool], Layout] = {}


def compute_layout(engine: Engine, font: QFont, horizontal: bool = True) -> Layout:
    """The layout for this content, font and orientation: computed once, then reused (stepping,
    choosing the orientation, presentation and exports all share it)."""
    key = (engine.content.digest, font.toString(), horizontal)
    layout = _LAYOUTS.get(key)
    if layout is None:
        layout = _LAYOUTS[key] = _compute_layout(engine, font, horizontal)
    return layout


def _compute_layout(engine: Engine, font: QFont, horizontal: bool) -> Layout:
    """Columns by line of therapy; order inside a column by the barycentre of neighbours."""
    graph = engine.graph
    content = engine.content
    fm = QFontMetricsF(font)
    node_w, node_h = _node_size(fm, (str(d.get("short", "")) for _, d in graph.nodes(data=True)))
    columns: dict[tuple[int, int], list[str]] = {}
    for node, data in graph.nodes(data=True):
        columns.setdefault(_column_key(data), []).append(node)
    keys = sorted(columns)
    for key in keys:  # a stable start: entry order from the content, regimens by name
        columns[key].sort(key=lambda n: _start_order(content, n))
    order: dict[str, float] = {}
    for key in keys:
        for i, n in enumerate(columns[key]):
            order[n] = float(i)
    for _ in range(6):  # barycentre sweeps, forward then backward
        for sweep in (keys, list(reversed(keys))):
            for key in sweep:
                nodes = columns[key]
                inside = set(nodes)
                centres = {n: _barycentre(graph, n, inside, order) for n in nodes}
                nodes.sort(key=lambda n: (centres[n], order[n]))
                for i, n in enumerate(nodes):
                    order[n] = float(i)
    return _place(columns, keys, node_w, node_h, fm, horizontal)


MAX_ACROSS = 4  # nodes side by side in one line of therapy before it wraps to a second row


def _place(
    columns: dict[tuple[int, int], list[str]],
    keys: list[tuple[int, int]],
    node_w: float,
    node_h: float,
    fm: QFontMetricsF,
    horizontal: bool,
) -> Layout:
    """Place the ordered columns. Computed in (across, along) terms, then mapped to (x, y).

    The early band (early entry points, early regimens) sits beside the metastatic lines, one
    column per key; each metastatic line is a row, wrapped after ``MAX_ACROSS`` nodes.
    """
    across_size, along_size = (node_h, node_w) if horizontal else (node_w, node_h)
    gap_across = across_size * (0.35 if horizontal else 0.14)
    gap_along = along_size * (0.35 if horizontal else 0.6)
    step_across = across_size + gap_across
    step_along = along_size + gap_along
    captions = [_column_caption(k) for k in keys]
    caption_room = (
        fm.lineSpacing() * 1.6
        if horizontal
        else max(fm.horizontalAdvance(c) for c in captions) * 1.15 + fm.horizontalAdvance("M")
    )
    layout = Layout(node_size=QSizeF(node_w, node_h))
    layout.groups = [(_column_caption(k), list(columns[k])) for k in keys]

    def put(node: str, across: float, along: float) -> None:
        layout.positions[node] = QPointF(along, across) if horizontal else QPointF(across, along)

    def caption(key: tuple[int, int], across: float, along: float, beside: bool) -> None:
        pos = QPointF(along, across) if horizontal else QPointF(across, along)
        # "beside" (left of a row) in the vertical frame is "above" once transposed
        above = beside if horizontal else not beside
        layout.columns.append((_column_caption(key), pos, above, key[0] < 2))

    early = [k for k in keys if k[0] < 2]
    metastatic = [k for k in keys if k[0] >= 2]
    for c, key in enumerate(early):
        across = c * step_across + across_size / 2
        caption(key, across, -along_size * 0.62, beside=False)
        for i, node in enumerate(columns[key]):
            put(node, across, i * step_along)
            layout.early.add(node)
    left = (len(early) * step_across + gap_across * 2 if early else 0.0) + caption_room
    row = 0
    for key in metastatic:
        nodes = columns[key]
        chunks = [nodes[i : i + MAX_ACROSS] for i in range(0, len(nodes), MAX_ACROSS)]
        caption(key, left - gap_across, row * step_along, beside=True)
        for chunk in chunks:
            spare = (MAX_ACROSS - len(chunk)) / 2
            for j, node in enumerate(chunk):
                put(node, left + (j + spare) * step_across + across_size / 2, row * step_along)
            row += 1
    return layout


def _barycentre(
    graph: nx.DiGraph[str], node: str, column: set[str], order: dict[str, float]
) -> float:
    """The mean position of the node's neighbours outside its own column."""
    nbrs = [m for m in (*graph.predecessors(node), *graph.successors(node)) if m not in column]
    if not nbrs:
        return order[node]
    return sum(order[m] for m in nbrs) / len(nbrs)


def layout_bounds(layout: Layout) -> QRectF:
    w, h = layout.node_size.width(), layout.node_size.height()
    rect = QRectF()
    for p in layout.positions.values():
        rect = rect.united(QRectF(p.x() - w / 2, p.y() - h / 2, w, h))
    return rect


def best_orientation(engine: Engine, font: QFont, aspect: float) -> bool:
    """True (left→right) if that layout fills a view of ``aspect`` (width/height) better."""

    def scale(horizontal: bool) -> float:
        r = layout_bounds(compute_layout(engine, font, horizontal))
        return min(aspect / max(r.width(), 1.0), 1.0 / max(r.height(), 1.0))

    return scale(True) >= scale(False)


def _start_order(content: Content, node: str) -> tuple[int, str]:
    entries = list(content.entry_points)
    if node in content.entry_points:
        return (entries.index(node), node)
    return (len(entries), content.regimens[node].name if node in content.regimens else node)


def _column_caption(key: tuple[int, int]) -> str:
    band, line = key
    if band == 0:
        return text.tr("Early disease")
    if band == 1:
        return text.tr("Early therapy")
    if band == 2:
        return text.tr("Metastatic start")
    return text.tr("Line {n}").format(n=line) if line < 5 else text.tr("Line {n}+").format(n=line)


def _node_size(fm: QFontMetricsF, labels: Iterable[str]) -> tuple[float, float]:
    em = fm.horizontalAdvance("M")
    widest = max((fm.horizontalAdvance(s) for s in labels), default=em * 8)
    width = min(widest, em * 9.5) + em * 1.6
    height = fm.lineSpacing() * 3.3 + em * 0.6  # two lines of name + the badge line
    return width, height


# ---------------------------------------------------------------------------- items
class NodeItem(QGraphicsItem):
    def __init__(self, node: str, kind: str, label: str, name: str, size: QSizeF) -> None:
        super().__init__()
        self.node = node
        self.kind = kind
        self.label = label
        self.name = name
        self.size = size
        self.style = _NodeStyle()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, True)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsFocusable, True)
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(text.plain_tooltip(name))  # content text: never markup
        self.setZValue(2)

    def rect(self) -> QRectF:
        return QRectF(-self.size.width() / 2, -self.size.height() / 2, *self.size.toTuple())

    def boundingRect(self) -> QRectF:
        margin = QFontMetricsF(self._font()).lineSpacing() * 1.3
        return self.rect().adjusted(-margin, -margin, margin, margin)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRect(self.rect())
        return path

    def _font(self) -> QFont:
        return _font(self.scene())

    def label_rect(self, s: _NodeStyle) -> QRectF:
        """Where the name goes: above the tier badge and below the NOW tag and the order
        circle, which reach into the box at the top (no badge ever covers a label)."""
        fm = QFontMetricsF(self._font())
        pad = fm.horizontalAdvance("M") * 0.5
        badge_h = fm.lineSpacing() * 1.15 if s.tier is not None else 0.0
        top = pad * 0.6
        if s.current:
            top = max(top, fm.lineSpacing() * 0.85 * 1.1 * 0.45 + pad * 0.2)
        if s.order is not None:
            top = max(top, fm.lineSpacing() * 1.25 * 0.65)
        return self.rect().adjusted(pad, top, -pad, -pad * 0.6 - badge_h)

    def set_style(self, style: _NodeStyle) -> None:
        if style != self.style:
            self.style = style
            self.update()

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionGraphicsItem,
        widget: QWidget | None = None,
    ) -> None:
        palette = _palette(self.scene())
        font = self._font()
        fm = QFontMetricsF(font)
        s = self.style
        rect = self.rect()
        radius = rect.height() * (0.5 if self.kind == "entry" else 0.14)
        base = palette.color(QPalette.ColorRole.Base)
        fg = palette.color(QPalette.ColorRole.Text)
        border = palette.color(QPalette.ColorRole.Mid)
        fill = base
        pen_width = max(1.0, fm.lineSpacing() * 0.07)
        pen_style = Qt.PenStyle.SolidLine
        if s.tier is not None:
            fill = theme.tier_fill(s.tier, palette)
            border = theme.tier_color(s.tier, palette)
            pen_width *= 2.6
            pen_style = {
                "preferred": Qt.PenStyle.SolidLine,
                "alternative": Qt.PenStyle.DashLine,
                "avoid": Qt.PenStyle.DotLine,
            }.get(s.tier, Qt.PenStyle.SolidLine)
        elif s.order is not None:
            highlight = theme.whatif_color(palette) if s.hypothetical else theme.path_color(palette)
            fill = theme.mix(highlight, base, 0.18)
            border = highlight
            pen_width *= 2.0
            if s.hypothetical:
                pen_style = Qt.PenStyle.DashLine
        if s.dimmed:
            fg = theme.dimmed_text(palette)
            border = theme.mix(border, base, 0.5)
        if self.kind == "entry" and s.tier is None and s.order is None:
            fill = theme.mix(palette.color(QPalette.ColorRole.AlternateBase), base, 0.7)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        if s.current:  # a halo: the "you are here" mark, in addition to the NOW tag
            halo = theme.path_color(palette)
            painter.setPen(QPen(halo, pen_width * 2.2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            grow = pen_width * 2.5
            painter.drawRoundedRect(rect.adjusted(-grow, -grow, grow, grow), radius, radius)
        painter.setPen(QPen(border, pen_width, pen_style))
        painter.setBrush(QBrush(fill))
        painter.drawRoundedRect(rect, radius, radius)

        # the name, up to two lines
        pad = fm.horizontalAdvance("M") * 0.5
        name_font = QFont(font)
        name_font.setBold(s.tier is not None or s.current or s.order is not None)
        name_font.setItalic(self.kind == "entry")
        painter.setFont(name_font)
        painter.setPen(fg)
        text_rect = self.label_rect(s)
        painter.drawText(
            text_rect,
            int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
            self.label,
        )
        # the tier badge: symbol + word, so tier never depends on colour alone
        if s.tier is not None:
            color = theme.tier_color(s.tier, palette)
            badge_font = QFont(font)
            badge_font.setBold(True)
            badge_font.setPointSizeF(font.pointSizeF() * 0.85)
            bfm = QFontMetricsF(badge_font)
            label = text.tier_badge(s.tier).upper()
            bw = bfm.horizontalAdvance(label) + bfm.horizontalAdvance("M")
            bh = bfm.lineSpacing() * 1.1
            badge = QRectF(-bw / 2, rect.bottom() - bh - pad * 0.5, bw, bh)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(color)
            painter.drawRoundedRect(badge, bh / 2, bh / 2)
            painter.setPen(theme.text_on(color))
            painter.setFont(badge_font)
            painter.drawText(badge, int(Qt.AlignmentFlag.AlignCenter), label)
        # the order on the patient's path, in a circle at the top-left corner
        if s.order is not None:
            d = fm.lineSpacing() * 1.25
            circle = QRectF(rect.left() - d * 0.35, rect.top() - d * 0.35, d, d)
            color = theme.whatif_color(palette) if s.hypothetical else theme.path_color(palette)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(color)
            painter.drawEllipse(circle)
            painter.setPen(theme.text_on(color))
            small = QFont(font)
            small.setBold(True)
            small.setPointSizeF(font.pointSizeF() * 0.85)
            painter.setFont(small)
            painter.drawText(circle, int(Qt.AlignmentFlag.AlignCenter), str(s.order))
        if s.current:
            tag_font = QFont(font)
            tag_font.setBold(True)
            tag_font.setPointSizeF(font.pointSizeF() * 0.85)
            tfm = QFontMetricsF(tag_font)
            tag = text.tr("● NOW")
            tw = tfm.horizontalAdvance(tag) + tfm.horizontalAdvance("M")
            th = tfm.lineSpacing() * 1.1
            tag_rect = QRectF(-tw / 2, rect.top() - th * 0.55, tw, th)
            color = theme.path_color(palette)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(color)
            painter.drawRoundedRect(tag_rect, th / 2, th / 2)
            painter.setPen(theme.text_on(color))
            painter.setFont(tag_font)
            painter.drawText(tag_rect, int(Qt.AlignmentFlag.AlignCenter), tag)
        if self.isSelected():  # selection: a thin solid outline in the text colour, set apart
            unit = max(1.0, fm.lineSpacing() * 0.07)
            grow = unit * 5 + (pen_width * 2.5 if s.current else 0.0)
            painter.setPen(QPen(palette.color(QPalette.ColorRole.Text), unit * 1.5))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect.adjusted(-grow, -grow, grow, grow), radius, radius)


_EDGE_STYLES: dict[tuple[int, str | None, int, str], tuple[QPen, float]] = {}
EDGE_MARGIN = 12.0  # room around an edge's curve for its pen and arrowhead (bounding rects)
ARROW_SPREAD = 0.45  # half the arrowhead's opening angle, in radians


def _edge_style(kind: int, tier: str | None, palette: QPalette, font: QFont) -> tuple[QPen, float]:
    """The pen and arrowhead size of an edge of ``kind``. Every edge repaints on every step and
    these depend only on the kind, the palette and the font: built once per combination."""
    key = (kind, tier, palette.cacheKey(), font.toString())
    style = _EDGE_STYLES.get(key)
    if style is None:
        fm = QFontMetricsF(font)
        unit = max(1.0, fm.lineSpacing() * 0.07)
        if kind == EdgeItem.NORMAL:
            color = theme.mix(
                palette.color(QPalette.ColorRole.Mid), palette.color(QPalette.ColorRole.Base), 0.6
            )
            pen = QPen(color, unit)
        elif kind == EdgeItem.OPTION and tier is not None:
            pen = QPen(theme.tier_color(tier, palette), unit * 2.4)
            if tier == "avoid":
                pen.setStyle(Qt.PenStyle.DotLine)
            elif tier == "alternative":
                pen.setStyle(Qt.PenStyle.DashLine)
        elif kind == EdgeItem.WHATIF:
            pen = QPen(theme.whatif_color(palette), unit * 3.2, Qt.PenStyle.DashLine)
        else:
            pen = QPen(theme.path_color(palette), unit * 3.6)
            if kind == EdgeItem.VIRTUAL:
                pen.setStyle(Qt.PenStyle.DotLine)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        size = unit * (5 if kind == EdgeItem.NORMAL else 3.2) + fm.lineSpacing() * 0.2
        style = _EDGE_STYLES[key] = (pen, size)
    return style


class _Curve(NamedTuple):
    """One edge's geometry in scene coordinates, as plain floats: working it out with QPointF
    arithmetic and ``QPainterPath.pointAtPercent`` cost 30 µs an edge (0.3 s at 10,000)."""

    points: tuple[float, ...]  # x0, y0, x3, y3 (a line) or x0, y0, x1, y1, x2, y2, x3, y3
    tip_x: float  # the arrowhead's tip (the curve's end) and direction, along the end tangent
    tip_y: float
    angle: float

    def add_to(self, path: QPainterPath) -> None:
        p = self.points
        path.moveTo(p[0], p[1])
        if len(p) == 4:
            path.lineTo(p[2], p[3])
        else:
            path.cubicTo(p[2], p[3], p[4], p[5], p[6], p[7])

    def add_head_to(self, path: QPainterPath, size: float) -> None:
        x, y, angle = self.tip_x, self.tip_y, self.angle
        path.moveTo(x, y)
        path.lineTo(
            x - math.cos(angle - ARROW_SPREAD) * size, y - math.sin(angle - ARROW_SPREAD) * size
        )
        path.lineTo(
            x - math.cos(angle + ARROW_SPREAD) * size, y - math.sin(angle + ARROW_SPREAD) * size
        )
        path.closeSubpath()

    def path(self) -> QPainterPath:
        path = QPainterPath()
        self.add_to(path)
        return path

    def hull(self) -> tuple[float, float, float, float]:
        """(left, top, right, bottom) of the control points, which contain the curve."""
        xs, ys = self.points[0::2], self.points[1::2]
        return min(xs), min(ys), max(xs), max(ys)

    def bounds(self) -> QRectF:
        """A rectangle around the curve and its arrowhead (the control points' hull contains
        the curve)."""
        left, top, right, bottom = self.hull()
        rect = QRectF(left, top, right - left, bottom - top)
        return rect.adjusted(-EDGE_MARGIN, -EDGE_MARGIN, EDGE_MARGIN, EDGE_MARGIN)


def _curve(
    a: tuple[float, float, float, float], b: tuple[float, float, float, float], horizontal: bool
) -> _Curve:
    """From the side of node ``a`` to node ``b``, each given as (centre x, y, width, height):
    forward edges leave and enter sideways, backward ones loop round, edges inside one column
    are straight. The arithmetic is that of ``QRectF``/``QPointF``, so the curve is the same."""
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    # the node rectangles are centred on the node: QRectF(-w / 2, -h / 2, w, h)
    a_left, a_top, a_right, a_bottom = -aw / 2, -ah / 2, -aw / 2 + aw, -ah / 2 + ah
    b_left, b_top, b_right, b_bottom = -bw / 2, -bh / 2, -bw / 2 + bw, -bh / 2 + bh
    same_column = abs(bx - ax) < 1 if horizontal else abs(by - ay) < 1
    if same_column:
        down = (by > ay) if horizontal else (bx > ax)
        if horizontal:
            x0, y0 = ax, ay + (a_bottom if down else a_top)
            x3, y3 = bx, by + (b_top if down else b_bottom)
        else:
            x0, y0 = ax + (a_right if down else a_left), ay
            x3, y3 = bx + (b_left if down else b_right), by
        return _Curve((x0, y0, x3, y3), x3, y3, math.atan2(y3 - y0, x3 - x0))
    if horizontal:
        if bx > ax + 1:  # forward
            x0, y0, x3, y3 = ax + a_right, ay, bx + b_left, by
            dx = (x3 - x0) * 0.5
            x1, y1, x2, y2 = x0 + dx, y0, x3 - dx, y3
        else:  # backward: a loop below the nodes
            x0, y0, x3, y3 = ax, ay + a_bottom, bx, by + b_bottom
            drop = ah * 0.9
            x1, y1, x2, y2 = x0, y0 + drop, x3, y3 + drop
    elif by > ay + 1:  # forward
        x0, y0, x3, y3 = ax, ay + a_bottom, bx, by + b_top
        dy = (y3 - y0) * 0.5
        x1, y1, x2, y2 = x0, y0 + dy, x3, y3 - dy
    else:  # backward: a loop to the right of the nodes
        x0, y0, x3, y3 = ax + a_right, ay, bx + b_right, by
        side = aw * 0.45
        x1, y1, x2, y2 = x0 + side, y0, x3 + side, y3
    # The arrowhead points along the chord from 97 % of the way to the end, as
    # QPainterPath.pointAtPercent(0.97) gives it for a single cubic (de Casteljau, as Qt does).
    t = 0.97
    m = 1.0 - t
    px, py = x1 * m + x2 * t, y1 * m + y2 * t
    qx, qy = (x0 * m + x1 * t) * m + px * t, (y0 * m + y1 * t) * m + py * t
    px, py = px * m + (x2 * m + x3 * t) * t, py * m + (y2 * m + y3 * t) * t
    before_x, before_y = qx * m + px * t, qy * m + py * t
    angle = math.atan2(y3 - before_y, x3 - before_x)
    return _Curve((x0, y0, x1, y1, x2, y2, x3, y3), x3, y3, angle)


def _node_box(item: NodeItem) -> tuple[float, float, float, float]:
    p = item.pos()
    return p.x(), p.y(), item.size.width(), item.size.height()


class EdgeItem(QGraphicsItem):
    """A curve from one node's side to another's, with an arrowhead.

    In a :class:`PathwayScene` only highlighted edges (options, the patient's path, what-if,
    virtual path edges) are shown by EdgeItems; NORMAL edges are drawn by one
    :class:`_BackgroundEdges` for the whole scene.
    """

    NORMAL, PATH, WHATIF, OPTION, VIRTUAL = range(5)

    def __init__(
        self,
        source: NodeItem,
        target: NodeItem,
        horizontal: bool,
        curve: _Curve | None = None,
        rank: int = 0,
        background: _BackgroundEdges | None = None,
    ) -> None:
        """``rank`` orders edges of the same kind (higher on top); ``background``, if given,
        draws this edge while it is NORMAL, and this item then shows only when highlighted."""
        super().__init__()
        self.source = source
        self.target = target
        self.horizontal = horizontal
        self.kind = self.NORMAL
        self.tier: str | None = None
        self.rank = rank
        self._background = background
        self._curve = curve or _curve(_node_box(source), _node_box(target), horizontal)
        self._path = self._curve.path()
        self._bounds = self._path.boundingRect().adjusted(
            -EDGE_MARGIN, -EDGE_MARGIN, EDGE_MARGIN, EDGE_MARGIN
        )
        self._apply_z()
        if background is not None:
            self.setVisible(False)

    @property
    def key(self) -> tuple[str, str]:
        return (self.source.node, self.target.node)

    def _apply_z(self) -> None:
        # Options above normal edges, the path above options, below nodes (z 2); what-if and
        # virtual path edges (no graph edge of their own, so they may cross other nodes) above
        # the nodes, never hidden under one. Within a kind, the rank keeps the order in which
        # the edges would have been added to the scene (EdgeItems are made lazily, so the order
        # of insertion is not that order).
        above = {self.WHATIF: 3.0, self.VIRTUAL: 3.0}
        base = {self.NORMAL: 0.0, self.OPTION: 1.0, **above}.get(self.kind, 1.5)
        self.setZValue(base + 0.4 * self.rank / (self.rank + 1))

    def set_kind(self, kind: int, tier: str | None = None) -> None:
        if (kind, tier) != (self.kind, self.tier):
            self.kind, self.tier = kind, tier
            self._apply_z()
            self.update()
            if self._background is not None:
                self.setVisible(kind != self.NORMAL)
                self._background.skip(self.key, kind != self.NORMAL)

    def boundingRect(self) -> QRectF:
        return self._bounds

    def shape(self) -> QPainterPath:
        return self._path

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionGraphicsItem,
        widget: QWidget | None = None,
    ) -> None:
        scene = self.scene()
        palette = _palette(scene)
        font = _font(scene)
        pen, size = _edge_style(self.kind, self.tier, palette, font)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self._path)
        head = QPainterPath()  # at the end, along the final tangent
        self._curve.add_head_to(head, size)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(pen.color())
        painter.drawPath(head)


class _BackgroundEdges(QGraphicsItem):
    """Every NORMAL (grey) edge of a scene, drawn by one item as one stroked path of curves and
    one filled path of arrowheads.

    Hundreds (at scale, ten thousand) of edge items each with their own paint call and
    ``drawPath`` were most of the cost of a step and of a first paint. Highlighted edges are
    left out (``skip``): their EdgeItems draw them on top, with their own pens. The paths are
    rebuilt, at the next paint, only when the set of left-out edges changes.
    """

    def __init__(self, curves: dict[tuple[str, str], _Curve]) -> None:
        super().__init__()
        self._curves = curves
        self._hulls = {key: curve.hull() for key, curve in curves.items()}  # for hit tests
        self._skipped: set[tuple[str, str]] = set()
        self._lines: QPainterPath | None = self._build_lines()
        self._heads: tuple[float, QPainterPath] | None = None  # for one arrowhead size
        # As the union of one EdgeItem's bounding rect per edge (the scene rect stays the same)
        margin = EDGE_MARGIN
        self._bounds = (
            self._lines.boundingRect().adjusted(-margin, -margin, margin, margin)
            if curves
            else QRectF()
        )
        self.setZValue(0)

    def _build_lines(self) -> QPainterPath:
        path = QPainterPath()
        skipped = self._skipped
        for key, curve in self._curves.items():
            if key not in skipped:
                curve.add_to(path)
        return path

    def _build_heads(self, size: float) -> QPainterPath:
        # Arrowheads meet at a node's side: with the winding rule (all triangles turn the same
        # way) overlapping ones fill as a union; the default odd-even rule would punch holes.
        path = QPainterPath()
        path.setFillRule(Qt.FillRule.WindingFill)
        skipped = self._skipped
        for key, curve in self._curves.items():
            if key not in skipped:
                curve.add_head_to(path, size)
        return path

    def skip(self, key: tuple[str, str], skipped: bool) -> None:
        """Leave the edge out (it is highlighted, its own item draws it) or draw it again."""
        if (key in self._skipped) == skipped:
            return
        if skipped:
            self._skipped.add(key)
        else:
            self._skipped.discard(key)
        self._lines = self._heads = None
        self.update(self._curves[key].bounds())  # only where that edge is

    def boundingRect(self) -> QRectF:
        return self._bounds

    def shape(self) -> QPainterPath:
        # Not a rectangle over the whole scene: the scene tells a click on empty space (which
        # keeps the selection) by there being no item at that point. Point queries (clicks,
        # hover) ask ``contains``; nothing asks for shape collisions with this item.
        return QPainterPath()

    def contains(self, point: QPointF | QPoint | QPainterPath.Element) -> bool:
        """As one EdgeItem per grey edge would answer: inside the area that edge's curve
        encloses (an EdgeItem's shape is its path)."""
        if isinstance(point, QPainterPath.Element):
            point = QPointF(point.x, point.y)
        point = QPointF(point)
        x, y = point.x(), point.y()
        skipped = self._skipped
        return any(
            left <= x <= right
            and top <= y <= bottom
            and key not in skipped
            and self._curves[key].path().contains(point)
            for key, (left, top, right, bottom) in self._hulls.items()
        )

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionGraphicsItem,
        widget: QWidget | None = None,
    ) -> None:
        scene = self.scene()
        palette = _palette(scene)
        font = _font(scene)
        pen, size = _edge_style(EdgeItem.NORMAL, None, palette, font)
        if self._lines is None:
            self._lines = self._build_lines()
        if self._heads is None or self._heads[0] != size:
            self._heads = (size, self._build_heads(size))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self._lines)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(pen.color())
        painter.drawPath(self._heads[1])


class _EdgeItems(Mapping[tuple[str, str], EdgeItem]):
    """A scene's edges by (source, target). Every edge of the graph is a key; its EdgeItem is
    made the first time it is asked for (a step asks only for the highlighted ones), so a large
    graph does not build ten thousand items that the background draws anyway."""

    def __init__(
        self, make: Callable[[tuple[str, str]], EdgeItem], keys: Collection[tuple[str, str]]
    ) -> None:
        self._make = make
        self._keys = keys
        self._made: dict[tuple[str, str], EdgeItem] = {}

    def __getitem__(self, key: tuple[str, str]) -> EdgeItem:
        item = self._made.get(key)
        if item is None:
            if key not in self._keys:
                raise KeyError(key)
            item = self._made[key] = self._make(key)
        return item

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


class _CaptionItem(QGraphicsItem):
    """A column caption: centred above a column, or right-aligned left of a row."""

    def __init__(self, caption: str, width: float, above: bool) -> None:
        super().__init__()
        self.caption = caption
        self.width = width
        self.above = above

    def boundingRect(self) -> QRectF:
        fm = QFontMetricsF(self._font())
        h = fm.lineSpacing() * 1.2
        if self.above:
            return QRectF(-self.width / 2, -h, self.width, h)
        w = fm.horizontalAdvance(self.caption) + fm.horizontalAdvance("M")
        return QRectF(-w, -h / 2, w, h)

    def _font(self) -> QFont:
        scene = self.scene()
        font = QFont(_font(scene))
        font.setBold(True)
        return font

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionGraphicsItem,
        widget: QWidget | None = None,
    ) -> None:
        palette = _palette(self.scene())
        painter.setFont(self._font())
        painter.setPen(theme.dimmed_text(palette))
        align = (
            Qt.AlignmentFlag.AlignCenter
            if self.above
            else (Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        )
        painter.drawText(self.boundingRect(), int(align), self.caption)


def _palette(scene: QGraphicsScene | None) -> QPalette:
    return scene.palette() if scene is not None else QApplication.palette()


def _font(scene: QGraphicsScene | None) -> QFont:
    return scene.font() if scene is not None else QApplication.font()


node_font = _font  # the scene's font (the window's, with its text zoom), for other scenes


class NodeScene(QGraphicsScene):
    """A scene of selectable nodes keyed by node id (the whole pathway, the patient's story).

    Signals:
        node_selected(str): the user selected a node ("" when the selection is cleared).
    """

    node_selected = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.nodes: dict[str, QGraphicsItem] = {}
        self.selectionChanged.connect(self._on_selection_changed)

    def focus_rect(self) -> QRectF:
        return self.sceneRect()

    def current_node(self) -> str | None:
        """The patient's current position (where keyboard walking starts)."""
        return None

    def ordered_nodes(self) -> list[str]:
        return list(self.nodes)

    def select_node(self, node: str | None) -> None:
        """Select a node programmatically without emitting ``node_selected``."""
        self.blockSignals(True)
        try:
            for item in self.selectedItems():
                item.setSelected(False)
            if node in self.nodes:
                self.nodes[node].setSelected(True)
        finally:
            self.blockSignals(False)

    def selected_node(self) -> str | None:
        for item in self.selectedItems():
            node = getattr(item, "node", None)
            if isinstance(node, str) and node:
                return node
        return None

    def describe(self, node: str) -> str:
        item = self.nodes.get(node)
        describe = getattr(item, "description", None)
        return str(describe()) if callable(describe) else (item.toolTip() if item else "")

    def outline(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """What the scene shows as groups of (node, words), for the accessible outline."""
        return [("", [(n, self.describe(n)) for n in self.ordered_nodes()])]

    def _on_selection_changed(self) -> None:
        self.node_selected.emit(self.selected_node() or "")

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        # A click on empty space keeps the selection (the evidence stays on screen).
        if self.itemAt(event.scenePos(), QTransform()) is None:
            event.accept()
            return
        super().mousePressEvent(event)


# ---------------------------------------------------------------------------- scene
class PathwayScene(NodeScene):
    """The whole pathway; built once per content, restyled by :meth:`set_state`.

    Signals (from NodeScene):
        node_selected(str): the user selected a node ("" when the selection is cleared).
    """

    def __init__(
        self,
        content: Content,
        engine: Engine,
        horizontal: bool | None = None,
        parent: QWidget | None = None,
        aspect: float = 1.1,
        font: QFont | None = None,
    ) -> None:
        """``horizontal=None`` picks the orientation that best fills a view of ``aspect``;
        ``font`` (default: the application's) sizes the boxes with their text."""
        super().__init__(parent)
        if font is not None:
            self.setFont(font)
        self.content = content
        self.engine = engine
        if horizontal is None:
            horizontal = best_orientation(engine, self.font(), aspect)
        self.horizontal = horizontal
        self.nodes: dict[str, NodeItem] = {}  # type: ignore[assignment]
        self._curves: dict[tuple[str, str], _Curve] = {}  # every graph edge, in graph order
        self._ranks: dict[tuple[str, str], int] = {}
        self._background: _BackgroundEdges  # made by _build, once the curves are known
        self.edges: Mapping[tuple[str, str], EdgeItem] = _EdgeItems(self._new_edge, self._curves)
        self._highlighted: dict[tuple[str, str], tuple[int, str | None]] = {}
        # path edges that are not graph edges, by (index on the path, source, target): kept
        # and reused (hidden when not on the path) rather than made again at every step
        self._virtual: dict[tuple[int, str, str], EdgeItem] = {}
        self._captions: list[_CaptionItem] = []
        self._metastatic_items: list[QGraphicsItem] = []
        self.early: set[str] = set()
        self._state = GraphState()
        self._build()

    @property
    def state(self) -> GraphState:
        return self._state

    def _build(self) -> None:
        layout = compute_layout(self.engine, self.font(), self.horizontal)
        graph = self.engine.graph
        for node, data in graph.nodes(data=True):
            item = NodeItem(
                node,
                str(data.get("kind", "regimen")),
                str(data.get("short", node)),
                str(data.get("name", node)),
                layout.node_size,
            )
            item.setPos(layout.positions[node])
            self.addItem(item)
            self.nodes[node] = item
        w, h = layout.node_size.width(), layout.node_size.height()
        boxes = {n: (p.x(), p.y(), w, h) for n, p in layout.positions.items()}
        for rank, (a, b) in enumerate(graph.edges()):
            self._curves[(a, b)] = _curve(boxes[a], boxes[b], self.horizontal)
            self._ranks[(a, b)] = rank
        # where the edge items were added: between the nodes and the captions (same z as these)
        self._background = _BackgroundEdges(self._curves)
        self.addItem(self._background)
        self.early = set(layout.early)
        self.groups = layout.groups
        for caption, pos, above, early in layout.columns:
            cap = _CaptionItem(caption, layout.node_size.width() * 1.3, above)
            cap.setPos(pos)
            self.addItem(cap)
            self._captions.append(cap)
            if not early:
                self._metastatic_items.append(cap)
        self._metastatic_items += [i for n, i in self.nodes.items() if n not in self.early]
        bounds = self.itemsBoundingRect()
        m = layout.node_size.height() * 0.5
        self.setSceneRect(bounds.adjusted(-m, -m, m, m))

    def set_state(self, state: GraphState) -> None:
        """Restyle for a step. Cheap: no layout, no new nodes."""
        self._state = state
        rec = state.recommendation
        tiers = {o.regimen: o.tier for o in rec.options} if rec is not None else {}
        position = rec.position if rec is not None else None
        order = {n: i + 1 for i, n in enumerate(state.path)}
        hyp_from = state.hypothetical_from
        for node, item in self.nodes.items():
            idx = order.get(node)
            item.set_style(
                _NodeStyle(
                    # a regimen on the path is drawn as given, not as an option to avoid
                    tier=tiers.get(node) if idx is None else None,
                    order=idx,
                    current=node == position,
                    hypothetical=idx is not None and hyp_from is not None and idx - 1 >= hyp_from,
                    dimmed=rec is not None and idx is None and node not in tiers,
                )
            )
        # Options first, then the path over them (an option edge on the path shows as path).
        highlighted: dict[tuple[str, str], tuple[int, str | None]] = {}
        if position is not None:
            for b, option_tier in tiers.items():
                if (position, b) in self._curves:
                    highlighted[(position, b)] = (EdgeItem.OPTION, option_tier)
        virtual: dict[tuple[int, str, str], int] = {}
        for i, (a, b) in enumerate(zip(state.path, state.path[1:], strict=False)):
            whatif = hyp_from is not None and i + 1 >= hyp_from
            if (a, b) in self._curves:
                highlighted[(a, b)] = (EdgeItem.WHATIF if whatif else EdgeItem.PATH, None)
            elif a in self.nodes and b in self.nodes:
                virtual[(i, a, b)] = EdgeItem.WHATIF if whatif else EdgeItem.VIRTUAL
        # Only the edges whose kind changes are touched: the background draws the NORMAL ones.
        for key in self._highlighted.keys() - highlighted.keys():
            self.edges[key].set_kind(EdgeItem.NORMAL)
        for key, (kind, edge_tier) in highlighted.items():
            self.edges[key].set_kind(kind, edge_tier)
        self._highlighted = highlighted
        for vkey, extra in self._virtual.items():
            if vkey not in virtual:
                extra.setVisible(False)
        for vkey, kind in virtual.items():
            found = self._virtual.get(vkey)
            if found is None:
                i, a, b = vkey
                # above the graph's edges of the same kind, in path order, as when added last
                rank = len(self._curves) + i
                found = self._virtual[vkey] = EdgeItem(
                    self.nodes[a], self.nodes[b], self.horizontal, rank=rank
                )
                self.addItem(found)
            found.set_kind(kind)
            found.setVisible(True)
        self.select_node(state.selected)

    def _new_edge(self, key: tuple[str, str]) -> EdgeItem:
        """The EdgeItem of a graph edge, made when first highlighted (hidden while NORMAL)."""
        a, b = key
        item = EdgeItem(
            self.nodes[a],
            self.nodes[b],
            self.horizontal,
            curve=self._curves[key],
            rank=self._ranks[key],
            background=self._background,
        )
        self.addItem(item)
        return item

    def focus_rect(self) -> QRectF:
        """What "fit" shows: the whole pathway, or only the metastatic lines when nothing early
        is on the patient's path or among the options (the early band is then context only)."""
        state = self._state
        rec = state.recommendation
        relevant = set(state.path) | ({o.regimen for o in rec.options} if rec else set())
        if not self._metastatic_items or relevant & self.early or not relevant:
            return self.sceneRect()
        rect = QRectF()
        for item in self._metastatic_items:
            rect = rect.united(item.sceneBoundingRect())
        return rect.adjusted(-8, -8, 8, 8)

    def current_node(self) -> str | None:
        rec = self._state.recommendation
        return rec.position if rec is not None else None

    def describe(self, node: str) -> str:
        """The node and its state in words (tier, place on the path, now)."""
        item = self.nodes.get(node)
        if item is None:
            return ""
        parts = [item.name]
        s = item.style
        if s.current:
            parts.append(text.tr("now"))
        if s.order is not None:
            parts.append(text.tr("step {n} on the patient's path").format(n=s.order))
        if s.tier is not None:
            parts.append(text.tier_label(s.tier))
        if s.hypothetical:
            parts.append(text.tr("what-if"))
        return " — ".join(parts)

    def outline(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """(column caption, [(node, the node in words)]) in reading order, for the outline."""
        return [
            (caption, [(n, self.describe(n)) for n in nodes if n in self.nodes])
            for caption, nodes in self.groups
        ]

    def ordered_nodes(self) -> list[str]:
        """Nodes in reading order (column by column), for keyboard navigation."""

        def key(n: str) -> tuple[float, float]:
            p = self.nodes[n].pos()
            return (p.x(), p.y()) if self.horizontal else (p.y(), p.x())

        return sorted(self.nodes, key=key)


# ---------------------------------------------------------------------------- rendering
def render_scene(scene: QGraphicsScene, painter: QPainter, target: QRectF) -> None:
    """Paint the whole scene into ``target`` (aspect kept), e.g. on a PDF or SVG painter."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    scene.render(painter, target, scene.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)
    painter.restore()


def scene_image(scene: QGraphicsScene, size: QSize, background: QColor | None = None) -> QImage:
    """The scene as an image of ``size`` (for PNG export and tests)."""
    image = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(background or scene.palette().color(QPalette.ColorRole.Base))
    painter = QPainter(image)
    try:
        render_scene(scene, painter, QRectF(0, 0, size.width(), size.height()))
    finally:
        painter.end()
    return image


# ---------------------------------------------------------------------------- view
class PathwayGraphView(QGraphicsView):
    """Zoom (Ctrl+wheel, +/-), pan (drag), fit (F or the action), Up/Down to walk nodes.

    Signals:
        node_selected(str): a node was selected by the user.
    """

    node_selected = Signal(str)
    ZOOM_STEP = 1.2
    MAX_FIT_SCALE = 1.25

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # A viewport made in Python, set up by Qt as its own would be. Handing Qt's own to
        # Python the first time (viewport()) makes PySide look for its class through every
        # QWidget subclass of QtWidgets, creating each with its enums: ~9 ms at every start.
        viewport = QWidget()
        viewport.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled)  # as QGraphicsView's
        self.setViewport(viewport)
        self.setObjectName("graph_view")
        self.setAccessibleName(self.tr("Pathway graph"))
        self.setAccessibleDescription(
            self.tr(
                "The patient's path and the next options. Arrow keys select nodes, starting "
                "at the current position; plus and minus zoom; F fits the graph in view."
            )
        )
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        # A step dirties a few scattered spots (option and path edges, restyled nodes). The
        # default (minimal) mode repaints them as a region of several rectangles, and Qt's
        # antialiased stroking of the one path of all grey edges under such a clip took 2-4×
        # as long as under one rectangle: repainting their bounding rectangle is cheaper.
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.BoundingRectViewportUpdate)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._auto_fit = True
        self._last_fit: tuple[QRectF, QSize] | None = None

    def pathway_scene(self) -> NodeScene | None:
        scene = self.scene()
        return scene if isinstance(scene, NodeScene) else None

    def set_pathway_scene(self, scene: NodeScene) -> None:
        old = self.pathway_scene()
        if old is scene:
            return
        if old is not None:
            old.node_selected.disconnect(self.node_selected)
            old.node_selected.disconnect(self._on_scene_node_selected)
        self.setScene(scene)
        scene.node_selected.connect(self.node_selected)
        scene.node_selected.connect(self._on_scene_node_selected)
        self._auto_fit = True
        self._last_fit = None
        self.fit()

    def _on_scene_node_selected(self, node: str) -> None:
        # Graphics items are not accessible objects: the view speaks for the selected node.
        scene = self.pathway_scene()
        if scene is not None and node:
            self.setAccessibleDescription(scene.describe(node))

    def fit(self) -> None:
        scene: QGraphicsScene | None = self.scene()  # None before a scene is set
        if scene is None:
            return
        self.resetTransform()
        rect = scene.focus_rect() if isinstance(scene, NodeScene) else scene.sceneRect()
        self._last_fit = (rect, self.viewport().size())
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        if self.transform().m11() > self.MAX_FIT_SCALE:  # never blow small graphs up
            self.resetTransform()
            self.scale(self.MAX_FIT_SCALE, self.MAX_FIT_SCALE)
            self.centerOn(rect.center())
        self._auto_fit = True

    def fit_all(self) -> None:
        """Show the whole pathway, early band included."""
        scene: QGraphicsScene | None = self.scene()
        if scene is None:
            return
        self.resetTransform()
        self.fitInView(scene.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)
        self._auto_fit = False
        self._last_fit = None

    def refit(self) -> None:
        """Fit again if the user has not zoomed by hand (called after each step); a step that
        leaves the focus area and the view size as they were keeps the view as it is."""
        if not self._auto_fit:
            return
        scene = self.pathway_scene()
        key = (scene.focus_rect() if scene else QRectF(), self.viewport().size())
        if key != self._last_fit:
            self.fit()

    def zoom(self, factor: float) -> None:
        current = self.transform().m11()
        factor = max(0.05 / current, min(factor, 8.0 / current))
        self.scale(factor, factor)
        self._auto_fit = False

    def zoom_in(self) -> None:
        self.zoom(self.ZOOM_STEP)

    def zoom_out(self) -> None:
        self.zoom(1 / self.ZOOM_STEP)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._auto_fit:
            self.fit()

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            steps = event.angleDelta().y() / 120.0
            if steps:
                self.zoom(self.ZOOM_STEP**steps)
            event.accept()
            return
        super().wheelEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_in()
        elif key == Qt.Key.Key_Minus:
            self.zoom_out()
        elif key == Qt.Key.Key_F:
            self.fit()
        elif key == Qt.Key.Key_W:
            self.fit_all()
        elif key in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Left, Qt.Key.Key_Right):
            self._walk(1 if key in (Qt.Key.Key_Down, Qt.Key.Key_Right) else -1)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            scene = self.pathway_scene()
            node = scene.selected_node() if scene is not None else None
            if scene is not None and node:
                scene.node_selected.emit(node)  # as a click would (shows its evidence)
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def _walk(self, delta: int) -> None:
        scene = self.pathway_scene()
        if scene is None:
            return
        order = scene.ordered_nodes()
        if not order:
            return
        current = scene.selected_node()
        if current in order:
            node = order[(order.index(current) + delta) % len(order)]
        else:  # start where the patient is, not at an off-screen corner of the graph
            here = scene.current_node()
            node = here if here in order else order[0]
        for item in scene.selectedItems():
            item.setSelected(False)
        scene.nodes[node].setSelected(True)  # emits node_selected via the scene
        self.ensureVisible(scene.nodes[node])
