"""Content governance in the window: sign-off state, staleness, site settings and offline updates.

- At start-up :func:`load_governed` picks the content (``--content``, else the installed version
  selected under *File → Content version*, else the bundled one), checks its sign-off digest and,
  when the site configures a public key, its signature: a folder that fails is refused.
- :func:`install_governance` adds to the window: the sign-off state in the status bar (with the
  staleness warning), a banner when the content was modified since sign-off, and File menu items
  *Install content update…*, *Content version* and *Site settings…*.
- Every PDF footer and the About box take :func:`footer_line`.

Installed versions live side by side in the per-user data folder (``QStandardPaths``), managed by
:mod:`pathways.content_store`; the site file's place is a QSettings value (default: the per-user
config folder), so a hospital can point every workstation at one managed file.
"""

from __future__ import annotations

import logging
import shutil
from html import escape
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSettings, QStandardPaths, Qt
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from pathways import content_store
from pathways.content import Content, bundled_content_dir, load_content
from pathways.engine import Engine
from pathways.errors import ContentError, PathwayError
from pathways.frozen import FrozenValue, frozen_value
from pathways.signoff import DEFAULT_MAX_AGE_DAYS, SignOffState, check_folder
from pathways.site import SiteSettings, load_site

log = logging.getLogger(__name__)
SITE_FILE_KEY = "site/file"


@frozen_value
class Governance(FrozenValue):
    """What the window shows about the content in use, and the site's choices."""

    folder: Path
    state: SignOffState
    site: SiteSettings | None = None
    site_problem: str = ""  # a site file that could not be read (the content is still used)


_current: Governance | None = None


def current() -> Governance | None:
    return _current


# ---------------------------------------------------------------------------- places
def _settings() -> QSettings:
    return QSettings()


def store_root() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base) / "content"


def site_file(settings: QSettings | None = None) -> Path:
    value = (settings or _settings()).value(SITE_FILE_KEY, "", str)
    if isinstance(value, str) and value:
        return Path(value)
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppConfigLocation)
    return Path(base) / "site.yaml"


# ---------------------------------------------------------------------------- start-up
def content_folder(explicit: Path | None) -> Path:
    """The folder to load: the one named, else the selected installed version, else bundled."""
    if explicit is not None:
        return explicit
    chosen = content_store.active(store_root())
    return chosen.path if chosen is not None else bundled_content_dir()


def load_site_settings(
    content: Content, path: Path | None = None
) -> tuple[SiteSettings | None, str]:
    path = path or site_file()
    if not path.exists():
        return None, ""
    try:
        return load_site(path, content), ""
    except PathwayError as exc:
        return None, exc.one_line()


def load_governed(explicit: Path | None = None) -> tuple[Content, Governance]:
    """Load the content and check its sign-off; raises :class:`ContentError` when refused."""
    global _current
    folder = content_folder(explicit)
    content = load_content(folder)
    site, problem = load_site_settings(content)
    key = site.public_key() if site else None
    age = site.max_age_days if site else DEFAULT_MAX_AGE_DAYS
    state = check_folder(folder, content, key, age)
    if state.status == "refused":
        raise ContentError(str(folder), "", f"refused: {state.reason}")
    _current = Governance(folder, state, site, problem)
    if problem:
        log.warning("site file not used: %s", problem)
    return content, _current


def make_engine(content: Content, site: SiteSettings | None) -> Engine:
    """The engine with the site's choices applied as explained site rules."""
    return Engine(content, site=site)


def footer_line(content: Content | None = None) -> str:
    """Sign-off state, staleness and site choices: the line every PDF and About carry."""
    g = _current
    if g is None:
        return ""
    parts = [g.state.summary()]
    stale = g.state.staleness()
    if stale:
        parts.append(stale)
    if g.site is not None:
        parts.append(g.site.footer(content))
    return " · ".join(parts)


# ---------------------------------------------------------------------------- the window
def install_governance(window: QMainWindow, content: Content) -> None:
    """Status-bar state, the modified-content banner and the File menu items."""
    g = _current
    label = QLabel(window)
    label.setObjectName("status_signoff")
    label.setTextFormat(Qt.TextFormat.PlainText)
    window.statusBar().addPermanentWidget(label)
    banner = QLabel(window)
    banner.setObjectName("signoff_banner")
    banner.setTextFormat(Qt.TextFormat.PlainText)
    banner.setWordWrap(True)
    banner.setFrameShape(QLabel.Shape.StyledPanel)
    font = banner.font()
    font.setBold(True)
    banner.setFont(font)
    banner.setVisible(False)
    central = window.centralWidget()
    layout = central.layout() if central is not None else None
    if isinstance(layout, QVBoxLayout):
        layout.insertWidget(0, banner)
    if g is not None:
        text = g.state.summary()
        stale = g.state.staleness()
        label.setText(text + (f" · ⚠ {stale}" if stale else ""))
        label.setToolTip(footer_line(content))
        if g.state.status == "modified":
            banner.setText(
                window.tr(
                    "This content was MODIFIED SINCE SIGN-OFF: it is not what the reviewers "
                    "signed. {state}"
                ).format(state=g.state.summary())
            )
            banner.setVisible(True)
        elif stale:
            banner.setText(stale)
            banner.setVisible(True)
        if g.site_problem:
            # Shown until fixed: without its site file the site's choices and key do not apply.
            problem = window.tr("Site settings not used: {problem}").format(problem=g.site_problem)
            banner.setText("\n".join(t for t in (banner.text(), problem) if t))
            banner.setVisible(True)
    _add_menu_items(window, content)


def _add_menu_items(window: QMainWindow, content: Content) -> None:
    file_menu = window.findChild(QMenu, "menu_file")
    if file_menu is None:
        return
    install = QAction(window.tr("Install content &update…"), window)
    install.setObjectName("action_install_content")
    install.triggered.connect(lambda: install_update_interactive(window, content))
    versions = QMenu(window.tr("Content &version"), window)
    versions.setObjectName("menu_content_version")
    versions.aboutToShow.connect(lambda: _fill_versions(window, versions))
    site = QAction(window.tr("&Site settings…"), window)
    site.setObjectName("action_site_settings")
    site.triggered.connect(lambda: _edit_site(window, content))
    # Before the last separator (Quit stays last).
    anchor = next((a for a in reversed(file_menu.actions()) if a.isSeparator()), None)
    if anchor is None:
        file_menu.addActions([install, versions.menuAction(), site])
        return
    file_menu.insertAction(anchor, install)
    file_menu.insertMenu(anchor, versions)
    file_menu.insertAction(anchor, site)
    file_menu.insertSeparator(anchor)


def _fill_versions(window: QWidget, menu: QMenu) -> None:
    menu.clear()
    root = store_root()
    chosen = content_store.active(root)
    group = QActionGroup(menu)
    bundled = QAction(window.tr("Bundled content"), menu)
    bundled.setCheckable(True)
    bundled.setChecked(chosen is None)
    bundled.triggered.connect(lambda: _select(window, None))
    group.addAction(bundled)
    menu.addAction(bundled)
    for version in content_store.installed(root):
        action = QAction(version.name, menu)
        action.setCheckable(True)
        action.setChecked(chosen is not None and chosen.name == version.name)
        action.triggered.connect(lambda _=False, n=version.name: _select(window, n))
        group.addAction(action)
        menu.addAction(action)


def _select(window: QWidget, name: str | None) -> None:
    from app import dialogs

    try:
        content_store.set_active(store_root(), name)
    except PathwayError as exc:
        dialogs.show_error(window, window.tr("Content version"), exc.one_line())
        return
    show_info(
        window,
        window.tr("Content version"),
        window.tr("The selected content is used from the next start of the application."),
    )


def _edit_site(window: QWidget, content: Content) -> None:
    from app.site_dialog import edit_site

    edit_site(window, content, site_file())


# ---------------------------------------------------------------------------- updates
class UpdateDialog(QDialog):
    """Shows an update's sign-off state and its clinical diff against the content in use."""

    def __init__(self, prepared: content_store.Prepared, report: str, parent: QWidget | None):
        super().__init__(parent)
        self.setObjectName("content_update_dialog")
        self.setWindowTitle(self.tr("Install content update"))
        layout = QVBoxLayout(self)
        state = QLabel(prepared.state.summary(), self)
        state.setObjectName("update_state")
        state.setTextFormat(Qt.TextFormat.PlainText)
        state.setWordWrap(True)
        layout.addWidget(state)
        stale = prepared.state.staleness()
        if stale:
            warning = QLabel(f"⚠ {stale}", self)
            warning.setTextFormat(Qt.TextFormat.PlainText)
            layout.addWidget(warning)
        self.report = QPlainTextEdit(self)
        self.report.setObjectName("update_diff")
        self.report.setReadOnly(True)
        self.report.setPlainText(report)
        self.report.setAccessibleName(self.tr("Clinical diff"))
        layout.addWidget(self.report, 1)
        buttons = QDialogButtonBox(self)
        ok = buttons.addButton(self.tr("Install"), QDialogButtonBox.ButtonRole.AcceptRole)
        ok.setObjectName("update_install")
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        m = self.fontMetrics()
        self.resize(m.horizontalAdvance("M") * 90, m.height() * 36)


def confirm_update(parent: QWidget | None, prepared: content_store.Prepared, report: str) -> bool:
    """The confirmation dialog (tests replace this function)."""
    return UpdateDialog(prepared, report, parent).exec() == QDialog.DialogCode.Accepted


def tr(text: str) -> str:
    return QCoreApplication.translate("ContentUpdate", text)


def show_info(parent: QWidget | None, title: str, message: str) -> None:
    """A plain-text information box (tests replace this function)."""
    box = QMessageBox(parent)
    box.setObjectName("info_dialog")
    box.setIcon(QMessageBox.Icon.Information)
    box.setWindowTitle(title)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(message)
    box.exec()


def choose_update(parent: QWidget | None) -> Path | None:
    """A content folder (through its pathway.yaml) or an archive (tests replace this)."""
    path, _ = QFileDialog.getOpenFileName(
        parent,
        tr("Install content update"),
        "",
        tr("Content update (pathway.yaml *.zip *.tar.gz *.tgz)"),
    )
    return Path(path) if path else None


def update_report(installed: Content, prepared: content_store.Prepared) -> str:
    # The diff and the scenarios it replays are needed only here, not at start-up.
    from pathways.content_diff import diff_content
    from pathways.scenarios import load_scenarios

    diff = diff_content(installed, prepared.content, load_scenarios())
    head = [
        f"Update: content {prepared.content.version} ({prepared.name})",
        f"Sign-off: {prepared.state.summary()}",
        f"Installed now: content {installed.version}",
        "",
    ]
    return "\n".join(head) + diff.to_text()


def install_update(
    parent: QWidget | None, installed: Content, source: Path, root: Path | None = None
) -> content_store.Installed | None:
    """Prepare, show the diff and sign-off state, and install on confirmation."""
    from app import dialogs

    root = root or store_root()
    g = _current
    key = g.site.public_key() if g is not None and g.site is not None else None
    try:
        prepared = content_store.prepare(source, root, key)
    except PathwayError as exc:
        dialogs.show_error(parent, tr("Install content update"), exc.one_line())
        return None
    try:
        report = update_report(installed, prepared)
    except PathwayError as exc:
        report = f"The clinical diff could not be computed: {exc.one_line()}"
    if not confirm_update(parent, prepared, report):
        shutil.rmtree(prepared.staging, ignore_errors=True)
        return None
    result = content_store.commit(prepared, root)
    content_store.set_active(root, result.name)
    show_info(
        parent,
        tr("Install content update"),
        tr(
            "Installed content {version} ({name}). It is used from the next start; the "
            "previous version stays available under File → Content version."
        ).format(version=result.version, name=result.name),
    )
    return result


def install_update_interactive(window: QWidget, installed: Content) -> None:
    source = choose_update(window)
    if source is not None:
        install_update(window, installed, source)


def about_html() -> str:
    line = footer_line()
    return f"<p>{escape(line)}</p>" if line else ""


def stale_note() -> str:
    """' ⚠ Review is more than … old (last reviewed …)', or '' (for one-line displays)."""
    stale = _current.state.staleness() if _current is not None else None
    return f" ⚠ {stale}" if stale else ""
