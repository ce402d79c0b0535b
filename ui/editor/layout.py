"""Auto-layout: layered, left to right, by longest path from the inputs.

Pure function of the graph and the node sizes, so it is easy to test; the
editor applies the result as one undoable ``MoveNodes``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping

from playground.graph import Graph
from ui.editor.style import READABLE_ZOOM

#: Space between columns (edges run through it; their shapes are on the cards).
H_GAP = 40.0
#: Space between nodes of one column.
V_GAP = 24.0
#: Space between bands of a wrapped layout (the edge from one band to the next runs in it).
BAND_GAP = 48.0
#: Space the view keeps around a fitted graph, on each side (scene units).
FIT_MARGIN = 12.0
#: How far a wrapped edge reaches beyond the cards on either side (it turns down right of
#: a band's last card and up into the next band's first card: ui.editor.edges.LEAD and
#: its bend, plus the stroke).
WRAP_OVERHANG = 26.0


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
    # Outputs stay at their own depth: a short branch's Output beside it keeps a graph with
    # several Outputs narrow (and wrappable); a chain's one Output is last anyway.
    return column


def auto_layout(graph: Graph, heights: Mapping[str, float], width: float,
                h_gap: float = H_GAP, v_gap: float = V_GAP,
                origin: tuple[float, float] = (0.0, 0.0), wrap: int | None = None,
                band_gap: float = BAND_GAP) -> dict[str, tuple[float, float]]:
    """Positions for every node, columns left to right, each column's top on its band's top
    (cards line up, so a chain's edges run straight).

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
        Top-left of the first column.
    wrap : int, optional
        At most this many columns side by side: further columns continue in
        a band below, left to right again (as text wraps), so a long chain
        fits a squarish canvas at a readable zoom.
    band_gap : float
        Space between bands (the wrapped edges run through it).

    Returns
    -------
    dict
        Node id -> (x, y) top-left position.
    """
    columns = _columns(graph)
    wrap = max(1, wrap or len(columns) or 1)
    parents: dict[str, list[str]] = {nid: [] for nid in graph.nodes}
    for e in graph.edges:
        if e.dst in parents and e.src in graph.nodes:
            parents[e.dst].append(e.src)

    band_heights = _band_heights(_column_heights(columns, heights, v_gap), wrap)
    band_top, y = [], origin[1]
    for height in band_heights:
        band_top.append(y)
        y += height + band_gap
    centre: dict[str, float] = {}
    positions = {}
    for col in sorted(columns):
        ids = sorted(columns[col], key=lambda nid: _barycentre(nid, parents, centre))
        y = band_top[col // wrap]
        x = origin[0] + (col % wrap) * (width + h_gap)
        for nid in ids:
            h = heights.get(nid, 60.0)
            centre[nid] = y + h / 2
            positions[nid] = (x, round(y, 2))
            y += h + v_gap
    return positions


def _columns(graph: Graph) -> dict[int, list[str]]:
    """Column index -> node ids in it (insertion order breaks ties: stable results)."""
    column = layer_of_nodes(graph)
    columns: dict[int, list[str]] = {}
    for nid in graph.nodes:
        columns.setdefault(column[nid], []).append(nid)
    return columns


def _column_height(ids: list[str], heights: Mapping[str, float], v_gap: float) -> float:
    return sum(heights.get(n, 60.0) for n in ids) + v_gap * (len(ids) - 1)


def _column_heights(columns: Mapping[int, list[str]], heights: Mapping[str, float],
                    v_gap: float) -> dict[int, float]:
    return {col: _column_height(ids, heights, v_gap) for col, ids in columns.items()}


def _band_heights(column_heights: Mapping[int, float], wrap: int) -> list[float]:
    """Height of each band: its tallest column (columns 0..wrap-1 are band 0, and so on)."""
    bands = [0.0] * (-(-(max(column_heights) + 1) // wrap) if column_heights else 0)
    for col, height in column_heights.items():
        bands[col // wrap] = max(bands[col // wrap], height)
    return bands


def best_wrap(graph: Graph, heights: Mapping[str, float], width: float,
              viewport: tuple[float, float], h_gap: float = H_GAP, v_gap: float = V_GAP,
              band_gap: float = BAND_GAP, max_zoom: float = 1.0) -> int:
    """Columns per band for auto-layout in a ``viewport`` of (w, h) pixels.

    All columns in one row unless the whole graph would then show below
    :data:`~ui.editor.style.READABLE_ZOOM` (node text smaller than the app's);
    then the fewest balanced bands (as equal as possible) that read, or when
    none does, the banding that shows the graph largest.
    """
    columns = _columns(graph)
    count = len(columns)
    if not count:
        return 1
    tallest = _column_heights(columns, heights, v_gap)

    def zoom(wrap: int) -> float:
        bands = _band_heights(tallest, wrap)
        overhang = 2 * WRAP_OVERHANG if wrap < count else 0.0
        w = wrap * (width + h_gap) - h_gap + 2 * FIT_MARGIN + overhang
        h = sum(bands) + band_gap * (len(bands) - 1) + 2 * FIT_MARGIN
        return min(viewport[0] / w, viewport[1] / h, max_zoom)

    wraps = sorted({-(-count // bands) for bands in range(1, count + 1)}, reverse=True)
    readable = [w for w in wraps if zoom(w) >= READABLE_ZOOM]
    if readable:
        return readable[0]  # the fewest bands that read: a wrap is a cost to the reader
    return max(wraps, key=lambda w: (round(zoom(w), 6), w))


def _barycentre(nid: str, parents: Mapping[str, list[str]],
                centre: Mapping[str, float]) -> tuple:
    """Sort key: the mean height of the parents keeps edges from crossing needlessly.

    Nodes without placed parents go last; ``sorted`` is stable, so ties keep
    insertion order.
    """
    ys = [centre[p] for p in parents[nid] if p in centre]
    return (0, sum(ys) / len(ys)) if ys else (1, 0.0)
