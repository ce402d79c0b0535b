"""Sweep view: a task's curves against the quantity it sweeps (dlpi's Fig 2.2 learning curve).

Each series a line (dashed where the task says so), log axes when asked,
horizontal reference lines (the Bayes error) and a legend; points not run yet
are left out, so the curves grow as the sweep goes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout

from ui.views.base import StatusLine, View
from ui.views.colors import line_color
from ui.views.plotting import legend_colors, plot_widget, theme


class SweepView(View):
    """Lines of y against the swept x, with reference levels."""

    view_id = "sweep"
    title = "Sweep"

    def __init__(self, parent=None):
        super().__init__(parent)
        _, self.fg = theme(self)
        self.plot_widget = plot_widget(self)
        self.plot = self.plot_widget.getPlotItem()
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        brush, pen = legend_colors(self)
        self.legend = self.plot.addLegend(offset=(-8, 8), labelTextColor=self.fg, brush=brush,
                                          pen=pen)
        self.lines: dict[str, pg.PlotDataItem] = {}
        self.references: dict[str, pg.InfiniteLine] = {}
        self.info = StatusLine()
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.plot_widget, 1)
        layout.addWidget(self.info)
        self._axes: tuple | None = None

    def on_session(self, session: Any) -> None:
        if session is None or "sweep" not in session.trainer.probes:
            self.set_message("The sweep view needs a task that sweeps a quantity, such as "
                             "the learning curve.")

    def _line(self, name: str, dashed: bool) -> pg.PlotDataItem:
        if name not in self.lines:
            color = line_color(len(self.lines))
            style = Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine
            self.lines[name] = self.plot.plot([], [], pen=pg.mkPen(color, width=2, style=style),
                                              name=name)
        return self.lines[name]

    def draw(self, snapshot: Any) -> None:
        p = self.take(self.payload(snapshot, "sweep"))
        if p is None:
            return
        axes = (p["x_label"], p["y_label"], p["log_x"], p["log_y"])
        if axes != self._axes:
            self._axes = axes
            self.plot.setLabel("bottom", p["x_label"], color=self.fg)
            self.plot.setLabel("left", p["y_label"], color=self.fg)
            self.plot.setLogMode(x=p["log_x"], y=p["log_y"])
        x = np.asarray(p["x"], dtype=np.float64)
        texts = []
        for name, y in p["series"].items():
            y = np.asarray(y, dtype=np.float64)
            keep = np.isfinite(y) & ((y > 0) if p["log_y"] else True)
            self._line(name, name in p["dashed"]).setData(x[keep], y[keep])
            if keep.any():
                last = int(np.flatnonzero(keep)[-1])
                texts.append(f"{name} {y[last]:.3g} at {x[last]:g}")
        for name, value in p["references"].items():
            if name not in self.references:
                line = pg.InfiniteLine(angle=0, pen=pg.mkPen(self.fg, width=1,
                                                             style=Qt.PenStyle.DotLine),
                                       label=name, labelOpts={"position": 0.1,
                                                              "color": self.fg})
                self.plot.addItem(line)
                self.references[name] = line
            self.references[name].setValue(np.log10(value) if p["log_y"] else value)
            texts.append(f"{name} {value:.3g}")
        self.info.setText(" · ".join(texts))


if __name__ == "__main__":
    from ui.views.preview import preview
    preview("sweep", "overfitting")
