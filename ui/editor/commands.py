"""Undo commands: every user edit of the graph is one of these on a QUndoStack.

Each command calls :class:`~playground.graph.Graph` methods only, so the graph
stays the single source of truth and its ``changed`` events drive the editor.
Undo restores the graph exactly, ``to_dict()`` included: the graph appends
re-inserted nodes and edges at the end, so commands that put things back also
restore the original order of ``graph.nodes`` and ``graph.edges`` (order only;
the contents went back through Graph methods and subscribers saw every change).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

from PySide6.QtGui import QUndoCommand

from playground.graph import Edge, Graph, Node
from playground.layers import LAYERS

_SET_PARAMS_ID = 7001


def _layer_label(graph: Graph, node_id: str) -> str:
    node = graph.nodes.get(node_id)
    if node is None:
        return node_id
    return node.label or (LAYERS.get(node.type).label if node.type in LAYERS else node.type)


def _restore_order(graph: Graph, node_order: list[str], edge_order: list[Edge]) -> None:
    """Put ``graph.nodes``/``graph.edges`` back in a saved order (same contents)."""
    if set(graph.nodes) == set(node_order) and list(graph.nodes) != node_order:
        items = [(nid, graph.nodes[nid]) for nid in node_order]
        graph.nodes.clear()
        graph.nodes.update(items)
    if sorted(map(str, graph.edges)) == sorted(map(str, edge_order)):
        graph.edges[:] = edge_order


def fresh_ids(graph: Graph, stems: Iterable[str]) -> list[str]:
    """One new node id per stem, unused in ``graph`` and distinct from each other."""
    taken = set(graph.nodes)
    out = []
    for stem in stems:
        k = 1
        base = graph.new_id(stem).rsplit("_", 1)[0]
        while f"{base}_{k}" in taken:
            k += 1
        out.append(f"{base}_{k}")
        taken.add(out[-1])
    return out


class AddNode(QUndoCommand):
    """Add one node (its id is chosen once, so redo gives the same id).

    Parameters
    ----------
    graph : Graph
    type_id : str
        Layer type id.
    params : dict
        Initial params.
    pos : tuple of float
        Canvas position.
    """

    def __init__(self, graph: Graph, type_id: str, params: Mapping[str, Any],
                 pos: tuple[float, float], parent: QUndoCommand | None = None):
        super().__init__(parent)
        self.graph = graph
        self.type_id = type_id
        self.params = copy.deepcopy(dict(params))
        self.pos = (float(pos[0]), float(pos[1]))
        self.node_id = graph.new_id(type_id)
        label = LAYERS.get(type_id).label if type_id in LAYERS else type_id
        self.setText(f"Add {label}")

    def redo(self) -> None:
        self.graph.add_node(self.type_id, copy.deepcopy(self.params), self.pos, self.node_id)

    def undo(self) -> None:
        self.graph.remove_node(self.node_id)


class RemoveItems(QUndoCommand):
    """Delete nodes (with their edges) and edges; undo puts everything back in place.

    Parameters
    ----------
    graph : Graph
    node_ids : iterable of str
    edges : iterable of Edge
        Extra edges to delete (edges of deleted nodes go anyway).
    """

    def __init__(self, graph: Graph, node_ids: Iterable[str] = (), edges: Iterable[Edge] = (),
                 parent: QUndoCommand | None = None):
        super().__init__(parent)
        self.graph = graph
        self.node_ids = [n for n in node_ids if n in graph.nodes]
        self.edges = [e for e in edges if e in graph.edges]
        self._node_order: list[str] = []
        self._edge_order: list[Edge] = []
        self._nodes: list[Node] = []
        self._removed_edges: list[Edge] = []
        n, e = len(self.node_ids), len(self.edges)
        what = (f"{n} node{'s' * (n != 1)}" if n else "") + (" and " if n and e else "") + (
            f"{e} edge{'s' * (e != 1)}" if e else "")
        self.setText(f"Delete {what or 'nothing'}")

    def redo(self) -> None:
        self._node_order = list(self.graph.nodes)
        self._edge_order = list(self.graph.edges)
        self._removed_edges = [e for e in self._edge_order
                               if e in self.edges or e.src in self.node_ids
                               or e.dst in self.node_ids]
        for edge in self._removed_edges:
            self.graph.remove_edge(edge)
        self._nodes = [copy.deepcopy(self.graph.remove_node(nid)[0]) for nid in self.node_ids]

    def undo(self) -> None:
        for node in self._nodes:
            self.graph.insert_node(copy.deepcopy(node))
        for edge in self._removed_edges:
            self.graph.add_edge(edge)
        _restore_order(self.graph, self._node_order, self._edge_order)


class Connect(QUndoCommand):
    """Add one edge."""

    def __init__(self, graph: Graph, edge: Edge, parent: QUndoCommand | None = None):
        super().__init__(parent)
        self.graph = graph
        self.edge = edge
        self.setText(f"Connect {edge.src} -> {edge.dst}")

    def redo(self) -> None:
        self.graph.add_edge(self.edge)

    def undo(self) -> None:
        self.graph.remove_edge(self.edge)


class Disconnect(QUndoCommand):
    """Remove one edge; undo puts it back at its place in the edge list."""

    def __init__(self, graph: Graph, edge: Edge, parent: QUndoCommand | None = None):
        super().__init__(parent)
        self.graph = graph
        self.edge = edge
        self._edge_order: list[Edge] = []
        self.setText(f"Disconnect {edge.src} -> {edge.dst}")

    def redo(self) -> None:
        self._edge_order = list(self.graph.edges)
        self.graph.remove_edge(self.edge)

    def undo(self) -> None:
        self.graph.add_edge(self.edge)
        _restore_order(self.graph, list(self.graph.nodes), self._edge_order)


class SetParams(QUndoCommand):
    """Change some params of one node.

    Consecutive edits of the same field of the same node merge into one undo
    step (spinning a spin box is one edit); an edit that returns to the start
    makes the command obsolete.

    Parameters
    ----------
    graph : Graph
    node_id : str
    changes : dict
        Param name -> new value.
    """

    def __init__(self, graph: Graph, node_id: str, changes: Mapping[str, Any],
                 parent: QUndoCommand | None = None):
        super().__init__(parent)
        self.graph = graph
        self.node_id = node_id
        self.old = copy.deepcopy(graph.nodes[node_id].params)
        self.new = {**copy.deepcopy(self.old), **copy.deepcopy(dict(changes))}
        self.fields = frozenset(changes)
        names = ", ".join(sorted(changes))
        self.setText(f"Set {names} of {_layer_label(graph, node_id)}")

    def id(self) -> int:  # Qt override
        return _SET_PARAMS_ID

    def mergeWith(self, other: QUndoCommand) -> bool:  # Qt override
        if not isinstance(other, SetParams) or other.graph is not self.graph:
            return False
        if other.node_id != self.node_id or other.fields != self.fields:
            return False
        self.new = copy.deepcopy(other.new)
        self.setObsolete(self.new == self.old)
        return True

    def redo(self) -> None:
        self.graph.set_params(self.node_id, copy.deepcopy(self.new))

    def undo(self) -> None:
        self.graph.set_params(self.node_id, copy.deepcopy(self.old))


class SetNodeFields(QUndoCommand):
    """Change ``label``, ``weights`` or ``trainable`` of one node."""

    def __init__(self, graph: Graph, node_id: str, parent: QUndoCommand | None = None,
                 **fields: Any):
        super().__init__(parent)
        self.graph = graph
        self.node_id = node_id
        node = graph.nodes[node_id]
        self.old = {k: copy.deepcopy(getattr(node, k)) for k in fields}
        self.new = copy.deepcopy(fields)
        what = {"label": "Rename", "weights": "Set weights of",
                "trainable": "Freeze" if fields.get("trainable") is False else "Unfreeze"}
        self.setText(f"{what.get(next(iter(fields), ''), 'Edit')} {_layer_label(graph, node_id)}")

    def redo(self) -> None:
        self.graph.set_node_fields(self.node_id, **copy.deepcopy(self.new))

    def undo(self) -> None:
        self.graph.set_node_fields(self.node_id, **copy.deepcopy(self.old))


class MoveNodes(QUndoCommand):
    """Move several nodes at once (one drag, or an auto-layout).

    Parameters
    ----------
    graph : Graph
    new_positions : dict
        Node id -> new position; the old positions are read from the graph.
    text : str
        Undo text.
    """

    def __init__(self, graph: Graph, new_positions: Mapping[str, tuple[float, float]],
                 text: str = "", parent: QUndoCommand | None = None):
        super().__init__(parent)
        self.graph = graph
        self.new = {nid: (float(p[0]), float(p[1])) for nid, p in new_positions.items()}
        self.old = {nid: graph.nodes[nid].pos for nid in self.new}
        n = len(self.new)
        self.setText(text or f"Move {n} node{'s' * (n != 1)}")

    def redo(self) -> None:
        for nid, pos in self.new.items():
            self.graph.move_node(nid, pos)

    def undo(self) -> None:
        for nid, pos in self.old.items():
            self.graph.move_node(nid, pos)


class PasteNodes(QUndoCommand):
    """Add copied nodes under fresh ids, shifted by ``offset``, with their internal edges.

    Parameters
    ----------
    graph : Graph
    payload : dict
        Graph JSON (``{"nodes": [...], "edges": [...]}``) of what was copied.
    offset : tuple of float
        Added to every position.
    text : str
        Undo text ("Paste", "Duplicate").

    Attributes
    ----------
    id_map : dict
        Copied id -> new id.
    """

    def __init__(self, graph: Graph, payload: Mapping[str, Any],
                 offset: tuple[float, float] = (40.0, 40.0), text: str = "Paste",
                 parent: QUndoCommand | None = None):
        super().__init__(parent)
        self.graph = graph
        source = Graph.from_dict(dict(payload))
        new_ids = fresh_ids(graph, [n.type for n in source.nodes.values()])
        self.id_map = dict(zip(source.nodes, new_ids))
        self.nodes = []
        for node, new_id in zip(source.nodes.values(), new_ids):
            node = copy.deepcopy(node)
            node.id = new_id
            node.pos = (node.pos[0] + offset[0], node.pos[1] + offset[1])
            self.nodes.append(node)
        self.edges = [Edge(self.id_map[e.src], self.id_map[e.dst], e.src_port, e.dst_port)
                      for e in source.edges]
        n = len(self.nodes)
        self.setText(f"{text} {n} node{'s' * (n != 1)}")

    def redo(self) -> None:
        for node in self.nodes:
            self.graph.add_node(node.type, copy.deepcopy(node.params), node.pos, node.id,
                                node.label, node.weights, node.trainable)
        for edge in self.edges:
            self.graph.add_edge(edge)

    def undo(self) -> None:
        for node in reversed(self.nodes):
            self.graph.remove_node(node.id)


def selection_payload(graph: Graph, node_ids: Iterable[str]) -> dict:
    """Graph JSON of ``node_ids`` and the edges between them (what copy puts on the clipboard)."""
    keep = [nid for nid in graph.nodes if nid in set(node_ids)]
    return {"nodes": [graph.nodes[nid].to_dict() for nid in keep],
            "edges": [e.to_dict() for e in graph.edges if e.src in keep and e.dst in keep]}
