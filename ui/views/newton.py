"""Newton view: Newton-Raphson's tangents against gradient descent's steps (ldl Appendix E).

Top: f with the root-finding walker (Newton on f): from each iterate a
tangent runs down to where it crosses 0, the next guess, and a dashed line
rises back to f there (Fig E-1); gradient descent's steps on f beside it.
Bottom: f' with the minimising walker (Newton on f'), whose tangents find
where the slope is 0 (Fig E-2, right). The lines below list each walker's
first iterates, as the book quotes them (1.75 -> 1.28 -> 1.06).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout

from ui.views.base import View
from ui.views.colors import BLUE, ORANGE
from ui.views.plotting import layout_widget, legend_colors, style_plot, theme

GD = (44, 160, 44)
CURVE = (90, 110, 130)
#: Tangents drawn per walker (later ones pile up at the answer).
MAX_TANGENTS = 6
#: Iterates quoted per walker in the text lines.
QUOTED = 6


def tangent_segments(x: np.ndarray, y: np.ndarray, count: int = MAX_TANGENTS
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Newton's construction for iterates ``x`` with values ``y`` of the function they solve.

    Returns
    -------
    tangent_x, tangent_y : ndarray
        Pairs of points (x_n, y_n) -> (x_{n+1}, 0), for ``connect="pairs"``.
    riser_x, riser_y : ndarray
        Pairs (x_{n+1}, 0) -> (x_{n+1}, y_{n+1}): back up to the curve.
    """
    n = min(len(x) - 1, count)
    if n < 1:
        empty = np.zeros(0)
        return empty, empty, empty, empty
    tx = np.column_stack([x[:n], x[1:n + 1]]).ravel()
    ty = np.column_stack([y[:n], np.zeros(n)]).ravel()
    rx = np.column_stack([x[1:n + 1], x[1:n + 1]]).ravel()
    ry = np.column_stack([np.zeros(n), y[1:n + 1]]).ravel()
    return tx, ty, rx, ry


def iterates_text(label: str, xs: np.ndarray, diverged: bool) -> str:
    """``label: 1.75 → 1.276 → 1.055 → …`` (the first iterates, 4 significant digits)."""
    shown = " → ".join(f"{v:.4g}" for v in xs[:QUOTED])
    more = " → …" if len(xs) > QUOTED else ""
    tail = f" (stopped: diverged after {len(xs) - 1} steps)" if diverged else ""
    return f"{label}: {shown}{more}{tail}"


class NewtonView(View):
    """f with Newton's tangents and gradient descent, f' with Newton's minimisation."""

    view_id = "newton"
    title = "Newton vs gradient descent"

    def __init__(self, parent=None):
        super().__init__(parent)
        _, fg = theme(self)
        self.canvas = layout_widget(self)
        self.top = style_plot(self.canvas.addPlot(row=0, col=0), fg, y="f(x)")
        self.bottom = style_plot(self.canvas.addPlot(row=1, col=0), fg, x="x", y="f'(x)")
        self.bottom.setXLink(self.top)
        brush, pen = legend_colors(self)
        # Top left: the curves rise to the right, where the walkers start.
        self.legend = self.top.addLegend(offset=(8, 8), labelTextColor=fg, brush=brush,
                                         pen=pen)
        self.bottom_legend = self.bottom.addLegend(offset=(8, 8), labelTextColor=fg,
                                                   brush=brush, pen=pen)
        dash = Qt.PenStyle.DashLine
        for plot in (self.top, self.bottom):
            plot.showGrid(x=True, y=True, alpha=0.15)
            plot.addLine(y=0, pen=pg.mkPen(fg, width=1))
            plot.setMouseEnabled(x=True, y=True)
        self.f_curve = self.top.plot([], [], pen=pg.mkPen(CURVE, width=2), name="f")
        self.df_curve = self.bottom.plot([], [], pen=pg.mkPen(CURVE, width=2), name="f'")
        self.root_tangents = pg.PlotDataItem(pen=pg.mkPen(ORANGE, width=1.5), connect="pairs")
        self.root_risers = pg.PlotDataItem(pen=pg.mkPen(ORANGE, width=1, style=dash),
                                           connect="pairs")
        self.root_points = pg.ScatterPlotItem(size=8, brush=pg.mkBrush(*ORANGE), pen=None)
        self.gd_path = pg.PlotDataItem(pen=pg.mkPen(GD, width=1.5), symbol="s", symbolSize=6,
                                       symbolBrush=pg.mkBrush(*GD), symbolPen=None,
                                       name="gradient descent")
        for item in (self.root_tangents, self.root_risers, self.root_points, self.gd_path):
            self.top.addItem(item)
        self.legend.addItem(self.root_points, "Newton on f (roots)")
        self.min_tangents = pg.PlotDataItem(pen=pg.mkPen(BLUE, width=1.5), connect="pairs")
        self.min_risers = pg.PlotDataItem(pen=pg.mkPen(BLUE, width=1, style=dash),
                                          connect="pairs")
        self.min_points = pg.ScatterPlotItem(size=8, brush=pg.mkBrush(*BLUE), pen=None)
        for item in (self.min_tangents, self.min_risers, self.min_points):
            self.bottom.addItem(item)
        self.bottom_legend.addItem(self.min_points, "Newton on f' (minimum)")
        self.info = QLabel(objectName="newton_info", wordWrap=True)
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.info)
        self._domain: tuple[float, float] | None = None

    def on_session(self, session: Any) -> None:
        if session is None or "newton" not in session.trainer.probes:
            self.set_message("The Newton view needs the 'Newton vs gradient descent' task.")

    def _set_ranges(self, p: dict) -> None:
        """Fix the axes to the domain and the curves' extent (iterates may fly off)."""
        domain = p["domain"]
        if domain == self._domain:
            return
        self._domain = domain
        self.top.setXRange(*domain, padding=0.02)
        for plot, values in ((self.top, p["curves"]["f"]), (self.bottom, p["curves"]["df"])):
            lo, hi = float(np.min(values)), float(np.max(values))
            lo, hi = min(lo, 0.0), max(hi, 0.0)
            pad = 0.08 * (hi - lo or 1.0)
            plot.setYRange(lo - pad, hi + pad, padding=0)

    def draw(self, snapshot: Any) -> None:
        p = self.take(self.payload(snapshot, "newton"))
        if p is None:
            return
        self._set_ranges(p)
        c, w = p["curves"], p["walkers"]
        self.f_curve.setData(c["x"], c["f"])
        self.df_curve.setData(c["x"], c["df"])
        root, minimum, gd = w["root"], w["minimum"], w["gd"]
        tx, ty, rx, ry = tangent_segments(root["x"], root["f"])
        self.root_tangents.setData(tx, ty)
        self.root_risers.setData(rx, ry)
        self.root_points.setData(root["x"][:MAX_TANGENTS + 1], root["f"][:MAX_TANGENTS + 1])
        tx, ty, rx, ry = tangent_segments(minimum["x"], minimum["slope"])
        self.min_tangents.setData(tx, ty)
        self.min_risers.setData(rx, ry)
        self.min_points.setData(minimum["x"][:MAX_TANGENTS + 1],
                                minimum["slope"][:MAX_TANGENTS + 1])
        self.gd_path.setData(gd["x"], gd["f"])
        self.info.setText("<br>".join(iterates_text(v["label"], v["x"], v["diverged"])
                                      for v in (root, minimum, gd)))


if __name__ == "__main__":
    from ui.views.preview import preview
    preview("newton", "newton")
