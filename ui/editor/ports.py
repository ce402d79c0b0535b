"""Ports and badges of a node card: where edges attach, and the red "!" of an error.

A port is a connection point; dragging from it starts a new edge (the scene
runs the drag). The badge's tooltip is the node's shape error and its fix.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QPainter, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsSceneHoverEvent,
    QGraphicsSceneMouseEvent,
    QStyleOptionGraphicsItem,
    QWidget,
)

from ui.editor import style

if TYPE_CHECKING:
    from ui.editor.items import NodeItem
    from ui.editor.scene import GraphScene


class PortItem(QGraphicsItem):
    """A connection point; dragging from it starts a new edge.

    Parameters
    ----------
    node : NodeItem
        The owner.
    name : str
        Port name from the LayerSpec (``in``, ``in2``, ``out``...).
    is_output : bool
        Output (right side) or input (left side).
    """

    def __init__(self, node: NodeItem, name: str, is_output: bool):
        super().__init__(node)
        self.node = node
        self.name = name
        self.is_output = is_output
        self.connected = False
        self.feedback: str = ""  # "", "valid" or "invalid" while an edge is dragged over it
        self._hover = False
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setZValue(2)

    @property
    def node_id(self) -> str:
        """Id of the owning node."""
        return self.node.node_id

    def boundingRect(self) -> QRectF:  # noqa: N802
        r = style.PORT_RADIUS + 4  # a generous hit area: ports are small
        return QRectF(-r, -r, 2 * r, 2 * r)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = style.PORT_RADIUS + (1.5 if self._hover or self.feedback else 0)
        ring = {"valid": style.VALID, "invalid": style.ERROR}.get(self.feedback)
        painter.setPen(QPen(ring or style.edge_colour(), 2.5 if ring else 1.5))
        fill = style.edge_colour() if self.connected else style.node_fill()
        painter.setBrush(QBrush(ring or fill))
        painter.drawEllipse(QPointF(0, 0), r, r)

    def set_feedback(self, state: str) -> None:
        """Highlight as a valid/invalid drop target ("" to clear)."""
        if state != self.feedback:
            self.feedback = state
            self.update()

    def hoverEnterEvent(self, event: QGraphicsSceneHoverEvent) -> None:  # noqa: N802
        self._hover = True
        self.update()

    def hoverLeaveEvent(self, event: QGraphicsSceneHoverEvent) -> None:  # noqa: N802
        self._hover = False
        self.update()

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        if event.button() != Qt.MouseButton.LeftButton:
            event.ignore()
            return
        event.accept()  # keeps the node from moving: this press starts an edge
        self._graph_scene().begin_connection(self)

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        self._graph_scene().drag_connection(event.scenePos())

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        self._graph_scene().end_connection(event.scenePos())

    def _graph_scene(self) -> GraphScene:
        return self.scene()  # type: ignore[return-value]


class BadgeItem(QGraphicsItem):
    """The red "!" on a node with an error; its tooltip is the message and the fix."""

    def __init__(self, parent: QGraphicsItem):
        super().__init__(parent)
        self.setZValue(3)
        self.setAcceptHoverEvents(True)
        self.setVisible(False)

    def boundingRect(self) -> QRectF:  # noqa: N802
        r = style.BADGE_RADIUS + 1
        return QRectF(-r, -r, 2 * r, 2 * r)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = style.BADGE_RADIUS
        painter.setPen(QPen(style.node_fill(), 1.5))
        painter.setBrush(style.ERROR)
        painter.drawEllipse(QPointF(0, 0), r, r)
        painter.setPen(Qt.GlobalColor.white)
        painter.setFont(style.font(style.NODE_FONT_PT, bold=True))
        painter.drawText(QRectF(-r, -r, 2 * r, 2 * r), Qt.AlignmentFlag.AlignCenter, "!")
