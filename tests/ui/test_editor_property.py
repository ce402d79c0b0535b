"""Property: any sequence of edits, undos and redos keeps the canvas in step with the graph,
and undoing everything returns to the start."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QPointF

from ui.editor.editor import GraphEditor
from ui.editor.samples import XOR_INPUT_SHAPES, xor_graph

TYPES = ("dense", "relu", "add", "flatten", "output", "input")

ops = st.one_of(
    st.tuples(st.just("add"), st.sampled_from(TYPES), st.integers(-300, 900),
              st.integers(-300, 300)),
    st.tuples(st.just("connect"), st.integers(0, 50), st.integers(0, 50), st.integers(0, 3)),
    st.tuples(st.just("delete"), st.lists(st.integers(0, 50), max_size=3), st.booleans()),
    st.tuples(st.just("move"), st.integers(0, 50), st.integers(-200, 200),
              st.integers(-200, 200)),
    st.tuples(st.just("params"), st.integers(0, 50), st.integers(1, 9)),
    st.tuples(st.just("duplicate"), st.integers(0, 50)),
    st.just(("layout",)),
    st.just(("undo",)),
    st.just(("redo",)),
)


def pick(ids, k):
    return ids[k % len(ids)] if ids else None


def apply(editor, op):
    graph, scene = editor.graph, editor.scene
    ids = list(graph.nodes)
    kind = op[0]
    if kind == "add":
        editor.drop_layer(op[1], QPointF(op[2], op[3]))
    elif kind == "connect" and ids:
        src, dst = scene.node_items[pick(ids, op[1])], scene.node_items[pick(ids, op[2])]
        outs, ins = list(src.out_ports), list(dst.in_ports)
        if outs and ins:
            editor.connect_ports(src.node_id, pick(outs, op[3]), dst.node_id, pick(ins, op[3]))
    elif kind == "delete" and ids:
        editor.select({pick(ids, k) for k in op[1]})
        if op[2] and graph.edges:
            scene.edge_items[graph.edges[0]].setSelected(True)
        editor.delete_selected()
    elif kind == "move" and ids:
        nid = pick(ids, op[1])
        x, y = graph.nodes[nid].pos
        scene.node_items[nid].setPos(x + op[2], y + op[3])  # what a mouse drag does ...
        scene.move_nodes({nid: (x + op[2], y + op[3])})  # ... and what its release pushes
    elif kind == "params" and ids:
        nid = pick(ids, op[1])
        if graph.nodes[nid].type == "add":
            scene.set_params(nid, {"inputs": 2 + op[2] % 3})
        elif graph.nodes[nid].type == "dense":
            scene.set_params(nid, {"units": op[2]})
    elif kind == "duplicate" and ids:
        editor.select([pick(ids, op[1])])
        editor.duplicate()
    elif kind == "layout":
        editor.auto_layout()
    elif kind == "undo":
        editor.actions["undo"].trigger()
    elif kind == "redo":
        editor.actions["redo"].trigger()


def check_in_sync(editor):
    graph, scene = editor.graph, editor.scene
    assert set(scene.node_items) == set(graph.nodes)
    assert set(scene.edge_items) == set(graph.edges)
    for nid, item in scene.node_items.items():
        assert (item.pos().x(), item.pos().y()) == graph.nodes[nid].pos
        assert item.scene() is scene
    for edge, item in scene.edge_items.items():
        assert item.src is scene.node_items[edge.src] and item.dst is scene.node_items[edge.dst]
    assert set(editor.report.nodes) == set(graph.nodes)
    assert editor.inspector.node_id is None or editor.inspector.node_id in graph.nodes


@settings(max_examples=30, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(ops, min_size=1, max_size=14))
def test_random_edits_stay_in_sync_and_undo_to_the_start(qtbot, sequence):
    editor = GraphEditor(xor_graph())
    qtbot.addWidget(editor)
    editor.set_input_shapes(XOR_INPUT_SHAPES)
    start = editor.graph.to_dict()
    for op in sequence:
        apply(editor, op)
        check_in_sync(editor)
    stack = editor.undo_stack
    while stack.canRedo():
        editor.actions["redo"].trigger()
    top = editor.graph.to_dict()
    while stack.canUndo():
        editor.actions["undo"].trigger()
        check_in_sync(editor)
    assert editor.graph.to_dict() == start
    while stack.canRedo():
        editor.actions["redo"].trigger()
    assert editor.graph.to_dict() == top
    check_in_sync(editor)
