"""Identity: the app version in the status bar, About and every PDF; icons; Help → log folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QIcon, QImageReader
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox

from app import crash_dialog, logging_setup
from app.dialogs import show_about as real_show_about
from app.main import EXIT_OK, main
from app.main_window import MainWindow
from pathways.bundled import bundled_folder
from pathways.content import Content
from pathways.version import APP_VERSION
from tests.app.conftest import CASES

ROOT = Path(__file__).resolve().parents[2]


def test_status_bar_shows_app_and_content_versions(window: MainWindow, content: Content) -> None:
    text = window.content_label.text()
    assert f"HER2 Pathways {APP_VERSION}" in text
    assert f"content {content.version}" in text and content.reviewed in text


def test_about_names_the_app_version(
    qapp: QApplication, content: Content, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[str] = []

    def about(parent: Any, title: str, text: str) -> None:
        shown.append(text)

    monkeypatch.setattr(QMessageBox, "about", about)
    real_show_about(None, content)
    assert len(shown) == 1 and f"HER2 Pathways {APP_VERSION}" in shown[0]
    assert f"Content {content.version}" in shown[0]


def test_every_pdf_page_carries_the_app_version(qapp: QApplication, tmp_path: Path) -> None:
    out = tmp_path / "case.pdf"
    assert main([str(CASES / "02-after-first-line.json"), "--report", str(out)]) == EXIT_OK
    reader = PdfReader(out)
    assert len(reader.pages) >= 1
    for page in reader.pages:
        words = " ".join(page.extract_text().split())  # pypdf separates words with tabs
        assert f"HER2 Pathways {APP_VERSION}" in words
    assert reader.metadata is not None
    assert reader.metadata.get("/Creator") == f"HER2 Pathways {APP_VERSION}"


def test_help_menu_opens_the_log_folder(
    window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[QUrl] = []

    def open_url(url: QUrl) -> bool:
        opened.append(url)
        return True

    monkeypatch.setattr(QDesktopServices, "openUrl", open_url)
    monkeypatch.setenv(logging_setup.LOG_DIR_ENV, str(tmp_path / "logs"))
    menu = window.findChild(QMenu, "menu_help")
    assert menu is not None
    action = next(a for a in menu.actions() if a.objectName() == "action_open_log_folder")
    action.trigger()
    assert opened == [QUrl.fromLocalFile(str(tmp_path / "logs"))]
    assert (tmp_path / "logs").is_dir()
    assert crash_dialog.open_log_folder() is True


def test_window_icon_svg_is_shipped_and_renders(qapp: QApplication) -> None:
    icon = QIcon(str(bundled_folder("icons") / "her2-pathways.svg"))
    assert not icon.isNull()
    assert not icon.pixmap(64, 64).toImage().isNull()


@pytest.mark.parametrize("name", ["her2-pathways.ico", "her2-pathways.icns"])
def test_platform_icons_hold_every_size(qapp: QApplication, name: str) -> None:
    reader = QImageReader(str(ROOT / "packaging" / "icons" / name))
    assert reader.canRead(), reader.errorString()
    assert reader.imageCount() == 7
    sizes = set()
    for i in range(reader.imageCount()):
        assert reader.jumpToImage(i)
        image = reader.read()
        assert image.width() == image.height()
        sizes.add(image.width())
    assert {16, 32, 128, 256} <= sizes


def test_review_packet_pdf_carries_the_app_version(tmp_path: Path) -> None:
    from pathways.cli import main as cli_main

    out = tmp_path / "packet.pdf"
    assert cli_main(["review-packet", str(out)]) == 0
    reader = PdfReader(out)
    for page in reader.pages:
        words = " ".join(page.extract_text().split())
        assert f"HER2 Pathways {APP_VERSION}" in words


def test_cli_version(capsys: pytest.CaptureFixture[str]) -> None:
    from pathways.cli import main as cli_main

    with pytest.raises(SystemExit) as done:
        cli_main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"her2-pathways-cli {APP_VERSION}"
