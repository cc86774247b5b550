"""The accessible outline mirrors the graph and works from the keyboard."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.main_window import MainWindow
from app.models.roles import ID_ROLE
from app.widgets.story import StoryNode


def _outline_nodes(window: MainWindow) -> list[str]:
    model = window.outline.outline_model
    out = []
    for g in range(model.rowCount()):
        parent = model.index(g, 0)
        out += [str(model.index(r, 0, parent).data(ID_ROLE)) for r in range(model.rowCount(parent))]
    return out


def test_outline_model_passes_the_model_tester(qtmodeltester, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    qtmodeltester.check(window.outline.outline_model)
    window.document.set_step(1)  # the model keeps up with a step
    qtmodeltester.check(window.outline.outline_model)


def test_outline_mirrors_the_graph(make_window: Callable[..., MainWindow]) -> None:
    window = make_window("08-full-sequence.json")
    doc = window.document
    for k in range(doc.step_count):
        doc.set_step(k)
        nodes = _outline_nodes(window)
        drawn = {i.node for i in window.story.items() if isinstance(i, StoryNode) and i.node}
        assert drawn <= set(nodes)  # every node of the graph is in the outline
        rec = doc.recommendation
        # the path in order, then every option in list order (with its tier in words)
        assert nodes == [*doc.patient_path(), *(o.regimen for o in rec.options)]
        model = window.outline.outline_model
        options = model.index(1, 0)
        for row, option in enumerate(rec.options):
            words = model.index(row, 0, options).data()
            number = f"{option.order}." if option.order is not None else "–"
            assert option.name in words and words.startswith(f"{number} ")
            assert ("not ranked by the guidelines" in words) == option.tied
            assert {"preferred": "Preferred", "alternative": "Alternative", "avoid": "Avoid"}[
                option.tier
            ] in words


def test_outline_follows_the_whole_pathway_toggle(window: MainWindow) -> None:
    window.commands.graph_all.trigger()
    assert window.showing_whole
    nodes = _outline_nodes(window)
    assert set(nodes) == set(window.whole_scene.nodes)  # entry points, every line, every option
    model = window.outline.outline_model
    captions = [model.index(g, 0).data() for g in range(model.rowCount())]
    assert "Line 1" in captions and "Metastatic start" in captions
    window.commands.graph_all.trigger()
    assert not window.showing_whole


def test_keys_walk_the_outline_and_enter_selects(qtbot: QtBot, window: MainWindow) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    window.graph_tabs.setCurrentWidget(window.outline)
    window.outline.setFocus()
    window.outline.setCurrentIndex(window.outline.outline_model.index(1, 0))  # "Next options"
    qtbot.keyClick(window.outline, Qt.Key.Key_Down)
    qtbot.keyClick(window.outline, Qt.Key.Key_Down)
    current: QModelIndex = window.outline.currentIndex()
    node = current.data(ID_ROLE)
    assert node == window.document.recommendation.options[1].regimen
    qtbot.keyClick(window.outline, Qt.Key.Key_Return)
    assert window.selected == node
    assert window.options.selected_regimen() == node


def test_alt_2_goes_to_the_outline_when_it_is_shown(qtbot: QtBot, window: MainWindow) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    window.graph_tabs.setCurrentWidget(window.outline)
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    assert QApplication.focusWidget() is window.outline
