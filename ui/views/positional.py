"""Positional-encoding view: the sinusoidal table as a heatmap, with its formula and parameters.

dlpi Fig 6.7: rows are positions i (0 at the top), columns the dimensions of
the encoding vector. Each column pair (2j, 2j+1) is a sine and a cosine of
wavelength 2 pi T^(2j/D): fast stripes on the left, slow waves to the right,
so every position gets its own pattern. Hovering a cell shows its value, the
formula with the numbers put in, and that column's wavelength.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ui.views.base import StatusLine, View
from ui.views.heatmap import SIGNED, Heatmap
from ui.views.plotting import layout_widget, theme


def formula_text(steps: int, dim: int, base: float) -> str:
    """Eq. 6.22 with the table's parameters, as rich text."""
    return (f"P<sub>i,2j</sub> = sin(i / T<sup>2j/D</sup>), "
            f"P<sub>i,2j+1</sub> = cos(i / T<sup>2j/D</sup>) &nbsp; with T = {base:g}, "
            f"D = {dim}, i = 0 … {steps - 1}")


def cell_text(i: int, col: int, dim: int, base: float, value: float) -> str:
    """What one cell holds, the formula evaluated."""
    j = col // 2
    rate = base ** (2 * j / dim)
    fn = "sin" if col % 2 == 0 else "cos"
    return (f"position {i}, dimension {col}: {fn}({i} / {base:g}^({2 * j}/{dim})) = "
            f"{fn}({i / rate:.4g}) = {value:.4f}; wavelength {2 * math.pi * rate:.4g} positions")


class PositionalEncodingView(View):
    """The (positions, dimensions) table of a PositionalEncoding layer or of the formula task."""

    view_id = "positional_encoding"
    title = "Positional encoding"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        _, fg = theme(self)
        self.table_choice = QComboBox(objectName="encoding_table")
        self.table_choice.currentIndexChanged.connect(lambda _=0: self._show())
        self.formula = QLabel(objectName="encoding_formula")
        self.formula.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.formula, 1)
        top.addWidget(self.table_choice)
        self.canvas = layout_widget(self)
        self.map = Heatmap(self.canvas.ci, 0, 0, fg, SIGNED, (-1.0, 1.0), x="dimension",
                           y="position i")
        self.canvas.scene().sigMouseMoved.connect(self._hovered)
        self.status = StatusLine()
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.status)
        self.tables: list[dict] = []

    def on_session(self, session: Any) -> None:
        self.tables = []
        if session is None or "positional_encoding" not in session.trainer.probes:
            self.set_message("The positional-encoding view needs a PositionalEncoding layer "
                             "or the 'Positional encoding' task.")

    def draw(self, snapshot: Any) -> None:
        p = self.take(self.payload(snapshot))
        if p is None:
            return
        self.tables = p["tables"]
        names = [t["name"] for t in self.tables]
        if [self.table_choice.itemText(i) for i in range(self.table_choice.count())] != names:
            self.table_choice.blockSignals(True)
            self.table_choice.clear()
            self.table_choice.addItems(names)
            self.table_choice.blockSignals(False)
        self.table_choice.setVisible(len(names) > 1)
        self._show()

    def _current(self) -> dict | None:
        i = max(self.table_choice.currentIndex(), 0)
        return self.tables[i] if i < len(self.tables) else None

    def _show(self) -> None:
        entry = self._current()
        if entry is None:
            return
        table = entry["table"]
        steps, dim = table.shape
        self.map.set(table)
        self.formula.setText(formula_text(steps, dim, entry["base"]))
        self.map.plot.setTitle(f"{entry['name']}: {steps} positions × {dim} dimensions",
                               size="9pt", color=theme(self)[1])
        self.status.setText("Hover a cell for its value. Left columns change fast with the "
                            "position, right ones slowly.")

    def _hovered(self, pos: Any) -> None:
        entry = self._current()
        cell = self.map.cell_at(pos)
        if entry is None or cell is None:
            return
        i, col = cell
        steps, dim = entry["table"].shape
        self.status.setText(cell_text(i, col, dim, entry["base"], float(entry["table"][i, col])))


if __name__ == "__main__":
    from ui.views.preview import preview
    preview("positional_encoding", "encoding")
