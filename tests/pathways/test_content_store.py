"""Installed content versions side by side; updates never half-installed (even when killed)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from pathways.content import bundled_content_dir, load_content
from pathways.content_store import (
    STAGING_PREFIX,
    UpdateError,
    active,
    clean_staging,
    install,
    installed,
    set_active,
)
from pathways.errors import ContentError
from tests.pathways.content_variants import changed_content

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def update(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("update") / "new"
    changed_content(folder)
    return folder


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_install_side_by_side_and_select(tmp_path: Path, update: Path) -> None:
    root = tmp_path / "store"
    first = install(bundled_content_dir(), root)
    second = install(update, root)
    assert first.name != second.name
    assert [v.name for v in installed(root)] == sorted([first.name, second.name])
    assert active(root) is None  # installing does not switch by itself
    set_active(root, second.name)
    assert active(root) == second
    assert load_content(second.path).regimens.keys() == load_content(update).regimens.keys()
    # The old version is kept whole and stays selectable.
    assert _snapshot(first.path) == _snapshot(bundled_content_dir())
    set_active(root, first.name)
    assert active(root) == first
    # Installing the same content again changes nothing.
    assert install(update, root) == second
    assert len(installed(root)) == 2


@pytest.mark.parametrize("kind", ["zip", "tar.gz"])
def test_install_from_an_archive(tmp_path: Path, update: Path, kind: str) -> None:
    archive = tmp_path / f"update.{kind}"
    if kind == "zip":
        with zipfile.ZipFile(archive, "w") as z:
            for p in update.iterdir():
                z.write(p, f"content-1.1/{p.name}")
    else:
        with tarfile.open(archive, "w:gz") as t:
            for p in update.iterdir():
                t.add(p, f"content-1.1/{p.name}")
    got = install(archive, tmp_path / "store")
    assert _snapshot(got.path) == _snapshot(update)


def test_invalid_update_is_refused_and_leaves_nothing(tmp_path: Path, update: Path) -> None:
    root = tmp_path / "store"
    good = install(bundled_content_dir(), root)
    bad = tmp_path / "bad"
    shutil.copytree(update, bad)
    (bad / "drugs.yaml").write_text("agents: [", encoding="utf-8")
    with pytest.raises(ContentError):
        install(bad, root)
    (bad / "drugs.yaml").unlink()
    with pytest.raises(UpdateError, match=r"no drugs\.yaml"):
        install(bad, root)
    assert installed(root) == [good]
    assert not [p for p in root.iterdir() if p.name.startswith(STAGING_PREFIX)]


KILLER = """
import os, signal, sys
from pathlib import Path
from pathways.content_store import prepare, commit
written = []
def after(name):
    written.append(name)
    if len(written) == 3:
        os.kill(os.getpid(), signal.SIGKILL)  # killed mid-install, as by a power cut
commit(prepare(Path(sys.argv[1]), Path(sys.argv[2]), after_file=after), Path(sys.argv[2]))
"""


@pytest.mark.skipif(not hasattr(os, "kill") or sys.platform == "win32", reason="POSIX kill")
def test_killed_install_leaves_installed_content_intact(tmp_path: Path, update: Path) -> None:
    root = tmp_path / "store"
    good = install(bundled_content_dir(), root)
    set_active(root, good.name)
    before = {v.name: _snapshot(v.path) for v in installed(root)}
    proc = subprocess.run(
        [sys.executable, "-c", KILLER, str(update), str(root)],
        cwd=REPO,
        capture_output=True,
        check=False,
    )
    assert proc.returncode == -9, proc.stderr.decode()
    # Half an update was written to a staging folder: it is no version and changes nothing.
    assert [p for p in root.iterdir() if p.name.startswith(STAGING_PREFIX)]
    assert {v.name: _snapshot(v.path) for v in installed(root)} == before
    assert active(root) == good
    # The next install removes the leftover and completes.
    assert clean_staging(root) == 1
    assert install(update, root).name in {v.name for v in installed(root)}
