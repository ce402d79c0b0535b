"""Search view: grid search and random search side by side, each best configuration marked.

Above, every configuration's score against the first hyperparameter searched
(grid as squares, random as circles, each method's best ringed); below, the
two tables, one row per configuration in the order they ran, the best row in
bold on a highlight. Rows not trained yet show a dash.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from ui.views.base import StatusLine, View
from ui.views.colors import BLUE, ORANGE
from ui.views.plotting import legend_colors, plot_widget, theme

METHOD_STYLE = {"grid": (BLUE, "s", "Grid search"), "random": (ORANGE, "o", "Random search")}
#: Highlight of the best row (a pale gold).
BEST = QColor(255, 236, 170)


def fmt_value(name: str, value: float) -> str:
    """A hyperparameter as a user typed it: 30 for batch sizes, 0.0123 for rates."""
    if math.isnan(value):
        return ""
    if name in ("batch_size", "epochs"):
        return str(int(value))
    return f"{value:.3g}"


class SearchView(View):
    """Scores of every configuration, and the two tables with their best rows."""

    view_id = "search"
    title = "Hyperparameter search"
    frame_ms = 150  # the tables change once per trained configuration

    def __init__(self, parent=None):
        super().__init__(parent)
        _, fg = theme(self)
        self.plot_widget = plot_widget(self)
        self.plot = self.plot_widget.getPlotItem()
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        brush, pen = legend_colors(self)
        self.legend = self.plot.addLegend(offset=(-8, -8), labelTextColor=fg, brush=brush,
                                          pen=pen)
        self.points: dict[str, pg.ScatterPlotItem] = {}
        self.rings: dict[str, pg.ScatterPlotItem] = {}
        for method, (color, symbol, label) in METHOD_STYLE.items():
            points = pg.ScatterPlotItem(size=10, symbol=symbol, brush=pg.mkBrush(*color, 200),
                                        pen=pg.mkPen(None))
            ring = pg.ScatterPlotItem(size=22, symbol="o", brush=pg.mkBrush(None),
                                      pen=pg.mkPen(color, width=2.5))
            self.plot.addItem(points)
            self.plot.addItem(ring)
            self.legend.addItem(points, label)
            self.points[method], self.rings[method] = points, ring
        self.legend.addItem(pg.ScatterPlotItem(size=14, symbol="o", brush=pg.mkBrush(None),
                                               pen=pg.mkPen(fg, width=2)), "best of each")
        self.tables: dict[str, QTableWidget] = {}
        boxes = QHBoxLayout()
        for method, (_, _, label) in METHOD_STYLE.items():
            box = QGroupBox(label)
            table = QTableWidget(0, 0, objectName=f"search_{method}")
            table.verticalHeader().setVisible(False)
            table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
            table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
            inner = QVBoxLayout(box)
            inner.setContentsMargins(4, 4, 4, 4)
            inner.addWidget(table)
            boxes.addWidget(box)
            self.tables[method] = table
        self.info = StatusLine()
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.plot_widget, 3)
        layout.addLayout(boxes, 2)
        layout.addWidget(self.info)

    def on_session(self, session: Any) -> None:
        if session is None or "search" not in session.trainer.probes:
            self.set_message("The search view needs the 'Hyperparameter search' task.")

    def draw(self, snapshot: Any) -> None:
        p = self.take(self.payload(snapshot, "search"))
        if p is None:
            return
        metric = p["metric"]
        first = next((t["names"][0] for t in p["tables"].values() if t["names"]), "")
        self.plot.setLabel("bottom", first.replace("_", " "))
        self.plot.setLabel("left", metric.replace("_", " "))
        for method, table in p["tables"].items():
            self._fill(self.tables[method], table, metric)
            self._plot(method, table, first)
        best = [(m, t) for m, t in p["tables"].items() if t["best"] is not None]
        words = [f"{METHOD_STYLE[m][2].lower()} best {t['scores'][t['best']]:.4g}" for m, t in best]
        self.info.setText(f"{p['done']} of {p['total']} configurations trained"
                          + (": " + ", ".join(words) if words else "")
                          + f" ({metric}, {'higher' if p['mode'] == 'max' else 'lower'} is "
                          "better)")

    def _plot(self, method: str, table: dict, first: str) -> None:
        if first not in table["names"]:
            self.points[method].clear()
            self.rings[method].clear()
            return
        xs = table["rows"][:, table["names"].index(first)]
        ys = table["scores"]
        done = np.isfinite(ys)
        self.points[method].setData(xs[done], ys[done])
        k = table["best"]
        self.rings[method].setData([xs[k]], [ys[k]]) if k is not None else \
            self.rings[method].clear()

    @staticmethod
    def _fill(widget: QTableWidget, table: dict, metric: str) -> None:
        names, rows, scores = table["names"], table["rows"], table["scores"]
        # One word a line and no row-number column: two tables side by side in a dock of
        # some 310 px (1366x768) leave each column about 65 px. Rows are in training order.
        headers = [*(n.replace("_", "\n") for n in names), metric.replace("_", "\n")]
        if widget.columnCount() != len(headers):
            widget.setColumnCount(len(headers))
            widget.setHorizontalHeaderLabels(headers)
            for c, name in enumerate([*names, metric]):
                widget.horizontalHeaderItem(c).setToolTip(name)
        widget.setRowCount(len(rows))
        bold = QFont(widget.font())
        bold.setBold(True)
        for r in range(len(rows)):
            cells = [*(fmt_value(n, v) for n, v in zip(names, rows[r])),
                     "–" if math.isnan(scores[r]) else f"{scores[r]:.4g}"]
            best = r == table["best"]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if best:
                    item.setFont(bold)
                    item.setBackground(QBrush(BEST))
                    item.setForeground(QBrush(QColor(0, 0, 0)))
                widget.setItem(r, c, item)


if __name__ == "__main__":
    from ui.views.preview import preview
    preview("search", "search")
