"""Every QAction of the main window, in one place: objectName, text, shortcut, tooltip.

Menus and toolbars only add these actions; the window connects their ``triggered`` signals.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QStyle

Shortcut = QKeySequence.StandardKey | str | Qt.Key


def _make(
    parent: QObject,
    name: str,
    label: str,
    shortcuts: tuple[Shortcut, ...] = (),
    tip: str = "",
    icon: QStyle.StandardPixmap | None = None,
) -> QAction:
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


@dataclass
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
        new=_make(parent, "action_new", t("&New case"), (SK.New,), icon=SP.SP_FileIcon),
        open=_make(parent, "action_open", t("&Open…"), (SK.Open,), icon=SP.SP_DialogOpenButton),
        import_fhir=_make(
            parent,
            "action_import_fhir",
            t("&Import FHIR record…"),
            ("Ctrl+I",),
            t("Make a case from a FHIR R4 / mCODE export, for review"),
        ),
        save=_make(parent, "action_save", t("&Save"), (SK.Save,), icon=SP.SP_DialogSaveButton),
        save_as=_make(parent, "action_save_as", t("Save &As…"), (SK.SaveAs, "Ctrl+Shift+S")),
        quit=_make(parent, "action_quit", t("&Quit"), (SK.Quit, "Ctrl+Q")),
        undo=_make(parent, "action_undo", t("&Undo"), (SK.Undo,), icon=SP.SP_ArrowBack),
        redo=_make(
            parent, "action_redo", t("&Redo"), ("Ctrl+Shift+Z", SK.Redo), icon=SP.SP_ArrowForward
        ),
        add_line=_make(
            parent,
            "action_add_line",
            t("&Add line…"),
            ("Ctrl+Shift+A",),
            t("Add a line of therapy after the selected one"),
        ),
        edit_line=_make(
            parent,
            "action_edit_line",
            t("&Edit line…"),
            ("Ctrl+E",),
            t("Edit the selected line of therapy"),
        ),
        remove_line=_make(
            parent,
            "action_remove_line",
            t("Re&move line"),
            ("Ctrl+Delete",),
            t("Remove the selected line of therapy"),
        ),
        move_up=_make(parent, "action_move_up", t("Move line u&p"), ("Ctrl+Shift+Up",)),
        move_down=_make(parent, "action_move_down", t("Move line dow&n"), ("Ctrl+Shift+Down",)),
        edit_label=_make(parent, "action_edit_label", t("Edit case &label…"), ("Ctrl+L",)),
        step_first=_make(
            parent,
            "action_step_first",
            t("&First step"),
            ("Home",),
            t("Go to the first step"),
            SP.SP_MediaSkipBackward,
        ),
        step_previous=_make(
            parent,
            "action_step_previous",
            t("&Previous step"),
            ("Left", "Alt+Left"),
            t("Go to the previous step"),
            SP.SP_MediaSeekBackward,
        ),
        step_next=_make(
            parent,
            "action_step_next",
            t("&Next step"),
            ("Right", "Alt+Right"),
            t("Go to the next step"),
            SP.SP_MediaSeekForward,
        ),
        step_last=_make(
            parent,
            "action_step_last",
            t("&Last step"),
            ("End",),
            t("Go to the last step (now)"),
            SP.SP_MediaSkipForward,
        ),
        whatif_add=_make(
            parent,
            "action_whatif_add",
            t("&What if…"),
            ("Ctrl+Shift+W",),
            t("Add the selected option as a hypothetical next line"),
        ),
        whatif_keep=_make(
            parent,
            "action_whatif_keep",
            t("&Keep what-if"),
            ("Ctrl+Shift+K",),
            t("Make the what-if lines part of the real history"),
        ),
        whatif_discard=_make(
            parent,
            "action_whatif_discard",
            t("&Discard what-if"),
            ("Ctrl+Shift+D",),
            t("Drop the hypothetical lines and return to the real history"),
        ),
        text_bigger=_make(
            parent, "action_text_bigger", t("&Bigger text"), ("Ctrl+=", "Ctrl++", SK.ZoomIn)
        ),
        text_smaller=_make(
            parent, "action_text_smaller", t("&Smaller text"), ("Ctrl+-", SK.ZoomOut)
        ),
        text_reset=_make(parent, "action_text_reset", t("&Normal text size"), ("Ctrl+0",)),
        graph_fit=_make(
            parent,
            "action_graph_fit",
            t("&Fit graph"),
            ("Ctrl+Shift+F",),
            t("Fit the graph in view"),
        ),
        graph_all=_make(
            parent,
            "action_graph_all",
            t("&Whole pathway"),
            ("Ctrl+Shift+G",),
            t("Show the whole pathway instead of the patient's path and next options"),
        ),
        graph_zoom_in=_make(parent, "action_graph_zoom_in", t("Zoom graph &in"), ("Ctrl+Alt+=",)),
        graph_zoom_out=_make(
            parent, "action_graph_zoom_out", t("Zoom graph &out"), ("Ctrl+Alt+-",)
        ),
        focus_history=_make(parent, "action_focus_history", t("Go to &history"), ("Alt+1",)),
        focus_graph=_make(
            parent,
            "action_focus_graph",
            t("Go to &graph"),
            ("Alt+2",),
            t("Move the keyboard focus to the graph (or its outline, if shown)"),
        ),
        focus_options=_make(parent, "action_focus_options", t("Go to &options"), ("Alt+3",)),
        focus_factors=_make(parent, "action_focus_factors", t("Go to &factors"), ("Alt+4",)),
        focus_library=_make(
            parent,
            "action_focus_library",
            t("Go to the &library"),
            ("Alt+5",),
            t("Show the tumor-board library and move the keyboard focus into it"),
        ),
        about=_make(parent, "action_about", t("&About HER2 Pathways"), (SK.HelpContents, "F1")),
        open_log_folder=_make(
            parent,
            "action_open_log_folder",
            t("Open &log folder"),
            (),
            t("Show the folder of the app's log files (to send with a problem report)"),
        ),
    )
    actions.graph_all.setCheckable(True)
    return actions
