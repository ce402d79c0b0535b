"""Edge items: a curve between two ports; its tensor shape is its tooltip.

A forward edge is an S curve. An edge into a node further left (the next band
of a wrapped layout) runs down into the gap between the bands, left along it
and down into the port, as a line of text wraps: never back across the
cards. The shape an edge carries is on the card it leaves, so it is drawn on
the edge only when that card has several outputs.

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

#: How far an edge runs straight out of (and into) a port before it turns.
LEAD = 16.0
#: Corner radius of a wrapped edge.
BEND = 8.0


def bezier(p0: QPointF, p1: QPointF) -> QPainterPath:
    """A left-to-right S curve from ``p0`` to ``p1`` (horizontal tangents at both ends)."""
    dx = max(40.0, abs(p1.x() - p0.x()) * 0.5)
    path = QPainterPath(p0)
    path.cubicTo(QPointF(p0.x() + dx, p0.y()), QPointF(p1.x() - dx, p1.y()), p1)
    return path


def gap_between(src: QRectF, dst: QRectF) -> float:
    """The y the edge from ``src`` to ``dst`` (cards with their neuron strips) runs left at.

    Just above ``dst`` when it is in a band below: the band's gap is above its top, while
    ``src``'s own bottom may be above a taller card of its band. Just below ``src`` when
    ``dst`` is above; below both when they overlap vertically.
    """
    if dst.top() > src.bottom():
        return dst.top() - min(1.5 * LEAD, (dst.top() - src.bottom()) / 2)
    if src.top() > dst.bottom():
        return src.top() - min(1.5 * LEAD, (src.top() - dst.bottom()) / 2)
    return max(src.bottom(), dst.bottom()) + 2 * LEAD


def wrapped(p0: QPointF, p1: QPointF, y: float) -> QPainterPath:
    """Out of ``p0`` to the right, down (or up) to ``y``, left to the column of ``p1``,
    then into ``p1`` from its left, with rounded corners."""
    xa, xb = p0.x() + LEAD, p1.x() - LEAD
    path = QPainterPath(p0)
    corners = [QPointF(xa, p0.y()), QPointF(xa, y), QPointF(xb, y), QPointF(xb, p1.y())]
    points = [p0, *corners, p1]
    for before, corner, after in zip(points, points[1:], points[2:]):
        r = min(BEND, _dist(before, corner) / 2, _dist(corner, after) / 2)
        path.lineTo(_towards(corner, before, r))
        path.quadTo(corner, _towards(corner, after, r))
    path.lineTo(p1)
    return path


def _dist(a: QPointF, b: QPointF) -> float:
    return abs(a.x() - b.x()) + abs(a.y() - b.y())  # segments are axis-aligned


def _towards(corner: QPointF, other: QPointF, r: float) -> QPointF:
    d = _dist(corner, other) or 1.0
    return corner + (other - corner) * (r / d)


def edge_path(p0: QPointF, p1: QPointF, src: QRectF, dst: QRectF) -> QPainterPath:
    """The drawn path from output port ``p0`` to input port ``p1`` of cards ``src``, ``dst``."""
    if p1.x() - p0.x() >= 2 * LEAD:
        return bezier(p0, p1)
    return wrapped(p0, p1, gap_between(src, dst))


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
        self.drop_target = False  # a palette drag is over it: a drop inserts the layer here
        self._label_rect = QRectF()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setAcceptHoverEvents(True)
        self.setZValue(0)
        self.update_path()

    def update_path(self) -> None:
        """Follow the ports (called when either node moves or changes its ports)."""
        path = edge_path(self.src.anchor(self.edge.src_port, True),
                         self.dst.anchor(self.edge.dst_port, False),
                         self.src.full_rect(), self.dst.full_rect())
        self.prepareGeometryChange()
        self.setPath(path)
        self._place_label()

    def set_info(self, shape_text: str, error: bool) -> None:
        """The tensor shape it carries (its tooltip) and whether the destination has an
        error."""
        if (shape_text, error) != (self.shape_text, self.error):
            self.prepareGeometryChange()
            self.shape_text, self.error = shape_text, error
            self.setToolTip(f"{self.edge.src} → {self.edge.dst}: {shape_text}"
                            if shape_text else "")
            self._place_label()
            self.update()

    @property
    def labelled(self) -> bool:
        """The shape is drawn on the edge: its card has several outputs, so it cannot say."""
        return bool(self.shape_text) and len(self.src.out_ports) > 1

    def _place_label(self) -> None:
        if not self.labelled:
            self._label_rect = QRectF()
            return
        metrics = QFontMetricsF(style.font(style.NODE_FONT_PT))
        w = metrics.horizontalAdvance(self.shape_text) + 8
        h = metrics.height() + 2
        mid = self.path().pointAtPercent(0.5)
        self._label_rect = QRectF(mid.x() - w / 2, mid.y() - h / 2, w, h)

    def set_drop_target(self, on: bool) -> None:
        """Light up as the place a dragged layer would be inserted."""
        if on != self.drop_target:
            self.drop_target = on
            self.update()

    def colour(self):
        """Stroke colour: drop target, selection, error or normal."""
        if self.drop_target:
            return style.VALID
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
        painter.setPen(QPen(colour, 3.5 if self.drop_target else
                            2.6 if self.isSelected() else 1.8))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self.path())
        if self._label_rect.isNull():
            return
        painter.setPen(QPen(colour, 1))
        painter.setBrush(style.node_fill())
        painter.drawRoundedRect(self._label_rect, 4, 4)
        painter.setFont(style.font(style.NODE_FONT_PT))
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
