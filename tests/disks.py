"""Real small, full and read-only disks for tests: a tmpfs mounted for the test.

Mounting needs Linux, root and mount(8) (CI runs as root); elsewhere the test is skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def mounted_tmpfs(point: Path, size: str = "4m") -> Iterator[Path]:
    """A tmpfs of ``size`` (mount's notation: ``48k``, ``1m``) at ``point`` for the test."""
    mount = shutil.which("mount")
    if sys.platform != "linux" or mount is None or not hasattr(os, "geteuid") or os.geteuid():
        pytest.skip("mounting a tmpfs needs Linux, root and mount(8) (CI runs as root)")
    point.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [mount, "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(point)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield point
    finally:
        # A disk still busy fails the test, but is detached all the same: a mount left behind
        # would outlive the test's folder.
        if subprocess.run(["umount", str(point)], capture_output=True, check=False).returncode:
            subprocess.run(["umount", "-l", str(point)], capture_output=True, check=False)
            raise AssertionError(f"the test left its tmpfs busy: {point.name}")


def remount(point: Path, mode: str) -> None:
    """Remount the tmpfs with ``mode`` (``ro`` or ``rw``)."""
    subprocess.run(["mount", "-o", f"remount,{mode}", str(point)], check=True)


def fill(disk: Path) -> None:
    """Fill the disk to the last block: the write that does it must fail for want of space."""
    with pytest.raises(OSError), (disk / "filler").open("wb") as out:
        out.write(b"\0" * (1 << 20))
