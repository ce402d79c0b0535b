"""pyqtgraph helpers of the views: palette-coloured plots, cached static items, image items."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import QGraphicsItem, QWidget


def theme(widget: QWidget) -> tuple[Any, Any]:
    """(background, foreground) colours for plots, from the widget's palette."""
    pal = widget.palette()
    return pal.color(QPalette.ColorRole.Base), pal.color(QPalette.ColorRole.Text)


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


class DecadeLogAxis(pg.AxisItem):
    """A log-scale axis labelled at whole powers of ten only ("0.001", "10⁻⁵") when it shows
    two or more: pyqtgraph also labels 2·10ⁿ ... 9·10ⁿ when the range spans a few decades,
    and those crowd each other into an unreadable column. The minor ticks and their grid
    lines stay; a range of about one decade keeps pyqtgraph's labels."""

    def logTickStrings(self, values: list[float], scale: float,  # noqa: N802 (Qt style)
                       spacing: float) -> list[str]:
        whole = [abs(v - round(v)) < 1e-6 for v in values]
        if sum(whole) < 2:  # about a decade shown: every label, as pyqtgraph has them
            return super().logTickStrings(values, scale, spacing)
        return [decade_text(round(v)) if w else "" for v, w in zip(values, whole)]


def decade_text(exponent: int) -> str:
    """10**exponent as an axis label: "0.01", "1", "100" near 1, "10⁻⁵" and "10⁶" else."""
    if -3 <= exponent <= 3:
        return f"{10.0 ** exponent:g}"
    return "10" + str(exponent).translate(_SUPERSCRIPT)


def plot_widget(owner: QWidget, title: str | None = None, x: str | None = None,
                y: str | None = None, log_y: bool = False) -> pg.PlotWidget:
    """A PlotWidget coloured like ``owner``'s palette, with optional title and axis labels;
    ``log_y``: a log-scale y axis labelled at the powers of ten (:class:`DecadeLogAxis`)."""
    bg, fg = theme(owner)
    axes = {"left": DecadeLogAxis("left")} if log_y else None
    widget = pg.PlotWidget(background=bg, axisItems=axes)
    if log_y:
        widget.getPlotItem().setLogMode(y=True)
    style_plot(widget.getPlotItem(), fg, title, x, y)
    return widget


def layout_widget(owner: QWidget) -> pg.GraphicsLayoutWidget:
    """A GraphicsLayoutWidget coloured like ``owner``'s palette."""
    bg, _ = theme(owner)
    widget = pg.GraphicsLayoutWidget()
    widget.setBackground(bg)
    return widget


def style_plot(plot: pg.PlotItem, fg: Any, title: str | None = None, x: str | None = None,
               y: str | None = None) -> pg.PlotItem:
    """Axis pens, text colour and labels for ``plot``."""
    for name in ("left", "bottom", "right", "top"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(fg))
        axis.setTextPen(pg.mkPen(fg))
        axis.enableAutoSIPrefix(False)  # "-500 (x0.001)" reads worse than -0.5
    plot.setContentsMargins(2, 8, 10, 2)  # room for the edge tick labels
    if title:
        plot.setTitle(title, color=fg, size="10pt")
    if x:
        plot.setLabel("bottom", x, color=fg)
    if y:
        plot.setLabel("left", y, color=fg)
    return plot


def cache_static(plot: pg.PlotItem, *items: Any) -> None:
    """Keep ``plot``'s axes, title (and ``items``, e.g. a legend) as cached pixmaps.

    Axis labels, ticks and grid lines are replayed from a QPicture on every
    repaint of the plot, which costs more than a few curves; cached, they are
    redrawn only when they change (a new range, a resize), so a frame that
    only updates data blits them. :meth:`View.export_svg` turns the caches off.
    """
    for name in ("left", "bottom", "right", "top"):
        cache_tree(plot.getAxis(name))
    cache_tree(plot.titleLabel)
    for item in items:
        cache_tree(item)


def cache_tree(item: QGraphicsItem) -> None:
    """Cache ``item`` and its descendants as device pixmaps (see :func:`cache_static`)."""
    item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    for child in item.childItems():
        cache_tree(child)


def legend_colors(widget: QWidget) -> tuple[Any, Any]:
    """(brush, pen) of an in-plot legend: the palette's base colour, nearly opaque."""
    pal = widget.palette()
    fill = pal.color(QPalette.ColorRole.Base)
    fill.setAlpha(200)
    edge = pal.color(QPalette.ColorRole.Mid)
    return pg.mkBrush(fill), pg.mkPen(edge)


class SmoothImageItem(pg.ImageItem):
    """An ImageItem drawn with bilinear interpolation between its pixels (a 100 x 100
    boundary grid looks smooth at any size, as TF Playground's scaled canvas does)."""

    def paint(self, painter: QPainter, *args: Any) -> None:
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        super().paint(painter, *args)


def image_item(smooth: bool = False) -> pg.ImageItem:
    """An ImageItem taking (rows, columns) arrays, row 0 at the bottom of the axes;
    ``smooth`` interpolates between pixels (planes) instead of showing blocks (mosaics)."""
    return (SmoothImageItem if smooth else pg.ImageItem)(axisOrder="row-major")


def place_image(item: pg.ImageItem, xs: np.ndarray, ys: np.ndarray) -> None:
    """Stretch ``item`` so its pixel centres fall on the grid ``xs`` (columns) by ``ys`` (rows)."""
    dx = (xs[-1] - xs[0]) / (len(xs) - 1) if len(xs) > 1 else 1.0
    dy = (ys[-1] - ys[0]) / (len(ys) - 1) if len(ys) > 1 else 1.0
    item.setRect(QRectF(float(xs[0] - dx / 2), float(ys[0] - dy / 2),
                        float(dx * len(xs)), float(dy * len(ys))))


def plain_plot(plot: pg.PlotItem) -> pg.PlotItem:
    """No axes, no mouse: for image mosaics."""
    plot.hideAxis("left")
    plot.hideAxis("bottom")
    plot.setMouseEnabled(False, False)
    plot.hideButtons()
    plot.setMenuEnabled(False)
    plot.getViewBox().setAspectLocked(True)
    plot.getViewBox().invertY(True)  # image orientation: row 0 at the top
    return plot
