"""Inspector: generated settings, label, trainable and hand-set weights, all undoable."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit

from ui.editor.editor import GraphEditor
from ui.editor.inspector import HINT_EMPTY
from ui.editor.samples import XOR_INPUT_SHAPES, cnn_graph, xor_graph


@pytest.fixture
def editor(qtbot):
    editor = GraphEditor(xor_graph())
    editor.set_input_shapes(XOR_INPUT_SHAPES)
    qtbot.addWidget(editor)
    editor.resize(1200, 700)
    editor.show()
    qtbot.waitExposed(editor)
    return editor


def test_empty_and_multi_selection_hints(editor):
    inspector = editor.inspector
    assert inspector.stack.currentWidget() is inspector.hint
    assert inspector.hint.text() == HINT_EMPTY
    editor.select(["x", "hidden"])
    assert "2 nodes selected" in inspector.hint.text()
    editor.select(["hidden"])
    assert inspector.stack.currentWidget() is inspector.scroll
    assert inspector.title.text() == "Dense" and inspector.id_label.text() == "hidden"
    assert inspector.shape_label.text() == "(N, 6)" and inspector.count_label.text() == "18"
    assert not inspector.error_label.isVisible()


def test_param_edit_goes_through_undo(editor, qtbot):
    start = editor.graph.to_dict()
    editor.select(["hidden"])
    units = editor.inspector.form.field("units")
    with qtbot.waitSignal(editor.graph_edited):
        units.setValue(12)
    units.setValue(13)  # merged with the previous edit
    assert editor.graph.nodes["hidden"].params["units"] == 13
    assert editor.scene.node_items["hidden"].shape_text == "(N, 13)"
    assert editor.inspector.shape_label.text() == "(N, 13)"
    assert editor.undo_stack.count() == 1
    editor.actions["undo"].trigger()
    assert editor.graph.to_dict() == start
    assert units.value() == 6  # the form follows undo
    editor.actions["redo"].trigger()
    assert units.value() == 13


def test_label_and_trainable(editor):
    editor.select(["hidden"])
    inspector = editor.inspector
    inspector.label_edit.setText("features")
    inspector.label_edit.editingFinished.emit()
    assert editor.graph.nodes["hidden"].label == "features"
    assert editor.scene.node_items["hidden"].title == "features"
    inspector.trainable.setChecked(False)
    assert editor.graph.nodes["hidden"].trainable is False
    assert "frozen" in editor.scene.node_items["hidden"].notes
    editor.actions["undo"].trigger()
    editor.actions["undo"].trigger()
    assert editor.graph.to_dict() == xor_graph().to_dict()
    assert inspector.label_edit.text() == "" and inspector.trainable.isChecked()


def test_error_and_fix_are_shown(qtbot):
    editor = GraphEditor(cnn_graph())
    qtbot.addWidget(editor)
    editor.select(["logits"])
    assert editor.inspector.node_id == "logits"  # the page is built once it can be seen
    editor.show()
    qtbot.waitExposed(editor)
    text = editor.inspector.error_label.text()
    assert "Dense expects" in text and "insert a Flatten" in text
    assert not editor.inspector.error_label.isHidden()
    assert editor.inspector.shape_label.text() == "unknown"


def test_weight_table_edit_lands_in_node_weights(editor, qtbot):
    editor.select(["hidden"])
    weights = editor.inspector.weights
    table = weights.table("weight")
    assert (table.rowCount(), table.columnCount()) == (6, 2)  # PyTorch layout (units, inputs)
    assert weights.table("bias").rowCount() == 6
    # type into a cell through the real item delegate
    table.setCurrentCell(0, 1)
    table.editItem(table.item(0, 1))
    line = table.findChild(QLineEdit)
    line.setText("0.5")
    QTest.keyClick(line, Qt.Key.Key_Return)  # the delegate commits on the next event loop
    qtbot.waitUntil(lambda: editor.graph.nodes["hidden"].weights is not None, timeout=2000)
    expected = [[0.0, 0.5]] + [[0.0, 0.0]] * 5
    assert editor.graph.nodes["hidden"].weights == {"weight": expected}
    assert editor.scene.node_items["hidden"].notes == ["hand-set"]
    assert weights.table("weight") is table  # same shapes: the table is kept, focus too
    assert table.item(0, 1).text() == "0.5" and table.item(3, 0).text() == "0"
    weights.table("bias").item(2, 0).setText("-1.25")
    assert editor.graph.nodes["hidden"].weights["bias"] == [0, 0, -1.25, 0, 0, 0]
    weights.table("bias").item(1, 0).setText("abc")  # refused, text restored
    assert weights.table("bias").item(1, 0).text() == "0"
    assert editor.undo_stack.count() == 2
    weights.clear_button.click()
    assert editor.graph.nodes["hidden"].weights is None
    assert table.item(0, 1).text() == ""
    for _ in range(3):
        editor.actions["undo"].trigger()
    assert editor.graph.to_dict() == xor_graph().to_dict()


def test_weights_follow_the_layer_shape(editor):
    editor.select(["prediction"])
    weights = editor.inspector.weights
    assert weights.table("weight").columnCount() == 6
    editor.inspector.form.field("units").setValue(3)
    assert (weights.table("weight").rowCount(), weights.table("weight").columnCount()) == (3, 6)
    weights.set_value("weight", 2, 5, 1.0)
    assert editor.graph.nodes["prediction"].weights["weight"][2][5] == 1.0
    editor.inspector.form.field("units").setValue(2)  # now the stored array is too big
    assert "needs (2, 6)" in weights.note.text()


def test_deleting_the_shown_node_empties_the_inspector(editor):
    editor.select(["hidden"])
    editor.actions["delete"].trigger()
    assert editor.inspector.node_id is None
    assert editor.inspector.stack.currentWidget() is editor.inspector.hint
