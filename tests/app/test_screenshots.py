"""Render every demo case at every step (offscreen) and check the pictures are not blank."""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, QSizeF, QUrl
from PySide6.QtGui import QAction, QImage, QImageWriter, QTextDocument
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.main_window import MainWindow, demo_cases
from app.safe_output import png_writer
from app.tumor_board.install import install_tumor_board
from pathways.case import load_case
from pathways.content import Content
from pathways.engine import Engine
from tests.app.conftest import ROOT

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


@pytest.mark.parametrize("case_name", ["04-after-thp-and-tdxd.json", "08-full-sequence.json"])
def test_offscreen_picture_is_the_window_as_painted(
    make_window: Callable[..., MainWindow], case_name: str
) -> None:
    """The picture is the surface the window painted (not a second painting): the same
    pixels as a grab() of the window now shown, opaque, and still whole once it is gone."""
    window = make_window(case_name, show=False)
    image = window.render_image(QSize(1600, 1000))
    assert image.format() == QImage.Format.Format_RGB32
    grabbed = window.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    assert image == grabbed
    kept = image.copy()
    window.hide()
    window.deleteLater()
    QApplication.sendPostedEvents(None, 0)  # the window and its backing store are deleted
    assert image == kept


def test_png_files_hold_the_same_pixels_in_fewer_bytes(
    make_window: Callable[..., MainWindow],
) -> None:
    """The app's PNGs decode to the window's pixels, and are smaller than Qt's default
    compression makes them (the reason for the app's setting)."""
    image = make_window("08-full-sequence.json", show=False).render_image(QSize(1600, 1000))
    written: dict[str, bytes] = {}
    for name, writer_for in (("app", png_writer), ("default", _default_png_writer)):
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        assert writer_for(buffer).write(image)
        written[name] = bytes(buffer.data().data())
    decoded = QImage.fromData(written["app"], "PNG").convertToFormat(QImage.Format.Format_RGB32)
    assert decoded == image
    assert len(written["app"]) < len(written["default"])


def _default_png_writer(device: QIODevice) -> QImageWriter:
    return QImageWriter(device, QByteArray(b"png"))


def test_evidence_scroll_bar_is_settled_in_the_picture(
    qtbot: QtBot, make_window: Callable[..., MainWindow]
) -> None:
    """A long evidence page is laid out to its end before the picture: its scroll bar is
    the one the window shows once idle, not the one of a page laid out half-way."""
    window = make_window("07-early-relapse.json", show=False)
    window.render_image(QSize(1600, 1000))
    bar = window.evidence.browser.verticalScrollBar()
    pictured = (bar.maximum(), bar.pageStep())
    qtbot.wait(300)  # Qt lays the rest of a long page out in slices, when idle
    assert (bar.maximum(), bar.pageStep()) == pictured
    assert pictured[0] > 0


# ---------------------------------------------------------------------------- screen sizes
# Logical sizes of a 1366×768 laptop and of a 1920×1080 screen at 150 % and 200 %: the layout
# depends only on these (the scale multiplies pixels, not the room the panels get).
SIZES = {
    "1366x768": QSize(1366, 768),
    "1920x1080@1.5": QSize(1280, 720),
    "1920x1080@2": QSize(960, 540),
}


def _visible_in_toolbar(window: MainWindow, action: QAction) -> bool:
    widget = window.toolbar.widgetForAction(action)
    if widget is None or not widget.isVisible():
        return False
    inside = window.toolbar.rect()
    return inside.contains(widget.geometry())


@pytest.mark.parametrize("size_name", list(SIZES))
@pytest.mark.parametrize(
    "case_name", ["04-after-thp-and-tdxd.json", "05-brain-metastases.json", "08-full-sequence.json"]
)
def test_layout_holds_at_small_and_scaled_screens(
    make_window: Callable[..., MainWindow], tmp_path: Path, size_name: str, case_name: str
) -> None:
    window = make_window(case_name, show=False)
    install_tumor_board(window, tmp_path / "library.sqlite")
    image = window.render_image(SIZES[size_name])
    assert not image.isNull()
    # Undo, Redo and Present are never behind the toolbar's overflow
    present = window.findChild(QAction, "action_present")
    assert present is not None
    for action in (window.commands.undo, window.commands.redo, present):
        assert _visible_in_toolbar(window, action), (size_name, action.objectName())
    # history and options show at least three rows each
    table = window.history.table
    row_h = table.verticalHeader().defaultSectionSize()
    assert table.viewport().height() >= 3 * row_h - 1, size_name
    view = window.options.list
    heights = [view.visualRect(view.model().index(r, 0)).height() for r in range(3)]
    assert view.viewport().height() >= sum(heights) - 2, (size_name, view.viewport().height())
    # option cards never overlap, and each has the height its text needs
    rects = [view.visualRect(view.model().index(r, 0)) for r in range(view.model().rowCount())]
    for above, below in itertools.pairwise(rects):
        assert above.bottom() < below.top(), (size_name, above, below)
    # the history's columns all fit in the panel (no column pushed off screen)
    header = table.horizontalHeader()
    assert header.length() <= table.viewport().width() + 1, size_name
    # the graph shows the whole story: path, position and options, all inside the view
    scene_rect = window.graph.mapFromScene(window.story.sceneRect()).boundingRect()
    assert window.graph.viewport().rect().adjusted(-2, -2, 2, 2).contains(scene_rect), size_name


def test_screenshot_option_renders_at_the_asked_size_and_scale(tmp_path: Path) -> None:
    out = tmp_path / "shot.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("QT_SCALE_FACTOR", None)
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "main.py"),
            "--screenshot",
            str(out),
            "--size",
            "1920x1080",
            "--scale",
            "2",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1920, 1080)
    for bad in (["--size", "12x"], ["--scale", "nan"], ["--size", "800x600"]):
        args = [sys.executable, str(ROOT / "main.py"), *bad]
        if "--size" not in bad or bad[1] != "800x600":
            args += ["--screenshot", str(out)]
        failed = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)
        assert failed.returncode == 2 and len(failed.stderr.strip().splitlines()) == 1, bad


# ---------------------------------------------------------------------------- PDF layout
def test_pdf_keeps_headings_with_what_follows_and_short_boxes_whole(qapp: QApplication) -> None:
    from app.tumor_board.report import keep_together

    box = (
        "<h3>Warnings</h3><table border='1' width='100%'><tr><td>"
        + "<p>a warning line</p>" * 6
        + "</td></tr></table>"
    )
    page_h = 400.0
    for filler in range(10, 22):  # the heading lands at every height near the page's foot
        doc = QTextDocument()
        doc.setHtml("<p>paragraph</p>" * filler + box + "<h3>Next</h3><p>after</p>")
        doc.setTextWidth(300)
        doc.setPageSize(QSizeF(300, page_h))
        keep_together(doc, page_h)
        layout = doc.documentLayout()
        block = doc.begin()
        while block.isValid():
            if block.blockFormat().headingLevel():
                head = layout.blockBoundingRect(block)
                following = layout.blockBoundingRect(block.next())
                assert int(head.top() // page_h) == int((following.bottom() - 1) // page_h)
            block = block.next()
        table = doc.rootFrame().childFrames()[0]
        rect = layout.frameBoundingRect(table)
        assert int(rect.top() // page_h) == int((rect.bottom() - 1) // page_h), filler


def test_case_report_layout(content: Content, engine: Engine) -> None:
    from app.tumor_board import report
    from tests.app.conftest import case_of

    case = case_of("04-after-thp-and-tdxd.json", content)
    doc = report.case_document(content, engine, case)
    plain = doc.toPlainText()
    # the options the disease already progressed on: one line, not a row each
    assert plain.count("Already progressed on:") == 1
    rec = engine.next_options(case)
    progressed = [o for o in rec.options if "repeated-regimen" in o.flags]
    assert len(progressed) >= 3
    assert all(o.name in plain for o in progressed)
    assert "The disease already progressed" not in plain
    # the disclaimer once
    assert plain.count("Decision support only.") == 1
    # the graph is the patient's story and sharp at 100 %: at least 200 dots per inch on A4
    html = doc.toHtml()
    width_px = float(
        html.split('<img src="graph://case/', 1)[1].split('width="', 1)[1].split('"')[0]
    )
    image = next(
        iter(
            doc.resource(QTextDocument.ResourceType.ImageResource, QUrl(k))
            for k in re.findall(r'src="(graph://case/[^"]+)"', html)
        )
    )
    printed_inches = width_px / report.REPORT_WIDTH_PX * (210 - 32) / 25.4
    assert image.width() / printed_inches >= 200
