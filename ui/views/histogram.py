"""Distributions view: what a GAN generates against the real data (GAN Lab's picture).

1-D data: the histograms of real and generated samples as densities, and
under them the discriminator's probability "real" across the same range (0.5
everywhere is the equilibrium the book describes). 2-D data: the two point
clouds. The line below gives both distributions' mean and standard deviation.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout

from ui.views.base import View
from ui.views.colors import BLUE, ORANGE
from ui.views.labels import legend_row
from ui.views.plotting import layout_widget, legend_colors, style_plot, theme

#: Real data in grey-blue, generated in the playground's orange.
REAL = (90, 110, 130)


def moments_text(name: str, m: dict) -> str:
    """``real mean 0.01, std 0.99`` (per dimension when there are two)."""
    def fmt(values: list[float]) -> str:
        return ", ".join(f"{v:.3f}" for v in values)
    return f"{name} mean {fmt(m['mean'])}, std {fmt(m['std'])}"


class HistogramView(View):
    """Real against generated samples, and D(x) for 1-D data."""

    view_id = "histogram"
    title = "Distributions"

    def __init__(self, parent=None):
        super().__init__(parent)
        _, fg = theme(self)
        self.canvas = layout_widget(self)
        self.top = style_plot(pg.PlotItem(), fg, y="density")
        self.top.showGrid(x=True, y=True, alpha=0.15)
        brush, pen = legend_colors(self)
        # The legend is a row above the plot, never over the distributions.
        self.legend = legend_row(self.canvas.ci, self.top, fg, brush=brush, pen=pen)
        self.canvas.ci.addItem(self.top, row=1, col=0)
        # Step curves need len(x) == len(y) + 1 from the start: one empty bin.
        self.real_hist = pg.PlotCurveItem([0, 1], [0], stepMode="center", fillLevel=0,
                                          name="real data", brush=pg.mkBrush(*REAL, 90),
                                          pen=pg.mkPen(REAL, width=1.5))
        self.fake_hist = pg.PlotCurveItem([0, 1], [0], stepMode="center", fillLevel=0,
                                          name="generated",
                                          brush=pg.mkBrush(*ORANGE, 110),
                                          pen=pg.mkPen(ORANGE, width=2))
        self.real_points = pg.ScatterPlotItem(size=4, pen=pg.mkPen(None),
                                              brush=pg.mkBrush(*REAL, 120), name="real data")
        self.fake_points = pg.ScatterPlotItem(size=4, pen=pg.mkPen(None),
                                              brush=pg.mkBrush(*ORANGE, 160), name="generated")
        for item in (self.real_hist, self.fake_hist, self.real_points, self.fake_points):
            self.top.addItem(item)
        self.bottom = style_plot(self.canvas.addPlot(row=2, col=0), fg, x="x", y="D(x)")
        self.bottom.setXLink(self.top)
        self.bottom.setYRange(0, 1, padding=0.05)
        self.bottom.setMouseEnabled(y=False)
        self.bottom.showGrid(x=True, y=True, alpha=0.15)
        self.bottom.addLine(y=0.5, pen=pg.mkPen(fg, style=Qt.PenStyle.DashLine, width=1))
        self.d_curve = self.bottom.plot([], [], pen=pg.mkPen(BLUE, width=2))
        self.canvas.ci.layout.setRowStretchFactor(1, 3)
        self.canvas.ci.layout.setRowStretchFactor(2, 1)
        self.info = QLabel(objectName="distribution_info", wordWrap=True)
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.info)
        self.dims: int | None = None

    def on_session(self, session: Any) -> None:
        if session is not None and "distribution" not in session.trainer.probes:
            self.set_message("The distributions view needs a GAN on data with one or two "
                             "numbers per sample.")

    def _set_dims(self, dims: int) -> None:
        if dims == self.dims:
            return
        self.dims = dims
        one = dims == 1
        for item in (self.real_hist, self.fake_hist):
            item.setVisible(one)
        for item in (self.real_points, self.fake_points):
            item.setVisible(not one)
        self.legend.clear()
        for item in ((self.real_hist, self.fake_hist) if one
                     else (self.real_points, self.fake_points)):
            self.legend.addItem(item, item.name())
        self.bottom.setVisible(one)
        self.top.setLabel("left", "density" if one else "x2")
        self.top.setLabel("bottom", "" if one else "x1")
        self.top.getViewBox().setAspectLocked(not one)

    def draw(self, snapshot: Any) -> None:
        p = self.take(self.payload(snapshot, "distribution"))
        if p is None:
            return
        self._set_dims(p["dims"])
        if p["dims"] == 1:
            edges = p["edges"]
            self.real_hist.setData(edges, p["real_density"])
            self.fake_hist.setData(edges, p["fake_density"])
            if "d_real" in p:
                self.d_curve.setData(p["grid"], p["d_real"])
            top = float(max(np.max(p["real_density"]), np.max(p["fake_density"]), 1e-6))
            self.top.setXRange(float(edges[0]), float(edges[-1]), padding=0)
            self.top.setYRange(0, top * 1.1, padding=0)
        else:
            self.real_points.setData(p["real"][:, 0], p["real"][:, 1])
            self.fake_points.setData(p["fake"][:, 0], p["fake"][:, 1])
        self.info.setText(f"{moments_text('real', p['real_moments'])} · "
                          f"{moments_text('generated', p['fake_moments'])}")


if __name__ == "__main__":
    from ui.views.preview import preview
    preview("histogram", "gan1d")
