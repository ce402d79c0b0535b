"""Undo commands for the panels' part of the project: the data, the task, the training config.

The graph's edits are :mod:`ui.editor.commands` on the window's undo stack; the data
panel's and the training panel's edits go on the same stack, so Ctrl+Z undoes the last
edit whichever panel made it. A panel has already shown (and the window applied) an edit
when it is pushed, so the first redo does nothing; later undos and redos hand the old or
new value to ``apply``, which puts it in the project and the panel.

Spin boxes and text fields emit an edit per step or keystroke: consecutive edits of the
same fields merge into one undo step ("Change learning rate" from 0.01 to 0.3, not
0.01, 0.02, ..., 0.3).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QUndoCommand

#: QUndoCommand ids (merging happens only between commands of one id).
DATA_EDIT, TASK_EDIT, TRAINING_EDIT = 7101, 7102, 7103


class PanelEdit(QUndoCommand):
    """One edit of a panel's value (a ``DataSpec``, a ``(task id, params)`` pair or a
    ``TrainingConfig``).

    Parameters
    ----------
    kind : int
        :data:`DATA_EDIT`, :data:`TASK_EDIT` or :data:`TRAINING_EDIT`.
    fields : frozenset of str
        What changed (dotted paths of the value's ``to_dict()``: "optimizer.params.lr");
        consecutive edits merge when they change the same.
    text : str
        The undo menu's words ("Change learning rate").
    apply : callable
        Puts a value in the project and shows it in the panel (without pushing an edit).
    old, new : object
        The value before and after the edit.
    """

    def __init__(self, kind: int, fields: frozenset[str], text: str,
                 apply: Callable[[Any], None], old: Any, new: Any):
        super().__init__(text)
        self.kind, self.fields, self.apply = kind, fields, apply
        self.old, self.new = old, new
        self._shown = True  # the panel shows ``new`` already

    def id(self) -> int:  # noqa: A003 - Qt's name
        return self.kind

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt's name
        """Absorb the next edit of the same fields (the first one's ``old`` stays)."""
        if not isinstance(other, PanelEdit) or other.fields != self.fields:
            return False
        self.new = other.new
        # Back where it started (a spin box up and down again): nothing left to undo.
        self.setObsolete(self.new == self.old)
        return True

    def redo(self) -> None:
        if self._shown:
            self._shown = False
            return
        self.apply(self.new)

    def undo(self) -> None:
        self.apply(self.old)


def flat(tree: dict, prefix: str = "") -> dict[str, Any]:
    """A ``to_dict()`` form's leaves by dotted path ("optimizer.params.lr")."""
    out: dict[str, Any] = {}
    for key, value in tree.items():
        if isinstance(value, dict) and value:
            out.update(flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def changed_fields(old: dict, new: dict) -> frozenset[str]:
    """The dotted paths whose values differ between two ``to_dict()`` forms."""
    a, b = flat(old), flat(new)
    return frozenset(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))


#: Words for the undo menu, by a dotted path or its last part (others: the part itself).
FIELD_WORDS = {
    "optimizer.type": "optimizer", "schedule.type": "schedule", "type": "dataset",
    "task.type": "task",
    "lr": "learning rate", "batch_size": "batch size", "l1": "L1 penalty",
    "l2": "L2 penalty", "grad_clip": "gradient clipping", "fast_path": "fast path",
    "split.val": "validation share", "split.test": "test share",
    "standardize": "standardisation", "seed": "seed", "n_samples": "number of samples",
}


def edit_text(what: str, fields: frozenset[str]) -> str:
    """"Change learning rate"-style words for an edit of ``fields`` of ``what``."""
    if len(fields) == 1:
        (path,) = fields
        last = path.rsplit(".", 1)[-1]
        word = FIELD_WORDS.get(path) or FIELD_WORDS.get(last) or last.replace("_", " ")
        return f"Change {word}"
    return f"Change {what}"
