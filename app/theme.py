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
    """Black or white, whichever has the higher contrast on ``color`` (WCAG)."""
    black, white = QColor(0, 0, 0), QColor(255, 255, 255)
    return black if contrast(black, color) > contrast(white, color) else white


def readable_on(color: QColor, background: QColor, minimum: float = 4.5) -> QColor:
    """``color`` lightened or darkened, as little as needed, to read on ``background``."""
    out = QColor(color)
    lighter = luminance(background) < 0.18
    for _ in range(40):
        if contrast(out, background) >= minimum + 0.05:
            break
        out = out.lighter(108) if lighter else out.darker(108)
    return out


def mix(a: QColor, b: QColor, amount_a: float) -> QColor:
    """``amount_a`` of ``a`` over ``b``."""
    t = max(0.0, min(1.0, amount_a))
    return QColor.fromRgbF(
        a.redF() * t + b.redF() * (1 - t),
        a.greenF() * t + b.greenF() * (1 - t),
        a.blueF() * t + b.blueF() * (1 - t),
        1.0,
    )


MIN_CONTRAST = 4.5  # WCAG AA for body text: every text colour here keeps at least this


def luminance(color: QColor) -> float:
    """WCAG relative luminance."""

    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(color.redF())
        + 0.7152 * channel(color.greenF())
        + 0.0722 * channel(color.blueF())
    )


def contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    la, lb = luminance(a), luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


_READABLE: dict[tuple[int, int, float, float], QColor] = {}


def readable_mix(fg: QColor, bg: QColor, amount_fg: float, minimum: float = MIN_CONTRAST) -> QColor:
    """``fg`` softened towards ``bg`` by ``amount_fg`` as asked, but never below ``minimum``
    contrast against ``bg`` (grey captions at 3.4:1 washed out on projectors). Remembered per
    colour pair: item views ask for it for every cell they paint."""
    key = (fg.rgba(), bg.rgba(), amount_fg, minimum)
    found = _READABLE.get(key)
    if found is None:
        t = amount_fg
        while t < 1.0 and contrast(mix(fg, bg, t), bg) < minimum + 0.05:
            t = min(1.0, t + 0.02)
        found = _READABLE[key] = mix(fg, bg, t)
    return QColor(found)


def dimmed_text(palette: QPalette) -> QColor:
    """Secondary text (captions, dates, later steps): softer than the text, still 4.5:1."""
    return readable_mix(
        palette.color(QPalette.ColorRole.Text), palette.color(QPalette.ColorRole.Base), 0.45
    )


def accessible(palette: QPalette) -> QPalette:
    """The palette with its selection colour adjusted until selected text reads at 4.5:1
    (Fusion's light blue gives white text 3.7:1). Other roles are the system's."""
    out = QPalette(palette)
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        highlight = out.color(group, QPalette.ColorRole.Highlight)
        text = out.color(group, QPalette.ColorRole.HighlightedText)
        darken = luminance(text) > luminance(highlight)
        for _ in range(40):
            if contrast(highlight, text) >= MIN_CONTRAST + 0.05:
                break
            highlight = highlight.darker(106) if darken else highlight.lighter(106)
        out.setColor(group, QPalette.ColorRole.Highlight, highlight)
    return out


def warning_colors(palette: QPalette) -> tuple[QColor, QColor, QColor]:
    """(background, border, text) of the warnings banner."""
    amber = QColor(0xE0, 0x9B, 0x00)
    base = palette.color(QPalette.ColorRole.Base)
    background = mix(amber, base, 0.35 if is_dark(palette) else 0.18)
    return background, amber, palette.color(QPalette.ColorRole.Text)


def banner_whatif(palette: QPalette) -> QColor:
    """The what-if note's colour on the warnings banner."""
    return readable_on(whatif_color(palette), warning_colors(palette)[0])


def whatif_color(palette: QPalette) -> QColor:
    purple = QColor(0x7B, 0x3F, 0xB5)
    return purple.lighter(150) if is_dark(palette) else purple


def path_color(palette: QPalette) -> QColor:
    return palette.color(QPalette.ColorRole.Highlight)


def light_palette() -> QPalette:
    """White paper, black ink: reports (and the projector) never follow a dark desktop theme."""
    palette = QPalette()
    white, black = QColor(255, 255, 255), QColor(0, 0, 0)
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        palette.setColor(group, QPalette.ColorRole.Window, white)
        palette.setColor(group, QPalette.ColorRole.Base, white)
        palette.setColor(group, QPalette.ColorRole.AlternateBase, QColor(0xF2, 0xF2, 0xF2))
        palette.setColor(group, QPalette.ColorRole.Text, black)
        palette.setColor(group, QPalette.ColorRole.WindowText, black)
        palette.setColor(group, QPalette.ColorRole.ButtonText, black)
        palette.setColor(group, QPalette.ColorRole.Button, QColor(0xEE, 0xEE, 0xEE))
        palette.setColor(group, QPalette.ColorRole.Mid, QColor(0x70, 0x70, 0x70))
        palette.setColor(group, QPalette.ColorRole.Highlight, QColor(0x0B, 0x4F, 0xA8))
        palette.setColor(group, QPalette.ColorRole.HighlightedText, white)
    return palette
