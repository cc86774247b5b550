"""Where the case library lives, and the link between the open document and a library case.

The library: ``--db``, else ``$HER2_PATHWAYS_DB``, else the one last chosen with *Open
library…* (QSettings), else ``case-library.sqlite3`` in the per-user *local* application data
folder (``QStandardPaths.AppLocalDataLocation``: never the roaming profile, which Windows copies
between machines at logon and logoff). Each may name an SQLite file or a PostgreSQL database
(``postgresql://user@host/db`` or ``service=NAME``); a server address is kept as text.

:class:`LibraryBinding` makes a library case behave like an auto-saved document: each edit on
the :class:`~app.document.CaseDocument`'s undo stack (edit, undo, redo) is written to the
library in its own transaction as soon as it happens, and the document is then marked clean,
so there is no Save step and no "unsaved changes" question for library cases.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, QStandardPaths, Signal

from app.document import CaseDocument
from pathways.case import Case, dump_case, parse_case
from pathways.library import (
    CaseLibrary,
    LibraryError,
    is_server_location,
)

log = logging.getLogger(__name__)

DB_ENV = "HER2_PATHWAYS_DB"
DB_NAME = "case-library.sqlite3"
LOCATION_KEY = "library/location"  # QSettings: the library last chosen with Open library…

# Where a library is: an SQLite file, or a PostgreSQL address (a URL or "service=NAME").
Location = Path | str


def default_db_path() -> Path:
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppLocalDataLocation)
    return Path(folder) / DB_NAME


def parse_location(text: str) -> Location:
    """A server address stays text; anything else is a file path."""
    text = text.strip()
    return text if is_server_location(text) else Path(text).expanduser()


def resolve_db_path(cli: Location | None = None, settings: QSettings | None = None) -> Location:
    """``--db`` wins over ``$HER2_PATHWAYS_DB``, which wins over the library last chosen with
    *Open library…* (in ``settings``), which wins over the per-user default."""
    if cli is not None:
        return cli if is_server_location(cli) else Path(cli).expanduser()
    env = os.environ.get(DB_ENV, "").strip()
    if env:
        return parse_location(env)
    remembered = remembered_location(settings)
    return remembered if remembered is not None else default_db_path()


def remembered_location(settings: QSettings | None) -> Location | None:
    if settings is None:
        return None
    value = settings.value(LOCATION_KEY, "")
    return parse_location(value) if isinstance(value, str) and value.strip() else None


def remember_location(settings: QSettings | None, location: Location) -> None:
    if settings is not None:
        settings.setValue(LOCATION_KEY, str(location))


def case_from_library(library: CaseLibrary, case_id: int, content: object) -> Case:
    """Parse a stored case (with the content as catalogue, like a case file). Raises on error."""
    from pathways.content import Content

    assert isinstance(content, Content)
    stored = library.get_case(case_id)
    return parse_case(stored.case_json, f"library case {case_id}", content)


class LibraryBinding(QObject):
    """Ties a :class:`CaseDocument` to one library case, or to none.

    Signals:
        bound_changed(int): the document now shows library case ``id`` (0: no library case).
        case_written(int): an edit to library case ``id`` was saved.
        write_failed(str): an edit could not be saved (the document stays modified).
    """

    bound_changed = Signal(int)
    case_written = Signal(int)
    write_failed = Signal(str)

    def __init__(self, document: CaseDocument, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._document = document
        self._library: CaseLibrary | None = None
        self._case_id: int | None = None
        self._written: Case | None = None
        # False while a shared library's server is lost: an edit is then refused at once
        # (the document keeps it, unsaved) instead of waiting for the network.
        self.reachable: Callable[[], bool] = lambda: True
        document.loaded.connect(self._on_loaded)
        document.path_changed.connect(self._on_path_changed)
        document.undo_stack.indexChanged.connect(self._on_index_changed)
        # Emitted before the document's children (the undo stack) go: the stack's clear() in
        # its destructor must not reach a half-destroyed document.
        document.destroyed.connect(self._on_document_destroyed)

    @property
    def case_id(self) -> int | None:
        return self._case_id

    def open(self, library: CaseLibrary, case_id: int, case: Case) -> None:
        """Load ``case`` (library case ``case_id``) into the document and keep it in sync."""
        self._case_id = None
        self._document.load(case, None)  # emits loaded: any earlier binding ends here
        self._library = library
        self._case_id = case_id
        self._written = self._document.case
        log.info("library case %d opened", case_id)
        self.bound_changed.emit(case_id)

    def release(self) -> None:
        if self._case_id is not None:
            self._case_id = None
            self._library = None
            self._written = None
            self.bound_changed.emit(0)

    def _on_document_destroyed(self) -> None:
        self._case_id = None
        self._library = None

    def _on_loaded(self) -> None:
        self.release()  # another case (a file, a new case) replaced the library case

    def _on_path_changed(self, path: str) -> None:
        if path:
            self.release()  # saved as a file: from now on it is that file's document

    def flush(self) -> None:
        """Write the case shown if it differs from the library's (after a refused write)."""
        if self._case_id is not None and self._document.case != self._written:
            self._on_index_changed(self._document.undo_stack.index())

    def _on_index_changed(self, _index: int) -> None:
        """After every push, undo and redo: write the real case if it changed."""
        if self._case_id is None or self._library is None:
            return
        case = self._document.case
        if case == self._written:
            self._document.undo_stack.setClean()
            return
        if not self.reachable():
            self.write_failed.emit(
                self.tr(
                    "The shared library's server cannot be reached: the edit was not saved yet. "
                    "It stays in the window and is saved when the server is back."
                )
            )
            return
        try:
            self._library.update_case(self._case_id, dump_case(case))
        except LibraryError as exc:
            log.warning("library case %d: edit not saved", self._case_id)
            self.write_failed.emit(str(exc))
            return
        self._written = case
        self._document.undo_stack.setClean()
        log.info("library case %d saved", self._case_id)
        self.case_written.emit(self._case_id)
