"""Decision-boundary view: the model's output over the input plane, with the data on top.

TensorFlow Playground's look: orange for class 0 / negative, blue for class 1 /
positive, the neutral colour at the decision threshold; training points with a
white rim, test points with a dark rim. Three or more classes use one colour
per class, faded towards the neutral colour where the model is unsure. 2-D
regression colours the predicted value over the range of the training targets.

The plane is drawn to scale (one unit is as long across as up: a circle stays
a circle in any dock) and the 100 x 100 grid is interpolated smoothly. The
colour bar (binary and regression outputs) gives the model's output for each
colour.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QCheckBox, QVBoxLayout

from playground.probes.common import plane_domain, raw_inputs
from ui.views.base import StatusLine, View
from ui.views.colors import (
    HEATMAP_FADE,
    class_color,
    class_ramps,
    color_bar,
    is_dark,
    lookup_table,
    map_colors,
    set_bar_ticks,
)
from ui.views.flow import flow_row
from ui.views.plotting import cache_static, image_item, place_image, plot_widget, theme

#: Metrics in the footer: (key, short name).
FOOTER = (("train_loss", "train loss"), ("val_loss", "val loss"), ("test_loss", "test loss"),
          ("train_accuracy", "train acc"), ("val_accuracy", "val acc"),
          ("test_accuracy", "test acc"))


def heat_values(payload: dict, discrete: bool, out: np.ndarray | None = None
                ) -> tuple[np.ndarray, tuple[float, float], int]:
    """(values, levels, classes) to draw a boundary payload through a lookup table.

    Binary and regression payloads give their signed value in [-1, 1] (only its
    sign when ``discrete``), levels (-1, 1) and classes 0 (the signed map).
    Multiclass ones give ``class * 256 + confidence * 255`` (full confidence when
    ``discrete``) with levels (0, classes * 256): the index into
    :func:`~ui.views.colors.class_ramps`. ``out``: a float32 buffer to reuse.
    """
    if payload["kind"] == "multiclass":
        predicted = payload["predicted"]
        k = int(predicted.max()) + 1
        level = 255.0 if discrete else np.clip(payload["confidence"], 0.0, 1.0) * 255.0
        values = np.add(predicted * 256.0, level, out=out, dtype=np.float32, casting="unsafe")
        return values, (0.0, k * 256.0), k
    signed = payload["signed"]
    if discrete:
        return np.where(signed >= 0, np.float32(1), np.float32(-1)), (-1.0, 1.0), 0
    return signed, (-1.0, 1.0), 0


def bar_ticks(payload: dict) -> list[tuple[float, str]]:
    """Colour-bar ticks on the signed scale, labelled with the model's output there."""
    if payload["kind"] == "regression":
        lo, hi = payload["vmin"], payload["vmax"]
        return [(-1.0, f"{lo:.3g}"), (0.0, f"{(lo + hi) / 2:.3g}"), (1.0, f"{hi:.3g}")]
    t = payload.get("threshold", 0.5)
    return [(-1.0, "class 0"), (0.0, f"{t:.3g}"), (1.0, "class 1")]


class BoundaryView(View):
    """Heatmap of the model's output over the input plane, training and test points."""

    view_id = "boundary"
    title = "Decision boundary"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.dark = is_dark(self)
        self.plot_widget = plot_widget(self, x="x1", y="x2")
        self.plot = self.plot_widget.getPlotItem()
        self.plot.getViewBox().setAspectLocked(True, ratio=1.0)  # to scale
        self.image = image_item(smooth=True)
        self.plot.addItem(self.image)
        self.train_points = pg.ScatterPlotItem(size=7, pen=pg.mkPen("w", width=1.2))
        self.test_points = pg.ScatterPlotItem(size=7, pen=pg.mkPen((30, 30, 30), width=1.2))
        self.plot.addItem(self.train_points)
        self.plot.addItem(self.test_points)
        _, fg = theme(self)
        self.bar = color_bar(self.plot, self.image, "signed", (-1.0, 1.0), fg, self.dark,
                             HEATMAP_FADE)
        self.show_test = QCheckBox("Show test data")
        self.discretize = QCheckBox("Discretize output")
        self.show_scale = QCheckBox("Colour scale", checked=True)
        self.show_scale.setToolTip("The model's output for each colour")
        self.show_test.toggled.connect(self._on_show_test)
        self.discretize.toggled.connect(self._redraw)
        self.show_scale.toggled.connect(self._on_show_scale)
        self.status = StatusLine(lines=2)
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(flow_row(self.show_test, self.discretize, self.show_scale))
        layout.addWidget(self.plot_widget, 1)
        layout.addWidget(self.status)
        cache_static(self.plot)
        self.last_payload: dict | None = None
        self.last_image: np.ndarray | None = None  # the values drawn last (H, W), float32
        self._buffer: np.ndarray | None = None  # reused for multiclass index images
        self._bar_key: Any = None
        self.point_updates = 0
        self.test_split: str | None = None

    # -- static data -----------------------------------------------------------------------
    def on_session(self, session: Any) -> None:
        self.last_payload = None
        ds = None if session is None else session.dataset
        if ds is None or "boundary" not in session.trainer.probes:
            if session is not None:
                self.set_message("The decision boundary needs a model on 2-D points "
                                 "(a Toy 2-D dataset).")
            return
        self._show_points(ds)
        self.set_message("Waiting for the first snapshot…")

    def show_dataset(self, dataset: Any) -> None:
        """Draw ``dataset``'s points now, before any run uses it (a data edit): the plane
        keeps the last model's colours until the next run draws its own."""
        if dataset.info.kind != "points2d" or dataset.input_shape != (2,) \
                or dataset.info.target not in ("class", "regression"):
            return  # the next session says why there is no boundary
        self._show_points(dataset)
        self.set_message(None)

    def _show_points(self, ds: Any) -> None:
        """Training and test points of ``ds``, the axes named and ranged for it."""
        names = ds.info.feature_names or ("x1", "x2")
        self.plot.setLabel("bottom", names[0])
        self.plot.setLabel("left", names[1])
        self.point_updates += 1  # set once per session or data edit, never per snapshot
        self.train_points.setData(**self._points(ds.train, ds))
        name = "test" if len(ds.test) else ("val" if len(ds.val) else None)
        part = ds.split(name) if name else None
        self.test_split = name
        self.test_points.setData(**self._points(part, ds) if part is not None else {})
        self.show_test.setEnabled(part is not None)
        self.show_test.setText(f"Show {'validation' if name == 'val' else 'test'} data")
        self.test_points.setVisible(self.show_test.isChecked())
        (x0, x1), (y0, y1) = plane_domain(ds)
        self.plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)

    def _points(self, part: Any, dataset: Any) -> dict:
        xy = raw_inputs(dataset, part.x)
        y = part.y
        if dataset.info.target == "class":
            brushes = [pg.mkBrush(*class_color(int(k))) for k in y]
        else:
            values = y[:, 0]
            rgba = map_colors(values, "signed", (float(values.min()), float(values.max())),
                              self.dark)
            brushes = [pg.mkBrush(*c) for c in rgba]
        return {"x": xy[:, 0], "y": xy[:, 1], "brush": brushes}

    def _on_show_test(self, on: bool) -> None:
        self.test_points.setVisible(on)

    def _on_show_scale(self, on: bool) -> None:
        kind = None if self.last_payload is None else self.last_payload["kind"]
        self.bar.setVisible(on and kind != "multiclass")

    def _redraw(self) -> None:
        if self.last_payload is not None:
            self._draw_payload(self.last_payload)

    # -- drawing ---------------------------------------------------------------------------
    def draw(self, snapshot: Any) -> None:
        payload = self.payload(snapshot)
        if payload is None:
            return
        self.set_message(None)
        if payload is not self.last_payload:  # the probe hands back the same object if unchanged
            self._draw_payload(payload)
        metrics = snapshot.metrics
        shown = [f"{name} {metrics[k]:.3f}" for k, name in FOOTER if k in metrics]
        # Non-breaking spaces inside a field: the footer wraps between fields only.
        fields = [f"epoch {snapshot.epoch:.0f}", *shown]
        self.status.setText("\u00a0· ".join(f.replace(" ", "\u00a0") for f in fields))

    def _draw_payload(self, payload: dict) -> None:
        """Hand the payload's values to the image with the lookup table and levels."""
        self.last_payload = payload
        buffer = None
        if payload["kind"] == "multiclass":
            shape = payload["predicted"].shape
            if self._buffer is None or self._buffer.shape != shape:
                self._buffer = np.empty(shape, np.float32)
            buffer = self._buffer
        values, levels, classes = heat_values(payload, self.discretize.isChecked(), buffer)
        table = class_ramps(classes, self.dark, HEATMAP_FADE) if classes \
            else lookup_table("signed", self.dark, HEATMAP_FADE)
        self.image.setImage(values, lut=table, levels=levels, autoLevels=False)
        self.last_image = values
        place_image(self.image, payload["xs"], payload["ys"])
        self._update_bar(payload)

    def _update_bar(self, payload: dict) -> None:
        key = (payload["kind"], payload.get("threshold"), payload.get("vmin"),
               payload.get("vmax"))
        if key == self._bar_key:
            return
        self._bar_key = key
        multiclass = payload["kind"] == "multiclass"
        self.show_scale.setEnabled(not multiclass)
        self.show_scale.setToolTip("Several classes: each region has its class's colour, "
                                   "paler where the model is unsure" if multiclass
                                   else "The model's output for each colour")
        self.bar.setVisible(self.show_scale.isChecked() and not multiclass)
        if not multiclass:
            set_bar_ticks(self.bar, bar_ticks(payload))


if __name__ == "__main__":
    from ui.views.preview import preview
    preview("boundary", "spiral")
