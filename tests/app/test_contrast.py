"""Every text colour the window uses reads at 4.5:1 or better against its background, in the
light and a dark palette: the palette roles, the colours derived in ``app.theme`` and the
colours set in style sheets."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from app import theme
from app.main_window import MainWindow

R = QPalette.ColorRole
MIN = theme.MIN_CONTRAST


def _dark() -> QPalette:
    p = QPalette()
    for role, hex_ in (
        (R.Window, "#2b2b2b"),
        (R.WindowText, "#e8e8e8"),
        (R.Base, "#1e1e1e"),
        (R.AlternateBase, "#2a2a2a"),
        (R.Text, "#e8e8e8"),
        (R.Button, "#353535"),
        (R.ButtonText, "#e8e8e8"),
        (R.Highlight, "#3d8ee0"),
        (R.HighlightedText, "#ffffff"),
        (R.Mid, "#555555"),
    ):
        p.setColor(role, QColor(hex_))
    return p


def _palettes() -> Iterator[tuple[str, QPalette]]:
    yield "light", theme.accessible(QApplication.palette())
    yield "dark", theme.accessible(_dark())


PALETTES = ["light", "dark"]


def _palette(name: str) -> QPalette:
    return dict(_palettes())[name]


def test_contrast_formula_matches_wcag() -> None:
    assert theme.contrast(QColor("#000000"), QColor("#ffffff")) == pytest.approx(21.0)
    assert theme.contrast(QColor("#777777"), QColor("#ffffff")) == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("name", PALETTES)
def test_palette_text_roles(qapp: QApplication, name: str) -> None:
    p = _palette(name)
    for fg, bg in (
        (R.Text, R.Base),
        (R.WindowText, R.Window),
        (R.ButtonText, R.Button),
        (R.HighlightedText, R.Highlight),  # selected rows (Fusion's own blue was 3.7:1)
    ):
        assert theme.contrast(p.color(fg), p.color(bg)) >= MIN, (name, fg, bg)


@pytest.mark.parametrize("name", PALETTES)
def test_derived_text_colours(qapp: QApplication, name: str) -> None:
    p = _palette(name)
    text, base, window = p.color(R.Text), p.color(R.Base), p.color(R.Window)
    pairs: list[tuple[str, QColor, QColor]] = [
        ("dimmed caption", theme.dimmed_text(p), base),
        ("option reason", theme.readable_mix(text, base, 0.8), base),
        ("history detail", theme.readable_mix(text, base, 0.7), base),
        ("what-if on base", theme.whatif_color(p), base),
        ("node on path", text, theme.mix(theme.path_color(p), base, 0.18)),
        ("story node on path", text, theme.mix(theme.path_color(p), base, 0.10)),
        ("NOW tag", theme.text_on(theme.path_color(p)), theme.path_color(p)),
        ("legend", p.color(R.WindowText), window),
    ]
    for tier in ("preferred", "alternative", "avoid", "off-pathway"):
        color = theme.tier_color(tier, p)
        pairs.append((f"{tier} badge", theme.text_on(color), color))
        pairs.append((f"{tier} node", text, theme.tier_fill(tier, p)))
    bg, _border, fg = theme.warning_colors(p)
    pairs += [("banner", fg, bg), ("banner what-if", theme.banner_whatif(p), bg)]
    low = [
        (what, round(theme.contrast(a, b), 2)) for what, a, b in pairs if theme.contrast(a, b) < MIN
    ]
    assert not low, (name, low)


def test_readable_mix_never_goes_below_the_minimum(qapp: QApplication) -> None:
    for fg, bg in (("#000000", "#ffffff"), ("#e8e8e8", "#1e1e1e"), ("#1b7f3b", "#ffffff")):
        for amount in (0.0, 0.2, 0.5, 0.8, 1.0):
            mixed = theme.readable_mix(QColor(fg), QColor(bg), amount)
            assert theme.contrast(mixed, QColor(bg)) >= min(
                MIN, theme.contrast(QColor(fg), QColor(bg))
            )


_RULE = re.compile(r"\{([^}]*)\}")
_COLOR = re.compile(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{6})")
_BACKGROUND = re.compile(r"background(?:-color)?:\s*(#[0-9a-fA-F]{6})")


def test_style_sheets_in_the_window(make_window: Callable[..., MainWindow]) -> None:
    window = make_window("05-brain-metastases.json")
    window.factors.checks["tdxd_available"].click()  # shows the "what changed" box
    checked = 0
    low = []
    widgets: list[QWidget] = [window, *window.findChildren(QWidget)]
    for w in widgets:
        sheet = w.styleSheet()
        backgrounds = _BACKGROUND.findall(sheet)
        if not backgrounds:
            continue
        colors = _COLOR.findall(sheet) or [w.palette().color(R.WindowText).name()]
        for rule in _RULE.findall(sheet):
            for bg in _BACKGROUND.findall(rule) or backgrounds[:1]:
                for fg in _COLOR.findall(rule) or colors:
                    checked += 1
                    if theme.contrast(QColor(fg), QColor(bg)) < MIN:
                        low.append((w.objectName(), fg, bg))
    assert checked >= 3  # the banner and the "what changed" box at least
    assert not low, low
