"""What the tumor-board controllers need from the window, passed explicitly.

The controllers never reach into the main window: they get the content and engine, the open
document, a parent for dialogs, the last folder, a way to ask about unsaved changes and a way
to show a status message.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QWidget

from app import dialogs
from app.document import CaseDocument
from pathways.content import Content
from pathways.engine import Engine
from pathways.errors import PathwayError
from pathways.frozen import FrozenValue, frozen_value


@frozen_value
class BoardContext(FrozenValue):
    content: Content
    engine: Engine
    document: CaseDocument
    parent: QWidget  # dialogs are modal over it
    last_dir: Callable[[], str]
    maybe_save: Callable[[], bool]  # False: the user kept unsaved changes
    status: Callable[[str], None]  # a transient status-bar message

    def folder(self) -> Path:
        return Path(self.last_dir() or Path.home())

    def error(self, title: str, exc: Exception | str) -> None:
        """One plain-text dialog; the window keeps working."""
        message = exc.one_line() if isinstance(exc, PathwayError) else str(exc)
        dialogs.show_error(self.parent, title, message)
