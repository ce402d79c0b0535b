"""One-click structure edits: − / + units, "+ layer" after a node, a layer dropped on an edge.

Each is one undo step made of the ordinary commands (AddNode, Disconnect,
Connect, MoveNodes, SetParams), so undo puts the graph back exactly. A new
layer takes the place right of the node it follows; the nodes after it in
the same band move one column right to make room.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from playground.graph import Edge, Graph
from playground.layers import LAYERS, default_params
from ui.editor import style
from ui.editor.card import count_param
from ui.editor.commands import AddNode, Connect, Disconnect, MoveNodes
from ui.editor.connections import reaches, resolved_params
from ui.editor.layout import H_GAP

if TYPE_CHECKING:
    from ui.editor.scene import GraphScene

#: How far right of a node the layer added after it goes.
COLUMN_STEP = style.NODE_WIDTH + H_GAP


def step_count(scene: GraphScene, node_id: str, delta: int) -> bool:
    """Change the node's width (units, filters, hidden size) by ``delta``; False if it cannot.

    Repeated clicks on the same button merge into one undo step, as spinning a box does.
    """
    node = scene.graph.nodes.get(node_id)
    name = count_param(node.type) if node is not None else None
    if name is None:
        return False
    spec = LAYERS.get(node.type)
    param = next(p for p in spec.params if p.name == name)
    value = int(resolved_params(node).get(name, param.default))
    new = min(max(value + delta, int(param.min or 1)), int(param.max or value + delta))
    if new == value:
        return False
    scene.set_params(node_id, {name: new})
    return True


def simple_ports(type_id: str) -> bool:
    """True when a layer has one input port "in" and one output port "out" (it can sit on
    an edge)."""
    if type_id not in LAYERS:
        return False
    spec = LAYERS.get(type_id)
    return tuple(spec.input_ports(default_params(type_id))) == ("in",) and \
        tuple(spec.outputs) == ("out",)


def dense_like(graph: Graph, node_id: str) -> dict:
    """Params for a Dense added after ``node_id``: its units and activation when it is a
    Dense, else those of the next Dense downstream, else the defaults."""
    seen, todo = set(), [node_id]
    while todo:
        nid = todo.pop(0)
        node = graph.nodes.get(nid)
        if node is None or nid in seen:
            continue
        seen.add(nid)
        if node.type == "dense":
            params = resolved_params(node)
            return {**default_params("dense"), "units": params["units"],
                    "activation": params["activation"]}
        todo.extend(e.dst for e in graph.edges if e.src == nid)
    return default_params("dense")


def insert_after(scene: GraphScene, node_id: str, type_id: str = "dense",
                 params: dict | None = None, edge: Edge | None = None) -> str | None:
    """Add a ``type_id`` layer after ``node_id``, wired between it and what it fed.

    Parameters
    ----------
    scene : GraphScene
    node_id : str
        The node the new layer follows.
    type_id : str
        Layer type (a Dense with the same units and activation by default).
    params : dict, optional
        The new layer's params (defaults for ``type_id``; see :func:`dense_like`).
    edge : Edge, optional
        Only this edge out of ``node_id`` is re-routed through the new layer (a drop on
        an edge); by default every edge out of its first output port is.

    Returns
    -------
    str or None
        The new node's id; None when ``node_id`` has no output or ``type_id`` cannot sit
        between two layers.
    """
    graph = scene.graph
    node = graph.nodes.get(node_id)
    item = scene.node_items.get(node_id)
    if node is None or item is None or not item.out_ports or not simple_ports(type_id):
        return None
    if params is None:
        params = dense_like(graph, node_id) if type_id == "dense" else default_params(type_id)
    port = edge.src_port if edge is not None else next(iter(item.out_ports))
    rerouted = [edge] if edge is not None else [e for e in graph.edges
                                                if e.src == node_id and e.src_port == port]
    x, y = node.pos
    add = AddNode(graph, type_id, params, (x + COLUMN_STEP, y))
    label = LAYERS.get(type_id).label
    with scene.batch():
        scene.undo_stack.beginMacro(f"Add {label} after {node_id}")
        room = _make_room(scene, node_id)
        if room:
            scene.undo_stack.push(MoveNodes(graph, room, "Make room"))
        scene.undo_stack.push(add)
        for old in rerouted:
            scene.undo_stack.push(Disconnect(graph, old))
        scene.undo_stack.push(Connect(graph, Edge(node_id, add.node_id, port, "in")))
        for old in rerouted:
            scene.undo_stack.push(Connect(graph, Edge(add.node_id, old.dst, "out",
                                                      old.dst_port)))
        scene.undo_stack.endMacro()
    return add.node_id


def _make_room(scene: GraphScene, node_id: str) -> dict[str, tuple[float, float]]:
    """New positions for the nodes after ``node_id`` in its band: one column further right.

    A node is "after it in its band" when it is downstream of it, starts right of it, and
    overlaps it vertically (wrapped layouts continue in bands below, which stay put).
    """
    graph = scene.graph
    x0, y0 = graph.nodes[node_id].pos
    top, bottom = y0, y0 + scene.node_items[node_id].full_height
    moved = {}
    for nid, node in graph.nodes.items():
        x, y = node.pos
        height = scene.node_items[nid].full_height
        if nid != node_id and x > x0 + 1 and y < bottom and y + height > top \
                and reaches(graph, node_id, nid):
            moved[nid] = (x + COLUMN_STEP, y)
    return moved


def edge_at(scene: GraphScene, pos, tolerance: float = 8.0) -> Edge | None:
    """The edge whose stroke passes within ``tolerance`` of scene point ``pos``, or None."""
    from PySide6.QtCore import QRectF

    from ui.editor.edges import EdgeItem

    area = QRectF(pos.x() - tolerance, pos.y() - tolerance, 2 * tolerance, 2 * tolerance)
    for item in scene.items(area):
        if isinstance(item, EdgeItem) and item.isVisible():
            return item.edge
    return None


def insert_on_edge(scene: GraphScene, type_id: str, edge: Edge) -> str | None:
    """Put a new ``type_id`` layer on ``edge`` (a palette drop on it); its id, or None when
    the layer has not exactly one input and one output."""
    if edge not in scene.graph.edges:
        return None
    return insert_after(scene, edge.src, type_id, default_params(type_id), edge=edge)
