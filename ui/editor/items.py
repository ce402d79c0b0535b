"""Node and port items: how one layer looks on the canvas.

A :class:`NodeItem` shows the layer's title, id, output shape and parameter
count, input ports on the left and output ports on the right, and an error
badge whose tooltip gives the shape error and its fix. It holds no graph state
of its own: the scene refreshes it from the graph and the latest ShapeReport.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsObject,
    QGraphicsSceneHoverEvent,
    QGraphicsSceneMouseEvent,
    QStyleOptionGraphicsItem,
    QWidget,
)

from ui.editor import style
from ui.editor.neurons import NeuronStrip

if TYPE_CHECKING:
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
        painter.setFont(style.font(9, bold=True))
        painter.drawText(QRectF(-r, -r, 2 * r, 2 * r), Qt.AlignmentFlag.AlignCenter, "!")


class NodeItem(QGraphicsObject):
    """One layer on the canvas.

    Parameters
    ----------
    node_id : str
        The graph node it shows.
    title : str
        Label or layer type label.
    category : str
        Palette category (header colour).
    inputs, outputs : tuple of str
        Port names.
    """

    def __init__(self, node_id: str, title: str, category: str,
                 inputs: tuple[str, ...], outputs: tuple[str, ...]):
        super().__init__()
        self.node_id = node_id
        self.title = title
        self.category = category
        self.shape_text = "?"
        self.count_text = ""
        self.notes: list[str] = []  # "frozen", "hand-set"
        self.error_text = ""
        self.in_ports: dict[str, PortItem] = {}
        self.out_ports: dict[str, PortItem] = {}
        self._height = 0.0
        self.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsMovable
                      | QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
                      | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges)
        self.setZValue(1)
        self.badge = BadgeItem(self)
        self.badge.setPos(style.NODE_WIDTH - 3, 3)
        self.strip = NeuronStrip(self)
        self.set_ports(inputs, outputs)

    # -- content ------------------------------------------------------------------------
    def set_ports(self, inputs: tuple[str, ...], outputs: tuple[str, ...]) -> None:
        """Create or drop port items so they match the given names."""
        if tuple(self.in_ports) == tuple(inputs) and tuple(self.out_ports) == tuple(outputs):
            return
        self.prepareGeometryChange()
        for ports, names, is_output in ((self.in_ports, inputs, False),
                                        (self.out_ports, outputs, True)):
            for name in [n for n in ports if n not in names]:
                port = ports.pop(name)
                port.setParentItem(None)
                if port.scene() is not None:
                    port.scene().removeItem(port)
            kept = dict(ports)
            ports.clear()
            for name in names:
                ports[name] = kept.get(name) or PortItem(self, name, is_output)
        self._layout()

    @property
    def labelled_ports(self) -> bool:
        """Port names are drawn when a side has several ports or unusual names."""
        return (len(self.in_ports) > 1 or len(self.out_ports) > 1
                or any(n != "in" for n in self.in_ports) or any(n != "out" for n in self.out_ports))

    def _layout(self) -> None:
        n = max(len(self.in_ports), len(self.out_ports), 1)
        body = max(3 * style.LINE_HEIGHT + 10, n * style.PORT_SPACING + 8)
        self._height = style.HEADER_HEIGHT + body
        for ports, x in ((self.in_ports, 0.0), (self.out_ports, style.NODE_WIDTH)):
            top = style.HEADER_HEIGHT + (body - len(ports) * style.PORT_SPACING) / 2
            for i, port in enumerate(ports.values()):
                port.setPos(x, top + (i + 0.5) * style.PORT_SPACING)
        self.strip.setPos(0, self._height + 4)

    def set_title(self, title: str) -> None:
        """Change the header text."""
        if title != self.title:
            self.title = title
            self.update()

    def set_info(self, shape_text: str, count_text: str, error_text: str,
                 notes: list[str]) -> None:
        """Show inference results: output shape, parameter count, error (or "")."""
        if (shape_text, count_text, error_text, notes) == (
                self.shape_text, self.count_text, self.error_text, self.notes):
            return
        self.shape_text, self.count_text, self.notes = shape_text, count_text, list(notes)
        self.error_text = error_text
        self.badge.setVisible(bool(error_text))
        self.badge.setToolTip(error_text)
        self.update()

    # -- geometry -----------------------------------------------------------------------
    @property
    def box_height(self) -> float:
        """Height of the box (without the neuron strip)."""
        return self._height

    @property
    def full_height(self) -> float:
        """Height including the neuron strip under the box."""
        strip = self.strip.height()
        return self._height + (strip + 4 if strip else 0)

    def port(self, name: str, is_output: bool) -> PortItem | None:
        """The port called ``name`` on that side, or None."""
        return (self.out_ports if is_output else self.in_ports).get(name)

    def anchor(self, name: str, is_output: bool) -> QPointF:
        """Scene position an edge attaches to (the side's middle for unknown ports)."""
        port = self.port(name, is_output)
        if port is not None:
            return port.scenePos()
        x = style.NODE_WIDTH if is_output else 0.0
        return self.mapToScene(QPointF(x, style.HEADER_HEIGHT + 10))

    def boundingRect(self) -> QRectF:  # noqa: N802
        m = 3.0  # the selection outline is drawn just outside the box
        return QRectF(-m, -m, style.NODE_WIDTH + 2 * m, self._height + 2 * m)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRoundedRect(QRectF(0, 0, style.NODE_WIDTH, self._height),
                            style.CORNER, style.CORNER)
        return path

    # -- painting -----------------------------------------------------------------------
    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h = style.NODE_WIDTH, self._height
        box = QRectF(0, 0, w, h)
        header_colour = style.category_colour(self.category)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(style.node_fill())
        painter.drawRoundedRect(box, style.CORNER, style.CORNER)
        header = QPainterPath()
        header.addRoundedRect(QRectF(0, 0, w, style.HEADER_HEIGHT + style.CORNER),
                              style.CORNER, style.CORNER)
        clip = QPainterPath()
        clip.addRect(QRectF(0, 0, w, style.HEADER_HEIGHT))
        painter.setBrush(header_colour)
        painter.drawPath(header.intersected(clip))
        outline = style.ERROR if self.error_text else style.blend(
            header_colour, style.node_fill(), 0.3)
        if self.isSelected():
            painter.setPen(QPen(style.SELECTED, 2.5))
        else:
            painter.setPen(QPen(outline, 1.2))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(box, style.CORNER, style.CORNER)
        self._paint_text(painter, w)

    def _paint_text(self, painter: QPainter, w: float) -> None:
        # Port names sit inside the box next to their ports: keep the text clear of them.
        left = 32.0 if self.labelled_ports and self.in_ports else 8.0
        right = 32.0 if self.labelled_ports and self.out_ports else 8.0
        title_font = style.font(9, bold=True)
        painter.setFont(title_font)
        painter.setPen(Qt.GlobalColor.white)  # on the fixed, saturated header colour
        title_room = w - 16 - (14 if self.error_text else 0)
        title = QFontMetricsF(title_font).elidedText(self.title, Qt.TextElideMode.ElideRight,
                                                     title_room)
        painter.drawText(QRectF(8, 0, title_room, style.HEADER_HEIGHT),
                         Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, title)
        small = style.font(7.5)
        metrics = QFontMetricsF(small)
        room = w - left - right
        lines = [(self.node_id, style.dim_text_colour(), small),
                 (self.shape_text, style.ERROR if self.error_text else style.text_colour(),
                  style.font(8.5, bold=True)),
                 (" · ".join([t for t in (self.count_text, *self.notes) if t]),
                  style.dim_text_colour(), small)]
        y = style.HEADER_HEIGHT + 5
        for text, colour, f in lines:
            painter.setFont(f)
            painter.setPen(colour)
            text = QFontMetricsF(f).elidedText(text, Qt.TextElideMode.ElideRight, room)
            painter.drawText(QRectF(left, y, room, style.LINE_HEIGHT),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text)
            y += style.LINE_HEIGHT
        if self.labelled_ports:
            painter.setFont(small)
            painter.setPen(style.dim_text_colour())
            for ports, align, x in ((self.in_ports, Qt.AlignmentFlag.AlignLeft, 8.0),
                                    (self.out_ports, Qt.AlignmentFlag.AlignRight, w - 8.0)):
                for port in ports.values():
                    width = metrics.horizontalAdvance(port.name) + 2
                    rx = x if align == Qt.AlignmentFlag.AlignLeft else x - width
                    painter.drawText(QRectF(rx, port.y() - 7, width, 14),
                                     align | Qt.AlignmentFlag.AlignVCenter, port.name)

    # -- interaction --------------------------------------------------------------------
    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value):  # noqa: N802
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            scene = self.scene()
            if scene is not None and hasattr(scene, "node_item_moved"):
                scene.node_item_moved(self.node_id)
        return super().itemChange(change, value)
