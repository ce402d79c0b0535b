"""The canvas: palette drops, port drags, error badges, selection, clipboard, layout, zoom."""

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from playground.graph import Edge, Graph
from ui.editor import style
from ui.editor.connections import (
    REASON_CYCLE,
    REASON_DIRECTION,
    REASON_SAME_NODE,
    REASON_TAKEN,
)
from ui.editor.editor import GraphEditor
from ui.editor.palette import layer_mime
from ui.editor.samples import XOR_INPUT_SHAPES, xor_graph


def make_editor(qtbot, graph=None, shapes=None):
    editor = GraphEditor(graph if graph is not None else xor_graph())
    editor.set_input_shapes(XOR_INPUT_SHAPES if shapes is None else shapes)
    qtbot.addWidget(editor)
    editor.resize(1200, 700)
    editor.show()
    qtbot.waitExposed(editor)
    editor.fit_view()
    return editor


@pytest.fixture
def editor(qtbot):
    return make_editor(qtbot)


def view_point(editor, scene_pos) -> QPoint:
    return editor.view.mapFromScene(scene_pos)


def port_point(editor, node_id, name, is_output) -> QPoint:
    port = editor.scene.node_items[node_id].port(name, is_output)
    return view_point(editor, port.scenePos())


def mouse_drag(editor, start: QPoint, end: QPoint, steps: int = 6, check=None):
    viewport = editor.view.viewport()
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for i in range(1, steps + 1):
        p = start + (end - start) * (i / steps)
        QTest.mouseMove(viewport, p)
    if check is not None:
        check()
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)


def drop(editor, type_id, scene_pos):
    """Deliver a real drag-enter/move/drop sequence to the view's viewport."""
    viewport = editor.view.viewport()
    point = view_point(editor, scene_pos)
    mime = layer_mime(type_id)
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    # Qt's constructors: drag enter/move take a QPoint, drop a QPointF.
    for event in (QDragEnterEvent(point, Qt.DropAction.CopyAction, mime, buttons, mods),
                  QDragMoveEvent(point, Qt.DropAction.CopyAction, mime, buttons, mods),
                  QDropEvent(QPointF(point), Qt.DropAction.CopyAction, mime, buttons, mods)):
        QApplication.sendEvent(viewport, event)
    return event.isAccepted()


def test_palette_drag_carries_the_type_id(editor):
    tree = editor.palette.tree
    mime = tree.mimeData([editor.palette.item("conv2d")])
    assert bytes(mime.data("application/x-playground-layer")) == b"conv2d"
    assert tree.mimeData([tree.topLevelItem(0)]).formats() == []  # categories do not drag


def test_palette_drop_adds_a_selected_node(editor):
    assert drop(editor, "dense", QPointF(200, 200))
    assert "dense_1" in editor.graph.nodes
    x, y = editor.graph.nodes["dense_1"].pos
    assert abs(x + style.NODE_WIDTH / 2 - 200) < 2 and abs(y + 30 - 200) < 2  # centred on it
    assert editor.selected_nodes() == ["dense_1"]
    assert editor.inspector.node_id == "dense_1"


def test_palette_search_and_double_click(editor, qtbot):
    palette = editor.palette
    qtbot.keyClicks(palette.search, "conv")
    assert set(palette.visible_types()) >= {"conv1d", "conv2d"}
    assert "dense" not in palette.visible_types()
    palette.search.clear()
    assert "dense" in palette.visible_types()
    palette.filter("fully connected")  # the doc is searched too
    assert palette.visible_types() == ["dense"]
    item = palette.item("relu")
    assert "relu" in item.toolTip(0).lower()
    palette.tree.itemActivated.emit(item, 0)
    assert "relu_1" in editor.graph.nodes


def test_connect_by_real_mouse_drag(editor, qtbot):
    editor.scene.delete_items(edges=[Edge("hidden", "prediction")])
    start = port_point(editor, "hidden", "out", True)
    end = port_point(editor, "prediction", "in", False)
    states = []
    mouse_drag(editor, start, end, check=lambda: states.append(editor.scene._drag.state))
    assert states == ["valid"]
    assert Edge("hidden", "prediction") in editor.graph.edges
    assert editor.scene._drag is None


def test_drag_to_empty_canvas_changes_nothing(editor):
    before = editor.graph.to_dict()
    start = port_point(editor, "hidden", "out", True)
    mouse_drag(editor, start, start + QPoint(40, 150))
    assert editor.graph.to_dict() == before


def test_drag_from_connected_input_picks_the_edge_up(editor):
    before = editor.graph.to_dict()
    start = port_point(editor, "prediction", "in", False)
    mouse_drag(editor, start, start + QPoint(0, 200))
    assert Edge("hidden", "prediction") not in editor.graph.edges
    editor.actions["undo"].trigger()
    assert editor.graph.to_dict() == before


def test_invalid_connections_are_refused(editor, qtbot):
    scene = editor.scene
    refused = []
    scene.connection_refused.connect(refused.append)
    before = editor.graph.to_dict()
    # output -> output, with live red feedback on the hovered port
    scene.begin_connection(scene.node_items["hidden"].port("out", True))
    target = scene.node_items["prediction"].port("out", True)
    assert scene.drag_connection(target.scenePos()) == "invalid"
    assert target.feedback == "invalid"
    scene.end_connection(target.scenePos())
    assert target.feedback == ""
    # an input port that already has an edge
    assert not editor.connect_ports("x", "out", "prediction", "in")
    # an edge closing a cycle
    add = editor.drop_layer("add", QPointF(300, 300))
    assert editor.connect_ports("prediction", "out", add, "in1")
    assert not editor.connect_ports(add, "out", "hidden", "in")  # taken anyway
    relu = editor.drop_layer("relu", QPointF(300, 500))
    assert editor.connect_ports(add, "out", relu, "in")
    assert not editor.connect_ports(relu, "out", add, "in2")  # add -> relu -> add
    assert editor.connect_ports("x", "out", add, "in2")
    assert not editor.connect_ports(relu, "out", relu, "in")
    assert not editor.connect_ports("y", "in", "x", "out")
    assert refused == [REASON_DIRECTION, REASON_TAKEN, REASON_TAKEN, REASON_CYCLE,
                       REASON_SAME_NODE, REASON_DIRECTION]
    editor.scene.delete_items([add, relu])
    assert editor.graph.to_dict() == before


def test_cycle_is_refused_with_red_feedback(qtbot):
    g = Graph()
    g.add_node("input", {"shape": [2]}, (0, 0), "x")
    g.add_node("add", {}, (200, 0), "add")
    g.add_node("dense", {"units": 2}, (400, 0), "d")
    g.connect("x", "add", dst_port="in1")
    g.connect("add", "d")
    editor = make_editor(qtbot, g, {})
    scene = editor.scene
    refused = []
    scene.connection_refused.connect(refused.append)
    scene.begin_connection(scene.node_items["d"].port("out", True))
    target = scene.node_items["add"].port("in2", False)
    assert scene.drag_connection(target.scenePos()) == "invalid"
    assert not scene.end_connection(target.scenePos())
    assert refused == [REASON_CYCLE]
    assert len(g.edges) == 2


def test_error_badge_appears_and_goes_after_a_fix(qtbot):
    editor = make_editor(qtbot, Graph(), {})
    image = editor.drop_layer("input", QPointF(0, 0))
    dense = editor.drop_layer("dense", QPointF(250, 0))
    out = editor.drop_layer("output", QPointF(500, 0))
    editor.set_input_shapes({image: (1, 8, 8)})
    assert editor.connect_ports(image, "out", dense, "in")
    assert editor.connect_ports(dense, "out", out, "in")
    badge = editor.scene.node_items[dense].badge
    assert badge.isVisible()
    assert "Dense expects" in badge.toolTip() and "insert a Flatten" in badge.toolTip()
    edge_item = editor.scene.edge_items[Edge(image, dense)]
    assert edge_item.error and edge_item.shape_text == "(N, 1, 8, 8)"
    # the fix: a Flatten between them
    flat = editor.drop_layer("flatten", QPointF(120, 150))
    editor.select([])
    edge_item.setSelected(True)
    editor.actions["delete"].trigger()
    assert editor.connect_ports(image, "out", flat, "in")
    assert editor.connect_ports(flat, "out", dense, "in")
    assert not badge.isVisible()
    assert editor.scene.edge_items[Edge(flat, dense)].shape_text == "(N, 64)"
    assert editor.total_params() == 64 * 8 + 8
    assert "520" in editor.params_label.text()


def test_conv_fed_points_shows_badge_until_params_fixed(qtbot):
    g = Graph()
    g.add_node("input", {}, (0, 0), "x")
    g.add_node("conv2d", {}, (250, 0), "conv")
    g.connect("x", "conv")
    editor = make_editor(qtbot, g, {"x": (2,)})
    item = editor.scene.node_items["conv"]
    assert item.badge.isVisible() and "Reshape" in item.badge.toolTip()
    editor.set_input_shapes({"x": (1, 8, 8)})
    assert not item.badge.isVisible() and item.shape_text == "(N, 8, 6, 6)"


def test_rubber_band_select_delete_and_undo(editor, qtbot):
    before = editor.graph.to_dict()
    items = editor.scene.node_items
    top_left = items["hidden"].sceneBoundingRect().topLeft() + QPointF(-20, -40)
    bottom_right = items["prediction"].sceneBoundingRect().bottomRight() + QPointF(10, 30)
    mouse_drag(editor, view_point(editor, top_left), view_point(editor, bottom_right))
    assert editor.selected_nodes() == ["hidden", "prediction"]
    editor.view.setFocus()
    QTest.keyClick(editor.view, Qt.Key.Key_Delete)
    assert set(editor.graph.nodes) == {"x", "y"} and editor.graph.edges == []
    assert set(editor.scene.node_items) == {"x", "y"} and not editor.scene.edge_items
    QTest.keyClick(editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert editor.graph.to_dict() == before
    assert set(editor.scene.edge_items) == set(editor.graph.edges)
    editor.actions["redo"].trigger()
    assert set(editor.graph.nodes) == {"x", "y"}


def test_dragging_a_node_is_one_undoable_move(editor):
    before = editor.graph.to_dict()
    item = editor.scene.node_items["hidden"]
    origin = QPointF(item.pos())
    start = view_point(editor, item.mapToScene(QPointF(60, 10)))
    mouse_drag(editor, start, start + QPoint(30, 80))
    pos = editor.graph.nodes["hidden"].pos
    assert pos != (origin.x(), origin.y()) and pos[1] > origin.y() + 20
    assert editor.undo_stack.count() == 1
    edge = editor.scene.edge_items[Edge("x", "hidden")]
    assert edge.path().elementAt(edge.path().elementCount() - 1).y == pytest.approx(
        item.port("in", False).scenePos().y())
    editor.actions["undo"].trigger()
    assert editor.graph.to_dict() == before
    assert item.pos() == origin


def test_copy_paste_and_duplicate_give_fresh_ids(editor):
    editor.select(["hidden", "prediction"])
    editor.actions["copy"].trigger()
    editor.select([])
    editor.actions["paste"].trigger()
    assert editor.selected_nodes() == ["dense_1", "dense_2"]
    assert Edge("dense_1", "dense_2") in editor.graph.edges
    hx, hy = editor.graph.nodes["hidden"].pos
    assert editor.graph.nodes["dense_1"].pos == (hx + 40, hy + 40)
    editor.actions["paste"].trigger()  # a second paste lands further away
    assert editor.graph.nodes["dense_3"].pos == (hx + 80, hy + 80)
    editor.select(["x"])
    editor.actions["duplicate"].trigger()
    assert editor.selected_nodes() == ["input_1"]
    assert len(editor.graph.nodes) == 9
    for _ in range(3):
        editor.actions["undo"].trigger()
    assert editor.graph.to_dict() == xor_graph().to_dict()


def test_auto_layout_is_one_undo_step(qtbot):
    g = xor_graph()
    for i, nid in enumerate(["y", "prediction", "x", "hidden"]):
        g.move_node(nid, (i * 37.0, i * 91.0))
    editor = make_editor(qtbot, g)
    before = g.to_dict()
    editor.actions["auto_layout"].trigger()
    xs = [g.nodes[n].pos[0] for n in ("x", "hidden", "prediction", "y")]
    assert xs == sorted(xs) and len(set(xs)) == 4
    assert len({g.nodes[n].pos[1] for n in g.nodes}) == 1  # a chain is one straight row
    assert editor.undo_stack.count() == 1
    editor.actions["undo"].trigger()
    assert g.to_dict() == before


def test_zoom_fit_and_wheel(editor):
    view = editor.view
    editor.fit_view()
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    for item in editor.scene.node_items.values():
        assert visible.contains(item.sceneBoundingRect())
    z = view.zoom()
    editor.actions["zoom_in"].trigger()
    assert view.zoom() == pytest.approx(z * 1.25)
    editor.actions["zoom_out"].trigger()
    assert view.zoom() == pytest.approx(z)
    view.reset_zoom()
    assert view.zoom() == pytest.approx(1.0)
    assert editor.zoom_button.text() == "100%"


def test_set_graph_and_reset(editor):
    editor.drop_layer("relu", QPointF(0, 300))
    other = Graph()
    other.add_node("input", {"shape": [3]}, node_id="a")
    editor.set_graph(other)
    assert editor.graph is other and list(editor.scene.node_items) == ["a"]
    assert editor.undo_stack.count() == 0
    editor.set_input_shapes({})
    other.replace_with(xor_graph())
    assert set(editor.scene.node_items) == {"x", "hidden", "prediction", "y"}
    assert "no shape" in editor.report.nodes["x"].error.message  # no dataset yet
    assert editor.scene.node_items["x"].badge.isVisible()
    editor.set_input_shapes({"x": (2,)})
    assert editor.report.nodes["hidden"].outputs == {"out": (6,)}


def test_middle_button_and_space_drag_pan(editor, qtbot):
    view, viewport = editor.view, editor.view.viewport()
    centre = viewport.rect().center()
    before = view.mapToScene(centre)
    QTest.mousePress(viewport, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier,
                     centre)
    QTest.mouseMove(viewport, centre + QPoint(100, 40))
    QTest.mouseRelease(viewport, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier,
                       centre + QPoint(100, 40))
    moved = view.mapToScene(centre) - before
    assert moved.x() < -50 and moved.y() < -20  # the canvas followed the mouse
    # Space + left drag pans too, even starting on a node, and moves nothing
    graph_before = editor.graph.to_dict()
    view.setFocus()
    QTest.keyPress(view, Qt.Key.Key_Space)
    on_node = view_point(editor, editor.scene.node_items["hidden"].sceneBoundingRect().center())
    before = view.mapToScene(centre)
    mouse_drag(editor, on_node, on_node + QPoint(-80, 0))
    QTest.keyRelease(view, Qt.Key.Key_Space)
    assert (view.mapToScene(centre) - before).x() > 50
    assert editor.graph.to_dict() == graph_before


def test_shortcuts(editor):
    keys = {k: [s.toString() for s in a.shortcuts()] for k, a in editor.actions.items()}
    assert "Ctrl+Z" in keys["undo"] and "Ctrl+Shift+Z" in keys["redo"]
    assert {"Del", "Backspace"} <= set(keys["delete"])
    assert keys["copy"][0] == "Ctrl+C" and keys["paste"][0] == "Ctrl+V"
    assert keys["duplicate"] == ["Ctrl+D"] and keys["select_all"] == ["Ctrl+A"]
    assert keys["fit"] == ["F"] and keys["auto_layout"] == ["Ctrl+L"]
    assert "Ctrl++" in keys["zoom_in"] and "Ctrl+-" in keys["zoom_out"]
    # Backspace while typing in the palette search must not delete the selected node
    editor.select(["hidden"])
    editor.palette.search.setFocus()
    QTest.keyClicks(editor.palette.search, "de")
    QTest.keyClick(editor.palette.search, Qt.Key.Key_Backspace)
    assert editor.palette.search.text() == "d" and "hidden" in editor.graph.nodes
    # ... but on the canvas it does
    editor.view.setFocus()
    QTest.keyClick(editor.view, Qt.Key.Key_Backspace)
    assert "hidden" not in editor.graph.nodes
    QTest.keyClick(editor.view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert editor.selected_nodes() == ["x", "prediction", "y"]
    QTest.keyClick(editor.view, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert len(editor.graph.nodes) == 6


def test_clipboard_works_between_editors(qtbot):
    first, second = make_editor(qtbot), make_editor(qtbot, Graph(), {})
    first.select(["x", "hidden"])
    assert first.copy_selection()
    new = second.paste()
    assert new == ["input_1", "dense_1"] and second.graph.edges == [Edge("input_1", "dense_1")]
    assert second.graph.nodes["dense_1"].params == first.graph.nodes["hidden"].params


def test_signals_and_shared_undo_stack(qtbot):
    from PySide6.QtGui import QUndoStack

    stack = QUndoStack()
    editor = GraphEditor(xor_graph(), stack)
    qtbot.addWidget(editor)
    assert editor.undo_stack is stack
    with qtbot.waitSignal(editor.selection_changed) as selected:
        editor.select(["hidden"])
    assert selected.args == [["hidden"]]
    with qtbot.waitSignals([editor.graph_edited, editor.report_changed]):
        editor.drop_layer("relu", QPointF(0, 200))
    assert stack.count() == 1 and stack.undoText() == "Add ReLU"


def test_graph_outlives_its_editor(qtbot):
    from shiboken6 import delete

    graph = xor_graph()
    editor = GraphEditor(graph)
    delete(editor)
    graph.add_node("relu")  # nobody listening any more, and no error
    assert len(graph.changed) == 0


def test_rubber_band_takes_edges_only_when_enclosed(editor):
    items = editor.scene.node_items
    # a band over the middle of the hidden -> prediction edge only, then one over hidden alone
    mid = (items["hidden"].sceneBoundingRect().right() + items["prediction"].x()) / 2
    y = items["hidden"].port("out", True).scenePos().y()
    mouse_drag(editor, view_point(editor, QPointF(mid - 3, y - 60)),
               view_point(editor, QPointF(mid + 3, y + 60)))
    assert editor.scene.selectedItems() == []
    box = items["hidden"].sceneBoundingRect()
    mouse_drag(editor, view_point(editor, box.topLeft() + QPointF(20, -30)),
               view_point(editor, box.bottomRight() + QPointF(-20, 30)))
    assert editor.selected_nodes() == ["hidden"] and editor.scene.selected_edges() == []
    editor.delete_selected()
    assert set(editor.graph.edges) == {Edge("prediction", "y")}


def test_the_datas_note_is_not_put_on_an_input_with_its_own_shape(qtbot):
    # A GAN generator's Input is noise of its own size, not the data (an 8x8 digit).
    graph = Graph.from_dict({"nodes": [
        {"id": "noise", "type": "input", "params": {"shape": [100]}},
        {"id": "image", "type": "input"}]})
    editor = make_editor(qtbot, graph, shapes={})
    editor.scene.set_card_notes({"input": "1×8×8"})
    items = editor.scene.node_items
    assert items["image"].essentials == "1×8×8"
    assert items["noise"].essentials == ""
