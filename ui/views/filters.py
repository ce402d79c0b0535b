"""Convolution views: the kernel mosaic of every conv layer, and one sample's feature maps.

Filters: one panel per conv layer, one row per output channel and the input
channels side by side (a near-square grid when there is one input channel),
orange negative / blue positive on the layer's symmetric scale, with its
colour bar. Feature maps: the chosen sample next to every image-shaped layer
output, each map scaled to its own range in grey. Panels fill the dock's
width and scroll vertically; a click on a kernel or a map opens it large with
its values (:class:`~ui.views.detail.DetailWindow`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtWidgets import QLabel, QSpinBox, QVBoxLayout

from ui.views.base import View
from ui.views.colors import color_bar, is_dark, show_heatmap, steady_levels
from ui.views.detail import DetailWindow
from ui.views.flow import flow_row
from ui.views.mosaic import PanelGrid, Tiles
from ui.views.plotting import theme

#: Width of a panel's colour bar and its axis (pixels).
BAR_ROOM = 70


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
        self.hint = QLabel("Click a tile to open it large with its values.", wordWrap=True)
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

    def _panels(self, titles: dict[str, str]) -> None:
        self.grid.set_panels(list(titles))
        for key, text in titles.items():
            self.set_title(self.panels[key][0], text, size="9pt")

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

    def on_session(self, session: Any) -> None:
        super().on_session(session)
        self.bars, self.levels, self.kernels = {}, {}, {}

    def draw(self, snapshot: Any) -> None:
        payload = self.take(self.payload(snapshot))
        if payload is None:
            return
        titles = {}
        for nid, entry in payload.items():
            out_c, in_c, kh, kw = entry["kernels"].shape
            titles[nid] = f"{nid}: {out_c} filters × {in_c} channel{'s' * (in_c > 1)}, " \
                          f"{kh}×{kw}"
        if list(titles) != list(self.panels):
            self.bars, self.levels = {}, {}
        self._panels(titles)
        _, fg = theme(self)
        for nid, entry in payload.items():
            kernels = entry["kernels"]
            out_c, in_c, kh, kw = kernels.shape
            self.kernels[nid] = kernels
            self.tiles[nid] = Tiles.square(out_c, kh, kw) if in_c == 1 \
                else Tiles(out_c * in_c, kh, kw, in_c)
            mosaic = entry["mosaic"]
            vmax = max(entry["vmax"], 1e-6)
            levels = steady_levels(self.levels.get(nid), (-vmax, vmax))
            self.levels[nid] = levels
            plot, item = self.panels[nid]
            show_heatmap(item, mosaic, "signed", levels, self.dark)
            if nid not in self.bars:
                self.bars[nid] = color_bar(plot, item, "signed", levels, fg, self.dark)
                plot.getViewBox().autoRange(padding=0.01)
            self.grid.set_aspect(nid, mosaic.shape[0] / mosaic.shape[1], BAR_ROOM)
        if self._detail_open() and self.detail.key[0] in self.kernels:
            self.open_detail(*self.detail.key)

    def open_detail(self, key: str, index: int) -> None:
        kernels = self.kernels[key]
        out_c, in_c = kernels.shape[:2]
        if index >= out_c * in_c:
            return
        out, channel = divmod(index, in_c)
        where = f", input channel {channel}" if in_c > 1 else ""
        self._detail().show_values((key, index), f"{key}: filter {out}{where}",
                                   kernels[out, channel], "signed", self.levels[key])


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
        first = list(titles) != list(self.panels)
        self._panels(titles)
        x = payload["input"]
        self.maps = {"input": x[None], **payload["maps"]}
        self.tiles["input"] = Tiles(1, *x.shape, 1)
        self._show("input", x, (float(x.min()), float(x.max())), first)
        for nid, mosaic in payload["mosaics"].items():
            c, h, w = payload["maps"][nid].shape
            self.tiles[nid] = Tiles.square(c, h, w)
            self._show(nid, mosaic, (0.0, 1.0), first)
        if self._detail_open() and self.detail.key[0] in self.maps:
            self.open_detail(*self.detail.key)

    def _show(self, key: str, picture: np.ndarray, levels: tuple[float, float],
              first: bool) -> None:
        plot, item = self.panels[key]
        lo, hi = levels
        show_heatmap(item, picture, "grey", (lo, hi if hi > lo else lo + 1.0))
        self.grid.set_aspect(key, picture.shape[0] / picture.shape[1])
        if first:
            plot.getViewBox().autoRange(padding=0.01)

    def open_detail(self, key: str, index: int) -> None:
        maps = self.maps[key]
        if index >= len(maps):
            return
        values = maps[index]
        what = "the input" if key == "input" else f"{key}: map {index}"
        finite = values[np.isfinite(values)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        self._detail().show_values((key, index), what, values, "grey",
                                   (lo, hi if hi > lo else lo + 1.0))


if __name__ == "__main__":
    import sys

    from ui.views.preview import preview
    preview("feature_maps" if "--maps" in sys.argv else "filters", "cnn")
