"""Edge items: a cubic Bézier between two ports, labelled with the tensor shape it carries.

:class:`DragEdgeItem` is the temporary edge that follows the mouse while a
connection is being dragged: grey over empty canvas, green over a port it may
connect to, red over one it may not.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QFontMetricsF, QPainter, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QStyleOptionGraphicsItem, QWidget

from playground.graph import Edge
from ui.editor import style
from ui.editor.items import NodeItem


def bezier(p0: QPointF, p1: QPointF) -> QPainterPath:
    """A left-to-right S curve from ``p0`` to ``p1`` (horizontal tangents at both ends)."""
    dx = max(40.0, abs(p1.x() - p0.x()) * 0.5)
    path = QPainterPath(p0)
    path.cubicTo(QPointF(p0.x() + dx, p0.y()), QPointF(p1.x() - dx, p1.y()), p1)
    return path


class EdgeItem(QGraphicsPathItem):
    """One graph edge.

    Parameters
    ----------
    edge : Edge
        The graph edge it draws.
    src, dst : NodeItem
        The node items at its ends.
    """

    def __init__(self, edge: Edge, src: NodeItem, dst: NodeItem):
        super().__init__()
        self.edge = edge
        self.src = src
        self.dst = dst
        self.shape_text = ""
        self.error = False
        self._label_rect = QRectF()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setAcceptHoverEvents(True)
        self.setZValue(0)
        self.update_path()

    def update_path(self) -> None:
        """Follow the ports (called when either node moves or changes its ports)."""
        path = bezier(self.src.anchor(self.edge.src_port, True),
                      self.dst.anchor(self.edge.dst_port, False))
        self.prepareGeometryChange()
        self.setPath(path)
        self._place_label()

    def set_info(self, shape_text: str, error: bool) -> None:
        """Label text (the tensor shape) and whether the destination has an error."""
        if (shape_text, error) != (self.shape_text, self.error):
            self.prepareGeometryChange()
            self.shape_text, self.error = shape_text, error
            self._place_label()
            self.update()

    def _place_label(self) -> None:
        if not self.shape_text:
            self._label_rect = QRectF()
            return
        metrics = QFontMetricsF(style.font(7.5))
        w = metrics.horizontalAdvance(self.shape_text) + 8
        h = metrics.height() + 2
        mid = self.path().pointAtPercent(0.5)
        self._label_rect = QRectF(mid.x() - w / 2, mid.y() - h / 2, w, h)

    def colour(self):
        """Stroke colour: selection, error or normal."""
        if self.isSelected():
            return style.SELECTED
        return style.ERROR if self.error else style.edge_colour()

    def boundingRect(self) -> QRectF:  # noqa: N802
        return super().boundingRect().adjusted(-4, -4, 4, 4).united(self._label_rect)

    def shape(self) -> QPainterPath:
        stroker = QPainterPathStroker()
        stroker.setWidth(10)  # easy to click
        return stroker.createStroke(self.path())

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        colour = self.colour()
        painter.setPen(QPen(colour, 2.6 if self.isSelected() else 1.8))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self.path())
        if self._label_rect.isNull():
            return
        painter.setPen(QPen(colour, 1))
        painter.setBrush(style.node_fill())
        painter.drawRoundedRect(self._label_rect, 4, 4)
        painter.setFont(style.font(7.5))
        painter.setPen(style.ERROR if self.error else style.text_colour())
        painter.drawText(self._label_rect, Qt.AlignmentFlag.AlignCenter, self.shape_text)


class DragEdgeItem(QGraphicsPathItem):
    """The temporary edge while dragging from a port.

    Parameters
    ----------
    anchor : QPointF
        The port it starts from.
    from_output : bool
        True when dragging from an output port (the curve runs left to right).
    """

    def __init__(self, anchor: QPointF, from_output: bool):
        super().__init__()
        self.anchor = anchor
        self.from_output = from_output
        self.state = ""
        self.setZValue(50)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.move_to(anchor, "")

    def move_to(self, pos: QPointF, state: str) -> None:
        """Follow the mouse; ``state`` is "", "valid" or "invalid"."""
        self.state = state
        colour = {"valid": style.VALID, "invalid": style.ERROR}.get(state, style.edge_colour())
        pen = QPen(colour, 2.2, Qt.PenStyle.DashLine)
        self.setPen(pen)
        ends = (self.anchor, pos) if self.from_output else (pos, self.anchor)
        self.setPath(bezier(*ends))
