"""UI state in QSettings, behind a typed spec: (key, type, default, doc) for every value.

Only UI state lives here (geometry, splitters, recent files, text size); clinical content is
versioned data in ``resources/``. Tests point QSettings at a temporary folder.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QByteArray, QCoreApplication, QSettings

from pathways.frozen import FrozenValue, frozen_value
from pathways.version import APP_VERSION

ORGANIZATION = "HER2 Pathways"
APPLICATION = "her2-pathways"
MAX_RECENT = 8


@frozen_value
class Spec(FrozenValue):
    key: str
    type: type
    default: Any
    doc: str


SPEC: dict[str, Spec] = {
    s.key: s
    for s in (
        Spec("window/geometry", QByteArray, QByteArray(), "main window geometry"),
        Spec("window/state", QByteArray, QByteArray(), "toolbars and docks"),
        Spec("window/splitter_main", QByteArray, QByteArray(), "history | graph | options"),
        Spec("window/splitter_left", QByteArray, QByteArray(), "history over factors"),
        Spec("window/splitter_right", QByteArray, QByteArray(), "options over evidence"),
        Spec("files/recent", list, [], "recently opened case files, newest first"),
        Spec("files/last_dir", str, "", "folder of the last opened or saved case"),
        Spec("view/text_zoom", int, 0, "text size steps relative to the system font"),
    )
}


def init_application_names() -> None:
    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setApplicationName(APPLICATION)
    QCoreApplication.setApplicationVersion(APP_VERSION)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)


class AppSettings:
    """Typed access to the UI settings."""

    def __init__(self, store: QSettings | None = None) -> None:
        self.store = store or QSettings(
            QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION
        )

    @classmethod
    def ephemeral(cls, folder: str) -> AppSettings:
        """Settings in ``folder`` (screenshots and self-tests must not read or touch the user's)."""
        return cls(QSettings(f"{folder}/ephemeral.ini", QSettings.Format.IniFormat))

    def _get(self, key: str) -> Any:
        spec = SPEC[key]
        value = self.store.value(key, None)
        if value is None:
            return spec.default
        if spec.type is list:
            # An empty list comes back as None or "" from INI files (the Frescobaldi trap).
            if isinstance(value, str):
                return [value] if value else []
            return [str(v) for v in value] if isinstance(value, list | tuple) else []
        if spec.type is int:
            try:
                return int(str(value))
            except (TypeError, ValueError):
                return spec.default
        if spec.type is QByteArray:
            return value if isinstance(value, QByteArray) else spec.default
        return spec.type(value)

    def _set(self, key: str, value: Any) -> None:
        assert key in SPEC, key
        self.store.setValue(key, value)

    def geometry(self, key: str) -> QByteArray:
        value: QByteArray = self._get(key)
        return value

    def set_geometry(self, key: str, value: QByteArray) -> None:
        self._set(key, value)

    @property
    def recent_files(self) -> list[str]:
        value: list[str] = self._get("files/recent")
        return value

    def add_recent_file(self, path: str) -> None:
        files = [path, *(f for f in self.recent_files if f != path)][:MAX_RECENT]
        self._set("files/recent", files)

    def clear_recent_files(self) -> None:
        self._set("files/recent", [])

    @property
    def last_dir(self) -> str:
        return str(self._get("files/last_dir"))

    @last_dir.setter
    def last_dir(self, value: str) -> None:
        self._set("files/last_dir", value)

    @property
    def text_zoom(self) -> int:
        return int(self._get("view/text_zoom"))

    @text_zoom.setter
    def text_zoom(self, value: int) -> None:
        self._set("view/text_zoom", value)

    def sync(self) -> None:
        self.store.sync()
