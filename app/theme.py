"""Colours derived from the palette, so light and dark themes both stay readable.

Tier colours are never the only cue: every place that paints one also paints the tier's symbol
and word (see :func:`app.text.tier_badge`).
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette

_TIER_HUES: dict[str, QColor] = {
    "preferred": QColor(0x1B, 0x7F, 0x3B),  # green
    "alternative": QColor(0x1F, 0x5F, 0xAD),  # blue (not amber: amber is for warnings)
    "avoid": QColor(0xB0, 0x26, 0x1C),  # red
    "off-pathway": QColor(0x8A, 0x5A, 0x00),  # brown/amber
}


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightnessF() < 0.5


def tier_color(tier: str, palette: QPalette) -> QColor:
    """A saturated badge colour; lighter on dark palettes."""
    base = _TIER_HUES.get(tier, palette.color(QPalette.ColorRole.Mid))
    return base.lighter(150) if is_dark(palette) else QColor(base)


def tier_fill(tier: str, palette: QPalette) -> QColor:
    """A soft background tint for a node or row of this tier."""
    return mix(tier_color(tier, palette), palette.color(QPalette.ColorRole.Base), 0.22)


def text_on(color: QColor) -> QColor:
    """Black or white, whichever reads better on ``color``."""
    r, g, b = color.redF(), color.greenF(), color.blueF()
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return QColor(0, 0, 0) if luminance > 0.55 else QColor(255, 255, 255)


def mix(a: QColor, b: QColor, amount_a: float) -> QColor:
    """``amount_a`` of ``a`` over ``b``."""
    t = max(0.0, min(1.0, amount_a))
    return QColor.fromRgbF(
        a.redF() * t + b.redF() * (1 - t),
        a.greenF() * t + b.greenF() * (1 - t),
        a.blueF() * t + b.blueF() * (1 - t),
        1.0,
    )


def dimmed_text(palette: QPalette) -> QColor:
    return mix(palette.color(QPalette.ColorRole.Text), palette.color(QPalette.ColorRole.Base), 0.45)


def warning_colors(palette: QPalette) -> tuple[QColor, QColor, QColor]:
    """(background, border, text) of the warnings banner."""
    amber = QColor(0xE0, 0x9B, 0x00)
    base = palette.color(QPalette.ColorRole.Base)
    background = mix(amber, base, 0.35 if is_dark(palette) else 0.18)
    return background, amber, palette.color(QPalette.ColorRole.Text)


def whatif_color(palette: QPalette) -> QColor:
    purple = QColor(0x7B, 0x3F, 0xB5)
    return purple.lighter(150) if is_dark(palette) else purple


def path_color(palette: QPalette) -> QColor:
    return palette.color(QPalette.ColorRole.Highlight)
