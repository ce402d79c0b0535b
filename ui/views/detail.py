"""One filter or feature map opened large with its values (CNN Explainer's detail view).

A click on a tile of the filters or feature-maps mosaic opens a
:class:`DetailWindow`: the picture at a readable size with its colour bar,
every value written in its cell when there are at most :data:`MAX_WRITTEN`
(a 9 x 9 kernel, a 12 x 12 map), else the value under the mouse, and its
minimum, maximum and mean. Several arrays of one thing (a colour filter's red,
green and blue kernels) are shown side by side, named under their columns.
While it is open, the view that opened it hands it the newest values of the
same tile, so it follows training.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QDialog, QLabel, QVBoxLayout, QWidget

from ui.views.colors import color_bar, contrast_text, is_dark, lookup_table, show_heatmap
from ui.views.plotting import image_item, layout_widget, style_plot, theme

#: Largest number of values written in their cells.
MAX_WRITTEN = 256


class DetailWindow(QDialog):
    """A non-modal window showing one 2-D array large, with its scale and values.

    Attributes
    ----------
    key : object
        What it shows (the opening view's tile key); None before the first show.
    values : ndarray or None
        The (H, W) array shown (parts side by side with a NaN column between).
    parts : tuple of str
        Names of the parts side by side, left to right (empty: one array).
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("detail_window")
        self.setModal(False)
        self.resize(520, 560)
        self.key: Any = None
        self.values: np.ndarray | None = None
        self.parts: tuple[str, ...] = ()
        self.part_width = 0  # columns of one part
        self.dark = is_dark(self)
        _, self._fg = theme(self)
        self.heading = QLabel(wordWrap=True, objectName="detail_heading")
        self.canvas = layout_widget(self)
        self.plot = style_plot(self.canvas.addPlot(row=0, col=0), self._fg, x="column", y="row")
        self.plot.getViewBox().setAspectLocked(True)
        self.plot.getViewBox().invertY(True)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.image = image_item()
        self.plot.addItem(self.image)
        self.bar: Any = None
        self._map = ""
        self.texts: list[pg.TextItem] = []
        self.stats = QLabel(wordWrap=True, objectName="detail_stats")
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.stats)
        self.canvas.scene().sigMouseMoved.connect(self._hover)
        self.plot.getViewBox().sigResized.connect(self._fit_texts)

    def show_values(self, key: Any, title: str, values: np.ndarray, cmap: str,
                    levels: tuple[float, float], parts: Sequence[str] = ()) -> None:
        """Show ``values`` (H, W) of ``key`` through colour map ``cmap`` at ``levels``;
        with ``parts``, ``values`` is (len(parts), H, W), shown side by side and named."""
        values = np.asarray(values, np.float32)
        size = f"{values.shape[-2]} × {values.shape[-1]}"
        self.parts, self.part_width = tuple(parts), values.shape[-1]
        if parts:
            size = f"{', '.join(parts)} left to right, {size} each"
            values = side_by_side(values)
        new = key != self.key or self.values is None or values.shape != self.values.shape
        self.key, self.values = key, values
        self.setWindowTitle(title)
        self.heading.setText(f"<b>{title}</b> ({size})")
        if cmap != self._map:
            if self.bar is not None:
                self.plot.layout.removeItem(self.bar)
                self.bar.scene().removeItem(self.bar)
            self.bar = color_bar(self.plot, self.image, cmap, levels, self._fg, self.dark)
            self._map = cmap
        show_heatmap(self.image, values, cmap, levels, self.dark)
        self.image.setRect(0, 0, values.shape[1], values.shape[0])
        if new:
            self.plot.setRange(xRange=(0, values.shape[1]), yRange=(0, values.shape[0]),
                               padding=0.02)
            self.plot.getAxis("left").setTicks([cell_ticks(values.shape[0])])
            count = max(len(self.parts), 1)
            self.plot.getAxis("bottom").setTicks([[
                (k * (self.part_width + 1) + x, text) for k in range(count)
                for x, text in cell_ticks(self.part_width, 12 // count)]])
            self.plot.setLabel("bottom", " · ".join(self.parts) if self.parts else "column",
                               color=self._fg)
        self._write(values, cmap, levels)
        finite = values[np.isfinite(values)]
        if finite.size:
            self.stats.setText(f"min {finite.min():.4g} · max {finite.max():.4g} · "
                               f"mean {finite.mean():.4g}")
        if not self.isVisible():
            self.show()
        self.raise_()

    def _write(self, values: np.ndarray, cmap: str, levels: tuple[float, float]) -> None:
        """Each value in its cell, in black or white against the cell's colour."""
        if values.size > MAX_WRITTEN:
            values = values[:0, :0]
        if len(self.texts) != values.size:
            for text in self.texts:
                self.plot.removeItem(text)
            self.texts = []
            for row, col in np.ndindex(values.shape):
                text = pg.TextItem(anchor=(0.5, 0.5))
                text.setPos(col + 0.5, row + 0.5)
                self.plot.addItem(text)
                self.texts.append(text)
        table = lookup_table(cmap, self.dark)
        lo, hi = levels
        span = hi - lo if hi > lo else 1.0
        for text, value in zip(self.texts, values.flat):
            text.setText(f"{value:.2g}" if np.isfinite(value) else "")  # a gap stays blank
            index = int(np.clip((value - lo) / span * 255, 0, 255)) if np.isfinite(value) else 0
            text.setColor(contrast_text(table[index]))
        self._fit_texts()

    def _fit_texts(self, *_: Any) -> None:
        """A font that fits the cells at the window's size."""
        if self.values is None or not self.texts:
            return
        box = self.plot.getViewBox()
        h, w = self.values.shape
        cell = min(box.width() / w, box.height() / h)
        base = QFont(self.font())
        widest = max(QFontMetrics(base).horizontalAdvance(t.toPlainText()) for t in self.texts)
        fits = 0.88 * cell / max(widest, 1)
        font = QFont(base)
        font.setPointSizeF(max(base.pointSizeF() * min(fits, 1.2), 1.0))
        for text in self.texts:
            text.setFont(font)
            text.setVisible(font.pointSizeF() >= 5.5)

    def _hover(self, pos: Any) -> None:
        if self.values is None or not self.plot.getViewBox().sceneBoundingRect().contains(pos):
            return
        point = self.image.mapFromScene(pos)
        row, col = int(point.y()), int(point.x())
        h, w = self.values.shape
        if 0 <= row < h and 0 <= col < w and np.isfinite(self.values[row, col]):
            self.stats.setToolTip("")
            finite = self.values[np.isfinite(self.values)]
            summary = (f"min {finite.min():.4g} · max {finite.max():.4g} · "
                       f"mean {finite.mean():.4g}") if finite.size else ""
            value = self.values[row, col]
            where = f"row {row}, column {col}"
            if self.parts:  # the column within its part
                part, col = divmod(col, self.part_width + 1)
                where = f"{self.parts[part]}, row {row}, column {col}"
            self.stats.setText(f"{where}: {value:.4g}   ({summary})")


def side_by_side(parts: np.ndarray) -> np.ndarray:
    """(C, H, W) arrays as one (H, C * (W + 1) - 1) array, a NaN column between them."""
    c, h, w = parts.shape
    out = np.full((h, c * (w + 1) - 1), np.nan, np.float32)
    for k in range(c):
        out[:, k * (w + 1):k * (w + 1) + w] = parts[k]
    return out


def cell_ticks(count: int, most: int = 12) -> list[tuple[float, str]]:
    """Labels 0, 1, ... on the centres of ``count`` cells, at most about ``most`` of them."""
    step = max(1, -(-count // max(most, 1)))
    return [(i + 0.5, str(i)) for i in range(0, count, step)]
