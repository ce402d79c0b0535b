"""Main window: editing the graph through the palette drop path, shape badges, Edit menu undo."""

from PySide6.QtCore import QPointF

from playground.graph import Edge


def edit_action(window, key):
    """The Edit menu's action for ``key`` (the editor's own QAction, shown in the menu)."""
    menu = window.menus["edit"]
    action = window.editor.actions[key]
    assert action in menu.actions()
    return action


def choose_dataset(qtbot, window, type_id):
    combo = window.data_panel.combo
    index = combo.findData(type_id)
    assert index >= 0
    combo.setCurrentIndex(index)
    with qtbot.waitSignal(window.data_panel.dataset_loaded, timeout=60_000):
        combo.activated.emit(index)


def test_shape_badge_appears_and_goes_after_a_fix_with_undo_redo(qtbot, window):
    editor = window.editor
    assert "*" not in window.windowTitle()
    # 8x8 digit images make the first Dense layer wrong: it needs a Flatten in front.
    choose_dataset(qtbot, window, "digits")
    assert window.project.data.type == "digits"
    assert editor.scene.effective_input_shapes() == {"x": (1, 8, 8)}
    assert window.banner.isVisible() and "instead of MNIST" in window.banner.text()
    badge = editor.scene.node_items["hidden"].badge
    assert badge.isVisible()
    assert "Flatten" in badge.toolTip()
    assert window.windowTitle().split(" — ")[0].endswith("*")

    flat = editor.drop_layer("flatten", QPointF(90, 140))  # what a palette drop calls
    assert flat in window.project.graph.nodes
    assert editor.scene.delete_items(edges=[Edge("x", "hidden")])
    assert editor.connect_ports("x", "out", flat, "in")
    assert editor.connect_ports(flat, "out", "hidden", "in")
    assert not badge.isVisible()
    assert editor.scene.edge_items[Edge(flat, "hidden")].shape_text == "(N, 64)"
    assert window.run.stale  # the next Play trains the edited graph

    undo, redo = edit_action(window, "undo"), edit_action(window, "redo")
    undo.trigger()  # flatten -> hidden disconnected again
    assert Edge(flat, "hidden") not in window.project.graph.edges
    undo.trigger()
    undo.trigger()  # the original edge x -> hidden is back: the error returns
    assert Edge("x", "hidden") in window.project.graph.edges
    assert badge.isVisible()
    for _ in range(3):
        redo.trigger()
    assert Edge(flat, "hidden") in window.project.graph.edges
    assert not badge.isVisible()


def test_new_project_is_a_valid_template_on_the_current_data(qtbot, window):
    window.actions["new"].trigger()
    editor = window.editor
    graph = window.project.graph
    # launch-xor's data (the XOR table, 2 classes) is kept: Input -> Dense(1) -> Output
    assert window.project.data.type == "xor_table"
    assert list(graph.nodes) == ["x", "dense", "y"]
    assert graph.nodes["dense"].params["units"] == 1
    qtbot.waitUntil(lambda: window.data_panel.dataset is not None)
    assert not any(info.error for info in editor.report.nodes.values())
    assert editor.problems == [] and editor.total_params() == 3
    assert not window.training_panel.message.isVisible()  # no error before any edit
    hidden = editor.card_action("x", "add_after")  # build on it: + layer after the Input
    assert graph.nodes[hidden].type == "dense"
    assert [e.dst for e in graph.edges_from("x")] == [hidden]
    assert [e.dst for e in graph.edges_from(hidden)] == ["dense"]
    assert editor.problems == []
    assert window.files.modified and window.run.stale


def test_delete_copy_paste_through_the_edit_menu(qtbot, window):
    editor = window.editor
    editor.select(["hidden"])
    edit_action(window, "copy").trigger()
    edit_action(window, "paste").trigger()
    assert len(window.project.graph.nodes) == 5
    edit_action(window, "delete").trigger()  # the pasted copy is selected
    assert len(window.project.graph.nodes) == 4
    edit_action(window, "select_all").trigger()
    assert set(editor.selected_nodes()) == set(window.project.graph.nodes)


def test_no_dataset_is_refused_for_a_task_that_needs_data(qtbot, window):
    combo = window.data_panel.combo
    index = combo.findData("")
    combo.setCurrentIndex(index)
    combo.activated.emit(index)
    assert window.project.data.type == "xor_table"
    assert "needs a dataset" in window.data_panel.error.text()
    assert combo.currentData() == "xor_table"
