"""``python -m benchmarks [--quick] [--json OUT] [--only NAME,...]``: run, print, save.

Every group is a module of this package with ``run(ctx) -> list[Figure]``. A group whose code
has not landed reports "not landed"; a group that raises is reported as ERROR (exit code 1).
Missed targets are reported, never an error: timings are for people, not for CI.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import importlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.common import ERROR, ROOT, Context, Figure

DEFAULT_JSON = Path(__file__).resolve().parent / "results" / "latest.json"
# Group name -> module. Order matters: whole-process figures first, on a quiet machine.
GROUPS: dict[str, str] = {
    "startup": "benchmarks.startup",
    "engine": "benchmarks.engine",
    "window": "benchmarks.window",
    "scale": "benchmarks.scale",
    "graph": "benchmarks.graph",
    "fhir": "benchmarks.fhir",
    "library": "benchmarks.library",
    "library-pg": "benchmarks.library_load",
    "pdf": "benchmarks.pdf",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Start-up, stepping and scale figures, measured against their targets.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="few iterations and small sizes: proves the benchmarks run (figures meaningless)",
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=DEFAULT_JSON,
        metavar="OUT",
        help=f"write the results here (default: {DEFAULT_JSON.relative_to(ROOT)})",
    )
    parser.add_argument(
        "--only",
        default="",
        metavar="NAME,...",
        help=f"run only these groups: {', '.join(GROUPS)}",
    )
    return parser


def machine() -> dict[str, Any]:
    """Where the figures were taken: CPU, cores, memory, Python, Qt, commit."""
    cpu = platform.processor() or platform.machine()
    memory_gb: float | None = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory_gb = round(int(line.split()[1]) / 1024**2, 1)
                break
    except OSError:
        pass
    info: dict[str, Any] = {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": memory_gb,
        "os": platform.platform(),
        "python": platform.python_version(),
        "qpa": os.environ.get("QT_QPA_PLATFORM", ""),
        "loadavg_1min": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
    }
    try:
        import PySide6
        from PySide6.QtCore import qVersion

        info["pyside6"] = PySide6.__version__
        info["qt"] = qVersion()
    except ImportError:
        info["qt"] = None
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        info["commit"] = head.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        info["commit"] = None
    return info


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "×":
        return f"{value:.2f}×"
    if unit == "ms":
        return f"{value:.2f} ms" if value < 10 else f"{value:.1f} ms"
    if unit == "s":
        return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"
    return f"{value:.3g} {unit}".strip()


def spread(fig: Figure) -> str:
    if fig.p95 is not None:
        return f"p95 {_number(fig.p95, fig.unit)}"
    if fig.low is not None and fig.high is not None and len(fig.samples) > 1:
        return f"{_number(fig.low, fig.unit)} – {_number(fig.high, fig.unit)}"
    return ""


def table(figures: Sequence[Figure]) -> str:
    rows = [("figure", "median", "p95 / min–max", "target", "verdict")]
    for f in figures:
        rows.append((f.label, _number(f.median, f.unit), spread(f), f.target, f.verdict))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for i, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    notes = [f"  {f.label}: {f.note}" for f in figures if f.note]
    if notes:
        lines += ["", "notes:", *notes]
    return "\n".join(line.rstrip() for line in lines)


def run_groups(names: Sequence[str], quick: bool) -> list[Figure]:
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="her2-bench-") as scratch:
        for name in names:
            print(f"[bench] {name} …", file=sys.stderr, flush=True)
            folder = Path(scratch) / name
            folder.mkdir()
            start = time.perf_counter()
            try:
                module = importlib.import_module(GROUPS[name])
                figures += module.run(Context(quick=quick, scratch=folder))
            except Exception as exc:  # a broken group is reported; the others still run
                traceback.print_exc()
                figures.append(Figure(name, name, "", verdict=ERROR, note=f"{exc!r}"[:300]))
            gc.collect()  # what a group left behind must not slow the next one's collections
            took = time.perf_counter() - start
            print(f"[bench] {name} done in {took:.1f} s", file=sys.stderr, flush=True)
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(GROUPS)
    unknown = [n for n in names if n not in GROUPS]
    if unknown:
        print(f"unknown group(s): {', '.join(unknown)}; known: {', '.join(GROUPS)}")
        return 2
    # Always in GROUPS order, start-up first: on Linux a child's peak RSS includes its forked
    # copy of this process (kept across exec), so children started once this process has grown
    # (after the window groups) would report this process's size instead of their own.
    names = [n for n in GROUPS if n in names]
    started = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    before = machine()  # the load average before the run: other work on the machine adds noise
    figures = run_groups(names, args.quick)
    result = {
        "started": started.isoformat(timespec="seconds"),
        "duration_s": round(time.perf_counter() - clock, 1),
        "quick": args.quick,
        "machine": {**before, "loadavg_1min_after": machine()["loadavg_1min"]},
        "figures": {f.name: f.to_dict() for f in figures},
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", "utf-8")
    m = result["machine"]
    print(
        f"\n{m['cpu']} · {m['cores']} cores · Python {m['python']} · Qt {m.get('qt')}"
        f" · load {m['loadavg_1min']} → {m['loadavg_1min_after']}"
        f"{' · QUICK MODE (figures not meaningful)' if args.quick else ''}\n"
    )
    print(table(figures))
    print(f"\nwritten to {args.json}")
    return 1 if any(f.verdict == ERROR for f in figures) else 0
