"""What a step or a factor change redoes, and what it keeps: the engine's steps of a case seen
before, the history's column widths, the evidence page when it is the same, the evidence
viewport's size, the options list's rows when the options are the same regimens.

These are behaviours, not timings (speed is measured in ``benchmarks/``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app.document import CaseDocument
from app.main_window import MainWindow
from app.models.history_model import HistoryTableModel
from app.models.options_model import OptionsListModel
from pathways.content import Content
from pathways.engine import Engine
from tests.app.conftest import case_of

DEMO = "08-full-sequence.json"


class CountingEngine(Engine):
    """The real engine, counting the cases it was asked to step through."""

    def __init__(self, content: Content) -> None:
        super().__init__(content)
        self.runs = 0

    def steps(self, *args: Any, **kwargs: Any) -> Any:
        self.runs += 1
        return super().steps(*args, **kwargs)


def test_a_factor_toggled_back_reuses_the_steps_of_the_case_seen_before(
    content: Content,
) -> None:
    engine = CountingEngine(content)
    doc = CaseDocument(content, engine)
    doc.load(case_of(DEMO, content), None)
    doc.set_step(2)
    before_walk, before_runs = doc.walkthrough, engine.runs
    factors = doc.case.factors
    toggled = dataclasses.replace(factors, tdxd_available=not factors.tdxd_available)

    doc.set_factors(toggled)
    assert engine.runs == before_runs + 1  # a new case: the engine runs
    assert doc.walkthrough.case.factors == toggled
    assert doc.walkthrough.steps != before_walk.steps  # and its answer is the new one

    doc.set_factors(factors)
    assert engine.runs == before_runs + 1  # the case seen before: its steps are kept
    assert doc.walkthrough is before_walk
    doc.undo_stack.undo()  # back to the toggled case: kept as well
    assert engine.runs == before_runs + 1
    assert doc.walkthrough.case.factors == toggled


def test_an_edited_history_is_stepped_through_anew(content: Content) -> None:
    engine = CountingEngine(content)
    doc = CaseDocument(content, engine)
    doc.load(case_of(DEMO, content), None)
    runs = engine.runs
    doc.remove_line(len(doc.case.history) - 1)
    assert engine.runs == runs + 1
    assert len(doc.walkthrough) == len(doc.case.history) + 1


def test_history_columns_keep_their_widths_while_stepping(
    make_window: Callable[..., MainWindow],
) -> None:
    window = make_window(DEMO)
    table = window.history.table
    header = table.horizontalHeader()
    widths = [header.sectionSize(c) for c in range(HistoryTableModel.COLUMNS)]
    for step in [*range(window.document.step_count), 0]:
        window.document.set_step(step)
        assert [header.sectionSize(c) for c in range(HistoryTableModel.COLUMNS)] == widths
    # every narrow column still holds its widest cell (measured over all rows, any step bold)
    for column in window.history.FITTED:
        assert header.sectionSize(column) >= table.sizeHintForColumn(column)
        assert header.sectionSize(column) >= header.sectionSizeHint(column)


def test_history_columns_follow_the_text_zoom_and_a_new_case(
    make_window: Callable[..., MainWindow], content: Content
) -> None:
    window = make_window(DEMO)
    header = window.history.table.horizontalHeader()
    step_width = header.sectionSize(HistoryTableModel.STEP)
    window.commands.text_bigger.trigger()
    window.commands.text_bigger.trigger()
    window.commands.text_bigger.trigger()
    assert header.sectionSize(HistoryTableModel.STEP) > step_width
    window.commands.text_reset.trigger()
    assert header.sectionSize(HistoryTableModel.STEP) == step_width
    table = window.history.table
    window.document.load(case_of("01-new-metastatic.json", content), None)
    for column in window.history.FITTED:
        assert header.sectionSize(column) >= table.sizeHintForColumn(column)


def test_the_evidence_page_is_not_laid_out_again_when_it_is_the_same(
    window: MainWindow, qtbot: QtBot
) -> None:
    d = window.document
    rec = d.recommendation
    first, second = rec.options[0], rec.options[1]
    panel = window.evidence
    panel.show_regimen(d, first.regimen, first, rec)
    first_browser = panel.browser
    page = first_browser.document()
    with qtbot.assertNotEmitted(page.contentsChanged):
        panel.show_regimen(d, first.regimen, first, rec)  # the same page: nothing to do
        panel.show_regimen(d, second.regimen, second, rec)  # another page, another browser
        assert panel.browser is not first_browser
        assert second.name in panel.plain_text()
        assert panel.browser.isVisible() and not first_browser.isVisible()
        panel.show_regimen(d, first.regimen, first, rec)  # back: the page as it was laid out
    assert panel.browser is first_browser and first_browser.isVisible()
    assert first.name in panel.plain_text()


def test_evidence_pages_kept_are_bounded_and_dropped_on_a_font_change(
    window: MainWindow,
) -> None:
    from PySide6.QtWidgets import QTextBrowser

    d = window.document
    panel = window.evidence
    shown = 0
    for step in range(d.step_count):
        d.set_step(step)
        for option in d.recommendation.options:
            panel.show_regimen(d, option.regimen, option, d.recommendation)
            shown += 1
            assert option.name in panel.plain_text()
    assert shown > panel.BROWSERS_KEPT
    browsers = [b for b in panel.findChildren(QTextBrowser) if b.parent() is not None]
    assert len(browsers) <= panel.BROWSERS_KEPT
    assert sum(b.isVisible() for b in browsers) == 1
    window.commands.text_bigger.trigger()
    kept = [b for b in panel._browsers.values()]
    assert kept == [panel.browser]


def test_the_evidence_viewport_keeps_its_size_through_every_step(
    make_window: Callable[..., MainWindow], qtbot: QtBot
) -> None:
    window = make_window(DEMO)
    viewport = window.evidence.browser.viewport()
    qtbot.wait(1)
    sizes = set()
    for step in [*range(window.document.step_count), 0]:
        window.document.set_step(step)
        qtbot.wait(1)  # the scroll bars are adjusted through posted events
        sizes.add(viewport.size().toTuple())
    assert len(sizes) == 1


@pytest.mark.parametrize("same", [True, False])
def test_options_model_updates_rows_in_place_for_the_same_regimens(
    qtbot: QtBot, content: Content, engine: Engine, same: bool
) -> None:
    doc = CaseDocument(content, engine)
    doc.load(case_of(DEMO, content), None)
    model = OptionsListModel()
    doc.set_step(2)
    model.set_recommendation(doc.recommendation)
    ids = [o.regimen for o in model.options]
    if same:  # the same regimens after a factor change: updated in place, row by row
        before = model.options
        factors = doc.case.factors
        doc.set_factors(dataclasses.replace(factors, taxane_contraindicated=True))
        after = doc.recommendation.options
        assert [o.regimen for o in after] == ids
        differ = {r for r, (a, b) in enumerate(zip(after, before, strict=True)) if a != b}
        assert 0 < len(differ) < len(ids)  # a partial change, or this tests nothing
        updated: list[int] = []
        model.dataChanged.connect(
            lambda top, bottom: updated.extend(range(top.row(), bottom.row() + 1))
        )
        with qtbot.assertNotEmitted(model.modelReset):
            model.set_recommendation(doc.recommendation)
        assert set(updated) == differ  # only the rows that show something else
    else:
        doc.set_step(0)
        assert [o.regimen for o in doc.recommendation.options] != ids
        with qtbot.waitSignal(model.modelReset, timeout=1000):
            model.set_recommendation(doc.recommendation)
    assert [o.regimen for o in model.options] == [o.regimen for o in doc.recommendation.options]


def test_stepping_back_finds_each_evidence_page_again(
    make_window: Callable[..., MainWindow], monkeypatch: pytest.MonkeyPatch
) -> None:
    from app import evidence_html

    built: list[str] = []
    real = evidence_html.evidence_html

    def counting(*args: Any, **kwargs: Any) -> str:
        built.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(evidence_html, "evidence_html", counting)
    window = make_window(DEMO)
    d = window.document
    steps = range(d.step_count)
    for step in steps:
        d.set_step(step)
    first_pass = len(built)
    for step in reversed(steps):
        d.set_step(step)
        chosen = d.recommendation.option(window.selected) if window.selected else None
        if chosen is not None:
            assert chosen.name in window.evidence.plain_text()
    assert len(built) == first_pass  # every page of the way back was built before


def test_the_outline_opens_its_rows_when_its_tab_is_shown(
    make_window: Callable[..., MainWindow],
) -> None:
    window = make_window(DEMO)
    outline = window.outline
    window.document.set_step(1)
    window.document.set_step(0)
    model = outline.outline_model
    assert model.rowCount() > 0  # the model is current while the tab is hidden
    window.graph_tabs.setCurrentWidget(outline)
    assert outline.isVisible()
    for row in range(model.rowCount()):
        assert outline.isExpanded(model.index(row, 0))
    window.document.set_step(2)  # while shown, a step opens the new rows at once
    for row in range(model.rowCount()):
        assert outline.isExpanded(model.index(row, 0))


def test_what_changed_is_plain_text_one_line_per_change(window: MainWindow) -> None:
    from PySide6.QtCore import Qt

    window.options.show_changes(["<b>T-DXd</b> now listed 1 & more", "Second change"])
    label = window.options.changes
    assert label.isVisible()
    assert label.textFormat() == Qt.TextFormat.PlainText
    shown = label.text().splitlines()
    assert shown[1:] == ["•  <b>T-DXd</b> now listed 1 & more", "•  Second change"]
    window.options.show_changes([])
    assert not label.isVisible()


def test_story_words_are_left_out_only_where_too_small_to_read_on_screen(
    make_window: Callable[..., MainWindow], content: Content
) -> None:
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QImage, QPainter

    from app.widgets.story import StoryNode
    from benchmarks.window import long_case

    window = make_window(DEMO)
    window.resize(1600, 1000)
    nodes = [i for i in window.story.items() if isinstance(i, StoryNode)]
    scale = window.graph.transform().m11()
    assert all(n.text_readable(scale) for n in nodes)  # a short history: words everywhere

    window.document.load(long_case(content, 60), None)
    window.graph.fit()
    scale = window.graph.transform().m11()
    nodes = [i for i in window.story.items() if isinstance(i, StoryNode)]
    assert not any(n.text_readable(scale) for n in nodes)  # 60 lines fitted: too small
    assert all(n.text_readable(scale * 4) for n in nodes)  # zoomed in: words again

    # an export (no widget) at the same scale has every word: a different picture
    from PySide6.QtWidgets import QStyleOptionGraphicsItem

    def picture(on_screen: bool) -> QImage:
        node = nodes[0]
        image = QImage(400, 400, QImage.Format.Format_ARGB32)
        image.fill(0xFFFFFFFF)
        painter = QPainter(image)
        painter.translate(200, 200)
        painter.scale(scale, scale)
        option = QStyleOptionGraphicsItem()
        option.exposedRect = QRectF(node.boundingRect())
        node.paint(painter, option, window.graph.viewport() if on_screen else None)
        painter.end()
        return image

    assert picture(on_screen=False) != picture(on_screen=True)
    assert picture(on_screen=False) == picture(on_screen=False)
    # the selection stays visible on a node too small for words
    window.story.clearSelection()
    unselected = picture(on_screen=True)
    nodes[0].setSelected(True)
    assert nodes[0].isSelected()
    assert picture(on_screen=True) != unselected


def test_a_step_keeps_the_story_items_that_stay_the_same_and_draws_what_a_fresh_build_draws(
    make_window: Callable[..., MainWindow], content: Content
) -> None:
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtWidgets import QGraphicsScene

    from app.widgets.story import StoryNode, StoryScene
    from benchmarks.window import long_case

    def picture(scene: QGraphicsScene) -> QImage:
        rect = scene.sceneRect()
        image = QImage(
            int(rect.width() / 4) + 1, int(rect.height() / 4) + 1, QImage.Format.Format_ARGB32
        )
        image.fill(0)
        painter = QPainter(image)
        scene.render(painter, QRectF(image.rect()), rect)
        painter.end()
        return image

    window = make_window(DEMO)
    document, story = window.document, window.story
    document.load(long_case(content, 60), None)
    kept_in_all = 0
    for k in (40, 41, 42, 41, 12, 13):
        before = {
            (i.number, i.pos().toTuple()): i
            for i in story.items()
            if isinstance(i, StoryNode) and i.kind == "path" and not i.current
        }
        document.set_step(k)
        after = [i for i in story.items() if isinstance(i, StoryNode) and i.kind == "path"]
        # a path node in the same place with the same words is the very same item
        same = [i for i in after if (i.number, i.pos().toTuple()) in before and not i.current]
        assert all(before[(i.number, i.pos().toTuple())] is i for i in same)
        kept_in_all += len(same)
        # and the scene is what a scene built anew for this story shows
        fresh = StoryScene(content, window.engine)
        fresh.setFont(story.font())
        fresh.setPalette(story.palette())
        fresh.set_story(story.story)
        assert fresh.sceneRect() == story.sceneRect()
        assert len(fresh.items()) == len(story.items())
        for attribute in ("description", "toolTip"):
            assert sorted(getattr(n, attribute)() for n in fresh.nodes.values()) == sorted(
                getattr(n, attribute)() for n in story.nodes.values()
            )
        assert picture(fresh) == picture(story)
    assert kept_in_all > 60  # most steps keep most of the path
    # a font change makes every item anew (their looks hold fonts and colours)
    held = story.items()
    font = story.font()
    font.setPointSizeF(font.pointSizeF() + 2)
    story.setFont(font)
    held_ids = {id(item) for item in held}  # (held: no new object can take their ids)
    assert story.items() and not held_ids & {id(item) for item in story.items()}
