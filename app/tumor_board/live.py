"""Live refresh: what other workstations commit to the case library, as a Qt signal.

:class:`LibraryWatcher` wraps the library's :class:`~pathways.library_store.ChangeFeed`. A feed
with a socket (PostgreSQL's ``LISTEN``) is watched with a :class:`QSocketNotifier`, so a
notification is read as soon as it arrives; a feed without one (SQLite's ``data_version``) is
polled on a timer. Bursts are coalesced, so twenty changes in a row are one refresh.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QSocketNotifier, QTimer, Signal

from pathways.library import CaseLibrary, LibraryError

log = logging.getLogger(__name__)

POLL_MS = 500  # a feed without a socket: checked twice a second ("within a second")
COALESCE_MS = 100  # changes arriving this close together are one refresh


class LibraryWatcher(QObject):
    """Watches one open library for other workstations' commits.

    Signals:
        changed(frozenset): tables changed elsewhere (``{"*"}``: unknown, refresh everything).
        failed(str): the feed broke (the server is gone); the watcher has stopped.
    """

    changed = Signal(frozenset)
    failed = Signal(str)

    def __init__(self, library: CaseLibrary, parent: QObject | None = None) -> None:
        """Raises :class:`~pathways.library.LibraryError` when the feed cannot be opened."""
        super().__init__(parent)
        self._feed = library.changes()
        self._notifier: QSocketNotifier | None = None
        self._socket: int | None = None
        self._pending: set[str] = set()
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.poll)
        self._coalesce = QTimer(self)
        self._coalesce.setSingleShot(True)
        self._coalesce.setInterval(COALESCE_MS)
        self._coalesce.timeout.connect(self._emit)
        self._watch()

    @property
    def uses_socket(self) -> bool:
        return self._notifier is not None

    def _watch(self) -> None:
        """Watch the feed's socket (it changes when the feed reconnects), else poll."""
        socket = self._feed.fileno()
        if socket is not None and socket == self._socket and self._notifier is not None:
            return
        self._drop_notifier()
        if socket is None:
            self._timer.start()
            return
        self._timer.stop()
        self._socket = socket
        self._notifier = QSocketNotifier(socket, QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self.poll)

    def _drop_notifier(self) -> None:
        if self._notifier is not None:
            self._notifier.setEnabled(False)
            self._notifier.deleteLater()
            self._notifier = None
            self._socket = None

    def poll(self) -> None:
        """Read what changed; never blocks (the feed only reads what has arrived)."""
        try:
            tables = self._feed.poll()
        except LibraryError as exc:
            self.stop()
            log.warning("case library change feed lost: %s", type(exc).__name__)
            self.failed.emit(str(exc))
            return
        self._watch()
        if tables:
            self._pending |= tables
            if not self._coalesce.isActive():
                self._coalesce.start()

    def _emit(self) -> None:
        tables, self._pending = frozenset(self._pending), set()
        if tables:
            self.changed.emit(tables)

    def stop(self) -> None:
        """Stop watching and close the feed (idempotent)."""
        self._timer.stop()
        self._coalesce.stop()
        self._pending.clear()
        self._drop_notifier()
        self._feed.close()
