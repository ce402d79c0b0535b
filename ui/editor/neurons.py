"""Neuron-map thumbnails drawn under a node, TensorFlow Playground style.

Each hidden unit's response over the input plane is an (H, W) array of values
roughly in [-1, 1], drawn with the views' signed colour map, orange through a
neutral colour to blue (row 0 at the top). At most :data:`MAX_THUMBS` per node are
shown, with a "+k" note for the rest; hovering one shows it enlarged with its unit index.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPixmapItem,
    QGraphicsSceneHoverEvent,
    QStyleOptionGraphicsItem,
    QWidget,
)

from ui.editor import style

THUMB = 20.0
GAP = 2.4
MAX_THUMBS = 16
PREVIEW = 160
_NOTE_HEIGHT = 17.0


def map_image(values: np.ndarray) -> QImage:
    """An (H, W) map in [-1, 1] as a QImage in the views' signed colour map (orange
    negative, neutral 0, blue positive; the neutral follows the light or dark palette).

    The colouring is the views' lookup table (:func:`ui.views.colors.indexed_image`),
    imported on first use: maps only arrive once the views (and pyqtgraph) are loaded.
    """
    from ui.views.colors import indexed_image

    return indexed_image(values, "signed", (-1.0, 1.0), style.is_dark())


def per_row() -> int:
    """Thumbnails per row under a node."""
    return max(1, int((style.NODE_WIDTH + GAP) // (THUMB + GAP)))


def strip_height(units: int) -> float:
    """Drawn height of the strip for a layer of ``units`` (0 for none)."""
    shown = min(units, MAX_THUMBS)
    if shown <= 0:
        return 0.0
    rows = -(-shown // per_row())
    return rows * (THUMB + GAP) - GAP + (_NOTE_HEIGHT if units > shown else 0)


class ThumbItem(QGraphicsPixmapItem):
    """One unit's map; hovering shows it enlarged."""

    def __init__(self, parent: QGraphicsItem, unit: int):
        super().__init__(parent)
        self.unit = unit
        self.image = QImage()
        self.setAcceptHoverEvents(True)
        self.setTransformationMode(Qt.TransformationMode.SmoothTransformation)

    def set_map(self, values: np.ndarray) -> None:
        """Show ``values`` ((H, W) floats)."""
        self.image = map_image(values)
        pixmap = QPixmap.fromImage(self.image)
        self.setPixmap(pixmap)
        self.setScale(THUMB / max(pixmap.width(), pixmap.height(), 1))
        preview = getattr(self.scene(), "neuron_preview", None)
        if preview is not None and preview.isVisible() and preview.source is self:
            preview.show_map(self.image, self.unit, preview.pos(), self)  # live while hovered

    def hoverEnterEvent(self, event: QGraphicsSceneHoverEvent) -> None:  # noqa: N802
        preview = getattr(self.scene(), "neuron_preview", None)
        if preview is not None:
            corner = self.mapToScene(QPointF(self.pixmap().width(), 0))
            preview.show_map(self.image, self.unit, corner + QPointF(6, 0), self)

    def hoverLeaveEvent(self, event: QGraphicsSceneHoverEvent) -> None:  # noqa: N802
        preview = getattr(self.scene(), "neuron_preview", None)
        if preview is not None:
            preview.hide()


class NeuronStrip(QGraphicsItem):
    """The thumbnails under one node (empty until maps arrive)."""

    def __init__(self, parent: QGraphicsItem):
        super().__init__(parent)
        self.thumbs: list[ThumbItem] = []
        self.hidden_count = 0
        # The maps the thumbnails show and the palette they were coloured for: a unit whose
        # map has not visibly changed keeps its picture (most settle early in a run).
        self._drawn: tuple[np.ndarray, bool] | None = None

    def set_maps(self, maps: np.ndarray | None) -> None:
        """Show ``maps`` ((units, H, W)); None removes the strip."""
        if maps is not None:
            maps = np.asarray(maps)
            if maps.ndim == 2:  # (units, n): one row per unit
                maps = maps[:, None, :]
        units = 0 if maps is None else int(maps.shape[0])
        shown = min(units, MAX_THUMBS)
        self.prepareGeometryChange()
        while len(self.thumbs) > shown:
            thumb = self.thumbs.pop()
            preview = getattr(thumb.scene(), "neuron_preview", None)
            if preview is not None and preview.source is thumb:
                preview.hide()
            thumb.setParentItem(None)
            if thumb.scene() is not None:
                thumb.scene().removeItem(thumb)
        n = per_row()
        redraw = self._changed(maps, shown)
        for i in range(shown):
            if i == len(self.thumbs):
                self.thumbs.append(ThumbItem(self, i))
            if i in redraw:
                self.thumbs[i].set_map(maps[i])
            self.thumbs[i].setPos((i % n) * (THUMB + GAP), (i // n) * (THUMB + GAP))
        self._remember(maps, shown, redraw)
        self.hidden_count = units - shown
        self.update()

    def _remember(self, maps: np.ndarray | None, shown: int, redrawn: set[int]) -> None:
        """Keep what the thumbnails now show (a unit not redrawn keeps its old map, so a
        slow drift still adds up to a redraw)."""
        if maps is None or not shown:
            self._drawn = None
            return
        drawn = self._drawn
        if drawn is None or len(redrawn) == shown or drawn[0].shape != maps[:shown].shape:
            self._drawn = (np.array(maps[:shown]), style.is_dark())
            return
        for i in redrawn:
            drawn[0][i] = maps[i]

    def _changed(self, maps: np.ndarray | None, shown: int) -> set[int]:
        """The units among the first ``shown`` whose thumbnails must be drawn again: all
        after a change of shape or palette, else those that visibly changed."""
        if maps is None or not shown:
            return set()
        from ui.views.neurons import changed_units

        drawn = self._drawn
        if drawn is None or drawn[1] != style.is_dark() or len(self.thumbs) < shown:
            return set(range(shown))
        return {int(i) for i in changed_units(np.asarray(maps[:shown]), drawn[0])}

    def height(self) -> float:
        """Drawn height (0 without maps)."""
        return strip_height(len(self.thumbs) + self.hidden_count)

    def boundingRect(self) -> QRectF:  # noqa: N802
        return QRectF(-1, -1, style.NODE_WIDTH + 2, self.height() + 2)  # frames' half pixel

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        # A hairline frame per map: a ReLU unit's zero region is as pale as the canvas,
        # and without it the map looks cut.
        painter.setPen(QPen(style.edge_colour(), 0))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for thumb in self.thumbs:
            rect = thumb.mapRectToParent(thumb.boundingRect())
            painter.drawRect(rect.adjusted(-0.5, -0.5, 0.5, 0.5))
        if not self.hidden_count:
            return
        painter.setFont(style.font(style.NODE_FONT_PT))
        painter.setPen(style.dim_text_colour())
        painter.drawText(QRectF(0, self.height() - _NOTE_HEIGHT, style.NODE_WIDTH, _NOTE_HEIGHT),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         f"+{self.hidden_count} more")


class NeuronPreview(QGraphicsItem):
    """An enlarged map with its unit index, drawn at a fixed screen size over everything."""

    def __init__(self):
        super().__init__()
        self.image = QImage()
        self.unit = 0
        self.source: QGraphicsItem | None = None
        self.setZValue(100)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setVisible(False)

    def show_map(self, image: QImage, unit: int, scene_pos: QPointF,
                 source: QGraphicsItem | None = None) -> None:
        """Show ``image`` for ``unit`` with its top-left at ``scene_pos``.

        ``source`` is the thumbnail it enlarges; new maps for it refresh the preview.
        """
        self.image, self.unit, self.source = image, unit, source
        self.setPos(scene_pos)
        self.setVisible(True)
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802
        return QRectF(-4, -4, PREVIEW + 8, PREVIEW + 26)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.setPen(QPen(style.edge_colour(), 1))
        painter.setBrush(style.node_fill())
        painter.drawRoundedRect(self.boundingRect().adjusted(0.5, 0.5, -0.5, -0.5), 4, 4)
        painter.drawImage(QRectF(0, 0, PREVIEW, PREVIEW), self.image)
        painter.setFont(style.font(8.5))
        painter.setPen(style.text_colour())
        painter.drawText(QRectF(0, PREVIEW, PREVIEW, 20), Qt.AlignmentFlag.AlignCenter,
                         f"unit {self.unit}")
