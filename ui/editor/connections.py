"""Which ports a node has and which connections the editor accepts.

A connection is refused when it would join two outputs or two inputs, loop a
node onto itself, fill an input port that already has an edge, or close a
cycle. Shape mismatches are *not* refused: the edge is made and the node shows
an error badge with the fix, which is how users learn what a layer expects.
"""

from __future__ import annotations

from typing import Any

from playground.errors import ValidationError
from playground.graph import Graph, Node
from playground.layers import LAYERS
from playground.params import defaults

REASON_SAME_NODE = "a node cannot feed itself"
REASON_DIRECTION = "connect an output port (right) to an input port (left)"
REASON_TAKEN = "that input port already has an edge: delete it first"
REASON_CYCLE = "that edge would close a cycle"
REASON_NO_PORT = "no such port"
REASON_EXISTS = "those ports are already connected"


def resolved_params(node: Node) -> dict[str, Any]:
    """The node's params with defaults filled in (the defaults when they are invalid)."""
    if node.type not in LAYERS:
        return dict(node.params)
    spec = LAYERS.get(node.type)
    try:
        return spec.resolve(node.params, "")
    except ValidationError:
        return defaults(spec.params)


def node_ports(node: Node) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(input port names, output port names) of a node; unknown types get one of each."""
    if node.type not in LAYERS:
        return ("in",), ("out",)
    spec = LAYERS.get(node.type)
    return tuple(spec.input_ports(resolved_params(node))), tuple(spec.outputs)


def reaches(graph: Graph, start: str, target: str) -> bool:
    """True if there is a directed path from ``start`` to ``target``."""
    seen, stack = set(), [start]
    while stack:
        nid = stack.pop()
        if nid == target:
            return True
        if nid not in seen:
            seen.add(nid)
            stack.extend(e.dst for e in graph.edges if e.src == nid)
    return False


def connection_problem(graph: Graph, src: str, src_port: str, dst: str,
                       dst_port: str) -> str | None:
    """Why ``src.src_port -> dst.dst_port`` is refused, or None if it is allowed.

    Parameters
    ----------
    graph : Graph
    src, src_port : str
        Source node and one of its output ports.
    dst, dst_port : str
        Destination node and one of its input ports.

    Returns
    -------
    str or None
        A short reason for the user, None when the edge can be added.
    """
    if src not in graph.nodes or dst not in graph.nodes:
        return REASON_NO_PORT
    if src == dst:
        return REASON_SAME_NODE
    if src_port not in node_ports(graph.nodes[src])[1]:
        return REASON_DIRECTION if src_port in node_ports(graph.nodes[src])[0] else REASON_NO_PORT
    if dst_port not in node_ports(graph.nodes[dst])[0]:
        return REASON_DIRECTION if dst_port in node_ports(graph.nodes[dst])[1] else REASON_NO_PORT
    for e in graph.edges:
        if e.dst == dst and e.dst_port == dst_port:
            return REASON_EXISTS if (e.src, e.src_port) == (src, src_port) else REASON_TAKEN
    if reaches(graph, dst, src):
        return REASON_CYCLE
    return None
