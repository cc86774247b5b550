"""Graph view at scale: layout and first paint of the pathway view with 200 and 2,000 nodes."""

from __future__ import annotations

import time

from benchmarks.common import Context, Figure, measured, qt_app
from benchmarks.scale import forget_contents, synthetic_content


def run(ctx: Context) -> list[Figure]:
    from PySide6.QtWidgets import QApplication

    from app.widgets.graph_view import PathwayGraphView, PathwayScene, compute_layout
    from pathways.engine import Engine

    qt_app()
    sizes = [50, 200] if ctx.quick else [200, 2_000]
    repeats = ctx.pick(1, 3)
    figures = []
    for n in sizes:
        content = synthetic_content(n)
        engine = Engine(content)
        nodes = engine.graph.number_of_nodes()
        totals: list[float] = []
        builds: list[float] = []
        paints: list[float] = []
        layouts: list[float] = []
        for _ in range(repeats):
            view = PathwayGraphView()
            view.resize(640, 860)
            start = time.perf_counter()
            scene = PathwayScene(content, engine)
            built = time.perf_counter()
            view.set_pathway_scene(scene)
            image = view.grab()
            done = time.perf_counter()
            assert not image.isNull()
            builds.append(built - start)
            paints.append(done - built)
            totals.append(done - start)
            t0 = time.perf_counter()
            compute_layout(engine, scene.font(), scene.horizontal)
            layouts.append(time.perf_counter() - t0)
            view.deleteLater()
            scene.deleteLater()
            QApplication.processEvents()

        def mid(values: list[float]) -> float:
            return round(sorted(values)[len(values) // 2], 4)

        figures.append(
            measured(
                f"graph_view_{n}",
                f"graph view layout + first paint, {nodes:,} nodes",
                "s",
                totals,
                target="≤ 0.5 s at 2,000",
                limit=0.5 if n == 2_000 else None,
                details={
                    "scene_build_s": mid(builds),
                    "one_compute_layout_s": mid(layouts),
                    "first_paint_s": mid(paints),
                    "edges": engine.graph.number_of_edges(),
                },
            )
        )
    forget_contents()  # the large synthetic contents are not needed any more
    return figures
