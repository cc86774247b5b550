"""The case library at scale: 10,000 cases and 500 meetings; open, list, search, agenda."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, Context, Figure, measured, not_landed

TARGET = "≤ 100 ms"
LIMIT_MS = 100.0


def demo_case_texts() -> list[dict[str, Any]]:
    folder = ROOT / "resources" / "cases"
    return [json.loads(p.read_text("utf-8")) for p in sorted(folder.glob("*.json"))]


def fill(path: Path, cases: int, meetings: int, per_meeting: int = 20) -> None:
    """Bulk-fill a library created by ``CaseLibrary.open`` (one transaction, plain SQL)."""
    demos = demo_case_texts()
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with sqlite3.connect(path, isolation_level=None) as conn:
        conn.execute("BEGIN")
        rows = []
        for i in range(cases):
            data = dict(demos[i % len(demos)])
            data["label"] = f"Case {i:05d} · {data['label']}"
            stamp = (now + dt.timedelta(minutes=i)).isoformat(timespec="milliseconds")
            rows.append((data["label"], json.dumps(data), stamp, stamp))
        conn.executemany(
            "INSERT INTO cases (label, case_json, created_at, updated_at) VALUES (?, ?, ?, ?)",
            rows,
        )
        day = dt.date(2020, 1, 6)
        for m in range(meetings):
            cur = conn.execute(
                "INSERT INTO meetings (title, meeting_date) VALUES (?, ?)",
                (f"Breast tumor board {m + 1}", (day + dt.timedelta(weeks=m)).isoformat()),
            )
            meeting_id = cur.lastrowid
            conn.executemany(
                "INSERT INTO agenda (meeting_id, case_id, position) VALUES (?, ?, ?)",
                [
                    (meeting_id, 1 + (m * per_meeting + p) % cases, p)
                    for p in range(min(per_meeting, cases))
                ],
            )
        conn.execute("COMMIT")


def run(ctx: Context) -> list[Figure]:
    label = "case library"
    try:
        module: Any = importlib.import_module("pathways.library")
        case_library = module.CaseLibrary
    except (ImportError, AttributeError) as exc:
        return [not_landed("library_open", label, TARGET, f"pathways.library.CaseLibrary ({exc})")]
    cases = ctx.pick(500, 10_000)
    meetings = ctx.pick(25, 500)
    repeats = ctx.pick(3, 15)
    path = Path(ctx.scratch) / "library.sqlite"
    case_library.open(path).close()
    fill(path, cases, meetings)
    library = case_library.open(path)
    try:
        agenda_id = library.list_meetings()[0].id
        ops: dict[str, tuple[str, Callable[[], object]]] = {
            "library_open": ("open", lambda: case_library.open(path).close()),
            "library_list": ("list cases", library.list_cases),
            "library_search": ("search by label", lambda: library.search_cases("demo 4")),
            "library_meetings": ("list meetings", library.list_meetings),
            "library_agenda": ("one agenda", lambda: library.agenda(agenda_id)),
        }
        figures = time_operations(ops, repeats, f"{cases:,} cases, {meetings} meetings", "library")
        return figures
    finally:
        library.close()


def time_operations(
    ops: dict[str, tuple[str, Callable[[], object]]], repeats: int, scale: str, prefix: str
) -> list[Figure]:
    """Each operation timed ``repeats`` times after one warm-up, as one figure (ms)."""
    figures = []
    for name, (what, op) in ops.items():
        op()  # warm-up
        samples = []
        result: object = None
        for _ in range(repeats):
            start = time.perf_counter()
            result = op()
            samples.append((time.perf_counter() - start) * 1000)
        rows = len(result) if isinstance(result, list) else None
        figures.append(
            measured(
                name,
                f"{prefix} {what} ({scale})",
                "ms",
                samples,
                target=TARGET,
                limit=LIMIT_MS,
                details={"rows": rows},
            )
        )
    return figures
