"""Samples view: inputs next to reconstructions (and noisy inputs), generated samples.

One panel per kind of picture (input, noisy, output, generated), the same
samples in the same places in every panel, so a sample reads input -> what the
model made of it. A few samples sit in one row; many (a GAN's fixed noise
batch) in a near-square grid. Panels fill the dock's width and scroll.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtWidgets import QVBoxLayout

from playground.probes.conv import tile
from ui.views.base import View
from ui.views.colors import show_heatmap
from ui.views.mosaic import PanelGrid

ROW_TITLES = {"input": "input", "noisy": "noisy input", "output": "reconstruction",
              "generated": "generated (fixed noise)"}
#: Samples laid out in one row at most; more make a near-square grid.
ONE_ROW = 12


def columns_for(count: int) -> int:
    """Tiles per row for ``count`` samples."""
    return count if count <= ONE_ROW else max(1, math.ceil(math.sqrt(count)))


class SamplesView(View):
    """Panels of sample images."""

    view_id = "samples"
    title = "Samples"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.grid = PanelGrid(self, min_width=10_000)  # one panel per row, full width
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.grid)

    @property
    def rows(self) -> dict:
        """Row name -> (PlotItem, ImageItem)."""
        return self.grid.panels

    def on_session(self, session: Any) -> None:
        self.grid.set_panels([])
        if session is not None and "samples" not in session.trainer.probes:
            self.set_message("Samples need an autoencoder (output shaped like the input) or a "
                             "generative model of images (a GAN on one or two numbers per "
                             "sample is shown by the Distributions view).")

    def draw(self, snapshot: Any) -> None:
        p = self.take(self.payload(snapshot))
        if p is None:
            return
        first = self.grid.set_panels(list(p["rows"]))
        if first:
            for name in p["rows"]:
                self.set_title(self.rows[name][0], ROW_TITLES.get(name, name), size="9pt")
        lo, hi = p["levels"]
        for name, images in p["rows"].items():
            plot, item = self.rows[name]
            mosaic = tile(images, columns=columns_for(len(images)), gap=1)
            show_heatmap(item, mosaic, "grey", (lo, hi if hi > lo else lo + 1.0))
            self.grid.set_aspect(name, mosaic.shape[0] / mosaic.shape[1])
            if first:
                plot.getViewBox().autoRange(padding=0.01)


if __name__ == "__main__":
    from ui.views.preview import preview
    preview("samples", "denoise")
