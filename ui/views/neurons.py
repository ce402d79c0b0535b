"""Neuron-map view: every unit's response over the input plane, TensorFlow Playground style.

One block per node (Input first, then each Dense or activation layer with a
``(units,)`` output), one thumbnail per unit, in the signed colour map of the
boundary view. Blocks wrap onto new rows to fit the dock's width (the view
scrolls down, never sideways). Hovering a thumbnail enlarges it, drawn to
scale with its colour bar, beside the blocks in a wide dock and above them in a
narrow one. The payload is the ``neurons`` probe's ``{node_id: (units, H, W)}``
in [-1, 1], the same maps the main window hands to the node editor.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QGridLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ui.views.base import View
from ui.views.colors import color_bar, indexed_image, is_dark, show_heatmap
from ui.views.flow import FlowLayout
from ui.views.plotting import image_item, layout_widget, plain_plot, theme

THUMB = 34
#: Thumbnails per column inside a node's block; more units wrap into further columns.
ROWS = 8
#: Side of the enlarged map, at most and at least (pixels).
LARGE, SMALLEST = 220, 120
#: A thumbnail is redrawn once some pixel moved this much (values span [-1, 1]) since it
#: was last drawn: most units settle early in a run and stay put for many frames.
CHANGED = 0.02
LEVELS = (-1.0, 1.0)


def changed_units(new: np.ndarray, drawn: np.ndarray | None) -> np.ndarray:
    """Indices of the units of ``new`` that differ from ``drawn`` by more than CHANGED."""
    if drawn is None or drawn.shape != new.shape:
        return np.arange(len(new))
    diff = np.abs(np.nan_to_num(new) - np.nan_to_num(drawn)).reshape(len(new), -1).max(axis=1)
    return np.flatnonzero(diff > CHANGED)


def to_pixmap(values: np.ndarray, side: int, dark: bool = False) -> QPixmap:
    """An (H, W) map in [-1, 1] (row 0 at the top) as a ``side`` x ``side`` smoothly
    scaled pixmap."""
    image = indexed_image(values, "signed", LEVELS, dark)
    return QPixmap.fromImage(image).scaled(side, side, Qt.AspectRatioMode.IgnoreAspectRatio,
                                           Qt.TransformationMode.SmoothTransformation)


class Thumb(QLabel):
    """One unit's thumbnail; emits :attr:`hovered` when the mouse enters it.

    It keeps no reference to the view: a Python cycle view -> thumb -> view
    lets the garbage collector free the view while Qt deletes the thumbs.
    """

    hovered = Signal(str, int)

    def __init__(self, node: str, unit: int):
        super().__init__()
        self.node, self.unit = node, unit
        self.setFixedSize(THUMB + 2, THUMB + 2)
        self.setStyleSheet("border: 1px solid #b0b0b0;")
        self.setToolTip(f"{node} unit {unit}")

    def enterEvent(self, event: Any) -> None:  # noqa: N802 (Qt override)
        self.hovered.emit(self.node, self.unit)
        super().enterEvent(event)


class NeuronsView(View):
    """Blocks of neuron-map thumbnails per node, with hover to enlarge.

    Attributes
    ----------
    thumb_updates : int
        Thumbnails redrawn so far: only those whose map changed visibly are.
    """

    view_id = "neurons"
    title = "Neurons"
    frame_ms = 250  # fifty small images: four refreshes a second are live enough

    def __init__(self, parent=None):
        super().__init__(parent)
        self.dark = is_dark(self)
        self.grid_host = QWidget()
        self.grid = FlowLayout(self.grid_host, spacing=14)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(self.grid_host)
        _, fg = theme(self)
        self.large_canvas = layout_widget(self)
        self.large_plot = plain_plot(self.large_canvas.addPlot(row=0, col=0))
        self.large_image = image_item(smooth=True)
        self.large_plot.addItem(self.large_image)
        self.large_bar = color_bar(self.large_plot, self.large_image, "signed", LEVELS, fg,
                                   self.dark)
        self.caption = QLabel("Hover a neuron to enlarge it", wordWrap=True)
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.side = QWidget()
        side = QVBoxLayout(self.side)
        side.setContentsMargins(0, 0, 0, 0)
        side.addWidget(self.large_canvas, 1)
        side.addWidget(self.caption)
        self.box = QBoxLayout(QBoxLayout.Direction.LeftToRight, self.content)
        self.box.setContentsMargins(4, 4, 4, 4)
        self.box.addWidget(self.scroll, 1)
        self.box.addWidget(self.side)
        self.thumbs: dict[str, list[Thumb]] = {}
        self.maps: dict[str, np.ndarray] = {}
        self.selected: tuple[str, int] | None = None
        self._drawn: dict[str, np.ndarray] = {}  # node -> the maps its thumbnails show
        self._large: Any = None  # the map the large panel shows
        self.thumb_updates = 0
        self._fit_side(self.size().width(), self.size().height())

    # -- layout ------------------------------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        self._fit_side(event.size().width(), event.size().height())
        super().resizeEvent(event)

    def _fit_side(self, width: int, height: int) -> None:
        """The enlarged map beside the blocks in a wide view, above them in a narrow one."""
        wide = width >= 1.3 * height or width >= 560
        bar = 60  # the colour bar and its axis
        caption = 2 * self.caption.fontMetrics().lineSpacing() + 8
        if wide:
            side = int(np.clip(min(width * 0.45 - bar, height - caption - 12), SMALLEST, LARGE))
            self.box.setDirection(QBoxLayout.Direction.LeftToRight)
            self.side.setFixedSize(side + bar, side + caption)
        else:
            side = int(np.clip(min(height * 0.4 - caption, width - bar - 12), SMALLEST, LARGE))
            self.box.setDirection(QBoxLayout.Direction.BottomToTop)
            self.side.setFixedSize(max(width - 8, side + bar), side + caption)

    # -- drawing -----------------------------------------------------------------------------
    def on_session(self, session: Any) -> None:
        self._drawn = {}
        self._large = None
        self.selected = None
        if session is not None and "neurons" not in session.trainer.probes:
            self.set_message("Neuron maps need a network on 2-D points (a Toy 2-D dataset).")

    def _layout_for(self, maps: dict[str, np.ndarray]) -> None:
        shape = {nid: len(m) for nid, m in maps.items()}
        if shape == {nid: len(t) for nid, t in self.thumbs.items()}:
            return
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.thumbs = {}
        self._drawn = {}
        for nid, units in shape.items():
            block = QWidget()
            column = QVBoxLayout(block)
            column.setContentsMargins(0, 0, 0, 0)
            header = QLabel(f"<b>{nid}</b><br>{units} unit{'s' if units != 1 else ''}")
            header.setAlignment(Qt.AlignmentFlag.AlignCenter)
            header.setToolTip(nid)
            column.addWidget(header)
            cells = QGridLayout()
            cells.setSpacing(3)
            self.thumbs[nid] = []
            for unit in range(units):
                thumb = Thumb(nid, unit)
                thumb.hovered.connect(self.enlarge)
                cells.addWidget(thumb, unit % ROWS, unit // ROWS)
                self.thumbs[nid].append(thumb)
            column.addLayout(cells)
            column.addStretch(1)
            # Wide enough for its header (a long node id) and its thumbnail columns.
            width = max(header.sizeHint().width(), (THUMB + 5) * -(-units // ROWS))
            block.setFixedWidth(width)
            self.grid.addWidget(block)

    def draw(self, snapshot: Any) -> None:
        maps = self.take(self.payload(snapshot))
        if maps is None:
            return
        self.maps = maps
        self._layout_for(maps)
        for nid, stack in maps.items():
            drawn = self._drawn.get(nid)
            units = changed_units(stack, drawn)
            if not len(units):
                continue
            for unit in units:
                self.thumbs[nid][unit].setPixmap(to_pixmap(stack[unit], THUMB, self.dark))
            self.thumb_updates += len(units)
            if drawn is None or drawn.shape != stack.shape:
                drawn = stack.copy()
            else:
                drawn[units] = stack[units]
            self._drawn[nid] = drawn
        if self.selected is None or self.selected[0] not in maps:
            self.selected = (list(maps)[-1], 0)  # the output until the mouse picks a unit
        self.enlarge(*self.selected)

    def enlarge(self, node: str, unit: int) -> None:
        """Show unit ``unit`` of ``node`` in the large panel."""
        if node not in self.maps or unit >= len(self.maps[node]):
            return
        values = self.maps[node][unit]
        if self.selected == (node, unit) and self._large is not None \
                and not len(changed_units(values[None], self._large[None])):
            return  # the large picture has not visibly changed
        self.selected = (node, unit)
        self._large = values.copy()
        show_heatmap(self.large_image, values, "signed", LEVELS, self.dark)
        h, w = values.shape
        self.large_image.setRect(0, 0, w, h)
        self.large_plot.getViewBox().setRange(xRange=(0, w), yRange=(0, h), padding=0)
        self.caption.setText(f"{node}, unit {unit}")


if __name__ == "__main__":
    from ui.views.preview import preview
    preview("neurons", "spiral")
