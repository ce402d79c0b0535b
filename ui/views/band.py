"""Uncertainty-band view: a Bayesian regression's prediction with its 95% band.

The training points (grey), the points held out where there is no training
data (orange) and the test points (faint), under the predictive mean (a line)
and two bands of two standard deviations: the darker one from the weights'
spread alone (what the model does not know, wide where data are missing), the
paler one with the likelihood's noise added (what a new y may do). The line
below quotes the average spread on each split.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout

from ui.views.base import StatusLine, View
from ui.views.colors import BLUE, ORANGE
from ui.views.plotting import legend_colors, plot_widget, theme

POINTS = {"train": ((90, 110, 130), 130, "training data"),
          "val": (ORANGE, 200, "held out (no training data there)"),
          "test": ((150, 150, 150), 60, "test")}
SPLIT_NAMES = {"train": "training points", "val": "held-out points", "test": "test points"}


class BandView(View):
    """Predictive mean, epistemic and total 2-sigma bands, and the data."""

    view_id = "band"
    title = "Uncertainty band"

    def __init__(self, parent=None):
        super().__init__(parent)
        _, fg = theme(self)
        self.plot_widget = plot_widget(self, x="x", y="y")
        self.plot = self.plot_widget.getPlotItem()
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        brush, pen = legend_colors(self)
        self.legend = self.plot.addLegend(offset=(8, 8), labelTextColor=fg, brush=brush,
                                          pen=pen)
        self.scatters = {}
        for name in ("test", "train", "val"):  # drawing order: test underneath
            color, alpha, label = POINTS[name]
            item = pg.ScatterPlotItem(size=4, pen=None, brush=pg.mkBrush(*color, alpha),
                                      name=label)
            self.plot.addItem(item)
            self.scatters[name] = item
        self.edges = {key: pg.PlotDataItem(pen=pg.mkPen(None)) for key in
                      ("total_lo", "total_hi", "std_lo", "std_hi")}
        for item in self.edges.values():
            self.plot.addItem(item)
        self.total_band = pg.FillBetweenItem(self.edges["total_lo"], self.edges["total_hi"],
                                             brush=pg.mkBrush(*BLUE, 40))
        self.std_band = pg.FillBetweenItem(self.edges["std_lo"], self.edges["std_hi"],
                                           brush=pg.mkBrush(*BLUE, 110))
        self.plot.addItem(self.total_band)
        self.plot.addItem(self.std_band)
        self.mean_line = self.plot.plot([], [], pen=pg.mkPen(BLUE, width=2.5),
                                        name="predictive mean")
        # Legend swatches: a FillBetweenItem in a legend crashes pyqtgraph's ItemSample
        # painter, so the legend shows stand-in filled curves that never get data.
        for alpha, text in ((110, "±2σ of the weights' spread"), (40, "±2σ with the noise")):
            swatch = pg.PlotDataItem(pen=pg.mkPen(None), fillLevel=0,
                                     fillBrush=pg.mkBrush(*BLUE, alpha))
            self.legend.addItem(swatch, text)
        self.info = StatusLine(lines=2)
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.plot_widget, 1)
        layout.addWidget(self.info)
        self._ranged = False

    def on_session(self, session: Any) -> None:
        self._ranged = False
        if session is None or "band" not in session.trainer.probes:
            self.set_message("The uncertainty band needs a Bayesian regression (Bayesian "
                             "Dense layers) on data with one input and one target.")

    def draw(self, snapshot: Any) -> None:
        p = self.take(self.payload(snapshot, "band"))
        if p is None:
            return
        x = p["x"]
        for name, item in self.scatters.items():
            item.setData(*p["points"][name]) if name in p["points"] else item.clear()
        two_std, two_total = 2.0 * p["std"], 2.0 * p["total_std"]
        self.edges["total_lo"].setData(x, p["mean"] - two_total)
        self.edges["total_hi"].setData(x, p["mean"] + two_total)
        self.edges["std_lo"].setData(x, p["mean"] - two_std)
        self.edges["std_hi"].setData(x, p["mean"] + two_std)
        self.mean_line.setData(x, p["mean"])
        if not self._ranged:  # the data's extent, once: the band may be huge at first
            ys = np.concatenate([pts[1] for pts in p["points"].values()])
            lo, hi = float(ys.min()), float(ys.max())
            pad = 0.15 * (hi - lo or 1.0)
            self.plot.setXRange(float(x[0]), float(x[-1]), padding=0)
            self.plot.setYRange(lo - pad, hi + pad, padding=0)
            self._ranged = True
        self.info.setText(spread_text(p["spread"], p["noise_std"]))


def spread_text(spread: dict[str, float], noise: float) -> str:
    """``Average spread (σ of the weights' samples): training points 0.031 · ...``."""
    parts = [f"{SPLIT_NAMES.get(s, s)}\u00a0{v:.3g}" for s, v in spread.items()]
    return ("Average spread of the prediction (σ over the weights' samples): "
            + " · ".join(parts) + f". Assumed noise on y: σ\u00a0=\u00a0{noise:.3g}.")


if __name__ == "__main__":
    from ui.views.preview import preview
    preview("band", "bayes")
