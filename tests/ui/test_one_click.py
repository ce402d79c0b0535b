"""One-click structure on the canvas, a canvas that stays put, and the keys that edit it."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from playground.graph import Edge
from tests.ui.test_editor_canvas import drop, make_editor, mouse_drag, view_point
from ui.editor import style
from ui.editor.layout import BAND_GAP, auto_layout
from ui.editor.samples import xor_graph
from ui.editor.structure import COLUMN_STEP


def click_item(editor, item) -> None:
    """A real left click in the middle of a canvas item."""
    point = view_point(editor, item.sceneBoundingRect().center())
    QTest.mouseClick(editor.view.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, point)


def test_plus_and_minus_on_a_dense_card_change_its_units(qtbot):
    editor = make_editor(qtbot)
    card = editor.scene.node_items["hidden"]
    click_item(editor, card.steps["more"])
    click_item(editor, card.steps["more"])
    assert editor.graph.nodes["hidden"].params["units"] == 8
    assert card.shape_text == "(N, 8)" and card.count == "8"
    assert editor.undo_stack.count() == 1  # clicks on one button merge, as a spin box does
    click_item(editor, card.steps["fewer"])
    assert editor.graph.nodes["hidden"].params["units"] == 7
    editor.actions["undo"].trigger()
    assert editor.graph.nodes["hidden"].params["units"] == 6
    for _ in range(3):  # never below the param's minimum
        editor.card_action("prediction", "fewer")
    assert editor.graph.nodes["prediction"].params["units"] == 1


def test_add_layer_after_a_node_inserts_a_dense_like_it_and_rewires(qtbot):
    editor = make_editor(qtbot)
    before = editor.graph.to_dict()
    hidden = editor.scene.node_items["hidden"]
    editor.select(["hidden"])
    assert hidden.add_button.isVisible()  # shown on the selected (or hovered) card
    click_item(editor, hidden.add_button)
    graph = editor.graph
    new = editor.selected_nodes()[0]
    assert graph.nodes[new].type == "dense"
    assert {k: graph.nodes[new].params[k] for k in ("units", "activation")} == \
        {"units": 6, "activation": "relu"}
    assert [e.dst for e in graph.edges_from("hidden")] == [new]
    assert [e.dst for e in graph.edges_from(new)] == ["prediction"]
    assert graph.nodes[new].pos[0] == graph.nodes["hidden"].pos[0] + COLUMN_STEP
    assert graph.nodes["prediction"].pos[0] == before["nodes"][2]["pos"][0] + COLUMN_STEP
    assert not any(info.error for info in editor.report.nodes.values())
    assert editor.undo_stack.count() == 1
    editor.actions["undo"].trigger()
    assert graph.to_dict() == before


def test_a_layer_dropped_on_an_edge_is_inserted_there(qtbot):
    editor = make_editor(qtbot)
    before = editor.graph.to_dict()
    item = editor.scene.edge_items[Edge("hidden", "prediction")]
    middle = item.path().pointAtPercent(0.5)
    assert drop(editor, "dropout", middle)
    graph = editor.graph
    new = editor.selected_nodes()[0]
    assert graph.nodes[new].type == "dropout"
    assert Edge("hidden", new) in graph.edges and Edge(new, "prediction") in graph.edges
    assert Edge("hidden", "prediction") not in graph.edges
    editor.actions["undo"].trigger()
    assert graph.to_dict() == before
    assert drop(editor, "dense", QPointF(middle.x(), middle.y() + 300))  # off the edge: added
    assert Edge("hidden", "prediction") in graph.edges and len(graph.nodes) == 5


def test_feature_tiles_switch_inputs_on_and_off(qtbot):
    from playground.project.presets import load_preset

    graph = load_preset("tfp-circle").graph.copy()
    editor = make_editor(qtbot, graph, {nid: (2,) for nid in graph.nodes
                                        if graph.nodes[nid].type == "input"})
    features = next(n.id for n in graph.nodes.values() if n.type == "features")
    tiles = editor.scene.node_items[features].tiles
    width = editor.report.nodes[features].output[0]
    rect = tiles.mapRectToScene(tiles.tile_rects()["x1_squared"])
    QTest.mouseClick(editor.view.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, view_point(editor, rect.center()))
    assert graph.nodes[features].params["x1_squared"] is True
    assert editor.report.nodes[features].output == (width + 1,)
    assert tiles.on["x1_squared"] and editor.undo_stack.count() == 1


def test_selecting_a_node_does_not_move_the_canvas(qtbot):
    editor = make_editor(qtbot)
    view = editor.view
    width = view.viewport().width()
    where = {nid: view_point(editor, item.scenePos())
             for nid, item in editor.scene.node_items.items()}
    for nid in ("x", "y", "hidden"):
        editor.select([nid])
        assert editor.panel.isVisible()
        assert view.viewport().width() == width
        assert all(view_point(editor, item.scenePos()) == where[n]
                   for n, item in editor.scene.node_items.items())
        card = view.mapFromScene(editor.scene.node_items[nid].sceneBoundingRect())
        assert not editor.panel.geometry().intersects(card.boundingRect().translated(
            view.geometry().topLeft()))  # the panel is beside the node, not over it
    editor.select([])
    assert not editor.panel.isVisible()


def test_ctrl_d_duplicates_and_delete_has_its_own_keys(qtbot):
    editor = make_editor(qtbot)
    assert [s.toString() for s in editor.actions["delete"].shortcuts()] == ["Del", "Backspace"]
    assert QKeySequence("Ctrl+D") in editor.actions["duplicate"].shortcuts()
    editor.activateWindow()  # shortcuts go to the active window
    qtbot.waitUntil(lambda: QApplication.activeWindow() is editor)
    editor.select(["hidden"])
    editor.view.setFocus()
    QTest.keyClick(editor.view, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert len(editor.graph.nodes) == 5 and "dense_1" in editor.graph.nodes
    QTest.keyClick(editor.view, Qt.Key.Key_Delete)
    assert len(editor.graph.nodes) == 4 and "dense_1" not in editor.graph.nodes


def test_moving_a_node_is_a_layout_edit_not_a_model_edit(qtbot):
    editor = make_editor(qtbot)
    model, layout = [], []
    editor.graph_edited.connect(lambda: model.append(1))
    editor.layout_edited.connect(lambda: layout.append(1))
    card = editor.scene.node_items["hidden"]
    start = view_point(editor, card.sceneBoundingRect().center() + QPointF(0, -20))
    mouse_drag(editor, start, start + (view_point(editor, QPointF(0, 80))
                                       - view_point(editor, QPointF(0, 0))))
    assert editor.graph.nodes["hidden"].pos[1] != xor_graph().nodes["hidden"].pos[1]
    assert layout == [1] and model == []
    editor.card_action("hidden", "more")
    assert model == [1]


def test_the_palette_is_compact_and_can_be_hidden(qtbot):
    editor = make_editor(qtbot)
    palette = editor.palette
    tree = palette.tree
    assert tree.topLevelItem(0).text(0) == "Most used" and tree.topLevelItem(0).isExpanded()
    assert not any(tree.topLevelItem(i).isExpanded() for i in range(1, tree.topLevelItemCount()))
    palette.filter("lstm")
    assert palette.item("lstm").parent().isExpanded() and palette.most_used.isHidden()
    palette.filter("")
    width = editor.view.width()
    editor.palette_button.click()
    qtbot.waitUntil(lambda: editor.view.width() > width)
    assert not editor.palette_shown() and not editor.palette_button.isChecked()
    editor.palette_button.click()
    qtbot.waitUntil(lambda: editor.view.width() == width)


def test_inspector_edits_apply_to_the_card_as_they_are_typed(qtbot):
    editor = make_editor(qtbot)
    editor.select(["hidden"])
    units = editor.inspector.form.field("units")
    units.selectAll()
    QTest.keyClicks(units, "12")  # no Enter: the card follows the typing
    assert editor.scene.node_items["hidden"].shape_text == "(N, 12)"
    assert editor.undo_stack.count() == 1


def test_wrapped_bands_have_no_edge_looping_around_the_cards(qtbot):
    from tests.ui.test_editor_layout import chain

    graph = chain(9)
    editor = make_editor(qtbot, graph, {"n0": (4,)})
    heights = editor.scene.layout_heights()
    positions = auto_layout(graph, heights, style.NODE_WIDTH, wrap=3)
    editor.scene.move_nodes(positions)
    cards = [editor.scene.node_items[f"n{i}"].sceneBoundingRect() for i in range(9)]
    left = min(c.left() for c in cards)
    right = max(c.right() for c in cards)
    for i in (2, 5):  # the last card of a band feeds the first of the next
        path = editor.scene.edge_items[Edge(f"n{i}", f"n{i + 1}")].path()
        box = path.boundingRect()
        assert box.left() >= left - 20 and box.right() <= right + 20
        lowest = max(c.bottom() for c in cards[i - 2:i + 1])
        run = path.pointAtPercent(0.5)  # the horizontal run, in the gap under the band
        assert lowest < run.y() < lowest + BAND_GAP
        assert not any(c.contains(run) for c in cards)
