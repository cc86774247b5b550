"""Whole-process figures: cold start and peak memory of the app against the floor.

A = ``python main.py DEMO.json --screenshot OUT.png``; B = ``python benchmarks/floor.py OUT.png``.
They run alternately (A, B, A, B, ...) after one warm-up each, so that a slow moment of the
machine hits both; each child's wall time and its own peak RSS (from ``os.wait4``) are kept, and
the figure is the median of the per-pair ratios A/B.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import ROOT, Context, Figure, measured

DEMO_CASE = ROOT / "resources" / "cases" / "08-full-sequence.json"
FLOOR = Path(__file__).resolve().parent / "floor.py"


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_rss_mb: float


def run_child(argv: list[str], env: dict[str, str]) -> Run:
    """Run one process to its end; its wall time and its own peak RSS (not its siblings')."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _pid, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[1:])} exited {proc.returncode}: {stderr[-400:]}")
    return Run(elapsed, usage.ru_maxrss / 1024)  # ru_maxrss is in KiB on Linux


def commands(out: Path) -> tuple[list[str], list[str]]:
    app = [sys.executable, str(ROOT / "main.py"), str(DEMO_CASE), "--screenshot", str(out)]
    floor = [sys.executable, str(FLOOR), str(out.with_name("floor.png"))]
    return app, floor


def run(ctx: Context) -> list[Figure]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    app_cmd, floor_cmd = commands(ctx.scratch / "app.png")
    pairs = ctx.pick(2, 7)
    run_child(app_cmd, env)  # warm-up: file cache, .pyc files
    run_child(floor_cmd, env)
    apps: list[Run] = []
    floors: list[Run] = []
    for _ in range(pairs):
        apps.append(run_child(app_cmd, env))
        floors.append(run_child(floor_cmd, env))
    time_ratios = [a.seconds / f.seconds for a, f in zip(apps, floors, strict=True)]
    rss_ratios = [a.peak_rss_mb / f.peak_rss_mb for a, f in zip(apps, floors, strict=True)]

    def mid(values: list[float]) -> float:
        return sorted(values)[len(values) // 2]

    app_s = mid([a.seconds for a in apps])
    floor_s = mid([f.seconds for f in floors])
    app_mb = mid([a.peak_rss_mb for a in apps])
    floor_mb = mid([f.peak_rss_mb for f in floors])
    cold = measured(
        "cold_start",
        "cold start (app / floor)",
        "×",
        time_ratios,
        target="≤ 1.5 (stretch 1.25)",
        limit=1.5,
        note=f"app {app_s:.2f} s, floor {floor_s:.2f} s (medians)",
        details={
            "app_s": [round(a.seconds, 4) for a in apps],
            "floor_s": [round(f.seconds, 4) for f in floors],
            "stretch_met": mid(time_ratios) <= 1.25,
            "case": DEMO_CASE.name,
        },
    )
    memory = measured(
        "peak_memory",
        "peak memory (app / floor)",
        "×",
        rss_ratios,
        target="≤ 1.3",
        limit=1.3,
        note=f"app {app_mb:.0f} MB, floor {floor_mb:.0f} MB (medians)",
        details={
            "app_mb": [round(a.peak_rss_mb, 1) for a in apps],
            "floor_mb": [round(f.peak_rss_mb, 1) for f in floors],
        },
    )
    return [cold, memory]
