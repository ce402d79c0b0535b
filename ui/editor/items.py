"""Node items: how one layer looks on the canvas.

A :class:`NodeItem` is a compact card: the layer's title and id, its
essentials ("8 units · tanh", with − / + buttons for the width), its output
shape and parameter count, input ports on the left and output ports on the
right (:mod:`ui.editor.ports`), an error badge whose tooltip gives the shape
error and its fix, and a "+" beside it (on hover or selection) that adds a
layer after it. It holds no graph state of its own: the scene refreshes it
from the graph and the latest ShapeReport.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsObject,
    QGraphicsSceneHoverEvent,
    QStyleOptionGraphicsItem,
    QWidget,
)

from ui.editor import style
from ui.editor.buttons import STEP_SIZE, CardButton
from ui.editor.card import (
    BODY_LINES,
    PORT_Y,
    count_of,
    count_param,
    essentials,
    essentials_forms,
)
from ui.editor.card import box_height as card_height
from ui.editor.neurons import NeuronStrip
from ui.editor.ports import BadgeItem, PortItem
from ui.editor.tiles import FeatureTiles, tiles_height

#: Notes drawn as glyphs in a card's header (their words are in its tooltip).
NOTE_GLYPHS = {"frozen": "❄", "hand-set": "✎"}


class NodeItem(QGraphicsObject):
    """One layer on the canvas: a compact card.

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
    node_type : str
        Layer type id (what the essentials line, the − / + buttons and the
        Features tiles depend on).
    """

    def __init__(self, node_id: str, title: str, category: str,
                 inputs: tuple[str, ...], outputs: tuple[str, ...], node_type: str = ""):
        super().__init__()
        self.node_id = node_id
        self.title = title
        self.category = category
        self.node_type = node_type
        self.shape_text = "?"
        self.count_text = ""
        self.essentials = ""
        self.essentials_forms: list[str] = [""]  # the line, then shorter forms of it
        self.count = ""  # the width between the − and + buttons
        self.notes: list[str] = []  # "frozen", "hand-set"
        self.error_text = ""
        self.in_ports: dict[str, PortItem] = {}
        self.out_ports: dict[str, PortItem] = {}
        self._height = 0.0
        self._hover = False
        self.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsMovable
                      | QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
                      | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges)
        self.setAcceptHoverEvents(True)
        self.setZValue(1)
        self.badge = BadgeItem(self)
        self.badge.setPos(style.NODE_WIDTH - 3, 3)
        self.strip = NeuronStrip(self)
        what = count_param(node_type)
        self.steps: dict[str, CardButton] = {} if what is None else {
            "fewer": CardButton(self, "fewer", "−", f"One {what.replace('_', ' ')} fewer"),
            "more": CardButton(self, "more", "+", f"One {what.replace('_', ' ')} more")}
        self.add_button = CardButton(self, "add_after", "+", "Add a layer after this one",
                                     round_=True)
        self.add_button.setVisible(False)
        self.tiles = FeatureTiles(self) if node_type == "features" else None
        self.set_ports(inputs, outputs)

    # -- content ------------------------------------------------------------------------
    def set_ports(self, inputs: tuple[str, ...], outputs: tuple[str, ...]) -> None:
        """Create or drop port items so they match the given names."""
        if tuple(self.in_ports) == tuple(inputs) and tuple(self.out_ports) == tuple(outputs) \
                and self._height:
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

    def _insets(self) -> tuple[float, float]:
        """Room kept free for port names on the left and right (8 px without names)."""
        if not self.labelled_ports:
            return 8.0, 8.0
        metrics = QFontMetricsF(style.font(style.NODE_FONT_PT))

        def room(ports: dict) -> float:
            return 12.0 + max((metrics.horizontalAdvance(n) for n in ports), default=-4.0)
        return max(8.0, room(self.in_ports)), max(8.0, room(self.out_ports))

    def _layout(self) -> None:
        n = max(len(self.in_ports), len(self.out_ports), 1)
        extra = tiles_height() if self.tiles is not None else 0.0
        self._height = card_height(n, extra)
        body = self._height - style.HEADER_HEIGHT - extra
        for ports, x in ((self.in_ports, 0.0), (self.out_ports, style.NODE_WIDTH)):
            top = style.HEADER_HEIGHT + (body - len(ports) * style.PORT_SPACING) / 2
            for i, port in enumerate(ports.values()):
                port.setPos(x, PORT_Y if len(ports) == 1 else
                            top + (i + 0.5) * style.PORT_SPACING)
        self._place_steps()
        self.add_button.setPos(style.NODE_WIDTH + 17, style.HEADER_HEIGHT / 2)
        if self.tiles is not None:
            self.tiles.setPos(0, style.HEADER_HEIGHT + style.CARD_PAD
                              + BODY_LINES * style.LINE_HEIGHT)
        self.strip.setPos(0, self._height + 4)

    def _stepper_room(self) -> float:
        """Width of the − count + group at the essentials line's right end (0 without)."""
        if not self.steps:
            return 0.0
        digits = QFontMetricsF(style.font(style.NODE_FONT_PT, bold=True)).horizontalAdvance(
            self.count or "0")
        return 2 * STEP_SIZE + max(digits, 14.0) + 8

    def _place_steps(self) -> None:
        if not self.steps:
            return
        _, right = self._insets()
        y = style.HEADER_HEIGHT + style.CARD_PAD + (style.LINE_HEIGHT - STEP_SIZE) / 2
        x = style.NODE_WIDTH - right - self._stepper_room()
        self.steps["fewer"].setPos(x, y)
        self.steps["more"].setPos(style.NODE_WIDTH - right - STEP_SIZE, y)

    def set_title(self, title: str) -> None:
        """Change the header text."""
        if title != self.title:
            self.title = title
            self.update()

    def set_params(self, params: dict, note: str = "") -> None:
        """The node's resolved params (the essentials line, the Features tiles); ``note``
        stands in for layers with nothing to say of their own (the Input's data, the
        Output's targets)."""
        own = essentials(self.node_type, params)
        text = own or note
        count = count_of(self.node_type, params)
        if (text, count) != (self.essentials, self.count):
            self.essentials, self.count = text, count
            self.essentials_forms = essentials_forms(self.node_type, params) if own else [note]
            self._place_steps()
            self.setToolTip(self._tooltip())
            self.update()
        if self.tiles is not None:
            self.tiles.set_params(params)

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
        self.setToolTip(self._tooltip())
        self.update()

    def _tooltip(self) -> str:
        what = count_param(self.node_type)
        width = f"{self.count} {what.replace('_', ' ')}" if what and self.count else ""
        parts = [f"{self.title} ({self.node_id})", width, self.essentials,
                 f"output {self.shape_text}", self.count_text, *self.notes]
        return "\n".join(p for p in parts if p) + ("\n\n" + self.error_text
                                                   if self.error_text else "")

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

    def full_rect(self) -> QRectF:
        """The card and its neuron strip, in scene coordinates (what edges go around)."""
        return QRectF(self.scenePos(), QSizeF(style.NODE_WIDTH, self.full_height))

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
        self._paint_header(painter, w)
        self._paint_body(painter, w)

    def _paint_header(self, painter: QPainter, w: float) -> None:
        """The title in bold, then the node id (when it says something else) in a lighter
        white, both on the fixed, saturated category colour."""
        bold, plain = style.font(style.NODE_FONT_PT, bold=True), style.font(style.NODE_FONT_PT)
        glyphs = "".join(NOTE_GLYPHS.get(n, "") for n in self.notes)
        glyph_width = QFontMetricsF(plain).horizontalAdvance(glyphs) + 4 if glyphs else 0.0
        room = self.header_room()
        if glyphs:
            painter.setFont(plain)
            painter.setPen(Qt.GlobalColor.white)
            painter.drawText(QRectF(8 + room, 0, glyph_width, style.HEADER_HEIGHT),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, glyphs)
        title = QFontMetricsF(bold).elidedText(self.title, Qt.TextElideMode.ElideRight, room)
        painter.setFont(bold)
        painter.setPen(Qt.GlobalColor.white)
        rect = QRectF(8, 0, room, style.HEADER_HEIGHT)
        painter.drawText(rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, title)
        used = QFontMetricsF(bold).horizontalAdvance(title) + 6
        if self.node_id.lower() != self.title.lower() and room - used > 24:
            ident = QFontMetricsF(plain).elidedText(self.node_id, Qt.TextElideMode.ElideRight,
                                                     room - used)
            painter.setFont(plain)
            painter.setPen(QColor(255, 255, 255, 200))
            painter.drawText(rect.adjusted(used, 0, 0, 0),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, ident)

    def essentials_room(self) -> float:
        """Width the essentials line has: the card less its insets and the − / + group."""
        left, right = self._insets()
        return style.NODE_WIDTH - left - right - self._stepper_room()

    def shown_essentials(self) -> str:
        """The first form of the essentials line that fits (the shortest if none does)."""
        metrics = QFontMetricsF(style.font(style.NODE_FONT_PT))
        room = self.essentials_room()
        for text in self.essentials_forms:
            if metrics.horizontalAdvance(text) <= room:
                return text
        return self.essentials_forms[-1]

    def header_room(self) -> float:
        """Width the header's title has (less the error badge and the notes' glyphs)."""
        glyphs = "".join(NOTE_GLYPHS.get(n, "") for n in self.notes)
        plain = style.font(style.NODE_FONT_PT)
        glyph_width = QFontMetricsF(plain).horizontalAdvance(glyphs) + 4 if glyphs else 0.0
        return style.NODE_WIDTH - 16 - (14 if self.error_text else 0) - glyph_width

    def _paint_body(self, painter: QPainter, w: float) -> None:
        left, right = self._insets()
        plain, bold = style.font(style.NODE_FONT_PT), style.font(style.NODE_FONT_PT, bold=True)
        metrics = QFontMetricsF(plain)
        y = style.HEADER_HEIGHT + style.CARD_PAD
        align = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
        stepper = self._stepper_room()
        room = self.essentials_room()
        text = self.shown_essentials()
        painter.setFont(plain)
        painter.setPen(style.text_colour())
        painter.drawText(QRectF(left, y, room, style.LINE_HEIGHT), align,
                         metrics.elidedText(text, Qt.TextElideMode.ElideRight, room))
        if self.steps:
            painter.setFont(bold)
            painter.drawText(QRectF(w - right - stepper + STEP_SIZE, y,
                                    stepper - 2 * STEP_SIZE, style.LINE_HEIGHT),
                             Qt.AlignmentFlag.AlignCenter, self.count)
        y += style.LINE_HEIGHT
        room = w - left - right
        shape_width = QFontMetricsF(bold).horizontalAdvance(self.shape_text)
        count_width = metrics.horizontalAdvance(self.count_text)
        painter.setFont(bold)
        painter.setPen(style.ERROR if self.error_text else style.text_colour())
        painter.drawText(QRectF(left, y, room, style.LINE_HEIGHT), align,
                         QFontMetricsF(bold).elidedText(self.shape_text,
                                                        Qt.TextElideMode.ElideRight, room))
        if self.count_text and shape_width + count_width + 10 <= room:
            painter.setFont(plain)
            painter.setPen(style.dim_text_colour())
            painter.drawText(QRectF(left, y, room, style.LINE_HEIGHT),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                             self.count_text)
        if self.labelled_ports:
            painter.setFont(plain)
            painter.setPen(style.dim_text_colour())
            for ports, side, x in ((self.in_ports, Qt.AlignmentFlag.AlignLeft, 8.0),
                                   (self.out_ports, Qt.AlignmentFlag.AlignRight, w - 8.0)):
                for port in ports.values():
                    width = metrics.horizontalAdvance(port.name) + 2
                    rx = x if side == Qt.AlignmentFlag.AlignLeft else x - width
                    painter.drawText(QRectF(rx, port.y() - 9, width, 18),
                                     side | Qt.AlignmentFlag.AlignVCenter, port.name)

    # -- interaction --------------------------------------------------------------------
    def _sync_add_button(self) -> None:
        self.add_button.setVisible(bool(self.out_ports) and (self._hover or self.isSelected()))

    def hoverEnterEvent(self, event: QGraphicsSceneHoverEvent) -> None:  # noqa: N802
        self._hover = True
        self._sync_add_button()

    def hoverLeaveEvent(self, event: QGraphicsSceneHoverEvent) -> None:  # noqa: N802
        self._hover = False
        self._sync_add_button()

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value):  # noqa: N802
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            scene = self.scene()
            if scene is not None and hasattr(scene, "node_item_moved"):
                scene.node_item_moved(self.node_id)
        elif change == QGraphicsItem.GraphicsItemChange.ItemSelectedHasChanged:
            self._sync_add_button()
        return super().itemChange(change, value)
