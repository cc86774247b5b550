"""Is a file on a network file system? The case library refuses to be written there.

The case library is SQLite in WAL mode: its locks and shared-memory index need a local file
system, and over NFS or SMB two writers (or one writer and a lagging cache) can corrupt it. This
check is Qt-free so that the window (``app.library_location``) and the library's command line
ask the same question. It errs on the side of "local" when it cannot tell:

- Windows: a UNC path (``\\\\server\\share``) or a drive Windows reports as remote (mapped);
- Linux: the type of the mount holding the path, from ``/proc/self/mountinfo``;
- macOS and the BSDs: the same, from the output of ``mount``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

NETWORK_FILESYSTEMS = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb",
        "smb2",
        "smb3",
        "smbfs",
        "afpfs",
        "webdav",
        "davfs",
        "fuse.davfs",
        "sshfs",
        "fuse.sshfs",
        "9p",
        "afs",
        "ceph",
        "fuse.ceph",
        "glusterfs",
        "fuse.glusterfs",
        "lustre",
        "gpfs",
        "ncpfs",
        "coda",
        "fuse.rclone",
        "fuse.s3fs",
    }
)
_DRIVE_REMOTE = 4  # GetDriveTypeW's answer for a network drive
_BSD_MOUNT = re.compile(r"^.+? on (?P<point>.+) \((?P<type>[^,)]+)")


def is_unc(text: str) -> bool:
    """A Windows UNC path: ``\\\\server\\share\\…`` or ``\\\\?\\UNC\\server\\…`` (either slash)."""
    text = text.replace("/", "\\")
    if text.upper().startswith("\\\\?\\UNC\\"):
        return True
    if text.startswith(("\\\\?\\", "\\\\.\\")):  # a local device path such as \\?\C:\
        return False
    return text.startswith("\\\\")


def _existing(path: Path) -> Path:
    """``path`` or its nearest existing parent (the library file may not exist yet)."""
    path = path.expanduser().absolute()
    for candidate in (path, *path.parents):
        if candidate.exists():
            return Path(os.path.realpath(candidate))
    return path


def parse_mountinfo(text: str) -> list[tuple[str, str]]:
    """(mount point, file system type) of each line of Linux's ``/proc/self/mountinfo``."""
    out = []
    for line in text.splitlines():
        fields = line.split(" ")
        if " - " not in line or len(fields) < 5:
            continue
        point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), fields[4])
        kind = line.split(" - ", 1)[1].split(" ", 1)[0]
        out.append((point, kind))
    return out


def parse_bsd_mount(text: str) -> list[tuple[str, str]]:
    """(mount point, file system type) of each line of macOS/BSD ``mount`` output."""
    out = []
    for line in text.splitlines():
        match = _BSD_MOUNT.match(line)
        if match:
            out.append((match.group("point"), match.group("type")))
    return out


def mount_of(path: str, mounts: list[tuple[str, str]]) -> str:
    """The file system type of the longest mount point holding ``path`` ("" if none)."""
    best, kind = "", ""
    for point, fs_type in mounts:
        inside = path == point or path.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, kind = point, fs_type
    return kind


def _mounts() -> list[tuple[str, str]]:
    if sys.platform.startswith("linux"):
        try:
            text = Path("/proc/self/mountinfo").read_text(encoding="utf-8")
        except OSError:
            return []
        return parse_mountinfo(text)
    elif sys.platform == "win32":
        return []  # drives are asked one by one (network_filesystem)
    else:
        return parse_bsd_mount(_run_mount())


def _run_mount() -> str:
    try:
        done = subprocess.run(["mount"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout


def filesystem_type(path: Path) -> str:
    """The file system type of the volume holding ``path``, lower case ("" if unknown)."""
    return mount_of(str(_existing(path)), _mounts()).lower()


def _drive_is_remote(root: str) -> bool:
    if sys.platform == "win32":
        import ctypes

        return bool(ctypes.windll.kernel32.GetDriveTypeW(root) == _DRIVE_REMOTE)
    return False


def network_filesystem(path: Path) -> str | None:
    """The network file system holding ``path`` (its type, or "network drive"), else None."""
    text = str(path.expanduser().absolute())
    if os.name == "nt":
        if is_unc(text) or (
            len(text) >= 2 and text[1] == ":" and _drive_is_remote(text[:2] + "\\")
        ):
            return "network drive"
        return None
    kind = filesystem_type(path)
    return kind if kind in NETWORK_FILESYSTEMS else None


def network_problem(path: Path) -> str | None:
    """Why the library at ``path`` must not be written, or None when it may be."""
    kind = network_filesystem(path)
    if kind is None:
        return None
    return (
        f"{path} is on a network file system ({kind}). The case library is not opened there: "
        "its database can be damaged when written over a network. Keep the library on this "
        "computer (the default), or give --db a path on a local disk."
    )
