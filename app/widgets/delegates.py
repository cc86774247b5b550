"""Item delegates that paint tier badges: colour plus symbol and word, never colour alone."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
)

from app import text, theme
from app.models.roles import (
    CURRENT_ROLE,
    FUTURE_ROLE,
    OBJECT_ROLE,
    TIER_ROLE,
)
from pathways.engine import Option

Index = QModelIndex | QPersistentModelIndex


# Alignment flags as ints, combined once: each ``|`` of Qt's Python enums costs a few µs, and
# every visible cell is painted at every step.
_CENTER = int(Qt.AlignmentFlag.AlignCenter)
_VCENTER = int(Qt.AlignmentFlag.AlignVCenter)
_LEFT_VCENTER = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
_LEFT_TOP_WRAP = int(
    Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap
)
_CACHE_MAX = 2048  # entries per cache; cleared when full (fonts change with the text zoom)


def _remember(cache: dict[Any, Any], key: Any, value: Any) -> Any:
    if len(cache) >= _CACHE_MAX:
        cache.clear()
    cache[key] = value
    return value


def paint_badge(
    painter: QPainter,
    rect: QRectF,
    tier: str,
    font: QFont,
    palette: QPalette,
    font_key: str | None = None,
) -> float:
    """A rounded pill with the tier's symbol and word; returns its width. ``font_key`` is
    ``font.key()`` if the caller has it (a font's key is spelled out at every call)."""
    key = (font.key() if font_key is None else font_key, tier, palette.cacheKey())
    badge = _BADGES.get(key)
    if badge is None:
        badge = _remember(_BADGES, key, _badge(tier, font, palette))
    badge_font, label, width, line, color, on_color = badge
    height = min(rect.height(), line * 1.25)
    pill = QRectF(rect.left(), rect.center().y() - height / 2, width, height)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(color)
    painter.drawRoundedRect(pill, height / 2, height / 2)
    painter.setPen(on_color)
    painter.setFont(badge_font)
    painter.drawText(pill, _CENTER, label)
    painter.restore()
    return width


_Badge = tuple[QFont, str, float, float, QColor, QColor]
_BADGES: dict[tuple[str, str, int], _Badge] = {}


def _badge(tier: str, font: QFont, palette: QPalette) -> _Badge:
    """(font, words, width, line spacing, colour, text colour) of a tier's badge: every row of
    the options and history asks for one at every paint, for a handful of tiers."""
    badge_font = QFont(font)
    badge_font.setBold(True)
    fm = QFontMetricsF(badge_font)
    label = text.tier_badge(tier)
    color = theme.tier_color(tier, palette)
    width = fm.horizontalAdvance(label) + fm.horizontalAdvance("M")
    return badge_font, label, width, fm.lineSpacing(), color, theme.text_on(color)


_BADGE_WIDTHS: dict[tuple[str, str | None], float] = {}


def badge_width(font: QFont, tier: str | None = None) -> float:
    """The badge's width for ``tier``, or the widest badge (measured once per font: every
    row's size hint asks for it)."""
    key = (font.toString(), tier)
    width = _BADGE_WIDTHS.get(key)
    if width is None:
        width = _BADGE_WIDTHS[key] = _measure_badge(font, tier)
    return width


def _measure_badge(font: QFont, tier: str | None) -> float:
    badge_font = QFont(font)
    badge_font.setBold(True)
    fm = QFontMetricsF(badge_font)
    tiers = [tier] if tier else list(text.TIER_SYMBOLS)
    return max(fm.horizontalAdvance(text.tier_badge(t)) for t in tiers) + (
        fm.horizontalAdvance("M")
    )


class TierBadgeDelegate(QStyledItemDelegate):
    """For a table column whose TIER_ROLE is a tier: paints the badge instead of the text."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        tier = index.data(TIER_ROLE)
        if not tier:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        rect = QRectF(opt.rect).adjusted(4, 3, -4, -3)
        painter.save()
        if index.data(FUTURE_ROLE):  # dim the rows after the current step
            painter.setOpacity(0.5)
        paint_badge(painter, rect, str(tier), opt.font, opt.palette)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        size = super().sizeHint(option, index)
        width = int(badge_width(option.font)) + 10
        fm = QFontMetricsF(option.font)
        return QSize(max(size.width(), width), max(size.height(), int(fm.lineSpacing() * 1.5)))


class StepDelegate(QStyledItemDelegate):
    """The step number, with "▶" in front of the current step (a cue besides the colour)."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: Index) -> None:
        super().initStyleOption(option, index)
        if index.data(CURRENT_ROLE):
            option.text = f"▶ {option.text}"

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        size = super().sizeHint(option, index)
        fm = QFontMetricsF(option.font)
        return QSize(max(size.width(), int(fm.horizontalAdvance("▶ Now") * 1.15)), size.height())


_TwoLineFonts = tuple[QFontMetricsF, QFont, QFontMetricsF, QFont, QFontMetricsF]
_TWO_LINE_FONTS: dict[str, _TwoLineFonts] = {}


def _two_line_fonts(font: QFont) -> _TwoLineFonts:
    """(metrics, bold, its metrics, smaller, its metrics) of a two-line cell in ``font``."""
    bold = QFont(font)
    bold.setBold(True)
    small = QFont(font)
    small.setPointSizeF(font.pointSizeF() * 0.9)
    return QFontMetricsF(font), bold, QFontMetricsF(bold), small, QFontMetricsF(small)


class TwoLineDelegate(QStyledItemDelegate):
    """ "Title\ndetail" cells: the first line bold, the second smaller and dimmed."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        # (initStyleOption turns "\n" into U+2028, so read the model's text)
        title, _, detail = str(index.data(Qt.ItemDataRole.DisplayRole) or "").partition("\n")
        opt.text = ""
        style = opt.widget.style() if opt.widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        fg = opt.palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        brush = index.data(Qt.ItemDataRole.ForegroundRole)
        if brush is not None and not selected:
            fg = brush if not hasattr(brush, "color") else brush.color()
        font_key = opt.font.key()
        fonts = _TWO_LINE_FONTS.get(font_key)
        if fonts is None:
            fonts = _remember(_TWO_LINE_FONTS, font_key, _two_line_fonts(opt.font))
        fm, bold, bfm, small, sfm = fonts
        pad = fm.horizontalAdvance("M") * 0.35
        rect = QRectF(opt.rect).adjusted(pad, pad * 0.6, -pad, -pad * 0.6)
        painter.save()
        painter.setFont(bold)
        painter.setPen(fg)
        top = rect.top() if detail else rect.center().y() - fm.lineSpacing() / 2
        line1 = QRectF(rect.left(), top, rect.width(), fm.lineSpacing())
        painter.drawText(
            line1, _LEFT_VCENTER, _elided(title, ("bold", font_key), bfm, rect.width(), 1)
        )
        if detail:
            painter.setFont(small)
            painter.setPen(
                fg
                if selected
                else theme.readable_mix(fg, opt.palette.color(QPalette.ColorRole.Base), 0.7)
            )
            line2 = QRectF(rect.left(), line1.bottom(), rect.width(), fm.lineSpacing())
            painter.drawText(
                line2, _LEFT_VCENTER, _elided(detail, ("small", font_key), sfm, rect.width(), 1)
            )
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        fm = QFontMetricsF(option.font)
        title, _, detail = str(index.data(Qt.ItemDataRole.DisplayRole) or "").partition("\n")
        width = max(fm.horizontalAdvance(title) * 1.1, fm.horizontalAdvance(detail) * 0.9)
        lines = 2 if detail else 1
        return QSize(int(width + fm.horizontalAdvance("M")), int(fm.lineSpacing() * (lines + 0.7)))


_Layout = tuple[QFont, QFontMetricsF, float, float, float]
_LAYOUTS: dict[tuple[str, float, str, str], _Layout] = {}
_ELIDED: dict[tuple[str, object, float, int], str] = {}


class OptionDelegate(QStyledItemDelegate):
    """An option card: its number, tier badge and the regimen's name (wrapping to two lines),
    then the reason on one line below.

    The same options come back step after step: their measures and elided texts are
    remembered per text, font and width rather than measured again in every paint."""

    @staticmethod
    def card(index: Index) -> tuple[str, str, str, str]:
        """(name, tier, number, reason) of the card, from the row's option: one call to the
        model (a call into a Python model costs more than the card's words)."""
        option = index.data(OBJECT_ROLE)
        if not isinstance(option, Option):  # (the delegate is made for the options model)
            return "", "", f"{index.row() + 1}.", ""
        # the order in the list; options the guidelines do not rank share a number
        tie = text.tie_note(option)
        why = f"= {tie} · {option.why}" if tie else option.why
        return option.name, option.tier, text.order_label(option), why

    def _layout(
        self, option: QStyleOptionViewItem, width: float, name: str, tier: str, font_key: str
    ) -> _Layout:
        """(bold font, metrics, padding, rank width, name height) for a card ``width`` wide
        (``font_key`` is the option's ``font.key()``)."""
        key = (font_key, width, name, tier)
        found = _LAYOUTS.get(key)
        if found is None:
            found = _remember(_LAYOUTS, key, self._measure(option, width, name, tier))
        return found

    def _measure(self, option: QStyleOptionViewItem, width: float, name: str, tier: str) -> _Layout:
        bold = QFont(option.font)
        bold.setBold(True)
        fm = QFontMetricsF(option.font)
        pad = fm.horizontalAdvance("M") * 0.6
        bfm = QFontMetricsF(bold)
        rank_w = bfm.horizontalAdvance("00.")
        first = width - 2 * pad - rank_w - badge_width(option.font, tier) - pad
        one_line = bfm.horizontalAdvance(name) <= first
        name_h = bfm.lineSpacing() * (1.3 if one_line else 2.3)
        return bold, fm, pad, rank_w, name_h

    def _width(self, option: QStyleOptionViewItem) -> float:
        """The narrowest the card may be painted: the viewport less a vertical scroll bar even
        when none shows yet (it may appear after this layout, narrowing every row; a height
        measured for the wider row then let the rows overlap)."""
        view = self.parent()
        if isinstance(view, QAbstractScrollArea):
            width = view.viewport().width()
            bar = view.verticalScrollBar()
            if not bar.isVisible():
                style = view.style()
                width -= style.pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, view)
            return float(width)
        return float(option.rect.width())

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        # The card is all ours: the style draws only the item's panel (selection, focus), for
        # which the view's option suffices (initStyleOption would ask the model for roles the
        # card never shows, at every paint of every card).
        opt = option
        style = opt.widget.style() if opt.widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        name, tier, number, why = self.card(index)
        font_key = opt.font.key()
        bold, fm, pad, rank_w, name_h = self._layout(opt, opt.rect.width(), name, tier, font_key)
        rect = QRectF(opt.rect).adjusted(pad, pad * 0.7, -pad, -pad * 0.7)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        fg = opt.palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        bfm = QFontMetricsF(bold)
        first_h = bfm.lineSpacing() * 1.3
        top = QRectF(rect.left(), rect.top(), rect.width(), first_h)
        painter.save()
        painter.setFont(bold)
        painter.setPen(fg)
        painter.drawText(top, _VCENTER, number)
        badge_rect = top.adjusted(rank_w, 0, 0, 0)
        width = (
            paint_badge(painter, badge_rect, tier, opt.font, opt.palette, font_key) if tier else 0.0
        )
        painter.setFont(bold)
        painter.setPen(fg)
        name_left = rect.left() + rank_w + width + pad
        name_rect = QRectF(
            name_left,
            rect.top() + (first_h - bfm.lineSpacing()) / 2,
            rect.right() - name_left,
            name_h,
        )
        painter.drawText(
            name_rect,
            _LEFT_TOP_WRAP,
            _elided(name, ("bold", font_key), bfm, name_rect.width(), 2),
        )
        why_rect = QRectF(
            rect.left() + rank_w,
            rect.top() + name_h + pad * 0.2,
            rect.width() - rank_w,
            fm.lineSpacing() * 1.05,
        )
        painter.setFont(opt.font)
        painter.setPen(
            fg
            if selected
            else theme.readable_mix(fg, opt.palette.color(QPalette.ColorRole.Base), 0.8)
        )
        painter.drawText(
            why_rect,
            _LEFT_TOP_WRAP,
            _elided(why, font_key, fm, why_rect.width(), 1),
        )
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        name, tier, _number, _why = self.card(index)
        width = self._width(option)
        _bold, fm, pad, _rank_w, name_h = self._layout(option, width, name, tier, option.font.key())
        # One line of reason (elided; the tooltip and the evidence notes have it whole), so
        # that three options show even on a small screen.
        height = name_h + pad * 0.2 + fm.lineSpacing() * 1.05 + pad * 1.6
        return QSize(int(fm.horizontalAdvance("M") * 20), int(height))


def _elided(s: str, font_key: object, fm: QFontMetricsF, width: float, lines: int) -> str:
    """``s`` elided to one line, or word-wrapped to two with the second elided (remembered
    per text, font (its key, and which of its variants ``fm`` measures) and width)."""
    key = (s, font_key, width, lines)
    found = _ELIDED.get(key)
    if found is None:
        found = _remember(
            _ELIDED,
            key,
            _elide_two_lines(s, fm, width)
            if lines == 2
            else fm.elidedText(s, Qt.TextElideMode.ElideRight, width),
        )
    return str(found)


def _elide_two_lines(s: str, fm: QFontMetricsF, width: float) -> str:
    """Word-wrap to two lines, eliding the second."""
    words = s.split()
    first = ""
    while words:
        trial = f"{first} {words[0]}".strip()
        if fm.horizontalAdvance(trial) > width and first:
            break
        first = trial
        words.pop(0)
    rest = " ".join(words)
    if not rest:
        return first
    return first + "\n" + fm.elidedText(rest, Qt.TextElideMode.ElideRight, width)
