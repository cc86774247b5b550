"""Is a case library's file on a network file system? Then the window does not open it.

The check itself is Qt-free (:mod:`pathways.network_fs`, shared with the library's command
line); this module gives the window its translated message. It applies to library *files*
only: a shared library is a PostgreSQL database (``postgresql://…`` or ``service=NAME``), which
the server keeps whole, so an address is never refused here.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication

from pathways import network_fs


def tr(s: str) -> str:
    return QCoreApplication.translate("LibraryLocation", s)


def library_location_problem(path: Path | str) -> str | None:
    """Why the library at ``path`` must not be opened for writing, or None when it may be."""
    if not isinstance(path, Path):
        return None  # a server address (pathways.library.is_server_location)
    kind = network_fs.network_filesystem(path)
    if kind is None:
        return None
    return tr(
        "{path} is on a network file system ({kind}). The case library is not opened there: "
        "its database can be damaged when written over a network. Keep the library on this "
        "computer (the default), or start the app with --db pointing to a local folder; a board "
        "that shares one library uses a PostgreSQL server (Open library…)."
    ).format(path=path, kind=kind)
