"""Seeds view: how a project's runs spread over many seeds (Train > Run seeds).

A book reports one run; this view shows K of them at once:

* the chosen curve of every seed as a thin line, their median, and the band
  between the 10th and 90th percentiles;
* the chosen check's final values as a histogram, with the book's number and
  the check's threshold marked, and "holds in 13/16 seeds";
* for 2-D data, the decision boundaries of the best, the median and the worst
  seed by that check, side by side.

It is fed a :class:`~playground.run.seeds.SeedsResult` by the main window when
the seeds plan ends (:meth:`SeedsView.show_seeds`), not by snapshots.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from playground.training.snapshot import Snapshot
from playground.training.states import RunState
from ui.views.base import View
from ui.views.boundary import BoundaryView
from ui.views.colors import line_color
from ui.views.plotting import layout_widget, style_plot, theme

#: Percentiles of the band around the median curve.
BAND = (10.0, 90.0)


def curve_band(histories: list[dict], series: str, grid_size: int = 200
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """(x, low, median, high) of ``series`` over the seeds, on a common x grid.

    Each seed's curve is interpolated onto the grid where it has data; a grid
    point counts the seeds that reach it (runs stopped early end sooner).
    """
    curves = [h[series] for h in histories if series in h and len(h[series][0])]
    if not curves:
        return None
    end = max(float(np.max(x)) for x, _ in curves)
    start = min(float(np.min(x)) for x, _ in curves)
    xs = np.linspace(start, end, grid_size) if end > start else np.array([start])
    ys = np.full((len(curves), len(xs)), np.nan)
    for row, (x, y) in zip(ys, curves):
        inside = xs <= float(np.max(x))
        row[inside] = np.interp(xs[inside], np.asarray(x, float), np.asarray(y, float))
    with np.errstate(all="ignore"):
        low, median, high = np.nanpercentile(ys, [BAND[0], 50.0, BAND[1]], axis=0)
    return xs, low, median, high


def ranked_seeds(values: list[float | None], higher_is_better: bool) -> list[int] | None:
    """Indices of the best, median and worst seed by ``values`` (None if none has one)."""
    known = [(v, i) for i, v in enumerate(values) if v is not None and np.isfinite(v)]
    if not known:
        return None
    order = [i for _, i in sorted(known, reverse=higher_is_better)]
    return [order[0], order[len(order) // 2], order[-1]]


def engine_line(result: Any) -> str:
    """How the seeds trained: "16 seeds trained as one batch in 6 s" or one after the
    other, with why."""
    count = len(result.runs)
    note = getattr(result, "engine_note", "")
    if getattr(result, "engine", "") == "batched":
        how = "as one batch (all copies in lockstep, batched matrix products)"
    else:
        how = "one after the other"
    return (f"{count} seed{'s' if count != 1 else ''} trained {how} in {result.seconds:.1f} s"
            + (f"; {note}" if note else ""))


class SeedsView(View):
    """Curves, final values and boundaries of many seeds of one project."""

    view_id = "seeds"
    title = "Seeds"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.result: Any = None
        self.series = QComboBox(objectName="seeds_series")
        self.check = QComboBox(objectName="seeds_check")
        self.series.activated.connect(lambda *_: self._draw_curves())
        self.check.activated.connect(lambda *_: self._draw_check())
        self.summary = QLabel(objectName="seeds_summary", wordWrap=True)
        self.engine = QLabel(objectName="seeds_engine", wordWrap=True)
        row = QHBoxLayout()
        row.addWidget(QLabel("Curve"))
        row.addWidget(self.series, 1)
        row.addWidget(QLabel("Check"))
        row.addWidget(self.check, 2)
        self.canvas = layout_widget(self)
        self.canvas.setMinimumHeight(170)  # the boundaries below must not squeeze the plots
        _, fg = theme(self)
        self.curves = style_plot(self.canvas.addPlot(row=0, col=0), fg, x="epoch")
        self.histogram = style_plot(self.canvas.addPlot(row=0, col=1), fg)
        self.boundaries = QWidget(objectName="seeds_boundaries")
        self.boundary_views: list[BoundaryView] = []
        self.boundary_labels: list[QLabel] = []
        grid = QGridLayout(self.boundaries)
        grid.setContentsMargins(0, 0, 0, 0)
        for col, name in enumerate(("best", "median", "worst")):
            view = BoundaryView(self.boundaries)
            view.show_scale.setChecked(False)  # a thumbnail: the plane only
            for control in view.findChildren(QCheckBox):
                control.hide()
            # Share the height with the plots above by stretch, not by a view's size hint.
            view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
            label = QLabel(name, objectName=f"seeds_boundary_{name}")
            grid.addWidget(label, 0, col)
            grid.addWidget(view, 1, col)
            self.boundary_views.append(view)
            self.boundary_labels.append(label)
        self.boundaries.hide()
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(row)
        layout.addWidget(self.engine)
        layout.addWidget(self.canvas, 2)
        layout.addWidget(self.summary)
        layout.addWidget(self.boundaries, 2)
        self.set_message("Train > Run seeds trains many seeds of this project and shows "
                         "their spread here.")

    def draw(self, snapshot: Any) -> None:
        """Snapshots do not feed this view (see :meth:`show_seeds`)."""

    # -- feeding -----------------------------------------------------------------------------
    def show_seeds(self, result: Any) -> None:
        """Show a :class:`~playground.run.seeds.SeedsResult`."""
        self.result = result
        self.set_message(None)
        self.engine.setText(engine_line(result))
        names = sorted({n for h in result.histories for n in h},
                       key=lambda n: (n != "loss", n))
        self._refill(self.series, names)
        self._refill(self.check, [f"{c.label} ({c.rule})" for c in result.checks])
        self._draw_curves()
        self._draw_check()

    @staticmethod
    def _refill(box: QComboBox, items: list[str]) -> None:
        current = box.currentText()
        box.clear()
        box.addItems(items)
        if current in items:
            box.setCurrentText(current)

    def _draw_curves(self) -> None:
        self.curves.clear()
        name = self.series.currentText()
        if self.result is None or not name:
            return
        self.set_title(self.curves, f"{name}: {len(self.result.histories)} seeds")
        for history in self.result.histories:
            if name in history:
                x, y = history[name]
                self.curves.plot(np.asarray(x), np.asarray(y),
                                 pen=pg.mkPen((*line_color(0), 60), width=1))
        band = curve_band(self.result.histories, name)
        if band is None:
            return
        xs, low, median, high = band
        lower = self.curves.plot(xs, low, pen=pg.mkPen(None))
        upper = self.curves.plot(xs, high, pen=pg.mkPen(None))
        self.curves.addItem(pg.FillBetweenItem(lower, upper, brush=(*line_color(0), 50)))
        self.curves.plot(xs, median, pen=pg.mkPen(line_color(0), width=2.5),
                         name="median")

    def _chosen(self) -> Any:
        index = self.check.currentIndex()
        checks = [] if self.result is None else self.result.checks
        return checks[index] if 0 <= index < len(checks) else None

    def _draw_check(self) -> None:
        self.histogram.clear()
        check = self._chosen()
        if check is None:
            self.summary.setText("No checks: the project's expect list is empty."
                                 if self.result is not None else "")
            self.boundaries.hide()
            return
        values = check.finite_values()
        held = sum(check.passes)
        self.set_title(self.histogram, f"{check.label}: holds in {held}/{len(check.passes)}")
        if values.size:
            lo, hi = float(values.min()), float(values.max())
            if hi - lo < 1e-12:  # every seed the same: a narrow bar, not a unit-wide one
                pad = max(abs(lo) * 0.01, 1e-3)
                lo, hi = lo - pad, hi + pad
            counts, edges = np.histogram(values, bins=min(12, max(3, values.size)),
                                         range=(lo, hi))
            self.histogram.addItem(pg.BarGraphItem(
                x0=edges[:-1], x1=edges[1:], height=counts, brush=(*line_color(0), 140)))
        for value, text, style in ((check.threshold, "threshold", Qt.PenStyle.DashLine),
                                   (check.book_value, "book", Qt.PenStyle.SolidLine)):
            if value is not None:
                self.histogram.addItem(pg.InfiniteLine(
                    value, angle=90, pen=pg.mkPen(line_color(1), width=2, style=style),
                    label=text, labelOpts={"position": 0.9, "color": theme(self)[1]}))
        where = check.book_percentile()
        book = "" if where is None else f"; the book's {check.book_value:g} lies at the " \
                                        f"{where:.0f}th percentile"
        verdict = "holds often enough" if check.passed else "holds too rarely"
        self.summary.setText(
            f"<b>{check.label}</b> ({check.rule}) holds in {held} of {len(check.passes)} "
            f"seeds: {verdict} (needs {check.min_pass_rate:.0%}){book}. "
            f"Book: {check.book or '—'}")
        self._draw_boundaries(check)

    def _draw_boundaries(self, check: Any) -> None:
        result = self.result
        higher = not check.rule.startswith(("<=", "<"))
        ranked = ranked_seeds(check.values, higher)
        payloads = [f.get("boundary") for f in result.finals]
        if ranked is None or self.session is None or any(
                i >= len(payloads) or payloads[i] is None for i in ranked):
            self.boundaries.hide()
            return
        self.boundaries.show()
        for view, label, which, i in zip(self.boundary_views, self.boundary_labels,
                                         ("best", "median", "worst"), ranked):
            seed = result.runs[i].seed
            label.setText(f"{which}: seed {seed}, {check.label} {check.values[i]:.4g}")
            if view.session is not self.session:
                view.set_session(self.session)
            metrics = result.results[i].metrics
            epoch = float(metrics.get("epochs", 0.0))
            view.show_snapshot(Snapshot(int(metrics.get("steps", 0)), epoch,
                                        RunState.FINISHED, dict(metrics), {},
                                        {"boundary": payloads[i]}))
            view.flush()
