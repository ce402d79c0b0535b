"""A heatmap plot with its colour bar, for the text and attention views.

Values are drawn through a pyqtgraph ``ColorMap`` and a ``ColorBarItem`` (every
heatmap has a colour bar); row 0 is at the top, as in a matrix. NaN cells
are left transparent, so what lies behind them (the hatched causal triangle
of an attention map) shows through.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF

from ui.views.colors import colormap
from ui.views.plotting import image_item, style_plot

#: White to the playground's blue: weights and probabilities in [0, 1].
WEIGHTS = colormap("weights")
#: Orange through near-white to blue: values in [-1, 1] (sines and cosines).
SIGNED = colormap("signed")


class Heatmap:
    """A (rows, columns) array drawn in a plot of ``layout`` at (row, col), bar to its right.

    Parameters
    ----------
    layout : pyqtgraph.GraphicsLayout
        Where the plot and its colour bar go.
    fg : colour
        Axis and text colour.
    cmap : pyqtgraph.ColorMap
        :data:`WEIGHTS` or :data:`SIGNED`.
    levels : (float, float)
        Values at the two ends of the colour bar.
    square : bool
        Keep the cells square (a matrix of tokens against tokens).
    bar_below : bool
        A horizontal colour bar under the plot instead of a vertical one to its right.
    """

    def __init__(self, layout: pg.GraphicsLayout, row: int, col: int, fg: Any,
                 cmap: pg.ColorMap = WEIGHTS, levels: tuple[float, float] = (0.0, 1.0),
                 title: str | None = None, x: str | None = None, y: str | None = None,
                 bar_label: str | None = None, square: bool = False, bar_below: bool = False):
        self.plot = style_plot(layout.addPlot(row=row, col=col), fg, title, x, y)
        self.plot.getViewBox().invertY(True)
        self.plot.getViewBox().setAspectLocked(square)  # square cells: a token x token matrix
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        self.image = image_item()
        self.plot.addItem(self.image)
        self.bar = pg.ColorBarItem(values=levels, colorMap=cmap, interactive=False, width=12,
                                   label=bar_label,
                                   orientation="horizontal" if bar_below else "vertical")
        self.bar.setImageItem(self.image)
        for name in ("left", "right", "top", "bottom"):
            axis = self.bar.getAxis(name)
            axis.setPen(pg.mkPen(fg))
            axis.setTextPen(pg.mkPen(fg))
        if bar_below:
            layout.addItem(self.bar, row=row + 1, col=col)
        else:
            layout.addItem(self.bar, row=row, col=col + 1)
        self.shape: tuple[int, int] = (0, 0)

    def set(self, values: np.ndarray, levels: tuple[float, float] | None = None,
            rect: QRectF | None = None) -> None:
        """Show ``values`` (rows, columns); cell (i, j) covers [j, j+1] x [i, i+1] unless
        ``rect`` places the whole image elsewhere."""
        values = np.asarray(values, np.float32)
        if levels is not None:
            self.bar.setLevels(levels)
        self.image.setImage(values, autoLevels=False, levels=self.bar.levels())
        rows, cols = values.shape
        if rect is None:
            rect = QRectF(0.0, 0.0, float(cols), float(rows))
        self.image.setRect(rect)
        if (rows, cols) != self.shape:
            self.shape = (rows, cols)
            self.plot.setRange(rect=rect, padding=0.0)

    def cell_at(self, scene_pos: Any) -> tuple[int, int] | None:
        """(row, column) of the cell under a scene position, or None outside the image."""
        if not self.plot.sceneBoundingRect().contains(scene_pos):
            return None
        point = self.plot.getViewBox().mapSceneToView(scene_pos)
        rect = self.image.mapRectToParent(self.image.boundingRect())
        rows, cols = self.shape
        if not rows or not rect.contains(point):
            return None
        col = int((point.x() - rect.left()) / rect.width() * cols)
        row = int((point.y() - rect.top()) / rect.height() * rows)
        return min(row, rows - 1), min(col, cols - 1)
