"""Settings → Site settings: what this hospital has and follows, saved to the site file.

The site's choices are not evidence: they are shown as site choices, explained as site rules by
the engine, and named in every PDF's footer. They take effect at the next start.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app import dialogs
from pathways.content import Content
from pathways.errors import PathwayError
from pathways.signoff import parse_public_key
from pathways.site import SiteSettings, load_site, save_site


def tr(text: str) -> str:
    return QCoreApplication.translate("SiteDialog", text)


GUIDELINES = ("", "NCCN", "ESMO", "ASCO")


class SiteDialog(QDialog):
    """Edits a :class:`SiteSettings`; :meth:`settings` returns the edited value."""

    def __init__(self, content: Content, site: SiteSettings, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("site_dialog")
        self.setWindowTitle(tr("Site settings"))
        self.content = content
        layout = QVBoxLayout(self)
        note = QLabel(
            tr(
                "Site choices are applied as site rules (an agent not available here is listed "
                "as avoid, with the reason), never as evidence, and are named in every PDF's "
                "footer. Changes take effect at the next start."
            ),
            self,
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        form = QFormLayout()
        self.name = QLineEdit(site.name, self)
        self.name.setObjectName("site_name")
        self.name.setMaxLength(200)
        form.addRow(self._label(tr("&Site name:"), self.name), self.name)
        self.agents = QListWidget(self)
        self.agents.setObjectName("site_agents")
        self.agents.setAccessibleName(tr("Agents available at this site"))
        for agent in sorted(content.agents.values(), key=lambda a: a.name.lower()):
            item = QListWidgetItem(agent.name, self.agents)
            item.setData(Qt.ItemDataRole.UserRole, agent.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            available = agent.id not in site.unavailable_agents
            item.setCheckState(Qt.CheckState.Checked if available else Qt.CheckState.Unchecked)
        form.addRow(self._label(tr("&Available here:"), self.agents), self.agents)
        self.guideline = QComboBox(self)
        self.guideline.setObjectName("site_guideline_first")
        self.guideline.addItem(tr("No preference"), "")
        for body in GUIDELINES[1:]:
            self.guideline.addItem(body, body)
        self.guideline.setCurrentIndex(max(0, self.guideline.findData(site.guideline_first or "")))
        form.addRow(self._label(tr("&Guideline first:"), self.guideline), self.guideline)
        self.age = QSpinBox(self)
        self.age.setObjectName("site_review_age")
        self.age.setRange(1, 60)
        self.age.setSuffix(tr(" months"))
        self.age.setValue(site.review_max_age_months)
        form.addRow(self._label(tr("Review &stale after:"), self.age), self.age)
        self.key = QLineEdit(site.content_public_key or "", self)
        self.key.setObjectName("site_public_key")
        self.key.setPlaceholderText(tr("none: unsigned content is accepted"))
        self.key.setMaxLength(200)
        form.addRow(self._label(tr("Content &public key:"), self.key), self.key)
        layout.addLayout(form)
        self.problem = QLabel(self)
        self.problem.setObjectName("site_problem")
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.problem)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self._on_save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _label(self, text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text, self)
        label.setBuddy(buddy)
        return label

    def settings(self) -> SiteSettings:
        """The edited settings; raises ValueError naming the field that is wrong."""
        name = self.name.text().strip()
        if not name:
            raise ValueError(tr("The site needs a name."))
        key = self.key.text().strip() or None
        if key is not None:
            parse_public_key(key)
        unavailable = set()
        for row in range(self.agents.count()):
            item = self.agents.item(row)
            if item.checkState() != Qt.CheckState.Checked:
                unavailable.add(str(item.data(Qt.ItemDataRole.UserRole)))
        guideline = self.guideline.currentData() or None
        return SiteSettings(
            name=name,
            unavailable_agents=frozenset(unavailable),
            guideline_first=guideline,
            review_max_age_months=self.age.value(),
            content_public_key=key,
        )

    def _on_save(self) -> None:
        try:
            self.settings()
        except ValueError as exc:
            self.problem.setText(str(exc))
            return
        self.accept()


def edit_site(parent: QWidget | None, content: Content, path: Path) -> SiteSettings | None:
    """Open the dialog on the site file at ``path`` and save it there (whole or not at all)."""
    site = SiteSettings(name=tr("This site"))
    if path.exists():
        try:
            site = load_site(path, content)
        except PathwayError as exc:
            dialogs.show_error(
                parent,
                tr("Site settings"),
                tr(
                    "The site file is not valid and will be replaced when you save: {problem}"
                ).format(problem=exc.one_line()),
            )
    dialog = SiteDialog(content, site, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    edited = dialog.settings()
    try:
        save_site(edited, path)
    except (PathwayError, OSError) as exc:
        message = exc.one_line() if isinstance(exc, PathwayError) else str(exc)
        dialogs.show_error(parent, tr("Site settings"), message)
        return None
    return edited
