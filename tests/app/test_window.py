"""The main window, driven as a user would: keys, clicks, actions, with dialogs scripted."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget
from pytestqt.qtbot import QtBot

from app import dialogs
from app.main_window import MainWindow
from app.models.history_model import HistoryTableModel
from pathways.case import Outcome, Setting, TreatmentLine, load_case
from pathways.content import Content
from tests.app.conftest import CASES, DialogCalls


def _activate(qtbot: QtBot, window: MainWindow) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


# ---------------------------------------------------------------------------- stepping
def test_arrow_keys_and_home_end_step(qtbot: QtBot, window: MainWindow) -> None:
    _activate(qtbot, window)
    doc = window.document
    last = doc.step_count - 1
    window.history.table.setFocus()
    qtbot.keyClick(window.history.table, Qt.Key.Key_Left)
    assert doc.step == last - 1
    qtbot.keyClick(window.history.table, Qt.Key.Key_Home)
    assert doc.step == 0
    qtbot.keyClick(window.history.table, Qt.Key.Key_Right)
    assert doc.step == 1
    qtbot.keyClick(window.history.table, Qt.Key.Key_End)
    assert doc.step == last
    assert not doc.is_modified  # stepping never changes the case


def test_toolbar_actions_step_and_disable_at_the_ends(window: MainWindow) -> None:
    a = window.commands
    a.step_first.trigger()
    assert window.document.step == 0
    assert not a.step_previous.isEnabled() and a.step_next.isEnabled()
    a.step_next.trigger()
    assert window.document.step == 1
    a.step_last.trigger()
    assert not a.step_next.isEnabled() and not a.step_last.isEnabled()


def test_clicking_a_history_row_jumps_there(qtbot: QtBot, window: MainWindow) -> None:
    table = window.history.table
    rect = table.visualRect(table.model().index(1, HistoryTableModel.REGIMEN))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.document.step == 1
    assert window.options.model.options == window.document.recommendation.options


def test_everything_shows_the_situation_at_the_step(window: MainWindow) -> None:
    doc = window.document
    for k in range(doc.step_count):
        doc.set_step(k)
        rec = doc.recommendation
        assert window.options.model.options == rec.options
        assert window.story.story.options == rec.options
        assert window.banner.notices == rec.warnings
        assert tuple(e.node for e in window.story.story.path) == tuple(doc.patient_path())
        assert window.story.current_node() == rec.position
        assert f"Step {k + 1} of {doc.step_count}" in window.step_label.text()
        history_model = window.history.model
        assert history_model.index(k, 0).data(Qt.ItemDataRole.UserRole + 3) is True


# ---------------------------------------------------------------------------- selection
def test_selecting_an_option_shows_its_evidence(
    qtbot: QtBot, window: MainWindow, content: Content
) -> None:
    options = window.document.recommendation.options
    assert len(options) >= 2
    view = window.options.list
    rect = view.visualRect(window.options.model.index(1))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    chosen = options[1]
    assert window.selected == chosen.regimen
    assert window.story.selected_node() == chosen.regimen
    shown = window.evidence.plain_text()
    assert content.regimens[chosen.regimen].name in shown
    assert chosen.why in shown
    ev = content.evidence[chosen.evidence[0]] if chosen.evidence else None
    if ev is not None:
        assert ev.trial in shown
        assert "Guideline positions" in shown
        for body in ("NCCN", "ESMO", "ASCO"):
            assert body in shown


def test_clicking_a_graph_node_selects_it(
    qtbot: QtBot, window: MainWindow, content: Content
) -> None:
    node = window.document.case.history[0].regimen
    item = window.story.nodes[node]
    window.graph.fit()
    pos = window.graph.mapFromScene(item.scenePos())
    qtbot.mouseClick(window.graph.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert window.selected == node
    assert content.regimens[node].name in window.evidence.plain_text()


def test_graph_keyboard_walks_nodes_from_the_current_position(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.graph.setFocus()
    window.story.select_node(None)
    qtbot.keyClick(window.graph, Qt.Key.Key_Down)
    first = window.selected
    assert first == window.document.recommendation.position  # where the patient is
    assert window.story.selected_node() == first
    qtbot.keyClick(window.graph, Qt.Key.Key_Down)
    assert window.selected not in (None, first)
    # graphics items are not accessible objects: the view describes the selected node
    assert window.graph.accessibleDescription() == window.story.describe(window.selected)
    assert window.story.nodes[window.selected].name in window.graph.accessibleDescription()
    zoom = window.graph.transform().m11()
    qtbot.keyClick(window.graph, Qt.Key.Key_Plus)
    assert window.graph.transform().m11() > zoom
    qtbot.keyClick(window.graph, Qt.Key.Key_F)


# ---------------------------------------------------------------------------- factors
def test_factor_change_reranks_at_once_and_says_why(
    qtbot: QtBot, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window("02-after-first-line.json")
    before = window.document.recommendation
    box = window.factors.checks["tdxd_available"]
    assert box.isChecked()
    box.click()
    after = window.document.recommendation
    assert after.tier_of("tdxd") != before.tier_of("tdxd")
    assert window.options.model.options == after.options
    assert window.options.changes.isVisible()
    explanation = window.options.changes.text()
    assert "T-DXd available" in explanation
    assert window.isWindowModified()
    # undo puts the factor and the ranking back
    window.commands.undo.trigger()
    assert box.isChecked()
    assert window.document.recommendation.options == before.options


def test_brain_metastases_combo_reranks(qtbot: QtBot, window: MainWindow) -> None:
    combo = window.factors.brain
    combo.setCurrentIndex(combo.findData("active"))
    assert window.document.case.factors.brain_metastases == "active"
    assert "Brain metastases" in window.options.changes.text()


def test_lvef_spinbox_sets_and_clears(window: MainWindow) -> None:
    window.factors.lvef.setValue(40)
    assert window.document.case.factors.lvef == 40.0
    window.factors.lvef.setValue(window.factors.lvef.minimum())  # "not recorded"
    assert window.document.case.factors.lvef is None


# ---------------------------------------------------------------------------- what-if
def test_whatif_add_step_and_discard(
    qtbot: QtBot, window: MainWindow, dialog_calls: DialogCalls
) -> None:
    doc = window.document
    real = doc.case
    option = doc.recommendation.options[0]
    window.select(option.regimen)
    dialog_calls.answer("ask_whatif_outcome", Outcome.PROGRESSION)
    window.commands.whatif_add.trigger()
    assert doc.whatif is not None
    assert doc.effective_case.history[-1].regimen == option.regimen
    assert "(what-if)" in window.windowTitle()
    assert "What-if" in window.banner.plain_text()
    assert window.commands.whatif_discard.isEnabled() and window.commands.whatif_keep.isEnabled()
    assert not window.commands.add_line.isEnabled()  # edits wait until the branch is settled
    row = len(doc.effective_case.history) - 1
    assert window.history.model.index(row, 0).data(Qt.ItemDataRole.UserRole + 4) is True
    window.commands.step_previous.trigger()  # stepping works inside the branch
    assert doc.step == row
    window.commands.whatif_discard.trigger()
    assert doc.whatif is None and doc.case == real
    assert not window.isWindowModified()


def test_whatif_cancelled_outcome_adds_nothing(
    window: MainWindow, dialog_calls: DialogCalls
) -> None:
    window.select(window.document.recommendation.options[0].regimen)
    dialog_calls.answer("ask_whatif_outcome", None)
    window.commands.whatif_add.trigger()
    assert window.document.whatif is None


def test_whatif_keep_asks_when_real_lines_would_be_replaced(
    window: MainWindow, dialog_calls: DialogCalls
) -> None:
    doc = window.document
    doc.set_step(1)
    window.select(doc.recommendation.options[0].regimen)
    window.add_whatif(Outcome.PROGRESSION)
    dialog_calls.answer("confirm", False)
    window.commands.whatif_keep.trigger()
    assert doc.whatif is not None  # declined: nothing changed
    dialog_calls.answer("confirm", True)
    window.commands.whatif_keep.trigger()
    assert doc.whatif is None and len(doc.case.history) == 2
    window.commands.undo.trigger()
    assert len(doc.case.history) == 3


# ---------------------------------------------------------------------------- editing + undo
def test_add_edit_remove_move_lines_with_undo(
    qtbot: QtBot, window: MainWindow, dialog_calls: DialogCalls
) -> None:
    _activate(qtbot, window)
    doc = window.document
    original = doc.case
    new = TreatmentLine(regimen="tdm1", setting=Setting.METASTATIC, outcome=Outcome.PROGRESSION)
    window.history.table.selectRow(2)
    dialog_calls.answer("edit_line", new)
    window.commands.add_line.trigger()
    assert doc.case.history[3].regimen == "tdm1"
    # edit it: a toxicity outcome
    window.history.table.selectRow(3)
    dialog_calls.answer("edit_line", dataclasses.replace(new, outcome=Outcome.TOXICITY))
    window.commands.edit_line.trigger()
    assert doc.case.history[3].outcome is Outcome.TOXICITY
    window.history.table.selectRow(3)
    window.commands.remove_line.trigger()
    assert doc.case.history == original.history
    # Ctrl+Z three times restores, Ctrl+Shift+Z redoes
    for _ in range(3):
        qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert doc.case == original and not window.isWindowModified()
    qtbot.keyClick(
        window,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert doc.case.history[3].regimen == "tdm1"


def test_impossible_edit_shows_an_error_and_changes_nothing(
    window: MainWindow, dialog_calls: DialogCalls
) -> None:
    doc = window.document
    original = doc.case
    window.history.table.selectRow(0)
    dialog_calls.answer(
        "edit_line", dataclasses.replace(original.history[0], outcome=Outcome.ONGOING)
    )
    dialog_calls.answer("show_error", None)
    window.commands.edit_line.trigger()
    assert "show_error" in dialog_calls.names()
    _title, message = dialog_calls.calls[-1][1][1:3]
    assert "ongoing" in message
    assert doc.case == original


def test_move_line_and_label(window: MainWindow, dialog_calls: DialogCalls) -> None:
    doc = window.document
    dialog_calls.answer("ask_label", "Tumor board 12 May")
    window.commands.edit_label.trigger()
    assert doc.case.label == "Tumor board 12 May"
    assert window.windowTitle().startswith("Tumor board 12 May")
    assert "Demo Patient" not in window.windowTitle()
    window.commands.undo.trigger()
    assert doc.case.label != "Tumor board 12 May"


# ---------------------------------------------------------------------------- files
def test_save_and_open_round_trip(
    tmp_path: Path, window: MainWindow, dialog_calls: DialogCalls, content: Content
) -> None:
    doc = window.document
    window.factors.checks["ild_history"].click()
    assert window.isWindowModified()
    target = tmp_path / "board.json"
    dialog_calls.answer("ask_save_path", target)
    window.commands.save.trigger()  # a demo case is never overwritten: Save asks where
    assert target.exists() and not window.isWindowModified()
    assert load_case(target, content) == doc.case
    assert str(target) in window.settings.recent_files
    saved_json = json.loads(target.read_text(encoding="utf-8"))
    assert saved_json["factors"]["ild_history"] is True
    # open it again in a fresh document
    window.commands.new.trigger()
    assert doc.case.history == ()
    dialog_calls.answer("ask_open_path", target)
    window.commands.open.trigger()
    assert doc.path == target and doc.case.factors.ild_history


def test_bad_file_shows_an_error_and_keeps_the_open_case(
    tmp_path: Path, window: MainWindow, dialog_calls: DialogCalls
) -> None:
    before = window.document.case
    bad = tmp_path / "bad.json"
    bad.write_text(
        '{"format": "her2-pathway-case", "version": 1, "history": [{"regimen": '
        '"unobtainium", "setting": "metastatic", "outcome": "progression"}]}'
    )
    dialog_calls.answer("show_error", None)
    assert not window.open_case(bad)
    name, args = dialog_calls.calls[-1]
    assert name == "show_error" and "unobtainium" in args[2]
    assert window.document.case == before
    (tmp_path / "notjson.json").write_text("{oops")
    assert not window.open_case(tmp_path / "notjson.json")
    assert "not valid JSON" in dialog_calls.calls[-1][1][2]
    window.commands.step_first.trigger()  # and the window keeps working
    assert window.document.step == 0


def test_unsaved_changes_prompt_on_close(window: MainWindow, dialog_calls: DialogCalls) -> None:
    window.factors.checks["heart_failure"].click()
    dialog_calls.answer("confirm_discard", dialogs.Discard.CANCEL)
    assert not window.close()
    assert window.isVisible()
    dialog_calls.answer("confirm_discard", dialogs.Discard.DISCARD)
    assert window.close()


def test_demo_menu_lists_the_bundled_cases(window: MainWindow) -> None:
    actions = [a for a in window.demo_menu.actions() if a.data()]
    assert len(actions) >= 6
    actions[0].trigger()
    assert window.document.path == Path(actions[0].data())


# ---------------------------------------------------------------------------- settings, view
def test_geometry_and_splitters_are_remembered(
    make_window: Callable[..., MainWindow], dialog_calls: DialogCalls
) -> None:
    first = make_window()
    first.resize(780, 560)  # smaller than the offscreen screen, so geometry is not clamped
    first.main_splitter.setSizes([200, 380, 180])
    sizes = first.main_splitter.sizes()
    first.close()
    second = make_window()
    assert second.main_splitter.sizes() == sizes


def test_text_zoom_keys(qtbot: QtBot, window: MainWindow) -> None:
    _activate(qtbot, window)
    size = window.font().pointSizeF()
    qtbot.keyClick(window, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert window.font().pointSizeF() > size
    assert window.settings.text_zoom == 1
    qtbot.keyClick(window, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert window.font().pointSizeF() < size
    window.commands.text_reset.trigger()
    assert window.font().pointSizeF() == pytest.approx(size)


def test_status_bar_shows_content_version_and_disclaimer(
    window: MainWindow, content: Content
) -> None:
    text = window.content_label.text()
    assert content.version in text and content.reviewed in text
    assert "does not replace" in text


# ---------------------------------------------------------------------------- keyboard, a11y
def _focusable(root: QWidget) -> list[QWidget]:
    return [
        w
        for w in root.findChildren(QWidget)
        if w.isVisible() and w.focusPolicy() & Qt.FocusPolicy.TabFocus
    ]


def test_every_focusable_widget_has_a_name(window: MainWindow) -> None:
    nameless = []
    for w in _focusable(window):
        label = w.accessibleName() or (w.text() if isinstance(w, QAbstractButton) else "")
        if not label and type(w).__name__ not in ("QScrollBar",):
            parent = w.parentWidget()
            # the inner line edit of a combo or spin box is named by its owner
            if parent is not None and parent.accessibleName():
                continue
            nameless.append(f"{type(w).__name__}#{w.objectName()}")
    assert not nameless, nameless


def test_tab_reaches_the_main_panels(qtbot: QtBot, window: MainWindow) -> None:
    _activate(qtbot, window)
    window.history.table.setFocus()
    seen = set()
    for _ in range(40):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        widget = QApplication.focusWidget()
        if widget is not None:
            seen.add(widget.objectName())
    assert {"graph_view", "options_list", "evidence_browser", "factor_hormone_receptor"} <= seen


def test_alt_number_jumps_between_panels(qtbot: QtBot, window: MainWindow) -> None:
    _activate(qtbot, window)
    for key, name in (
        (Qt.Key.Key_2, "graph_view"),
        (Qt.Key.Key_3, "options_list"),
        (Qt.Key.Key_4, "factor_hormone_receptor"),
        (Qt.Key.Key_1, "history_table"),
    ):
        qtbot.keyClick(window, key, Qt.KeyboardModifier.AltModifier)
        focus = QApplication.focusWidget()
        assert focus is not None and focus.objectName() == name


def test_every_action_has_a_name_and_the_key_ones_have_shortcuts(window: MainWindow) -> None:
    names = [a.objectName() for a in window.commands.all()]
    assert all(n.startswith("action_") for n in names) and len(set(names)) == len(names)
    for action in (
        window.commands.open,
        window.commands.save,
        window.commands.undo,
        window.commands.step_next,
        window.commands.step_previous,
        window.commands.text_bigger,
        window.commands.whatif_add,
    ):
        assert action.shortcuts(), action.objectName()
        assert "(" in action.toolTip()


def test_history_double_click_edits_the_line(
    qtbot: QtBot, window: MainWindow, dialog_calls: DialogCalls
) -> None:
    dialog_calls.answer("edit_line", None)  # cancelled
    table = window.history.table
    rect = table.visualRect(table.model().index(0, HistoryTableModel.REGIMEN))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert "edit_line" in dialog_calls.names()
    assert not window.isWindowModified()


def test_window_opens_empty_for_no_case(make_window: Callable[..., MainWindow]) -> None:
    window = make_window(None)
    assert window.document.case.history == ()
    assert window.document.step_count == 1
    assert window.history.model.rowCount() == 1
    pos = window.graph.mapFromScene(window.story.sceneRect().center())
    assert isinstance(pos, QPoint)


# ---------------------------------------------------------------------------- keyboard
def _mnemonic(label: str) -> str | None:
    i = label.replace("&&", "").find("&")
    stripped = label.replace("&&", "")
    return stripped[i + 1].lower() if 0 <= i < len(stripped) - 1 else None


def test_no_two_alt_mnemonics_share_a_letter(
    qtbot: QtBot, make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    from PySide6.QtWidgets import QLabel

    from app.tumor_board.install import install_tumor_board

    window = make_window()
    install_tumor_board(window, tmp_path / "library.sqlite")
    window.focus_library()  # the dock's own labels and buttons count too
    # the factors give up the dock's letters once the dock is built (next event loop turn)
    qtbot.waitUntil(lambda: not window.factors.mnemonics() & {"l", "d", "a"})
    letters: dict[str, list[str]] = {}
    for action in window.menuBar().actions():
        if (key := _mnemonic(action.text())) is not None:
            letters.setdefault(key, []).append(f"menu {action.text()}")
    widgets = [w for w in window.findChildren(QWidget) if w.isVisibleTo(window)]
    for w in widgets:
        buddied = isinstance(w, QLabel) and w.buddy() is not None
        button = isinstance(w, QAbstractButton) and w.parent() is not window.toolbar
        label = w.text() if buddied or button else ""  # type: ignore[attr-defined]
        if (key := _mnemonic(label)) is not None:
            letters.setdefault(key, []).append(f"{type(w).__name__} {label}")
    clashes = {k: v for k, v in letters.items() if len(v) > 1}
    assert not clashes, clashes
    assert "h" in letters and letters["h"] == ["menu &Help"]  # Alt+H opens Help


def test_tab_order_follows_the_screen(qtbot: QtBot, window: MainWindow) -> None:
    _activate(qtbot, window)
    window.history.table.setFocus()
    order: list[str] = []
    for _ in range(30):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        w = QApplication.focusWidget()
        if w is not None and w.objectName() not in order:
            order.append(w.objectName())
    panels = ["history_table", "factor_hormone_receptor", "graph_view", "options_list"]
    positions = [order.index(p) if p in order else -1 for p in panels[1:]]
    assert -1 not in positions, order
    assert positions == sorted(positions), order  # left column, then centre, then right


def test_alt_5_focuses_the_library_dock(
    qtbot: QtBot, make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    from PySide6.QtWidgets import QDockWidget

    from app.tumor_board.install import install_tumor_board

    window = make_window()
    install_tumor_board(window, tmp_path / "library.sqlite")
    _activate(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_5, Qt.KeyboardModifier.AltModifier)
    dock = window.findChild(QDockWidget)
    assert dock is not None and dock.isVisible()
    focus = QApplication.focusWidget()
    assert focus is not None and dock.isAncestorOf(focus)


def test_window_opens_on_the_case_it_is_given(
    qtbot: QtBot, content: Content, make_window: Callable[..., MainWindow]
) -> None:
    """MainWindow(case=...) shows that case at once (no empty case filled in first), in the
    same state as a window that opened the case afterwards."""
    path = CASES / "08-full-sequence.json"
    case = load_case(path, content)
    later = make_window(None)
    later.document.load(case, path)
    loads: list[None] = []
    first = MainWindow(content, later.engine, later.settings, case=case, case_path=path)
    first.document.loaded.connect(lambda: loads.append(None))
    qtbot.addWidget(first)
    assert first.document.case == case
    assert first.document.path == path
    assert first.document.undo_stack.isClean() and not loads
    assert first.windowTitle() == later.windowTitle()
    assert first.document.recommendation == later.document.recommendation
    for a, b in (
        (first.options.list.model(), later.options.list.model()),
        (first.history.table.model(), later.history.table.model()),
    ):
        assert a.rowCount() > 0
        assert [a.index(r, 0).data() for r in range(a.rowCount())] == [
            b.index(r, 0).data() for r in range(b.rowCount())
        ]
    assert first.banner.plain_text() == later.banner.plain_text()
