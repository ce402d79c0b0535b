"""Nadaraya-Watson view: kernel regression as attention (dlpi Fig 6.1), with a kernel-width slider.

Left, the attention matrix: one row per query x_j, one column per training
point (sorted by x), each row the softmax weights alpha_ij of Eq. 6.3: a
bright band along the diagonal, wide for a wide kernel. Right, the data, the
regression curve (each point an attention-weighted mean of the targets), the
estimates at the queries, the true function and the book's naive model (the
mean). The slider changes the width h; the preset's value stays marked.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QBoxLayout, QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget

from ui.views.base import StatusLine, View
from ui.views.colors import BLUE, MARKER, ORANGE
from ui.views.heatmap import WEIGHTS, Heatmap
from ui.views.plotting import layout_widget, legend_colors, plot_widget, theme

#: Width slider: h = 10^(value / 100), from 0.01 to 10.
H_RANGE = (-200, 100)
DATA = (120, 120, 120)


class NadarayaWatsonView(View):
    """Attention heatmap of the queries over the training points, and the regression curve."""

    view_id = "nadaraya_watson"
    title = "Kernel regression"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        _, fg = theme(self)
        self.slider = QSlider(Qt.Orientation.Horizontal, objectName="kernel_width")
        self.slider.setRange(*H_RANGE)
        self.slider.setToolTip("Kernel width h (log scale)")
        self.slider.valueChanged.connect(self._width_changed)
        self.width_label = QLabel(objectName="kernel_width_label")
        top = QHBoxLayout()
        top.addWidget(QLabel("Kernel width"))
        top.addWidget(self.slider, 1)
        top.addWidget(self.width_label)
        self.canvas = layout_widget(self)
        self.map = Heatmap(self.canvas.ci, 0, 0, fg, WEIGHTS, x="training point (by x)",
                           y="query x", bar_label="α")
        self.map.plot.setTitle("attention α", size="9pt", color=fg)
        self.fit_widget = plot_widget(self, "regression", x="x", y="y")
        fit = self.fit_widget.getPlotItem()
        brush, pen = legend_colors(self)
        fit.addLegend(offset=(-4, 4), labelTextColor=fg, brush=brush, pen=pen)
        self.points = pg.ScatterPlotItem(size=5, pen=pg.mkPen(None),
                                         brush=pg.mkBrush(*DATA, 150), name="data")
        self.truth = pg.PlotDataItem(pen=pg.mkPen(fg, width=1, style=Qt.PenStyle.DashLine),
                                     name="function")
        self.naive = pg.PlotDataItem(pen=pg.mkPen(ORANGE, width=1, style=Qt.PenStyle.DotLine),
                                     name="naive (mean)")
        self.curve = pg.PlotDataItem(pen=pg.mkPen(BLUE, width=2.5), name="Nadaraya-Watson")
        self.estimates = pg.ScatterPlotItem(size=9, pen=pg.mkPen(MARKER), brush=pg.mkBrush(BLUE),
                                            symbol="d", name="at the queries")
        for item in (self.points, self.truth, self.naive, self.curve, self.estimates):
            fit.addItem(item)
        self.box = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.box.addWidget(self.canvas, 1)
        self.box.addWidget(self.fit_widget, 1)
        self.status = StatusLine()
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addLayout(self.box, 1)
        layout.addWidget(self.status)
        self._synced = False

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        size = event.size()
        self.box.setDirection(QBoxLayout.Direction.LeftToRight
                              if size.width() >= 1.3 * size.height()
                              else QBoxLayout.Direction.TopToBottom)
        super().resizeEvent(event)

    def on_session(self, session: Any) -> None:
        self._synced = False
        if session is None or "nadaraya_watson" not in session.trainer.probes:
            self.set_message("The kernel-regression view needs the 'Kernel regression' task "
                             "on data with one input.")

    def _width_changed(self, value: int) -> None:
        h = 10 ** (value / 100)
        self.width_label.setText(f"h = {h:.3g}")
        runner = None if self.session is None else \
            self.session.trainer.probes.get("nadaraya_watson")
        if runner is not None and self._synced:
            runner.configure(width=h)
            self.refresh_requested.emit()

    def draw(self, snapshot: Any) -> None:
        p = self.take(self.payload(snapshot))
        if p is None:
            return
        if not self._synced:  # the slider starts at the task's width
            self.slider.blockSignals(True)
            self.slider.setValue(round(100 * math.log10(p["width"])))
            self.slider.blockSignals(False)
            self.width_label.setText(f"h = {p['width']:.3g}")
            self._synced = True
        weights = p["attention"]
        self.map.set(weights, (0.0, max(float(weights.max()), 1e-6)))
        q = p["queries"]
        step = max(1, len(q) // 12)
        self.map.plot.getAxis("left").setTicks(
            [[(i + 0.5, f"{v:.3g}") for i, v in enumerate(q) if i % step == 0]])
        self.points.setData(p["x"], p["y"])
        self.curve.setData(p["curve_x"], p["curve_y"])
        self.estimates.setData(q, p["estimate"])
        mean = float(np.mean(p["y"]))
        self.naive.setData([p["curve_x"][0], p["curve_x"][-1]], [mean, mean])
        targets = p["targets"]
        truth = p["truth"] if p["truth"] is not None else (q, targets)
        self.truth.setVisible(truth[1] is not None)
        if truth[1] is not None:
            self.truth.setData(*truth)
        text = f"{p['kernel']} kernel, h = {p['width']:.3g} (preset {p['task_width']:g})"
        if targets is not None:
            mse = float(np.mean((p["estimate"] - targets) ** 2))
            naive = float(np.mean((mean - targets) ** 2))
            text += f"; at the {len(q)} queries MSE {mse:.3f}, naive mean {naive:.3f}"
        self.status.setText(text)


if __name__ == "__main__":
    from ui.views.preview import preview
    preview("nadaraya_watson", "kernel")
