"""Dragging a new edge out of a port, with live valid/invalid feedback.

Dragging from an output port (or a free input port) draws a temporary edge;
over a port it turns green when the connection would be accepted and red when
not. Dragging from an input port that already has an edge picks that edge up:
drop it on another input to re-route it, or on empty canvas to delete it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF

from playground.graph import Edge
from ui.editor.connections import REASON_DIRECTION, connection_problem
from ui.editor.edges import DragEdgeItem
from ui.editor.items import NodeItem, PortItem

if TYPE_CHECKING:
    from ui.editor.scene import GraphScene

_PICK = 8.0  # how far (scene units) from a port's centre still counts as on it


class ConnectionDrag:
    """State of one port drag.

    Parameters
    ----------
    scene : GraphScene
    port : PortItem
        Where the drag started.
    """

    def __init__(self, scene: GraphScene, port: PortItem):
        self.scene = scene
        self.picked: Edge | None = None
        self.graph = scene.graph
        taken = [e for e in scene.graph.edges
                 if not port.is_output and e.dst == port.node_id and e.dst_port == port.name]
        if taken:  # pick the edge up: the drag now starts at its source
            self.picked = taken[0]
            self.graph = scene.graph.copy()  # checks ignore the picked edge
            self.graph.remove_edge(self.picked)
            src_item = scene.node_items[self.picked.src]
            port = src_item.port(self.picked.src_port, True) or port
            scene.edge_items[self.picked].setVisible(False)
        self.port = port
        self.item = DragEdgeItem(port.scenePos(), port.is_output)
        scene.addItem(self.item)
        self.target: PortItem | None = None

    def endpoints(self, target: PortItem) -> tuple[str, str, str, str] | None:
        """(src, src_port, dst, dst_port) for a drop on ``target``; None for same-side ports."""
        if target.is_output == self.port.is_output:
            return None
        out, inp = (self.port, target) if self.port.is_output else (target, self.port)
        return out.node_id, out.name, inp.node_id, inp.name

    def problem(self, target: PortItem) -> str | None:
        """Why dropping on ``target`` is refused, or None."""
        ends = self.endpoints(target)
        if ends is None:
            return REASON_DIRECTION
        return connection_problem(self.graph, *ends)

    def target_at(self, pos: QPointF) -> PortItem | None:
        """The port under ``pos``; over a node body, its best port on the opposite side."""
        ports = [i for i in self.scene.items(QRectF(pos.x() - _PICK, pos.y() - _PICK,
                                                    2 * _PICK, 2 * _PICK))
                 if isinstance(i, PortItem) and i is not self.port]
        if ports:
            return min(ports, key=lambda p: (p.scenePos() - pos).manhattanLength())
        nodes = [i for i in self.scene.items(pos) if isinstance(i, NodeItem)]
        if not nodes or nodes[0].node_id == self.port.node_id:
            return None
        side = nodes[0].in_ports if self.port.is_output else nodes[0].out_ports
        candidates = list(side.values())
        good = [p for p in candidates if self.problem(p) is None]
        return (good or candidates or [None])[0]

    def move(self, pos: QPointF) -> None:
        """Follow the mouse and colour the feedback."""
        target = self.target_at(pos)
        if target is not self.target and self.target is not None:
            self.target.set_feedback("")
        self.target = target
        if target is None:
            self.item.move_to(pos, "")
            return
        state = "valid" if self.problem(target) is None else "invalid"
        target.set_feedback(state)
        self.item.move_to(target.scenePos(), state)

    @property
    def state(self) -> str:
        """"", "valid" or "invalid": the current feedback."""
        return self.item.state

    def finish(self, pos: QPointF) -> tuple[Edge | None, Edge | None]:
        """End the drag: returns (edge to remove, edge to add), either may be None."""
        self.move(pos)
        target = self.target
        self.cancel()
        new = None
        if target is not None and self.problem(target) is None:
            new = Edge(*self._order(self.endpoints(target)))
        if self.picked is not None and target is not None and new is None:
            return None, None  # a refused re-route leaves the picked edge where it was
        return self.picked, new

    @staticmethod
    def _order(ends: tuple[str, str, str, str]) -> tuple[str, str, str, str]:
        src, src_port, dst, dst_port = ends
        return src, dst, src_port, dst_port

    def cancel(self) -> None:
        """Remove the temporary edge and any highlight."""
        if self.target is not None:
            self.target.set_feedback("")
        if self.item.scene() is not None:
            self.scene.removeItem(self.item)
        if self.picked is not None and self.picked in self.scene.edge_items:
            self.scene.edge_items[self.picked].setVisible(True)
