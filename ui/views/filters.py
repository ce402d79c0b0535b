"""Convolution views: the kernel mosaic of every conv layer, and one sample's feature maps.

Filters: one panel per conv layer. The first layer of a colour-picture network
draws each filter as one colour tile, its red, green and blue kernels as the
tile's three channels, each filter scaled on its own so that 0 is mid-grey (the
way CNN Explainer and the textbooks show first-layer filters); a near-square
grid of them. Every other layer has one row per output channel and the input
channels side by side (a near-square grid when there is one input channel),
orange negative / blue positive on the layer's symmetric scale, with its colour
bar: a deeper layer's input channels are feature maps, not colours, and their
mean would cancel kernels of opposite sign. Feature maps: the chosen sample (in
colour when it has three channels, as in the data preview) next to every
image-shaped layer output, each map scaled to its own range in grey. Panels
fill the dock's width and scroll vertically; a click on a kernel or a map opens
it large with its values (:class:`~ui.views.detail.DetailWindow`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtWidgets import QLabel, QSpinBox, QVBoxLayout

from ui.panels.data_preview import as_images, mosaic
from ui.views.base import View
from ui.views.colors import (
    color_bar,
    is_dark,
    show_heatmap,
    show_rgb,
    steady_levels,
    symmetric_levels,
)
from ui.views.detail import DetailWindow
from ui.views.flow import flow_row
from ui.views.mosaic import PanelGrid, Tiles
from ui.views.plotting import theme

#: Width of a panel's colour bar and its axis (pixels).
BAR_ROOM = 70
#: Names of a colour filter's kernels (its input channels), in order.
RGB = ("red", "green", "blue")
#: Under the panels: what a click does, and what colour tiles are (when there are some).
CLICK_HINT = "Click a tile to open it large with its values."
COLOUR_HINT = "Colour tiles: a filter's red, green and blue kernels, each filter on its " \
              "own scale (grey = 0). " + CLICK_HINT
#: The hint's tooltip: how every layer is drawn.
FILTERS_TIP = "A first layer that reads colour pictures: one colour tile per filter, its " \
              "red, green and blue kernels as the tile's channels, scaled by the filter's " \
              "largest weight (grey = 0).\nOther layers: a row per filter, one orange " \
              "(negative) / blue (positive) kernel per input channel, on the layer's " \
              "colour bar (their input channels are feature maps, not colours)."


def colour_filters(kernels: np.ndarray) -> np.ndarray:
    """First-layer kernels (out, 3, kh, kw) as colour tiles (out, kh, kw, 3) in [0, 1].

    Each filter is divided by its own largest absolute weight and centred: a weight of 0
    is mid-grey (0.5 in every channel), the filter's largest weights reach 0 or 1, and a
    filter's colour is what it responds to (a red-positive, green- and blue-negative
    filter is red).
    """
    kernels = np.asarray(kernels, np.float32)
    most = np.abs(kernels).reshape(len(kernels), -1).max(axis=1, initial=0.0)
    scale = np.float32(0.5) / np.maximum(most, np.float32(1e-12))  # (out,)
    return np.float32(0.5) + kernels.transpose(0, 2, 3, 1) * scale[:, None, None, None]


class MosaicView(View):
    """Shared machinery: a grid of titled mosaics, one per layer, and the detail window."""

    empty_text = ""
    min_panel_width = 260
    #: Tallest a panel's picture gets (pixels): a wide dock still shows several layers.
    max_panel_height = 900

    def __init__(self, parent=None):
        super().__init__(parent)
        self.dark = is_dark(self)
        self.grid = PanelGrid(self, min_width=self.min_panel_width,
                              max_height=self.max_panel_height)
        self.grid.clicked.connect(self._clicked)
        self.layout_ = QVBoxLayout(self.content)
        self.layout_.setContentsMargins(2, 2, 2, 2)
        self.layout_.addWidget(self.grid, 1)
        self.hint = QLabel(CLICK_HINT, wordWrap=True)
        self.hint.setStyleSheet("color: palette(placeholder-text);")
        self.layout_.addWidget(self.hint)
        self.detail: DetailWindow | None = None
        self.tiles: dict[str, Tiles] = {}  # panel key -> its mosaic's layout

    @property
    def panels(self) -> dict:
        """Panel key -> (PlotItem, ImageItem)."""
        return self.grid.panels

    def on_session(self, session: Any) -> None:
        self.grid.set_panels([])
        self.tiles = {}
        if session is not None and not all(p in session.trainer.probes for p in self.probes):
            self.set_message(self.empty_text)

    def _panels(self, titles: dict[str, str]) -> bool:
        """One titled panel per key; True when they are new."""
        new = self.grid.set_panels(list(titles))
        for key, text in titles.items():
            self.set_title(self.panels[key][0], text, size="9pt")
        return new

    def _clicked(self, key: str, x: float, y: float) -> None:
        tiles = self.tiles.get(key)
        index = None if tiles is None else tiles.at(x, y)
        if index is not None:
            self.open_detail(key, index)

    def open_detail(self, key: str, index: int) -> None:
        """Open tile ``index`` of panel ``key`` large (override: what the tile is)."""

    def _detail(self) -> DetailWindow:
        if self.detail is None:
            self.detail = DetailWindow(self)
        return self.detail

    def _detail_open(self) -> bool:
        return self.detail is not None and self.detail.isVisible()


class FiltersView(MosaicView):
    """Kernel mosaics per conv layer."""

    view_id = "filters"
    title = "Filters"
    empty_text = "No convolution layer to show."

    def __init__(self, parent=None):
        super().__init__(parent)
        self.bars: dict[str, Any] = {}
        self.levels: dict[str, tuple[float, float]] = {}
        self.kernels: dict[str, np.ndarray] = {}
        self.colour: set[str] = set()  # panels of colour filters

    def on_session(self, session: Any) -> None:
        super().on_session(session)
        self.bars, self.levels, self.kernels, self.colour = {}, {}, {}, set()

    def draw(self, snapshot: Any) -> None:
        payload = self.take(self.payload(snapshot))
        if payload is None:
            return
        titles = {nid: filters_title(nid, entry) for nid, entry in payload.items()}
        if list(titles) != list(self.panels):
            self.bars, self.levels = {}, {}
        new = self._panels(titles)
        self.hint.setText(COLOUR_HINT if any(e.get("rgb") for e in payload.values())
                          else CLICK_HINT)
        self.hint.setToolTip(FILTERS_TIP)
        for nid, entry in payload.items():
            self.kernels[nid] = entry["kernels"]
            if entry.get("rgb"):
                self.colour.add(nid)
                self._colour_panel(nid, entry["kernels"], new)
            else:
                self._signed_panel(nid, entry)
        if self._detail_open() and self.detail.key[0] in self.kernels:
            self.open_detail(*self.detail.key)

    def _colour_panel(self, nid: str, kernels: np.ndarray, new: bool) -> None:
        """One colour tile per filter, in a near-square grid, no colour bar."""
        out_c, _, kh, kw = kernels.shape
        tiles = self.tiles[nid] = Tiles.square(out_c, kh, kw)
        picture = mosaic(colour_filters(kernels), tiles.columns)
        plot, item = self.panels[nid]
        show_rgb(item, picture, (0.0, 1.0))
        self.grid.set_aspect(nid, picture.shape[0] / picture.shape[1])
        if new:
            plot.getViewBox().autoRange(padding=0.01)

    def _signed_panel(self, nid: str, entry: dict) -> None:
        """A row of kernels per filter (one per input channel) on the layer's colour bar."""
        out_c, in_c, kh, kw = entry["kernels"].shape
        self.tiles[nid] = Tiles.square(out_c, kh, kw) if in_c == 1 \
            else Tiles(out_c * in_c, kh, kw, in_c)
        mosaic_ = entry["mosaic"]
        vmax = max(entry["vmax"], 1e-6)
        levels = steady_levels(self.levels.get(nid), (-vmax, vmax))
        self.levels[nid] = levels
        plot, item = self.panels[nid]
        show_heatmap(item, mosaic_, "signed", levels, self.dark)
        if nid not in self.bars:
            self.bars[nid] = color_bar(plot, item, "signed", levels, theme(self)[1], self.dark)
            plot.getViewBox().autoRange(padding=0.01)
        self.grid.set_aspect(nid, mosaic_.shape[0] / mosaic_.shape[1], BAR_ROOM)

    def open_detail(self, key: str, index: int) -> None:
        kernels = self.kernels[key]
        out_c, in_c = kernels.shape[:2]
        if key in self.colour:  # a tile is a filter: its three kernels side by side
            if index < out_c:
                self._detail().show_values(
                    (key, index), f"{key}: filter {index}", kernels[index], "signed",
                    symmetric_levels(kernels[index]), parts=RGB)
            return
        if index >= out_c * in_c:
            return
        out, channel = divmod(index, in_c)
        where = f", input channel {channel}" if in_c > 1 else ""
        self._detail().show_values((key, index), f"{key}: filter {out}{where}",
                                   kernels[out, channel], "signed", self.levels[key])


def filters_title(nid: str, entry: dict) -> str:
    """A filters panel's title: "conv_1: 32 colour filters, 3×3" for the first layer of a
    colour network, else "conv_2: 64 filters × 32 channels, 3×3"."""
    out_c, in_c, kh, kw = entry["kernels"].shape
    if entry.get("rgb"):
        return f"{nid}: {out_c} colour filters, {kh}×{kw}"
    return f"{nid}: {out_c} filters × {in_c} channel{'s' * (in_c > 1)}, {kh}×{kw}"


class FeatureMapsView(MosaicView):
    """The chosen sample and its feature maps per layer."""

    view_id = "feature_maps"
    title = "Feature maps"
    empty_text = "Feature maps need image inputs and a convolution layer."
    min_panel_width = 200
    max_panel_height = 280

    def __init__(self, parent=None):
        super().__init__(parent)
        self.index = QSpinBox()
        self.index.setRange(0, 0)
        self.index.setPrefix("sample ")
        self.index.valueChanged.connect(self._choose)
        self.info = QLabel()
        self.layout_.insertWidget(0, flow_row(self.index, self.info))
        self.maps: dict[str, np.ndarray] = {}

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
        first = self._panels(titles)
        x = payload["input"]  # (C, H, W)
        self.maps = {"input": x, **payload["maps"]}
        picture = as_images(x[None])[0]  # (H, W, 3) in colour, else (H, W)
        self.tiles["input"] = Tiles(1, *picture.shape[:2], 1)
        self._show("input", picture, value_range(x), first)
        for nid, mosaic_ in payload["mosaics"].items():
            c, h, w = payload["maps"][nid].shape
            self.tiles[nid] = Tiles.square(c, h, w)
            self._show(nid, mosaic_, (0.0, 1.0), first)
        if self._detail_open() and self.detail.key[0] in self.maps:
            self.open_detail(*self.detail.key)

    def _show(self, key: str, picture: np.ndarray, levels: tuple[float, float],
              first: bool) -> None:
        """Picture (H, W) in grey, or (H, W, 3) in colour, its channels on one scale."""
        plot, item = self.panels[key]
        if picture.ndim == 3:
            show_rgb(item, picture, levels)
        else:
            show_heatmap(item, picture, "grey", levels)
        self.grid.set_aspect(key, picture.shape[0] / picture.shape[1])
        if first:
            plot.getViewBox().autoRange(padding=0.01)

    def open_detail(self, key: str, index: int) -> None:
        maps = self.maps[key]
        if key == "input":  # one tile: the sample, its channels side by side
            if index == 0:
                channels = len(maps)
                names = RGB if channels == 3 else tuple(f"channel {c}" for c in range(channels))
                # One channel: the picture itself, no parts.
                names = names if channels > 1 else ()
                self._detail().show_values((key, index), "the input",
                                           maps if channels > 1 else maps[0], "grey",
                                           value_range(maps), parts=names[:channels])
            return
        if index >= len(maps):
            return
        self._detail().show_values((key, index), f"{key}: map {index}", maps[index], "grey",
                                   value_range(maps[index]))


def value_range(values: np.ndarray) -> tuple[float, float]:
    """(lowest, highest) finite value of ``values``; a span of 1 above a constant."""
    finite = values[np.isfinite(values)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    return lo, hi if hi > lo else lo + 1.0


if __name__ == "__main__":
    import sys

    from ui.views.preview import preview
    preview("feature_maps" if "--maps" in sys.argv else "filters", "cnn")
