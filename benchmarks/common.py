"""Shared pieces: the figure record, statistics, verdicts, the Qt application and timers."""

from __future__ import annotations

import math
import os
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

ROOT = Path(__file__).resolve().parent.parent
PASS, MISS, NA, ERROR = "PASS", "MISS", "n/a", "ERROR"


@dataclass
class Context:
    """What every benchmark gets: the mode and a scratch folder that is removed afterwards."""

    quick: bool
    scratch: Path

    def pick(self, quick: int, full: int) -> int:
        return quick if self.quick else full


@dataclass
class Figure:
    """One line of the table (and one entry of the JSON file).

    ``median`` and ``p95`` (or ``low``..``high`` for few samples) are in ``unit``; ``limit`` is
    compared with ``median`` or ``p95`` as ``stat`` says. ``verdict`` is PASS, MISS, n/a or ERROR.
    """

    name: str
    label: str
    unit: str
    median: float | None = None
    p95: float | None = None
    low: float | None = None
    high: float | None = None
    target: str = ""
    limit: float | None = None
    stat: str = "median"
    verdict: str = NA
    note: str = ""
    samples: list[float] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def measured(
    name: str,
    label: str,
    unit: str,
    samples: Sequence[float],
    *,
    target: str = "",
    limit: float | None = None,
    stat: str = "median",
    note: str = "",
    details: dict[str, Any] | None = None,
) -> Figure:
    """A figure from raw samples: median, p95 (>= 20 samples) or min–max, and the verdict."""
    values = list(samples)
    fig = Figure(name, label, unit, target=target, limit=limit, stat=stat, note=note)
    fig.samples = [round(v, 6) for v in values]
    fig.details = dict(details or {})
    if not values:
        fig.verdict = NA
        return fig
    fig.median = statistics.median(values)
    fig.low, fig.high = min(values), max(values)
    if len(values) >= 20:
        fig.p95 = percentile(values, 95)
    if limit is not None:
        value = fig.p95 if stat == "p95" and fig.p95 is not None else fig.median
        if stat == "max":
            value = fig.high
        fig.verdict = PASS if value <= limit else MISS
    return fig


def not_landed(name: str, label: str, target: str, why: str) -> Figure:
    return Figure(name, label, "", target=target, verdict=NA, note=f"not landed: {why}")


def timed(func: Callable[[], object]) -> float:
    """Seconds taken by one call."""
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def qt_app() -> QApplication:
    """The process's QApplication (offscreen unless told otherwise), styled as the app does."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(["her2-pathways-benchmarks"])
    app.setStyle("Fusion")

    def quiet(mode: QtMsgType, _context: object, message: str) -> None:
        if "propagateSizeHints" in message or mode == QtMsgType.QtDebugMsg:
            return
        print(f"qt: {message}")

    qInstallMessageHandler(quiet)
    from app.settings import init_application_names

    init_application_names()
    return app


def growth_exponent(sizes: Sequence[float], times: Sequence[float]) -> float | None:
    """Least-squares slope of log(time) against log(size): 1 is linear, 2 quadratic."""
    points = [(math.log(s), math.log(t)) for s, t in zip(sizes, times, strict=True) if t > 0]
    if len(points) < 2:
        return None
    mx = statistics.fmean(p[0] for p in points)
    my = statistics.fmean(p[1] for p in points)
    den = sum((x - mx) ** 2 for x, _ in points)
    if den == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in points) / den
