"""Auto-layout as a pure function: columns by depth, bands when a chain is long."""

from __future__ import annotations

from playground.graph import Graph
from ui.editor.layout import BAND_GAP, FIT_MARGIN, H_GAP, auto_layout, best_wrap

WIDTH = 156.0


def chain(n: int) -> Graph:
    g = Graph()
    ids = [g.add_node("input", node_id="n0").id]
    for i in range(1, n - 1):
        ids.append(g.add_node("relu", node_id=f"n{i}").id)
    ids.append(g.add_node("output", node_id=f"n{n - 1}").id)
    for a, b in zip(ids, ids[1:]):
        g.connect(a, b)
    return g


def test_a_wide_canvas_keeps_a_chain_on_one_row():
    g = chain(5)
    heights = {nid: 60.0 for nid in g.nodes}
    assert best_wrap(g, heights, WIDTH, (2000, 400)) == 5
    pos = auto_layout(g, heights, WIDTH)
    assert [pos[f"n{i}"][0] for i in range(5)] == [i * (WIDTH + H_GAP) for i in range(5)]
    assert len({p[1] for p in pos.values()}) == 1


def test_a_long_chain_wraps_into_bands_read_left_to_right():
    g = chain(15)
    heights = {nid: 60.0 for nid in g.nodes}
    wrap = best_wrap(g, heights, WIDTH, (560, 540))
    assert 2 <= wrap <= 4
    pos = auto_layout(g, heights, WIDTH, wrap=wrap)
    for i in range(15):
        band, col = divmod(i, wrap)
        assert pos[f"n{i}"][0] == col * (WIDTH + H_GAP)
        assert pos[f"n{i}"][1] == band * (60.0 + BAND_GAP)
    # The whole graph fits the canvas larger than one 15-column row would.
    rows = -(-15 // wrap)
    margins = 2 * FIT_MARGIN
    zoom = min(560 / (wrap * (WIDTH + H_GAP) - H_GAP + margins),
               540 / (rows * (60 + BAND_GAP) - BAND_GAP + margins))
    assert zoom > 2 * 560 / (15 * (WIDTH + H_GAP) - H_GAP + margins)


def test_bands_are_as_tall_as_their_tallest_column():
    g = chain(4)
    g.add_node("relu", node_id="side")
    g.connect("n0", "side")
    heights = {nid: 60.0 for nid in g.nodes}
    pos = auto_layout(g, heights, WIDTH, wrap=2)
    # Band 0 holds columns 0-1 (column 1: n1 and side, 156 px tall); band 1 starts below it.
    assert pos["n2"][1] - pos["n1"][1] >= 60.0 + BAND_GAP
    assert pos["n2"][0] == 0.0 and pos["n3"][0] == WIDTH + H_GAP
