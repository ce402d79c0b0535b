"""Auto-layout: layered, left to right, by longest path from the inputs.

Pure function of the graph and the node sizes, so it is easy to test; the
editor applies the result as one undoable ``MoveNodes``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping

from playground.graph import Graph


def layer_of_nodes(graph: Graph) -> dict[str, int]:
    """Column of every node: the longest path (in edges) from a node without inputs.

    Nodes on a cycle (which inference flags) go one column right of their
    deepest placed parent, so the layout still terminates.
    """
    indegree = {nid: 0 for nid in graph.nodes}
    children: dict[str, list[str]] = {nid: [] for nid in graph.nodes}
    for e in graph.edges:
        if e.src in graph.nodes and e.dst in graph.nodes:
            indegree[e.dst] += 1
            children[e.src].append(e.dst)
    column = {nid: 0 for nid in graph.nodes}
    queue = deque(nid for nid, d in indegree.items() if d == 0)
    done = set()
    while queue:
        nid = queue.popleft()
        done.add(nid)
        for child in children[nid]:
            column[child] = max(column[child], column[nid] + 1)
            indegree[child] -= 1
            if indegree[child] == 0:
                queue.append(child)
    for nid in graph.nodes:  # leftovers: nodes on or after a cycle
        if nid not in done:
            parents = [column[e.src] for e in graph.edges if e.dst == nid and e.src in done]
            column[nid] = max(parents, default=max(column.values(), default=0)) + 1
    # Outputs sit in the last column when they have no children (the usual reading order).
    last = max(column.values(), default=0)
    for node in graph.nodes_of_type("output"):
        if not children[node.id]:
            column[node.id] = max(column[node.id], last)
    return column


def auto_layout(graph: Graph, heights: Mapping[str, float], width: float,
                h_gap: float = 96.0, v_gap: float = 36.0,
                origin: tuple[float, float] = (0.0, 0.0)) -> dict[str, tuple[float, float]]:
    """Positions for every node, columns left to right, each column centred vertically.

    Parameters
    ----------
    graph : Graph
    heights : mapping
        Node id -> drawn height (box plus anything under it).
    width : float
        Node width.
    h_gap, v_gap : float
        Space between columns (room for edge shape labels) and between nodes.
    origin : tuple of float
        Top-left of the first column's centre line.

    Returns
    -------
    dict
        Node id -> (x, y) top-left position.
    """
    column = layer_of_nodes(graph)
    columns: dict[int, list[str]] = {}
    for nid in graph.nodes:  # insertion order breaks ties, so the result is stable
        columns.setdefault(column[nid], []).append(nid)
    parents: dict[str, list[str]] = {nid: [] for nid in graph.nodes}
    for e in graph.edges:
        if e.dst in parents and e.src in graph.nodes:
            parents[e.dst].append(e.src)
    centre: dict[str, float] = {}
    positions = {}
    for col in sorted(columns):
        ids = sorted(columns[col], key=lambda nid: _barycentre(nid, parents, centre))
        total = sum(heights.get(n, 60.0) for n in ids) + v_gap * (len(ids) - 1)
        y = origin[1] - total / 2
        for nid in ids:
            h = heights.get(nid, 60.0)
            centre[nid] = y + h / 2
            positions[nid] = (origin[0] + col * (width + h_gap), round(y, 2))
            y += h + v_gap
    return positions


def _barycentre(nid: str, parents: Mapping[str, list[str]],
                centre: Mapping[str, float]) -> tuple:
    """Sort key: the mean height of the parents keeps edges from crossing needlessly.

    Nodes without placed parents go last; ``sorted`` is stable, so ties keep
    insertion order.
    """
    ys = [centre[p] for p in parents[nid] if p in centre]
    return (0, sum(ys) / len(ys)) if ys else (1, 0.0)
