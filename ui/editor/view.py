"""GraphView: zoom, pan, rubber-band selection and layer drops onto the canvas.

Wheel zooms around the cursor; the middle button, or Space + left button,
pans; dragging on empty canvas draws a rubber band that selects nodes and
edges. Layers dragged from the palette (MIME :data:`LAYER_MIME`) are dropped
through :attr:`GraphView.layer_dropped`.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QWheelEvent,
)
from PySide6.QtWidgets import QFrame, QGraphicsScene, QGraphicsView, QWidget

from ui.editor.edges import EdgeItem

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
    """

    layer_dropped = Signal(str, QPointF)
    zoom_changed = Signal(float)

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

    # -- zoom ------------------------------------------------------------------------------
    def zoom(self) -> float:
        """Current zoom factor."""
        return self.transform().m11()

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        """Multiply the zoom by ``factor`` (clamped), keeping ``anchor`` (scene) in place."""
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
        """Show ``rect`` (default: every node and edge) as large as fits, at most 125 %."""
        if rect is None:
            rect = self.content_rect()
        if rect.isEmpty():
            self.reset_zoom()
            self.centerOn(0, 0)
            return
        rect = rect.adjusted(-40, -40, 40, 40)
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
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        type_id = layer_from_mime(event.mimeData())
        if not type_id:
            event.ignore()
            return
        event.acceptProposedAction()
        self.layer_dropped.emit(type_id, self.mapToScene(event.position().toPoint()))


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
