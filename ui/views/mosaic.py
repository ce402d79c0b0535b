"""Grids of titled image panels that fit their dock: columns follow the width, each panel's
height follows its picture's shape, and what does not fit scrolls vertically.

:class:`PanelGrid` is the scroll area the weights, filters and feature-map views
draw in; :class:`Tiles` says which tile of a mosaic (see
:func:`playground.probes.conv.tile`) a point falls in, for click-to-enlarge.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, Qt, Signal
from PySide6.QtWidgets import QFrame, QScrollArea, QWidget

from ui.views.plotting import layout_widget, plain_plot, style_plot, theme

#: Height of a panel's title and margins (pixels), beside its picture.
CHROME = 34
#: A panel with axes: the bottom axis's ticks and label under the picture as well (without
#: it a weight matrix 0.37 times as tall as wide was drawn 12 px tall at 1366x768).
AXES_CHROME = 40


@dataclass(frozen=True)
class Tiles:
    """The layout of a mosaic: ``count`` tiles of ``height`` x ``width`` pixels,
    ``columns`` per row, ``gap`` pixels apart (row 0 at the top)."""

    count: int
    height: int
    width: int
    columns: int
    gap: int = 1

    @staticmethod
    def square(count: int, height: int, width: int, gap: int = 1) -> Tiles:
        """The near-square grid :func:`~playground.probes.conv.tile` makes by default."""
        return Tiles(count, height, width, max(1, math.ceil(math.sqrt(count))), gap)

    def at(self, x: float, y: float) -> int | None:
        """Index of the tile under pixel coordinates (``x`` across, ``y`` down), None in a
        gap or outside."""
        if x < 0 or y < 0:
            return None
        col, dx = divmod(int(x), self.width + self.gap)
        row, dy = divmod(int(y), self.height + self.gap)
        if dx >= self.width or dy >= self.height or col >= self.columns:
            return None
        index = row * self.columns + col
        return index if index < self.count else None


class PanelGrid(QScrollArea):
    """Titled image panels in as many columns as fit, scrolling vertically.

    Parameters
    ----------
    owner : QWidget
        Whose palette colours the plots.
    min_width : int
        Narrowest a panel gets before the grid drops a column.
    axes : bool
        Plots with axes (weights: unit and input indices) instead of bare pictures.

    Signals
    -------
    clicked(str, float, float)
        A left click on panel ``key`` at image coordinates (x across, y down).
    """

    clicked = Signal(str, float, float)

    def __init__(self, owner: QWidget, min_width: int = 200, axes: bool = False,
                 max_height: int = 900):
        super().__init__()
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.canvas = layout_widget(owner)
        self.canvas.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.canvas.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidget(self.canvas)
        self.min_width, self.axes, self.max_height = min_width, axes, max_height
        self._fg = theme(owner)[1]
        self.panels: dict[str, tuple[pg.PlotItem, pg.ImageItem]] = {}
        self.aspects: dict[str, float] = {}  # key -> picture height / width
        self.extra: dict[str, float] = {}  # key -> room for a colour bar or axes (pixels)
        self.columns = 1
        self.canvas.scene().sigMouseClicked.connect(self._on_click)
        self.viewport().installEventFilter(self)

    def set_panels(self, keys: list[str], smooth: bool = False) -> bool:
        """Make one panel per key (keeping them when the keys are unchanged); True if new."""
        from ui.views.plotting import image_item

        if keys == list(self.panels):
            return False
        self.canvas.clear()
        self.panels, self.aspects, self.extra = {}, {}, {}
        for key in keys:
            plot = pg.PlotItem()
            if self.axes:
                style_plot(plot, self._fg)
                plot.setMouseEnabled(False, False)
                plot.hideButtons()
                plot.getViewBox().invertY(True)
            else:
                plain_plot(plot)
            item = image_item(smooth)
            plot.addItem(item)
            # A new panel height must not crop the picture: refit it whenever it resizes.
            box = plot.getViewBox()
            box.sigResized.connect(lambda b=box: b.autoRange(padding=0.01))
            self.panels[key] = (plot, item)
            self.aspects[key] = 1.0
        self.relayout()
        return True

    def set_aspect(self, key: str, aspect: float, extra: float = 0.0) -> None:
        """Panel ``key`` shows a picture ``aspect`` times as tall as wide, plus ``extra``
        pixels of width beside it (a colour bar, axes)."""
        if self.aspects.get(key) != aspect or self.extra.get(key) != extra:
            self.aspects[key], self.extra[key] = aspect, extra
            self.relayout()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt)
        if watched is self.viewport() and event.type() == QEvent.Type.Resize:
            self.relayout()
        return False

    def relayout(self) -> None:
        """Columns for the width, row heights for the pictures, the canvas height to scroll."""
        width = max(self.viewport().width(), 1)
        n = len(self.panels)
        if not n:
            return
        columns = max(1, min(n, width // self.min_width))
        layout = self.canvas.ci
        if columns != self.columns or any(layout.getItem(i // columns, i % columns) is not p
                                          for i, (p, _) in enumerate(self.panels.values())):
            self.columns = columns
            for plot, _ in self.panels.values():
                if plot in layout.items:
                    layout.removeItem(plot)
            for i, (plot, _) in enumerate(self.panels.values()):
                layout.addItem(plot, row=i // columns, col=i % columns)
        # The grid's own margins and spacing take room too: without them the last row was
        # cut by some 20 px (pyqtgraph's layout: 9 px margins, 6 px spacing).
        grid = layout.layout
        left, top, right, bottom = grid.getContentsMargins()
        cell = (width - left - right - grid.horizontalSpacing() * (columns - 1)) / columns
        keys = list(self.panels)
        rows = math.ceil(n / columns)
        total = top + bottom + grid.verticalSpacing() * (rows - 1)
        for row in range(rows, layout.layout.rowCount()):  # rows a wider grid left behind
            layout.layout.setRowFixedHeight(row, 0)
        for row in range(rows):
            heights = []
            for key in keys[row * columns:(row + 1) * columns]:
                picture = max(cell - self.extra.get(key, 0.0) - 8, 20) * self.aspects[key]
                heights.append(min(picture, self.max_height) + CHROME
                               + (AXES_CHROME if self.axes else 0))
            height = max(heights)
            layout.layout.setRowFixedHeight(row, height)
            total += height
        self.canvas.setFixedHeight(int(total) + 4)

    def _on_click(self, event: Any) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        pos = event.scenePos()
        for key, (plot, item) in self.panels.items():
            box = plot.getViewBox()
            if box.sceneBoundingRect().contains(pos) and item.image is not None:
                point: QPointF = item.mapFromScene(pos)
                self.clicked.emit(key, point.x(), point.y())
                return
