"""Is a case library's file on a network file system? Then the window does not open it.

The check itself is Qt-free (:mod:`pathways.network_fs`, shared with the library's command
line); this module gives the window its translated message. A shared library is separate work:
until then a library on a network drive is refused with a message that says why and what to do.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication

from pathways import network_fs


def tr(s: str) -> str:
    return QCoreApplication.translate("LibraryLocation", s)


def library_location_problem(path: Path) -> str | None:
    """Why the library at ``path`` must not be opened for writing, or None when it may be."""
    kind = network_fs.network_filesystem(path)
    if kind is None:
        return None
    return tr(
        "{path} is on a network file system ({kind}). The case library is not opened there: "
        "its database can be damaged when written over a network. Keep the library on this "
        "computer (the default), or start the app with --db pointing to a local folder."
    ).format(path=path, kind=kind)
