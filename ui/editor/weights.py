"""Hand-set weights: a small table per tensor of a layer with weights.

Shapes are PyTorch's: a Dense weight is (units, inputs), a Conv2d weight
(filters, channels, kh, kw) shown as filters x (channels*kh*kw). Values live in
``node.weights`` (``{"weight": [[...]], "bias": [...]}``) and are loaded by the
compiler after initialisation. A tensor that is not set by hand shows empty
cells; typing a value sets it (its other entries start at 0).
"""

from __future__ import annotations

import copy
import functools
import json
import math
from typing import Any

import numpy as np
import torch
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from playground.compiler import primary_layer
from playground.layers import LAYERS, Shape
from playground.shapes import ShapeReport

MAX_CELLS = 2048
_CELL_WIDTH = 58
_ROW_HEIGHT = 20
_MAX_ROWS_SHOWN = 8

MSG_UNKNOWN = "The weights appear once the node's input shape is known (connect it; fix its error)."
MSG_NONE = "This layer has no single weight and bias to set by hand here."
MSG_TOO_LARGE = "{name} {shape}: {n:,} values, too many to edit here (set them in the file)."


def weight_shapes(report: ShapeReport, node_id: str, type_id: str) -> dict[str, Shape] | None:
    """``{"weight": shape, "bias": shape}`` of a node's main layer, None if unknown."""
    info = report.nodes.get(node_id)
    if type_id not in LAYERS or info is None or info.error or info.params is None:
        return None
    if not info.outputs or not LAYERS.get(type_id).has_weights:
        return None
    key = json.dumps([type_id, info.params, sorted(info.inputs.items())], default=list)
    return _shapes_cached(key)


@functools.lru_cache(maxsize=512)
def _shapes_cached(key: str) -> dict[str, Shape] | None:
    type_id, params, inputs = json.loads(key)
    spec = LAYERS.get(type_id)
    try:
        with torch.device("meta"):  # shapes only: no memory, no initialisation cost
            module = spec.build(params, {port: tuple(s) for port, s in inputs})
    except (RuntimeError, ValueError, TypeError):
        return None
    layer = primary_layer(module)
    if layer is None:  # e.g. recurrent cells: nothing addressed as weight/bias
        return {}
    shapes = {"weight": tuple(layer.weight.shape)}
    if layer.bias is not None:
        shapes["bias"] = tuple(layer.bias.shape)
    return shapes


def table_shape(shape: Shape) -> tuple[int, int]:
    """(rows, columns) a tensor is shown as: 1-D as a column, N-D as dim0 x the rest."""
    if len(shape) == 1:
        return shape[0], 1
    return shape[0], math.prod(shape[1:])


def column_labels(name: str, shape: Shape) -> list[str]:
    """Column headers: the tensor name for a vector, else the index into ``shape[1:]``."""
    if len(shape) == 1:
        return [name]
    if len(shape) == 2:
        return [str(c) for c in range(shape[1])]
    return [",".join(map(str, idx)) for idx in np.ndindex(*shape[1:])]


def fitted(values: Any, shape: Shape) -> np.ndarray:
    """``values`` as an array of ``shape``: copied where they overlap, zeros elsewhere."""
    out = np.zeros(shape, dtype=np.float64)
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        return out
    if arr.ndim != len(shape):
        return out
    region = tuple(slice(0, min(a, b)) for a, b in zip(arr.shape, shape))
    out[region] = arr[region]
    return out


class WeightsEditor(QWidget):
    """Tables for the weight and bias of one node, a Clear button and notes.

    Signals
    -------
    weights_edited(object)
        The new ``node.weights`` value (a dict, or None after Clear).
    """

    weights_edited = Signal(object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.note = QLabel(wordWrap=True)
        self.note.setObjectName("weights_note")
        self._layout.addWidget(self.note)
        self.tables: dict[str, QTableWidget] = {}
        self.captions: dict[str, QLabel] = {}
        self._boxes: list[QWidget] = []
        self.clear_button = QPushButton("Clear hand-set weights")
        self.clear_button.setObjectName("weights_clear")
        self.clear_button.clicked.connect(lambda: self.weights_edited.emit(None))
        row = QHBoxLayout()
        row.addWidget(self.clear_button)
        row.addStretch(1)
        self._layout.addLayout(row)
        self._weights: dict | None = None
        self._shapes: dict[str, Shape] | None = None
        self._inits: dict[str, str] = {}

    def set_state(self, weights: dict | None, shapes: dict[str, Shape] | None,
                  inits: dict[str, str] | None = None) -> None:
        """Show ``weights`` (the node's) in tables of ``shapes`` (the layer's; None: unknown).

        ``inits`` names how each tensor starts when it is not hand-set. Tables
        are rebuilt only when the shapes change, so typing through the cells
        keeps the focus.
        """
        rebuild = shapes != self._shapes or not self._boxes
        self._weights, self._shapes = copy.deepcopy(weights), shapes
        self._inits = dict(inits or {})
        if rebuild:
            self._rebuild()
        notes = [MSG_UNKNOWN] if shapes is None else ([] if shapes else [MSG_NONE])
        for name, shape in (shapes or {}).items():
            values = (weights or {}).get(name)
            if values is not None and np.shape(values) != tuple(shape):
                notes.append(f"Hand-set {name} has shape {np.shape(values)} but the layer needs "
                             f"{tuple(shape)}; edit a cell to resize it, or Clear.")
            if math.prod(shape) > MAX_CELLS:
                notes.append(MSG_TOO_LARGE.format(name=name, shape=tuple(shape),
                                                  n=math.prod(shape)))
            self.captions[name].setText(self._caption(name, shape, values))
            if name in self.tables:
                self._fill(name)
        for name in (weights or {}):
            if shapes is not None and name not in shapes:
                notes.append(f"'{name}' is set but this layer has no such tensor.")
        self.note.setText("\n".join(notes))
        self.note.setVisible(bool(notes))
        self.clear_button.setEnabled(bool(weights))

    def _caption(self, name: str, shape: Shape, values: Any) -> str:
        init = self._inits.get(name, "default")
        how = "PyTorch's default" if init == "default" else init
        state = "hand-set" if values is not None else f"not hand-set (initialised by {how})"
        return f"<b>{name}</b> {tuple(shape)} · {state}"

    def _rebuild(self) -> None:
        for box in self._boxes:
            self._layout.removeWidget(box)
            box.deleteLater()
        self._boxes.clear()
        self.tables.clear()
        self.captions.clear()
        for name, shape in (self._shapes or {}).items():
            box = QWidget()
            layout = QVBoxLayout(box)
            layout.setContentsMargins(0, 4, 0, 0)
            layout.setSpacing(2)
            self.captions[name] = QLabel(wordWrap=True)
            layout.addWidget(self.captions[name])
            if math.prod(shape) <= MAX_CELLS:
                self.tables[name] = self._make_table(name, shape)
                layout.addWidget(self.tables[name])
            self._layout.insertWidget(self._layout.count() - 1, box)
            self._boxes.append(box)

    def _make_table(self, name: str, shape: Shape) -> QTableWidget:
        rows, cols = table_shape(shape)
        table = QTableWidget(rows, cols)
        table.setObjectName(f"weights_{name}")
        table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                              | QAbstractItemView.EditTrigger.EditKeyPressed
                              | QAbstractItemView.EditTrigger.AnyKeyPressed)
        table.horizontalHeader().setDefaultSectionSize(_CELL_WIDTH)
        table.horizontalHeader().setMinimumSectionSize(20)
        table.verticalHeader().setDefaultSectionSize(_ROW_HEIGHT)
        # PyTorch indices start at 0; so do the headers. N-D columns read "channel,row,col".
        table.setHorizontalHeaderLabels(column_labels(name, shape))
        table.setVerticalHeaderLabels([str(r) for r in range(rows)])
        for r in range(rows):
            for c in range(cols):
                cell = QTableWidgetItem("")
                cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                table.setItem(r, c, cell)
        table.setToolTip("PyTorch layout: rows are output units (filters), columns the inputs. "
                         "Type a number to set it.")
        shown = min(rows, _MAX_ROWS_SHOWN)
        height = table.horizontalHeader().sizeHint().height() + shown * _ROW_HEIGHT + 4
        if cols > 3:  # a horizontal scroll bar will likely be needed: make room for it
            height += table.horizontalScrollBar().sizeHint().height()
        table.setFixedHeight(height)
        table.itemChanged.connect(lambda item, n=name: self._on_cell(n, item))
        return table

    def _fill(self, name: str) -> None:
        table, flat = self.tables[name], self._flat(name)
        table.blockSignals(True)
        try:
            for r in range(table.rowCount()):
                for c in range(table.columnCount()):
                    table.item(r, c).setText("" if flat is None else f"{flat[r, c]:.4g}")
        finally:
            table.blockSignals(False)

    def _flat(self, name: str) -> np.ndarray | None:
        """The hand-set values of ``name`` as the (rows, cols) table, None if not set."""
        values = (self._weights or {}).get(name)
        if values is None:
            return None
        shape = self._shapes[name]
        return fitted(values, shape).reshape(table_shape(shape))

    def set_value(self, name: str, row: int, col: int, value: float) -> None:
        """Set one entry (as typing it into the table does) and emit the new weights."""
        shape = self._shapes[name]
        rows, cols = table_shape(shape)
        current = (self._weights or {}).get(name)
        arr = fitted(current, shape).reshape(rows, cols)
        arr[row, col] = value
        new = copy.deepcopy(self._weights) or {}
        new[name] = arr.reshape(shape).tolist()
        self.weights_edited.emit(new)

    def _on_cell(self, name: str, item: QTableWidgetItem) -> None:
        text = item.text().strip()
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            # Only numbers are stored: put the old text back.
            table = self.tables[name]
            table.blockSignals(True)
            item.setText(self._cell_text(name, item.row(), item.column()))
            table.blockSignals(False)
            return
        self.set_value(name, item.row(), item.column(), value)

    def _cell_text(self, name: str, row: int, col: int) -> str:
        flat = self._flat(name)
        return "" if flat is None else f"{flat[row, col]:.4g}"

    def table(self, name: str) -> QTableWidget | None:
        """The table of tensor ``name`` (for tests)."""
        return self.tables.get(name)


if __name__ == "__main__":
    from PySide6.QtWidgets import QApplication

    from playground.shapes import infer
    from ui.editor.samples import XOR_INPUT_SHAPES, xor_graph

    app = QApplication([])
    graph = xor_graph()
    editor = WeightsEditor()
    editor.set_state({"bias": [0.1] * 6}, weight_shapes(infer(graph, XOR_INPUT_SHAPES),
                                                         "hidden", "dense"))
    editor.weights_edited.connect(print)
    editor.resize(320, 420)
    editor.show()
    app.exec()
