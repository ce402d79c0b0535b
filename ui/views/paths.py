"""Optimizer-paths view: racers' trajectories on the contour map of an analytic surface.

Left: the surface as a pale log-scaled heatmap with log-spaced contour lines,
the known minima as stars and each racer's path in its own colour (legend);
click the map to choose a new start point (the view emits
:attr:`PathsView.start_point_chosen`; the main window applies it). Right:
each racer's loss against iteration. A red badge names every racer that
diverged and when. The map is drawn to scale and follows the racers: a path
that leaves the frame widens it (until the user pans or zooms by hand). The
colour bar gives the height above the surface's minimum, log-scaled.
"""

from __future__ import annotations

from html import escape
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ui.views.base import View
from ui.views.colors import MARKER, color_bar, is_dark, line_color, show_heatmap
from ui.views.plotting import cache_static, image_item, place_image, plot_widget, theme
from ui.views.runs import RunHistory, RunsLink

LEVELS = 14
BADGE = ("background: #c62828; color: white; border-radius: 8px; padding: 2px 8px; "
         "font-weight: bold;")


def log_levels(z: np.ndarray, count: int = LEVELS) -> tuple[np.ndarray, float]:
    """``count`` log-spaced contour levels of ``z`` above its minimum, and that minimum.

    The levels run from a small height above the minimum to the 95th percentile,
    so the valley floor gets as many lines as the walls.
    """
    finite = z[np.isfinite(z)]
    base = float(finite.min())
    height = finite - base
    top = float(np.percentile(height, 95)) or 1.0
    low = max(float(np.percentile(height, 0.5)), top * 1e-4)
    return base + np.logspace(np.log10(low), np.log10(top), count), base


class PathsView(View):
    """Contour map with optimizer trajectories, loss curves and divergence badges."""

    view_id = "paths"
    title = "Optimizer paths"
    #: (x, y) of a click on the map: the new start point for every racer.
    start_point_chosen = Signal(float, float)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.dark = is_dark(self)
        _, fg = theme(self)
        self.map_widget = plot_widget(self, x="x", y="y")
        self.map = self.map_widget.getPlotItem()
        self.map.getViewBox().setAspectLocked(True)  # to scale
        self.map.getViewBox().sigRangeChangedManually.connect(self._zoomed_by_hand)
        self.image = image_item(smooth=True)
        self.map.addItem(self.image)
        self.bar = color_bar(self.map, self.image, "surface", (0.0, 1.0), fg, self.dark,
                             label="log₁₀(loss − min)")
        # Contour lines darker than the pale map (pale in both palettes).
        self.contour_pen = pg.mkPen((60, 80, 110, 150), width=1)
        self.minima = pg.ScatterPlotItem(symbol="star", size=16, brush=pg.mkBrush(255, 215, 0),
                                         pen=pg.mkPen("k"))
        self.minima.setZValue(10)  # above the paths
        self.map.addItem(self.minima)
        self.starts = pg.ScatterPlotItem(symbol="o", size=10, brush=pg.mkBrush(None),
                                         pen=pg.mkPen(MARKER, width=2))
        self.map.addItem(self.starts)
        self.loss_widget = plot_widget(self, title="loss", x="iteration", y="loss")
        self.loss = self.loss_widget.getPlotItem()
        self.loss.showGrid(x=True, y=True, alpha=0.2)
        self.map_widget.scene().sigMouseClicked.connect(self._clicked)
        self.badges = QHBoxLayout()
        self.badges.setContentsMargins(0, 0, 0, 0)
        self.hint = QLabel("Click the map to set the start point")
        # The legend is a label above the plots: inside the map it would hide the paths.
        self.legend = QLabel(objectName="paths_legend")
        self.legend.setWordWrap(True)  # between racers only: each entry's spaces do not break
        top = QHBoxLayout()
        top.addLayout(self.badges)
        top.addStretch(1)
        top.addWidget(self.hint)
        plots = QHBoxLayout()
        plots.addWidget(self.map_widget, 3)
        plots.addWidget(self.loss_widget, 2)
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.legend)
        layout.addLayout(plots, 1)
        self.isocurves: list[pg.IsocurveItem] = []
        self.paths: dict[str, pg.PlotDataItem] = {}
        self.heads: dict[str, pg.ScatterPlotItem] = {}
        self.losses: dict[str, pg.PlotDataItem] = {}
        self.badge_labels: list[QWidget] = []
        self._grid: Any = None
        self._diverged: tuple = ()
        self._zoomed = False
        self._by_hand = False
        cache_static(self.map)
        cache_static(self.loss)
        #: (run name, racer) -> (path item, loss item) of earlier runs' trajectories.
        self.overlays: dict[tuple[str, str], tuple] = {}
        self._link = RunsLink(self, "_draw_overlays")
        self.runs = RunHistory()
        self._link.attach(self.runs)

    def set_run_history(self, runs: RunHistory) -> None:
        """Overlay the trajectories of the earlier runs of ``runs`` (dotted, thinner)."""
        self.runs = runs
        self._link.attach(runs)
        self._draw_overlays()

    def _draw_overlays(self) -> None:
        """Earlier runs' paths in their racers' colours, dotted, under the current ones."""
        wanted = {}
        for run in self.runs.overlays():
            for i, (name, racer) in enumerate((run.trajectories or {}).items()):
                wanted[(run.name, name)] = (i, racer, run)
        for key in [k for k in self.overlays if k not in wanted]:
            path, loss = self.overlays.pop(key)
            self.map.removeItem(path)
            self.loss.removeItem(loss)
        for key, (i, racer, run) in wanted.items():
            if key not in self.overlays:
                pen = pg.mkPen(line_color(i), width=1, style=Qt.PenStyle.DotLine)
                path, loss = self.map.plot([], [], pen=pen), self.loss.plot([], [], pen=pen)
                path.setZValue(0.5)  # above the surface, under the current paths
                loss.setZValue(-1)
                for item in (path, loss):
                    item.setToolTip(f"{run.name}: {racer['label']}")
                pts = racer["points"]
                path.setData(pts[:, 0], pts[:, 1])
                loss.setData(racer["iterations"], racer["losses"])
                self.overlays[key] = (path, loss)

    def on_session(self, session: Any) -> None:
        self._grid = None
        for item in [*self.paths.values(), *self.heads.values()]:
            self.map.removeItem(item)
        for item in self.losses.values():
            self.loss.removeItem(item)
        self.legend.setText("")
        self.paths, self.heads, self.losses = {}, {}, {}
        self._zoomed = self._by_hand = False
        if session is not None and "paths" not in session.trainer.probes:
            self.set_message("Optimizer paths need a surface task (an optimizer race).")

    # -- drawing ---------------------------------------------------------------------------
    def draw(self, snapshot: Any) -> None:
        p = self.payload(snapshot)
        if p is None:
            return
        self.set_message(None)
        if p["grid"] is not self._grid:
            self._draw_surface(p)
        self._draw_racers(p["trajectories"])

    def _draw_surface(self, p: dict) -> None:
        self._grid = p["grid"]
        xs, ys, z = p["grid"]
        levels, base = log_levels(z)
        lo = float(np.log10(levels[0] - base)) - 0.5
        hi = float(np.log10(levels[-1] - base)) + 0.5
        logz = np.log10(np.maximum(z - base, 10.0 ** lo))  # NaN (outside the domain) stays
        show_heatmap(self.image, logz, "surface", (lo, hi), self.dark)
        self.bar.setLevels((lo, hi))
        place_image(self.image, xs, ys)
        for iso in self.isocurves:
            if iso.scene() is not None:
                iso.scene().removeItem(iso)
        self.isocurves = []
        for level in levels:
            # IsocurveItem reads data as (x index, y index): transpose the row-major grid.
            iso = pg.IsocurveItem(z.T, float(level), pen=self.contour_pen)
            iso.setParentItem(self.image)
            self.isocurves.append(iso)
        minima = self._minima = p["minima"]
        self.minima.setData([m[0] for m in minima], [m[1] for m in minima])
        self.map.setRange(xRange=(xs[0], xs[-1]), yRange=(ys[0], ys[-1]), padding=0)
        self.set_title(self.map, p.get("surface", ""))

    def _draw_racers(self, racers: dict[str, dict]) -> None:
        positive = all(np.all(r["losses"] > 0) for r in racers.values())
        self.loss.setLogMode(y=positive)
        starts = []
        for i, (name, r) in enumerate(racers.items()):
            color = line_color(i)
            if name not in self.paths:
                self.paths[name] = self.map.plot([], [], pen=pg.mkPen(color, width=2.2))
                self.paths[name].setZValue(1)
                self.heads[name] = pg.ScatterPlotItem(size=9, pen=pg.mkPen("k"))
                self.map.addItem(self.heads[name])
                self.losses[name] = self.loss.plot([], [], pen=pg.mkPen(color, width=2))
            pts = r["points"]
            self.paths[name].setData(pts[:, 0], pts[:, 1])
            head = dict(symbol="x", brush=pg.mkBrush(200, 0, 0)) if r["diverged"] else \
                dict(symbol="o", brush=pg.mkBrush(*color))
            self.heads[name].setData([pts[-1, 0]], [pts[-1, 1]], **head)
            self.losses[name].setData(r["iterations"], r["losses"])
            starts.append(pts[0])
        self.starts.setData([s[0] for s in starts], [s[1] for s in starts])
        # Non-breaking spaces inside an entry: "RMSProp μ=0.03 β=0.9" never splits.
        legend = " &nbsp; ".join(
            f"<span style='color: rgb{line_color(i)}; font-size: 14pt;'>&#9632;</span>&nbsp;"
            + escape(r["label"]).replace(" ", "&nbsp;") for i, r in enumerate(racers.values()))
        if legend != self.legend.text():
            self.legend.setText(legend)
        if not self._by_hand and (not self._zoomed or self._outside(racers)):
            self._zoom_to(racers)
        self._badges(racers)

    def _zoomed_by_hand(self, *_: Any) -> None:
        self._by_hand = True

    def _outside(self, racers: dict[str, dict]) -> bool:
        """True when a live racer's path left the frame (inside the surface's domain)."""
        (x0, x1), (y0, y1) = self.map.viewRange()
        xs, ys, _ = self._grid
        for r in racers.values():
            if r["diverged"] or not len(r["points"]):
                continue
            pts = r["points"]
            lo = np.maximum(np.nanmin(pts, axis=0), [xs[0], ys[0]])
            hi = np.minimum(np.nanmax(pts, axis=0), [xs[-1], ys[-1]])
            if lo[0] < x0 or hi[0] > x1 or lo[1] < y0 or hi[1] > y1:
                return True
        return False

    def _zoom_to(self, racers: dict[str, dict]) -> None:
        """Frame the paths and minima (the surface's domain is often much larger); racers
        that diverged are left out (their paths run off to infinity)."""
        self._zoomed = True
        xs, ys, _ = self._grid
        live = [r["points"] for r in racers.values() if not r["diverged"]] or \
            [r["points"][:1] for r in racers.values()]
        pts = np.concatenate(live + [np.asarray([m[:2] for m in self._minima]).reshape(-1, 2)])
        pts = pts[np.all(np.isfinite(pts), axis=1)]
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        span = np.maximum(hi - lo, [0.2 * (xs[-1] - xs[0]), 0.2 * (ys[-1] - ys[0])])
        mid = (lo + hi) / 2
        x0, x1 = max(mid[0] - 0.7 * span[0], xs[0]), min(mid[0] + 0.7 * span[0], xs[-1])
        y0, y1 = max(mid[1] - 0.7 * span[1], ys[0]), min(mid[1] + 0.7 * span[1], ys[-1])
        self.map.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)

    def _badges(self, racers: dict[str, dict]) -> None:
        diverged = tuple((r["label"], r["diverged_at"]) for r in racers.values() if r["diverged"])
        if diverged == self._diverged:
            return
        self._diverged = diverged
        for label in self.badge_labels:
            self.badges.removeWidget(label)
            label.deleteLater()
        self.badge_labels = []
        for label, at in diverged:
            badge = QLabel(f"⚠ {label} diverged at iteration {at}")
            badge.setStyleSheet(BADGE)
            self.badges.addWidget(badge)
            self.badge_labels.append(badge)

    @property
    def diverged_badges(self) -> list[str]:
        """Texts of the divergence badges shown."""
        return [label.text() for label in self.badge_labels]

    # -- interaction -----------------------------------------------------------------------
    def _clicked(self, event: Any) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self._grid is None:
            return
        pos = event.scenePos()
        if not self.map.getViewBox().sceneBoundingRect().contains(pos):
            return
        point = self.map.getViewBox().mapSceneToView(pos)
        self.choose_start(point.x(), point.y())

    def choose_start(self, x: float, y: float) -> None:
        """Mark ``(x, y)`` and emit :attr:`start_point_chosen`."""
        self.starts.setData([x], [y])
        self.start_point_chosen.emit(float(x), float(y))


if __name__ == "__main__":
    from ui.views.preview import preview
    preview("paths", "beale")
