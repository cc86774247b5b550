"""Shared test set-up: headless Qt, isolated settings, and the ``gui`` marker.

``QT_QPA_PLATFORM=offscreen`` is set before any QApplication exists, so the suite runs without
a display. Settings go to a temporary folder, never to the user's real configuration.
"""

from __future__ import annotations

import itertools
import os
import secrets
import tempfile
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.postgres_server import PostgresServer

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

GUI_FIXTURES = {"qapp", "qtbot", "qtmodeltester", "qtlog"}

# Qt messages that are not faults of ours, each with its reason (qutebrowser keeps a similar list).
QT_LOG_IGNORE = (
    # The offscreen platform plugin has no window manager to pass size hints to; it says so
    # whenever a top-level window's size constraints change. Harmless; never seen on xcb.
    r"This plugin does not support propagateSizeHints\(\)",
)


def pytest_configure(config: pytest.Config) -> None:
    for pattern in QT_LOG_IGNORE:
        config.addinivalue_line("qt_log_ignore", pattern)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that needs a QApplication is marked ``gui`` (``-m "not gui"`` skips them)."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & GUI_FIXTURES or item.get_closest_marker("gui") is not None:
            item.add_marker(pytest.mark.gui)


@pytest.fixture(scope="session", autouse=True)
def _isolated_qt_settings() -> Iterator[None]:
    """Point QSettings and QStandardPaths at a temporary folder for the whole session."""
    with tempfile.TemporaryDirectory(prefix="her2-pathways-tests-") as folder:
        # The validated-content cache too (pathways.content_cache), also for subprocesses.
        os.environ["HER2_PATHWAYS_CACHE_DIR"] = folder
        try:
            from PySide6.QtCore import QSettings, QStandardPaths
        except ImportError:  # the domain suite may run without Qt installed
            yield
            return
        QStandardPaths.setTestModeEnabled(True)
        for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
            QSettings.setPath(QSettings.Format.IniFormat, scope, folder)
            QSettings.setPath(QSettings.Format.NativeFormat, scope, folder)
        os.environ["XDG_CONFIG_HOME"] = folder
        yield


# -- PostgreSQL: one real server for the run, one fresh database per test --------------------------

_postgres_databases = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server on 127.0.0.1 in a temporary folder, for the whole run.

    Skipped, with the reason, where no server binaries are installed (Debian: ``postgresql``;
    ``.ci/run`` installs it). Stopped at once and its folder deleted at the end, even after a
    failure (and at interpreter exit, should the session end abnormally).
    """
    from tests.postgres_server import PostgresServer

    reason = PostgresServer.available()
    if reason is not None:
        pytest.skip(reason)
    server = PostgresServer()
    try:
        server.start()
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def postgres_dsn(postgres_server: PostgresServer) -> Iterator[str]:
    """A new empty database for this test; its superuser DSN, ``postgresql://postgres@…/name``.

    Dropped afterwards, its connections ended first. A test that stopped the server gets it
    started again here, so the next test finds it running.
    """
    name = f"test_{next(_postgres_databases)}_{secrets.token_hex(4)}"
    dsn = postgres_server.create_database(name)
    try:
        yield dsn
    finally:
        if not postgres_server.is_running():
            postgres_server.start()
        postgres_server.drop_database(name)
