"""Convolution views: the kernel mosaic of every conv layer, and one sample's feature maps.

Filters: one panel per conv layer, one row per output channel and the input
channels side by side (a near-square grid when there is one input channel),
orange negative / blue positive on the layer's symmetric scale. Feature maps:
the chosen sample next to every image-shaped layer output, each map scaled
to its own range in grey.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSpinBox, QVBoxLayout

from ui.views.base import View, image_item, layout_widget, plain_plot, theme
from ui.views.colors import GREY_LUT, SIGNED_LUT, to_rgba

COLUMNS = 3


class MosaicView(View):
    """Shared machinery: a grid of titled image panels, one per layer."""

    empty_text = ""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.canvas = layout_widget(self)
        self.layout_ = QVBoxLayout(self.content)
        self.layout_.setContentsMargins(2, 2, 2, 2)
        self.layout_.addWidget(self.canvas, 1)
        self.panels: dict[str, tuple[pg.PlotItem, pg.ImageItem]] = {}

    def on_session(self, session: Any) -> None:
        self.canvas.clear()
        self.panels = {}
        if session is None or not all(p in session.trainer.probes for p in self.probes):
            self.set_message(self.empty_text)

    def _panels(self, titles: dict[str, str]) -> None:
        if list(titles) == list(self.panels):
            for key, text in titles.items():
                self.set_title(self.panels[key][0], text, size="9pt")
            return
        self.canvas.clear()
        self.panels = {}
        _, fg = theme(self)
        for i, (key, text) in enumerate(titles.items()):
            plot = plain_plot(self.canvas.addPlot(row=i // COLUMNS, col=i % COLUMNS))
            plot.setTitle(text, color=fg, size="9pt")
            item = image_item()
            plot.addItem(item)
            self.panels[key] = (plot, item)

    def _show(self, key: str, rgba: np.ndarray) -> None:
        plot, item = self.panels[key]
        item.setImage(rgba, autoLevels=False)
        plot.getViewBox().autoRange(padding=0.02)


class FiltersView(MosaicView):
    """Kernel mosaics per conv layer."""

    view_id = "filters"
    title = "Filters"
    empty_text = "No convolution layer to show."

    def draw(self, snapshot: Any) -> None:
        first = self._last is None
        payload = self.take(self.payload(snapshot))
        if payload is None:
            return
        titles = {}
        for nid, entry in payload.items():
            out_c, in_c, kh, kw = entry["kernels"].shape
            titles[nid] = f"{nid}: {out_c} filters × {in_c} channel{'s' * (in_c > 1)}, " \
                          f"{kh}×{kw}"
        self._panels(titles)
        for nid, entry in payload.items():
            vmax = max(entry["vmax"], 1e-6)
            plot, item = self.panels[nid]
            item.setImage(to_rgba(entry["mosaic"], SIGNED_LUT, -vmax, vmax), autoLevels=False)
            if first:
                plot.getViewBox().autoRange(padding=0.02)


class FeatureMapsView(MosaicView):
    """The chosen sample and its feature maps per layer."""

    view_id = "feature_maps"
    title = "Feature maps"
    empty_text = "Feature maps need image inputs and a convolution layer."

    def __init__(self, parent=None):
        super().__init__(parent)
        self.index = QSpinBox()
        self.index.setRange(0, 0)
        self.index.setPrefix("sample ")
        self.index.valueChanged.connect(self._choose)
        self.info = QLabel()
        row = QHBoxLayout()
        row.addWidget(self.index)
        row.addWidget(self.info)
        row.addStretch(1)
        self.layout_.insertLayout(0, row)

    def _choose(self, index: int) -> None:
        runner = None if self.session is None else self.session.trainer.probes.get("feature_maps")
        if runner is None:
            return
        runner.configure(index=index)
        self.refresh_requested.emit()  # computed by the worker, even while paused

    def draw(self, snapshot: Any) -> None:
        payload = self.take(self.payload(snapshot))
        if payload is None:
            return
        self.index.blockSignals(True)
        self.index.setRange(0, payload["count"] - 1)
        self.index.setValue(payload["index"])
        self.index.blockSignals(False)
        label = "" if payload["label"] is None else f", label {payload['label']}"
        self.info.setText(f"{payload['split']} sample {payload['index']}{label}")
        titles = {"input": "input"}
        for nid, maps in payload["maps"].items():
            c, h, w = maps.shape
            titles[nid] = f"{nid}: {c} × {h}×{w}"
        self._panels(titles)
        x = payload["input"]
        self._show("input", to_rgba(x, GREY_LUT, float(x.min()), float(x.max())))
        for nid, mosaic in payload["mosaics"].items():
            self._show(nid, to_rgba(mosaic, GREY_LUT, 0.0, 1.0))


if __name__ == "__main__":
    import sys

    from ui.views.preview import preview
    preview("feature_maps" if "--maps" in sys.argv else "filters", "cnn")
