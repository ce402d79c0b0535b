"""Decision-boundary view: the model's output over the input plane, with the data on top.

TensorFlow Playground's look: orange for class 0 / negative, blue for class 1 /
positive, near-white at the decision threshold; training points with a white
rim, test points with a dark rim. Three or more classes use one colour per
class, faded towards white where the model is unsure. 2-D regression colours
the predicted value over the range of the training targets.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QVBoxLayout

from playground.probes.common import plane_domain, raw_inputs
from ui.views.base import StatusLine, View, cache_static, image_item, place_image, plot_widget
from ui.views.colors import (
    SIGNED_LUT,
    class_color,
    class_ramps,
    lighten,
    lut_index,
    rgba_table,
    to_rgba,
)

#: How much lighter than the points the heatmap is drawn.
HEATMAP_LIGHTEN = 0.35
#: The signed colour scale, lightened: index 0 is -1, index 255 is +1.
SIGNED_HEAT = lighten(rgba_table(SIGNED_LUT)[None], HEATMAP_LIGHTEN)[0]
#: Metrics in the footer: (key, short name).
FOOTER = (("train_loss", "train loss"), ("val_loss", "val loss"), ("test_loss", "test loss"),
          ("train_accuracy", "train acc"), ("val_accuracy", "val acc"),
          ("test_accuracy", "test acc"))


def heat_indices(payload: dict, discrete: bool, out: np.ndarray | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """(indices, table) colouring a boundary payload: ``table[indices]`` is the heatmap.

    Binary and regression payloads index :data:`SIGNED_HEAT` by their signed
    value (only its two ends when ``discrete``); multiclass ones index one
    confidence ramp per class (full colour when ``discrete``).
    """
    if payload["kind"] == "multiclass":
        predicted = payload["predicted"]
        table = class_ramps(int(predicted.max()) + 1, HEATMAP_LIGHTEN)
        level = 255 if discrete else lut_index(payload["confidence"], 0.0, 1.0)
        idx = predicted * 256 + level
        if out is not None:
            np.copyto(out, idx, casting="unsafe")
            idx = out
        return idx, table
    signed = payload["signed"]
    if discrete:
        idx = np.where(signed >= 0, 255, 0)
        if out is not None:
            np.copyto(out, idx, casting="unsafe")
            idx = out
        return idx, SIGNED_HEAT
    return lut_index(signed, -1.0, 1.0, out=out), SIGNED_HEAT


class BoundaryView(View):
    """Heatmap of the model's output over the input plane, training and test points."""

    view_id = "boundary"
    title = "Decision boundary"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.plot_widget = plot_widget(self, x="x1", y="x2")
        self.plot = self.plot_widget.getPlotItem()
        self.plot.getViewBox().setAspectLocked(False)
        self.image = image_item()
        self.plot.addItem(self.image)
        self.train_points = pg.ScatterPlotItem(size=7, pen=pg.mkPen("w", width=1.2))
        self.test_points = pg.ScatterPlotItem(size=7, pen=pg.mkPen((30, 30, 30), width=1.2))
        self.plot.addItem(self.train_points)
        self.plot.addItem(self.test_points)
        self.show_test = QCheckBox("Show test data")
        self.discretize = QCheckBox("Discretize output")
        self.show_test.toggled.connect(self._on_show_test)
        self.discretize.toggled.connect(self._redraw)
        self.status = StatusLine(lines=2)
        controls = QHBoxLayout()
        controls.addWidget(self.show_test)
        controls.addWidget(self.discretize)
        controls.addStretch(1)
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(controls)
        layout.addWidget(self.plot_widget, 1)
        layout.addWidget(self.status)
        cache_static(self.plot)
        self.last_payload: dict | None = None
        self.last_image: np.ndarray | None = None
        self._index: np.ndarray | None = None  # reused (H, W) indices and RGBA pixels
        self.point_updates = 0

    # -- static data -----------------------------------------------------------------------
    def on_session(self, session: Any) -> None:
        self.last_payload = None
        ds = None if session is None else session.dataset
        if ds is None or "boundary" not in session.trainer.probes:
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
            lo, hi = float(values.min()), float(values.max())
            rgba = to_rgba(values[None, :], SIGNED_LUT, lo, hi)[0]
            brushes = [pg.mkBrush(*c) for c in rgba]
        return {"x": xy[:, 0], "y": xy[:, 1], "brush": brushes}

    def _on_show_test(self, on: bool) -> None:
        self.test_points.setVisible(on)

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
        """Colour the payload into the reused pixel buffer through a lookup table."""
        self.last_payload = payload
        shape = payload["signed"].shape if "signed" in payload else payload["predicted"].shape
        if self._index is None or self._index.shape != shape:
            self._index = np.empty(shape, np.intp)
            self.last_image = np.empty((*shape, 4), np.uint8)
        idx, table = heat_indices(payload, self.discretize.isChecked(), out=self._index)
        np.take(table, idx, axis=0, out=self.last_image, mode="clip")
        self.image.setImage(self.last_image, autoLevels=False)
        place_image(self.image, payload["xs"], payload["ys"])


if __name__ == "__main__":
    from ui.views.preview import preview
    preview("boundary", "spiral")
