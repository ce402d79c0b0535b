"""Samples view: inputs next to reconstructions (and noisy inputs), generated samples.

One row per kind of picture (input, noisy, output, generated), the same
samples in every column, so a column reads input -> what the model made of it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QVBoxLayout

from playground.probes.conv import tile
from ui.views.base import View, image_item, layout_widget, plain_plot, theme
from ui.views.colors import GREY_LUT, to_rgba

ROW_TITLES = {"input": "input", "noisy": "noisy input", "output": "reconstruction",
              "generated": "generated (fixed noise)"}


class SamplesView(View):
    """Rows of sample images."""

    view_id = "samples"
    title = "Samples"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.canvas = layout_widget(self)
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.canvas)
        self.rows: dict[str, Any] = {}

    def on_session(self, session: Any) -> None:
        self.canvas.clear()
        self.rows = {}
        if session is None or "samples" not in session.trainer.probes:
            self.set_message("Samples need an autoencoder (output shaped like the input) or a "
                             "generative model of images (a GAN on one or two numbers per "
                             "sample is shown by the Distributions view).")

    def draw(self, snapshot: Any) -> None:
        p = self.take(self.payload(snapshot))
        if p is None:
            return
        if list(p["rows"]) != list(self.rows):
            self.canvas.clear()
            self.rows = {}
            _, fg = theme(self)
            for i, name in enumerate(p["rows"]):
                plot = plain_plot(self.canvas.addPlot(row=i, col=0))
                plot.setTitle(ROW_TITLES.get(name, name), color=fg, size="9pt")
                item = image_item()
                plot.addItem(item)
                self.rows[name] = (plot, item)
        lo, hi = p["levels"]
        for name, images in p["rows"].items():
            plot, item = self.rows[name]
            mosaic = tile(images, columns=len(images), gap=1)
            item.setImage(to_rgba(mosaic, GREY_LUT, lo, hi, background=(255, 255, 255, 0)),
                          autoLevels=False)
            plot.getViewBox().autoRange(padding=0.01)


if __name__ == "__main__":
    from ui.views.preview import preview
    preview("samples", "denoise")
