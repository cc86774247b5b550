"""The wheel path: build the sdist and the wheel, install the wheel in a fresh virtual environment
outside the source tree (dependencies from the hash-locked requirements), run it from there.

Also fast checks that need no build: ``package-data`` matches files that exist, and the lock
files pin every dependency that ``pyproject.toml`` declares.
"""

from __future__ import annotations

import fnmatch
import importlib.util
import json
import os
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from pathways.version import APP_VERSION

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PY = f"{sys.version_info[0]}.{sys.version_info[1]}"
LOCKS = {"runtime": ROOT / "requirements" / f"py{PY}.txt"}
LOCKS["dev"] = ROOT / "requirements" / f"py{PY}-dev.txt"
DEVELOPER_ONLY = ("benchmarks/", "tests/", "packaging/", "tools/", "docs/")


def _pins(lock: Path) -> dict[str, set[str]]:
    """Package name → versions pinned for this interpreter and platform (markers evaluated)."""
    pins: dict[str, set[str]] = {}
    for line in lock.read_text(encoding="utf-8").replace("\\\n", " ").splitlines():
        line = line.split(" --hash")[0].strip()
        if not line or line.startswith("#"):
            continue
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate():
            (version,) = (s.version for s in req.specifier)
            pins.setdefault(canonicalize_name(req.name), set()).add(version)
    return pins


def _declared(extras: tuple[str, ...]) -> list[Requirement]:
    project = PYPROJECT["project"]
    texts = list(project["dependencies"])
    for extra in extras:
        texts += project["optional-dependencies"][extra]
    reqs = [Requirement(t) for t in texts]
    return [r for r in reqs if r.marker is None or r.marker.evaluate()]


@pytest.mark.parametrize(
    ("which", "extras"), [("runtime", ("fhir",)), ("dev", ("dev", "packaging"))]
)
def test_lock_pins_every_declared_dependency(which: str, extras: tuple[str, ...]) -> None:
    lock = LOCKS[which]
    if not lock.exists():
        pytest.skip(f"no lock for Python {PY} (supported: 3.11-3.13)")
    pins = _pins(lock)
    stale = []
    for req in _declared(extras):
        versions = pins.get(canonicalize_name(req.name), set())
        if len(versions) != 1 or not req.specifier.contains(next(iter(versions)), prereleases=True):
            stale.append(f"{req} (lock: {sorted(versions) or 'missing'})")
    assert not stale, f"{lock.name} is out of date, run `make lock`: {stale}"
    text = lock.read_text(encoding="utf-8")
    for block in text.replace("\\\n", " ").splitlines():
        if "==" in block and not block.lstrip().startswith("#"):
            assert "--hash=sha256:" in block, f"unhashed pin in {lock.name}: {block[:60]}"


def test_package_data_patterns_match_existing_files() -> None:
    data = PYPROJECT["tool"]["setuptools"]["package-data"]
    for package, patterns in data.items():
        folder = ROOT / package.replace(".", "/")
        for pattern in patterns:
            assert list(folder.glob(pattern)), f"package-data {package}: {pattern} matches nothing"


# ---------------------------------------------------------------------------- build and install
@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    for module in ("build", "setuptools"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed (pip install -e '.[packaging]')")
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (wheel,) = out.glob("her2_pathways-*.whl")
    (sdist,) = out.glob("her2_pathways-*.tar.gz")
    return wheel, sdist


def _shipped_files() -> list[str]:
    """What the wheel must hold: every module of the three packages and every data file."""
    out = []
    for package in ("app", "pathways", "resources"):
        for path in (ROOT / package).rglob("*.py"):
            if "__pycache__" not in path.parts:
                out.append(path.relative_to(ROOT).as_posix())
    for pattern in PYPROJECT["tool"]["setuptools"]["package-data"]["resources"]:
        out += [p.relative_to(ROOT).as_posix() for p in (ROOT / "resources").glob(pattern)]
    return out


@pytest.mark.slow
def test_wheel_holds_the_app_and_its_data_and_no_developer_code(dists: tuple[Path, Path]) -> None:
    wheel, sdist = dists
    assert wheel.name == f"her2_pathways-{APP_VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(f"her2_pathways-{APP_VERSION}.dist-info/METADATA").decode()
        entry_points = archive.read(
            f"her2_pathways-{APP_VERSION}.dist-info/entry_points.txt"
        ).decode()
    missing = sorted(set(_shipped_files()) - set(names))
    assert not missing, missing
    assert not [n for n in names if n.startswith(DEVELOPER_ONLY)]
    assert not [n for n in names if fnmatch.fnmatch(n, "*__pycache__*")]
    assert "License-Expression: Apache-2.0" in metadata
    licences = {n.rsplit("/", 1)[-1] for n in names if "/licenses/" in n}
    assert {"LICENSE", "THIRD-PARTY-NOTICES.md"} <= licences
    assert "her2-pathways = app.main:main" in entry_points  # gui_scripts: no console on Windows
    assert "her2-pathways-cli = pathways.cli:main" in entry_points
    with tarfile.open(sdist) as archive:
        sdist_names = {n.split("/", 1)[1] for n in archive.getnames() if "/" in n}
    assert {"LICENSE", "pyproject.toml", "packaging/THIRD-PARTY-NOTICES.md"} <= sdist_names


@pytest.fixture(scope="module")
def installed(
    dists: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, str]]:
    """A fresh venv outside the tree: locked dependencies (hash-checked), then the wheel."""
    lock = LOCKS["runtime"]
    if not lock.exists():
        pytest.skip(f"no runtime lock for Python {PY}")
    place = tmp_path_factory.mktemp("workstation")
    venv = place / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / ("python.exe" if os.name == "nt" else "python")
    for args in (
        ["--require-hashes", "-r", str(lock)],
        ["--no-deps", str(dists[0])],
    ):
        done = subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *args],
            capture_output=True,
            text=True,
            timeout=1200,
        )
        assert done.returncode == 0, done.stderr[-3000:]
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "PYTHONSTARTUP")
    }
    env |= {
        "QT_QPA_PLATFORM": "offscreen",
        "HER2_PATHWAYS_LOG_DIR": str(place / "logs"),
        "HOME": str(place),
        "XDG_CONFIG_HOME": str(place / "config"),
        "XDG_DATA_HOME": str(place / "data"),
        "PATH": str(bindir) + os.pathsep + env.get("PATH", ""),
    }
    return bindir, env


def _run(installed: tuple[Path, dict[str, str]], *command: str) -> subprocess.CompletedProcess[str]:
    bindir, env = installed
    exe = ".exe" if os.name == "nt" else ""
    program = bindir / f"{command[0]}{exe}"
    return subprocess.run(
        [str(program), *command[1:]],
        cwd=bindir.parent.parent,  # outside the source tree
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_installed_wheel_runs_outside_the_tree(installed: tuple[Path, dict[str, str]]) -> None:
    bindir, _env = installed
    where = _run(
        installed,
        "python",
        "-c",
        "import app, pathways, resources, json;"
        "from pathways.bundled import bundled_folder;"
        "print(json.dumps([app.__file__, pathways.__file__, resources.__file__,"
        " str(bundled_folder('cases'))]))",
    )
    assert where.returncode == 0, where.stderr
    for location in json.loads(where.stdout):
        assert Path(location).is_relative_to(bindir.parent), location
        assert not Path(location).is_relative_to(ROOT), location
    cases = Path(json.loads(where.stdout)[3])
    no_benchmarks = _run(installed, "python", "-c", "import benchmarks")
    assert no_benchmarks.returncode != 0 and "ModuleNotFoundError" in no_benchmarks.stderr

    validate = _run(installed, "her2-pathways-cli", "validate")
    assert validate.returncode == 0, validate.stderr
    nxt = _run(installed, "her2-pathways-cli", "next", str(cases / "02-after-first-line.json"))
    assert nxt.returncode == 0, nxt.stderr
    version = _run(installed, "her2-pathways", "--version")
    assert version.returncode == 0 and version.stdout.startswith(f"her2-pathways {APP_VERSION} (")
    self_test = _run(installed, "her2-pathways", "--self-test", "--debug")
    assert self_test.returncode == 0, self_test.stderr
    assert self_test.stdout.startswith("self-test: OK (")
    log = (Path(installed[1]["HER2_PATHWAYS_LOG_DIR"]) / "her2-pathways.log").read_text("utf-8")
    assert f"HER2 Pathways {APP_VERSION} started" in log
    for identifier in ("Demo Patient Four", "DEMO-0004", "1962-01-30"):  # demo 4's
        assert identifier not in log and identifier not in self_test.stderr
