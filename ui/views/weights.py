"""Weight view: each Dense layer's weight matrix as a heatmap (units down, inputs across).

Orange is negative, blue positive, per layer on a symmetric scale of its
largest |weight|; the bias is the separate last column.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QVBoxLayout

from ui.views.base import View, image_item, layout_widget, place_image, style_plot, theme
from ui.views.colors import SIGNED_LUT, to_rgba

COLUMNS = 3


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
        self.canvas = layout_widget(self)
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.canvas)
        self.plots: dict[str, tuple[pg.PlotItem, pg.ImageItem]] = {}
        self.labels: dict[str, list[pg.TextItem]] = {}

    def on_session(self, session: Any) -> None:
        self.canvas.clear()
        self.plots = {}
        if session is None or "weights" not in session.trainer.probes:
            self.set_message("No Dense layer to show.")

    def _build(self, payload: dict) -> None:
        self.canvas.clear()
        self.plots = {}
        self.labels = {}
        _, fg = theme(self)
        for i, (nid, entry) in enumerate(payload.items()):
            units, inputs = entry["shape"]
            bias = "" if entry["bias"] is None else " + bias"
            plot = self.canvas.addPlot(row=i // COLUMNS, col=i % COLUMNS)
            style_plot(plot, fg, f"{nid}: {units} × {inputs}{bias}", x="input", y="unit")
            plot.getViewBox().invertY(True)
            plot.getAxis("bottom").setTicks([_ticks(inputs, entry["bias"] is not None)])
            plot.getAxis("left").setTicks([_ticks(units, False)])
            plot.setMouseEnabled(False, False)
            plot.hideButtons()
            item = image_item()
            plot.addItem(item)
            self.plots[nid] = (plot, item)
            self.labels[nid] = []

    def draw(self, snapshot: Any) -> None:
        payload = self.take(self.payload(snapshot))
        if payload is None:
            return
        if list(payload) != list(self.plots):
            self._build(payload)
        for nid, entry in payload.items():
            matrix = with_bias(entry["weight"], entry["bias"])
            vmax = float(np.nanmax(np.abs(matrix))) if matrix.size else 1.0
            _, item = self.plots[nid]
            # row-major image: rows are units (y), columns inputs (x); y inverted: unit 0 on top
            item.setImage(to_rgba(matrix, SIGNED_LUT, -vmax, vmax), autoLevels=False)
            place_image(item, np.arange(matrix.shape[1]), np.arange(matrix.shape[0]))
            self._write_values(nid, matrix)

    def _write_values(self, nid: str, matrix: np.ndarray) -> None:
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
            labels[:] = [pg.TextItem(anchor=(0.5, 0.5), color=(20, 20, 20))
                         for _ in range(matrix.size)]
            for label in labels:
                label.setFont(font)
                plot.addItem(label)
        for label, (row, col), value in zip(labels, np.ndindex(matrix.shape), matrix.flat):
            # The NaN column is the gap between the weights and the bias.
            label.setText("" if np.isnan(value) else f"{value:.2g}")
            label.setPos(col, row)


if __name__ == "__main__":
    from ui.views.preview import preview
    preview("weights", "spiral")
