"""Error-histogram view: an autoencoder's reconstruction errors, one histogram per class.

ldl's Fig 17-5: how badly the network rebuilds each test image, digits in
one colour and images that are not digits in another, with a threshold line:
everything to its right is called an outlier. Drag the line to move the
threshold; the line below says what share of each group it flags.
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


def flagged_text(groups: dict[str, np.ndarray], threshold: float) -> str:
    """The flagged share of each group, as one sentence.

    For example ``Threshold 0.12 flags 97% of 'not a digit' (520), 3% of 'digit' (540).``
    """
    parts = [f"{100.0 * float(np.mean(errors > threshold)):.0f}% of '{name}' ({len(errors)})"
             for name, errors in groups.items() if len(errors)]
    return f"Threshold {threshold:.3g} flags " + ", ".join(parts) + "."


class ErrorsView(View):
    """Per-class histograms of per-sample reconstruction error, with a movable threshold."""

    view_id = "errors"
    title = "Reconstruction errors"

    def __init__(self, parent=None):
        super().__init__(parent)
        _, fg = theme(self)
        self.plot_widget = plot_widget(self, x="mean absolute error per sample", y="samples")
        self.plot = self.plot_widget.getPlotItem()
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        brush, pen = legend_colors(self)
        self.legend = self.plot.addLegend(offset=(-8, 8), labelTextColor=fg, brush=brush,
                                          pen=pen)
        self.curves: dict[str, pg.PlotCurveItem] = {}
        self.threshold_line = pg.InfiniteLine(angle=90, movable=True,
                                              pen=pg.mkPen(fg, width=2,
                                                           style=Qt.PenStyle.DashLine),
                                              hoverPen=pg.mkPen(fg, width=3))
        self.threshold_line.setZValue(10)
        self.threshold_line.sigPositionChanged.connect(self._moved)
        self.plot.addItem(self.threshold_line)
        self.info = StatusLine(lines=2)
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.plot_widget, 1)
        layout.addWidget(self.info)
        self._groups: dict[str, np.ndarray] = {}
        self._user_threshold = False
        self._setting = False

    def on_session(self, session: Any) -> None:
        self._user_threshold = False
        if session is None or "errors" not in session.trainer.probes:
            self.set_message("The error histogram needs an autoencoder.")

    def _curve(self, name: str) -> pg.PlotCurveItem:
        if name not in self.curves:
            color = line_color(len(self.curves))
            curve = pg.PlotCurveItem([0, 1], [0], stepMode="center", fillLevel=0,
                                     brush=pg.mkBrush(*color, 90), pen=pg.mkPen(color, width=2))
            self.plot.addItem(curve)
            self.legend.addItem(curve, name)
            self.curves[name] = curve
        return self.curves[name]

    def draw(self, snapshot: Any) -> None:
        p = self.take(self.payload(snapshot, "errors"))
        if p is None:
            return
        edges = p["edges"]
        self._groups = p["groups"]
        for name, errors in self._groups.items():
            self._curve(name).setData(edges, np.histogram(errors, edges)[0])
        if not self._user_threshold:
            self._setting = True
            self.threshold_line.setValue(p["threshold"])
            self._setting = False
        self.threshold_line.setToolTip(f"Drag to move the threshold (starts at the "
                                       f"{p['percentile']:g}th percentile of the training "
                                       "errors)")
        self.plot.setXRange(float(edges[0]), float(edges[-1]), padding=0.02)
        self._show_text()

    def _moved(self) -> None:
        if not self._setting:
            self._user_threshold = True
        self._show_text()

    def _show_text(self) -> None:
        if self._groups:
            self.info.setText(flagged_text(self._groups, float(self.threshold_line.value())))


if __name__ == "__main__":
    from ui.views.preview import preview
    preview("errors", "outliers")
