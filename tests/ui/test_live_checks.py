"""The main window answers at once and honestly: data edits redraw the boundary's points
before Play, problems show as they are made and go when fixed, a refused field blocks Play,
moves are not model edits, runs are numbered per project, exports name and protect files."""

from __future__ import annotations

import numpy as np
import pytest

from playground.project.presets import load_preset
from tests.ui.main_helpers import (
    TRAIN_TIMEOUT,
    click,
    close_window,
    make_window,
    set_field,
)
from tests.ui.test_run_comparison import small_xor


def test_a_noise_change_redraws_the_boundarys_points_before_play(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, "tfp-spiral")
    try:
        boundary = window.views.views["boundary"]
        qtbot.waitUntil(lambda: boundary.train_points.data["x"].size > 0)
        before = boundary.point_updates
        old = np.array(boundary.train_points.data["x"])
        form = window.data_panel.form
        slider = form.slider("noise")
        slider.setValue(slider.value() + 40)  # a click on the track: committed at once
        assert window.project.data.params["noise"] > 0
        qtbot.waitUntil(lambda: boundary.point_updates > before, timeout=30_000)
        new = np.array(boundary.train_points.data["x"])
        assert not np.allclose(old, new)  # the noisy points, drawn without training
        dataset = window.data_panel.dataset
        assert np.allclose(new, dataset.train.x[:, 0], atol=1e-5)
        assert window.run.state != "running" and window.run.stale
        share = window.data_panel.train_share  # the training share's slider
        share.setValue(70)
        assert window.project.data.test == pytest.approx(0.3)
        qtbot.waitUntil(lambda: boundary.train_points.data["x"].size == 350, timeout=30_000)
    finally:
        close_window(qtbot, window)


def test_the_learning_rate_slider_stops_at_tf_playgrounds_rates(qtbot, window):
    form = window.training_panel.form("optimizer")
    slider = form.slider("lr")
    slider.setValue(slider.stops.index(0.03))
    assert window.project.training.optimizer_params["lr"] == 0.03
    assert form.field("lr").text() == "0.03"
    set_field(form, "lr", "0.002")  # typed: the knob follows to the nearest stop
    assert slider.stops[slider.value()] == 0.003


def test_output_units_are_checked_as_they_are_edited_with_a_fix_button(qtbot, window):
    editor = window.editor
    assert editor.problems == []
    editor.scene.set_params("prediction", {"units": 8})
    problem = editor.problems[0]
    assert "8 units but the dataset has 2 classes" in problem.message
    assert editor.fix_button.isVisible() and editor.fix_button.text() == "Set units to 2"
    assert "8 units" in editor.status_label.toolTip()
    editor.fix_button.click()
    assert window.project.graph.nodes["prediction"].params["units"] == 2
    assert editor.problems == [] and not editor.fix_button.isVisible()


def test_a_node_not_connected_to_the_output_is_named_in_a_warning(qtbot, window):
    editor = window.editor
    conv = editor.scene.add_layer("conv2d", (100, 400))
    warning = editor.problems[-1]
    assert warning.level == "warning" and conv in warning.message
    assert conv in editor.status_label.text()


def test_a_stale_error_clears_when_the_graph_is_fixed(qtbot, window):
    window.editor.scene.delete_items(["prediction"])  # nothing reaches the Output any more
    click(qtbot, window, "play")
    qtbot.waitUntil(lambda: bool(window.run.build_error), timeout=TRAIN_TIMEOUT * 1000)
    assert window.training_panel.message.isVisible()
    window.editor.actions["undo"].trigger()  # fixed: the old error is gone at once
    assert not window.training_panel.message.isVisible()
    assert window.run.build_error is None and window.editor.problems == []
    assert window.run_status.state.text() != "error"


def test_an_invalid_field_blocks_play_and_names_the_field(qtbot, window):
    form = window.training_panel.form("optimizer")
    set_field(form, "lr", "abc")
    assert form.invalid() and window.project.training.optimizer_params["lr"] == 0.001
    step = window.run.latest.step if window.run.latest is not None else 0
    click(qtbot, window, "play")
    qtbot.wait(300)
    assert window.run.state != "running"
    assert window.run.latest is None or window.run.latest.step == step
    message = window.training_panel.message.text()
    assert "Learning rate" in message and "abc" in message
    set_field(form, "lr", "0.01")
    assert not form.invalid()
    with qtbot.waitSignal(window.run.worker.state_changed, timeout=TRAIN_TIMEOUT * 1000):
        click(qtbot, window, "play")
    window.run.stop()


def test_moving_nodes_marks_the_file_not_the_model(qtbot, window):
    assert not window.run.stale
    window.editor.scene.move_nodes({"hidden": (200.0, 300.0)})
    assert window.files.modified and not window.run.stale
    assert "Edited" not in window.statusBar().currentMessage()
    window.editor.card_action("hidden", "more")
    assert window.run.stale


def test_runs_are_numbered_per_project_and_only_when_they_trained(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, project=small_xor(variants=False))
    try:
        runs = window.views.runs
        window.editor.scene.delete_items(["prediction"])  # this Play fails to build
        click(qtbot, window, "play")
        qtbot.waitUntil(lambda: bool(window.run.build_error), timeout=TRAIN_TIMEOUT * 1000)
        window.editor.actions["undo"].trigger()
        with qtbot.waitSignal(window.run.worker.run_result, timeout=TRAIN_TIMEOUT * 1000):
            click(qtbot, window, "play")
        assert [r.name for r in runs.runs()] == ["run 1"]  # the failed Play took no number
        window.set_project(small_xor(variants=False))  # another project: from 1 again
        qtbot.waitUntil(lambda: window.run.session is not None, timeout=TRAIN_TIMEOUT * 1000)
        with qtbot.waitSignal(window.run.worker.run_result, timeout=TRAIN_TIMEOUT * 1000):
            click(qtbot, window, "play")
        assert [r.name for r in runs.runs()] == ["run 1"]
    finally:
        close_window(qtbot, window)


def test_exports_are_named_after_the_project_file_and_never_overwrite_unasked(qtbot, window,
                                                                             tmp_path):
    dialogs = window.dialogs
    dialogs.save_answer = str(tmp_path / "my_circle.json")
    window.actions["save_as"].trigger()
    dialogs.export_answer = None
    window.actions["export"].trigger()
    assert dialogs.suggested[-1] == str(tmp_path / "my_circle.pt")  # beside the project
    target = tmp_path / "my_circle.pt"
    target.write_bytes(b"an earlier export")
    dialogs.export_answer = ("checkpoint", str(target))
    dialogs.overwrite_answer = False
    window.actions["export"].trigger()
    assert dialogs.asked[-1] == "overwrite"
    assert target.read_bytes() == b"an earlier export"  # declined: untouched
    dialogs.overwrite_answer = True
    with qtbot.waitSignal(window.run.worker.call_done, timeout=TRAIN_TIMEOUT * 1000):
        window.actions["export"].trigger()
    assert target.read_bytes() != b"an earlier export"


def test_the_export_dialog_asks_before_replacing_a_file(qtbot, window, tmp_path):
    from ui.dialogs.export import ExportDialog, suggested_path

    asked = []
    target = tmp_path / "xor.pt"
    target.write_bytes(b"keep me")
    dialog = ExportDialog(lambda *a: asked.append("ran"), ["model"], str(target),
                          confirm_overwrite=lambda path: asked.append(path) or False)
    qtbot.addWidget(dialog)
    dialog.format.setCurrentIndex(dialog.format.findData("checkpoint"))
    assert not dialog.start()
    assert asked == [str(target)] and "exists" in dialog.error.text()
    assert suggested_path(window, ".onnx").endswith("launch-xor.onnx")  # unsaved: the id


def test_preset_texts_name_the_book_not_the_seed_files_lines(qtbot, window):
    import re

    from ui.panels.preset_browser import describe, read_catalogue

    for entry in read_catalogue():
        text = describe(entry, [])
        assert not re.search(r"\bL\d{3,}|seeds/|src/|\.txt\b|lines \d", text), entry.id
        assert "In the book:" in text
    assert "A Deep Learning Launchpad, chapter 31, section 31.8.1 Learning the XOR Function" \
        in describe(next(e for e in read_catalogue() if e.id == "launch-xor"))
    assert load_preset("launch-xor").meta["seed_lines"] == "2463-2567"  # kept for maintainers
