"""Weight view: each Dense layer's weight matrix as a heatmap (units down, inputs across).

Orange is negative, blue positive, per layer on a symmetric scale of its
largest |weight| (its colour bar beside it); the bias is the separate last
column. Panels fill the dock's width in as many columns as fit and scroll
vertically; small layers show their values written in the cells.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QVBoxLayout

from ui.views.base import View
from ui.views.colors import (
    color_bar,
    contrast_text,
    is_dark,
    lookup_table,
    show_heatmap,
    steady_levels,
    symmetric_levels,
)
from ui.views.mosaic import PanelGrid
from ui.views.plotting import place_image, theme

#: Axis labels, ticks and the colour bar beside a matrix (pixels).
AXES_ROOM = 110


def with_bias(weight: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
    """(units, inputs) weights plus a NaN gap column and the bias column when there is one."""
    if bias is None:
        return weight
    gap = np.full((len(weight), 1), np.nan, np.float32)
    return np.concatenate([weight, gap, bias[:, None]], axis=1)


def _ticks(count: int, bias: bool) -> list[tuple[float, str]]:
    """At most about six integer ticks (steps 1, 2, 5, 10, 20...) plus "b" on the bias column."""
    step = next(s for s in (1, 2, 5, 10, 20, 50, 100, 200, 500, 10**9) if count / s <= 6)
    ticks = [(float(i), str(i)) for i in range(0, count, step)]
    return ticks + [(float(count + 1), "b")] if bias else ticks


#: Layers with at most this many weights (and biases) show their values as numbers.
MAX_LABELLED = 48


class WeightsView(View):
    """One heatmap per Dense layer."""

    view_id = "weights"
    title = "Weights"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.dark = is_dark(self)
        self.grid = PanelGrid(self, min_width=250, axes=True, max_height=420)
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.grid)
        self.labels: dict[str, list[pg.TextItem]] = {}
        self.bars: dict[str, Any] = {}
        self.levels: dict[str, tuple[float, float]] = {}

    @property
    def plots(self) -> dict:
        """Node id -> (PlotItem, ImageItem)."""
        return self.grid.panels

    def on_session(self, session: Any) -> None:
        self.grid.set_panels([])
        self.labels, self.bars, self.levels = {}, {}, {}
        if session is not None and "weights" not in session.trainer.probes:
            self.set_message("No Dense layer to show.")

    def _build(self, payload: dict) -> None:
        self.grid.set_panels(list(payload))
        self.labels, self.bars, self.levels = {}, {}, {}
        _, fg = theme(self)
        for nid, entry in payload.items():
            units, inputs = entry["shape"]
            bias = "" if entry["bias"] is None else " + bias"
            plot, item = self.plots[nid]
            plot.setLabel("bottom", "input", color=fg)
            plot.setLabel("left", "unit", color=fg)
            self.set_title(plot, f"{nid}: {units} × {inputs}{bias}", size="9pt")
            plot.getAxis("bottom").setTicks([_ticks(inputs, entry["bias"] is not None)])
            plot.getAxis("left").setTicks([_ticks(units, False)])
            self.labels[nid] = []
            columns = inputs + (2 if entry["bias"] is not None else 0)
            self.grid.set_aspect(nid, float(np.clip(units / max(columns, 1), 0.35, 1.0)),
                                 AXES_ROOM)

    def draw(self, snapshot: Any) -> None:
        payload = self.take(self.payload(snapshot))
        if payload is None:
            return
        if list(payload) != list(self.plots):
            self._build(payload)
        _, fg = theme(self)
        for nid, entry in payload.items():
            matrix = with_bias(entry["weight"], entry["bias"])
            levels = steady_levels(self.levels.get(nid), symmetric_levels(matrix))
            self.levels[nid] = levels
            plot, item = self.plots[nid]
            # row-major image: rows are units (y), columns inputs (x); y inverted: unit 0 on top
            show_heatmap(item, matrix, "signed", levels, self.dark)
            place_image(item, np.arange(matrix.shape[1]), np.arange(matrix.shape[0]))
            if nid not in self.bars:
                self.bars[nid] = color_bar(plot, item, "signed", levels, fg, self.dark)
            self._write_values(nid, matrix, levels)

    def _write_values(self, nid: str, matrix: np.ndarray, levels: tuple[float, float]) -> None:
        """Small layers (the books' hand-sized examples) get each value written in its cell."""
        if matrix.size > MAX_LABELLED:
            return
        plot, _ = self.plots[nid]
        labels = self.labels[nid]
        if len(labels) != matrix.size:
            for label in labels:
                plot.removeItem(label)
            font = QFont(self.font())
            font.setPointSizeF(font.pointSizeF() * 0.8)
            labels[:] = [pg.TextItem(anchor=(0.5, 0.5)) for _ in range(matrix.size)]
            for label in labels:
                label.setFont(font)
                plot.addItem(label)
        table = lookup_table("signed", self.dark)
        lo, hi = levels
        for label, (row, col), value in zip(labels, np.ndindex(matrix.shape), matrix.flat):
            # The NaN column is the gap between the weights and the bias.
            label.setText("" if np.isnan(value) else f"{value:.2g}")
            label.setPos(col, row)
            if not np.isnan(value):
                index = int(np.clip((value - lo) / (hi - lo) * 255, 0, 255))
                label.setColor(contrast_text(table[index]))


if __name__ == "__main__":
    from ui.views.preview import preview
    preview("weights", "spiral")
