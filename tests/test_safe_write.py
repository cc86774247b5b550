"""Every write whole or not at all, and every read bounded: pathways.safe_write and its users.

The full-disk tests mount a small tmpfs (CI runs as root); where mounting is not allowed they
are skipped with the reason.
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from pathways import safe_write
from pathways.case import Case, load_case, save_case
from pathways.errors import CaseError, PathwayError
from pathways.safe_write import (
    TEMP_SUFFIX,
    ReadError,
    WriteError,
    atomic_write,
    read_bounded,
    remove_stale_temporaries,
    write_bytes,
)
from tests.disks import fill, mounted_tmpfs

OLD = b"old content\n"


def temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(TEMP_SUFFIX))


@pytest.fixture
def target(tmp_path: Path) -> Path:
    path = tmp_path / "out.json"
    path.write_bytes(OLD)
    return path


# ---------------------------------------------------------------------------- whole writes
def test_new_file_gets_the_usual_permissions(tmp_path: Path) -> None:
    path = tmp_path / "new.json"
    write_bytes(path, b"data")
    assert path.read_bytes() == b"data"
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
    assert temporaries(tmp_path) == []


def test_replacing_keeps_the_targets_permissions(target: Path) -> None:
    target.chmod(0o600)  # a case file with identifiers stays private
    write_bytes(target, b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_read_only_target_is_refused_even_for_root(target: Path) -> None:
    target.chmod(0o444)
    with pytest.raises(WriteError, match="read-only"):
        write_bytes(target, b"new")
    assert target.read_bytes() == OLD


def test_symlink_target_is_refused_and_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_bytes(OLD)
    link = tmp_path / "report.pdf"
    link.symlink_to(victim)
    with pytest.raises(WriteError, match="symbolic link"):
        write_bytes(link, b"new")
    assert victim.read_bytes() == OLD
    assert link.is_symlink()


@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_target_that_is_not_a_regular_file_is_refused(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "out"
    if kind == "folder":
        path.mkdir()
    else:
        os.mkfifo(path)
    with pytest.raises(WriteError):
        write_bytes(path, b"new")
    assert path.is_dir() if kind == "folder" else stat.S_ISFIFO(path.lstat().st_mode)


def test_output_that_is_a_hard_link_of_an_input_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "input.json"
    source.write_bytes(OLD)
    alias = tmp_path / "other-name.json"
    os.link(source, alias)
    with pytest.raises(WriteError, match="same file as the input"):
        write_bytes(alias, b"new", inputs=[source])
    assert source.read_bytes() == OLD


def test_failure_inside_the_block_leaves_the_old_file(target: Path) -> None:
    with pytest.raises(RuntimeError), atomic_write(target) as out:
        out.write(b"half of it")
        raise RuntimeError("writer crashed")
    assert target.read_bytes() == OLD
    assert temporaries(target.parent) == []


def test_a_writer_reporting_failure_replaces_nothing(target: Path) -> None:
    with pytest.raises(WriteError, match="the PNG writer failed"), atomic_write(target) as out:
        out.write(b"garbage")
        out.fail("the PNG writer failed")
    assert target.read_bytes() == OLD
    assert temporaries(target.parent) == []


def test_temporary_names_are_unpredictable_and_never_followed(
    target: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tokens = iter(["aaaa", "bbbb"])
    monkeypatch.setattr(safe_write.secrets, "token_hex", lambda _n: next(tokens))
    victim = target.parent / "victim.txt"
    victim.write_bytes(OLD)
    # An attacker who guessed the first name plants a symlink there.
    planted = target.parent / f".{target.name}.aaaa{TEMP_SUFFIX}"
    planted.symlink_to(victim)
    old_fixed_name = target.parent / f".{target.name}.tmp"  # the name the app used to use
    old_fixed_name.symlink_to(victim)
    write_bytes(target, b"new")
    assert target.read_bytes() == b"new"
    assert victim.read_bytes() == OLD
    assert planted.is_symlink()


def test_stale_temporaries_are_removed_but_a_live_writers_is_kept(tmp_path: Path) -> None:
    stale = tmp_path / f".case.json.1234{TEMP_SUFFIX}"
    stale.write_bytes(b"partial")
    with atomic_write(tmp_path / "case.json") as out:
        out.write(b"x")
        # While this write is open its temporary file is locked: another sweep leaves it.
        assert remove_stale_temporaries(tmp_path) == 0
        assert out.temp.exists()
    assert not stale.exists()  # removed by the write's own sweep before it started
    assert temporaries(tmp_path) == []


def test_a_write_killed_midway_leaves_the_target_and_its_leftover_is_cleaned(
    target: Path,
) -> None:
    script = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        from pathways.safe_write import atomic_write
        with atomic_write(Path({str(target)!r})) as out:
            out.write(b"x" * 100_000)
            out.file.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).parents[1])
    assert done.returncode == -signal.SIGKILL
    assert target.read_bytes() == OLD
    assert len(temporaries(target.parent)) == 1
    assert remove_stale_temporaries(target.parent) == 1
    assert temporaries(target.parent) == []


def test_save_case_keeps_a_private_case_private(tmp_path: Path) -> None:
    path = tmp_path / "case.json"
    save_case(Case(label="first"), path)
    path.chmod(0o600)
    save_case(Case(label="second"), path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_case(path).label == "second"


# ---------------------------------------------------------------------------- full disk
@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs, mounted for the test."""
    with mounted_tmpfs(tmp_path / "disk", "64k") as disk:
        yield disk


def test_full_disk_keeps_the_old_file_and_says_why(small_disk: Path) -> None:
    path = small_disk / "case.json"
    path.write_bytes(OLD)
    with pytest.raises(WriteError, match=r"cannot write \(the disk is full\); nothing was written"):
        write_bytes(path, b"x" * 200_000)
    assert path.read_bytes() == OLD
    assert temporaries(small_disk) == []


def test_full_disk_during_case_save(small_disk: Path) -> None:
    path = small_disk / "case.json"
    save_case(Case(label="small"), path)
    before = path.read_bytes()
    fill(small_disk)
    with pytest.raises(PathwayError, match="disk is full"):
        save_case(Case(label="x" * 150), path)
    assert path.read_bytes() == before
    assert temporaries(small_disk) == []


# ---------------------------------------------------------------------------- bounded reads
def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "case.json"
    os.mkfifo(fifo)  # nobody writes: a plain open() would wait for ever
    with pytest.raises(CaseError, match="not a regular file"):
        load_case(fifo)


def test_device_is_refused() -> None:
    with pytest.raises(ReadError, match="not a regular file"):
        read_bounded(Path("/dev/zero"), 1000, "a case file")


def test_size_limit_is_enforced(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_bytes(b" " * 1001)
    with pytest.raises(ReadError, match="the limit is 1,000"):
        read_bounded(path, 1000, "a case file")
    assert read_bounded(path, 1001, "a case file") == b" " * 1001


def test_folder_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="is a folder"):
        read_bounded(tmp_path, 10, "a case file")
    with pytest.raises(ReadError, match="file not found"):
        read_bounded(tmp_path / "nope", 10, "a case file")


def test_kills_during_repeated_saves_never_leave_a_partial_case(tmp_path: Path) -> None:
    """A child saves two different cases over one file as fast as it can; it is killed at
    arbitrary moments. After every kill the file is one of the two cases, whole."""
    path = tmp_path / "case.json"
    save_case(Case(label="a" * 150), path)
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from pathways.case import Case, save_case
        cases = [Case(label="a" * 150), Case(label="b" * 150, metastatic_diagnosis="2020-01-01")]
        print("ready", flush=True)
        i = 0
        while True:
            save_case(cases[i % 2], Path({str(path)!r}))
            i += 1
        """
    )
    labels = set()
    for delay_ms in (0, 3, 7, 11, 17, 23, 31, 41, 53, 67):
        child = subprocess.Popen(
            [sys.executable, "-c", script],
            cwd=Path(__file__).parents[1],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None and child.stdout.readline() == "ready\n"
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=delay_ms / 1000)
        child.kill()
        child.wait()
        child.stdout.close()
        labels.add(load_case(path).label[0])  # parses whole, or this raises
        remove_stale_temporaries(tmp_path)
        assert temporaries(tmp_path) == []
    assert labels <= {"a", "b"}


def test_a_nul_in_a_file_name_is_an_error_not_a_crash(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="not a valid file name"):
        read_bounded(tmp_path / "a\0b", 10, "a case file")
    with pytest.raises(WriteError, match="not a valid file name"):
        write_bytes(tmp_path / "a\0b", b"x")
    assert remove_stale_temporaries(tmp_path / "a\0b") == 0
