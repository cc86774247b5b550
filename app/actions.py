"""Every QAction of the main window, in one place: objectName, text, shortcut, tooltip.

Menus and toolbars only add these actions; the window connects their ``triggered`` signals.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QStyle

Shortcut = QKeySequence.StandardKey | str | Qt.Key


def make_action(
    parent: QObject,
    name: str,
    label: str,
    shortcuts: tuple[Shortcut, ...] = (),
    tip: str = "",
    icon: QStyle.StandardPixmap | None = None,
) -> QAction:
    """An action with its shortcuts, and a tip naming the first (the window's and the board's)."""
    action = QAction(label, parent)
    action.setObjectName(name)
    keys: list[QKeySequence] = []
    for s in shortcuts:
        if isinstance(s, QKeySequence.StandardKey):
            keys.extend(QKeySequence.keyBindings(s))
        elif isinstance(s, Qt.Key):
            keys.append(QKeySequence(s))
        else:
            keys.append(QKeySequence(s))
    unique: list[QKeySequence] = []
    for k in keys:  # the same key twice on one action would make it ambiguous
        if not k.isEmpty() and k not in unique:
            unique.append(k)
    keys = unique
    action.setShortcuts(keys)
    plain = label.replace("&", "")
    tip = tip or plain
    if keys:
        tip = f"{tip} ({keys[0].toString(QKeySequence.SequenceFormat.NativeText)})"
    action.setToolTip(tip)
    action.setStatusTip(tip)
    if icon is not None:
        style = QApplication.style()
        if style is not None:
            action.setIcon(style.standardIcon(icon))
    return action


# One per window, compared by identity: no generated __eq__ or __repr__ to compile at start.
@dataclass(eq=False, repr=False)
class Actions:
    new: QAction
    open: QAction
    import_fhir: QAction
    save: QAction
    save_as: QAction
    quit: QAction
    undo: QAction
    redo: QAction
    add_line: QAction
    edit_line: QAction
    remove_line: QAction
    move_up: QAction
    move_down: QAction
    edit_label: QAction
    step_first: QAction
    step_previous: QAction
    step_next: QAction
    step_last: QAction
    whatif_add: QAction
    whatif_keep: QAction
    whatif_discard: QAction
    text_bigger: QAction
    text_smaller: QAction
    text_reset: QAction
    graph_fit: QAction
    graph_all: QAction
    graph_zoom_in: QAction
    graph_zoom_out: QAction
    focus_history: QAction
    focus_options: QAction
    focus_graph: QAction
    focus_factors: QAction
    focus_library: QAction
    about: QAction
    open_log_folder: QAction

    def all(self) -> list[QAction]:
        return [getattr(self, f.name) for f in fields(self)]


def create_actions(parent: QObject) -> Actions:
    t = parent.tr
    SP = QStyle.StandardPixmap
    SK = QKeySequence.StandardKey
    actions = Actions(
        new=make_action(parent, "action_new", t("&New case"), (SK.New,), icon=SP.SP_FileIcon),
        open=make_action(
            parent, "action_open", t("&Open…"), (SK.Open,), icon=SP.SP_DialogOpenButton
        ),
        import_fhir=make_action(
            parent,
            "action_import_fhir",
            t("&Import FHIR record…"),
            ("Ctrl+I",),
            t("Make a case from a FHIR R4 / mCODE export, for review"),
        ),
        save=make_action(
            parent, "action_save", t("&Save"), (SK.Save,), icon=SP.SP_DialogSaveButton
        ),
        save_as=make_action(parent, "action_save_as", t("Save &As…"), (SK.SaveAs, "Ctrl+Shift+S")),
        quit=make_action(parent, "action_quit", t("&Quit"), (SK.Quit, "Ctrl+Q")),
        undo=make_action(parent, "action_undo", t("&Undo"), (SK.Undo,), icon=SP.SP_ArrowBack),
        redo=make_action(
            parent, "action_redo", t("&Redo"), ("Ctrl+Shift+Z", SK.Redo), icon=SP.SP_ArrowForward
        ),
        add_line=make_action(
            parent,
            "action_add_line",
            t("&Add line…"),
            ("Ctrl+Shift+A",),
            t("Add a line of therapy after the selected one"),
        ),
        edit_line=make_action(
            parent,
            "action_edit_line",
            t("&Edit line…"),
            ("Ctrl+E",),
            t("Edit the selected line of therapy"),
        ),
        remove_line=make_action(
            parent,
            "action_remove_line",
            t("Re&move line"),
            ("Ctrl+Delete",),
            t("Remove the selected line of therapy"),
        ),
        move_up=make_action(parent, "action_move_up", t("Move line u&p"), ("Ctrl+Shift+Up",)),
        move_down=make_action(
            parent, "action_move_down", t("Move line dow&n"), ("Ctrl+Shift+Down",)
        ),
        edit_label=make_action(parent, "action_edit_label", t("Edit case &label…"), ("Ctrl+L",)),
        step_first=make_action(
            parent,
            "action_step_first",
            t("&First step"),
            ("Home",),
            t("Go to the first step"),
            SP.SP_MediaSkipBackward,
        ),
        step_previous=make_action(
            parent,
            "action_step_previous",
            t("&Previous step"),
            ("Left", "Alt+Left"),
            t("Go to the previous step"),
            SP.SP_MediaSeekBackward,
        ),
        step_next=make_action(
            parent,
            "action_step_next",
            t("&Next step"),
            ("Right", "Alt+Right"),
            t("Go to the next step"),
            SP.SP_MediaSeekForward,
        ),
        step_last=make_action(
            parent,
            "action_step_last",
            t("&Last step"),
            ("End",),
            t("Go to the last step (now)"),
            SP.SP_MediaSkipForward,
        ),
        whatif_add=make_action(
            parent,
            "action_whatif_add",
            t("&What if…"),
            ("Ctrl+Shift+W",),
            t("Add the selected option as a hypothetical next line"),
        ),
        whatif_keep=make_action(
            parent,
            "action_whatif_keep",
            t("&Keep what-if"),
            ("Ctrl+Shift+K",),
            t("Make the what-if lines part of the real history"),
        ),
        whatif_discard=make_action(
            parent,
            "action_whatif_discard",
            t("&Discard what-if"),
            ("Ctrl+Shift+D",),
            t("Drop the hypothetical lines and return to the real history"),
        ),
        text_bigger=make_action(
            parent, "action_text_bigger", t("&Bigger text"), ("Ctrl+=", "Ctrl++", SK.ZoomIn)
        ),
        text_smaller=make_action(
            parent, "action_text_smaller", t("&Smaller text"), ("Ctrl+-", SK.ZoomOut)
        ),
        text_reset=make_action(parent, "action_text_reset", t("&Normal text size"), ("Ctrl+0",)),
        graph_fit=make_action(
            parent,
            "action_graph_fit",
            t("&Fit graph"),
            ("Ctrl+Shift+F",),
            t("Fit the graph in view"),
        ),
        graph_all=make_action(
            parent,
            "action_graph_all",
            t("&Whole pathway"),
            ("Ctrl+Shift+G",),
            t("Show the whole pathway instead of the patient's path and next options"),
        ),
        graph_zoom_in=make_action(
            parent, "action_graph_zoom_in", t("Zoom graph &in"), ("Ctrl+Alt+=",)
        ),
        graph_zoom_out=make_action(
            parent, "action_graph_zoom_out", t("Zoom graph &out"), ("Ctrl+Alt+-",)
        ),
        focus_history=make_action(parent, "action_focus_history", t("Go to &history"), ("Alt+1",)),
        focus_graph=make_action(
            parent,
            "action_focus_graph",
            t("Go to &graph"),
            ("Alt+2",),
            t("Move the keyboard focus to the graph (or its outline, if shown)"),
        ),
        focus_options=make_action(parent, "action_focus_options", t("Go to &options"), ("Alt+3",)),
        focus_factors=make_action(parent, "action_focus_factors", t("Go to &factors"), ("Alt+4",)),
        focus_library=make_action(
            parent,
            "action_focus_library",
            t("Go to the &library"),
            ("Alt+5",),
            t("Show the tumor-board library and move the keyboard focus into it"),
        ),
        about=make_action(
            parent, "action_about", t("&About HER2 Pathways"), (SK.HelpContents, "F1")
        ),
        open_log_folder=make_action(
            parent,
            "action_open_log_folder",
            t("Open &log folder"),
            (),
            t("Show the folder of the app's log files (to send with a problem report)"),
        ),
    )
    actions.graph_all.setCheckable(True)
    return actions
