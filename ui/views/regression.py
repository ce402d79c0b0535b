"""Regression evaluation views: the fitted curve (1-D) or predicted vs actual, and forecasts."""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout

from ui.views.base import View
from ui.views.colors import BLUE, ORANGE
from ui.views.labels import legend_row
from ui.views.plotting import layout_widget, legend_colors, plot_widget, style_plot, theme


class FitView(View):
    """Data and the fitted curve for one input feature, else predicted against actual."""

    view_id = "fit"
    title = "Regression fit"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.plot_widget = plot_widget(self)
        self.plot = self.plot_widget.getPlotItem()
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        _, fg = theme(self)
        self.points = pg.ScatterPlotItem(size=6, brush=pg.mkBrush(*ORANGE, 200),
                                         pen=pg.mkPen(None))
        self.plot.addItem(self.points)
        self.identity = self.plot.plot([], [], pen=pg.mkPen(fg, style=Qt.PenStyle.DashLine))
        self.curve = self.plot.plot([], [], pen=pg.mkPen(BLUE, width=2.5))
        self.info = QLabel(wordWrap=True)
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.plot_widget, 1)
        layout.addWidget(self.info)
        self.mode: str | None = None

    def on_session(self, session: Any) -> None:
        if session is not None and ("evaluation" not in session.trainer.probes
                                    or session.dataset.info.target != "regression"):
            self.set_message("The fit view needs a regression task.")

    def draw(self, snapshot: Any) -> None:
        p = self.payload(snapshot)
        if p is None or "regression" not in p or self.take(p) is None:
            return
        r2 = snapshot.metrics.get(f"{p['split']}_r2")
        extra = "" if r2 is None else f", R² {r2:.3f}"
        if p["fit"] is not None:
            fit = p["fit"]
            self.mode = "fit"
            self.points.setData(fit["data_x"], fit["data_y"])
            self.curve.setData(fit["x"], fit["y"])
            self.identity.setData([], [])
            names = self.session.dataset.info.feature_names if self.session else ()
            self.plot.setLabel("bottom", names[0] if names else "x")
            self.plot.setLabel("left", "target")
            self.set_title(self.plot, "Training data and the model's curve")
        else:
            reg = p["regression"]
            self.mode = "scatter"
            actual, pred = reg["actual"][:, 0], reg["predicted"][:, 0]
            self.points.setData(actual, pred)
            lo = float(min(actual.min(), pred.min()))
            hi = float(max(actual.max(), pred.max()))
            self.identity.setData([lo, hi], [lo, hi])
            self.curve.setData([], [])
            self.plot.setLabel("bottom", "actual")
            self.plot.setLabel("left", "predicted")
            self.set_title(self.plot, f"Predicted vs actual ({p['split']})")
        self.info.setText(f"{p['split']} MSE {p['regression']['mse']:.4g}{extra} "
                          f"on {p['count']} samples")


class ForecastView(View):
    """The series, the model's one-step forecasts and the naive last-value baseline."""

    view_id = "forecast"
    title = "Forecast"

    def __init__(self, parent=None):
        super().__init__(parent)
        _, fg = theme(self)
        self.plot_widget = layout_widget(self)
        self.plot = style_plot(pg.PlotItem(), fg, x="time step", y="value")
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        brush, pen = legend_colors(self)
        # The legend is a row above the plot: inside, it hid the start of the series.
        self.legend = legend_row(self.plot_widget.ci, self.plot, fg, brush=brush, pen=pen)
        self.plot_widget.ci.addItem(self.plot, row=1, col=0)
        self.actual = self.plot.plot([], [], pen=pg.mkPen(fg, width=1.5), name="series")
        self.naive = self.plot.plot([], [], pen=pg.mkPen((150, 150, 150), width=1.2,
                                                         style=Qt.PenStyle.DashLine),
                                    name="naive (last value)")
        self.predicted = self.plot.plot([], [], pen=pg.mkPen(BLUE, width=2), name="model")
        self.regions: list[pg.LinearRegionItem] = []
        self.info = QLabel(wordWrap=True)
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.plot_widget, 1)
        layout.addWidget(self.info)

    def on_session(self, session: Any) -> None:
        if session is not None and (session.dataset is None
                                    or session.dataset.info.kind != "series"):
            self.set_message("The forecast view needs a time-series dataset.")

    def draw(self, snapshot: Any) -> None:
        p = self.payload(snapshot)
        if p is None or not p.get("forecast") or self.take(p) is None:
            return
        f = p["forecast"]
        self.actual.setData(f["index"], f["actual"])
        self.predicted.setData(f["index"], f["predicted"])
        self.naive.setData(f["index"], f["naive"])
        self.plot.setLabel("left", f.get("units") or "value")
        for region in self.regions:
            self.plot.removeItem(region)
        self.regions = []
        shades = {"val": (255, 200, 120, 40), "test": (120, 170, 255, 40)}
        for name, start, end in f["splits"]:
            if name in shades:
                region = pg.LinearRegionItem((start - 0.5, end - 0.5), movable=False,
                                             brush=pg.mkBrush(*shades[name]))
                self.plot.addItem(region)
                self.regions.append(region)
        # Non-breaking spaces inside a split's figures: lines wrap between splits only.
        self.info.setText(" · ".join(
            f"{name}: model MSE {e['model']:.4g} vs naive {e['naive']:.4g}".replace(" ", "\u00a0")
            for name, e in f["mse"].items()))


if __name__ == "__main__":
    from ui.views.preview import preview
    preview("fit", "line")
