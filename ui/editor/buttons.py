"""Buttons drawn on the canvas: − / + on a card (units, filters) and "+ layer" after a node.

They belong to a node card and call back into the scene (``scene.card_action``)
with the node id and what was asked, so a click is one undoable edit and never
starts a node drag.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsSceneHoverEvent,
    QGraphicsSceneMouseEvent,
    QStyleOptionGraphicsItem,
    QWidget,
)

from ui.editor import style

#: Side of the − / + squares on a card (scene units).
STEP_SIZE = 16.0
#: Radius of the round "+ layer" button beside a card.
ADD_RADIUS = 9.0


class CardButton(QGraphicsItem):
    """A small clickable glyph on a card.

    Parameters
    ----------
    parent : QGraphicsItem
        The node card.
    action : str
        What the scene is asked to do: "more", "fewer" or "add_after".
    glyph : str
        The character drawn ("+", "−").
    tip : str
        Tooltip.
    round_ : bool
        A circle (the "+ layer" button) instead of a rounded square.
    """

    def __init__(self, parent: QGraphicsItem, action: str, glyph: str, tip: str,
                 round_: bool = False):
        super().__init__(parent)
        self.action = action
        self.glyph = glyph
        self.round = round_
        self._hover = False
        self.setToolTip(tip)
        self.setAcceptHoverEvents(True)
        self.setAcceptedMouseButtons(Qt.MouseButton.LeftButton)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setZValue(4)

    def boundingRect(self) -> QRectF:  # noqa: N802
        if self.round:
            r = ADD_RADIUS + 1
            return QRectF(-r, -r, 2 * r, 2 * r)
        return QRectF(0, 0, STEP_SIZE, STEP_SIZE)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        accent = style.SELECTED if self._hover else style.edge_colour()
        painter.setPen(QPen(accent, 1.2))
        painter.setBrush(style.blend(style.node_fill(), accent, 0.18 if self._hover else 0.06))
        if self.round:
            painter.drawEllipse(QPointF(0, 0), ADD_RADIUS, ADD_RADIUS)
            rect = QRectF(-ADD_RADIUS, -ADD_RADIUS, 2 * ADD_RADIUS, 2 * ADD_RADIUS)
        else:
            rect = self.boundingRect().adjusted(0.5, 0.5, -0.5, -0.5)
            painter.drawRoundedRect(rect, 3, 3)
        painter.setPen(style.text_colour())
        painter.setFont(style.font(style.NODE_FONT_PT, bold=True))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.glyph)

    def hoverEnterEvent(self, event: QGraphicsSceneHoverEvent) -> None:  # noqa: N802
        self._hover = True
        self.update()

    def hoverLeaveEvent(self, event: QGraphicsSceneHoverEvent) -> None:  # noqa: N802
        self._hover = False
        self.update()

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        event.accept()  # a click here is not the start of a node drag

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        if self.boundingRect().contains(event.pos()):
            self.click()

    def click(self) -> None:
        """Do what the button says (also what tests call)."""
        node = self.parentItem()
        scene = self.scene()
        if node is not None and scene is not None and hasattr(scene, "card_action"):
            scene.card_action(node.node_id, self.action)
