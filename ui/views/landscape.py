"""Loss-landscape view: a 2-D slice of the training loss around the current weights.

The plane is spanned by the two principal directions of the recorded training
path (default: the path lies in it) or by two filter-normalised random
directions (Li et al. 2018).

"Compute" asks the ``landscape`` probe to capture the model (on the trainer
thread while training runs, right away otherwise), then a :class:`QThread`
evaluates the grid row by row on that private copy with a progress bar. The
result is a log-scaled contour map with the recorded training trajectory
projected onto the slice (start: open circle, now: star at the origin).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QThread, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from playground.probes.landscape import LandscapeInputs, LandscapeJob
from ui.views.base import View
from ui.views.colors import MARKER, ORANGE, color_bar, is_dark, show_heatmap
from ui.views.paths import log_levels
from ui.views.plotting import image_item, place_image, plot_widget, theme


class LandscapeWorker(QThread):
    """Runs one :class:`LandscapeJob`; cancel with ``requestInterruption()``."""

    progress = Signal(int, int)
    result = Signal(object)

    def __init__(self, inputs: LandscapeInputs, resolution: int, directions: str,
                 parent=None):
        super().__init__(parent)
        self.inputs, self.resolution, self.directions = inputs, resolution, directions

    def run(self) -> None:
        job = LandscapeJob(self.inputs, self.resolution, directions=self.directions)
        out = job.run(progress=self.progress.emit, cancelled=self.isInterruptionRequested)
        if out is not None:
            self.result.emit(out)


class LandscapeView(View):
    """Contour of the loss on a filter-normalised random plane, with the training path."""

    view_id = "landscape"
    title = "Loss landscape"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.compute_button = QPushButton("Compute")
        self.compute_button.clicked.connect(self.compute)
        self.resolution = QSpinBox()
        self.resolution.setRange(5, 101)
        self.resolution.setSingleStep(2)
        self.resolution.setValue(21)
        self.resolution.setSuffix(" × grid")
        self.directions = QComboBox()
        self.directions.addItem("PCA of the path", "pca")
        self.directions.addItem("random, filter-normalised", "random")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.status = QLabel("Compute a slice around the current weights.", wordWrap=True)
        row = QHBoxLayout()
        row.addWidget(self.compute_button)
        row.addWidget(self.resolution)
        row.addWidget(self.directions)
        row.addWidget(self.progress, 1)
        self.plot_widget = plot_widget(self)
        self.plot = self.plot_widget.getPlotItem()
        self.plot.getViewBox().setAspectLocked(True)
        self.dark = is_dark(self)
        _, fg = theme(self)
        self.image = image_item(smooth=True)
        self.plot.addItem(self.image)
        self.bar = color_bar(self.plot, self.image, "surface", (0.0, 1.0), fg, self.dark,
                             label="log₁₀(loss − min)")
        self.contour_pen = pg.mkPen((60, 80, 110, 160))  # on the pale map in both palettes
        self.path = self.plot.plot([], [], pen=pg.mkPen(ORANGE, width=2.2), symbol="o",
                                   symbolSize=4, symbolBrush=pg.mkBrush(*ORANGE),
                                   symbolPen=pg.mkPen(None))
        self.start = pg.ScatterPlotItem(size=11, brush=pg.mkBrush(None),
                                        pen=pg.mkPen(MARKER, width=2))
        self.now = pg.ScatterPlotItem(symbol="star", size=16, brush=pg.mkBrush(255, 215, 0),
                                      pen=pg.mkPen("k"))
        self.plot.addItem(self.start)
        self.plot.addItem(self.now)
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(row)
        layout.addWidget(self.plot_widget, 1)
        layout.addWidget(self.status)
        self.isocurves: list[pg.IsocurveItem] = []
        self.worker: LandscapeWorker | None = None
        self.result: dict | None = None
        self._waiting = False
        self._started: int | None = None  # id of the capture handed to the last worker

    def on_session(self, session: Any) -> None:
        self.stop_worker()
        self._waiting = False
        self.result = None
        self.compute_button.setEnabled(True)
        if session is not None and "landscape" not in session.trainer.probes:
            self.set_message("The loss landscape needs a supervised or autoencoder network.")
        elif session is not None:
            self.set_message(None)

    # -- computing -------------------------------------------------------------------------
    def compute(self) -> None:
        """Ask for a capture of the current weights; the slice starts when it arrives."""
        runner = None if self.session is None else self.session.trainer.probes.get("landscape")
        if runner is None or self.worker is not None:
            return
        self._waiting = True
        self.compute_button.setEnabled(False)
        self.status.setText("Capturing the weights…")
        runner.configure(capture=runner.options["capture"] + 1)
        self.refresh_requested.emit()  # computed by the worker, even while paused

    def draw(self, snapshot: Any) -> None:
        p = self.payload(snapshot)
        if p is None:
            return
        capture = p["capture"]
        if self._waiting and capture is not None and capture.id != self._started:
            self._start(capture)
        elif self.worker is None and self.result is None:
            self.status.setText(f"{p['recorded']} weight snapshots recorded. Compute a slice "
                                "around the current weights.")

    def _start(self, capture: LandscapeInputs) -> None:
        self._waiting = False
        self._started = capture.id
        n = self.resolution.value()
        self.progress.setRange(0, n)
        self.progress.setValue(0)
        self.status.setText(f"Computing a {n}×{n} slice at step {capture.step}…")
        self.worker = LandscapeWorker(capture, n, self.directions.currentData(), self)
        self.worker.progress.connect(self._progress)
        self.worker.result.connect(self.show_result)
        self.worker.finished.connect(self._worker_done)
        self.worker.start()

    def _progress(self, done: int, total: int) -> None:
        self.progress.setValue(done)

    def _worker_done(self) -> None:
        worker, self.worker = self.worker, None
        if worker is not None:
            # ``finished`` is emitted from the worker thread just before it ends: wait for
            # the end before the QThread object may be deleted.
            worker.wait()
            worker.deleteLater()
        self.compute_button.setEnabled(True)

    def stop_worker(self) -> None:
        """Cancel a running computation and wait for its thread."""
        if self.worker is not None:
            self.worker.requestInterruption()
            self.worker.wait()
            self._worker_done()

    def closeEvent(self, event: Any) -> None:  # noqa: N802 (Qt override)
        self.stop_worker()
        super().closeEvent(event)

    # -- result ----------------------------------------------------------------------------
    def show_result(self, result: dict) -> None:
        """Draw a finished slice (``LandscapeJob.run``'s dict)."""
        self.result = result
        self.set_message(None)
        loss = result["loss"]
        levels, base = log_levels(loss, 12)
        lo = float(np.log10(levels[0] - base)) - 0.5
        hi = float(np.log10(levels[-1] - base)) + 0.5
        logz = np.log10(np.maximum(loss - base, 10.0 ** lo))
        show_heatmap(self.image, logz, "surface", (lo, hi), self.dark)
        self.bar.setLevels((lo, hi))
        place_image(self.image, result["alphas"], result["betas"])
        for iso in self.isocurves:
            if iso.scene() is not None:
                iso.scene().removeItem(iso)
        self.isocurves = []
        for level in levels:
            iso = pg.IsocurveItem(loss.T, float(level), pen=self.contour_pen)
            iso.setParentItem(self.image)
            self.isocurves.append(iso)
        path = result["path"]
        self.path.setData(path[:, 0], path[:, 1])
        self.start.setData(path[:1, 0], path[:1, 1])
        self.now.setData([0.0], [0.0])
        span = result["span"]
        self.plot.setRange(xRange=(-span, span), yRange=(-span, span), padding=0.02)
        axes = ("PC 1", "PC 2") if result["directions"] == "pca" else \
            ("direction 1", "direction 2")
        self.plot.setLabel("bottom", axes[0])
        self.plot.setLabel("left", axes[1])
        share = "" if result["explained"] is None else \
            f" (path variance {' + '.join(f'{v:.0%}' for v in result['explained'])})"
        self.set_title(self.plot, f"training loss around step {result['step']}{share}")
        self.status.setText(
            f"centre loss {result['center_loss']:.4g}, min {loss.min():.4g}, "
            f"max {loss.max():.4g}; span ±{span:.2g}; path of {len(path)} recorded weights")
        self.progress.setValue(self.progress.maximum())


if __name__ == "__main__":
    from ui.views.preview import preview
    preview("landscape", "spiral")
