"""The main window's actions, shortcuts and menus.

File, Edit (the editor's own actions), View, Train and Help. Run actions
(Play, Pause, Step...) are shared with the training panel's buttons, so a
click on a button and a key press do the same thing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QStyle

#: key -> (text, shortcuts, status tip, standard icon or None)
SPECS: dict[str, tuple[str, tuple, str, Any]] = {
    "new": ("&New", (QKeySequence.StandardKey.New,), "Start an empty project", None),
    "open": ("&Open…", (QKeySequence.StandardKey.Open,), "Open a project or preset file", None),
    "browse_presets": ("Open &preset…", ("Ctrl+Shift+O",), "Browse the books' presets, "
                       "read what each shows, and open one", None),
    "save": ("&Save", (QKeySequence.StandardKey.Save,), "Save the project", None),
    "save_as": ("Save &As…", ("Ctrl+Shift+S",), "Save the project under a new name", None),
    "export": ("&Export…", ("Ctrl+E",), "Export the model (checkpoint, TorchScript, ONNX, "
               "Python)", None),
    "import_data": ("&Import data…", ("Ctrl+I",), "Import a CSV, NPZ or MNIST IDX file or a "
                    "folder of images as the project's data", None),
    "export_metrics": ("Export &metrics as CSV…", (), "Save the current run's metrics, one "
                       "row per epoch", None),
    "quit": ("&Quit", (QKeySequence.StandardKey.Quit,), "Close the window", None),
    "play_pause": ("Play / Pause", ("Space",), "Start or pause training", None),
    "play": ("Play", ("F5",), "Train (rebuilds the model first after edits)",
             QStyle.StandardPixmap.SP_MediaPlay),
    "pause": ("Pause", ("F6",), "Pause after the current step",
              QStyle.StandardPixmap.SP_MediaPause),
    "step": ("Step", ("F10",), "Train one batch, then pause",
             QStyle.StandardPixmap.SP_MediaSeekForward),
    "step_epoch": ("Step epoch", ("Shift+F10",), "Finish the current epoch, then pause",
                   QStyle.StandardPixmap.SP_MediaSkipForward),
    "stop": ("Stop", ("Shift+F5",), "End the run", QStyle.StandardPixmap.SP_MediaStop),
    "reset": ("Reset", ("Ctrl+R",), "Rebuild the model and data: a fresh run",
              QStyle.StandardPixmap.SP_BrowserReload),
    "reset_layout": ("Reset layout", (), "Put the panels back where they started", None),
    "shortcuts": ("&Keyboard shortcuts", (QKeySequence.StandardKey.HelpContents,),
                  "List the keyboard shortcuts", None),
    "error_log": ("&Error log…", (), "Where the details of errors are written, for a bug "
                  "report", None),
    "about": ("&About", (), "About this program", None),
}
#: Actions whose handler is the window's FileController (``window.file_ops``) method of the
#: same name, when ``handlers`` has none.
FILE_OPS_KEYS = ("browse_presets", "import_data", "export_metrics")
RUN_KEYS = ("play_pause", "play", "pause", "step", "step_epoch", "stop", "reset")
THEMES = (("system", "Follow the system"), ("light", "Light"), ("dark", "Dark"))


def make_actions(window: QMainWindow, handlers: dict[str, Callable[[], object]]
                 ) -> dict[str, QAction]:
    """One QAction per :data:`SPECS` entry, owned by ``window`` (shortcuts work window-wide)."""
    actions = {}
    for key, (text, shortcuts, tip, icon) in SPECS.items():
        action = QAction(text, window, objectName=f"action_{key}", statusTip=tip)
        seqs = []
        for s in shortcuts:
            seqs += [QKeySequence(s)] if isinstance(s, str) else QKeySequence.keyBindings(s)
        action.setShortcuts(seqs)
        if seqs:
            action.setToolTip(f"{tip} ({seqs[0].toString(QKeySequence.SequenceFormat.NativeText)})")
        if icon is not None:
            action.setIcon(window.style().standardIcon(icon))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if key in handlers:
            action.triggered.connect(lambda _=False, f=handlers[key]: f())
        elif key in FILE_OPS_KEYS and hasattr(window, "file_ops"):
            action.triggered.connect(lambda _=False, k=key: getattr(window.file_ops, k)())
        window.addAction(action)
        actions[key] = action
    return actions


def build_menus(window: Any, actions: dict[str, QAction], editor_actions: dict[str, QAction],
                on_theme: Callable[[str], None], theme: str) -> dict[str, QMenu]:
    """File, Edit, View, Train and Help menus; returns them by name."""
    bar = window.menuBar()
    menus = {}
    file_menu = menus["file"] = bar.addMenu("&File")
    for key in ("new", "open", "browse_presets"):
        file_menu.addAction(actions[key])
    menus["recent"] = file_menu.addMenu("Open &Recent")
    menus["recent"].setObjectName("menu_recent")
    file_menu.addAction(actions["import_data"])
    file_menu.addSeparator()
    for key in ("save", "save_as", "export", "export_metrics"):
        file_menu.addAction(actions[key])
    file_menu.addSeparator()
    file_menu.addAction(actions["quit"])

    edit = menus["edit"] = bar.addMenu("&Edit")
    for group in (("undo", "redo"), ("copy", "paste", "duplicate", "delete"), ("select_all",)):
        for key in group:
            edit.addAction(editor_actions[key])
        edit.addSeparator()

    view = menus["view"] = bar.addMenu("&View")
    menus["docks"] = view.addMenu("&Panels")
    menus["view_list"] = view.addMenu("&Views")
    menus["view_images"] = view.addMenu("&Export view image")
    for key in ("zoom_in", "zoom_out", "fit", "auto_layout"):
        view.addAction(editor_actions[key])
    view.addSeparator()
    theme_menu = view.addMenu("&Theme")
    group = QActionGroup(window)
    for mode, label in THEMES:
        action = theme_menu.addAction(label)
        action.setObjectName(f"action_theme_{mode}")
        action.setCheckable(True)
        action.setChecked(mode == theme)
        action.triggered.connect(lambda _=False, m=mode: on_theme(m))
        group.addAction(action)
    view.addAction(actions["reset_layout"])

    train = menus["train"] = bar.addMenu("&Train")
    for key in RUN_KEYS:
        train.addAction(actions[key])
        if key in ("play_pause", "step_epoch"):
            train.addSeparator()

    help_menu = menus["help"] = bar.addMenu("&Help")
    help_menu.addAction(actions["shortcuts"])
    help_menu.addAction(actions["error_log"])
    help_menu.addAction(actions["about"])
    return menus


def add_plan_actions(window: Any) -> None:
    """Train > Run all variants (and its button in the training panel) and Run seeds…:
    plans of several runs, added to ``window.actions`` as "run_variants" and "run_seeds"."""
    action = QAction("Run all &variants", window, objectName="action_run_variants")
    action.setStatusTip("Train each side-by-side configuration of this preset in turn, "
                        "overlay their curves and check the book's results")
    action.setToolTip(action.statusTip())
    action.setIcon(window.style().standardIcon(QStyle.StandardPixmap.SP_MediaSeekForward))
    action.triggered.connect(lambda _=False: window.run.run_variants())
    action.setEnabled(False)
    window.addAction(action)
    window.menus["train"].addSeparator()
    window.menus["train"].addAction(action)
    window.actions["run_variants"] = action

    action = QAction("Run &seeds…", window, objectName="action_run_seeds")
    action.setStatusTip("Train this project with many seeds in turn and show how often "
                        "the book's results hold, and how much the runs vary")
    action.setToolTip(action.statusTip())
    action.triggered.connect(lambda _=False: window.ask_run_seeds())
    window.addAction(action)
    window.menus["train"].addAction(action)
    window.actions["run_seeds"] = action


def shortcut_rows(*groups: dict[str, QAction]) -> list[tuple[str, str]]:
    """(action text, shortcuts) for every action with a shortcut, for the help dialog."""
    rows = []
    for actions in groups:
        for action in actions.values():
            keys = ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText)
                             for s in action.shortcuts())
            if keys:
                rows.append((action.text().replace("&", "").rstrip("…"), keys))
    return rows


class SpaceForCanvas(QObject):
    """Event filter for the graph canvas: Space + drag pans it, a Space tap plays/pauses.

    Install on the graph view and its viewport. Space is taken as a key press
    there (not as the window's Play/Pause shortcut) so the editor sees it; if
    no mouse button was pressed before Space is released, ``action`` triggers.
    """

    def __init__(self, action: QAction, parent: QObject | None = None):
        super().__init__(parent)
        self.action = action
        self._dragged = False
        self._pressed = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        kind = event.type()
        if kind == QEvent.Type.ShortcutOverride and event.key() == Qt.Key.Key_Space:
            event.accept()
        elif kind == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Space \
                and not event.isAutoRepeat():
            self._pressed, self._dragged = True, False
        elif kind == QEvent.Type.MouseButtonPress:
            self._dragged = True
        elif kind == QEvent.Type.KeyRelease and event.key() == Qt.Key.Key_Space \
                and not event.isAutoRepeat() and self._pressed:
            self._pressed = False
            if not self._dragged:
                self.action.trigger()
        return False
