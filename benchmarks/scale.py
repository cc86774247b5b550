"""Engine and content loading at scale, on synthetic content that validates like the real one.

The synthetic content is the shipped content (header, agents, evidence, rules, messages and its
23 regimens, so every rule still resolves) plus generated metastatic regimens up to ``n`` in all.
Generated regimen ``i`` leads to regimens ``5i+1 .. 5i+5`` (mod the count): five transitions out
of every regimen, every one reachable from ``syn-00000``, which the metastatic entry points lead
to. Some transitions carry a condition or an adjustment so that ranking does real work.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import time
from collections.abc import Iterator
from functools import cache
from typing import Any

import yaml

from benchmarks.common import Context, Figure, growth_exponent, measured
from pathways.case import Case, Factors, Outcome, Setting, TreatmentLine
from pathways.content import FILES, Content, bundled_content_dir

FANOUT = 5
SYNTHETIC_EVIDENCE = "syn-evidence"


@cache
def _bundled() -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    folder = bundled_content_dir()
    return {name: yaml.load((folder / name).read_text("utf-8"), Loader=loader) for name in FILES}


def _sid(i: int) -> str:
    return f"syn-{i:05d}"


def _depth(i: int) -> int:
    depth = 0
    while i > 0:
        i = (i - 1) // FANOUT
        depth += 1
    return depth


def synthetic_texts(n: int, salt: str = "") -> dict[str, str]:
    """The five content files as YAML text, with ``n`` regimens in all (at least the shipped).

    ``salt`` changes the review note only: equal ``n`` with a fresh salt gives texts with a new
    hash, so the content cache (keyed by the hash) cannot answer a repeated load.
    """
    base = _bundled()
    header = dict(base["pathway.yaml"])
    header["review_note"] = f"{header['review_note']} Synthetic benchmark content {salt}".strip()
    drugs = dict(base["drugs.yaml"])
    evidence = dict(base["evidence.yaml"])
    transitions = dict(base["transitions.yaml"])
    count = max(1, n - len(drugs["regimens"]))
    drugs["agents"] = [
        *drugs["agents"],
        *(
            {"id": f"syn-agent-{i:05d}", "name": f"Agent {i}", "classes": ["chemotherapy"]}
            for i in range(count)
        ),
    ]

    evidence["evidence"] = [
        *evidence["evidence"],
        {
            "id": SYNTHETIC_EVIDENCE,
            "trial": "SYNTHETIC",
            "phase": "phase 3",
            "design": "Synthetic record for benchmarks",
            "arms": "Synthetic arm",
            "comparator": "Synthetic comparator",
            "population": {"description": "Synthetic population"},
            "endpoints": [{"name": "median PFS", "value": 10.0, "unit": "months"}],
            "citation": {
                "text": "Synthetic benchmark data, not a trial",
                "identifier_note": "synthetic",
                "sources": [header["sources"][0]["key"]],
            },
            "year": 2020,
        },
    ]
    regimens = []
    for i in range(count):
        partner = f"syn-agent-{i:05d}"  # its own agent: progression rules out this one only
        regimens.append(
            {
                "id": _sid(i),
                "name": f"Synthetic regimen {i}",
                "short": f"Syn {i}",
                "setting": "metastatic",
                "line": min(6, _depth(i) + 1),
                "components": ["trastuzumab", partner],
                "defining_agents": [partner],
                "summary": f"Synthetic regimen number {i} for benchmarks.",
                "evidence": [SYNTHETIC_EVIDENCE],
            }
        )
    drugs["regimens"] = [*drugs["regimens"], *regimens]
    edges: list[dict[str, Any]] = [
        {
            "from": ["metastatic-diagnosis", "relapse-early", "relapse-late"],
            "to": _sid(j),
            "tier": "alternative",
            "rank": 50 + j,
            "why": "Synthetic entry edge.",
            "evidence": [SYNTHETIC_EVIDENCE],
        }
        for j in range(min(FANOUT, count))
    ]
    for i in range(count):
        for k in range(1, FANOUT + 1):
            j = (FANOUT * i + k) % count
            edge: dict[str, Any] = {
                "from": [_sid(i)],
                "to": _sid(j),
                "tier": "preferred" if k == 1 else "alternative",
                "rank": k,
                "why": f"Synthetic edge {i} to {j}.",
                "evidence": [SYNTHETIC_EVIDENCE],
            }
            if j == i:  # the modulus wrapped: a self-loop must be marked (a content rule)
                edge["rechallenge"] = True
            if k == 3:
                edge["when"] = {"hormone_receptor": ["positive", "unknown"]}
            if k == 4:
                edge["adjust"] = [
                    {
                        "when": {"brain_metastases": ["active", "symptomatic"]},
                        "tier": "avoid",
                        "mode": "cap",
                        "reason": "Synthetic adjustment.",
                    }
                ]
            edges.append(edge)
    transitions["transitions"] = [*transitions["transitions"], *edges]
    files = {
        "pathway.yaml": header,
        "drugs.yaml": drugs,
        "evidence.yaml": evidence,
        "transitions.yaml": transitions,
        "rules.yaml": base["rules.yaml"],
    }
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return {
        name: yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True, width=200)
        for name, data in files.items()
    }


def synthetic_case(content: Content) -> Case:
    """Three metastatic lines along generated edges (0 → 1 → 6), all progressed."""
    path = [_sid(0), _sid(1), _sid(FANOUT + 1)]
    path = [p for p in path if p in content.regimens][:3] or [next(iter(content.regimens))]
    start = dt.date(2020, 1, 1)
    lines = tuple(
        TreatmentLine(
            regimen=r,
            setting=Setting.METASTATIC,
            start=start + dt.timedelta(days=200 * i),
            end=start + dt.timedelta(days=200 * i + 180),
            outcome=Outcome.PROGRESSION,
        )
        for i, r in enumerate(path)
    )
    return Case(
        label="Synthetic",
        factors=Factors(hormone_receptor="positive"),
        metastatic_diagnosis=start,
        history=lines,
    )


@contextlib.contextmanager
def size_limit_lifted() -> Iterator[None]:
    """Lift the content size limit (5 MB per file) for synthetic content larger than it."""
    import pathways.content as module

    saved = module.MAX_CONTENT_BYTES
    module.MAX_CONTENT_BYTES = 10**10
    try:
        yield
    finally:
        module.MAX_CONTENT_BYTES = saved


def load_fresh(texts: dict[str, str]) -> Content:
    """``load_content_texts`` with the cache cleared: measures a real (uncached) load."""
    import pathways.content as module

    module._CACHE.clear()
    return module.load_content_texts(texts, origin="<synthetic>")


_LOADED: dict[int, Content] = {}  # kept for the graph benchmark: loading is slow (see below)


def forget_contents() -> None:
    _LOADED.clear()


def synthetic_content(n: int) -> Content:
    """Synthetic content with ``n`` regimens (loaded once per process for n <= 2,000)."""
    if n in _LOADED:
        return _LOADED[n]
    with size_limit_lifted():
        content = load_fresh(synthetic_texts(n))
    if n <= 2_000:
        _LOADED[n] = content
    return content


def run(ctx: Context) -> list[Figure]:
    import pathways.content as module
    from pathways.engine import Engine

    sizes = [50, 200] if ctx.quick else [200, 2_000, 20_000]
    calls = ctx.pick(20, 300)
    figures: list[Figure] = []
    load_medians: list[float] = []
    option_medians: list[float] = []
    limit = module.MAX_CONTENT_BYTES  # the app's limit (lifted below to measure beyond it)
    for n in sizes:
        repeats = 1 if n >= 20_000 else ctx.pick(1, 3 if n >= 2_000 else 5)
        loads: list[float] = []
        content: Content | None = None
        size = 0
        too_large: list[str] = []
        with size_limit_lifted():
            for r in range(repeats):
                fresh = synthetic_texts(n, salt=f"run {r}")  # a new hash: no cache hit
                size = sum(len(t.encode()) for t in fresh.values())
                too_large = [name for name, t in fresh.items() if len(t.encode()) > limit]
                start = time.perf_counter()
                content = load_fresh(fresh)
                loads.append(time.perf_counter() - start)
                del fresh
        assert content is not None
        if n <= 2_000:
            _LOADED[n] = content
        note = ""
        if too_large:
            note = (
                f"{', '.join(too_large)} above the {limit / 1e6:g} MB content limit: the app would "
                "refuse it; measured with the limit lifted"
            )
        figures.append(
            measured(
                f"content_load_{n}",
                f"content load, {n:,} regimens",
                "s",
                loads,
                target="roughly linear",
                note=note,
                details={"bytes": size, "regimens": len(content.regimens)},
            )
        )
        load_medians.append(figures[-1].median or 0.0)

        start = time.perf_counter()
        engine = Engine(content)
        graph_s = time.perf_counter() - start
        case = synthetic_case(content)
        engine.next_options(case)  # warm-up
        samples = []
        for _ in range(calls):
            t0 = time.perf_counter()
            engine.next_options(case)
            samples.append((time.perf_counter() - t0) * 1000)
        options = len(engine.next_options(case).options)
        figures.append(
            measured(
                f"engine_next_options_{n}",
                f"engine next_options, {n:,} regimens",
                "ms",
                samples,
                target="≤ 5 ms at 20,000" if n == sizes[-1] else "",
                limit=5.0 if n == 20_000 else None,
                details={"graph_build_s": round(graph_s, 4), "options": options},
            )
        )
        option_medians.append(figures[-1].median or 0.0)
        module._CACHE.clear()  # the large contents are not kept alive between sizes

    load_k = growth_exponent(sizes, load_medians)
    opt_k = growth_exponent(sizes, option_medians)
    figures.append(
        _growth("content_load_growth", "content load growth (log-log slope)", load_k, 1.2)
    )
    figures.append(_growth("engine_growth", "next_options growth (log-log slope)", opt_k, None))
    return figures


def _growth(name: str, label: str, k: float | None, limit: float | None) -> Figure:
    values = [] if k is None or math.isnan(k) else [k]
    return measured(
        name,
        label,
        "×",
        values,
        target="≈ 1 (linear)" if limit else "report",
        limit=limit,
        note="1 = linear in the number of regimens, 0 = constant",
    )
