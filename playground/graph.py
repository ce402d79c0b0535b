"""The network graph: nodes (layers) and edges between named ports, as plain data.

The graph knows nothing about layer semantics; :mod:`playground.shapes` checks
it and :mod:`playground.compiler` turns it into a module. Every edit emits a
:class:`GraphEvent` on :attr:`Graph.changed` so editors and shape inference can
follow along. JSON form::

    {"nodes": [{"id": "dense_1", "type": "dense", "params": {"units": 8},
                "pos": [120, 40]}],
     "edges": [{"src": "input", "dst": "dense_1"}]}

Ports default to ``"out"`` on the source and ``"in"`` on the destination.
"""

from __future__ import annotations

import copy
import keyword
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from playground.errors import ValidationError
from playground.events import Signal
from playground.limits import MAX_GRAPH_EDGES, MAX_GRAPH_NODES

_ID_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
DEFAULT_OUT = "out"
#: Canvas coordinates beyond this are refused (a hostile 1e308 would break the editor's view).
MAX_COORD = 1e7
DEFAULT_IN = "in"


@dataclass
class Node:
    """One layer in the graph.

    Attributes
    ----------
    id : str
        Unique, a Python identifier (it names the submodule in the compiled model).
    type : str
        Layer type id from the layer registry, e.g. ``"dense"``.
    params : dict
        Parameter values; absent ones take the layer's defaults.
    pos : tuple of float
        Position on the editor canvas.
    label : str
        Optional display name.
    weights : dict or None
        Hand-set tensors by parameter name (``{"weight": [[...]], "bias": [...]}``),
        loaded after initialisation.
    trainable : bool
        False freezes the node's parameters.
    """

    id: str
    type: str
    params: dict = field(default_factory=dict)
    pos: tuple[float, float] = (0.0, 0.0)
    label: str = ""
    weights: dict | None = None
    trainable: bool = True

    def to_dict(self) -> dict:
        """JSON-ready form; optional fields are left out when at their defaults."""
        out: dict[str, Any] = {"id": self.id, "type": self.type,
                               "params": copy.deepcopy(self.params),
                               "pos": [round(float(self.pos[0]), 2), round(float(self.pos[1]), 2)]}
        if self.label:
            out["label"] = self.label
        if self.weights is not None:
            out["weights"] = copy.deepcopy(self.weights)
        if not self.trainable:
            out["trainable"] = False
        return out


@dataclass(frozen=True)
class Edge:
    """A connection from ``src``'s output port to ``dst``'s input port."""

    src: str
    dst: str
    src_port: str = DEFAULT_OUT
    dst_port: str = DEFAULT_IN

    def to_dict(self) -> dict:
        """JSON-ready form; default port names are left out."""
        out = {"src": self.src, "dst": self.dst}
        if self.src_port != DEFAULT_OUT:
            out["src_port"] = self.src_port
        if self.dst_port != DEFAULT_IN:
            out["dst_port"] = self.dst_port
        return out

    def __str__(self) -> str:
        return f"{self.src}.{self.src_port} -> {self.dst}.{self.dst_port}"


@dataclass(frozen=True)
class GraphEvent:
    """What changed: ``kind`` is one of node_added, node_removed, edge_added,
    edge_removed, params_changed, node_moved, node_changed, reset."""

    kind: str
    node: str = ""
    edge: Edge | None = None


def is_valid_id(text: str) -> bool:
    """True if ``text`` can be a node id (an identifier, not a Python keyword)."""
    return bool(_ID_RE.match(text)) and not keyword.iskeyword(text)


class Graph:
    """A directed graph of layer nodes.

    Edits go through the methods below so that :attr:`changed` fires; the
    editor's undo commands call them too.
    """

    def __init__(self) -> None:
        self.nodes: dict[str, Node] = {}
        self.edges: list[Edge] = []
        self.changed = Signal()

    # -- queries ---------------------------------------------------------------
    def node(self, node_id: str) -> Node:
        """The node with ``node_id``; ``KeyError`` if absent."""
        return self.nodes[node_id]

    def edges_into(self, node_id: str) -> list[Edge]:
        """Edges whose destination is ``node_id``."""
        return [e for e in self.edges if e.dst == node_id]

    def edges_from(self, node_id: str) -> list[Edge]:
        """Edges whose source is ``node_id``."""
        return [e for e in self.edges if e.src == node_id]

    def nodes_of_type(self, *types: str) -> list[Node]:
        """Nodes whose type is one of ``types``, in insertion order."""
        return [n for n in self.nodes.values() if n.type in types]

    def new_id(self, stem: str) -> str:
        """The first free id ``stem_1``, ``stem_2``..."""
        stem = re.sub(r"[^A-Za-z0-9_]", "_", stem) or "node"
        if not (stem[0].isalpha() or stem[0] == "_"):
            stem = "n_" + stem
        k = 1
        while f"{stem}_{k}" in self.nodes:
            k += 1
        return f"{stem}_{k}"

    # -- edits -----------------------------------------------------------------
    def add_node(self, type_id: str, params: Mapping[str, Any] | None = None,
                 pos: tuple[float, float] = (0.0, 0.0), node_id: str | None = None,
                 label: str = "", weights: dict | None = None,
                 trainable: bool = True) -> Node:
        """Add a node and return it. ``node_id`` defaults to a fresh ``type_k`` id."""
        node_id = node_id or self.new_id(type_id)
        if not is_valid_id(node_id):
            raise ValidationError(f"node id {node_id!r} must be an identifier "
                                  "(letters, digits, _; not starting with a digit)")
        if node_id in self.nodes:
            raise ValidationError(f"node id {node_id!r} is already used")
        node = Node(node_id, type_id, dict(params or {}), (float(pos[0]), float(pos[1])),
                    label, copy.deepcopy(weights), trainable)
        self.nodes[node_id] = node
        self.changed.emit(GraphEvent("node_added", node=node_id))
        return node

    def insert_node(self, node: Node, edges: Iterable[Edge] = ()) -> None:
        """Put back a removed node with its edges (used by undo)."""
        if node.id in self.nodes:
            raise ValidationError(f"node id {node.id!r} is already used")
        self.nodes[node.id] = node
        self.changed.emit(GraphEvent("node_added", node=node.id))
        for e in edges:
            self.add_edge(e)

    def remove_node(self, node_id: str) -> tuple[Node, list[Edge]]:
        """Remove a node and its edges; returns both (for undo)."""
        node = self.nodes[node_id]
        removed = [e for e in self.edges if node_id in (e.src, e.dst)]
        for e in removed:
            self.remove_edge(e)
        del self.nodes[node_id]
        self.changed.emit(GraphEvent("node_removed", node=node_id))
        return node, removed

    def connect(self, src: str, dst: str, src_port: str = DEFAULT_OUT,
                dst_port: str = DEFAULT_IN) -> Edge:
        """Add the edge ``src.src_port -> dst.dst_port`` and return it."""
        return self.add_edge(Edge(src, dst, src_port, dst_port))

    def add_edge(self, edge: Edge) -> Edge:
        """Add ``edge``; both ends must exist and the edge must be new."""
        for end in (edge.src, edge.dst):
            if end not in self.nodes:
                raise ValidationError(f"edge {edge} refers to unknown node {end!r}")
        if edge in self.edges:
            raise ValidationError(f"edge {edge} already exists")
        self.edges.append(edge)
        self.changed.emit(GraphEvent("edge_added", edge=edge))
        return edge

    def remove_edge(self, edge: Edge) -> None:
        """Remove ``edge``."""
        self.edges.remove(edge)
        self.changed.emit(GraphEvent("edge_removed", edge=edge))

    def set_params(self, node_id: str, params: Mapping[str, Any]) -> None:
        """Replace a node's params."""
        self.nodes[node_id].params = dict(params)
        self.changed.emit(GraphEvent("params_changed", node=node_id))

    def update_params(self, node_id: str, **changes: Any) -> None:
        """Change some of a node's params."""
        self.set_params(node_id, {**self.nodes[node_id].params, **changes})

    def move_node(self, node_id: str, pos: tuple[float, float]) -> None:
        """Move a node on the canvas."""
        self.nodes[node_id].pos = (float(pos[0]), float(pos[1]))
        self.changed.emit(GraphEvent("node_moved", node=node_id))

    def set_node_fields(self, node_id: str, **fields: Any) -> None:
        """Set ``label``, ``weights`` or ``trainable`` of a node."""
        node = self.nodes[node_id]
        for key, value in fields.items():
            if key not in ("label", "weights", "trainable"):
                raise AttributeError(key)
            setattr(node, key, copy.deepcopy(value))
        self.changed.emit(GraphEvent("node_changed", node=node_id))

    def clear(self) -> None:
        """Remove everything (one ``reset`` event)."""
        self.nodes.clear()
        self.edges.clear()
        self.changed.emit(GraphEvent("reset"))

    def replace_with(self, other: Graph) -> None:
        """Take ``other``'s nodes and edges (one ``reset`` event)."""
        self.nodes = {k: copy.deepcopy(v) for k, v in other.nodes.items()}
        self.edges = list(other.edges)
        self.changed.emit(GraphEvent("reset"))

    # -- serialisation -----------------------------------------------------------
    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {"nodes": [n.to_dict() for n in self.nodes.values()],
                "edges": [e.to_dict() for e in self.edges]}

    @classmethod
    def from_dict(cls, data: Any, where: str = "graph") -> Graph:
        """Build a graph from its JSON form, checking structure (not layer semantics).

        Raises
        ------
        ValidationError
            Naming the path of the first bad field.
        """
        if not isinstance(data, Mapping):
            raise ValidationError("expected an object with 'nodes' and 'edges'", where)
        _no_unknown(data, ("nodes", "edges"), where)
        graph = cls()
        nodes = _list(data.get("nodes", []), f"{where}.nodes")
        edges = _list(data.get("edges", []), f"{where}.edges")
        for items, limit, field_name in ((nodes, MAX_GRAPH_NODES, "nodes"),
                                         (edges, MAX_GRAPH_EDGES, "edges")):
            if len(items) > limit:
                raise ValidationError(f"{len(items):,} {field_name}; a graph may have at most "
                                      f"{limit:,}", f"{where}.{field_name}")
        for i, raw in enumerate(nodes):
            graph._load_node(raw, f"{where}.nodes[{i}]")
        seen: set[Edge] = set()  # a set: checking duplicates in the list is quadratic
        for i, raw in enumerate(edges):
            graph._load_edge(raw, f"{where}.edges[{i}]", seen)
        return graph

    def _load_node(self, raw: Any, where: str) -> None:
        if not isinstance(raw, Mapping):
            raise ValidationError("expected a node object", where)
        _no_unknown(raw, ("id", "type", "params", "pos", "label", "weights", "trainable"), where)
        node_id = _text(raw.get("id"), f"{where}.id")
        if not is_valid_id(node_id):
            raise ValidationError(f"node id {node_id!r} must be an identifier", f"{where}.id")
        if node_id in self.nodes:
            raise ValidationError(f"duplicate node id {node_id!r}", f"{where}.id")
        type_id = _text(raw.get("type"), f"{where}.type")
        params = raw.get("params", {})
        if not isinstance(params, Mapping):
            raise ValidationError("expected an object", f"{where}.params")
        pos = raw.get("pos", [0, 0])
        if (not isinstance(pos, (list, tuple)) or len(pos) != 2
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                           and abs(v) <= MAX_COORD for v in pos)):
            raise ValidationError(f"expected [x, y] numbers within ±{MAX_COORD:g}",
                                  f"{where}.pos")
        weights = raw.get("weights")
        if weights is not None and not isinstance(weights, Mapping):
            raise ValidationError("expected an object of named arrays", f"{where}.weights")
        trainable = raw.get("trainable", True)
        if not isinstance(trainable, bool):
            raise ValidationError("expected true/false", f"{where}.trainable")
        label = raw.get("label", "")
        if not isinstance(label, str):
            raise ValidationError("expected text", f"{where}.label")
        self.nodes[node_id] = Node(node_id, type_id, copy.deepcopy(dict(params)),
                                   (float(pos[0]), float(pos[1])), label,
                                   copy.deepcopy(dict(weights)) if weights else None, trainable)

    def _load_edge(self, raw: Any, where: str, seen: set[Edge]) -> None:
        if not isinstance(raw, Mapping):
            raise ValidationError("expected an edge object {src, dst}", where)
        _no_unknown(raw, ("src", "dst", "src_port", "dst_port"), where)
        fields = {}
        for key in ("src", "dst", "src_port", "dst_port"):
            if key in raw or key in ("src", "dst"):
                fields[key] = _text(raw.get(key), f"{where}.{key}")
        for key in ("src", "dst"):
            if fields[key] not in self.nodes:
                raise ValidationError(f"unknown node {fields[key]!r}", f"{where}.{key}")
        edge = Edge(**fields)
        if edge in seen:
            raise ValidationError(f"duplicate edge {edge}", where)
        seen.add(edge)
        self.edges.append(edge)

    def copy(self) -> Graph:
        """A deep copy with no subscribers."""
        return Graph.from_dict(self.to_dict())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Graph) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        return f"Graph({len(self.nodes)} nodes, {len(self.edges)} edges)"


def _list(value: Any, where: str) -> list:
    if not isinstance(value, list):
        raise ValidationError(f"expected a list, got {type(value).__name__}", where)
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValidationError(f"expected non-empty text, got {value!r}", where)
    return value


def _no_unknown(data: Mapping, allowed: tuple[str, ...], where: str) -> None:
    for key in data:
        if key not in allowed:
            raise ValidationError(f"unknown field {key!r} (expected {', '.join(allowed)})", where)
