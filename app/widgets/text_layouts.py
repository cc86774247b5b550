"""``QPainter.drawText(rect, flags, text)`` with the text's layout remembered.

Qt lays the text out anew at every such call (itemizing, shaping, breaking lines), and the
story's nodes draw the same few dozen words at every step. :func:`draw_text` keeps the
laid-out lines and draws them where and as Qt's own ``drawText`` would: the lines are made,
placed and clipped the same way (Qt's ``qt_format_text``, for the plain-text flags used here:
alignment, word wrap, ``TextDontClip``, ``TextSingleLine``), so the pixels are the same, as a
test checks against Qt for wrapped, centred, clipped, scaled and translated text.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QFont, QFontMetricsF, QPainter, QTextLayout, QTextLine, QTextOption

_WRAP = int(Qt.TextFlag.TextWordWrap) | int(Qt.TextFlag.TextWrapAnywhere)
_WRAP_ANYWHERE = int(Qt.TextFlag.TextWrapAnywhere)
_DONT_CLIP = int(Qt.TextFlag.TextDontClip)
_SINGLE_LINE = int(Qt.TextFlag.TextSingleLine)
_BOTTOM = int(Qt.AlignmentFlag.AlignBottom)
_VCENTER = int(Qt.AlignmentFlag.AlignVCenter)
_RIGHT = int(Qt.AlignmentFlag.AlignRight)
_HCENTER = int(Qt.AlignmentFlag.AlignHCenter)
# Flags whose handling this module does not repeat: such calls go to Qt's drawText.
_OTHER = (
    int(Qt.TextFlag.TextShowMnemonic)
    | int(Qt.TextFlag.TextHideMnemonic)
    | int(Qt.TextFlag.TextExpandTabs)
    | int(Qt.TextFlag.TextJustificationForced)
    | int(Qt.AlignmentFlag.AlignJustify)
    | int(Qt.AlignmentFlag.AlignAbsolute)
)
_RTL = Qt.LayoutDirection.RightToLeft
_MAX = 4096  # layouts kept; all dropped when full (fonts change with the text zoom)


class _Laid:
    """A text laid out for a rect's size: its lines with their offsets, and its extent."""

    __slots__ = ("font", "height", "layout", "lines", "width", "xoff", "yoff")

    def __init__(
        self,
        font: QFont,
        layout: QTextLayout,
        lines: list[tuple[QTextLine, float]],
        offsets: tuple[float, float, float, float],
    ) -> None:
        self.font = font  # held: the cache is keyed by this object's identity
        self.layout = layout
        self.lines = lines
        self.xoff, self.yoff, self.width, self.height = offsets


_LAID: dict[tuple[object, ...], _Laid] = {}


def draw_text(painter: QPainter, rect: QRectF, flags: int, text: str, font: QFont) -> None:
    """``painter.drawText(rect, flags, text)``; ``font`` is the painter's font, set by the
    caller, and a long-lived object (the layout is remembered for it)."""
    if flags & _OTHER or "\t" in text or "\x9c" in text or painter.layoutDirection() == _RTL:
        painter.drawText(rect, flags, text)  # (cases Qt handles in ways not repeated here)
        return
    device = painter.device()
    dpi = (device.logicalDpiX(), device.logicalDpiY()) if device is not None else (0, 0)
    w, h = rect.width(), rect.height()
    key = (text, flags, w, h, id(font), dpi)
    laid = _LAID.get(key)
    if laid is None or laid.font is not font:
        if len(_LAID) >= _MAX:
            _LAID.clear()
        laid = _LAID[key] = _lay_out(text, flags, w, h, font, painter)
    if not laid.lines:  # no text: Qt draws nothing
        return
    x, y = rect.x(), rect.y()
    top = y + laid.yoff
    # Qt clips to the rect when the text's bounds are not inside it
    clip = not flags & _DONT_CLIP and not _contains(
        (x, y, w, h), (x + laid.xoff, top, laid.width, laid.height)
    )
    if clip:
        painter.save()
        painter.setClipRect(rect, Qt.ClipOperation.IntersectClip)
    for line, xoff in laid.lines:
        line.draw(painter, QPointF(x + xoff, top))
    if clip:
        painter.restore()


def _contains(
    outer: tuple[float, float, float, float], inner: tuple[float, float, float, float]
) -> bool:
    """``QRectF(*outer).contains(QRectF(*inner))``, in the same arithmetic."""
    for a, length, b, size in (
        (outer[0], outer[2], inner[0], inner[2]),
        (outer[1], outer[3], inner[1], inner[3]),
    ):
        lo1, hi1 = (a + length, a) if length < 0 else (a, a + length)
        if lo1 == hi1:
            return False
        lo2, hi2 = (b + size, b) if size < 0 else (b, b + size)
        if lo2 == hi2 or lo2 < lo1 or hi2 > hi1:
            return False
    return True


def _lay_out(text: str, flags: int, w: float, h: float, font: QFont, painter: QPainter) -> _Laid:
    """The lines as Qt's drawText makes them for a rect ``w`` × ``h``."""
    single = flags & _SINGLE_LINE
    words = text.replace("\r", " ").replace("\n", " " if single else "\u2028")
    resolved = painter.font()  # the font as the painter resolved it for its device
    device = painter.device()
    layout = QTextLayout(words, resolved, device)
    if not text:
        return _Laid(font, layout, [], (0.0, 0.0, 0.0, 0.0))
    layout.setCacheEnabled(True)
    option = QTextOption()
    option.setTextDirection(painter.layoutDirection())
    option.setAlignment(Qt.AlignmentFlag.AlignLeft)  # (aligned below, line by line)
    if flags & _WRAP_ANYWHERE:
        option.setWrapMode(QTextOption.WrapMode.WrapAnywhere)
    layout.setTextOption(option)
    line_width = max(0.0, w) if flags & _WRAP else float(0x01000000)
    leading = QFontMetricsF(resolved, device).leading()
    # Every line is made, as Qt does when asked for the bounding rect (PySide always asks).
    height, width = -leading, 0.0
    layout.beginLayout()
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(line_width)
        height = float(math.ceil(height + leading))  # lines start on whole pixels
        line.setPosition(QPointF(0.0, height))
        height += line.ascent() + line.descent()
        width = max(width, line.naturalTextWidth())
    layout.endLayout()
    yoff = h - height if flags & _BOTTOM else (h - height) / 2 if flags & _VCENTER else 0.0
    xoff = w - width if flags & _RIGHT else (w - width) / 2 if flags & _HCENTER else 0.0
    lines = []
    for i in range(layout.lineCount()):
        line = layout.lineAt(i)
        advance = line.horizontalAdvance()
        x = w - advance if flags & _RIGHT else (w - advance) / 2 if flags & _HCENTER else 0.0
        lines.append((line, x))
    return _Laid(font, layout, lines, (xoff, yoff, width, height))
