"""Graph model: edits, events, JSON round trip, structural validation."""

import pytest

from playground.errors import ValidationError
from playground.graph import Edge, Graph


def small_graph() -> Graph:
    g = Graph()
    g.add_node("input", node_id="x", pos=(0, 0))
    g.add_node("dense", {"units": 4}, pos=(100, 0))
    g.add_node("output", node_id="y", pos=(200, 0))
    g.connect("x", "dense_1")
    g.connect("dense_1", "y")
    return g


def test_ids_are_generated_per_type():
    g = small_graph()
    assert g.add_node("dense").id == "dense_2"
    assert g.new_id("conv2d") == "conv2d_1"


def test_json_round_trip_is_exact():
    g = small_graph()
    g.set_node_fields("dense_1", label="hidden", weights={"bias": [0, 0, 0, 0]}, trainable=False)
    again = Graph.from_dict(g.to_dict())
    assert again.to_dict() == g.to_dict()
    assert again == g


def test_events_report_every_edit():
    g = small_graph()
    seen = []
    g.changed.connect(lambda ev: seen.append((ev.kind, ev.node or str(ev.edge))))
    g.update_params("dense_1", units=8)
    g.move_node("dense_1", (5, 5))
    node, edges = g.remove_node("dense_1")
    g.insert_node(node, edges)
    kinds = [k for k, _ in seen]
    assert kinds == ["params_changed", "node_moved", "edge_removed", "edge_removed",
                     "node_removed", "node_added", "edge_added", "edge_added"]
    assert g.nodes["dense_1"].params == {"units": 8}


def test_remove_then_insert_restores_the_graph():
    g = small_graph()
    before = g.to_dict()
    node, edges = g.remove_node("dense_1")
    assert g.edges == []
    g.insert_node(node, edges)
    assert sorted(map(str, g.edges)) == sorted(map(str, Graph.from_dict(before).edges))


@pytest.mark.parametrize("bad_id", ["1abc", "with space", "class", "a-b"])
def test_bad_node_ids_are_refused(bad_id):
    with pytest.raises(ValidationError):
        Graph().add_node("dense", node_id=bad_id)


def test_duplicate_edge_is_refused():
    g = small_graph()
    with pytest.raises(ValidationError, match="already exists"):
        g.connect("x", "dense_1")


@pytest.mark.parametrize("raw, where", [
    ({"nodes": "x"}, "graph.nodes"),
    ({"nodes": [{"id": "a"}]}, "graph.nodes[0].type"),
    ({"nodes": [{"id": "a", "type": "dense", "pos": [1]}]}, "graph.nodes[0].pos"),
    ({"nodes": [{"id": "a", "type": "dense"}, {"id": "a", "type": "dense"}]}, "graph.nodes[1].id"),
    ({"nodes": [{"id": "a", "type": "dense"}], "edges": [{"src": "a", "dst": "b"}]},
     "graph.edges[0].dst"),
    ({"nodes": [], "extra": 1}, "graph"),
])
def test_malformed_json_names_the_field(raw, where):
    with pytest.raises(ValidationError) as err:
        Graph.from_dict(raw)
    assert err.value.where == where


def test_edge_defaults_are_left_out_of_json():
    assert Edge("a", "b").to_dict() == {"src": "a", "dst": "b"}
    assert Edge("a", "b", dst_port="in2").to_dict() == {"src": "a", "dst": "b", "dst_port": "in2"}
