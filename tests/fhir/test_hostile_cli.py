"""Hostile FHIR files through the command line, as a user would run it, each in its own process.

Each run must end with exit 0 or 2, at most one line on stderr (none on success, as the report
and case go to files), never a traceback, within 10 s of CPU time and 600 MB of peak memory
(both read from the child's own resource usage), and never show a planted identifier.
"""

from __future__ import annotations

import os
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fhir.hostile import GENERATORS, SECRETS, Hostile
from tests.pathways.test_hostile_cli import run_child

ROOT = Path(__file__).resolve().parents[2]
CPU_SECONDS = 10.0
PEAK_RSS_MB = 600
HANG_SECONDS = 90


@dataclass(frozen=True)
class Run:
    code: int
    stderr: str
    cpu: float
    peak_mb: float
    report: str


def _run_cli(path: Path, out: Path) -> Run:
    case, report = out / "case.json", out / "report.txt"
    command = [sys.executable, "-m", "pathways", "import-fhir", str(path)]
    command += ["-o", str(case), "--report", str(report)]
    # Started through the suite's spawner, so the child's peak memory is its own and not the
    # test runner's (a child forked from the runner inherits its high-water mark); a child
    # blocked without using CPU (a FIFO waits for a writer for ever) is killed after a while.
    run = run_child(command, hang_limit=HANG_SECONDS)
    return Run(
        -9 if run.killed else run.code,
        run.stderr,
        run.cpu_s,
        run.peak_mb,
        report.read_text(encoding="utf-8", errors="replace") if report.exists() else "",
    )


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Hostile, Run]]:
    """Every hostile file generated and imported, the runs side by side (each its own process)."""
    cases: dict[str, tuple[Hostile, Path]] = {}
    for name, generate in GENERATORS.items():
        folder = tmp_path_factory.mktemp(name)
        (folder / "in").mkdir()
        cases[name] = (generate(folder / "in"), folder)
    with ThreadPoolExecutor(max_workers=max(2, min(4, os.cpu_count() or 2))) as pool:
        runs = {n: pool.submit(_run_cli, h.path, out) for n, (h, out) in cases.items()}
        return {n: (cases[n][0], future.result()) for n, future in runs.items()}


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "wait4"), reason="needs os.wait4 (POSIX) for the limits")
@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_hostile_file_through_the_cli(name: str, corpus: dict[str, tuple[Hostile, Run]]) -> None:
    hostile, run = corpus[name]
    lines = run.stderr.splitlines()
    assert run.code != -9, f"killed after {HANG_SECONDS} s: the import hung"
    assert "Traceback" not in run.stderr
    assert run.cpu <= CPU_SECONDS, f"{run.cpu:.1f} s of CPU"
    assert run.peak_mb <= PEAK_RSS_MB, f"{run.peak_mb:.0f} MB peak"
    if hostile.refused is not None:
        assert run.code == 2, run.stderr
        assert len(lines) == 1 and hostile.refused in lines[0], run.stderr
        assert len(lines[0]) <= 800
    else:
        assert run.code == 0, run.stderr
        assert lines == []
        assert run.report.startswith("FHIR import report")
        assert max(len(line) for line in run.report.splitlines()) <= 2_000
    for secret in SECRETS:
        assert secret not in run.stderr
        assert secret.casefold() not in run.report.casefold(), secret
