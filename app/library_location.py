"""Is a case library's file on a network file system? Then it is not opened for writing.

The case library is SQLite in WAL mode: its locks and shared-memory index need a local file
system, and over NFS or SMB two writers (or one writer and a lagging cache) can corrupt it. A
shared library is a separate piece of work; until then a library on a network drive is refused
with a message that says why and what to do instead.

The check is deliberately simple and errs on the side of "local" when it cannot tell:
- Windows: a UNC path (``\\\\server\\share``) or a drive that Windows reports as remote (a mapped
  network drive);
- elsewhere: the file system type of the folder (``QStorageInfo``), compared with the usual
  network and cluster file systems (NFS, SMB/CIFS, AFP, WebDAV, sshfs, 9p, AFS, Ceph, …).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QStorageInfo

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


def tr(s: str) -> str:
    return QCoreApplication.translate("LibraryLocation", s)


def _existing(path: Path) -> Path:
    """``path`` or its nearest existing parent (the library file may not exist yet)."""
    path = path.expanduser().absolute()
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return path


def filesystem_type(path: Path) -> str:
    """The file system type of the volume holding ``path``, lower case ("" if unknown)."""
    info = QStorageInfo(str(_existing(path)))
    if not info.isValid():
        return ""
    return bytes(info.fileSystemType().data()).decode("ascii", "replace").lower()


def is_unc(text: str) -> bool:
    """A Windows UNC path: ``\\\\server\\share\\…`` or ``\\\\?\\UNC\\server\\…`` (either slash)."""
    text = text.replace("/", "\\")
    if text.upper().startswith("\\\\?\\UNC\\"):
        return True
    if text.startswith(("\\\\?\\", "\\\\.\\")):  # a local device path such as \\?\C:\
        return False
    return text.startswith("\\\\")


def _drive_is_remote(root: str) -> bool:
    if sys.platform == "win32":
        import ctypes

        return bool(ctypes.windll.kernel32.GetDriveTypeW(root) == _DRIVE_REMOTE)
    return False


def _windows_remote(path: Path) -> bool:
    text = str(path.expanduser().absolute())
    if is_unc(text):
        return True
    return len(text) >= 2 and text[1] == ":" and _drive_is_remote(text[:2] + "\\")


def network_filesystem(path: Path) -> str | None:
    """The network file system holding ``path`` (its type, or "network drive"), else None."""
    if os.name == "nt" and _windows_remote(path):
        return "network drive"
    kind = filesystem_type(path)
    if kind in NETWORK_FILESYSTEMS:
        return kind
    return None


def library_location_problem(path: Path) -> str | None:
    """Why the library at ``path`` must not be opened for writing, or None when it may be."""
    kind = network_filesystem(path)
    if kind is None:
        return None
    return tr(
        "{path} is on a network file system ({kind}). The case library is not opened there: "
        "its database can be damaged when written over a network. Keep the library on this "
        "computer (the default), or start the app with --db pointing to a local folder."
    ).format(path=path, kind=kind)
