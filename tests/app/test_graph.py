"""The pathway graph: laid out once per content, restyled per step, renderable anywhere."""

from __future__ import annotations

import itertools

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QImage, QPainter, QTransform
from PySide6.QtWidgets import QGraphicsView
from pytestqt.qtbot import QtBot

from app.document import CaseDocument
from app.widgets.graph_view import (
    EdgeItem,
    GraphState,
    PathwayGraphView,
    PathwayScene,
    render_scene,
    scene_image,
)
from pathways.content import Content
from pathways.engine import Engine
from tests.app.conftest import case_of


def _distinct_colours(image: QImage, step: int = 7) -> int:
    seen = set()
    for y in range(0, image.height(), step):
        for x in range(0, image.width(), step):
            seen.add(image.pixel(x, y))
    return len(seen)


def test_every_node_and_edge_is_drawn(qtbot: QtBot, content: Content, engine: Engine) -> None:
    scene = PathwayScene(content, engine)
    assert set(scene.nodes) == set(engine.graph.nodes)
    assert set(scene.edges) == set(engine.graph.edges)


def test_lines_of_therapy_follow_each_other_and_early_has_its_own_band(
    content: Content, engine: Engine
) -> None:
    for horizontal in (True, False):
        scene = PathwayScene(content, engine, horizontal=horizontal)

        def along(node: str, scene: PathwayScene = scene, horizontal: bool = horizontal) -> float:
            p = scene.nodes[node].pos()
            return p.x() if horizontal else p.y()

        def across(node: str, scene: PathwayScene = scene, horizontal: bool = horizontal) -> float:
            p = scene.nodes[node].pos()
            return p.y() if horizontal else p.x()

        data = engine.graph.nodes
        early = [n for n in data if data[n]["setting"] == "early"]
        metastatic = [n for n in data if data[n]["setting"] == "metastatic"]
        entries = [n for n in metastatic if data[n]["kind"] == "entry"]
        by_line: dict[int, list[str]] = {}
        for n in metastatic:
            if data[n]["kind"] == "regimen":
                by_line.setdefault(int(data[n]["line"]), []).append(n)
        previous = max(along(n) for n in entries)
        for line in sorted(by_line):  # each line strictly after the one before
            assert min(along(n) for n in by_line[line]) > previous
            previous = max(along(n) for n in by_line[line])
        # the early band sits beside the metastatic lines, never among them
        assert max(across(n) for n in early) < min(across(n) for n in metastatic)
        assert scene.early == set(early)


def test_layout_is_computed_once_not_per_step(content: Content, engine: Engine) -> None:
    scene = PathwayScene(content, engine)
    positions = {n: item.pos() for n, item in scene.nodes.items()}
    doc = CaseDocument(content, engine)
    doc.load(case_of("08-full-sequence.json", content), None)
    for k in range(doc.step_count):
        doc.set_step(k)
        scene.set_state(GraphState.of(doc.recommendation, doc.patient_path()))
        assert {n: item.pos() for n, item in scene.nodes.items()} == positions


def test_state_marks_path_position_and_tiers(content: Content, engine: Engine) -> None:
    scene = PathwayScene(content, engine)
    doc = CaseDocument(content, engine)
    doc.load(case_of("04-after-thp-and-tdxd.json", content), None)
    rec = doc.recommendation
    path = doc.patient_path()
    scene.set_state(GraphState.of(rec, path))
    position = scene.nodes[rec.position].style
    assert position.current and position.order == len(path)
    for i, node in enumerate(path):
        assert scene.nodes[node].style.order == i + 1
    for option in rec.options:
        # a regimen already given is drawn as given (neutral, numbered), not as "avoid"
        on_path = option.regimen in path
        expected = None if on_path else option.tier
        assert scene.nodes[option.regimen].style.tier == expected
        edge = scene.edges.get((rec.position, option.regimen))
        if edge is not None:
            assert edge.kind == EdgeItem.OPTION and edge.tier == option.tier
    untouched = set(scene.nodes) - set(path) - {o.regimen for o in rec.options}
    assert all(scene.nodes[n].style.dimmed for n in untouched)


def test_scene_renders_to_an_image_and_a_painter(content: Content, engine: Engine) -> None:
    scene = PathwayScene(content, engine)
    doc = CaseDocument(content, engine)
    doc.load(case_of("04-after-thp-and-tdxd.json", content), None)
    scene.set_state(GraphState.of(doc.recommendation, doc.patient_path()))
    image = scene_image(scene, QSize(900, 700))
    assert not image.isNull() and _distinct_colours(image) > 20
    other = QImage(QSize(400, 300), QImage.Format.Format_ARGB32)
    other.fill(0)
    painter = QPainter(other)
    render_scene(scene, painter, QRectF(0, 0, 400, 300))
    painter.end()
    assert _distinct_colours(other, 3) > 5


def test_view_zooms_fits_and_reports_clicks(qtbot: QtBot, content: Content, engine: Engine) -> None:
    view = PathwayGraphView()
    qtbot.addWidget(view)
    scene = PathwayScene(content, engine)
    view.set_pathway_scene(scene)
    view.resize(800, 600)
    view.show()
    qtbot.waitExposed(view)
    view.fit()
    fitted = view.transform().m11()
    view.zoom_in()
    assert view.transform().m11() > fitted
    view.zoom_out()
    view.zoom_out()
    assert view.transform().m11() < fitted
    node = next(iter(scene.nodes))
    with qtbot.waitSignal(view.node_selected, check_params_cb=lambda n: n == node):
        scene.nodes[node].setSelected(True)
    assert view.accessibleName()


def test_highlighted_edges_are_items_and_the_background_draws_the_others(
    content: Content, engine: Engine
) -> None:
    scene = PathwayScene(content, engine)
    doc = CaseDocument(content, engine)
    doc.load(case_of("04-after-thp-and-tdxd.json", content), None)

    def shown() -> set[tuple[str, str]]:
        return {i.key for i in scene.items() if isinstance(i, EdgeItem) and i.isVisible()}

    for k in range(doc.step_count):
        doc.set_step(k)
        path = doc.patient_path()
        scene.set_state(GraphState.of(doc.recommendation, path, max(0, len(path) - 2)))
        highlighted = {key for key in scene.edges if scene.edges[key].kind != EdgeItem.NORMAL}
        on_path = set(itertools.pairwise(path))
        assert highlighted, "options or path edges at every step"
        assert shown() == highlighted | on_path  # graph edges plus virtual path edges
        assert scene._background._skipped == highlighted  # drawn once, not twice
    scene.set_state(GraphState())
    assert shown() == set() and scene._background._skipped == set()
    # The background spans the scene but is no item at an empty point: a click there keeps
    # the selection.
    corner = scene.sceneRect().topLeft() + QPointF(1, 1)
    assert scene.itemAt(corner, QTransform()) is None


# ---------------------------------------------------------------------------- the story
def test_default_view_is_the_patients_story(qtbot: QtBot, content: Content, engine: Engine) -> None:
    from app.widgets.story import MAX_OPTIONS, StoryEdge, StoryNode, StoryScene, story_of

    for name in ("04-after-thp-and-tdxd.json", "08-full-sequence.json", "06-residual-disease.json"):
        doc = CaseDocument(content, engine)
        doc.load(case_of(name, content), None)
        scene = StoryScene(content, engine)
        for k in range(doc.step_count):
            doc.set_step(k)
            scene.set_story(story_of(doc))
            rec = doc.recommendation
            path = doc.patient_path()
            items = [i for i in scene.items() if isinstance(i, StoryNode)]
            path_items = [i for i in items if i.kind in ("path", "entry")]
            options = [i for i in items if i.kind == "option"]
            # only the path, the position and the options: nothing else of the pathway
            assert [i.node for i in sorted(path_items, key=lambda i: (i.x(), i.y()))] == path
            assert {i.node for i in options} <= {o.regimen for o in rec.options}
            assert len(options) <= MAX_OPTIONS
            assert [i for i in path_items if i.current] == [scene.nodes[rec.position]] or (
                rec.position in {o.regimen for o in rec.options}
            )
            # past regimens are drawn as given (no tier), with their outcome in words
            assert all(i.tier is None for i in path_items)
            assert all(i.bottom for i in path_items if i.kind == "path")
            # the options are the next column: right of every path node, arrows pointing right
            right_of_path = max(i.x() for i in path_items)
            assert all(o.x() > right_of_path for o in options)
            for edge in (e for e in scene.items() if isinstance(e, StoryEdge)):
                if edge.kind == "option":
                    start, end = edge.path().pointAtPercent(0), edge.path().pointAtPercent(1)
                    assert end.x() > start.x()
            # no node covers another, and no edge runs under a node it does not join
            boxes = [i.mapRectToScene(i.rect()) for i in items]
            for a, b in itertools.combinations(boxes, 2):
                assert not a.intersects(b)
            for edge in (e for e in scene.items() if isinstance(e, StoryEdge)):
                others = [i.mapRectToScene(i.rect()) for i in items if i not in edge.ends]
                points = [edge.path().pointAtPercent(t / 40) for t in range(41)]
                assert not any(box.contains(p) for box in others for p in points), edge.kind
            # the option given next is marked when stepping back
            given = (
                doc.effective_case.history[k].regimen
                if k < len(doc.effective_case.history)
                else None
            )
            marked = [o.node for o in options if o.given_next]
            assert marked == ([given] if given in {o.node for o in options} else [])


def test_the_story_scene_holds_everything_its_items_draw(
    qtbot: QtBot, content: Content, engine: Engine
) -> None:
    """The story's items are measured by Qt (C++ rects, not Python overrides): each node's
    bounding rect is its box and margin, each arrowhead lies within its edge's reach, and the
    scene rect (what the view fits) holds every item with room for antialiased edges."""
    from app.widgets.story import StoryEdge, StoryNode, StoryScene, story_of

    doc = CaseDocument(content, engine)
    doc.load(case_of("08-full-sequence.json", content), None)
    scene = StoryScene(content, engine)
    for k in range(doc.step_count):
        doc.set_step(k)
        scene.set_story(story_of(doc))
        items = scene.items()
        nodes = [i for i in items if isinstance(i, StoryNode)]
        edges = [i for i in items if isinstance(i, StoryEdge)]
        assert nodes and edges
        for node in nodes:
            bounds = node.boundingRect()
            assert bounds.contains(node.rect()) and bounds != node.rect()
            assert node.contains(node.rect().center())  # clicks land on the box
            assert not node.contains(bounds.topLeft() + QPointF(0.5, 0.5))  # not its margin
        for edge in edges:
            assert edge.reach().contains(edge.head.sceneBoundingRect())
            assert edge.reach().contains(edge.sceneBoundingRect())
        for item in items:
            assert scene.sceneRect().contains(item.sceneBoundingRect()), type(item).__name__


def test_the_views_viewport_is_set_up_as_qts_own(qtbot: QtBot) -> None:
    """The graph view makes its viewport itself (to spare PySide a search at start-up): it
    must be the widget Qt would have made for any graphics view."""
    ours, stock = PathwayGraphView(), QGraphicsView()
    stock.setDragMode(ours.dragMode())  # what the graph view sets on its viewport itself
    stock.setTransformationAnchor(ours.transformationAnchor())
    qtbot.addWidget(ours)
    qtbot.addWidget(stock)
    for view in (ours, stock):
        view.resize(300, 200)
        view.show()
    a, b = ours.viewport(), stock.viewport()
    assert type(a) is type(b)
    assert a.objectName() == b.objectName()
    assert a.backgroundRole() == b.backgroundRole()
    assert a.autoFillBackground() == b.autoFillBackground()
    assert a.geometry() == b.geometry()
    attributes = [attr for attr in Qt.WidgetAttribute if attr.value < 128]
    assert [a.testAttribute(x) for x in attributes] == [b.testAttribute(x) for x in attributes]
