"""Step-through view: one forward pass, one backward pass and one update, every number shown.

A tree with one branch per layer (in forward order) lists what the step
computed: the weighted sums ``z`` and activations ``a = f(z)``, then dL/da,
the error terms ``δ = dL/dz`` and the gradients, then the new weights. The
buttons Forward, Backward and Update reveal the three phases in order (Hide
starts over), so the step can be worked through as the books do. For the
run's last step (the only one of the books' single-step examples) of a preset
that prints the book's numbers (``expect`` entries on ``trace.*`` arrays and
weights), a Book column shows them with ✓ or ✗.

Before the first step the table previews it (the update not yet applied);
after each Step it shows the step just taken. Data comes from the
``stepthrough`` probe (:mod:`playground.probes.stepthrough`), computed on the
trainer thread by :func:`playground.training.steptrace.trace_step`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QSize
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
)

from playground.probes import stepthrough as stepthrough_probe
from ui.views.base import View
from ui.views.flow import flow_row

PHASES = ("forward", "backward", "update")
#: Text colour of each phase's rows (readable on light and dark backgrounds).
PHASE_COLOURS = {"given": None, "forward": QColor(52, 120, 200),
                 "backward": QColor(214, 110, 30), "update": QColor(40, 150, 80)}
#: Largest vector length / matrix side written out in full.
MAX_ITEMS = 12
PASS, FAIL = "✓", "✗"


def fmt_number(value: float) -> str:
    """Six significant digits, without a negative zero."""
    text = f"{value:.6g}"
    return "0" if text == "-0" else text


def fmt_array(value: Any) -> str:
    """A scalar, a vector ``(2, 2, -2)`` or a matrix, one ``[row]`` per line.

    A leading dimension of 1 (a batch of one sample, a layer of one unit) is
    dropped, and so a one-element vector shows as a number.
    """
    a = np.asarray(value, dtype=np.float64)
    while a.ndim >= 1 and a.shape[0] == 1:
        a = a[0]
    if a.ndim == 0:
        return fmt_number(float(a))
    if a.ndim == 1:
        return "(" + _items(a) + ")"
    if a.ndim == 2:
        rows = [f"[{_items(r)}]" for r in a[:MAX_ITEMS]]
        if len(a) > MAX_ITEMS:
            rows.append(f"… {len(a) - MAX_ITEMS} more rows")
        return "\n".join(rows)
    return f"array of shape {tuple(a.shape)}"


def _items(v: np.ndarray) -> str:
    text = ", ".join(fmt_number(float(x)) for x in v[:MAX_ITEMS])
    return text + (f", … ({len(v)} in all)" if len(v) > MAX_ITEMS else "")


def node_rows(node: Any) -> list[tuple[str, str, str, Any]]:
    """(phase, row key, label, value) rows of one NodeTrace, in reading order."""
    nid, f = node.node, node.activation or "identity"
    rows: list[tuple[str, str, str, Any]] = []
    for name, p in node.params.items():
        symbol = {"weight": "W", "bias": "b"}.get(name, name)
        rows.append(("given", f"{nid}.{name}", f"{symbol} (before the step)", p.value))
    if node.z is not None:
        rows.append(("forward", f"{nid}.z", "z = W·a_in + b", node.z))
        rows.append(("forward", f"{nid}.output", f"a = {f}(z)", node.output))
    else:
        rows.append(("forward", f"{nid}.output", "output", node.output))
    if node.grad_output is not None:
        rows.append(("backward", f"{nid}.grad_output", "dL/da", node.grad_output))
    if node.delta is not None:
        rows.append(("backward", f"{nid}.delta", f"δ = dL/dz = dL/da · {f}′(z)", node.delta))
    for name, p in node.params.items():
        symbol = {"weight": "W", "bias": "b"}.get(name, name)
        how = {"weight": " = δ·a_inᵀ", "bias": " = δ"}.get(name, "") if node.z is not None \
            else ""
        rows.append(("backward", f"{nid}.{name}.grad", f"dL/d{symbol}{how}", p.grad))
    for name, p in node.params.items():
        symbol = {"weight": "W", "bias": "b"}.get(name, name)
        rows.append(("update", f"{nid}.{name}.new", f"new {symbol} = {symbol} − η·dL/d{symbol}",
                     p.new))
    return rows


def trace_rows(trace: Any) -> list[tuple[str, list[tuple[str, str, str, Any]]]]:
    """(group title, rows) for a whole StepTrace: the sample, each layer, the result."""
    groups = [("Sample", [("given", "x", "x (input)", trace.x), ("given", "y", "y (target)",
                                                                 trace.y)])]
    for node in trace.nodes:
        shape = node.output.shape[1:]
        size = f"{shape[0]} output{'s' * (shape[0] != 1)}" if len(shape) == 1 \
            else "output " + " × ".join(str(d) for d in shape)
        what = node.type + (f" ({node.activation})" if node.activation else "")
        groups.append((f"{node.node}: {what}, {size}", node_rows(node)))
    groups.append(("Output and loss", [
        ("forward", "output", "network output", trace.output),
        ("forward", "loss", "loss L", trace.loss),
        ("update", "new_output", "output with the new weights", trace.new_output),
        ("update", "new_loss", "loss with the new weights", trace.new_loss)]))
    return groups


class StepThroughView(View):
    """The step-through table with its Forward / Backward / Update buttons.

    Attributes
    ----------
    revealed : int
        Phases shown: 0 (only the sample and the weights), 1 forward, 2 backward, 3 update.
    rows : dict
        Row key -> the tree item of every value row shown (for tests).
    """

    view_id = "stepthrough"
    title = "Step-through"
    #: A table read number by number: a few redraws a second are plenty.
    frame_ms = 250

    def __init__(self, parent=None):
        super().__init__(parent)
        self.revealed = 0
        self.rows: dict[str, QTreeWidgetItem] = {}
        self.expect: list = []
        self.total_steps = 0
        self._payload: Any = None
        self.heading = QLabel(wordWrap=True, objectName="stepthrough_heading")
        self.tree = QTreeWidget(objectName="stepthrough_tree")
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Quantity", "Value", "Book"])
        self.tree.setUniformRowHeights(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setWordWrap(False)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.buttons: dict[str, QPushButton] = {}
        for i, phase in enumerate(PHASES, start=1):
            button = QPushButton(f"{i}  {phase.capitalize()}", objectName=f"reveal_{phase}")
            button.clicked.connect(lambda _=False, k=i: self.reveal(k))
            self.buttons[phase] = button
        self.hide_button = QPushButton("Hide", objectName="reveal_none",
                                       toolTip="Hide the computed numbers again")
        self.hide_button.clicked.connect(lambda: self.reveal(0))
        # The buttons wrap onto a second line in a narrow dock instead of being cut.
        row = flow_row(*self.buttons.values(), self.hide_button, spacing=6)
        self.note = QLabel(wordWrap=True, objectName="stepthrough_note")
        self.note.setStyleSheet("color: palette(placeholder-text);")
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.heading)
        layout.addWidget(row)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.note)
        self._update_buttons()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(520, 640)  # a tall table: more rows than a plot needs

    # -- session and snapshots -----------------------------------------------------------------
    def on_session(self, session: Any) -> None:
        self._payload = None
        self.expect, self.total_steps = [], 0
        if session is None:
            self.set_message("Waiting for training to start…")
            return
        if stepthrough_probe.PROBE_ID not in session.trainer.probes:
            self.set_message("The step-through table needs the Step-through backprop task "
                             "(Training panel › Task): one sample per step, every number kept.")
            return
        self.expect = list(session.project.expect)
        self.total_steps = session.trainer.target_epochs * session.task.steps_per_epoch()
        self.set_message("Waiting for the first snapshot…")

    def draw(self, snapshot: Any) -> None:
        payload = self.payload(snapshot)
        if payload is None or payload is self._last:
            return
        self._last = payload
        if payload.get("error"):
            self.set_message(f"Cannot trace this step: {payload['error']}")
            return
        if payload["trace"] is None:
            self.set_message("The next sample is drawn when the epoch starts: press Step (F10) "
                             "to take one step, then its numbers show here.")
            return
        self.set_message(None)
        self._payload = payload
        self._fill()

    # -- revealing -----------------------------------------------------------------------------
    def reveal(self, phases: int) -> None:
        """Show the first ``phases`` phases (0 hides every computed number)."""
        self.revealed = max(0, min(len(PHASES), phases))
        self._update_buttons()
        if self._payload is not None:
            self._fill()

    def _update_buttons(self) -> None:
        for i, phase in enumerate(PHASES, start=1):
            button = self.buttons[phase]
            button.setEnabled(i == self.revealed + 1)
            button.setDefault(i == self.revealed + 1)
        self.hide_button.setEnabled(self.revealed > 0)

    def _fill(self) -> None:
        payload = self._payload
        trace = payload["trace"]
        step = payload["step"] + 1 if payload["preview"] else payload["step"]
        # The book's numbers describe the end of the run: its last step.
        applies = trace.applied or (payload["preview"] and payload.get("update", True))
        book = stepthrough_probe.book_values(self.expect, applies) \
            if step == self.total_steps else {}
        self.heading.setText(self._heading(payload))
        # Keep where the reader is: the scroll position and the groups they folded.
        scroll = self.tree.verticalScrollBar().value()
        folded = {self.tree.topLevelItem(i).text(0) for i in range(self.tree.topLevelItemCount())
                  if not self.tree.topLevelItem(i).isExpanded()}
        self.tree.clear()
        self.rows = {}
        bold = QFont(self.tree.font())
        bold.setBold(True)
        shown = ("given", *PHASES[:self.revealed])
        for title, rows in trace_rows(trace):
            group = QTreeWidgetItem([title])
            group.setFont(0, bold)
            group.setFirstColumnSpanned(True)
            self.tree.addTopLevelItem(group)
            for phase, key, label, value in rows:
                if phase not in shown:
                    continue
                if phase == "update" and not payload.get("update", True):
                    label += " (update off: not applied)"
                item = QTreeWidgetItem([label, fmt_array(value), ""])
                item.setToolTip(1, np.array2string(np.asarray(value), precision=10))
                colour = PHASE_COLOURS[phase]
                if colour is not None:
                    item.setForeground(0, QBrush(colour))
                if key in book:
                    self._mark_book(item, book[key], value)
                group.addChild(item)
                self.rows[key] = item
            group.setExpanded(title not in folded)
            group.setHidden(group.childCount() == 0)
        self.tree.verticalScrollBar().setValue(scroll)
        self.note.setText(self._note(step))

    def _mark_book(self, item: QTreeWidgetItem, values: list, ours: Any) -> None:
        results = [v.matches(ours) for v in values]
        marks = [PASS if r else FAIL if r is False else "" for r in results]
        item.setText(2, "; ".join(f"{m} {v.text}".strip() for m, v in zip(marks, values)))
        item.setToolTip(2, "\n".join(f"{m} {v.text} (the preset checks it to ±{v.tol:g})"
                                     for m, v in zip(marks, values)))
        if False in results:
            item.setForeground(2, QBrush(QColor(214, 69, 69)))

    @staticmethod
    def _heading(payload: dict) -> str:
        trace, step = payload["trace"], payload["step"]
        lr = f"η = {fmt_number(trace.lr)}"
        if payload["preview"]:
            sample = payload.get("sample")
            which = f"sample {sample + 1} of {payload.get('samples', '?')}" \
                if sample is not None else "the next sample"
            take = "Press Step (F10) to apply it." if payload.get("update", True) else \
                "Press Step (F10) to take it (update off: the weights stay)."
            return f"<b>Step {step + 1}, not taken yet</b>: {which}, {lr}. {take}"
        if trace.applied:
            how = "its update was applied"
        elif not payload.get("update", True):
            how = "update off: the weights were kept"
        else:
            how = "the weights were kept: the rule had stopped updating"
        return f"<b>Step {step}</b>, the last step taken ({how}), {lr}."

    def _note(self, step: int) -> str:
        texts = ["Weights are in PyTorch's layout, (units × inputs): row i holds unit i's "
                 "input weights."]
        if self.revealed < len(PHASES):
            texts.insert(0, f"Press {PHASES[self.revealed].capitalize()} to reveal the next "
                            "phase.")
        if step != self.total_steps and stepthrough_probe.book_values(self.expect):
            texts.append(f"The book's numbers are those of step {self.total_steps}, the "
                         "run's last.")
        return " ".join(texts)


if __name__ == "__main__":
    import sys

    from PySide6.QtWidgets import QApplication

    from playground.project.presets import load_preset
    from playground.run.session import build_session

    app = QApplication.instance() or QApplication(sys.argv)
    session = build_session(load_preset(sys.argv[1] if len(sys.argv) > 1 else "dlpi-1-bp-step"))
    view = StepThroughView()
    view.set_session(session)
    view.show_snapshot(session.trainer.make_snapshot())
    view.reveal(3)
    view.resize(760, 720)
    view.show()
    app.exec()
