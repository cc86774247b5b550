"""Text drawn through remembered layouts is pixel for pixel what Qt's drawText draws."""

from __future__ import annotations

import random

import pytest
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QTransform
from pytestqt.qtbot import QtBot

from app.widgets import text_layouts
from app.widgets.text_layouts import draw_text

A = Qt.AlignmentFlag
FLAGS = [
    int(A.AlignLeft | A.AlignVCenter),
    int(A.AlignRight | A.AlignVCenter),
    int(A.AlignCenter),
    int(A.AlignCenter | Qt.TextFlag.TextWordWrap),
    int(A.AlignLeft | A.AlignTop | Qt.TextFlag.TextWordWrap),
    int(A.AlignRight | A.AlignBottom | Qt.TextFlag.TextWordWrap),
    int(A.AlignCenter | Qt.TextFlag.TextWrapAnywhere),
    int(A.AlignCenter | Qt.TextFlag.TextDontClip),
    int(A.AlignLeft | Qt.TextFlag.TextSingleLine),
]
TEXTS = [
    "Trastuzumab + chemotherapy (other than THP)",
    "● NOW",
    "▶ given next",
    "12=",
    "Line 3 · progressed",
    "✕ Avoid",
    "Pertuzumab + trastuzumab\n+ docetaxel",
    "Lapatinib & capecitabine",
    "= not ranked by the guidelines · HR-positive after two or more HER2 therapies",
    "",
    "  leading spaces",
    "trailing spaces  ",
    "Supercalifragilisticexpialidocious-without-spaces",
]


def _picture(
    draw: str,
    font: QFont,
    transform: QTransform,
    rect: QRectF,
    flags: int,
    text: str,
    direction: Qt.LayoutDirection,
) -> QImage:
    image = QImage(360, 140, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor("#eef3f8"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    painter.setTransform(transform)
    painter.setFont(font)
    painter.setPen(QColor("#202020"))
    painter.setLayoutDirection(direction)
    if draw == "qt":
        painter.drawText(rect, flags, text)
    else:
        draw_text(painter, rect, flags, text, font)
    painter.end()
    return image


@pytest.mark.parametrize("seed", range(4))
def test_remembered_layouts_draw_what_drawtext_draws(qtbot: QtBot, seed: int) -> None:
    """Wrapped, centred, right-aligned, clipped and unclipped, scaled (as the story graph is
    when fitted) and translated by fractions of a pixel: the same pixels as Qt's drawText."""
    rng = random.Random(seed)
    fonts = []
    for size, bold, italic in (
        (9.0, True, False),
        (10.5, False, False),
        (12.6, False, True),
        (14, True, False),
    ):
        font = QFont()
        font.setPointSizeF(size)
        font.setBold(bold)
        font.setItalic(italic)
        fonts.append(font)
    for _ in range(60):
        font = rng.choice(fonts)
        text, flags = rng.choice(TEXTS), rng.choice(FLAGS)
        rect = QRectF(
            rng.uniform(-5, 30), rng.uniform(-5, 30), rng.uniform(8, 240), rng.uniform(6, 60)
        )
        transform = QTransform()
        transform.translate(rng.uniform(0, 40), rng.uniform(0, 40))
        scale = rng.choice([1.0, 1.0, 0.4549, 0.6796, 0.9025, 1.25, 1.5])
        transform.scale(scale, scale)
        # a widget's painter is left to right; an image's leaves the direction to the text
        direction = rng.choice(
            [Qt.LayoutDirection.LeftToRight, Qt.LayoutDirection.LayoutDirectionAuto]
        )
        expected = _picture("qt", font, transform, rect, flags, text, direction)
        kept = len(text_layouts._LAID)
        for _first_then_kept in range(2):
            assert _picture("ours", font, transform, rect, flags, text, direction) == expected, (
                text,
                flags,
                rect,
                scale,
            )
        assert len(text_layouts._LAID) == kept + 1 or not text  # drawn from a layout kept


def test_layouts_are_kept_per_font_object_and_text(qtbot: QtBot) -> None:
    text_layouts._LAID.clear()
    font, other = QFont(), QFont()
    other.setBold(True)
    image = QImage(100, 40, QImage.Format.Format_ARGB32_Premultiplied)
    painter = QPainter(image)
    rect = QRectF(0, 0, 100, 40)
    for f in (font, font, other):
        painter.setFont(f)
        draw_text(painter, rect, int(A.AlignCenter), "T-DXd", f)
    painter.end()
    assert len(text_layouts._LAID) == 2  # one per font; the second call found its layout
