"""The window's content governance: sign-off state, banner, staleness, updates, site footer."""

from __future__ import annotations

import importlib.util
import shutil
import unicodedata
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QLabel, QMenu, QMessageBox
from pytestqt.qtbot import QtBot

from app import content_update
from app.main_window import MainWindow
from app.settings import AppSettings
from pathways import content_store
from pathways.content import Content, bundled_content_dir, load_content
from pathways.errors import ContentError
from pathways.schema import Reviewer
from pathways.signoff import record_signoff
from tests.pathways.content_variants import changed_content

REVIEWER = Reviewer(name="Dr A. Example", role="medical oncologist", date=date.today())


@pytest.fixture(autouse=True)
def _fresh_governance(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setattr(content_update, "_current", None)
    # No site file unless a test writes one.
    QSettings().setValue(content_update.SITE_FILE_KEY, str(tmp_path / "site.yaml"))
    yield
    QSettings().remove(content_update.SITE_FILE_KEY)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(bundled_content_dir(), target)
    return target


def _window(qtbot: QtBot, content: Content, settings: AppSettings) -> MainWindow:
    window = MainWindow(content, None, settings)
    qtbot.addWidget(window)
    content_update.install_governance(window, content)
    return window


def _status(window: MainWindow) -> str:
    label = window.findChild(QLabel, "status_signoff")
    assert label is not None
    return label.text()


def _banner(window: MainWindow) -> QLabel:
    banner = window.findChild(QLabel, "signoff_banner")
    assert banner is not None
    return banner


def test_signed_content_says_who_and_when(
    qtbot: QtBot, folder: Path, settings: AppSettings
) -> None:
    record_signoff(folder, [REVIEWER])
    content, _ = content_update.load_governed(folder)
    window = _window(qtbot, content, settings)
    assert _status(window) == (
        f"Signed off by Dr A. Example (medical oncologist) on {REVIEWER.date}"
    )
    assert _banner(window).isHidden()
    assert content_update.footer_line(content) == _status(window)


def test_modified_content_shows_a_banner(qtbot: QtBot, folder: Path, settings: AppSettings) -> None:
    record_signoff(folder, [REVIEWER])
    drugs = folder / "drugs.yaml"
    drugs.write_bytes(drugs.read_bytes() + b"\n")  # one byte more
    content, _ = content_update.load_governed(folder)
    window = _window(qtbot, content, settings)
    assert _status(window).startswith("MODIFIED SINCE SIGN-OFF")
    assert not _banner(window).isHidden()
    assert "MODIFIED SINCE SIGN-OFF" in _banner(window).text()


def test_unsigned_stale_content_warns_with_the_review_date(
    qtbot: QtBot, folder: Path, settings: AppSettings
) -> None:
    old = Reviewer(name="Dr B", role="pharmacist", date=date(2020, 1, 2))
    record_signoff(folder, [old])
    content, g = content_update.load_governed(folder)
    window = _window(qtbot, content, settings)
    assert g.state.stale
    assert "Review is more than 6 months old (last reviewed 2020-01-02)" in _status(window)
    assert "last reviewed 2020-01-02" in _banner(window).text()


def test_site_key_refuses_unsigned_content(folder: Path, tmp_path: Path) -> None:
    site = tmp_path / "site.yaml"
    site.write_text(
        f"format: her2-pathway-site\nversion: 1\nname: Test\ncontent_public_key: {'A' * 43}=\n",
        encoding="utf-8",
    )
    with pytest.raises(ContentError, match="refused: no signature"):
        content_update.load_governed(folder)


def test_site_choices_go_into_the_footer(folder: Path, tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text(
        "format: her2-pathway-site\nversion: 1\nname: Example hospital\n"
        "unavailable_agents: [pyrotinib]\nguideline_first: ESMO\n",
        encoding="utf-8",
    )
    content, g = content_update.load_governed(folder)
    assert g.site is not None and g.site.unavailable_agents == {"pyrotinib"}
    footer = content_update.footer_line(content)
    assert footer.startswith("Not signed off by a clinical reviewer")
    assert footer.endswith(
        "Site: Example hospital — not available: Pyrotinib; follows ESMO first where "
        "guidelines differ"
    )


def test_file_menu_offers_update_versions_and_site(
    qtbot: QtBot, folder: Path, settings: AppSettings
) -> None:
    content, _ = content_update.load_governed(folder)
    window = _window(qtbot, content, settings)
    menu = window.findChild(QMenu, "menu_file")
    assert menu is not None
    names = [a.objectName() for a in menu.actions()]
    assert "action_install_content" in names and "action_site_settings" in names
    assert names.index("action_install_content") < names.index(window.commands.quit.objectName())
    assert window.findChild(QMenu, "menu_content_version") is not None


def test_update_shows_the_diff_and_installs_side_by_side(
    qtbot: QtBot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    content: Content,
) -> None:
    update = tmp_path / "update"
    what = changed_content(update)
    root = tmp_path / "store"
    shown: list[str] = []
    infos: list[str] = []
    monkeypatch.setattr(content_update, "show_info", lambda p, t, m: infos.append(m))

    def confirm(answer: bool) -> Callable[..., bool]:
        def reply(parent: object, prepared: content_store.Prepared, report: str) -> bool:
            shown.append(report)
            return answer

        return reply

    monkeypatch.setattr(content_update, "confirm_update", confirm(False))
    assert content_update.install_update(None, content, update, root) is None
    assert content_store.installed(root) == []
    assert not list(root.iterdir())  # the staging folder is gone too
    monkeypatch.setattr(content_update, "confirm_update", confirm(True))
    result = content_update.install_update(None, content, update, root)
    assert result is not None
    report = shown[-1]
    assert "Sign-off: Not signed off by a clinical reviewer" in report
    assert f"removed          regimen {what['regimen']}" in report
    assert "Scenario answers that change" in report
    assert content_store.active(root) == result
    assert load_content(result.path).version == result.version
    assert "used from the next start" in infos[-1]


def test_update_that_is_not_content_is_refused(
    tmp_path: Path, content: Content, dialog_calls: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    errors: list[str] = []
    from app import dialogs

    monkeypatch.setattr(dialogs, "show_error", lambda p, t, m: errors.append(m))
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"PK\x05\x06" + b"\0" * 18)  # an empty zip archive
    root = tmp_path / "store"
    assert content_update.install_update(None, content, junk, root) is None
    assert errors and "not a content update" in errors[0]
    assert content_store.installed(root) == []


def test_every_pdf_footer_and_about_carry_the_state_and_site(
    qtbot: QtBot, folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pypdf import PdfReader
    from PySide6.QtGui import QTextDocument

    from app import dialogs
    from app.tumor_board import report

    (tmp_path / "site.yaml").write_text(
        "format: her2-pathway-site\nversion: 1\nname: Example hospital\n"
        "unavailable_agents: [pyrotinib]\n",
        encoding="utf-8",
    )
    record_signoff(folder, [Reviewer(name="Dr Old", role="oncologist", date=date(2020, 1, 2))])
    content, _ = content_update.load_governed(folder)
    doc = QTextDocument()
    doc.setPlainText("Tumor board summary")
    out = tmp_path / "board.pdf"
    report.write_pdf(doc, out, content)
    # NFKC: Qt's PDF text uses the "ff" ligature.
    text = unicodedata.normalize("NFKC", " ".join(PdfReader(out).pages[0].extract_text().split()))
    assert "Signed off by Dr Old (oncologist) on 2020-01-02" in text
    assert "Review is more than 6 months old (last reviewed 2020-01-02)" in text
    assert "Site: Example hospital — not available: Pyrotinib" in text
    assert content_update.stale_note() == (
        " ⚠ Review is more than 6 months old (last reviewed 2020-01-02)"
    )
    # The suite replaces every dialog function: load a fresh copy of the module for the real one.
    spec = importlib.util.spec_from_file_location("dialogs_copy", dialogs.__file__)
    assert spec is not None and spec.loader is not None
    fresh = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fresh)
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "about", lambda parent, title, html: shown.append(html))
    fresh.show_about(None, content)
    assert "Signed off by Dr Old (oncologist) on 2020-01-02" in shown[0]


def test_the_sites_choices_reach_the_engine(folder: Path, tmp_path: Path) -> None:
    from tests.pathways.conftest import line, make_case

    (tmp_path / "site.yaml").write_text(
        "format: her2-pathway-site\nversion: 1\nname: Example hospital\n"
        "unavailable_agents: [trastuzumab-deruxtecan]\n",
        encoding="utf-8",
    )
    content, g = content_update.load_governed(folder)
    rec = content_update.make_engine(content, g.site).next_options(
        make_case(line("pertuzumab-trastuzumab-taxane"))
    )
    tdxd = rec.option("tdxd")
    assert tdxd is not None and tdxd.tier == "avoid"
    assert any(step.source.startswith("site") for step in tdxd.explanation)


def test_a_bad_site_file_is_named_in_the_banner(
    qtbot: QtBot, folder: Path, tmp_path: Path, settings: AppSettings
) -> None:
    (tmp_path / "site.yaml").write_text("format: her2-pathway-site\nversion: 7\n", "utf-8")
    content, g = content_update.load_governed(folder)
    assert g.site is None and "version" in g.site_problem
    window = _window(qtbot, content, settings)
    assert not _banner(window).isHidden()
    assert "Site settings not used:" in _banner(window).text()
