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
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout

from playground.probes.common import plane_domain, raw_inputs
from ui.views.base import View, image_item, place_image, plot_widget
from ui.views.colors import (
    SIGNED_LUT,
    class_color,
    class_rgba,
    lighten,
    signed_rgba,
    to_rgba,
)

#: How much lighter than the points the heatmap is drawn.
HEATMAP_LIGHTEN = 0.35


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
        self.status = QLabel()
        controls = QHBoxLayout()
        controls.addWidget(self.show_test)
        controls.addWidget(self.discretize)
        controls.addStretch(1)
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(controls)
        layout.addWidget(self.plot_widget, 1)
        layout.addWidget(self.status)
        self.last_payload: dict | None = None
        self.last_image: np.ndarray | None = None

    # -- static data -----------------------------------------------------------------------
    def on_session(self, session: Any) -> None:
        self.last_payload = None
        ds = None if session is None else session.dataset
        if ds is None or "boundary" not in session.trainer.probes:
            self.set_message("The decision boundary needs a model on 2-D points "
                             "(a Toy 2-D dataset).")
            return
        names = ds.info.feature_names or ("x1", "x2")
        self.plot.setLabel("bottom", names[0])
        self.plot.setLabel("left", names[1])
        self.train_points.setData(**self._points(ds.train, session))
        name = "test" if len(ds.test) else ("val" if len(ds.val) else None)
        part = ds.split(name) if name else None
        self.test_split = name
        self.test_points.setData(**self._points(part, session) if part is not None else {})
        self.show_test.setEnabled(part is not None)
        self.show_test.setText(f"Show {'validation' if name == 'val' else 'test'} data")
        self.test_points.setVisible(self.show_test.isChecked())
        (x0, x1), (y0, y1) = plane_domain(ds)
        self.plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        self.set_message("Waiting for the first snapshot…")

    def _points(self, part: Any, session: Any) -> dict:
        xy = raw_inputs(session.dataset, part.x)
        y = part.y
        if session.dataset.info.target == "class":
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
        shown = [f"{k.replace('_', ' ')} {metrics[k]:.3f}"
                 for k in ("train_loss", "val_loss", "test_loss", "train_accuracy",
                           "val_accuracy", "test_accuracy") if k in metrics]
        self.status.setText(f"epoch {snapshot.epoch:.0f}    " + "    ".join(shown))

    def _draw_payload(self, payload: dict) -> None:
        self.last_payload = payload
        discrete = self.discretize.isChecked()
        if payload["kind"] == "multiclass":
            conf = None if discrete else payload["confidence"]
            rgba = class_rgba(payload["predicted"], conf)
        else:
            rgba = signed_rgba(payload["signed"], discrete)
        rgba = lighten(rgba, HEATMAP_LIGHTEN)
        self.last_image = rgba
        self.image.setImage(rgba, autoLevels=False)
        place_image(self.image, payload["xs"], payload["ys"])


if __name__ == "__main__":
    from ui.views.preview import preview
    preview("boundary", "spiral")
