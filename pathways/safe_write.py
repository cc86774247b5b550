"""Safe file I/O for every input and output of the app: bounded reads and whole-or-nothing writes.

Writes: the data goes to an unpredictable temporary file created exclusively (``O_EXCL``,
``O_NOFOLLOW``) next to the target, is flushed and fsynced, and only then replaces the target.
On any failure (a full disk, a read-only folder, a writer that reports an error) the temporary
file is removed and the old target stays as it was. The target keeps its permissions (a 0600
case file stays 0600); a read-only target, a target that is a symbolic link or not a regular
file, and a target that is the same file as one of the inputs (same device and inode, so hard
links count) are refused with a message. Temporary files left by a killed process are removed
the next time that folder is written to or :func:`remove_stale_temporaries` runs on it; a file
another process is still writing is locked and left alone.

Reads: :func:`read_bounded` refuses anything that is not a regular file before reading a byte
(a FIFO or ``/dev/zero`` would block or never end) and enforces the size limit while reading, so a
file that grows after its size was checked cannot exhaust memory.

No Qt here: the window's Qt writers (QPdfWriter, QImageWriter, QSvgGenerator) write into the
open temporary file through ``QFile.open(fd, ...)`` and report their status to
:meth:`AtomicWriter.fail`.
"""

from __future__ import annotations

import errno
import logging
import os
import secrets
import stat
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO

from pathways.errors import PathwayError

log = logging.getLogger(__name__)

TEMP_SUFFIX = ".her2-partial"
"""Every temporary file ends so; :func:`remove_stale_temporaries` recognises them by it."""
_NAME_MAX = 255  # bytes in one file name on every file system we target
_TOKEN_BYTES = 8

if sys.platform != "win32":  # POSIX advisory locks tell a live writer's file from a dead one's.
    import fcntl


class WriteError(PathwayError):
    """An output could not be written; the old file, if any, is unchanged."""


class ReadError(PathwayError):
    """An input could not be read: missing, not a regular file, unreadable or over its limit."""


# ---------------------------------------------------------------------------- reasons
_REASONS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exhausted",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOENT: "the folder does not exist",
    errno.ENOTDIR: "the folder does not exist",
    errno.ELOOP: "a symbolic link is in the way",
    errno.EISDIR: "it is a folder",
    errno.ENAMETOOLONG: "the file name is too long",
    errno.EIO: "an input/output error occurred",
    errno.EFBIG: "the file is too large for the file system",
}


def reason(exc: OSError) -> str:
    """A short phrase for an OS error, without the path (the caller names the file)."""
    if exc.errno in _REASONS:
        return _REASONS[exc.errno]
    return (exc.strerror or type(exc).__name__).lower()


# ---------------------------------------------------------------------------- reading
def read_bounded(path: Path, limit: int, what: str, error: type[PathwayError] = ReadError) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them, or ``error``.

    The file is opened non-blocking (a FIFO then opens at once instead of waiting for a writer)
    and checked with ``fstat`` on the open descriptor, so what is checked is what is read.
    """
    source = str(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    flags |= getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise error(source, "", "file not found") from None
    except IsADirectoryError:
        raise error(source, "", f"is a folder, not {what}") from None
    except OSError as exc:
        raise error(source, "", f"cannot read ({reason(exc)})") from None
    except ValueError:  # a NUL character in the name
        raise error(source, "", "not a valid file name") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise error(source, "", f"is a folder, not {what}")
        if not stat.S_ISREG(info.st_mode):
            raise error(source, "", f"is not a regular file (a device, pipe or socket), not {what}")
        if info.st_size > limit:
            raise error(source, "", _too_large(what, info.st_size, limit))
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:  # the file grew after fstat
                raise error(source, "", _too_large(what, total, limit))
        return b"".join(chunks)
    except OSError as exc:
        raise error(source, "", f"cannot read ({reason(exc)})") from None
    finally:
        os.close(fd)


def _too_large(what: str, size: int, limit: int) -> str:
    more = "over " if size > limit else ""
    return f"file is too large for {what} ({more}{size:,} bytes; the limit is {limit:,})"


# ---------------------------------------------------------------------------- writing
def _umask() -> int:
    # Reading /proc avoids os.umask's set-and-restore, which races with other threads.
    with suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    old = os.umask(0o022)
    os.umask(old)
    return old


def _temp_name(target: Path) -> str:
    token = secrets.token_hex(_TOKEN_BYTES)
    room = _NAME_MAX - len(TEMP_SUFFIX) - len(token) - 3
    stem = os.fsencode(target.name)[:room].decode("utf-8", "ignore") if room > 0 else ""
    return f".{stem}.{token}{TEMP_SUFFIX}"


def _identity(info: os.stat_result) -> tuple[int, int]:
    return (info.st_dev, info.st_ino)


def _check_target(target: Path, inputs: Iterable[Path]) -> os.stat_result | None:
    """Refuse targets that cannot or must not be replaced; the target's stat if it exists."""
    source = str(target)
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise WriteError(source, "", f"cannot write ({reason(exc)})") from None
    except ValueError:  # a NUL character in the name
        raise WriteError(source, "", "not a valid file name") from None
    if info is not None:
        if stat.S_ISLNK(info.st_mode):
            raise WriteError(
                source, "", "is a symbolic link; choose the file it points to, or another name"
            )
        if stat.S_ISDIR(info.st_mode):
            raise WriteError(source, "", "is a folder")
        if not stat.S_ISREG(info.st_mode):
            raise WriteError(source, "", "is not a regular file (a device, pipe or socket)")
        if _read_only(target, info):
            raise WriteError(source, "", "the file is read-only; nothing was written")
    for other in inputs:
        try:
            other_info = os.stat(other)
        except (OSError, ValueError):
            continue
        if info is not None and _identity(other_info) == _identity(info):
            raise WriteError(
                source, "", f"is the same file as the input {other}; choose another name"
            )
    parent = target.parent
    if not parent.is_dir():
        raise WriteError(source, "", "the folder does not exist")
    return info


def _read_only(path: Path, info: os.stat_result) -> bool:
    # Root may write anything, so os.access alone would not see a file marked read-only: the
    # permission bits say what the owner meant.
    if not info.st_mode & 0o222:
        return True
    uid = getattr(os, "geteuid", lambda: -1)()
    if uid == info.st_uid and not info.st_mode & stat.S_IWUSR:
        return True
    return not os.access(path, os.W_OK)


class AtomicWriter:
    """An open temporary file next to the target; see :func:`atomic_write`."""

    def __init__(self, target: Path, fd: int, temp: Path) -> None:
        self.target = target
        self.fd = fd
        self.temp = temp
        self.file: BinaryIO = os.fdopen(fd, "wb", closefd=False)
        self._failure: str | None = None

    def write(self, data: bytes) -> None:
        self.file.write(data)

    def fail(self, problem: str) -> None:
        """Record that a writer reported failure: the target will not be replaced."""
        self._failure = self._failure or problem


def _open_temp(target: Path) -> tuple[int, Path]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    flags |= getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
    for _ in range(8):  # a clash of 64 random bits means someone plants names: try again
        temp = target.parent / _temp_name(target)
        try:
            return os.open(temp, flags, 0o600), temp
        except FileExistsError:
            continue
        except OSError as exc:
            raise WriteError(str(target), "", f"cannot write ({reason(exc)})") from None
    raise WriteError(str(target), "", "cannot create a temporary file in the folder")


def _discard(fd: int | None, temp: Path, identity: tuple[int, int] | None) -> None:
    if fd is not None:
        with suppress(OSError):
            os.close(fd)
    with suppress(OSError):
        # Only our own file: if the name was swapped for something else, leave that alone.
        if identity is None or _identity(os.lstat(temp)) == identity:
            os.unlink(temp)


@contextmanager
def atomic_write(target: Path, inputs: Iterable[Path] = ()) -> Iterator[AtomicWriter]:
    """Write ``target`` whole or not at all: ``with atomic_write(p) as out: out.write(data)``.

    Raises :class:`WriteError` (the old file is unchanged) if the target is refused, if writing
    fails, or if the body called ``out.fail(...)``. Exceptions raised by the body propagate after
    the temporary file is removed.
    """
    target = Path(target)
    existing = _check_target(target, list(inputs))
    remove_stale_temporaries(target.parent)
    fd, temp = _open_temp(target)
    identity: tuple[int, int] | None = None
    source = str(target)
    try:
        identity = _identity(os.fstat(fd))
        if sys.platform != "win32":  # held until close: marks this temporary file as live
            with suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        out = AtomicWriter(target, fd, temp)
        yield out
        out.file.flush()
        if out._failure is not None:
            raise WriteError(source, "", f"{out._failure}; nothing was written")
        _set_mode(fd, existing)
        os.fsync(fd)
        if _identity(os.lstat(temp)) != identity:
            raise WriteError(source, "", "the temporary file was replaced by another program")
        os.replace(temp, target)
        identity = None  # now the target's
        _sync_folder(target.parent)
    except OSError as exc:
        _discard(fd, temp, identity)
        raise WriteError(source, "", f"cannot write ({reason(exc)}); nothing was written") from None
    except BaseException:
        _discard(fd, temp, identity)
        raise
    else:
        with suppress(OSError):
            os.close(fd)
    log.info("wrote %s", target.name)


def _set_mode(fd: int, existing: os.stat_result | None) -> None:
    if existing is not None:
        mode = stat.S_IMODE(existing.st_mode)
        if hasattr(os, "fchown") and existing.st_uid != os.geteuid():
            with suppress(OSError):  # only root can give a file away; keep trying is pointless
                os.fchown(fd, existing.st_uid, existing.st_gid)
    else:
        mode = 0o666 & ~_umask()
    if hasattr(os, "fchmod"):
        os.fchmod(fd, mode)


def _sync_folder(folder: Path) -> None:
    # The rename is durable only once the folder's entry is on disk (POSIX; no-op on Windows).
    if sys.platform == "win32":  # pragma: no cover
        return
    with suppress(OSError):
        dfd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


def write_bytes(target: Path, data: bytes, inputs: Iterable[Path] = ()) -> None:
    """Write ``data`` to ``target`` whole or not at all (see :func:`atomic_write`)."""
    with atomic_write(target, inputs) as out:
        out.write(data)


def write_text(target: Path, text: str, inputs: Iterable[Path] = ()) -> None:
    """UTF-8 text; characters UTF-8 cannot encode (lone surrogates) are written as escapes."""
    write_bytes(target, text.encode("utf-8", "backslashreplace"), inputs)


# ---------------------------------------------------------------------------- leftovers
def remove_stale_temporaries(folder: Path) -> int:
    """Remove temporary files a killed writer left in ``folder``; the number removed.

    A live writer holds a lock on its temporary file, so only dead writers' files are removed
    (where locks are unavailable, files older than a day). Never raises.
    """
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except (OSError, ValueError):  # missing, unreadable, or a NUL in the name
        return 0
    for entry in entries:
        if not (entry.name.startswith(".") and entry.name.endswith(TEMP_SUFFIX)):
            continue
        try:
            if _stale(Path(entry.path)):
                os.unlink(entry.path)
                removed += 1
        except OSError:
            continue
    if removed:
        log.info("removed %d stale temporary file(s)", removed)
    return removed


def _stale(path: Path) -> bool:
    info = os.lstat(path)
    if not stat.S_ISREG(info.st_mode):
        return False
    if sys.platform == "win32":  # pragma: no cover - cannot tell a live writer: go by age
        import time

        return time.time() - info.st_mtime > 86_400
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        if _identity(os.fstat(fd)) != _identity(info):
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False  # a live writer holds it
        return True
    finally:
        os.close(fd)
