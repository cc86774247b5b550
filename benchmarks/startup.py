"""Whole-process figures: cold start and peak memory of the app against the floor.

A = ``python main.py DEMO.json --screenshot OUT.png``; B = ``python benchmarks/floor.py OUT.png``.
They run alternately (A, B, A, B, ...) after one warm-up each, so that a slow moment of the
machine hits both; each child's wall time, CPU time (user + system, from ``os.wait4``) and its
own peak RSS are kept, and the figure is the median of the per-pair wall-time ratios A/B. The
CPU-time ratio is reported beside it: on a machine busy with other work it moves much less.

The app is measured as installed: its modules' bytecode is compiled first (what ``make
bytecode`` and a wheel install do; the floor's libraries have theirs from pip), and its content
cache lives in the scratch folder, written by the warm-up run (the first start after an install
or a content change validates; its time is reported as ``first_start_s``). When a frozen bundle
exists (``make bundle``), it is measured the same way against the same floor.
"""

from __future__ import annotations

import compileall
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import ROOT, Context, Figure, measured, not_landed

DEMO_CASE = ROOT / "resources" / "cases" / "08-full-sequence.json"
FLOOR = Path(__file__).resolve().parent / "floor.py"
# The frozen app (make bundle); $HER2_PATHWAYS_BUNDLE names one built elsewhere.
_FROZEN_NAME = "her2-pathways.exe" if os.name == "nt" else "her2-pathways"
_DIST_BUNDLE = ROOT / "dist" / "her2-pathways" / _FROZEN_NAME
BUNDLE = Path(os.environ.get("HER2_PATHWAYS_BUNDLE") or _DIST_BUNDLE)
CACHE_DIR_ENV = "HER2_PATHWAYS_CACHE_DIR"  # pathways.content_cache, not imported here


@dataclass(frozen=True)
class Run:
    seconds: float
    cpu_seconds: float
    peak_rss_mb: float


def run_child(argv: list[str], env: dict[str, str]) -> Run:
    """Run one process to its end; its wall and CPU time and its own peak RSS (not its
    siblings')."""
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
    # ru_maxrss is in KiB on Linux
    return Run(elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def commands(out: Path) -> tuple[list[str], list[str]]:
    app = [sys.executable, str(ROOT / "main.py"), str(DEMO_CASE), "--screenshot", str(out)]
    floor = [sys.executable, str(FLOOR), str(out.with_name("floor.png"))]
    return app, floor


def compile_app() -> bool:
    """Compile the app's modules as an install does; whether all of them compiled."""
    ok = all(
        compileall.compile_dir(ROOT / package, quiet=2, workers=0)
        for package in ("app", "pathways")
    )
    return ok and bool(compileall.compile_file(ROOT / "main.py", quiet=2))


def mid(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def pairs_of(
    ctx: Context, app_cmd: list[str], floor_cmd: list[str], env: dict[str, str]
) -> tuple[Run, list[Run], list[Run]]:
    """One warm-up each (its app run returned: the first start), then the alternating pairs."""
    first = run_child(app_cmd, env)
    run_child(floor_cmd, env)
    apps: list[Run] = []
    floors: list[Run] = []
    for _ in range(ctx.pick(2, 7)):
        apps.append(run_child(app_cmd, env))
        floors.append(run_child(floor_cmd, env))
    return first, apps, floors


def run(ctx: Context) -> list[Figure]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    env[CACHE_DIR_ENV] = str(ctx.scratch / "cache")
    compiled = compile_app()
    app_cmd, floor_cmd = commands(ctx.scratch / "app.png")
    first, apps, floors = pairs_of(ctx, app_cmd, floor_cmd, env)
    time_ratios = [a.seconds / f.seconds for a, f in zip(apps, floors, strict=True)]
    cpu_ratios = [a.cpu_seconds / f.cpu_seconds for a, f in zip(apps, floors, strict=True)]
    rss_ratios = [a.peak_rss_mb / f.peak_rss_mb for a, f in zip(apps, floors, strict=True)]

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
        note=(
            f"app {app_s:.2f} s, floor {floor_s:.2f} s (medians); CPU time ratio "
            f"{mid(cpu_ratios):.2f}× (app {mid([a.cpu_seconds for a in apps]):.2f} s, floor "
            f"{mid([f.cpu_seconds for f in floors]):.2f} s); first start {first.seconds:.2f} s"
        ),
        details={
            "app_s": [round(a.seconds, 4) for a in apps],
            "floor_s": [round(f.seconds, 4) for f in floors],
            "app_cpu_s": [round(a.cpu_seconds, 4) for a in apps],
            "floor_cpu_s": [round(f.cpu_seconds, 4) for f in floors],
            "cpu_ratio_median": round(mid(cpu_ratios), 3),
            "first_start_s": round(first.seconds, 4),
            "bytecode_compiled": compiled,
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
    return [cold, memory, bundle_figure(ctx, env, floor_cmd)]


def bundle_figure(ctx: Context, env: dict[str, str], floor_cmd: list[str]) -> Figure:
    """The frozen app's start-up against the same floor, when ``make bundle`` has built it."""
    label = "cold start, frozen bundle (app / floor)"
    if not BUNDLE.is_file():
        return not_landed("cold_start_bundle", label, "≤ 1.5", "no dist/ bundle (make bundle)")
    bundle_cmd = [str(BUNDLE), str(DEMO_CASE), "--screenshot", str(ctx.scratch / "bundle.png")]
    first, apps, floors = pairs_of(ctx, bundle_cmd, floor_cmd, env)
    ratios = [a.seconds / f.seconds for a, f in zip(apps, floors, strict=True)]
    cpu = [a.cpu_seconds / f.cpu_seconds for a, f in zip(apps, floors, strict=True)]
    built = time.strftime("%Y-%m-%d %H:%M", time.localtime(BUNDLE.stat().st_mtime))
    return measured(
        "cold_start_bundle",
        label,
        "×",
        ratios,
        target="≤ 1.5",
        limit=1.5,
        note=(
            f"bundle {mid([a.seconds for a in apps]):.2f} s (built {built}), CPU time ratio "
            f"{mid(cpu):.2f}×, first start {first.seconds:.2f} s"
        ),
        details={
            "app_s": [round(a.seconds, 4) for a in apps],
            "floor_s": [round(f.seconds, 4) for f in floors],
            "peak_mb": [round(a.peak_rss_mb, 1) for a in apps],
            "built": built,
        },
    )
