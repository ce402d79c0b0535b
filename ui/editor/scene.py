"""GraphScene: the canvas, kept in step with a :class:`~playground.graph.Graph`.

The graph is the single source of truth. The scene listens to ``graph.changed``
and adds, removes or updates items to match; after every edit (or at the end of
a batch of edits, such as one undo step) it re-runs shape inference and
refreshes shapes, parameter counts, error badges and edge labels. Canvas
gestures (dragging nodes, dragging edges out of ports) become undo commands
(:mod:`ui.editor.scene_edits`).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterable, Iterator, Mapping

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QKeyEvent, QPainter, QUndoStack
from PySide6.QtWidgets import QGraphicsScene, QGraphicsSceneMouseEvent

from playground.graph import Edge, Graph, GraphEvent, Node
from playground.layers import LAYERS, Shape, fmt_shape
from playground.param_counts import node_param_counts
from playground.shapes import NodeInfo, ShapeReport, infer
from ui.editor import style
from ui.editor.card import card_title
from ui.editor.connections import node_ports, resolved_params
from ui.editor.drag import ConnectionDrag
from ui.editor.edges import EdgeItem
from ui.editor.items import NodeItem
from ui.editor.neurons import NeuronPreview, strip_height
from ui.editor.scene_edits import GraphEdits

_GRID = 20.0


class GraphScene(GraphEdits, QGraphicsScene):
    """Items for every node and edge of ``graph``; canvas edits go through ``undo_stack``
    (the edits themselves are :class:`~ui.editor.scene_edits.GraphEdits`).

    Parameters
    ----------
    graph : Graph
    undo_stack : QUndoStack
    parent : QObject, optional

    Signals
    -------
    report_changed(object)
        A new ShapeReport after inference.
    graph_edited()
        The model changed (once per edit or undo step): nodes, edges, params, labels.
    layout_edited()
        Only positions changed (a drag, an auto-layout): not a model edit.
    connection_refused(str)
        A dropped edge was refused; the reason.
    card_clicked(str, str)
        A button on a card was clicked: (node id, action) with action "more", "fewer",
        "add_after" or "feature:<name>" (the editor carries it out).
    """

    report_changed = Signal(object)
    graph_edited = Signal()
    layout_edited = Signal()
    connection_refused = Signal(str)
    card_clicked = Signal(str, str)

    def __init__(self, graph: Graph, undo_stack: QUndoStack, parent=None):
        super().__init__(parent)
        self.graph = graph
        self._bound = [graph]  # what to disconnect from on destruction
        self.undo_stack = undo_stack
        self.node_items: dict[str, NodeItem] = {}
        self.edge_items: dict[Edge, EdgeItem] = {}
        self.input_shapes: dict[str, Shape] = {}
        #: The dataset's per-sample shape: for every Input without a shape of its own,
        #: including ones added later.
        self.data_shape: Shape | None = None
        self.counts: dict[str, int] = {}
        #: Layer type -> the line its cards show when they have nothing of their own to say
        #: (the window puts the dataset's name on Inputs and its targets on Outputs).
        self.card_notes: dict[str, str] = {}
        self.report: ShapeReport = infer(Graph())
        self.neuron_maps: dict[str, np.ndarray] = {}
        self.neuron_preview = NeuronPreview()
        self.addItem(self.neuron_preview)
        self._drag: ConnectionDrag | None = None
        self._depth = 0
        self._dirty = False
        self._model_dirty = False  # the pending change touched more than positions
        self.graph.changed.connect(self._on_graph_changed)
        # A graph may outlive its editor: stop listening when the C++ scene goes away.
        bound, callback = self._bound, self._on_graph_changed
        self.destroyed.connect(lambda *_: bound[0].changed.disconnect(callback))
        self._rebuild()

    # -- binding ---------------------------------------------------------------------------
    def set_graph(self, graph: Graph) -> None:
        """Show another graph (the caller clears the undo stack)."""
        self.graph.changed.disconnect(self._on_graph_changed)
        self.graph = self._bound[0] = graph
        graph.changed.connect(self._on_graph_changed)
        self._rebuild()

    def _rebuild(self) -> None:
        self.cancel_connection()
        for edge in list(self.edge_items):
            self._remove_edge_item(edge)
        for nid in list(self.node_items):
            self._remove_node_item(nid)
        for nid in self.graph.nodes:
            self._add_node_item(nid)
        for edge in self.graph.edges:
            self._add_edge_item(edge)
        self._changed()

    def _on_graph_changed(self, event: GraphEvent) -> None:
        if event.kind == "reset":
            self.undo_stack.clear()  # its commands refer to the old contents
            self._rebuild()
            return
        if event.kind == "node_added":
            self._add_node_item(event.node)
        elif event.kind == "node_removed":
            self._remove_node_item(event.node)
        elif event.kind == "edge_added":
            self._add_edge_item(event.edge)
        elif event.kind == "edge_removed":
            self._remove_edge_item(event.edge)
        elif event.kind == "node_moved":
            node = self.graph.nodes[event.node]
            self.node_items[event.node].setPos(QPointF(*node.pos))
        elif event.kind in ("params_changed", "node_changed"):
            self._sync_node(event.node)
        self._changed(model=event.kind != "node_moved")

    def _add_node_item(self, nid: str) -> None:
        node = self.graph.nodes[nid]
        spec = LAYERS.get(node.type) if node.type in LAYERS else None
        inputs, outputs = node_ports(node)
        title = node.label or card_title(node.type, spec.label if spec else node.type)
        item = NodeItem(nid, title, spec.category if spec else "", inputs, outputs, node.type)
        item.setPos(QPointF(*node.pos))
        self.addItem(item)
        self.node_items[nid] = item
        if nid in self.neuron_maps:
            item.strip.set_maps(self._maps_for(nid))

    def _remove_node_item(self, nid: str) -> None:
        item = self.node_items.pop(nid, None)
        if item is not None:
            self.removeItem(item)

    def _add_edge_item(self, edge: Edge) -> None:
        item = EdgeItem(edge, self.node_items[edge.src], self.node_items[edge.dst])
        self.addItem(item)
        self.edge_items[edge] = item

    def _remove_edge_item(self, edge: Edge) -> None:
        item = self.edge_items.pop(edge, None)
        if item is not None:
            self.removeItem(item)

    def _sync_node(self, nid: str) -> None:
        node, item = self.graph.nodes[nid], self.node_items[nid]
        spec = LAYERS.get(node.type) if node.type in LAYERS else None
        item.set_title(node.label or card_title(node.type, spec.label if spec else node.type))
        item.set_ports(*node_ports(node))
        self.node_item_moved(nid)

    def edges_of(self, nid: str) -> list[EdgeItem]:
        """Edge items touching node ``nid``."""
        return [i for e, i in self.edge_items.items() if nid in (e.src, e.dst)]

    def node_item_moved(self, nid: str) -> None:
        """Keep the edges attached while a node item moves."""
        for item in self.edges_of(nid):
            item.update_path()

    # -- inference -------------------------------------------------------------------------
    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Run inference once at the end of several graph edits (one undo step)."""
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if self._depth == 0 and self._dirty:
                self._flush()

    def _changed(self, model: bool = True) -> None:
        self._dirty = True
        self._model_dirty |= model
        if self._depth == 0:
            self._flush()

    def _flush(self) -> None:
        """Infer once and say what kind of edit it was."""
        model, self._model_dirty = self._model_dirty, False
        self.refresh()
        (self.graph_edited if model else self.layout_edited).emit()

    def set_input_shapes(self, shapes: Mapping[str, Shape]) -> None:
        """Per-sample shapes for Input nodes (the dataset's); re-runs inference."""
        self.input_shapes = {k: tuple(v) for k, v in shapes.items()}
        self.refresh()

    def set_data_shape(self, shape: Shape | None) -> None:
        """The dataset's per-sample shape, for every Input without a shape param; re-infers."""
        self.data_shape = tuple(shape) if shape is not None else None
        self.refresh()

    def set_card_notes(self, notes: Mapping[str, str]) -> None:
        """Lines for cards of these layer types (see :attr:`card_notes`)."""
        self.card_notes = dict(notes)
        for nid, item in self.node_items.items():
            node = self.graph.nodes[nid]
            item.set_params(resolved_params(node), self.card_note(node))

    def card_note(self, node: Node) -> str:
        """The data's note for ``node``'s card; none on an Input with its own shape (a
        GAN generator's noise is not the data)."""
        if node.type == "input" and node.params.get("shape"):
            return ""
        return self.card_notes.get(node.type, "")

    def effective_input_shapes(self) -> dict[str, Shape]:
        """Input node id -> shape used by inference: explicit ones, else the data's."""
        shapes = dict(self.input_shapes)
        if self.data_shape is not None:
            for node in self.graph.nodes_of_type("input"):
                if node.id not in shapes and not node.params.get("shape"):
                    shapes[node.id] = self.data_shape
        return shapes

    def refresh(self) -> None:
        """Re-run shape inference and update every item from the report."""
        self._dirty = False
        self.report = infer(self.graph, self.effective_input_shapes())
        self.counts = node_param_counts(self.report, self.graph)
        connected = {(e.dst, e.dst_port, False) for e in self.graph.edges} | {
            (e.src, e.src_port, True) for e in self.graph.edges}
        for nid, item in self.node_items.items():
            node, info = self.graph.nodes[nid], self.report.nodes.get(nid)
            error = info.error if info is not None else None
            shape = shown_shape(info)
            count = self.counts.get(nid, 0)
            notes = (["frozen"] if not node.trainable else []) + (
                ["hand-set"] if node.weights else [])
            item.set_params(resolved_params(node), self.card_note(node))
            item.set_info(fmt_shape(shape) if shape is not None else "?",
                          f"{count:,} params" if count else "",
                          f"{error.message}\nFix: {error.fix}" if error and error.fix
                          else (error.message if error else ""), notes)
            for port in [*item.in_ports.values(), *item.out_ports.values()]:
                port.connected = (nid, port.name, port.is_output) in connected
                port.update()
        for edge, item in self.edge_items.items():
            shape = self.report.edge_shape(edge)
            dst = self.report.nodes.get(edge.dst)
            item.set_info(fmt_shape(shape) if shape is not None else "",
                          dst is not None and dst.error is not None)
            item.update_path()
        rect = self.itemsBoundingRect()
        self.setSceneRect(rect.adjusted(-2000, -1500, 2000, 1500))
        self.report_changed.emit(self.report)

    def total_params(self) -> int:
        """Sum of the parameter counts of every node whose shapes are known."""
        return sum(self.counts.values())

    # -- selection, neuron maps, card buttons --------------------------------------------------
    def selected_node_ids(self) -> list[str]:
        """Selected nodes, in graph order."""
        chosen = {i.node_id for i in self.selectedItems() if isinstance(i, NodeItem)}
        return [nid for nid in self.graph.nodes if nid in chosen]

    def selected_edges(self) -> list[Edge]:
        """Selected edges, in graph order."""
        chosen = {i.edge for i in self.selectedItems() if isinstance(i, EdgeItem)}
        return [e for e in self.graph.edges if e in chosen]

    def select(self, node_ids: Iterable[str]) -> None:
        """Select exactly these nodes."""
        wanted = set(node_ids)
        self.blockSignals(True)
        try:
            self.clearSelection()
            for nid in wanted:
                if nid in self.node_items:
                    self.node_items[nid].setSelected(True)
        finally:
            self.blockSignals(False)
        self.selectionChanged.emit()

    def set_neuron_maps(self, maps: Mapping[str, np.ndarray] | None) -> bool:
        """Thumbnails under nodes: ``maps[node_id]`` is (units, H, W); None clears them.

        Returns True when a strip changed height (the graph's extent changed).
        """
        self.neuron_maps = dict(maps or {})
        grew = False
        for nid, item in self.node_items.items():
            before = item.strip.height()
            item.strip.set_maps(self._maps_for(nid))
            if item.strip.height() != before:
                grew = True
                self.node_item_moved(nid)  # edges go around the new strip
        if not self.neuron_maps:
            self.neuron_preview.hide()
        return grew

    def _maps_for(self, nid: str) -> np.ndarray | None:
        """The maps drawn under node ``nid``: none under Features (its tiles are its maps)."""
        item = self.node_items.get(nid)
        if item is None or item.tiles is not None:
            return None
        return self.neuron_maps.get(nid)

    def layout_heights(self) -> dict[str, float]:
        """Each node's height for laying out: its card and its neuron strip, the strip
        reserved before the maps arrive when the data is 2-D points (so a layout made
        before training still fits once the maps are drawn)."""
        heights = {}
        planar = self.data_shape == (2,) or any(tuple(s) == (2,)
                                                for s in self.input_shapes.values())
        for nid, item in self.node_items.items():
            strip = item.strip.height()
            if not strip and planar and item.tiles is None:
                info = self.report.nodes.get(nid)
                shape = info.output if info is not None and info.outputs else None
                if shape is not None and len(shape) == 1:
                    strip = strip_height(int(shape[0]))
            heights[nid] = item.box_height + (strip + 4 if strip else 0)
        return heights

    def card_action(self, node_id: str, action: str) -> None:
        """A card's button was clicked (see ``card_clicked``)."""
        self.card_clicked.emit(node_id, action)

    # -- Qt overrides ------------------------------------------------------------------------
    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        super().mouseReleaseEvent(event)
        # A node drag ends here: record where the items went as one undo step.
        positions = {nid: (item.pos().x(), item.pos().y())
                     for nid, item in self.node_items.items()}
        self.move_nodes(positions)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Escape and self._drag is not None:
            self.cancel_connection()
            event.accept()
            return
        super().keyPressEvent(event)

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802
        painter.fillRect(rect, style.canvas_colour())
        scale = painter.worldTransform().m11()
        step = _GRID if scale >= 0.6 else _GRID * 5
        if scale * step < 6:
            return
        painter.setPen(style.grid_colour())
        left = math.floor(rect.left() / step) * step
        top = math.floor(rect.top() / step) * step
        points = [QPointF(x, y) for x in np.arange(left, rect.right(), step)
                  for y in np.arange(top, rect.bottom(), step)]
        painter.drawPoints(points)


def shown_shape(info: NodeInfo | None) -> Shape | None:
    """The shape a node displays: its output, or for an Output node what reaches it."""
    if info is None:
        return None
    if info.outputs:
        return info.output
    # NodeInfo.output falls back to the input for Output nodes; a node whose
    # inference failed must not show its input as if it were its output.
    return info.inputs.get("in") if info.error is None else None
