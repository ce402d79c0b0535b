"""Text in plots that is never cut: legends outside the data, titles elided with a tooltip.

:class:`RowLegend` is a pyqtgraph legend that lives in a layout cell (above
its plot) instead of floating over the data; it wraps its entries onto more
rows when the plot is narrow. :func:`set_elided_title` writes a plot title
that ends with "…" when the plot is too narrow for it, the whole text in the
tooltip, and follows the plot's width.
"""

from __future__ import annotations

import math
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QSizeF, Qt, QTimer
from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtWidgets import QSizePolicy
from shiboken6 import isValid

#: Room kept free beside a title (the plot's margins).
TITLE_MARGIN = 16


class RowLegend(pg.LegendItem):
    """A legend sized by its layout cell: entries in a row (more rows when narrow), or in a
    column beside a plot much wider than tall.

    Parameters
    ----------
    foreground : colour
        Text colour (the palette's).
    """

    #: Pixels between an entry's sample and its label, and between entries.
    SPACING = 10
    #: The frame's padding (left and right, top and bottom). The layout's own default
    #: (9 px a side) was not counted in the size asked for, so a one-row legend's text
    #: ran over its frame's bottom edge.
    PAD = (4.0, 2.0)

    def __init__(self, foreground: Any, **kwargs: Any):
        super().__init__(offset=None, labelTextColor=foreground, colCount=99,
                         horSpacing=self.SPACING, verSpacing=-4, **kwargs)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.layout.setContentsMargins(*self.PAD, *self.PAD)
        self._width = 0.0  # the width the entries have to share
        self.beside = False
        self.moving = False

    def updateSize(self) -> None:  # noqa: N802 (pyqtgraph override)
        """Ask the layout for the entries' size instead of setting a geometry."""
        widths = self.entry_widths()
        columns = max(1, min(self.columnCount, len(widths)))
        rows = math.ceil(len(widths) / columns) if widths else 0
        height = sum(max((self._height(i) for i in range(r * columns,
                                                           min((r + 1) * columns, len(widths)))),
                         default=0.0) for r in range(rows))
        width = _grid_width(widths, columns) if widths else 0.0
        if height:
            height += self.layout.verticalSpacing() * (rows - 1) + 2 * self.PAD[1]
        size = QSizeF(width + 2 * self.PAD[0], height)
        self.setMinimumSize(QSizeF(0, size.height()))
        self.setPreferredSize(size)
        self.setMaximumSize(size)
        self.updateGeometry()

    def _height(self, index: int) -> float:
        sample, label = self.items[index]
        return max(sample.effectiveSizeHint(Qt.SizeHint.PreferredSize).height(),
                   label.effectiveSizeHint(Qt.SizeHint.PreferredSize).height())

    def entry_widths(self) -> list[float]:
        """Width of each entry (sample, label and the spacing after them)."""
        return [sample.effectiveSizeHint(Qt.SizeHint.PreferredSize).width()
                + label.effectiveSizeHint(Qt.SizeHint.PreferredSize).width()
                + 2 * self.SPACING for sample, label in self.items]

    def fit_width(self, width: float) -> None:
        """Lay the entries out in as many columns as ``width`` holds (at least one)."""
        self._width = width
        widths = self.entry_widths()
        if not widths:
            return
        columns = 1 if self.beside else len(widths)
        while columns > 1 and _grid_width(widths, columns) > width:
            columns -= 1
        if columns != self.columnCount:
            self.setColumnCount(columns)
        else:
            self.updateSize()

    def addItem(self, item: Any, name: str) -> None:  # noqa: N802 (pyqtgraph override)
        super().addItem(item, name)
        if self._width:
            self.fit_width(self._width)


def _grid_width(widths: list[float], columns: int) -> float:
    """Width of ``widths`` laid out row by row in ``columns`` columns (widest per column)."""
    rows = math.ceil(len(widths) / columns)
    return sum(max(widths[r * columns + c] for r in range(rows) if r * columns + c < len(widths))
               for c in range(columns))


def legend_row(layout: pg.GraphicsLayout, plot: pg.PlotItem, foreground: Any, row: int = 0,
               col: int = 0, brush: Any = None, pen: Any = None,
               beside_when: float | None = None) -> RowLegend:
    """A :class:`RowLegend` in cell (``row``, ``col``) of ``layout`` above ``plot`` (which
    sits in the cell below), naming ``plot``'s items (those created with a ``name``),
    wrapped to the plot's width.

    ``beside_when``: move the legend into a column right of the plot while the plot is
    more than this many times as wide as tall (short wide plots: curves in a bottom dock).
    """
    legend = RowLegend(foreground, brush=brush, pen=pen)
    layout.addItem(legend, row=row, col=col)
    layout.layout.setAlignment(legend, Qt.AlignmentFlag.AlignHCenter)
    plot.legend = legend  # PlotItem.addItem names its items in plot.legend

    def place() -> None:
        if not (isValid(layout) and isValid(legend) and isValid(plot)):
            return  # the view went while the move waited
        legend.moving = False
        # Decided on the whole canvas, which moving the legend does not change.
        beside = layout.width() > beside_when * max(layout.height(), 1.0)  # type: ignore
        if beside == legend.beside:
            return
        legend.beside = beside
        layout.removeItem(legend)
        if beside:
            layout.addItem(legend, row=row + 1, col=col + 1)
            layout.layout.setAlignment(legend, Qt.AlignmentFlag.AlignVCenter)
        else:
            layout.addItem(legend, row=row, col=col)
            layout.layout.setAlignment(legend, Qt.AlignmentFlag.AlignHCenter)
        legend.fit_width(plot.width())

    def follow(*_: Any) -> None:
        if beside_when is not None and not legend.moving:
            legend.moving = True  # once the resize is over: a move resizes the plot again
            QTimer.singleShot(0, place)
        legend.fit_width(plot.width())
    plot.vb.sigResized.connect(follow)
    return legend


def title_font(size: str = "10pt") -> QFont:
    """The font pyqtgraph draws a title of ``size`` ("10pt") in."""
    font = QFont()
    font.setPointSizeF(float(size.removesuffix("pt")))
    return font


def set_elided_title(plot: pg.PlotItem, text: str, color: Any, size: str = "10pt") -> None:
    """Title ``plot`` with ``text``, elided to its width ("…" and a tooltip when cut)."""
    first = not hasattr(plot, "_full_title")
    plot._full_title = (text, color, size)  # type: ignore[attr-defined]
    if first:
        label = plot.titleLabel
        # A title asks for its text's width as its minimum, which would keep the plot
        # from narrowing (and the title from being elided): ask for its height only.
        label.updateMin = lambda: _height_only(label)  # type: ignore[method-assign]
        # The title sits over the data column: follow its width (axes and colour bars
        # beside it change it without changing the plot's).
        plot.getViewBox().sigResized.connect(lambda *_: _elide(plot))
    _elide(plot)


def _height_only(label: pg.LabelItem) -> None:
    bounds = label.itemRect()
    label.setMinimumWidth(0)
    label.setMinimumHeight(bounds.height())
    label._sizeHint = {
        Qt.SizeHint.MinimumSize: (0, bounds.height()),
        Qt.SizeHint.PreferredSize: (bounds.width(), bounds.height()),
        Qt.SizeHint.MaximumSize: (-1, -1),
        Qt.SizeHint.MinimumDescent: (0, 0)}
    label.updateGeometry()


def _elide(plot: pg.PlotItem) -> None:
    text, color, size = plot._full_title  # type: ignore[attr-defined]
    width = title_room(plot)
    shown = text
    if width > 0:
        metrics = QFontMetricsF(title_font(size))
        shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)
    if getattr(plot, "_shown_title", None) != shown:
        plot._shown_title = shown  # type: ignore[attr-defined]
        plot.setTitle(shown, color=color, size=size)
        plot.titleLabel.setToolTip(text if shown != text else "")


def title_room(plot: pg.PlotItem) -> float:
    """Width a title of ``plot`` may take: over its data column, with the axes beside it."""
    width = plot.getViewBox().width()
    for side in ("left", "right"):
        axis = plot.getAxis(side)
        if axis.isVisible():
            width += axis.width()
    return width - TITLE_MARGIN


def shown_title(plot: pg.PlotItem) -> str:
    """The title as drawn (elided or whole)."""
    return getattr(plot, "_shown_title", plot.titleLabel.text)
