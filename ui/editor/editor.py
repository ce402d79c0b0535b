"""GraphEditor: palette, canvas and inspector around one :class:`~playground.graph.Graph`.

The public face of the editor for the main window: the graph, its undo stack,
the latest ShapeReport, selection, view commands, the standard actions, and a
hook for the live neuron maps drawn under the nodes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

import numpy as np
import shiboken6
from PySide6.QtCore import QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QShowEvent, QUndoStack
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from playground.errors import ValidationError
from playground.graph import Graph
from playground.layers import LAYERS, Shape
from playground.shapes import ShapeReport
from ui.editor import clipboard, style
from ui.editor.actions import make_actions
from ui.editor.commands import PasteNodes, selection_payload
from ui.editor.inspector import Inspector
from ui.editor.layout import auto_layout, best_wrap
from ui.editor.palette import LayerPalette
from ui.editor.scene import GraphScene
from ui.editor.view import GraphView

PASTE_OFFSET = 40.0
STATUS_SECONDS = 5


class GraphEditor(QWidget):
    """Node editor bound to ``graph``: every edit is an undo command on ``undo_stack``.

    Parameters
    ----------
    graph : Graph
        The graph to edit (the single source of truth).
    undo_stack : QUndoStack, optional
        Shared with the main window's Edit menu; a private one by default.
    parent : QWidget, optional

    Signals
    -------
    selection_changed(list)
        Ids of the selected nodes.
    report_changed(object)
        The ShapeReport after each edit.
    graph_edited()
        The graph changed (once per edit, undo or redo).
    """

    selection_changed = Signal(list)
    report_changed = Signal(object)
    graph_edited = Signal()

    def __init__(self, graph: Graph, undo_stack: QUndoStack | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.undo_stack = undo_stack if undo_stack is not None else QUndoStack(self)
        self.scene = GraphScene(graph, self.undo_stack, self)
        self.view = GraphView(self.scene)
        self.view.setObjectName("graph_view")
        self.palette = LayerPalette()
        self.inspector = Inspector(self.scene)
        self._selection: list[str] = []
        self._paste_serial = (None, 0)
        self._fitted_once = False
        self._build_layout()
        self.actions: dict[str, QAction] = make_actions(self, self.view, {
            "undo": self.scene.undo, "redo": self.scene.redo, "delete": self.delete_selected,
            "copy": self.copy_selection, "paste": self.paste, "duplicate": self.duplicate,
            "select_all": self.select_all, "fit": self.fit_view, "auto_layout": self.auto_layout,
            "zoom_in": self.view.zoom_in, "zoom_out": self.view.zoom_out})
        self._status_timer = QTimer(self, singleShot=True, interval=STATUS_SECONDS * 1000)
        self._status_timer.timeout.connect(self._show_report_status)
        self.view.layer_dropped.connect(self.drop_layer)
        self.view.zoom_changed.connect(lambda z: self.zoom_button.setText(f"{z:.0%}"))
        self.palette.layer_activated.connect(self.add_layer_at_centre)
        self.scene.selectionChanged.connect(self._on_selection_changed)
        self.scene.report_changed.connect(self._on_report_changed)
        self.scene.graph_edited.connect(self.graph_edited)
        self.scene.connection_refused.connect(self.show_status)
        self.undo_stack.indexChanged.connect(self._update_actions)
        self._update_actions()
        self._on_report_changed(self.scene.report)

    def _build_layout(self) -> None:
        bar = QHBoxLayout()
        bar.setContentsMargins(6, 2, 6, 2)
        self.zoom_button = QToolButton(text="100%", toolTip="Reset zoom to 100%",
                                       autoRaise=True)
        self.zoom_button.clicked.connect(self.view.reset_zoom)
        for text, tip, slot in (("−", "Zoom out (Ctrl+-)", self.view.zoom_out), (None, "", None),
                                ("+", "Zoom in (Ctrl++)", self.view.zoom_in),
                                ("Fit", "Fit to view (F)", self.fit_view),
                                ("Layout", "Auto-layout (Ctrl+L)", self.auto_layout)):
            if text is None:
                bar.addWidget(self.zoom_button)
                continue
            button = QToolButton(text=text, toolTip=tip, autoRaise=True)
            button.clicked.connect(slot)
            bar.addWidget(button)
        self.status_label = QLabel(objectName="editor_status")
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.params_label = QLabel(objectName="total_params")
        self.params_label.setFont(style.font(9, bold=True))
        bar.addSpacing(12)
        bar.addWidget(self.status_label, 1)
        bar.addWidget(self.params_label)
        centre = QWidget()
        column = QVBoxLayout(centre)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.view, 1)
        column.addLayout(bar)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, childrenCollapsible=False)
        self.splitter.addWidget(self.palette)
        self.splitter.addWidget(centre)
        self.splitter.addWidget(self.inspector)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([190, 700, 300])
        self.palette.setMinimumWidth(150)
        self.inspector.setMinimumWidth(240)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

    # -- model -------------------------------------------------------------------------------
    @property
    def graph(self) -> Graph:
        """The graph being edited."""
        return self.scene.graph

    @property
    def report(self) -> ShapeReport:
        """The latest shape-inference result."""
        return self.scene.report

    def set_graph(self, graph: Graph) -> None:
        """Edit another graph; clears the undo stack and fits the view."""
        self.inspector.set_node(None)
        self.scene.set_graph(graph)
        self.undo_stack.clear()
        self.fit_view()

    def set_input_shapes(self, shapes: Mapping[str, Shape]) -> None:
        """Per-sample input shapes by Input node id (from the dataset); re-infers."""
        self.scene.set_input_shapes(shapes)

    def set_data_shape(self, shape: Shape | None) -> None:
        """The dataset's per-sample shape: every Input without its own shape gets it,
        including Inputs added later; re-infers."""
        self.scene.set_data_shape(shape)

    def total_params(self) -> int:
        """Total parameter count of the nodes whose shapes are known."""
        return self.scene.total_params()

    def set_neuron_maps(self, maps: Mapping[str, np.ndarray] | None) -> None:
        """Draw neuron-map thumbnails under nodes.

        Parameters
        ----------
        maps : dict or None
            Node id -> (units, H, W) float array roughly in [-1, 1] (row 0 drawn at
            the top); None removes every strip.
        """
        self.scene.set_neuron_maps(maps)

    # -- selection ---------------------------------------------------------------------------
    def selected_nodes(self) -> list[str]:
        """Ids of the selected nodes, in graph order."""
        return self.scene.selected_node_ids()

    def select(self, node_ids: Iterable[str]) -> None:
        """Select exactly ``node_ids``."""
        self.scene.select(node_ids)

    def select_all(self) -> None:
        """Select every node and edge."""
        for item in [*self.scene.node_items.values(), *self.scene.edge_items.values()]:
            item.setSelected(True)

    def _on_selection_changed(self) -> None:
        ids = self.scene.selected_node_ids()
        if ids != self._selection:
            self._selection = ids
            self.inspector.set_selection(ids)
            self.selection_changed.emit(ids)
        self._update_actions()

    # -- edits -------------------------------------------------------------------------------
    def drop_layer(self, type_id: str, scene_pos: QPointF) -> str | None:
        """What a palette drop does: add ``type_id`` at ``scene_pos`` and select it."""
        if type_id not in LAYERS:
            self.show_status(f"unknown layer type {type_id!r}")
            return None
        node_id = self.scene.add_layer(type_id, scene_pos)
        self.select([node_id])
        self.view.setFocus()
        return node_id

    def add_layer_at_centre(self, type_id: str) -> str | None:
        """Add ``type_id`` at the centre of the visible canvas."""
        centre = self.view.mapToScene(self.view.viewport().rect().center())
        return self.drop_layer(type_id, centre)

    def connect_ports(self, src: str, src_port: str, dst: str, dst_port: str) -> bool:
        """Connect two ports if allowed (what dropping a dragged edge does)."""
        return self.scene.connect_ports(src, src_port, dst, dst_port)

    def delete_selected(self) -> bool:
        """Delete the selected nodes and edges as one undo step."""
        return self.scene.delete_items(self.scene.selected_node_ids(),
                                       self.scene.selected_edges())

    def copy_selection(self) -> bool:
        """Copy the selected nodes (and the edges between them) to the clipboard."""
        ids = self.selected_nodes()
        if not ids:
            return False
        clipboard.copy_payload(selection_payload(self.graph, ids))
        return True

    def paste(self) -> list[str]:
        """Paste the clipboard's nodes under fresh ids, offset; returns the new ids."""
        try:  # validated as a file's graph is when it loads
            payload = clipboard.clipboard_payload(len(self.graph.nodes))
        except ValidationError as exc:
            self.show_status(f"cannot paste: {exc}")
            return []
        if payload is None:
            self.show_status("nothing to paste")
            return []
        key = json.dumps(payload, sort_keys=True)
        count = self._paste_serial[1] + 1 if self._paste_serial[0] == key else 1
        self._paste_serial = (key, count)
        return self._paste(payload, count * PASTE_OFFSET, "Paste")

    def duplicate(self) -> list[str]:
        """Copy the selected nodes next to themselves; returns the new ids."""
        ids = self.selected_nodes()
        if not ids:
            return []
        return self._paste(selection_payload(self.graph, ids), PASTE_OFFSET, "Duplicate")

    def _paste(self, payload: dict, offset: float, text: str) -> list[str]:
        command = PasteNodes(self.graph, payload, (offset, offset), text)
        self.scene.push(command)
        new_ids = list(command.id_map.values())
        self.select(new_ids)
        return new_ids

    def auto_layout(self) -> bool:
        """Lay the graph out left to right (one undo step) and fit the view.

        A chain too long for the canvas wraps into bands below one another,
        whichever number of columns per band shows the graph largest.
        """
        if not self.graph.nodes:
            return False
        items = self.scene.node_items
        heights = {nid: item.full_height for nid, item in items.items()}
        top = min(n.pos[1] for n in self.graph.nodes.values())
        centre_y = top + max(heights.values()) / 2
        left = min(n.pos[0] for n in self.graph.nodes.values())
        viewport = self.view.viewport().size()
        wrap = best_wrap(self.graph, heights, style.NODE_WIDTH,
                         (max(viewport.width(), 200), max(viewport.height(), 200)))
        positions = auto_layout(self.graph, heights, style.NODE_WIDTH, origin=(left, centre_y),
                                wrap=wrap)
        changed = self.scene.move_nodes(positions, "Auto-layout")
        self.fit_view()
        return changed

    # -- view --------------------------------------------------------------------------------
    def fit_view(self) -> None:
        """Zoom and scroll so the whole graph is visible."""
        self.view.fit()

    def show_status(self, text: str) -> None:
        """Show a short message in the editor's bottom bar for a few seconds."""
        self.status_label.setText(text)
        self.status_label.setStyleSheet(f"color: {style.ERROR.name()};")
        self._status_timer.start()

    def _show_report_status(self) -> None:
        errors = self.report.graph_errors
        self.status_label.setStyleSheet(f"color: {style.ERROR.name()};" if errors else "")
        if errors:
            self.status_label.setText(f"{errors[0].message}: {errors[0].fix}")
        else:
            bad = [nid for nid, info in self.report.nodes.items() if info.error]
            names = ", ".join(bad[:3]) + (", …" if len(bad) > 3 else "")
            n = len(bad)
            self.status_label.setText(f"{n} node{'s' * (n != 1)} with errors: {names}"
                                      if bad else "")

    def _on_report_changed(self, report: ShapeReport) -> None:
        self.params_label.setText(f"Parameters: {self.total_params():,}")
        if not self._status_timer.isActive():
            self._show_report_status()
        self.report_changed.emit(report)

    def _update_actions(self) -> None:
        stack, a = self.undo_stack, self.actions
        if not shiboken6.isValid(stack):  # a shared stack deleted before the editor
            return
        a["undo"].setEnabled(stack.canUndo())
        a["redo"].setEnabled(stack.canRedo())
        a["undo"].setText(f"Undo {stack.undoText()}".strip())
        a["redo"].setText(f"Redo {stack.redoText()}".strip())
        has_nodes = bool(self.scene.selectedItems())
        for key in ("delete", "copy", "duplicate"):
            a[key].setEnabled(has_nodes)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if not self._fitted_once:  # the view has its real size only once shown
            self._fitted_once = True
            QTimer.singleShot(0, self.fit_view)


if __name__ == "__main__":
    from PySide6.QtWidgets import QApplication

    from ui.editor.samples import XOR_INPUT_SHAPES, xor_graph

    app = QApplication([])
    editor = GraphEditor(xor_graph())
    editor.set_input_shapes(XOR_INPUT_SHAPES)
    editor.resize(1200, 700)
    editor.show()
    app.exec()
