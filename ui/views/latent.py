"""Latent-space view: a chosen node's activations for the validation set, in 2-D.

Points are coloured by class (or by target value for regression), the node
and the projection (PCA / t-SNE) are chosen above the plot; a 2-unit node is
shown directly. When the task can decode latent points (a VAE), a traversal
grid of decoded samples over the latent plane is shown beside the scatter (below
it in a tall dock). The plane is drawn to scale; the legend sits above it,
never over the points.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QComboBox, QLabel, QVBoxLayout

from ui.views.base import View
from ui.views.colors import class_color, is_dark, map_colors, show_heatmap
from ui.views.flow import flow_row, labelled
from ui.views.labels import legend_row
from ui.views.plotting import image_item, layout_widget, plain_plot, style_plot, theme

METHODS = (("PCA", "pca"), ("t-SNE", "tsne"))


class LatentView(View):
    """Scatter of a node's activations projected to 2-D, coloured by label."""

    view_id = "latent"
    title = "Latent space"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.node = QComboBox()
        self.node.setMinimumContentsLength(6)
        self.method = QComboBox()
        for text, key in METHODS:
            self.method.addItem(text, key)
        self.node.activated.connect(self._changed)
        self.method.activated.connect(self._changed)
        self.info = QLabel()
        row = flow_row(labelled("Node", self.node), labelled("Projection", self.method))
        self.dark = is_dark(self)
        self.canvas = layout_widget(self)
        _, fg = theme(self)
        self.plot = style_plot(pg.PlotItem(), fg)
        self.plot.getViewBox().setAspectLocked(True)  # to scale
        self.scatter = pg.ScatterPlotItem(size=6, pen=pg.mkPen(None))
        self.plot.addItem(self.scatter)
        self.traversal_plot = plain_plot(pg.PlotItem())
        self.set_title(self.traversal_plot, "decoded latent grid", size="9pt")
        self.traversal = image_item()
        self.traversal_plot.addItem(self.traversal)
        self.traversal_plot.setVisible(False)
        self.legend = legend_row(self.canvas.ci, self.plot, fg, row=0, col=0)
        self.canvas.ci.addItem(self.plot, row=1, col=0)
        self.canvas.ci.addItem(self.traversal_plot, row=1, col=1)
        self.info.setWordWrap(True)
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(row)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.info)
        self._legend_key: Any = None
        self._side_by_side = True

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        self._place_traversal(event.size().width() >= 1.25 * event.size().height())
        super().resizeEvent(event)

    def _place_traversal(self, beside: bool) -> None:
        """The decoded grid beside the scatter in a wide view, under it in a tall one."""
        if beside == self._side_by_side:
            return
        self._side_by_side = beside
        layout = self.canvas.ci
        layout.removeItem(self.traversal_plot)
        layout.addItem(self.traversal_plot, row=1 if beside else 2, col=1 if beside else 0)
        # Under the scatter, the grid (an overview) takes the smaller share of the height:
        # the scatter is the point of the view.
        layout.layout.setRowStretchFactor(1, 1 if beside else 3)
        layout.layout.setRowStretchFactor(2, 0 if beside else 2)

    def on_session(self, session: Any) -> None:
        self._legend_key = None
        self.node.clear()
        if session is not None and "latent" not in session.trainer.probes:
            self.set_message("The latent view needs a network and a dataset.")

    def _changed(self, *_: Any) -> None:
        runner = None if self.session is None else self.session.trainer.probes.get("latent")
        if runner is None:
            return
        runner.configure(node=self.node.currentData(), method=self.method.currentData())
        self.refresh_requested.emit()  # computed by the worker, even while paused

    def draw(self, snapshot: Any) -> None:
        p = self.take(self.payload(snapshot))
        if p is None:
            return
        self._sync_controls(p)
        coords = p["coords"]
        self.scatter.setData(x=coords[:, 0], y=coords[:, 1], brush=self._brushes(p))
        axes = {"direct": ("unit 0", "unit 1"), "pca": ("PC 1", "PC 2"),
                "tsne": ("t-SNE 1", "t-SNE 2")}[p["method"]]
        self.plot.setLabel("bottom", axes[0])
        self.plot.setLabel("left", axes[1])
        text = f"{p['node']} ({p['dim']}-D), {len(coords)} {p['split']} samples"
        if p["explained"] is not None:
            text += ", variance explained " + " + ".join(f"{v:.0%}" for v in p["explained"])
        self.info.setText(text)
        name = {"direct": "Activations", "pca": "PCA", "tsne": "t-SNE"}[p["method"]]
        self.set_title(self.plot, f"{name} of {p['node']}")
        travel = p.get("traversal")
        self.traversal_plot.setVisible(travel is not None)
        if travel is not None:
            show_heatmap(self.traversal, travel["mosaic"], "grey", (0.0, 1.0))
            self.traversal_plot.getViewBox().autoRange(padding=0.01)

    def _sync_controls(self, p: dict) -> None:
        ids = [nid for nid, _ in p["candidates"]]
        if [self.node.itemData(i) for i in range(self.node.count())] != ids:
            self.node.clear()
            for nid, dim in p["candidates"]:
                self.node.addItem(f"{nid} ({dim})", nid)
        self.node.setCurrentIndex(max(ids.index(p["node"]), 0) if p["node"] in ids else 0)
        direct = p["method"] == "direct"
        self.method.setEnabled(not direct)
        if not direct:
            self.method.setCurrentIndex(0 if p["method"] == "pca" else 1)

    def _brushes(self, p: dict) -> list:
        labels, kind = p["labels"], p["label_kind"]
        if labels is None:
            return [pg.mkBrush(90, 90, 90, 200)] * len(p["coords"])
        if kind == "class":
            key = ("class", tuple(np.unique(labels)), p["class_names"])
            if key != self._legend_key:
                self._legend_key = key
                self.legend.clear()
                for k in key[1]:
                    name = p["class_names"][k] if k < len(p["class_names"]) else str(k)
                    sample = pg.ScatterPlotItem(size=8, pen=pg.mkPen(None),
                                                brush=pg.mkBrush(*class_color(int(k))))
                    self.legend.addItem(sample, name)
            table = [pg.mkBrush(*class_color(k), 220) for k in range(int(labels.max()) + 1)]
            return [table[int(k)] for k in labels]
        self.legend.clear()
        self._legend_key = None
        rgba = map_colors(labels, "signed", (float(np.min(labels)), float(np.max(labels))),
                          self.dark)
        return [pg.mkBrush(*c) for c in rgba]


if __name__ == "__main__":
    from ui.views.preview import preview
    preview("latent", "autoencoder")
