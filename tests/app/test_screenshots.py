"""Render every demo case at every step (offscreen) and check the pictures are not blank."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QSize

from app.main_window import MainWindow, demo_cases
from pathways.case import load_case
from pathways.content import Content

DEMOS = demo_cases()


def test_at_least_six_demo_cases() -> None:
    assert len(DEMOS) >= 6


@pytest.mark.parametrize(("label", "path"), DEMOS, ids=[p.stem for _, p in DEMOS])
def test_demo_case_renders(
    make_window: Callable[..., MainWindow], content: Content, label: str, path: Path
) -> None:
    window = make_window(None, show=False)
    window.document.load(load_case(path, content), path)
    for k in (0, window.document.step_count - 1):
        window.document.set_step(k)
        image = window.render_image(QSize(1600, 1000))
        assert (image.width(), image.height()) == (1600, 1000)
        colours = {image.pixel(x, y) for y in range(0, 1000, 11) for x in range(0, 1600, 11)}
        assert len(colours) > 40, f"{path.name} step {k} looks blank"
    assert label in window.windowTitle()
