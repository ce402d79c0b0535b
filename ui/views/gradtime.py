"""Gradient-through-time view: how much the loss reaches back to each step of a sequence.

One line: for each time step t, the size of d loss / d input at t, on a fixed
batch, in log scale. A plain RNN's line falls steeply towards t = 0 (the
gradient vanishes on its way back through time); an LSTM's stays level (the
constant error carousel of ldl ch10). The previous runs' lines stay in grey,
so running the RNN and then the LSTM puts both on one chart.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout

from ui.views.base import StatusLine, View
from ui.views.colors import BLUE, line_color
from ui.views.plotting import legend_colors, plot_widget, theme

#: Earlier runs kept as grey lines.
KEPT = 4


def ratio_text(norms: np.ndarray) -> str:
    """``first step / last step: 3.2e-05`` (how much of the gradient survives)."""
    last = float(norms[-1])
    ratio = float(norms[0]) / last if last > 0 else float("nan")
    return (f"Gradient at the first step / at the last step: {ratio:.3g} "
            f"({len(norms)} steps)")


class GradTimeView(View):
    """|d loss / d x_t| against t, log scale, with earlier runs in grey."""

    view_id = "gradtime"
    title = "Gradient through time"

    def __init__(self, parent=None):
        super().__init__(parent)
        _, fg = theme(self)
        self.plot_widget = plot_widget(self, x="time step t (0 = first)",
                                       y="|d loss / d input at t|", log_y=True)
        self.plot = self.plot_widget.getPlotItem()
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        brush, pen = legend_colors(self)
        self.legend = self.plot.addLegend(offset=(-8, 8), labelTextColor=fg, brush=brush,
                                          pen=pen)
        self.earlier: list[pg.PlotDataItem] = []
        self.line = self.plot.plot([], [], pen=pg.mkPen(BLUE, width=2.5), symbol="o",
                                   symbolSize=4, symbolBrush=pg.mkBrush(*BLUE),
                                   symbolPen=None, name="this run")
        self.info = StatusLine()
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.plot_widget, 1)
        layout.addWidget(self.info)
        self._runs = 0
        self._current: tuple[np.ndarray, np.ndarray] | None = None  # (steps, norms) drawn
        self._trained = False  # the drawn line is of a model that trained (kept for later)

    def on_session(self, session: Any) -> None:
        if self._current is not None and not self._trained:  # an untrained model's line
            self.line.setData([], [])
            self._current = None
        if self._current is not None:  # keep the finished run's line for comparison
            self._runs += 1
            color = line_color(len(self.earlier) + 1)
            old = self.plot.plot(*self._current, pen=pg.mkPen(*color, 160, width=1.5),
                                 name=f"run {self._runs}")
            self.earlier.append(old)
            if len(self.earlier) > KEPT:
                gone = self.earlier.pop(0)
                self.legend.removeItem(gone)
                self.plot.removeItem(gone)
            self.line.setData([], [])
            self._current = None
        if session is None or "gradtime" not in session.trainer.probes:
            self.set_message("The gradient-through-time view needs a network reading "
                             "sequences (N, steps, features) in a supervised task.")

    def draw(self, snapshot: Any) -> None:
        p = self.take(self.payload(snapshot, "gradtime"))
        if p is None:
            return
        norms = np.maximum(p["norms"], 1e-30)  # log scale: no zeros
        self.line.setData(p["steps"], norms)
        self._current = (p["steps"], norms)
        self._trained = snapshot.step > 0
        self.info.setText(ratio_text(p["norms"]) + f" · {p['count']} {p['split']} sequences")


if __name__ == "__main__":
    from ui.views.preview import preview
    preview("gradtime", "memory")
