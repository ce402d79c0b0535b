"""GraphEditor: palette, canvas and inspector around one :class:`~playground.graph.Graph`.

The public face of the editor for the main window: the graph, its undo stack,
the latest ShapeReport, selection, view commands, the standard actions, and a
hook for the live neuron maps drawn under the nodes.

The canvas never changes width on its own: the palette is a side column the
user shows or hides ("Layers"), and the inspector floats over the canvas
beside the selected node. The bar under the canvas shows the current problem
(checked on every edit) with a fix button where one click fixes it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

import numpy as np
import shiboken6
from PySide6.QtCore import QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeyEvent, QShowEvent, QUndoStack
from PySide6.QtWidgets import (
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from playground.errors import ValidationError
from playground.graph import Graph
from playground.layers import LAYERS, Shape
from playground.shapes import ShapeReport
from ui.editor import clipboard, style
from ui.editor.actions import make_actions
from ui.editor.bar import EditorBar
from ui.editor.commands import PasteNodes, selection_payload
from ui.editor.inspector import Inspector
from ui.editor.layout import auto_layout, best_wrap
from ui.editor.overlay import InspectorPanel, ResizeWatcher
from ui.editor.palette import LayerPalette
from ui.editor.problems import Problem, graph_problems
from ui.editor.scene import GraphScene
from ui.editor.structure import edge_at, insert_after, insert_on_edge, step_count
from ui.editor.view import GraphView

PASTE_OFFSET = 40.0
PALETTE_WIDTH = 150


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
        The model changed (once per edit, undo or redo).
    layout_edited()
        Only node positions changed (not a model edit).
    problems_changed(list)
        The current :class:`~ui.editor.problems.Problem` list, after every edit.
    """

    selection_changed = Signal(list)
    report_changed = Signal(object)
    graph_edited = Signal()
    layout_edited = Signal()
    problems_changed = Signal(list)

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
        #: Problems the window adds (checks that need the dataset or the task).
        self.external_problems: list[Problem] = []
        self.problems: list[Problem] = []
        self._build_layout()
        self.actions: dict[str, QAction] = make_actions(self, self.view, {
            "undo": self.scene.undo, "redo": self.scene.redo, "delete": self.delete_selected,
            "copy": self.copy_selection, "paste": self.paste, "duplicate": self.duplicate,
            "select_all": self.select_all, "fit": self.fit_view, "auto_layout": self.auto_layout,
            "zoom_in": self.view.zoom_in, "zoom_out": self.view.zoom_out})
        self.view.layer_dropped.connect(self.drop_layer)
        self.view.zoom_changed.connect(self.bar.set_zoom)
        self.view.zoom_changed.connect(lambda *_: self._place_panel())
        self.palette.layer_activated.connect(self.add_layer_at_centre)
        self.scene.selectionChanged.connect(self._on_selection_changed)
        self.scene.report_changed.connect(self._on_report_changed)
        self.scene.graph_edited.connect(self.graph_edited)
        self.scene.graph_edited.connect(lambda: self.view.refit_soon(only_if_clipped=True))
        self.scene.layout_edited.connect(self.layout_edited)
        self.scene.connection_refused.connect(self.show_status)
        self.scene.card_clicked.connect(self.card_action)
        self.panel.close_requested.connect(lambda: self.select([]))
        self.undo_stack.indexChanged.connect(self._update_actions)
        self._update_actions()
        self._on_report_changed(self.scene.report)

    def _build_layout(self) -> None:
        self.bar = EditorBar({"palette": self.show_palette, "zoom_out": self.view.zoom_out,
                              "reset_zoom": self.view.reset_zoom, "zoom_in": self.view.zoom_in,
                              "fit": self.fit_view, "layout": self.auto_layout})
        # The bar's widgets under the names tests and the window know them by.
        self.palette_button, self.zoom_button = self.bar.palette_button, self.bar.zoom_button
        self.status_label, self.fix_button = self.bar.status_label, self.bar.fix_button
        self.params_label = self.bar.params_label
        self.centre = QWidget(objectName="editor_centre")
        column = QVBoxLayout(self.centre)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.view, 1)
        column.addWidget(self.bar)
        self.panel = InspectorPanel(self.inspector, self.centre)
        self.view.installEventFilter(ResizeWatcher(self._place_panel, self))
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.palette)
        self.splitter.addWidget(self.centre)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setCollapsible(1, False)
        self.splitter.setSizes([PALETTE_WIDTH, 900])
        self.palette.setMinimumWidth(120)
        self.splitter.splitterMoved.connect(lambda *_: self._sync_palette_button())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

    # -- palette and inspector ---------------------------------------------------------------
    def show_palette(self, on: bool) -> None:
        """Show or hide the layer palette (the canvas takes its width)."""
        self.palette.setVisible(on)
        if on and self.splitter.sizes()[0] < self.palette.minimumWidth():
            total = sum(self.splitter.sizes())
            self.splitter.setSizes([PALETTE_WIDTH, max(total - PALETTE_WIDTH, 100)])
        self._sync_palette_button()

    def palette_shown(self) -> bool:
        """True when the palette is shown beside the canvas."""
        return not self.palette.isHidden() and self.splitter.sizes()[0] > 0

    def _sync_palette_button(self) -> None:
        self.palette_button.blockSignals(True)
        self.palette_button.setChecked(self.palette_shown())
        self.palette_button.blockSignals(False)

    def _place_panel(self) -> None:
        """Keep the inspector over the canvas, on the side away from the selected node."""
        if not self.panel.isVisible():
            return
        node_x = None
        if len(self._selection) == 1 and self._selection[0] in self.scene.node_items:
            item = self.scene.node_items[self._selection[0]]
            node_x = self.view.mapFromScene(item.sceneBoundingRect().center()).x()
        self.panel.place(self.view.geometry(), node_x)

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
        if self.scene.set_neuron_maps(maps):
            self.view.refit_soon()

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
            self.panel.setVisible(bool(ids))  # shown first: the inspector builds when visible
            self._place_panel()
            self.inspector.set_selection(ids)
            self.selection_changed.emit(ids)
        self._update_actions()

    # -- edits -------------------------------------------------------------------------------
    def drop_layer(self, type_id: str, scene_pos: QPointF) -> str | None:
        """What a palette drop does: on an edge, insert ``type_id`` there; elsewhere add it
        at ``scene_pos``. The new node is selected."""
        if type_id not in LAYERS:
            self.show_status(f"unknown layer type {type_id!r}")
            return None
        edge = edge_at(self.scene, scene_pos)
        node_id = insert_on_edge(self.scene, type_id, edge) if edge is not None else None
        if node_id is None:
            node_id = self.scene.add_layer(type_id, scene_pos)
        self.select([node_id])
        self.view.setFocus()
        return node_id

    def card_action(self, node_id: str, action: str) -> str | None:
        """A card button: "more"/"fewer" units, "add_after" (a Dense like it, selected), or
        "feature:<name>" (toggle a Features input); returns the new node's id, if any."""
        if action in ("more", "fewer"):
            step_count(self.scene, node_id, 1 if action == "more" else -1)
        elif action == "add_after":
            new = insert_after(self.scene, node_id)
            if new is not None:
                self.select([new])
            return new
        elif action.startswith("feature:") and node_id in self.graph.nodes:
            name = action.split(":", 1)[1]
            params = self.graph.nodes[node_id].params
            default = name in ("x1", "x2")
            self.scene.set_params(node_id, {name: not params.get(name, default)})
        return None

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
        heights = self.scene.layout_heights()
        top = min(n.pos[1] for n in self.graph.nodes.values())
        left = min(n.pos[0] for n in self.graph.nodes.values())
        viewport = self.view.viewport().size()
        wrap = best_wrap(self.graph, heights, style.NODE_WIDTH,
                         (max(viewport.width(), 200), max(viewport.height(), 200)))
        positions = auto_layout(self.graph, heights, style.NODE_WIDTH, origin=(left, top),
                                wrap=wrap)
        changed = self.scene.move_nodes(positions, "Auto-layout")
        self.fit_view()
        return changed

    def set_external_problems(self, problems: list[Problem]) -> None:
        """Problems found by the window's own checks (shown with the graph's)."""
        self.external_problems = list(problems)
        self._update_problems()

    # -- view --------------------------------------------------------------------------------
    def fit_view(self) -> None:
        """Zoom and scroll so the whole graph is visible, and keep it so on resizes."""
        self.view.fit()

    def refit(self) -> None:
        """Fit the graph again, unless the user has zoomed or panned by hand since the
        last fit (for fits deferred until a layout settles)."""
        if self.view.auto_fit:
            self.view.fit()

    def show_status(self, text: str) -> None:
        """Show a short message in the editor's bottom bar for a few seconds."""
        self.bar.show_message(text)

    def _update_problems(self) -> None:
        self.problems = [*graph_problems(self.graph, self.report), *self.external_problems]
        self.bar.show_problems(self.problems)
        self.problems_changed.emit(list(self.problems))

    def _on_report_changed(self, report: ShapeReport) -> None:
        self.bar.set_total(self.total_params())
        self._update_problems()
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

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Escape and self._selection:
            self.select([])  # closes the inspector
            event.accept()
            return
        super().keyPressEvent(event)


if __name__ == "__main__":
    from PySide6.QtWidgets import QApplication

    from ui.editor.samples import XOR_INPUT_SHAPES, xor_graph

    app = QApplication([])
    editor = GraphEditor(xor_graph())
    editor.set_input_shapes(XOR_INPUT_SHAPES)
    editor.resize(1200, 700)
    editor.show()
    app.exec()
