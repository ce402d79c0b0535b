"""GraphView: zoom, pan, rubber-band selection and layer drops onto the canvas.

Wheel zooms around the cursor; the middle button, or Space + left button,
pans; dragging on empty canvas draws a rubber band that selects nodes and
edges. Layers dragged from the palette (MIME :data:`LAYER_MIME`) are dropped
through :attr:`GraphView.layer_dropped`; over an edge, the edge lights up and
the drop inserts the layer there.

The view keeps the graph fitted (on resize, when neuron strips appear, when
the graph outgrows it) until the user zooms or pans by hand; Fit (F) turns
that back on.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QFrame, QGraphicsScene, QGraphicsView, QWidget

from ui.editor.edges import EdgeItem
from ui.editor.layout import FIT_MARGIN

LAYER_MIME = "application/x-playground-layer"
MIN_ZOOM = 0.15
MAX_ZOOM = 4.0
FIT_MAX_ZOOM = 1.25  # a tiny graph fitted to a big window would look blown up


def layer_from_mime(mime) -> str | None:
    """The layer type id carried by a drag, or None."""
    if mime is None or not mime.hasFormat(LAYER_MIME):
        return None
    text = bytes(mime.data(LAYER_MIME)).decode("utf-8", "replace").strip()
    return text or None


class GraphView(QGraphicsView):
    """The canvas widget.

    Parameters
    ----------
    scene : QGraphicsScene
    parent : QWidget, optional

    Signals
    -------
    layer_dropped(str, QPointF)
        A palette layer was dropped: (type id, scene position).
    zoom_changed(float)
        The zoom factor (1.0 = 100 %).
    auto_fit_changed(bool)
        The view started or stopped keeping the graph fitted.
    """

    layer_dropped = Signal(str, QPointF)
    zoom_changed = Signal(float)
    auto_fit_changed = Signal(bool)

    def __init__(self, scene: QGraphicsScene, parent: QWidget | None = None):
        super().__init__(scene, parent)
        self.setRenderHints(QPainter.RenderHint.Antialiasing
                            | QPainter.RenderHint.TextAntialiasing
                            | QPainter.RenderHint.SmoothPixmapTransform)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setRubberBandSelectionMode(Qt.ItemSelectionMode.IntersectsItemShape)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._pan_from: QPoint | None = None
        self._space = False
        self._drop_edge: EdgeItem | None = None
        self.auto_fit = True
        self._refit = QTimer(self, singleShot=True, interval=0)
        self._refit.timeout.connect(lambda: self.fit() if self.auto_fit else None)

    def set_auto_fit(self, on: bool) -> None:
        """Keep the graph fitted (True) or leave zoom and scroll to the user (False)."""
        if on != self.auto_fit:
            self.auto_fit = on
            self.auto_fit_changed.emit(on)

    def refit_soon(self, only_if_clipped: bool = False) -> None:
        """Fit again at the next turn of the event loop while auto-fit is on.

        ``only_if_clipped``: only when part of the graph is out of sight (an edit that
        grew it), so a parameter edit never makes the zoom jump.
        """
        if not self.auto_fit:
            return
        if only_if_clipped:
            visible = self.mapToScene(self.viewport().rect()).boundingRect()
            if visible.contains(self.content_rect()):
                return
        self._refit.start()

    # -- zoom ------------------------------------------------------------------------------
    def zoom(self) -> float:
        """Current zoom factor."""
        return self.transform().m11()

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        """Multiply the zoom by ``factor`` (clamped), keeping ``anchor`` (scene) in place.

        A zoom by hand: the view stops keeping the graph fitted.
        """
        self.set_auto_fit(False)
        target = min(max(self.zoom() * factor, MIN_ZOOM), MAX_ZOOM)
        factor = target / self.zoom()
        if abs(factor - 1) < 1e-9:
            return
        if anchor is None:
            anchor = self.mapToScene(self.viewport().rect().center())
        before = self.mapFromScene(anchor)
        old = self.transformationAnchor()
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.scale(factor, factor)
        after = self.mapFromScene(anchor)
        self._scroll_by(after - before)
        self.setTransformationAnchor(old)
        self.zoom_changed.emit(self.zoom())

    def zoom_in(self) -> None:
        """One step closer."""
        self.zoom_by(1.25)

    def zoom_out(self) -> None:
        """One step further."""
        self.zoom_by(1 / 1.25)

    def reset_zoom(self) -> None:
        """Back to 100 %."""
        self.zoom_by(1.0 / self.zoom())

    def fit(self, rect: QRectF | None = None) -> None:
        """Show ``rect`` (default: every node and edge) as large as fits, at most 125 %;
        fitting the whole graph turns auto-fit back on."""
        if rect is None:
            rect = self.content_rect()
            self.set_auto_fit(True)
        if rect.isEmpty():
            self.setTransform(self.transform().fromScale(1.0, 1.0))
            self.centerOn(0, 0)
            self.zoom_changed.emit(self.zoom())
            return
        m = FIT_MARGIN
        rect = rect.adjusted(-m, -m, m, m)
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        if self.zoom() > FIT_MAX_ZOOM:
            self.setTransform(self.transform().fromScale(FIT_MAX_ZOOM, FIT_MAX_ZOOM))
        self.centerOn(rect.center())
        self.zoom_changed.emit(self.zoom())

    def content_rect(self) -> QRectF:
        """Bounding rectangle of the visible items (nodes, edges, strips)."""
        rect = QRectF()
        for item in self.scene().items():
            if item.parentItem() is None and item.isVisible() and item.zValue() < 50:
                rect = rect.united(item.sceneBoundingRect())
        return rect

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.refit_soon()

    def _scroll_by(self, delta: QPoint) -> None:
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() + delta.x())
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() + delta.y())

    # -- Qt overrides: zoom and pan -----------------------------------------------------------
    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoom_by(1.15 ** steps, self.mapToScene(event.position().toPoint()))
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.viewport().unsetCursor()
            event.accept()
            return
        super().keyReleaseEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        pan = event.button() == Qt.MouseButton.MiddleButton or (
            self._space and event.button() == Qt.MouseButton.LeftButton)
        if pan:
            self._pan_from = event.position().toPoint()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._pan_from is not None:
            now = event.position().toPoint()
            if now != self._pan_from:
                self.set_auto_fit(False)  # panned by hand
            self._scroll_by(self._pan_from - now)
            self._pan_from = now
            event.accept()
            return
        super().mouseMoveEvent(event)
        band = self.rubberBandRect()
        if not band.isNull():
            self._keep_enclosed_edges(self.mapToScene(band).boundingRect())

    def _keep_enclosed_edges(self, band: QRectF) -> None:
        """Nodes touched by the band are selected, edges only when wholly inside it.

        Otherwise an edge merely crossing the band between two unselected nodes
        would be deleted along with the selection.
        """
        for item in self.scene().selectedItems():
            if isinstance(item, EdgeItem) and not band.contains(item.path().boundingRect()):
                item.setSelected(False)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._pan_from is not None:
            self._pan_from = None
            if self._space:
                self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            else:
                self.viewport().unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    # -- Qt overrides: drops from the palette ---------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if layer_from_mime(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802
        # The scene would refuse the drag (no item accepts drops): answer here instead.
        if layer_from_mime(event.mimeData()):
            event.acceptProposedAction()
            self._light_edge(self.edge_at(event.position().toPoint()))
        else:
            event.ignore()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:  # noqa: N802
        self._light_edge(None)
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        self._light_edge(None)
        type_id = layer_from_mime(event.mimeData())
        if not type_id:
            event.ignore()
            return
        event.acceptProposedAction()
        self.layer_dropped.emit(type_id, self.mapToScene(event.position().toPoint()))

    def edge_at(self, point: QPoint) -> EdgeItem | None:
        """The edge under viewport ``point`` (within a few pixels), or None."""
        for item in self.items(QRectF(point.x() - 6, point.y() - 6, 12, 12).toRect()):
            if isinstance(item, EdgeItem) and item.isVisible():
                return item
        return None

    def _light_edge(self, edge: EdgeItem | None) -> None:
        """Highlight the edge a drop would insert the layer on."""
        if edge is self._drop_edge:
            return
        for item in (self._drop_edge, edge):
            if item is not None:
                item.set_drop_target(item is edge)
        self._drop_edge = edge

if __name__ == "__main__":
    from PySide6.QtGui import QUndoStack
    from PySide6.QtWidgets import QApplication

    from ui.editor.samples import XOR_INPUT_SHAPES, xor_graph
    from ui.editor.scene import GraphScene

    app = QApplication([])
    scene = GraphScene(xor_graph(), QUndoStack())
    scene.set_input_shapes(XOR_INPUT_SHAPES)
    view = GraphView(scene)
    view.resize(900, 500)
    view.show()
    view.fit()
    app.exec()
