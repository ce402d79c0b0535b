"""The Features card's tiles: one small picture per input feature, clicked to switch it.

As in TensorFlow Playground, each feature (X1, X2, X1², X2², X1X2, sin X1,
sin X2) is drawn over the input plane in the orange-white-blue colours of
the neuron maps; the features the network gets are drawn in full, the others
faded. A click toggles the feature as one undoable edit.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QImage, QPainter, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsSceneMouseEvent,
    QStyleOptionGraphicsItem,
    QWidget,
)

from ui.editor import style
from ui.editor.neurons import map_image

#: Rows of tiles, as TF Playground groups them.
ROWS = (("x1", "x2"), ("x1_squared", "x2_squared", "x1_x2"), ("sin_x1", "sin_x2"))
LABELS = {"x1": "X1", "x2": "X2", "x1_squared": "X1²", "x2_squared": "X2²", "x1_x2": "X1X2",
          "sin_x1": "sin X1", "sin_x2": "sin X2"}
TILE = 26.0
LABEL_HEIGHT = 17.0
ROW_GAP = 4.0
#: TF Playground's input plane, [-6, 6] on both axes.
DOMAIN = 6.0
PREVIEW_SIZE = 24


@functools.cache
def feature_images(size: int = PREVIEW_SIZE) -> dict[str, QImage]:
    """Feature name -> its picture over the plane (row 0 at the top, each scaled to [-1, 1]).

    Computed by the Features layer itself, so the tiles show what the network gets.
    """
    import torch

    from playground.layers.core import FEATURES, FeatureTransform

    axis = np.linspace(-DOMAIN, DOMAIN, size, dtype=np.float32)
    x1, x2 = np.meshgrid(axis, axis[::-1])  # row 0 is the top of the plane (x2 max)
    grid = torch.from_numpy(np.stack([x1.ravel(), x2.ravel()], axis=1))
    with torch.no_grad():
        values = FeatureTransform(list(FEATURES))(grid).numpy()  # (size*size, 7)
    images = {}
    for i, name in enumerate(FEATURES):
        v = values[:, i].reshape(size, size)
        images[name] = map_image(v / max(float(np.abs(v).max()), 1e-6))
    return images


def tiles_height() -> float:
    """Height of the tiles block under the Features card's header."""
    return len(ROWS) * (LABEL_HEIGHT + TILE + ROW_GAP)


class FeatureTiles(QGraphicsItem):
    """The tiles of one Features card; ``params`` says which features are on."""

    def __init__(self, parent: QGraphicsItem):
        super().__init__(parent)
        self.on: dict[str, bool] = {}
        self.setAcceptedMouseButtons(Qt.MouseButton.LeftButton)
        self.setZValue(2)

    def set_params(self, params: Mapping[str, object]) -> None:
        """Show which features are switched on."""
        on = {name: bool(params.get(name)) for row in ROWS for name in row}
        if on != self.on:
            self.on = on
            self.update()

    def tile_rects(self) -> dict[str, QRectF]:
        """Feature name -> its tile's rectangle (item coordinates)."""
        cell = style.NODE_WIDTH / 3
        out = {}
        for r, row in enumerate(ROWS):
            top = r * (LABEL_HEIGHT + TILE + ROW_GAP) + LABEL_HEIGHT
            for c, name in enumerate(row):
                left = c * cell + (cell - TILE) / 2
                out[name] = QRectF(left, top, TILE, TILE)
        return out

    def boundingRect(self) -> QRectF:  # noqa: N802
        return QRectF(0, 0, style.NODE_WIDTH, tiles_height())

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setFont(style.font(style.NODE_FONT_PT))
        images = feature_images()
        for name, rect in self.tile_rects().items():
            on = self.on.get(name, False)
            painter.setOpacity(1.0 if on else 0.3)
            painter.drawImage(rect, images[name])
            painter.setOpacity(1.0)
            painter.setPen(QPen(style.text_colour() if on else style.dim_text_colour(),
                                1.8 if on else 1.0,
                                Qt.PenStyle.SolidLine if on else Qt.PenStyle.DashLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect)
            label = QRectF(rect.center().x() - style.NODE_WIDTH / 6, rect.top() - LABEL_HEIGHT,
                           style.NODE_WIDTH / 3, LABEL_HEIGHT)
            painter.setPen(style.text_colour() if on else style.dim_text_colour())
            painter.drawText(label, Qt.AlignmentFlag.AlignCenter, LABELS[name])

    def feature_at(self, pos: QPointF) -> str | None:
        """The feature whose tile (or its label) is at ``pos``."""
        for name, rect in self.tile_rects().items():
            if rect.adjusted(-4, -LABEL_HEIGHT, 4, 2).contains(pos):
                return name
        return None

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        if self.feature_at(event.pos()) is None:
            event.ignore()  # between tiles: the card takes the press (select, drag)
            return
        event.accept()

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        name = self.feature_at(event.pos())
        if name is not None:
            self.toggle(name)

    def toggle(self, name: str) -> None:
        """Switch feature ``name`` on or off (one undoable edit)."""
        node = self.parentItem()
        scene = self.scene()
        if node is not None and scene is not None and hasattr(scene, "card_action"):
            scene.card_action(node.node_id, f"feature:{name}")
