"""Text zoom (Ctrl+= / Ctrl+-) scales the graph's boxes with their text, the panel titles and
the banner; every label still fits inside its box."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QFont, QFontMetricsF

from app.main_window import MainWindow
from app.widgets.graph_view import NodeItem, PathwayScene, _NodeStyle
from app.widgets.story import StoryNode

WRAP = int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap)


def _fits(font: QFont, rect: QRectF, label: str) -> bool:
    needed = QFontMetricsF(font).boundingRect(rect, WRAP, label)
    return needed.width() <= rect.width() + 0.5 and needed.height() <= rect.height() + 0.5


def _story_labels_fit(window: MainWindow) -> list[str]:
    bad = []
    for item in window.story.items():
        if not isinstance(item, StoryNode):
            continue
        font = QFont(window.story.font())
        font.setBold(item.kind != "more")
        _tag, name_rect, _bottom = item.rows()
        if not _fits(font, name_rect, item.label):
            bad.append(item.label)
    return bad


def _whole_labels_fit(scene: PathwayScene) -> list[str]:
    bad = []
    for item in scene.nodes.values():
        assert isinstance(item, NodeItem)
        font = QFont(scene.font())
        font.setBold(True)  # the widest case: path, option or current node
        # the tightest cases: an option (tier badge below), the current position on the
        # path (NOW tag and order circle above; a path node has no tier badge)
        for style in (_NodeStyle(tier="preferred"), _NodeStyle(order=1, current=True)):
            if not _fits(font, item.label_rect(style), item.label):
                bad.append(item.label)
    return bad


def test_zoom_in_five_steps_scales_everything_and_labels_fit(
    make_window: Callable[..., MainWindow],
) -> None:
    window = make_window("08-full-sequence.json")
    title = window.history.title.font().pointSizeF()
    banner = window.banner._rows[0][0].font().pointSizeF()
    decision = window.header.decision.font().pointSizeF()
    node = window.story.node_size()
    assert not _story_labels_fit(window)
    for _ in range(5):
        window.commands.text_bigger.trigger()
    assert window.text_zoom == 5
    grown = 1.1**5 * 0.97
    assert window.history.title.font().pointSizeF() >= title * grown
    assert window.findChild(type(window.history.title), "graph_title").font().pointSizeF() >= (
        title * grown
    )
    assert window.banner._rows[0][0].font().pointSizeF() >= banner * grown
    assert window.header.decision.font().pointSizeF() >= decision * grown
    assert window.story.font().pointSizeF() >= window.font().pointSizeF() - 0.01
    assert window.story.node_size().width() >= node.width() * grown
    assert not _story_labels_fit(window)
    for k in range(window.document.step_count):  # every step's nodes, not just the last
        window.document.set_step(k)
        assert not _story_labels_fit(window), k
    window.commands.graph_all.trigger()
    whole = window.whole_scene
    assert whole.font().pointSizeF() == window.font().pointSizeF()
    assert not _whole_labels_fit(whole)
    window.commands.text_reset.trigger()
    assert window.history.title.font().pointSizeF() == title
