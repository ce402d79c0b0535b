"""Loss and metric curves of the current run, with earlier runs overlaid.

The current run's train / validation / test curves are drawn thick in the
split colours; every visible run of the :class:`~ui.views.runs.RunHistory`
is drawn thinner in its own colour (validation dotted), named in the legend
row above the plots. The Runs button hides, shows or deletes stored runs.
Each plot's legend sits above it, never over the curves.

A curve needs two epochs: until some series has two points (a run's first epoch, or a
run that is one epoch in all: a formula, an evaluation, a search whose configurations
train inside its one step) a centred note says why there is nothing to plot, instead
of a lone dot on empty axes.

A GAN's history has each network's loss (``train_batch_d_loss`` and
``train_batch_g_loss``): the loss plot draws the two instead of the combined
loss, and the metric plot offers D(real) against D(fake) (0.5 is the
equilibrium) beside D's accuracy.

Drawing is cheap by construction: one persistent ``PlotDataItem`` per series
(only ``setData``, pens set once), peak downsampling and clipping for long
curves, ranges that change rarely (:class:`~ui.views.ranges.FollowRange`) and
axes, title and legend cached as pixmaps, so a frame repaints the curves only.
"""

from __future__ import annotations

from html import escape
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ui.views.base import View
from ui.views.colors import BLUE, ORANGE, line_color
from ui.views.labels import legend_row
from ui.views.plotting import (
    DecadeLogAxis,
    cache_static,
    cache_tree,
    layout_widget,
    legend_colors,
    style_plot,
    theme,
)
from ui.views.ranges import FollowRange, finite_bounds
from ui.views.runs import Run, RunHistory, RunsLink

__all__ = ["CurvesView", "Run", "RunHistory", "loss_series", "metric_names"]

SPLIT_STYLE = {"train": (BLUE, Qt.PenStyle.SolidLine), "val": (ORANGE, Qt.PenStyle.SolidLine),
               "test": ((44, 160, 44), Qt.PenStyle.DashLine)}
#: Preferred metric per task, first match wins.
METRIC_ORDER = ("accuracy", "r2", "mse", "f1", "mae", "precision", "recall")
#: Pen widths: the current run's solid curves, and everything else. Wider dashed or dotted
#: pens are stroked as paths by Qt, many times slower than 1-pixel ones.
CURRENT_WIDTH, OVERLAY_WIDTH = 2.0, 1.0
#: A two-network task's losses (GANs), drawn instead of the combined "loss": key -> label.
NETWORK_LOSSES = {"train_batch_d_loss": "D loss", "train_batch_g_loss": "G loss"}
#: Metrics drawn together under one name in the Metric box: name -> ((base name, label), ...).
METRIC_GROUPS = {"D(real), D(fake)": (("d_real", "D(real)"), ("d_fake", "D(fake)"))}
#: Series of a pair told apart by colour in the current run and by dashes in earlier runs:
#: key -> (colour, is the second of its pair).
PAIRED = {"train_batch_d_loss": (BLUE, False), "train_batch_g_loss": (ORANGE, True),
          "train_d_real": (BLUE, False), "train_d_fake": (ORANGE, True)}


def metric_names(history: dict) -> list[str]:
    """Metric base names present as ``<split>_<name>`` (loss excluded), preferred first;
    a group of :data:`METRIC_GROUPS` replaces its members, first of all."""
    names = {k.split("_", 1)[1] for k in history
             if "_" in k and k.split("_", 1)[0] in SPLIT_STYLE and not k.endswith("_loss")}
    groups = [g for g, members in METRIC_GROUPS.items() if all(m in names for m, _ in members)]
    for group in groups:
        names -= {m for m, _ in METRIC_GROUPS[group]}
    return groups + sorted(names, key=lambda n: (METRIC_ORDER.index(n) if n in METRIC_ORDER
                                                 else 99, n))


def metric_series(history: dict, metric: str) -> list[tuple[str, str]]:
    """(history key, legend label) of the series drawn for ``metric`` (a metric's train,
    validation and test series, or a group's members)."""
    if metric in METRIC_GROUPS:
        return [(f"train_{m}", label) for m, label in METRIC_GROUPS[metric]
                if f"train_{m}" in history]
    return [(f"{split}_{metric}", f"{split}_{metric}") for split in SPLIT_STYLE
            if f"{split}_{metric}" in history]


def loss_series(history: dict) -> list[str]:
    """Series drawn on the loss plot: each network's loss for a GAN; else the training
    loss (epoch means of the batch losses, else the evaluated one), then the validation
    and test losses."""
    if all(k in history for k in NETWORK_LOSSES):
        return list(NETWORK_LOSSES)
    out = ["loss"] if "loss" in history else (["train_loss"] if "train_loss" in history else [])
    return out + [k for k in ("val_loss", "test_loss") if k in history]


def drawable(history: dict) -> list[str]:
    """Every series of ``history`` the plots can draw: the loss series and the series of
    every metric (whichever the Metric box shows)."""
    return loss_series(history) + [key for metric in metric_names(history)
                                   for key, _ in metric_series(history, metric)]


def loss_label(name: str) -> str:
    """The legend's name of loss series ``name``."""
    return NETWORK_LOSSES.get(name, "train_loss (batches)" if name == "loss" else name)


def pen_style(run: Run | None, name: str, index: int) -> tuple:
    """(colour, width, Qt pen style) of series ``name`` of ``run`` (None: the current run)."""
    split = "train" if name == "loss" else name.split("_", 1)[0]
    if name in PAIRED:
        color, second = PAIRED[name]
        if run is None:
            return tuple(color), CURRENT_WIDTH, Qt.PenStyle.SolidLine
        return tuple(run.color), OVERLAY_WIDTH, \
            Qt.PenStyle.DashLine if second else Qt.PenStyle.SolidLine
    if run is None:
        color, style = SPLIT_STYLE.get(split, (line_color(index), Qt.PenStyle.SolidLine))
        width = CURRENT_WIDTH if style == Qt.PenStyle.SolidLine else OVERLAY_WIDTH
        return tuple(color), width, style
    style = {"val": Qt.PenStyle.DotLine, "test": Qt.PenStyle.DashLine}.get(
        split, Qt.PenStyle.SolidLine)
    return tuple(run.color), OVERLAY_WIDTH * (1.3 if style == Qt.PenStyle.SolidLine else 1), \
        style


class CurvesView(View):
    """Loss curves (left) and a chosen metric (right), log-scale toggle, earlier runs.

    Attributes
    ----------
    items : dict
        (plot, run name or None, series) -> its persistent PlotDataItem.
    created : int
        PlotDataItems created so far (a redraw reuses them; tests read this).
    redraws : int
        Redraws so far.
    """

    view_id = "curves"
    title = "Curves"
    frame_ms = 150  # curves change slowly: six or seven frames a second are plenty

    def __init__(self, parent=None, runs: RunHistory | None = None):
        super().__init__(parent)
        _, fg = theme(self)
        brush, pen = legend_colors(self)
        self.loss_widget = layout_widget(self)
        self.metric_widget = layout_widget(self)
        self.ranges: dict[Any, FollowRange] = {}
        self.legends: dict[Any, pg.LegendItem] = {}
        plots = []
        for widget in (self.loss_widget, self.metric_widget):
            # The log scale (a checkbox) labels the powers of ten only.
            plot = style_plot(pg.PlotItem(axisItems={"left": DecadeLogAxis("left")}), fg,
                              x="epoch")
            plot.showGrid(x=True, y=True, alpha=0.2)
            # The legend names every series (no y label needed); it sits above the plot, or
            # beside a short wide one: inside, it hid the curves it named.
            self.legends[plot] = legend_row(widget.ci, plot, fg, brush=brush, pen=pen,
                                            beside_when=2.6)
            widget.ci.addItem(plot, row=1, col=0)
            cache_static(plot, self.legends[plot])
            self.ranges[plot] = FollowRange(plot)
            plots.append(plot)
        self.loss_plot, self.metric_plot = plots
        self.equilibrium = pg.InfiniteLine(0.5, angle=0, pen=pg.mkPen(
            fg, width=1, style=Qt.PenStyle.DotLine))
        self.equilibrium.setVisible(False)
        self.metric_plot.addItem(self.equilibrium, ignoreBounds=True)
        self.log_scale = QCheckBox("Log scale")
        self.log_scale.toggled.connect(self._set_log)
        self.metric_box = QComboBox()
        self.metric_box.activated.connect(lambda *_: self._metric_chosen())
        self.runs_button = QToolButton(text="Runs", objectName="runs_button")
        self.runs_button.setToolTip("Earlier runs overlaid on the current one: show, hide "
                                    "or delete them")
        self.runs_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.runs_menu = QMenu(self.runs_button)
        self.runs_menu.aboutToShow.connect(self._fill_runs_menu)
        self.runs_button.setMenu(self.runs_menu)
        self.runs_legend = QLabel(objectName="runs_legend", wordWrap=True)
        # Ignored width: a long list of runs wraps, it never widens the dock.
        self.runs_legend.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        row = QHBoxLayout()
        row.addWidget(self.log_scale)
        row.addWidget(self.runs_button)
        row.addWidget(self.runs_legend, 1)
        self.metric_label = QLabel("Metric")
        row.addWidget(self.metric_label)
        row.addWidget(self.metric_box)
        self.plots = QWidget()
        pair = QHBoxLayout(self.plots)
        pair.setContentsMargins(0, 0, 0, 0)
        pair.addWidget(self.loss_widget, 1)
        pair.addWidget(self.metric_widget, 1)
        # Fewer than two points in every series: a note instead of a lone dot.
        self.note = QLabel()
        self.note.setObjectName("curves_note")
        self.note.setWordWrap(True)
        self.note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.note.setStyleSheet("color: palette(placeholder-text);")
        self.note.setMargin(24)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.plots)
        self.pages.addWidget(self.note)
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(row)
        layout.addWidget(self.pages, 1)
        self.items: dict[tuple, pg.PlotDataItem] = {}
        self._styles: dict[tuple, tuple] = {}
        self._sources: dict[tuple, Any] = {}
        self.created = 0
        self.redraws = 0
        self.history: dict = {}
        self._metric_title: str | None = None
        self._tight = False
        self._link = RunsLink(self, "_on_runs_changed")
        self.runs = runs if runs is not None else RunHistory()
        self._link.attach(self.runs)
        self._on_runs_changed()

    def set_run_history(self, runs: RunHistory) -> None:
        """Overlay the runs of ``runs`` (e.g. one store shared by the main window)."""
        self.runs = runs
        self._link.attach(runs)
        self._on_runs_changed()

    def on_session(self, session: Any) -> None:
        self.history = {}
        self._redraw()

    def draw(self, snapshot: Any) -> None:
        self.set_message(None)
        self.history = snapshot.history
        self._tight = snapshot.state != "running"  # an ended run needs no room to grow
        self._redraw()

    # -- runs ------------------------------------------------------------------------------
    def _on_runs_changed(self) -> None:
        stored = self.runs.runs()
        self.runs_button.setText(f"Runs ({len(stored)})" if stored else "Runs")
        self.runs_button.setEnabled(bool(stored))
        shown = self.runs.overlays()
        parts = [f"<span style='color: rgb{tuple(r.color)};'>&#9632;</span>&nbsp;"
                 f"{escape(r.name)}" for r in shown]
        if self.runs.current is not None:  # stored, still drawn as the current run
            parts.append(f"<b>{escape(self.runs.current)}</b> (current)")
        self.runs_legend.setText("&nbsp;&nbsp; ".join(parts))
        self.runs_legend.setToolTip("<br>".join(
            f"<b>{escape(r.name)}</b>: {escape(r.label)}"
            + (f" ({escape(r.summary)})" if r.summary else "") for r in shown))
        self._redraw()

    def _fill_runs_menu(self) -> None:
        """The Runs menu: a check item per stored run (shown or hidden), then deletions."""
        menu = self.runs_menu
        menu.clear()
        runs = self.runs.runs()
        for run in runs:
            text = run.name if run.label in ("", run.name) else f"{run.name} — {run.label}"
            action = menu.addAction(text)
            action.setCheckable(True)
            action.setChecked(run.visible)
            action.setToolTip(run.summary)
            action.toggled.connect(lambda on, n=run.name: self.runs.set_visible(n, on))
        if runs:
            menu.addSeparator()
            delete = menu.addMenu("Delete")
            for run in runs:
                delete.addAction(run.name).triggered.connect(
                    lambda _=False, n=run.name: self.runs.remove(n))
            menu.addAction("Delete all").triggered.connect(lambda _=False: self.runs.clear())

    # -- drawing ---------------------------------------------------------------------------
    def _set_log(self, on: bool) -> None:
        for plot, follow in self.ranges.items():
            plot.setLogMode(y=on)
            follow.reset()
        self._redraw()

    def _metric_chosen(self) -> None:
        self.ranges[self.metric_plot].reset()
        self._redraw()

    def _redraw(self) -> None:
        self.redraws += 1
        sources = [(None, self.history)] + [(run, run.history) for run in self.runs.overlays()]
        metrics: list[str] = []
        for _, history in sources:
            metrics += [m for m in metric_names(history) if m not in metrics]
        current = self.metric_box.currentText()
        if [self.metric_box.itemText(i) for i in range(self.metric_box.count())] != metrics:
            self.metric_box.clear()
            self.metric_box.addItems(metrics)
            if current in metrics:
                self.metric_box.setCurrentText(current)
        metric = self.metric_box.currentText()
        if self.metric_widget.isHidden() == bool(metrics):  # (the plots page may be hidden)
            # Loss only (an optimizer race, a GAN before its first evaluation): no empty plot.
            for widget in (self.metric_widget, self.metric_box, self.metric_label):
                widget.setVisible(bool(metrics))
        if metric != self._metric_title:
            self._metric_title = metric
            self.equilibrium.setVisible(metric in METRIC_GROUPS)
        wanted: set[tuple] = set()
        for run, history in sources:
            for i, name in enumerate(loss_series(history)):
                wanted.add(self._series(self.loss_plot, run, name, loss_label(name), history,
                                        i))
            for i, (key, label) in enumerate(metric_series(history, metric)):
                wanted.add(self._series(self.metric_plot, run, key, label, history, i))
        for key in [k for k in self.items if k not in wanted]:
            item = self.items.pop(key)
            self._styles.pop(key, None)
            self._sources.pop(key, None)
            key[0].removeItem(item)
        for legend in self.legends.values():  # no empty legend box before the first point
            if legend.isVisible() != bool(legend.items):
                legend.setVisible(bool(legend.items))
        self._fit(wanted)
        points = [len(history[name][0]) for _, history in sources for name in drawable(history)]
        curves = any(n >= 2 for n in points)
        self.note.setText("" if curves else self.nothing_to_plot(started=any(points)))
        self.pages.setCurrentWidget(self.plots if curves else self.note)

    def nothing_to_plot(self, started: bool = True) -> str:
        """Why there is no curve yet: the run is one epoch in all, or not two epochs in
        (before the first one: how to start it)."""
        session = self.session
        if session is not None and session.trainer.config.epochs == 1:
            from playground.tasks import TASKS

            label = TASKS.get(session.project.task).label
            return (f"Nothing to plot as a curve: {label} runs as a single epoch, so each "
                    "of its numbers has one value. Its results are in the other views.")
        text = "Nothing to plot yet: the loss and metric curves start once two epochs are done."
        if not started:
            text += "\nPress Play (Space) to train, or Step (F10) for one batch at a time."
        return text

    def _series(self, plot: pg.PlotItem, run: Run | None, name: str, label: str,
                history: dict, index: int) -> tuple:
        key = (plot, None if run is None else run.name, name)
        item = self.items.get(key)
        if item is None:
            # Only the current run's series are named in the plot's legend; runs are named in
            # the legend row above the plots.
            item = pg.PlotDataItem([], [], name=label if run is None else None)
            item.setDownsampling(auto=True, method="peak")
            item.setClipToView(True)
            item.setZValue(1 if run is None else 0)
            plot.addItem(item)
            if run is None:
                cache_tree(self.legends[plot])
            self.items[key] = item
            self.created += 1
        style = pen_style(run, name, index)
        if self._styles.get(key) != style:
            color, width, dash = style
            item.setPen(pg.mkPen(color, width=width, style=dash))
            self._styles[key] = style
            if run is None:
                self.legends[plot].update()
        x, y = history[name]
        if self._sources.get(key) is not x:  # stored runs' arrays do not change: set once
            # A line needs two points: a single epoch's value shows as a dot.
            dot = len(x) == 1
            had_dot = item.opts["symbol"] is not None
            item.setData(x, y, symbol="o" if dot else None, symbolSize=7,
                         symbolBrush=item.opts["pen"].color() if dot else None,
                         symbolPen=None)
            self._sources[key] = x
            if dot != had_dot and run is None:  # the cached legend sample must redraw too
                for sample, _ in self.legends[plot].items:
                    sample.update()
        return key

    def _fit(self, keys: set[tuple]) -> None:
        """Follow the drawn data's bounds (log10 of the positive values in log mode)."""
        log = self.log_scale.isChecked()
        for plot, follow in self.ranges.items():
            xs, ys = [], []
            for key in keys:
                if key[0] is plot and self.items[key].isVisible():
                    x, y = self.items[key].getOriginalDataset()
                    if x is None or not len(x):
                        continue
                    y = np.asarray(y, dtype=float)
                    xs.append(np.asarray(x, dtype=float))
                    ys.append(np.log10(y[y > 0]) if log else y)
            follow.update(finite_bounds(xs), finite_bounds(ys), tight=self._tight)


if __name__ == "__main__":
    from ui.views.preview import preview
    preview("curves", "spiral")
