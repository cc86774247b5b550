"""Settings → Site settings: edits a site file, validated, saved whole."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from app.site_dialog import SiteDialog, edit_site
from pathways.content import Content
from pathways.site import SiteSettings, load_site


def _uncheck(dialog: SiteDialog, agent_id: str) -> None:
    for row in range(dialog.agents.count()):
        item = dialog.agents.item(row)
        if item.data(Qt.ItemDataRole.UserRole) == agent_id:
            item.setCheckState(Qt.CheckState.Unchecked)


def test_dialog_edits_the_settings(qtbot: QtBot, content: Content) -> None:
    dialog = SiteDialog(content, SiteSettings("Old name", frozenset({"pyrotinib"})))
    qtbot.addWidget(dialog)
    dialog.name.setText("St Example")
    _uncheck(dialog, "trastuzumab-deruxtecan")
    dialog.guideline.setCurrentIndex(dialog.guideline.findData("ESMO"))
    dialog.age.setValue(12)
    got = dialog.settings()
    assert got == SiteSettings(
        "St Example", frozenset({"pyrotinib", "trastuzumab-deruxtecan"}), "ESMO", 12, None
    )


def test_bad_key_is_named_and_not_saved(qtbot: QtBot, content: Content) -> None:
    dialog = SiteDialog(content, SiteSettings("X"))
    qtbot.addWidget(dialog)
    dialog.key.setText("not-a-key")
    dialog._on_save()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert "base64" in dialog.problem.text()


def test_edit_site_saves_the_file(
    qtbot: QtBot, content: Content, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "config" / "site.yaml"

    def accept(self: SiteDialog) -> int:
        qtbot.addWidget(self)
        self.name.setText("Saved site")
        _uncheck(self, "margetuximab")
        return QDialog.DialogCode.Accepted.value

    monkeypatch.setattr(SiteDialog, "exec", accept)
    saved = edit_site(None, content, path)
    assert saved is not None
    assert load_site(path, content) == saved
    assert saved.unavailable_agents == {"margetuximab"}
