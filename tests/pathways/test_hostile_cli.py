"""The hostile corpus against the command line, each run in a child process with limits.

Every run must use at most 10 s of CPU and peak under 600 MB of resident memory (the child's own
``ru_utime + ru_stime`` and ``ru_maxrss``, from ``wait4``: a busy machine slows the wall clock,
not these), exit 0 for a valid case and 2 otherwise with exactly one line on stderr that echoes
no identifier; never a traceback. A run still going after 60 s of wall time (a hang, such as a
read blocked on a pipe) is killed and fails the test. Runs go as many at a time as there are
cores, as they are independent processes.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.pathways.test_hostile_corpus import CORPUS, SECRET, Entry, check_message, make_corpus

ROOT = Path(__file__).resolve().parents[2]
FHIR_EXAMPLE = ROOT / "tests/fhir/data/her2_sequence_stu1.json"
TIME_LIMIT_S = 10.0  # CPU seconds
HANG_LIMIT_S = 60.0  # wall seconds
MEMORY_LIMIT_MB = 600
# A hard ceiling as a safety net for the machine; the test's limit is MEMORY_LIMIT_MB.
ADDRESS_SPACE_CEILING = 4 << 30
# The child sets its own ceiling before running the CLI (no preexec_fn: unsafe with threads).
LAUNCH = (
    "import resource, runpy, sys; "
    f"resource.setrlimit(resource.RLIMIT_AS, ({ADDRESS_SPACE_CEILING}, {ADDRESS_SPACE_CEILING})); "
    "sys.argv = ['pathways', *sys.argv[1:]]; "
    "runpy.run_module('pathways', run_name='__main__', alter_sys=True)"
)


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str
    peak_mb: float
    cpu_s: float
    killed: bool


def run_cli(args: Sequence[str]) -> Run:
    """``python -m pathways ARGS`` in a child, with the limits."""
    return run_child([sys.executable, "-c", LAUNCH, *args])


# The child is started by a small spawner process, which waits for it and reports its usage.
# Started straight from the test runner, the child's ru_maxrss would count the runner's memory
# (Linux keeps the high-water mark of the forked address space across exec); forked from the
# spawner, it counts only the spawner's few megabytes before its own.
SPAWNER = """
import json, os, subprocess, sys
report, argv = sys.argv[1], sys.argv[2:]
proc = subprocess.Popen(argv)
_, status, usage = os.wait4(proc.pid, 0)
proc.returncode = os.waitstatus_to_exitcode(status)
with open(report, "w") as out:
    cpu = usage.ru_utime + usage.ru_stime
    json.dump({"code": proc.returncode, "maxrss_kb": usage.ru_maxrss, "cpu_s": cpu}, out)
"""


def run_child(argv: Sequence[str], hang_limit: float = HANG_LIMIT_S) -> Run:
    """Run ``argv``; kill it after ``hang_limit`` wall seconds; its own usage from wait4."""
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.TemporaryDirectory() as folder,
    ):
        report = Path(folder) / "usage.json"
        proc = subprocess.Popen(
            [sys.executable, "-c", SPAWNER, str(report), *argv],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            cwd=ROOT,
            start_new_session=True,  # the spawner and the child: one process group to kill
        )
        killed = threading.Event()

        def kill() -> None:
            killed.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(hang_limit, kill)
        timer.start()
        try:
            proc.wait()
        finally:
            timer.cancel()
        usage = json.loads(report.read_text()) if report.exists() else {}
        out.seek(0)
        err.seek(0)
        return Run(
            code=int(usage["code"]) if "code" in usage else proc.wait(),
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
            peak_mb=usage.get("maxrss_kb", 0) / 1024,  # kilobytes on Linux
            cpu_s=float(usage.get("cpu_s", 0.0)),
            killed=killed.is_set(),
        )


def check_run(run: Run, valid: bool, what: str) -> None:
    assert not run.killed, f"{what}: hung (no exit within {HANG_LIMIT_S:.0f} s)"
    assert run.cpu_s <= TIME_LIMIT_S, f"{what}: over {TIME_LIMIT_S} s of CPU ({run.cpu_s:.1f} s)"
    assert run.peak_mb <= MEMORY_LIMIT_MB, f"{what}: peak {run.peak_mb:.0f} MB"
    assert "Traceback" not in run.stderr, f"{what}: {run.stderr[-2000:]}"
    assert SECRET not in run.stdout + run.stderr, what
    if valid:
        assert run.code == 0, f"{what}: {run.stderr[:500]}"
        return
    assert run.code == 2, f"{what}: exit {run.code}: {run.stderr[:500]}"
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("error: "), what
    check_message(run.stderr)


pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="wait4 and ru_maxrss: Linux")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Entry]]:
    return make_corpus(tmp_path_factory.mktemp("hostile-cli"))


@pytest.mark.slow
def test_every_hostile_case_file_against_next_and_steps(
    corpus: dict[str, tuple[Path, Entry]],
) -> None:
    jobs: list[tuple[str, bool, list[str]]] = []
    for entry in CORPUS:
        path, _ = corpus[entry.name]
        jobs.append((f"next {entry.name}", entry.valid, ["next", str(path)]))
        # `steps` replays the whole history: the expensive path for long histories.
        if entry.valid or entry.name == "history-5000":
            jobs.append((f"steps {entry.name}", entry.valid, ["steps", "--json", str(path)]))
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        runs = list(pool.map(lambda job: run_cli(job[2]), jobs))
    failures = []
    for (what, valid, _), run in zip(jobs, runs, strict=True):
        try:
            check_run(run, valid, what)
        except AssertionError as exc:
            failures.append(str(exc))
    assert failures == []
    peak = max(runs, key=lambda r: r.peak_mb)
    assert peak.peak_mb > 10  # the measurement is real: a Python child uses more than 10 MB


def test_the_runner_sees_a_childs_memory_and_kills_a_hang() -> None:
    hog = "x = bytearray(700 << 20); x[::4096] = b'1' * len(x[::4096])"
    run = run_child([sys.executable, "-c", hog])
    assert run.code == 0 and run.peak_mb > MEMORY_LIMIT_MB
    with pytest.raises(AssertionError, match="peak"):
        check_run(run, True, "hog")
    run = run_child([sys.executable, "-c", "import time; time.sleep(60)"], hang_limit=0.5)
    assert run.killed
    with pytest.raises(AssertionError, match="hung"):
        check_run(run, True, "hang")
    spin = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.3: pass"
    run = run_child([sys.executable, "-c", spin])
    assert 0.3 <= run.cpu_s < TIME_LIMIT_S


def test_closed_pipe_exits_quietly(corpus: dict[str, tuple[Path, Entry]]) -> None:
    path, _ = corpus["history-200"]
    shell = f"{sys.executable} -m pathways steps {path} | head -c 10 > /dev/null"
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", shell], cwd=ROOT, capture_output=True, text=True
    )
    assert done.stderr == ""
    assert done.returncode == 0


def test_import_fhir_refuses_to_overwrite_its_input_through_a_hard_link(tmp_path: Path) -> None:
    fhir = tmp_path / "patient.json"
    fhir.write_bytes(FHIR_EXAMPLE.read_bytes())
    before = fhir.read_bytes()
    alias = tmp_path / "report.txt"
    os.link(fhir, alias)
    for option in (["--report", str(alias)], ["-o", str(alias)]):
        run = run_cli(["import-fhir", str(fhir), *option])
        assert run.code == 2, run.stderr
        assert "same file as the input" in run.stderr
        assert fhir.read_bytes() == before


def test_import_fhir_writes_are_whole_and_keep_permissions(tmp_path: Path) -> None:
    fhir = tmp_path / "patient.json"
    fhir.write_bytes(FHIR_EXAMPLE.read_bytes())
    case = tmp_path / "case.json"
    case.write_text("old")
    case.chmod(0o600)
    run = run_cli(["import-fhir", str(fhir), "-o", str(case), "--report", str(tmp_path / "r.txt")])
    assert run.code == 0, run.stderr
    assert case.stat().st_mode & 0o777 == 0o600
    assert case.read_text().startswith("{")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_bug_is_one_line_without_a_traceback_or_data(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from pathways import cli

    def broken(*_args: object, **_kwargs: object) -> None:
        raise TypeError(SECRET)  # a bug whose message would quote data

    monkeypatch.setattr(cli, "load_case", broken)
    case = str(ROOT / "resources/cases/01-new-metastatic.json")
    assert cli.main(["next", case]) == cli.EXIT_INTERNAL_ERROR
    err = capsys.readouterr().err
    assert err == "error: internal error (TypeError); please report it with the command used\n"
