"""Undo commands: each edit undoes and redoes to exactly the same graph JSON."""

import pytest
from PySide6.QtGui import QUndoStack

from playground.graph import Edge
from ui.editor.commands import (
    AddNode,
    Connect,
    Disconnect,
    MoveNodes,
    PasteNodes,
    RemoveItems,
    SetNodeFields,
    SetParams,
    fresh_ids,
    selection_payload,
)
from ui.editor.samples import cnn_graph, xor_graph


@pytest.fixture
def stack(qapp):
    return QUndoStack()


def roundtrip(stack, graph, command):
    """Push, undo, redo: returns (before, after) and checks undo restores ``before``."""
    before = graph.to_dict()
    stack.push(command)
    after = graph.to_dict()
    assert after != before
    stack.undo()
    assert graph.to_dict() == before
    stack.redo()
    assert graph.to_dict() == after
    return before, after


def test_add_node_keeps_its_id_across_redo(stack):
    g = xor_graph()
    cmd = AddNode(g, "dense", {"units": 3}, (10, 20))
    roundtrip(stack, g, cmd)
    assert g.nodes[cmd.node_id].params == {"units": 3}
    assert g.nodes[cmd.node_id].pos == (10, 20)


def test_remove_middle_node_restores_order_exactly(stack):
    g = xor_graph()
    roundtrip(stack, g, RemoveItems(g, ["hidden"]))
    assert "hidden" not in g.nodes
    assert all("hidden" not in (e.src, e.dst) for e in g.edges)


def test_remove_nodes_and_loose_edges(stack):
    g = cnn_graph()
    edge = next(e for e in g.edges if e.src == "image")
    roundtrip(stack, g, RemoveItems(g, ["pool", "y"], [edge]))
    assert set(g.nodes) == {"image", "conv", "logits"} and g.edges == []


def test_connect_and_disconnect(stack):
    g = xor_graph()
    edge = Edge("hidden", "prediction")
    roundtrip(stack, g, Disconnect(g, edge))
    assert edge not in g.edges
    stack.undo()
    g.remove_edge(Edge("prediction", "y"))
    stack.clear()
    roundtrip(stack, g, Connect(g, Edge("prediction", "y")))


def test_set_params_merges_edits_of_one_field(stack):
    g = xor_graph()
    start = g.to_dict()
    for units in (7, 8, 9):
        stack.push(SetParams(g, "hidden", {"units": units}))
    assert stack.count() == 1 and g.nodes["hidden"].params["units"] == 9
    stack.push(SetParams(g, "hidden", {"activation": "tanh"}))
    assert stack.count() == 2
    stack.undo()
    stack.undo()
    assert g.to_dict() == start


def test_set_params_back_to_start_is_obsolete(stack):
    g = xor_graph()
    stack.push(SetParams(g, "hidden", {"units": 7}))
    stack.push(SetParams(g, "hidden", {"units": 6}))
    assert stack.count() == 0 and g.nodes["hidden"].params["units"] == 6


def test_set_node_fields(stack):
    g = xor_graph()
    roundtrip(stack, g, SetNodeFields(g, "hidden", label="features"))
    roundtrip(stack, g, SetNodeFields(g, "hidden", weights={"bias": [0.0] * 6}))
    roundtrip(stack, g, SetNodeFields(g, "hidden", trainable=False))
    assert g.nodes["hidden"].label == "features" and not g.nodes["hidden"].trainable


def test_move_nodes_is_one_step(stack):
    g = xor_graph()
    roundtrip(stack, g, MoveNodes(g, {"x": (5, 5), "y": (600, 40)}))
    assert stack.count() == 1 and g.nodes["y"].pos == (600, 40)


def test_paste_gives_fresh_ids_and_keeps_internal_edges(stack):
    g = xor_graph()
    payload = selection_payload(g, ["hidden", "prediction"])
    assert payload["edges"] == [{"src": "hidden", "dst": "prediction"}]
    cmd = PasteNodes(g, payload, (40, 40))
    roundtrip(stack, g, cmd)
    new = list(cmd.id_map.values())
    assert new == ["dense_1", "dense_2"]
    assert Edge("dense_1", "dense_2") in g.edges
    hx, hy = g.nodes["hidden"].pos
    assert g.nodes["dense_1"].pos == (hx + 40, hy + 40)
    assert g.nodes["dense_1"].params == g.nodes["hidden"].params


def test_fresh_ids_are_distinct():
    g = xor_graph()
    g.add_node("dense", node_id="dense_1")
    assert fresh_ids(g, ["dense", "dense", "relu"]) == ["dense_2", "dense_3", "relu_1"]


def test_long_history_undoes_to_the_start(stack):
    g = xor_graph()
    start = g.to_dict()
    add = AddNode(g, "relu", {}, (0, 100))
    stack.push(add)
    stack.push(Connect(g, Edge("x", add.node_id)))
    stack.push(RemoveItems(g, ["hidden"]))
    stack.push(MoveNodes(g, {"x": (1, 2)}))
    stack.push(PasteNodes(g, selection_payload(g, ["x", add.node_id]), (30, 30)))
    end = g.to_dict()
    while stack.canUndo():
        stack.undo()
    assert g.to_dict() == start
    while stack.canRedo():
        stack.redo()
    assert g.to_dict() == end
