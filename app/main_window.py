"""The main window: history | pathway graph | next options + evidence, with factors and warnings.

The window is glue: the :class:`~app.document.CaseDocument` holds the state, the panels show
it, the actions (``app.actions``) drive it and dialogs go through ``app.dialogs``.
"""

from __future__ import annotations

import itertools
import json
import logging
from pathlib import Path

from PySide6.QtCore import QChildEvent, QEvent, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QFont, QImage, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QSplitter,
    QTabWidget,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app import dialogs, text, theme
from app.actions import create_actions
from app.document import CaseDocument
from app.settings import AppSettings
from app.widgets.graph_view import GraphState, PathwayGraphView, PathwayScene
from app.widgets.header import CaseHeader, WarningsBanner
from app.widgets.outline import GraphOutline
from app.widgets.panels import (
    EvidencePanel,
    FactorsPanel,
    HistoryPanel,
    OptionsPanel,
    TitleLabel,
    mnemonic_of,
)
from app.widgets.story import Story, StoryScene, story_of
from pathways.bundled import bundled_folder
from pathways.case import Case, Outcome, load_case, revalidated
from pathways.content import Content
from pathways.engine import Engine
from pathways.errors import AmbiguousRegimenError, PathwayError
from pathways.version import APP_VERSION

log = logging.getLogger(__name__)
APP_TITLE = "HER2 Pathways"


def demo_cases_dir() -> Path:
    return bundled_folder("cases")


def demo_cases() -> list[tuple[str, Path]]:
    """(label, path) of every bundled demo case, in file-name order."""
    out = []
    for path in sorted(demo_cases_dir().glob("*.json")):
        try:
            label = str(json.loads(path.read_text(encoding="utf-8")).get("label", path.stem))
        except (OSError, ValueError):
            label = path.stem
        out.append((label, path))
    return out


class MainWindow(QMainWindow):
    def __init__(
        self,
        content: Content,
        engine: Engine | None = None,
        settings: AppSettings | None = None,
        parent: QWidget | None = None,
        case: Case | None = None,
        case_path: Path | None = None,
    ) -> None:
        """``case`` (read from ``case_path``, if from a file) is shown first; a new, empty
        case without it."""
        super().__init__(parent)
        self._mnemonics_due = False
        # Panels share the width in fixed proportions until the user drags a splitter or a
        # saved layout is restored (a narrow window otherwise gave the graph everything).
        self._proportional_splits = True
        self.setObjectName("main_window")
        self.setPalette(theme.accessible(self.palette()))  # selected text at 4.5:1
        self.content = content
        self.engine = engine or Engine(content)
        self.settings = settings or AppSettings()
        self.document = CaseDocument(content, self.engine, self)
        self.commands = create_actions(self)
        self.addActions(self.commands.all())
        self._selected: str | None = None
        self._base_font = QFont(QApplication.font())

        # -- panels
        self.header = CaseHeader(content, self)
        self.banner = WarningsBanner(self)
        self.history = HistoryPanel(self.document, self)
        self.factors = FactorsPanel(self)
        self.options = OptionsPanel(self)
        self.evidence = EvidencePanel(self)
        # The graph shows the patient's story; the whole pathway is a toggle (made on demand)
        self.story = StoryScene(content, self.engine, self)
        self.story.setPalette(self.palette())  # scenes do not inherit the window's palette
        self._whole: PathwayScene | None = None
        self.graph = PathwayGraphView(self)
        self.graph.set_pathway_scene(self.story)
        self.outline = GraphOutline(self)
        graph_panel = self._graph_panel()

        self.left_splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.left_splitter.setObjectName("splitter_left")
        self.left_splitter.addWidget(self.history)
        self.left_splitter.addWidget(self.factors)
        self.left_splitter.setStretchFactor(0, 3)
        self.left_splitter.setStretchFactor(1, 2)
        self.right_splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.right_splitter.setObjectName("splitter_right")
        self.right_splitter.addWidget(self.options)
        self.right_splitter.addWidget(self.evidence)
        self.right_splitter.setStretchFactor(0, 2)
        self.right_splitter.setStretchFactor(1, 3)
        self.main_splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.main_splitter.setObjectName("splitter_main")
        self.main_splitter.addWidget(self.left_splitter)
        self.main_splitter.addWidget(graph_panel)
        self.main_splitter.addWidget(self.right_splitter)
        self.main_splitter.setStretchFactor(0, 4)
        self.main_splitter.setStretchFactor(1, 7)
        self.main_splitter.setStretchFactor(2, 5)
        for splitter in (self.left_splitter, self.right_splitter, self.main_splitter):
            splitter.setChildrenCollapsible(False)
        central = self.central = QWidget(self)
        central.setObjectName("central")
        layout = QVBoxLayout(central)
        m = self.fontMetrics().horizontalAdvance("M") // 2
        layout.setContentsMargins(m, m, m, 0)
        layout.addWidget(self.header)
        layout.addWidget(self.banner)
        layout.addWidget(self.main_splitter, 1)
        self.setCentralWidget(central)

        # -- status bar
        self.step_label = QLabel(self)
        self.step_label.setObjectName("status_step")
        self.content_label = QLabel(self)
        self.content_label.setObjectName("status_content")
        self.content_label.setText(
            self.tr(
                "HER2 Pathways {app} · content {version} · reviewed {reviewed} · supports, "
                "does not replace, clinical judgement"
            ).format(app=APP_VERSION, version=content.version, reviewed=content.reviewed)
        )
        self.statusBar().setObjectName("status_bar")
        self.statusBar().addWidget(self.step_label, 1)
        self.statusBar().addPermanentWidget(self.content_label)

        self._build_menus()
        self._build_toolbar()
        self._connect()
        self._set_tab_order()
        self.assign_mnemonics()
        self._apply_text_zoom(self.settings.text_zoom)
        self.resize(QSize(1600, 1000))
        self.main_splitter.setSizes([470, 640, 490])
        self.left_splitter.setSizes([560, 340])
        self.right_splitter.setSizes([330, 570])
        self._restore_state()
        # The first case straight away: loading an empty one first would fill every panel twice.
        self.document.load(Case() if case is None else case, None if case is None else case_path)

    # ------------------------------------------------------------------ construction
    def _graph_panel(self) -> QWidget:
        panel = QWidget(self)
        panel.setObjectName("graph_panel")
        title = TitleLabel(self.tr("Pathway"), "graph_title", panel)
        self.legend = QLabel(panel)
        self.legend.setObjectName("graph_legend")
        self.legend.setText(
            "  ".join(
                (
                    text.tier_badge("preferred"),
                    text.tier_badge("alternative"),
                    text.tier_badge("avoid"),
                    self.tr("● now"),
                    self.tr("▶ given next"),
                    self.tr("1= not ranked by the guidelines"),
                    self.tr("◇ what-if"),
                )
            )
        )
        self.legend.setAccessibleName(self.tr("Graph legend"))
        self.legend.setWordWrap(True)  # a one-line legend made the graph's panel too wide
        head = QHBoxLayout()
        head.addWidget(title)
        head.addStretch(1)
        for action in (
            self.commands.graph_zoom_out,
            self.commands.graph_zoom_in,
            self.commands.graph_fit,
            self.commands.graph_all,
        ):
            button = QToolButton(panel)
            button.setDefaultAction(action)
            button.setObjectName(f"button_{action.objectName()}")
            button.setAutoRaise(True)
            button.setText(
                {
                    self.commands.graph_zoom_out: "−",
                    self.commands.graph_zoom_in: "+",
                    self.commands.graph_fit: self.tr("Fit"),
                    self.commands.graph_all: self.tr("Whole pathway"),
                }[action]
            )
            button.setAccessibleName(action.text().replace("&", ""))
            head.addWidget(button)
        # The outline is the graph for the keyboard and screen readers, one tab away.
        self.graph_tabs = QTabWidget(panel)
        self.graph_tabs.setObjectName("graph_tabs")
        self.graph_tabs.setDocumentMode(True)
        self.graph_tabs.setAccessibleName(self.tr("Graph or outline"))
        self.graph_tabs.tabBar().setAccessibleName(self.tr("Graph or outline"))
        self.graph_tabs.addTab(self.graph, self.tr("Graph"))
        self.graph_tabs.addTab(self.outline, self.tr("Outline"))
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(head)
        layout.addWidget(self.graph_tabs, 1)
        layout.addWidget(self.legend)
        return panel

    def _set_tab_order(self) -> None:
        """Tab follows the screen: the banner's buttons, the left column top to bottom (history,
        factors), the graph and its outline, then the right column (options, evidence)."""
        chain: list[QWidget] = [
            self.banner.full_button,
            self.banner.notes_button,
            self.history.table,
            *self.factors.fields.values(),
            self.graph_tabs.tabBar(),
            self.graph,
            self.outline,
            self.options.list,
            self.evidence.browser,
        ]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _build_menus(self) -> None:
        a = self.commands
        bar = self.menuBar()
        file_menu = bar.addMenu(self.tr("&File"))
        file_menu.setObjectName("menu_file")
        file_menu.addActions([a.new, a.open, a.import_fhir])
        self.recent_menu = file_menu.addMenu(self.tr("Open &Recent"))
        self.recent_menu.setObjectName("menu_recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self.demo_menu = file_menu.addMenu(self.tr("&Demo cases"))
        self.demo_menu.setObjectName("menu_demo")
        for i, (label, path) in enumerate(demo_cases()):
            action = self.demo_menu.addAction(f"&{i + 1 if i < 9 else 0}  {label}")
            action.setObjectName(f"action_demo_{path.stem}")
            action.setData(str(path))
            action.triggered.connect(lambda _=False, p=path: self._open_demo(p))
        file_menu.addSeparator()
        file_menu.addActions([a.save, a.save_as])
        file_menu.addSeparator()
        file_menu.addAction(a.quit)
        edit = bar.addMenu(self.tr("&Edit"))
        edit.setObjectName("menu_edit")
        edit.addActions([a.undo, a.redo])
        edit.addSeparator()
        edit.addActions([a.add_line, a.edit_line, a.remove_line, a.move_up, a.move_down])
        edit.addSeparator()
        edit.addAction(a.edit_label)
        step = bar.addMenu(self.tr("&Step"))
        step.setObjectName("menu_step")
        step.addActions([a.step_first, a.step_previous, a.step_next, a.step_last])
        step.addSeparator()
        step.addActions([a.whatif_add, a.whatif_keep, a.whatif_discard])
        view = bar.addMenu(self.tr("&View"))
        view.setObjectName("menu_view")
        view.addActions([a.text_bigger, a.text_smaller, a.text_reset])
        view.addSeparator()
        view.addActions([a.graph_fit, a.graph_all, a.graph_zoom_in, a.graph_zoom_out])
        view.addSeparator()
        view.addActions(
            [a.focus_history, a.focus_graph, a.focus_options, a.focus_factors, a.focus_library]
        )
        help_menu = bar.addMenu(self.tr("&Help"))
        help_menu.setObjectName("menu_help")
        help_menu.addAction(a.open_log_folder)
        help_menu.addAction(a.about)

    def _build_toolbar(self) -> None:
        a = self.commands
        bar = QToolBar(self.tr("Main toolbar"), self)
        bar.setObjectName("toolbar_main")
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        bar.setMovable(False)
        bar.addActions([a.open, a.save])
        bar.addSeparator()
        bar.addActions([a.step_first, a.step_previous, a.step_next, a.step_last])
        bar.addSeparator()
        bar.addActions([a.whatif_add, a.whatif_keep, a.whatif_discard])
        bar.addSeparator()
        bar.addActions([a.undo, a.redo])
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        self.toolbar = bar
        self._settle_icons(bar.actions())

    # ------------------------------------------------------------------ extensions
    def add_menu(self, menu: QMenu) -> None:
        """Add a mode's menu to the menu bar, before Help (which stays last)."""
        help_menu = self.findChild(QMenu, "menu_help")
        bar = self.menuBar()
        if help_menu is not None:
            bar.insertMenu(help_menu.menuAction(), menu)
        else:
            bar.addMenu(menu)

    def add_toolbar_actions(self, actions: list[QAction]) -> None:
        """Add a mode's actions to the main toolbar, after a separator; also window shortcuts."""
        self.addActions(actions)
        self.toolbar.addSeparator()
        self.toolbar.addActions(actions)
        self._settle_icons(actions)

    def _settle_icons(self, actions: list[QAction]) -> None:
        # Qt draws some of its standard icons (the arrows of Undo and Redo) from another of
        # their pixmaps on an icon's very first paint if its size was never asked for: the
        # window's first paint showed them unlike every later one. Asked here, all paints agree.
        size = self.toolbar.iconSize()
        for action in actions:
            action.icon().actualSize(size)

    def add_dock(
        self, dock: QDockWidget, area: Qt.DockWidgetArea = Qt.DockWidgetArea.RightDockWidgetArea
    ) -> None:
        """Add a mode's dock (hidden until asked for) and re-apply the saved window layout.

        The layout was restored before the dock existed, so its place would otherwise be lost.
        """
        self.addDockWidget(area, dock)
        dock.hide()
        state = self.settings.geometry("window/state")
        if not state.isEmpty():
            self.restoreState(state)

    def _connect(self) -> None:
        a = self.commands
        d = self.document
        a.new.triggered.connect(lambda: self.new_case())
        a.open.triggered.connect(lambda: self.open_dialog())
        a.import_fhir.triggered.connect(lambda: self.import_fhir_dialog())
        a.save.triggered.connect(lambda: self.save())
        a.save_as.triggered.connect(lambda: self.save_as())
        a.quit.triggered.connect(self.close)
        a.undo.triggered.connect(d.undo_stack.undo)
        a.redo.triggered.connect(d.undo_stack.redo)
        a.add_line.triggered.connect(lambda: self.add_line())
        a.edit_line.triggered.connect(lambda: self.edit_line())
        a.remove_line.triggered.connect(lambda: self.remove_line())
        a.move_up.triggered.connect(lambda: self.move_line(-1))
        a.move_down.triggered.connect(lambda: self.move_line(1))
        a.edit_label.triggered.connect(lambda: self.edit_label())
        a.step_first.triggered.connect(d.step_first)
        a.step_previous.triggered.connect(d.step_previous)
        a.step_next.triggered.connect(d.step_next)
        a.step_last.triggered.connect(d.step_last)
        a.whatif_add.triggered.connect(lambda: self.add_whatif())
        a.whatif_keep.triggered.connect(lambda: self.keep_whatif())
        a.whatif_discard.triggered.connect(lambda: d.discard_whatif())
        a.text_bigger.triggered.connect(lambda: self._apply_text_zoom(self._text_zoom + 1))
        a.text_smaller.triggered.connect(lambda: self._apply_text_zoom(self._text_zoom - 1))
        a.text_reset.triggered.connect(lambda: self._apply_text_zoom(0))
        a.graph_fit.triggered.connect(self.graph.fit)
        a.graph_all.toggled.connect(self.show_whole_pathway)
        a.graph_zoom_in.triggered.connect(self.graph.zoom_in)
        a.graph_zoom_out.triggered.connect(self.graph.zoom_out)
        a.focus_history.triggered.connect(lambda: self.history.table.setFocus())
        a.focus_graph.triggered.connect(lambda: self.graph_tabs.currentWidget().setFocus())
        a.focus_library.triggered.connect(lambda: self.focus_library())
        a.focus_options.triggered.connect(lambda: self.options.list.setFocus())
        a.focus_factors.triggered.connect(lambda: self.factors.first_field().setFocus())
        a.about.triggered.connect(lambda: dialogs.show_about(self, self.content))
        a.open_log_folder.triggered.connect(lambda: self._open_log_folder())
        d.undo_stack.canUndoChanged.connect(a.undo.setEnabled)
        d.undo_stack.canRedoChanged.connect(a.redo.setEnabled)
        d.undo_stack.cleanChanged.connect(self._update_title)
        d.undo_stack.undoTextChanged.connect(
            lambda t: a.undo.setText(
                self.tr("&Undo {what}").format(what=t) if t else self.tr("&Undo")
            )
        )
        d.undo_stack.redoTextChanged.connect(
            lambda t: a.redo.setText(
                self.tr("&Redo {what}").format(what=t) if t else self.tr("&Redo")
            )
        )
        d.loaded.connect(self._on_document_loaded)
        d.case_changed.connect(self._on_document_case_changed)
        d.step_changed.connect(self._on_document_step_changed)
        d.whatif_changed.connect(self._on_document_whatif_changed)
        d.path_changed.connect(self._update_title)
        d.change_explained.connect(self._on_document_change_explained)
        self.factors.factors_edited.connect(self._on_factors_edited)
        self.options.option_selected.connect(self._on_option_selected)
        self.graph.node_selected.connect(self._on_node_selected)
        self.main_splitter.splitterMoved.connect(self._on_splitter_moved)
        self.outline.node_activated.connect(self._on_outline_node_activated)
        self.history.line_activated.connect(self._on_history_line_activated)
        self.history.table.selectionModel().currentRowChanged.connect(
            lambda *_: self._update_actions()
        )

    # ------------------------------------------------------------------ refresh
    def _on_document_loaded(self) -> None:
        self._selected = None  # a new case starts on its top-ranked option
        self.graph.fit()

    def _on_document_case_changed(self) -> None:
        self.factors.set_factors(self.document.case.factors)
        self.header.set_case(self.document.case)
        self._reserve_banner()
        self._update_title()

    def _reserve_banner(self) -> None:
        """Room for the step with the most warnings, so stepping never moves the panels."""
        d = self.document
        whatif = "-" if d.whatif is not None else ""
        self.banner.reserve(
            max(
                (WarningsBanner.rows_needed(s.recommendation.warnings, whatif) for s in d.steps),
                default=1,
            )
        )

    def _on_document_step_changed(self, _step: int) -> None:
        self._refresh_step()

    def _on_document_whatif_changed(self, _active: bool) -> None:
        self._reserve_banner()
        self._update_title()
        self._update_actions()

    def _on_document_change_explained(self, lines: list[str]) -> None:
        self.options.show_changes(lines)
        if lines:
            self.statusBar().showMessage(lines[0], 8000)

    def _refresh_step(self) -> None:
        d = self.document
        rec = d.recommendation
        option_ids = [o.regimen for o in rec.options]
        if self._selected not in option_ids:
            self._selected = option_ids[0] if option_ids else None
        self.options.set_recommendation(rec, text.situation(rec, self.content))
        self.options.select_regimen(self._selected)
        self._refresh_graph()
        note = ""
        whatif = d.whatif
        if whatif is not None:
            note = self.tr(
                "{n} hypothetical line(s) after step {base}. Nothing here is saved "
                "until you choose Keep what-if."
            ).format(n=len(whatif.lines), base=whatif.base + 1)
        self.banner.set_warnings(rec.warnings, note)
        self.header.set_step(rec, d.effective_case.history[: d.step])
        self._show_evidence()
        total = d.step_count
        self.step_label.setText(
            self.tr("Step {k} of {n} · {where}").format(
                k=d.step + 1, n=total, where=text.situation(rec, self.content)
            )
        )
        self._update_actions()

    def _story(self) -> Story:
        return story_of(self.document, self._selected)

    def _whole_state(self) -> GraphState:
        d = self.document
        whatif = d.whatif
        hyp_from: int | None = None
        if whatif is not None:
            hyp_from = len(d.patient_path(min(whatif.base, d.step)))
            hyp_from = hyp_from if whatif.base < d.step else None
        return GraphState.of(d.recommendation, d.patient_path(), hyp_from, self._selected)

    def _refresh_graph(self) -> None:
        """Only the scene on screen is brought up to date (the other follows when shown)."""
        if self._whole is not None and self.graph.scene() is self._whole:
            self._whole.set_state(self._whole_state())
        else:
            self.story.set_story(self._story())
        self.graph.refit()
        self.outline.set_outline(self._graph_scene().outline())
        self.outline.show_node(self._selected)

    @property
    def whole_scene(self) -> PathwayScene:
        """The whole pathway, made when first shown and again after a text zoom."""
        if self._whole is None or self._whole.font() != self.font():
            self._whole = PathwayScene(self.content, self.engine, parent=self, font=self.font())
            self._whole.setPalette(self.palette())
            self._whole.set_state(self._whole_state())
        return self._whole

    @property
    def showing_whole(self) -> bool:
        return self._whole is not None and self.graph.scene() is self._whole

    def show_whole_pathway(self, whole: bool) -> None:
        """Toggle between the patient's story (default) and the whole pathway."""
        if self.commands.graph_all.isChecked() != whole:
            self.commands.graph_all.setChecked(whole)  # comes back here through toggled
            return
        scene = self.whole_scene if whole else self.story
        self.graph.set_pathway_scene(scene)
        self._refresh_graph()
        self.graph.fit()

    def _show_evidence(self) -> None:
        d = self.document
        if self._selected is None:
            self.evidence.clear()
            return
        rec = d.recommendation
        self.evidence.show_regimen(d, self._selected, rec.option(self._selected), rec)

    def _update_actions(self) -> None:
        a = self.commands
        d = self.document
        whatif = d.whatif is not None
        a.step_first.setEnabled(d.step > 0)
        a.step_previous.setEnabled(d.step > 0)
        a.step_next.setEnabled(d.step < d.step_count - 1)
        a.step_last.setEnabled(d.step < d.step_count - 1)
        option = d.recommendation.option(self._selected) if self._selected else None
        a.whatif_add.setEnabled(option is not None and not option.continuing)
        a.whatif_keep.setEnabled(whatif)
        a.whatif_discard.setEnabled(whatif)
        line = self.history.selected_line()
        real = len(d.case.history)
        editable = not whatif
        for action in (a.add_line, a.edit_label):
            action.setEnabled(editable)
        has_line = editable and line is not None and line < real
        a.edit_line.setEnabled(has_line)
        a.remove_line.setEnabled(has_line)
        a.move_up.setEnabled(has_line and line is not None and line > 0)
        a.move_down.setEnabled(has_line and line is not None and line < real - 1)
        a.undo.setEnabled(d.undo_stack.canUndo())
        a.redo.setEnabled(d.undo_stack.canRedo())
        tip = self.tr("Keep or discard the what-if first")
        for action in (a.add_line, a.edit_line, a.remove_line, a.move_up, a.move_down):
            action.setStatusTip(tip if whatif else action.toolTip())

    def _update_title(self, *_args: object) -> None:
        d = self.document
        label = d.case.label  # the case label, never the patient's name
        suffix = self.tr(" (what-if)") if d.whatif is not None else ""
        self.setWindowTitle(f"{label}{suffix}[*] — {APP_TITLE}")
        self.setWindowModified(d.is_modified)

    # ------------------------------------------------------------------ selection
    def _on_option_selected(self, regimen: str) -> None:
        self._selected = regimen or self._selected
        self._graph_scene().select_node(self._selected)
        self.outline.show_node(self._selected)
        self._show_evidence()
        self._update_actions()

    def _on_node_selected(self, node: str) -> None:
        if not node:
            return
        self._selected = node
        self.options.select_regimen(node)
        self.outline.show_node(node)
        self._show_evidence()
        self._update_actions()

    def select(self, regimen: str | None) -> None:
        """Select an option or node (as a click would)."""
        self._selected = regimen
        self.options.select_regimen(regimen)
        self._graph_scene().select_node(regimen)
        self.outline.show_node(regimen)
        self._show_evidence()
        self._update_actions()

    def childEvent(self, event: QChildEvent) -> None:
        super().childEvent(event)
        # Any child, not only widgets: event.child() would make a Python object for every child
        # the window gets (and the classes of Qt's own, on first sight: ~8 ms at start-up);
        # assigning the letters once more for a non-widget child is cheaper.
        if event.added() and not self._mnemonics_due:
            # A dock's labels take letters too. The child is reported while it is still being
            # constructed (not yet a QDockWidget, without its labels): look once it is built.
            self._mnemonics_due = True
            QTimer.singleShot(0, self.assign_mnemonics)

    def assign_mnemonics(self) -> None:
        """Alt letters of the factor fields: none that a menu or another panel uses."""
        self._mnemonics_due = False
        if not hasattr(self, "factors"):
            return
        taken = {m for a in self.menuBar().actions() if (m := mnemonic_of(a.text()))}
        for w in self.findChildren(QWidget):
            if self.factors.isAncestorOf(w):
                continue
            label = ""
            if (isinstance(w, QLabel) and w.buddy() is not None) or (
                isinstance(w, QAbstractButton) and w.parent() is not self.toolbar
            ):
                label = w.text()
            if (m := mnemonic_of(label)) is not None:
                taken.add(m)
        self.factors.set_mnemonics(taken)

    def focus_library(self) -> bool:
        """Show the (tumor-board) library dock and put the keyboard focus in it."""
        for dock in self.findChildren(QDockWidget):
            dock.show()
            dock.raise_()
            inner = dock.widget()
            targets = [inner, *inner.findChildren(QWidget)] if inner is not None else []
            for w in targets:
                if w.isVisible() and w.isEnabled() and w.focusPolicy() & Qt.FocusPolicy.TabFocus:
                    w.setFocus(Qt.FocusReason.ShortcutFocusReason)
                    return True
        self.statusBar().showMessage(self.tr("No library is open (Tumor board menu)"), 5000)
        return False

    def _on_outline_node_activated(self, node: str) -> None:
        self.select(node)  # as a click on the graph node would

    def _graph_scene(self) -> StoryScene | PathwayScene:
        return self._whole if self.showing_whole and self._whole is not None else self.story

    @property
    def selected(self) -> str | None:
        return self._selected

    # ------------------------------------------------------------------ factors and edits
    def _on_factors_edited(self, factors: object) -> None:
        from pathways.case import Factors

        assert isinstance(factors, Factors)
        try:
            self.document.set_factors(factors)
        except PathwayError as exc:
            self.factors.set_factors(self.document.case.factors)
            self._error(self.tr("Cannot change the factors"), exc)

    def _error(self, title: str, exc: PathwayError) -> None:
        place = f" ({exc.place})" if exc.place else ""
        dialogs.show_error(self, title, f"{exc.problem}{place}")

    def _insert_index(self) -> int:
        line = self.history.selected_line()
        real = len(self.document.case.history)
        return real if line is None else min(line + 1, real)

    def add_line(self) -> None:
        if self.document.whatif is not None:
            return
        line = dialogs.edit_line(self, self.content, None)
        if line is None:
            return
        try:
            index = self._insert_index()
            self.document.insert_line(index, line)
            self.document.set_step(index + 1)
        except PathwayError as exc:
            self._error(self.tr("Cannot add this line"), exc)

    def edit_line(self, row: int | None = None) -> None:
        d = self.document
        row = self.history.selected_line() if row is None else row
        if d.whatif is not None or row is None or row >= len(d.case.history):
            return
        line = dialogs.edit_line(self, self.content, d.case.history[row])
        if line is None:
            return
        try:
            d.replace_line(row, line)
        except PathwayError as exc:
            self._error(self.tr("Cannot change this line"), exc)

    def _on_history_line_activated(self, row: int) -> None:
        self.edit_line(row)

    def remove_line(self) -> None:
        d = self.document
        row = self.history.selected_line()
        if d.whatif is not None or row is None or row >= len(d.case.history):
            return
        try:
            d.remove_line(row)
        except PathwayError as exc:
            self._error(self.tr("Cannot remove this line"), exc)

    def move_line(self, delta: int) -> None:
        d = self.document
        row = self.history.selected_line()
        if d.whatif is not None or row is None:
            return
        try:
            d.move_line(row, row + delta)
            d.set_step(row + delta)
        except PathwayError as exc:
            self._error(self.tr("Cannot move this line"), exc)

    def edit_label(self) -> None:
        label = dialogs.ask_label(self, self.document.case.label)
        if label is None:
            return
        try:
            self.document.set_label(label)
        except PathwayError as exc:
            self._error(self.tr("Cannot rename the case"), exc)

    # ------------------------------------------------------------------ what-if
    def add_whatif(self, outcome: Outcome | None = None) -> None:
        d = self.document
        option = d.recommendation.option(self._selected) if self._selected else None
        if option is None or option.continuing:
            return
        if outcome is None:
            outcome = dialogs.ask_whatif_outcome(self, option.name)
            if outcome is None:
                return
        try:
            d.add_whatif(option.regimen, outcome)
        except PathwayError as exc:
            self._error(self.tr("Cannot explore this what-if"), exc)

    def keep_whatif(self) -> None:
        d = self.document
        if d.whatif is None:
            return
        dropped = len(d.case.history) - d.whatif.base
        if dropped > 0 and not dialogs.confirm(
            self,
            self.tr("Keep what-if"),
            self.tr(
                "Keeping the what-if replaces the {n} real line(s) after step {base} with the "
                "hypothetical ones. Continue? (You can undo this.)"
            ).format(n=dropped, base=d.whatif.base + 1),
        ):
            return
        try:
            d.keep_whatif()
        except PathwayError as exc:
            self._error(self.tr("Cannot keep this what-if"), exc)

    # ------------------------------------------------------------------ files
    def maybe_save(self) -> bool:
        """True if it is fine to drop the current case (saved, discarded, or unchanged)."""
        d = self.document
        if not d.is_modified:
            return True
        answer = dialogs.confirm_discard(self, d.case.label)
        if answer is dialogs.Discard.SAVE:
            return self.save()
        return answer is dialogs.Discard.DISCARD

    def new_case(self) -> None:
        if self.maybe_save():
            self.document.load(Case(label=self.tr("New case")), None)

    def open_dialog(self) -> None:
        if not self.maybe_save():
            return
        folder = self.settings.last_dir or str(demo_cases_dir())
        path = dialogs.ask_open_path(self, folder)
        if path is not None:
            self.open_case(path, ask=False)

    def import_fhir_dialog(self) -> None:
        if not self.maybe_save():
            return
        path = dialogs.ask_fhir_path(self, self.settings.last_dir or str(Path.home()))
        if path is not None:
            self.import_fhir(path)

    def import_fhir(self, path: Path) -> bool:
        """Infer a case from a FHIR export; it replaces nothing until the clinician accepts it."""
        from pathways.fhir import import_fhir_file

        try:
            result = import_fhir_file(path, self.content.agents, self.content.regimens)
            # The same checks as opening the saved file, so it never saves what won't open.
            revalidated(result.case, self.tr("the imported case"), self.content)
        except PathwayError as exc:
            dialogs.show_error(self, self.tr("Cannot import the FHIR record"), exc.one_line())
            return False
        if not dialogs.review_fhir_import(self, result, self.content):
            return False
        self.document.load(result.case, None)
        self.settings.last_dir = str(path.parent)
        self.statusBar().showMessage(
            self.tr("Imported from {name}: review and correct the lines, then save").format(
                name=path.name
            ),
            8000,
        )
        return True

    def _open_demo(self, path: Path) -> None:
        self.open_case(path)

    def open_case(self, path: Path, ask: bool = True) -> bool:
        """Open a case file; on error show a dialog and keep what is open."""
        if ask and not self.maybe_save():
            return False
        case = self._read_case(path)
        if case is None:
            return False
        self.document.load(case, path)
        if path.resolve().parent != demo_cases_dir().resolve():
            self.settings.add_recent_file(str(path))
            self.settings.last_dir = str(path.parent)
        return True

    def _read_case(self, path: Path) -> Case | None:
        """Load a case file; where a line names a drug that could be several regimens, ask
        which one (never a silent guess). None if it cannot be read or the user cancels."""
        choices: dict[int, str] = {}
        while True:
            try:
                return load_case(path, self.content, choices)
            except AmbiguousRegimenError as exc:
                picked = dialogs.pick_regimen(self, self.content, exc.index, exc.candidates)
                if picked is None or exc.index in choices:
                    return None
                choices[exc.index] = picked
            except PathwayError as exc:
                dialogs.show_error(self, self.tr("Cannot open the case"), exc.one_line())
                return None

    def save(self) -> bool:
        path = self.document.path
        if path is None or path.resolve().parent == demo_cases_dir().resolve():
            return self.save_as()
        return self._save_to(path)

    def save_as(self) -> bool:
        d = self.document
        folder = self.settings.last_dir or str(Path.home())
        name = "".join(ch if ch.isalnum() or ch in "-_ " else "_" for ch in d.case.label)
        path = dialogs.ask_save_path(self, str(Path(folder) / f"{name.strip() or 'case'}.json"))
        if path is None:
            return False
        return self._save_to(path)

    def _save_to(self, path: Path) -> bool:
        try:  # whole or not at all: on failure the file on disk is unchanged
            self.document.save(path)
        except PathwayError as exc:
            dialogs.show_error(self, self.tr("Cannot save the case"), exc.one_line())
            return False
        except OSError as exc:
            dialogs.show_error(
                self, self.tr("Cannot save the case"), f"{path}: {exc.strerror or exc}"
            )
            return False
        self.settings.add_recent_file(str(path))
        self.settings.last_dir = str(path.parent)
        self.statusBar().showMessage(self.tr("Saved {name}").format(name=path.name), 5000)
        return True

    def _fill_recent_menu(self) -> None:
        menu: QMenu = self.recent_menu
        menu.clear()
        files = self.settings.recent_files
        for i, name in enumerate(files):
            action = menu.addAction(f"&{i + 1}  {Path(name).name}")
            action.setToolTip(text.plain_tooltip(name))  # a file name: never markup
            action.triggered.connect(lambda _=False, p=name: self.open_case(Path(p)))
        if not files:
            menu.addAction(self.tr("(none)")).setEnabled(False)
        else:
            menu.addSeparator()
            menu.addAction(self.tr("Clear list"), self.settings.clear_recent_files)

    # ------------------------------------------------------------------ view
    @property
    def text_zoom(self) -> int:
        return self._text_zoom

    def _apply_text_zoom(self, steps: int) -> None:
        steps = max(-4, min(steps, 10))
        self._text_zoom = steps
        font = QFont(self._base_font)
        font.setPointSizeF(self._base_font.pointSizeF() * (1.1**steps))
        self.setFont(font)
        for title in self.findChildren(TitleLabel):
            title.rescale(font)
        # a widget under a style sheet does not always hear of its parent's new font
        self.banner.setFont(font)
        self.header.setFont(font)
        if hasattr(self, "story"):  # scenes are not widgets: they get the font by hand
            self.story.setFont(font)
            if self.showing_whole:
                self.graph.set_pathway_scene(self.whole_scene)
            self.graph.fit()
        self.settings.text_zoom = steps
        if hasattr(self, "document"):
            QTimer.singleShot(0, self._show_evidence)

    def _restore_state(self) -> None:
        s = self.settings
        geometry = s.geometry("window/geometry")
        if not geometry.isEmpty():
            self.restoreGeometry(geometry)
        state = s.geometry("window/state")
        if not state.isEmpty():
            self.restoreState(state)
        for key, splitter in (
            ("window/splitter_main", self.main_splitter),
            ("window/splitter_left", self.left_splitter),
            ("window/splitter_right", self.right_splitter),
        ):
            value = s.geometry(key)
            if not value.isEmpty():
                splitter.restoreState(value)
                self._proportional_splits = False

    def save_state(self) -> None:
        s = self.settings
        s.set_geometry("window/geometry", self.saveGeometry())
        s.set_geometry("window/state", self.saveState())
        s.set_geometry("window/splitter_main", self.main_splitter.saveState())
        s.set_geometry("window/splitter_left", self.left_splitter.saveState())
        s.set_geometry("window/splitter_right", self.right_splitter.saveState())
        s.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.maybe_save():
            event.ignore()
            return
        self.save_state()
        event.accept()

    def _open_log_folder(self) -> None:
        from app.crash_dialog import open_log_folder

        if not open_log_folder():
            from app.logging_setup import log_dir

            dialogs.show_error(
                self,
                self.tr("Cannot open the log folder"),
                self.tr("Open this folder in the file manager: {folder}").format(folder=log_dir()),
            )

    SPLITS = (0.33, 0.33, 0.34)  # history and factors | graph | options and evidence

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            text.forget_translations()  # phrases remembered in the old language
        super().changeEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_toolbar()
        if self._proportional_splits:
            # the new width: the splitter itself is laid out only after this event
            width = event.size().width() - self.fontMetrics().horizontalAdvance("M")
            self.main_splitter.setSizes([round(width * f) for f in self.SPLITS])

    def _on_splitter_moved(self, *_args: object) -> None:
        self._proportional_splits = False

    def _fit_toolbar(self) -> None:
        """Words beside the icons when they fit; icons alone (words where there is no icon)
        when not, so that no action (Undo, Redo, Present) ends up behind the overflow."""
        bar = self.toolbar
        wide = Qt.ToolButtonStyle.ToolButtonTextBesideIcon
        narrow = Qt.ToolButtonStyle.ToolButtonIconOnly
        if bar.toolButtonStyle() != wide:
            bar.setToolButtonStyle(wide)
        if bar.sizeHint().width() > self.width():
            bar.setToolButtonStyle(narrow)

    def render_image(self, size: QSize | None = None) -> QImage:
        """The window rendered offscreen at ``size`` (default: its current size)."""
        if size is not None:
            self.resize(size)
        if self.isVisible():
            # Shown by the user: its backing store is theirs; paint a copy.
            self.graph.fit()
            QApplication.processEvents()
            self.evidence.finish_layout()
            return self.grab().toImage()
        # Shown off screen, laid out, then painted once, as on screen, into the window's
        # backing store; the picture is that store's image. Not painted again by grab() into a
        # second 1600 × 1000 buffer (6 MB at the peak of the process, and the painting twice),
        # nor first as the window opens: its layouts and the graph's fit would paint it again.
        self.setUpdatesEnabled(False)
        self.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        self.show()
        QApplication.processEvents()
        self.graph.fit()
        QApplication.processEvents()
        self.evidence.finish_layout()
        self.setUpdatesEnabled(True)
        self.repaint()
        store = self.backingStore()
        device = store.paintDevice() if store is not None else None
        pixels = self.size() * self.devicePixelRatioF()
        if not isinstance(device, QImage) or device.size() != pixels:
            return self.grab().toImage()  # a platform whose store is not an image in memory
        if device.hasAlphaChannel():  # X11's store: the window is opaque, the picture too
            return device.convertToFormat(QImage.Format.Format_RGB32)
        return QImage(device)  # shares the pixels, which outlive the window


def shortcut_text(sequence: QKeySequence) -> str:
    return sequence.toString(QKeySequence.SequenceFormat.NativeText)
