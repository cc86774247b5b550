"""The benchmarks still run (quick mode). No timing is asserted: figures are for people."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.common import measured, percentile
from benchmarks.scale import load_fresh, synthetic_case, synthetic_texts
from benchmarks.startup import Run, bundle_figure, run_child
from benchmarks.window import back_and_forth
from pathways.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = {
    "cold_start",
    "peak_memory",
    "cold_start_bundle",
    "engine",
    "step",
    "factor_change",
    "history_scale",
    "content_load_50",
    "content_load_200",
    "engine_next_options_50",
    "engine_next_options_200",
    "content_load_growth",
    "engine_growth",
    "graph_view_50",
    "graph_view_200",
    "fhir_import",
    "library_open",
    "library_list",
    "library_search",
    "pdf_export",
}


@pytest.mark.slow
def test_quick_run_writes_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--json", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    result = json.loads(out.read_text("utf-8"))
    assert result["quick"] is True
    assert {"cpu", "cores", "python", "qt"} <= set(result["machine"])
    figures = result["figures"]
    assert set(figures) >= EXPECTED, sorted(EXPECTED - set(figures))
    for name, fig in figures.items():
        assert fig["verdict"] in {"PASS", "MISS", "n/a"}, (name, fig["note"])
    assert "figure" in proc.stdout and "cold start" in proc.stdout


def test_unknown_group_is_refused(tmp_path: Path) -> None:
    from benchmarks.runner import main

    assert main(["--only", "nonsense", "--json", str(tmp_path / "x.json")]) == 2


def test_synthetic_content_validates_and_ranks() -> None:
    content = load_fresh(synthetic_texts(60, salt="test"))
    assert len(content.regimens) == 60
    rec = Engine(content).next_options(synthetic_case(content))
    assert rec.position == "syn-00006"
    assert rec.options


def test_back_and_forth_stays_in_range() -> None:
    targets = back_and_forth(3, 9)
    assert targets == [1, 2, 1, 0, 1, 2, 1, 0, 1]


def test_statistics_and_verdict() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 95) == 95.0
    fig = measured("x", "x", "ms", values, limit=90.0, stat="p95")
    assert fig.p95 == 95.0 and fig.verdict == "MISS"
    assert measured("y", "y", "ms", [1.0, 2.0, 3.0], limit=2.0).verdict == "PASS"


def test_a_child_run_reports_its_own_cpu_time_and_memory() -> None:
    # A child that allocates ~200 MB and computes: its own figures, not this process's.
    code = "b = bytearray(200_000_000); b[::4096] = b'x' * len(b[::4096]); sum(range(2_000_000))"
    run = run_child([sys.executable, "-c", code], dict(os.environ))
    assert isinstance(run, Run)
    assert run.cpu_seconds > 0
    assert run.peak_rss_mb > 190


def test_a_failing_child_is_an_error_with_its_message() -> None:
    code = "import sys; sys.stderr.write('boom'); sys.exit(3)"
    with pytest.raises(RuntimeError, match="exited 3: boom"):
        run_child([sys.executable, "-c", code], dict(os.environ))


def test_no_bundle_is_reported_not_landed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from benchmarks import startup
    from benchmarks.common import Context

    monkeypatch.setattr(startup, "BUNDLE", tmp_path / "missing" / "her2-pathways")
    fig = bundle_figure(Context(quick=True, scratch=tmp_path), dict(os.environ), [])
    assert fig.verdict == "n/a" and "make bundle" in fig.note
