"""ParamsForm: widgets generated from declarations; invalid input is refused, not committed."""

from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QSpinBox

from playground.layers import LAYERS
from playground.training.optimizers import OPTIMIZERS
from ui.params_form import ParamsForm


def test_widgets_follow_the_declaration(qtbot):
    form = ParamsForm(LAYERS.get("dense").params, {"units": 6, "activation": "relu"})
    qtbot.addWidget(form)
    assert isinstance(form.field("units"), QSpinBox) and form.field("units").value() == 6
    assert isinstance(form.field("activation"), QComboBox)
    assert form.field("activation").currentData() == "relu"
    assert isinstance(form.field("use_bias"), QCheckBox)
    assert form.values()["units"] == 6


def test_valid_edit_emits_invalid_edit_is_marked(qtbot):
    form = ParamsForm(OPTIMIZERS.get("adam").params)
    qtbot.addWidget(form)
    lr = form.field("lr")
    assert isinstance(lr, QLineEdit) and lr.text() == "0.001"
    with qtbot.waitSignal(form.value_changed) as blocker:
        lr.setText("3e-4")
        lr.editingFinished.emit()
    assert blocker.args == ["lr", 0.0003]
    changes = []
    form.value_changed.connect(lambda *a: changes.append(a))
    lr.setText("-1")
    lr.editingFinished.emit()
    assert changes == [] and form.values()["lr"] == 0.0003
    assert "expected number in [0, 100]" in lr.toolTip() and "d33" in lr.styleSheet()


def test_spinbox_and_choice_commit(qtbot):
    form = ParamsForm(LAYERS.get("dense").params)
    qtbot.addWidget(form)
    seen = []
    form.value_changed.connect(lambda *a: seen.append(a))
    form.field("units").setValue(12)
    combo = form.field("activation")
    combo.setCurrentIndex(combo.findData("tanh"))
    assert seen == [("units", 12), ("activation", "tanh")]


def test_list_values_parse(qtbot):
    form = ParamsForm(LAYERS.get("conv2d").params)
    qtbot.addWidget(form)
    edit = form.field("kernel_size")
    assert edit.text() == "3, 3"
    edit.setText("5,5")
    edit.editingFinished.emit()
    assert form.values()["kernel_size"] == [5, 5]
