"""``Engine.next_options`` on the shipped content, over every demo case."""

from __future__ import annotations

import time

from benchmarks.common import ROOT, Context, Figure, measured
from pathways.case import load_case
from pathways.content import load_content
from pathways.engine import Engine


def run(ctx: Context) -> list[Figure]:
    content = load_content()
    engine = Engine(content)
    cases = [load_case(p, content) for p in sorted((ROOT / "resources" / "cases").glob("*.json"))]
    rounds = ctx.pick(5, 100)
    for case in cases:  # warm-up (cached properties of the content)
        engine.next_options(case)
    samples: list[float] = []
    for _ in range(rounds):
        for case in cases:
            start = time.perf_counter()
            engine.next_options(case)
            samples.append((time.perf_counter() - start) * 1000)
    steps: list[float] = []
    for _ in range(max(1, rounds // 10)):
        for case in cases:
            start = time.perf_counter()
            engine.steps(case)
            steps.append((time.perf_counter() - start) * 1000)
    return [
        measured(
            "engine",
            f"engine next_options ({len(cases)} demo cases)",
            "ms",
            samples,
            target="median ≤ 0.5 ms",
            limit=0.5,
            details={"steps_ms_median": round(sorted(steps)[len(steps) // 2], 3)},
        )
    ]
