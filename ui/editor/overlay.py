"""The inspector as a panel floating over the canvas, beside the selected node.

It never takes width from the canvas, so selecting a node never moves the
graph: the panel appears over the side of the canvas away from the node
(right of it when the node is on the left, and the other way round), with a
fixed width, and hides when nothing is selected.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

#: The panel's width and its distance from the canvas's edges (pixels).
PANEL_WIDTH = 272
MARGIN = 8


class InspectorPanel(QFrame):
    """A framed panel holding ``inspector``, with a title row and a close button.

    Signals
    -------
    close_requested()
        The close button: the editor clears the selection.
    """

    close_requested = Signal()

    def __init__(self, inspector: QWidget, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("inspector_panel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.inspector = inspector
        title = QLabel("Node", objectName="inspector_panel_title")
        font = title.font()
        font.setBold(True)
        title.setFont(font)
        close = QToolButton(text="×", autoRaise=True, objectName="inspector_close",
                            toolTip="Close (Esc): clear the selection")
        close.clicked.connect(self.close_requested)
        row = QHBoxLayout()
        row.setContentsMargins(8, 2, 2, 0)
        row.addWidget(title, 1)
        row.addWidget(close)
        column = QVBoxLayout(self)
        column.setContentsMargins(1, 1, 1, 1)
        column.setSpacing(0)
        column.addLayout(row)
        column.addWidget(inspector, 1)
        self.hide()

    def place(self, canvas: QRect, node_x: float | None) -> None:
        """Put the panel over ``canvas`` (its parent's coordinates), on the side away from
        the node at viewport x ``node_x`` (right when unknown)."""
        width = min(PANEL_WIDTH, max(canvas.width() - 2 * MARGIN, 120))
        left_side = node_x is not None and node_x > canvas.width() * 0.55
        x = canvas.left() + MARGIN if left_side else canvas.right() - MARGIN - width + 1
        self.setGeometry(x, canvas.top() + MARGIN, width,
                         max(canvas.height() - 2 * MARGIN, 80))
        self.setProperty("side", "left" if left_side else "right")
        self.raise_()


def panel_side(panel: InspectorPanel) -> str:
    """"left" or "right": where the panel was last put (tests)."""
    return str(panel.property("side") or "right")


class ResizeWatcher(QObject):
    """Calls ``callback`` when the watched widget is resized or moved."""

    def __init__(self, callback, parent: QObject | None = None):
        super().__init__(parent)
        self.callback = callback

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Move):
            self.callback()
        return False
