"""In-window figures: one history step, one factor change, and stepping through 60 lines.

The main window is built as the app builds it, shown offscreen at 1600×1000. One "step" is the
document call, then ``processEvents`` (posted layout and update requests: the dirty parts of the
window are painted as in a real frame); a synchronous ``repaint`` is forced if the graph was not
painted by then. Every panel is updated *and* painted when the clock stops.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.common import ROOT, Context, Figure, measured, qt_app
from pathways.case import Case, Factors, Outcome, Setting, TreatmentLine, check_history, load_case
from pathways.content import Content

if TYPE_CHECKING:
    from app.main_window import MainWindow

DEMO_CASE = ROOT / "resources" / "cases" / "08-full-sequence.json"
FRAME_MS = 16.0


@contextmanager
def main_window(scratch: Path) -> Iterator[MainWindow]:
    from PySide6.QtCore import QSize, Qt

    from app.main_window import MainWindow
    from app.settings import AppSettings
    from pathways.content import load_content
    from pathways.engine import Engine

    app = qt_app()
    content = load_content()
    window = MainWindow(content, Engine(content), AppSettings.ephemeral(str(scratch)))
    window.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    window.resize(QSize(1600, 1000))
    window.show()
    app.processEvents()
    try:
        yield window
    finally:
        window.document.undo_stack.setClean()
        window.close()
        window.deleteLater()
        app.processEvents()


class Frames:
    """Times actions until the window has painted the result.

    After the action, ``processEvents`` delivers the posted layout and update requests, which
    paint the dirty parts of the window as a real frame would. If the graph's viewport was not
    painted by then, a synchronous ``repaint`` of the window is forced (and counted).
    """

    def __init__(self, window: MainWindow) -> None:
        from PySide6.QtCore import QEvent, QObject

        self.window = window
        self.paints = 0
        self.forced = 0
        frames = self

        class Counter(QObject):
            def eventFilter(self, watched: QObject, event: QEvent) -> bool:
                if event.type() == QEvent.Type.Paint:
                    frames.paints += 1
                return False

        self._counter = Counter(window)
        window.graph.viewport().installEventFilter(self._counter)

    def close(self) -> None:
        self.window.graph.viewport().removeEventFilter(self._counter)
        self._counter.deleteLater()

    def time(self, actions: list[Callable[[], None]]) -> list[float]:
        """Milliseconds from each action until the window has been painted."""
        from PySide6.QtWidgets import QApplication

        samples = []
        for action in actions:
            before = self.paints
            start = time.perf_counter()
            action()
            QApplication.processEvents()
            if self.paints == before:
                self.window.repaint()
                self.forced += 1
            samples.append((time.perf_counter() - start) * 1000)
        return samples


def back_and_forth(count: int, steps: int) -> list[int]:
    """Step targets 1, 2, ..., last, last-1, ..., 0, 1, ... (``steps`` of them)."""
    out: list[int] = []
    k, direction = 0, 1
    while len(out) < steps:
        if not 0 <= k + direction < count:
            direction = -direction
        k += direction
        out.append(k)
    return out


def long_case(content: Content, lines: int) -> Case:
    """A valid metastatic history of ``lines`` lines (the metastatic regimens, in turn)."""
    regimens = [r.id for r in content.regimens.values() if r.setting == "metastatic"]
    start = dt.date(2000, 1, 1)
    history = tuple(
        TreatmentLine(
            regimen=regimens[i % len(regimens)],
            setting=Setting.METASTATIC,
            start=start + dt.timedelta(days=90 * i),
            end=start + dt.timedelta(days=90 * i + 80),
            outcome=Outcome.PROGRESSION,
        )
        for i in range(lines)
    )
    case = Case(
        label=f"Synthetic {lines}-line case",
        factors=Factors(hormone_receptor="positive"),
        metastatic_diagnosis=start,
        history=history,
    )
    check_history(case, "benchmark", content)
    return case


def _stepping(frames: Frames, steps: int) -> tuple[list[float], dict[str, int]]:
    d = frames.window.document
    d.set_step(0)
    frames.time([d.step_next, d.step_previous])  # warm-up
    paints, forced = frames.paints, frames.forced
    targets = back_and_forth(d.step_count, steps)
    samples = frames.time([functools.partial(d.set_step, k) for k in targets])
    counts = {"graph_paints": frames.paints - paints, "forced_repaints": frames.forced - forced}
    return samples, counts


def run(ctx: Context) -> list[Figure]:
    steps = ctx.pick(20, 200)
    toggles = ctx.pick(10, 100)
    figures: list[Figure] = []
    with main_window(ctx.scratch) as window:
        frames = Frames(window)
        content = window.content
        d = window.document
        case = load_case(DEMO_CASE, content)
        d.load(case, DEMO_CASE)
        samples, counts = _stepping(frames, steps)
        figures.append(
            measured(
                "step",
                f"step ({len(case.history)}-line demo, {steps} steps)",
                "ms",
                samples,
                target="p95 ≤ 16 ms",
                limit=FRAME_MS,
                stat="p95",
                details={**counts, "case": DEMO_CASE.name},
            )
        )

        # Toggle "T-DXd available" before T-DXd (step 2): the ranking changes each time.
        d.set_step(2)
        box = window.factors.checks["tdxd_available"]
        frames.time([box.click, box.click])  # warm-up
        forced = frames.forced
        samples = frames.time([box.click] * toggles)
        figures.append(
            measured(
                "factor_change",
                f"factor change (T-DXd available, {toggles}×)",
                "ms",
                samples,
                target="p95 ≤ 16 ms",
                limit=FRAME_MS,
                stat="p95",
                details={"forced_repaints": frames.forced - forced},
            )
        )

        lines = 60
        big = long_case(content, lines)
        start = time.perf_counter()
        d.load(big, None)
        window.repaint()
        load_ms = (time.perf_counter() - start) * 1000
        samples, counts = _stepping(frames, steps)
        figures.append(
            measured(
                "history_scale",
                f"step, {lines}-line case ({steps} steps)",
                "ms",
                samples,
                target="p95 ≤ 16 ms",
                limit=FRAME_MS,
                stat="p95",
                details={"load_ms": round(load_ms, 1), **counts},
            )
        )
        frames.close()
    return figures
