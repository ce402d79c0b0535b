"""Loss and metric curves of the current run, with earlier runs overlaid.

:class:`RunHistory` keeps finished runs' histories under a name and a colour;
the main window adds one at the end of each run (or one per side-by-side
variant of a preset). The view draws the current run's train / validation /
test curves in full colour and every stored run's thinner, in its colour.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QVBoxLayout

from playground.events import Signal
from ui.views.base import View, plot_widget, theme
from ui.views.colors import BLUE, ORANGE, line_color

SPLIT_STYLE = {"train": (BLUE, Qt.PenStyle.SolidLine), "val": (ORANGE, Qt.PenStyle.SolidLine),
               "test": ((44, 160, 44), Qt.PenStyle.DashLine)}
#: Preferred metric per task, first match wins.
METRIC_ORDER = ("accuracy", "r2", "mse", "f1", "mae", "precision", "recall")


@dataclass
class Run:
    """A finished run: ``history`` is ``Snapshot.history`` (name -> (x, y) arrays)."""

    name: str
    history: dict
    color: tuple


class RunHistory:
    """Named earlier runs for overlays (plain Python; ``changed`` fires on every change).

    Parameters
    ----------
    capacity : int
        Runs kept; adding more drops the oldest.
    """

    def __init__(self, capacity: int = 12):
        self.capacity = capacity
        self._runs: dict[str, Run] = {}
        self._count = 0
        self.changed = Signal()

    def add_run(self, name: str, history: dict, color: tuple | None = None) -> Run:
        """Store (or replace) run ``name``; the colour defaults to the next distinct one."""
        if color is None:
            color = line_color(self._count + 2)  # skip the current run's blue and orange
        self._count += 1
        self._runs.pop(name, None)
        run = Run(name, {k: (np.asarray(x), np.asarray(y)) for k, (x, y) in history.items()},
                  tuple(color))
        self._runs[name] = run
        while len(self._runs) > self.capacity:
            self._runs.pop(next(iter(self._runs)))
        self.changed.emit()
        return run

    def remove(self, name: str) -> None:
        """Forget run ``name`` (no error if absent)."""
        if self._runs.pop(name, None) is not None:
            self.changed.emit()

    def clear(self) -> None:
        """Forget every run."""
        self._runs.clear()
        self.changed.emit()

    def runs(self) -> list[Run]:
        """Stored runs, oldest first."""
        return list(self._runs.values())

    def __len__(self) -> int:
        return len(self._runs)


def metric_names(history: dict) -> list[str]:
    """Metric base names present as ``<split>_<name>`` (loss excluded), preferred first."""
    names = {k.split("_", 1)[1] for k in history
             if "_" in k and k.split("_", 1)[0] in SPLIT_STYLE and not k.endswith("_loss")}
    return sorted(names, key=lambda n: (METRIC_ORDER.index(n) if n in METRIC_ORDER else 99, n))


def loss_series(history: dict) -> list[str]:
    """Series drawn on the loss plot: the training loss (epoch means of the batch losses,
    else the evaluated one), then the validation and test losses."""
    out = ["loss"] if "loss" in history else (["train_loss"] if "train_loss" in history else [])
    return out + [k for k in ("val_loss", "test_loss") if k in history]


class CurvesView(View):
    """Loss curves (left) and a chosen metric (right), log-scale toggle, earlier runs."""

    view_id = "curves"
    title = "Curves"

    def __init__(self, parent=None, runs: RunHistory | None = None):
        super().__init__(parent)
        self.loss_widget = plot_widget(self, title="loss", x="epoch")
        self.metric_widget = plot_widget(self, title="metric", x="epoch")
        _, fg = theme(self)
        self.loss_plot = self.loss_widget.getPlotItem()
        self.metric_plot = self.metric_widget.getPlotItem()
        for plot in (self.loss_plot, self.metric_plot):
            plot.showGrid(x=True, y=True, alpha=0.2)
            plot.addLegend(offset=(-6, 6), labelTextColor=fg, brush=pg.mkBrush(255, 255, 255, 180))
        self.log_scale = QCheckBox("Log scale")
        self.log_scale.toggled.connect(self._set_log)
        self.metric_box = QComboBox()
        self.metric_box.activated.connect(lambda *_: self._redraw())
        row = QHBoxLayout()
        row.addWidget(self.log_scale)
        row.addStretch(1)
        row.addWidget(QLabel("Metric"))
        row.addWidget(self.metric_box)
        plots = QHBoxLayout()
        plots.addWidget(self.loss_widget)
        plots.addWidget(self.metric_widget)
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(row)
        layout.addLayout(plots, 1)
        self.items: dict[tuple, pg.PlotDataItem] = {}
        self.history: dict = {}
        self.runs = runs if runs is not None else RunHistory()
        self.runs.changed.connect(self._redraw)

    def set_run_history(self, runs: RunHistory) -> None:
        """Overlay the runs of ``runs`` (e.g. one store shared by the main window)."""
        self.runs.changed.disconnect(self._redraw)
        self.runs = runs
        runs.changed.connect(self._redraw)
        self._redraw()

    def on_session(self, session: Any) -> None:
        self.history = {}
        self._redraw()

    def draw(self, snapshot: Any) -> None:
        self.set_message(None)
        self.history = snapshot.history
        self._redraw()

    def _set_log(self, on: bool) -> None:
        self.loss_plot.setLogMode(y=on)
        self.metric_plot.setLogMode(y=on)

    def _item(self, plot: pg.PlotItem, key: tuple, name: str, color: tuple, width: float,
              style: Qt.PenStyle) -> pg.PlotDataItem:
        item = self.items.get(key)
        if item is None:
            item = plot.plot([], [], name=name)
            item.setDownsampling(auto=True, method="peak")
            item.setClipToView(True)
            self.items[key] = item
        item.setPen(pg.mkPen(color, width=width, style=style))
        return item

    def _redraw(self) -> None:
        sources = [(None, self.history)] + [(run, run.history) for run in self.runs.runs()]
        metrics = []
        for _, history in sources:
            metrics += [m for m in metric_names(history) if m not in metrics]
        current = self.metric_box.currentText()
        if [self.metric_box.itemText(i) for i in range(self.metric_box.count())] != metrics:
            self.metric_box.clear()
            self.metric_box.addItems(metrics)
            if current in metrics:
                self.metric_box.setCurrentText(current)
        metric = self.metric_box.currentText()
        self.set_title(self.metric_plot, metric or "metric")
        wanted = set()
        for run, history in sources:
            prefix = "" if run is None else f"{run.name}: "
            for i, name in enumerate(loss_series(history)):
                label = prefix + ("train_loss (batches)" if name == "loss" else name)
                wanted.add(self._series(self.loss_plot, run, name, label, history, i))
            for split in SPLIT_STYLE:
                key = f"{split}_{metric}"
                if key in history:
                    wanted.add(self._series(self.metric_plot, run, key, prefix + key, history,
                                            list(SPLIT_STYLE).index(split)))
        for key in [k for k in self.items if k not in wanted]:
            item = self.items.pop(key)
            key[0].removeItem(item)

    def _series(self, plot: pg.PlotItem, run: Run | None, name: str, label: str,
                history: dict, index: int) -> tuple:
        split = "train" if name == "loss" else name.split("_", 1)[0]
        if run is None:
            color, style = SPLIT_STYLE.get(split, (line_color(index), Qt.PenStyle.SolidLine))
            width = 2.2
        else:
            color, width = run.color, 1.3
            style = SPLIT_STYLE.get(split, (None, Qt.PenStyle.SolidLine))[1]
            if split == "val":
                style = Qt.PenStyle.DotLine
        key = (plot, None if run is None else run.name, name)
        x, y = history[name]
        self._item(plot, key, label, color, width, style).setData(x, y)
        return key


if __name__ == "__main__":
    from ui.views.preview import preview
    preview("curves", "spiral")
