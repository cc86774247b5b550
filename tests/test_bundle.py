"""The frozen app: built from the checked-in spec, then run as a clinic workstation would.

``packaging/her2-pathways.spec`` is built into a temporary folder (what ``make bundle`` does into
``dist/``), and the executables are run from outside the source tree with a bare environment (no
PYTHONPATH, no virtual environment) and, where ``unshare -n`` works, with no network at all.
Slow (about a minute on two cores); skipped, with the reason, when PyInstaller or its Linux
helper ``objcopy`` is missing.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import struct
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from pathways.content import load_content
from pathways.version import APP_VERSION

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
EXE = ".exe" if sys.platform == "win32" else ""


@cache
def _offline_prefix() -> tuple[str, ...]:
    """``unshare -n`` (a new network namespace with nothing in it) where it is allowed."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return ()
    probe = subprocess.run([unshare, "-n", "true"], capture_output=True, timeout=30)
    return (unshare, "-n") if probe.returncode == 0 else ()


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if importlib.util.find_spec("PyInstaller") is None:
        pytest.skip("PyInstaller is not installed (pip install -e '.[packaging]')")
    if sys.platform.startswith("linux") and shutil.which("objcopy") is None:
        pytest.skip("objcopy is missing (Debian: binutils); PyInstaller needs it on Linux")
    work = tmp_path_factory.mktemp("pyinstaller")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--clean",
            "--log-level",
            "WARN",
            "--distpath",
            str(work / "dist"),
            "--workpath",
            str(work / "build"),
            str(ROOT / "packaging" / "her2-pathways.spec"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return work / "dist" / "her2-pathways"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("workstation")


def run(bundle: Path, home: Path, exe: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run one of the bundle's executables as on a workstation: bare environment, no network."""
    env = {
        "PATH": os.defpath,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_RUNTIME_DIR": str(home),
        "LANG": "C.UTF-8",
        "QT_QPA_PLATFORM": "offscreen",
        "HER2_PATHWAYS_LOG_DIR": str(home / "logs"),
    }
    if sys.platform == "win32":
        env["SYSTEMROOT"] = os.environ.get("SYSTEMROOT", "")
    command = [*_offline_prefix(), str(bundle / f"{exe}{EXE}"), *args]
    return subprocess.run(command, cwd=home, env=env, capture_output=True, text=True, timeout=300)


def test_bundle_layout_has_both_executables_and_the_licences(bundle: Path) -> None:
    assert (bundle / f"her2-pathways{EXE}").is_file()
    assert (bundle / f"her2-pathways-cli{EXE}").is_file()
    assert "Apache License" in (bundle / "LICENSE.txt").read_text(encoding="utf-8")[:200]
    notices = (bundle / "THIRD-PARTY-NOTICES.md").read_text(encoding="utf-8")
    assert "LGPL-3.0" in notices
    licences = bundle / "licenses"
    assert "GNU LESSER GENERAL PUBLIC LICENSE" in (licences / "LGPL-3.0.txt").read_text("utf-8")
    shipped = {p.name.split("-")[0].lower() for p in licences.iterdir() if p.is_dir()}
    assert {"pyside6_essentials", "networkx", "pydantic", "pyyaml", "fpdf2"} <= shipped
    # LGPL Python code as replaceable source files, not bytecode in an archive.
    assert (bundle / "_internal" / "fpdf" / "fpdf.py").is_file()


def test_bundle_holds_the_data_and_no_developer_code(bundle: Path) -> None:
    internal = bundle / "_internal"
    data = internal / "resources"
    for name in ("pathway/pathway.yaml", "cases/04-after-thp-and-tdxd.json", "fhir/codes.yaml"):
        assert (data / name).is_file(), name
    assert (data / "icons" / "her2-pathways.svg").is_file()
    assert not (internal / "benchmarks").exists() and not (internal / "tests").exists()
    # Pure modules are compiled files in _internal (noarchive: no archive to inflate at start).
    assert (internal / "pathways" / "engine.pyc").is_file()
    assert (internal / "app" / "main_window.pyc").is_file()
    sources = [p.relative_to(internal).parts[0] for p in internal.rglob("*.py")]
    assert set(sources) <= {"fpdf", "psycopg"}  # source only where the licence asks for it
    for banned in ("benchmarks", "pytest", "_pytest", "hypothesis", "mypy"):
        assert not (internal / banned).exists(), banned
        assert not (internal / f"{banned}.pyc").exists(), banned


def test_version(bundle: Path, home: Path) -> None:
    content = load_content()
    done = run(bundle, home, "her2-pathways", "--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        f"her2-pathways {APP_VERSION} (content {content.version}, reviewed {content.reviewed})"
    )


def test_cli_version(bundle: Path, home: Path) -> None:
    done = run(bundle, home, "her2-pathways-cli", "--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"her2-pathways-cli {APP_VERSION}"


def test_self_test_offline(bundle: Path, home: Path) -> None:
    done = run(bundle, home, "her2-pathways", "--self-test", "--debug")  # log everything
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("self-test: OK (")
    assert "platform offscreen" in done.stdout
    log = (home / "logs" / "her2-pathways.log").read_text(encoding="utf-8")
    assert f"HER2 Pathways {APP_VERSION} started" in log
    # Demo 4, stepped through by the self-test, carries identifiers: none reaches the log.
    for identifier in ("Demo Patient Four", "DEMO-0004", "1962-01-30"):
        assert identifier not in log and identifier not in done.stderr


def test_screenshot_offline(bundle: Path, home: Path) -> None:
    out = home / "window.png"
    done = run(bundle, home, "her2-pathways", "--screenshot", str(out))
    assert done.returncode == 0, done.stderr
    header = out.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", header[16:24]) == (1600, 1000)


def test_cli_validate_and_next_offline(bundle: Path, home: Path) -> None:
    done = run(bundle, home, "her2-pathways-cli", "validate")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("OK: content")
    case = bundle / "_internal" / "resources" / "cases" / "02-after-first-line.json"
    done = run(bundle, home, "her2-pathways-cli", "next", str(case), "--json")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["options"] and answer["content"]["version"] == load_content().version


def test_cli_bad_input_is_one_line_not_a_traceback(bundle: Path, home: Path) -> None:
    broken = home / "broken.json"
    broken.write_text('{"format": "her2-pathway-case", "version": 1, "history": [', "utf-8")
    done = run(bundle, home, "her2-pathways-cli", "next", str(broken))
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr


def test_network_was_really_unreachable() -> None:
    if not _offline_prefix():
        pytest.skip("unshare -n is not available here: the runs above had the network")
    probe = subprocess.run(
        [
            *_offline_prefix(),
            sys.executable,
            "-c",
            "import socket; print(' '.join(name for _, name in socket.if_nameindex()))",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.split() == ["lo"]  # only a loopback interface (and it is down)


def test_frozen_cli_uses_a_shared_postgresql_library(
    bundle: Path, home: Path, postgres_dsn: str
) -> None:
    """psycopg and its libpq are in the bundle: the frozen CLI creates and reads a server library
    (this run needs the loopback network, so it is not made offline)."""
    case = bundle / "_internal" / "resources" / "cases" / "02-after-first-line.json"
    env = {"PATH": os.defpath, "HOME": str(home), "LANG": "C.UTF-8"}
    exe = str(bundle / f"her2-pathways-cli{EXE}")
    added = subprocess.run(
        [exe, "library", "--db", postgres_dsn, "add-case", str(case)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert added.returncode == 0, added.stderr
    listed = subprocess.run(
        [exe, "library", "--db", postgres_dsn, "list", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert listed.returncode == 0, listed.stderr
    assert [c["id"] for c in json.loads(listed.stdout)["cases"]] == [int(added.stdout)]
    gone = subprocess.run(
        [exe, "library", "--db", "postgresql://nobody@127.0.0.1:1/none", "list"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert gone.returncode == 2 and len(gone.stderr.strip().splitlines()) == 1
    assert "psycopg" not in gone.stderr and "Traceback" not in gone.stderr
