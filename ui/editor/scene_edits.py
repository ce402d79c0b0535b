"""The canvas's undoable edits: every change made through the scene is one undo step.

:class:`GraphEdits` is the part of :class:`~ui.editor.scene.GraphScene` that
turns requests and gestures into commands on its undo stack (adding a layer,
connecting, setting params, deleting, moving, dragging an edge out of a port),
each run inside the scene's :meth:`~ui.editor.scene.GraphScene.batch` so that
shape inference runs once per step.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, SignalInstance
from PySide6.QtGui import QUndoCommand, QUndoStack

from playground.graph import Edge, Graph
from playground.layers import default_params
from ui.editor import style
from ui.editor.commands import (
    AddNode,
    Connect,
    Disconnect,
    MoveNodes,
    RemoveItems,
    SetParams,
)
from ui.editor.connections import connection_problem
from ui.editor.drag import ConnectionDrag

if TYPE_CHECKING:
    from ui.editor.items import PortItem


class GraphEdits:
    """Undoable edits of a :class:`~ui.editor.scene.GraphScene` (mixed into it)."""

    graph: Graph
    undo_stack: QUndoStack
    connection_refused: SignalInstance
    _drag: ConnectionDrag | None

    if TYPE_CHECKING:
        def batch(self) -> AbstractContextManager[None]: ...

    # -- edits (each one undoable) ------------------------------------------------------------
    def push(self, command: QUndoCommand) -> None:
        """Run ``command`` through the undo stack, inferring once afterwards."""
        with self.batch():
            self.undo_stack.push(command)

    def undo(self) -> None:
        """Undo one step (one inference pass)."""
        with self.batch():
            self.undo_stack.undo()

    def redo(self) -> None:
        """Redo one step (one inference pass)."""
        with self.batch():
            self.undo_stack.redo()

    def add_layer(self, type_id: str, pos: QPointF | tuple[float, float]) -> str:
        """Add a node of ``type_id`` with its default params, centred at ``pos``; its id."""
        x, y = (pos.x(), pos.y()) if isinstance(pos, QPointF) else pos
        corner = (round(x - style.NODE_WIDTH / 2), round(y - 30))
        command = AddNode(self.graph, type_id, default_params(type_id), corner)
        self.push(command)
        return command.node_id

    def connect_ports(self, src: str, src_port: str, dst: str, dst_port: str) -> bool:
        """Add the edge if allowed; False (and ``connection_refused``) if not."""
        problem = connection_problem(self.graph, src, src_port, dst, dst_port)
        if problem is not None:
            self.connection_refused.emit(problem)
            return False
        self.push(Connect(self.graph, Edge(src, dst, src_port, dst_port)))
        return True

    def set_params(self, node_id: str, changes: Mapping[str, object]) -> None:
        """Change some params of a node (consecutive edits of one field merge)."""
        self.push(SetParams(self.graph, node_id, changes))

    def delete_items(self, node_ids: Iterable[str] = (), edges: Iterable[Edge] = ()) -> bool:
        """Delete nodes (with their edges) and edges as one step; False if nothing to do."""
        node_ids = [n for n in node_ids if n in self.graph.nodes]
        edges = [e for e in edges if e in self.graph.edges]
        if not node_ids and not edges:
            return False
        self.push(RemoveItems(self.graph, node_ids, edges))
        return True

    def move_nodes(self, positions: Mapping[str, tuple[float, float]], text: str = "") -> bool:
        """Move nodes as one step; False if nothing moves."""
        moved = {nid: (float(p[0]), float(p[1])) for nid, p in positions.items()
                 if nid in self.graph.nodes and not _same(self.graph.nodes[nid].pos, p)}
        if not moved:
            return False
        self.push(MoveNodes(self.graph, moved, text))
        return True

    # -- connection drag ---------------------------------------------------------------------
    def begin_connection(self, port: PortItem) -> None:
        """Start dragging an edge out of ``port`` (called by the port on press)."""
        self.cancel_connection()
        self._drag = ConnectionDrag(self, port)

    def drag_connection(self, pos: QPointF) -> str:
        """Follow the mouse; returns the feedback state ("", "valid", "invalid")."""
        if self._drag is None:
            return ""
        self._drag.move(pos)
        return self._drag.state

    def end_connection(self, pos: QPointF) -> bool:
        """Drop the dragged edge at ``pos``; True if the graph changed."""
        drag, self._drag = self._drag, None
        if drag is None:
            return False
        target = drag.target_at(pos)
        problem = drag.problem(target) if target is not None else None
        old, new = drag.finish(pos)
        if problem is not None:
            self.connection_refused.emit(problem)
        if old == new or (old is None and new is None):
            return False
        with self.batch():
            self.undo_stack.beginMacro("Reconnect" if old and new else
                                       ("Disconnect" if old else "Connect"))
            if old is not None:
                self.undo_stack.push(Disconnect(self.graph, old))
            if new is not None:
                self.undo_stack.push(Connect(self.graph, new))
            self.undo_stack.endMacro()
        return True

    def cancel_connection(self) -> None:
        """Abandon a drag in progress."""
        if self._drag is not None:
            self._drag.cancel()
            self._drag = None


def _same(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return abs(a[0] - b[0]) < 1e-6 and abs(a[1] - b[1]) < 1e-6
