"""Neuron-map view: every unit's response over the input plane, TensorFlow Playground style.

One column per node (Input first, then each Dense or activation layer with a
``(units,)`` output), one thumbnail per unit, orange-white-blue as in the
boundary view. Hovering a thumbnail enlarges it in the panel on the right.
The payload is the ``neurons`` probe's ``{node_id: (units, H, W)}`` in [-1, 1],
the same maps the main window hands to the node editor.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from ui.views.base import View
from ui.views.colors import SIGNED_LUT, lut_index, rgba_table

THUMB = 34
#: Thumbnails per column inside a node's block; more units wrap into further columns.
ROWS = 8
LARGE = 200
#: A thumbnail is redrawn once some pixel moved this much (values span [-1, 1]) since it
#: was last drawn: most units settle early in a run and stay put for many frames.
CHANGED = 0.02
SIGNED_TABLE = rgba_table(SIGNED_LUT)


def stack_rgba(stack: np.ndarray) -> np.ndarray:
    """(units, H, W) values in [-1, 1] as (units, H, W, 4) uint8 colours, in one lookup."""
    return SIGNED_TABLE[lut_index(stack, -1.0, 1.0)]


def changed_units(new: np.ndarray, drawn: np.ndarray | None) -> np.ndarray:
    """Indices of the units of ``new`` that differ from ``drawn`` by more than CHANGED."""
    if drawn is None or drawn.shape != new.shape:
        return np.arange(len(new))
    diff = np.abs(np.nan_to_num(new) - np.nan_to_num(drawn)).reshape(len(new), -1).max(axis=1)
    return np.flatnonzero(diff > CHANGED)


def to_pixmap(rgba: np.ndarray, side: int) -> QPixmap:
    """An (H, W, 4) uint8 image as a ``side`` x ``side`` smoothly scaled pixmap."""
    rgba = np.ascontiguousarray(rgba)
    h, w = rgba.shape[:2]
    image = QImage(rgba.data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy()
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
    """A grid of neuron-map thumbnails per node, with hover to enlarge.

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
        self.grid_host = QWidget()
        self.grid = QHBoxLayout(self.grid_host)
        self.grid.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.grid.setSpacing(16)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.grid_host)
        self.large = QLabel("Hover a neuron\nto enlarge it")
        self.large.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.large.setFixedSize(LARGE, LARGE)
        self.large.setStyleSheet("border: 1px solid #b0b0b0;")
        self.caption = QLabel("")
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        side = QVBoxLayout()
        side.addWidget(self.large)
        side.addWidget(self.caption)
        side.addStretch(1)
        layout = QHBoxLayout(self.content)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(scroll, 1)
        layout.addLayout(side)
        self.thumbs: dict[str, list[Thumb]] = {}
        self.maps: dict[str, np.ndarray] = {}
        self.selected: tuple[str, int] | None = None
        self._drawn: dict[str, np.ndarray] = {}  # node -> the maps its thumbnails show
        self._large: Any = None  # the map the large panel shows
        self.thumb_updates = 0

    def on_session(self, session: Any) -> None:
        self._drawn = {}
        self._large = None
        self.selected = None
        if session is None or "neurons" not in session.trainer.probes:
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
            self.grid.addWidget(block, 0, Qt.AlignmentFlag.AlignTop)

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
            rgba = stack_rgba(stack[units])
            for k, unit in enumerate(units):
                self.thumbs[nid][unit].setPixmap(to_pixmap(rgba[k], THUMB))
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
        self.large.setPixmap(to_pixmap(stack_rgba(values[None])[0], LARGE))
        self.caption.setText(f"{node}, unit {unit}")


if __name__ == "__main__":
    from ui.views.preview import preview
    preview("neurons", "spiral")
