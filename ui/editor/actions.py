"""The editor's actions and their standard shortcuts.

Actions that use plain keys (Delete, Backspace, F) are scoped to the canvas so
typing in the palette search or the inspector never deletes nodes; the
Ctrl-combinations work anywhere in the editor (text fields still take their
own Ctrl+Z/C/V/A first). A main window may add these actions to its menus.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

#: key -> (text, shortcuts, canvas only)
ACTION_SPECS: dict[str, tuple[str, tuple, bool]] = {
    "undo": ("Undo", (QKeySequence.StandardKey.Undo,), False),
    "redo": ("Redo", ("Ctrl+Shift+Z", QKeySequence.StandardKey.Redo), False),
    # Plain keys, not StandardKey.Delete: on X11 that also binds Ctrl+D, which is Duplicate's.
    "delete": ("Delete", ("Delete", "Backspace"), True),
    "copy": ("Copy", (QKeySequence.StandardKey.Copy,), False),
    "paste": ("Paste", (QKeySequence.StandardKey.Paste,), False),
    "duplicate": ("Duplicate", ("Ctrl+D",), False),
    "select_all": ("Select all", (QKeySequence.StandardKey.SelectAll,), False),
    "fit": ("Fit to view", ("F",), True),
    "auto_layout": ("Auto-layout", ("Ctrl+L",), False),
    "zoom_in": ("Zoom in", ("Ctrl++", "Ctrl+=", QKeySequence.StandardKey.ZoomIn), False),
    "zoom_out": ("Zoom out", ("Ctrl+-", QKeySequence.StandardKey.ZoomOut), False),
}


def _sequences(shortcuts: tuple) -> list[QKeySequence]:
    out: list[QKeySequence] = []
    for s in shortcuts:
        if isinstance(s, str):
            seqs = [QKeySequence(s)]
        else:
            seqs = QKeySequence.keyBindings(s)
        out.extend(q for q in seqs if not q.isEmpty() and q not in out)
    return out


def make_actions(editor: QWidget, canvas: QWidget,
                 handlers: dict[str, Callable[[], object]],
                 parent: QObject | None = None) -> dict[str, QAction]:
    """Create the actions, add them to ``editor`` or ``canvas``, connect ``handlers``.

    Parameters
    ----------
    editor : QWidget
        Owner of the editor-wide shortcuts.
    canvas : QWidget
        Owner of the plain-key shortcuts (the graph view).
    handlers : dict
        Action key -> callable run when it triggers.

    Returns
    -------
    dict
        Key -> QAction, for every key of :data:`ACTION_SPECS`.
    """
    actions = {}
    for key, (text, shortcuts, canvas_only) in ACTION_SPECS.items():
        action = QAction(text, parent or editor)
        action.setObjectName(f"action_{key}")
        action.setShortcuts(_sequences(shortcuts))
        owner = canvas if canvas_only else editor
        action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut if canvas_only
                                  else Qt.ShortcutContext.WidgetWithChildrenShortcut)
        owner.addAction(action)
        action.triggered.connect(lambda _=False, f=handlers[key]: f())
        actions[key] = action
    return actions
