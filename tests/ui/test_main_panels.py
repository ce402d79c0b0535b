"""The data and training panels on their own, the worker's mailbox, and ``run_app`` errors."""

import numpy as np
import pytest

from playground.data.spec import parse_data_spec
from playground.project.presets import load_preset
from tests.ui.main_helpers import set_field
from ui.panels.data_panel import DataPanel
from ui.panels.data_preview import as_images, mosaic
from ui.panels.training_panel import TrainingPanel, allowed_tasks


@pytest.fixture
def data_panel(qtbot):
    panel = DataPanel()
    qtbot.addWidget(panel)
    panel.resize(340, 600)
    panel.show()
    yield panel
    panel.shutdown()


def load(qtbot, panel, raw):
    with qtbot.waitSignal(panel.dataset_loaded, timeout=60_000) as blocker:
        panel.set_spec(parse_data_spec(raw))
    return blocker.args[0]


def test_dataset_chooser_is_grouped_by_category(data_panel):
    model = data_panel.combo.model()
    headers = [model.item(i).text() for i in range(model.rowCount())
               if not model.item(i).isSelectable()]
    assert headers[:2] == ["Toy 2-D", "Books"] and "Images" in headers and "Files" in headers


def test_points_preview_summary_and_regenerate(qtbot, data_panel):
    dataset = load(qtbot, data_panel, {"type": "spiral", "seed": 3, "split": {"test": 0.5}})
    assert data_panel.summary.text() == "500 samples (250 train, 250 test), input (2,), 2 classes"
    assert data_panel.preview.kind == "points2d"
    assert dataset.input_shape == (2,)
    with qtbot.waitSignal(data_panel.spec_changed) as blocker:
        data_panel.regenerate()
    assert blocker.args[0].seed == 4
    with qtbot.waitSignal(data_panel.spec_changed) as blocker:
        set_field(data_panel.form, "noise", "0.3")
    assert blocker.args[0].params["noise"] == 0.3 and blocker.args[0].seed == 4
    data_panel.val.setValue(0.6)  # val + test >= 1: refused with a one-line message
    assert data_panel.error.isVisible() and "\n" not in data_panel.error.text()
    assert data_panel.spec.val == 0.0


def test_a_plane_of_points_is_drawn_to_scale_at_the_top_of_a_tall_panel(qtbot, data_panel):
    data_panel.resize(340, 1400)
    load(qtbot, data_panel, {"type": "xor", "seed": 0})  # a square of points
    preview = data_panel.preview
    assert preview.kind == "points2d"
    # Aspect-locked, so in a plot taller than wide the square sat centred, out of sight.
    qtbot.waitUntil(lambda: preview.height() <= max(preview.minimumHeight(),
                                                    preview.width() * 1.1 + 12))


def test_image_and_series_previews(qtbot, data_panel):
    data_panel.resize(340, 1400)  # a panel far taller than its content
    load(qtbot, data_panel, {"type": "digits", "seed": 0})
    preview = data_panel.preview
    assert preview.kind == "image"
    # The mosaic (3 rows of 8 digits) is not centred in a tall empty plot out of sight: the
    # preview is as tall as the mosaic at its width, give or take the plot's frame.
    qtbot.waitUntil(lambda: preview.height() <= max(preview.minimumHeight(),
                                                    preview.width() * 26 / 71 + 12))
    load(qtbot, data_panel, {"type": "airline", "seed": 0})
    assert preview.kind == "series"
    qtbot.waitUntil(lambda: preview.height() > 400)  # a series takes the room it is given


def test_changing_the_dataset_type_emits_a_spec_with_its_defaults(qtbot, data_panel):
    load(qtbot, data_panel, {"type": "circle", "seed": 2, "split": {"test": 0.3}})
    index = data_panel.combo.findData("moons")
    with qtbot.waitSignal(data_panel.spec_changed) as blocker:
        data_panel.combo.activated.emit(index)
    spec = blocker.args[0]
    assert spec.type == "moons" and spec.seed == 2 and spec.test == 0.3
    assert data_panel.form.values() == spec.params


def test_a_bad_file_path_is_a_one_line_message(qtbot, data_panel, tmp_path):
    spec = parse_data_spec({"type": "csv", "params": {"path": str(tmp_path / "nope.csv"),
                                                        "target": "y"}})
    data_panel.set_spec(spec)
    qtbot.waitUntil(lambda: data_panel.error.isVisible(), timeout=30_000)
    text = data_panel.error.text()
    assert "nope.csv" in text and "\n" not in text
    assert data_panel.preview.message.text() == "Cannot load this dataset"
    assert data_panel.files_row.count() == 1  # a "Choose path…" button for the file param


def test_preview_helpers():
    images = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4)
    grid = mosaic(images, 2)
    assert grid.shape == (3, 9) and np.isnan(grid[0, 4])
    assert as_images(np.zeros((5, 64))).shape == (5, 8, 8)
    colour = np.arange(5 * 3 * 4 * 4, dtype=np.float32).reshape(5, 3, 4, 4)
    assert as_images(colour).shape == (5, 4, 4, 3)  # RGB kept, channels last
    assert as_images(colour)[2, 1, 3, 0] == colour[2, 0, 1, 3]
    assert as_images(np.zeros((5, 2, 4, 4))).shape == (5, 4, 4)  # other channels: their mean
    assert as_images(np.zeros((5, 7))) is None
    grid = mosaic(as_images(colour), 3)
    assert grid.shape == (9, 14, 3) and np.isnan(grid[4, 0]).all()
    np.testing.assert_array_equal(grid[5:9, 5:9], as_images(colour)[4])


def test_colour_pictures_are_previewed_in_colour(qtbot, data_panel):
    load(qtbot, data_panel, {"type": "objects", "seed": 0, "params": {"n_per_class": 3}})
    items = data_panel.preview.plot_widget.getPlotItem().getViewBox().addedItems
    image = items[0].image
    assert image.ndim == 3 and image.shape[2] == 4  # RGBA
    assert np.abs(image[..., 0].astype(int) - image[..., 2]).max() > 50  # not grey
    assert image[32, 5, 3] == 0 and image[31, 5, 3] == 255  # the gaps are transparent


@pytest.fixture
def training_panel(qtbot):
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.set_project(load_preset("launch-xor"), "class")
    panel.show()
    return panel


def test_training_panel_shows_every_hyperparameter(training_panel):
    opt = training_panel.form("optimizer").values()
    assert opt == {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-07,
                   "weight_decay": 0.0, "amsgrad": False}
    assert training_panel.form("scalars").values()["epochs"] == 2000
    assert training_panel.batch.value() == 32 and not training_panel.full_batch.isChecked()
    assert training_panel.task_combo.currentData() == "classification"
    assert training_panel.form("task").values()["loss"] == "mse"


def test_training_panel_edits_emit_valid_configs(qtbot, training_panel):
    panel = training_panel
    with qtbot.waitSignal(panel.config_changed) as blocker:
        set_field(panel.form("optimizer"), "lr", "0.02")
    assert blocker.args[0].optimizer_params["lr"] == 0.02
    with qtbot.waitSignal(panel.config_changed) as blocker:
        panel.full_batch.setChecked(True)
    assert blocker.args[0].batch_size is None and not panel.batch.isEnabled()
    index = panel.optimizer_combo.findData("sgd")
    with qtbot.waitSignal(panel.config_changed) as blocker:
        panel.optimizer_combo.setCurrentIndex(index)
        panel.optimizer_combo.activated.emit(index)
    config = blocker.args[0]
    assert config.optimizer == "sgd" and config.optimizer_params["lr"] == 0.02  # lr kept
    assert "momentum" in panel.form("optimizer").values()
    with qtbot.waitSignal(panel.config_changed) as blocker:
        panel.early.setChecked(True)
    assert blocker.args[0].early_stopping.monitor == "val_loss"
    index = panel.schedule_combo.findText("step")
    with qtbot.waitSignal(panel.config_changed) as blocker:
        panel.schedule_combo.setCurrentIndex(index)
        panel.schedule_combo.activated.emit(index)
    assert blocker.args[0].schedule == "step"
    set_field(panel.form("scalars"), "l2", "-1")  # out of range: the field turns red only
    assert panel.config.l2 == 0.0


def test_task_choice_follows_the_dataset_target(qtbot, training_panel):
    assert "regression" not in allowed_tasks("class", ["model"])
    assert "gan" not in allowed_tasks("class", ["model"])
    # tasks without data or a network: the optimizer race, the formula demos, Newton's
    # method and the linear classifier's learning curve
    assert set(allowed_tasks(None, [])) == {"surface", "positional_encoding", "beam_search",
                                             "newton", "learning_curve"}
    with qtbot.waitSignal(training_panel.task_changed) as blocker:
        training_panel.set_target("regression")
    assert blocker.args[0] in allowed_tasks("regression", ["model"])
    items = [training_panel.task_combo.itemData(i)
             for i in range(training_panel.task_combo.count())]
    assert "classification" not in items and "regression" in items


def test_run_app_rejects_a_bad_preset_with_one_line(qapp, capsys):
    from ui.app import run_app

    assert run_app(preset="no-such-preset") == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "no-such-preset" in err and "\n" not in err


def test_a_plane_of_points_shows_whole_in_the_room_a_short_panel_leaves(qtbot):
    """At 1366x768 the data panel showed the top of its preview and hid the rest under a
    scroll bar: the preview now takes the room left, drawn to scale and centred."""
    from ui.window.window_layout import VerticalScroll

    panel = DataPanel()
    scroll = VerticalScroll(panel)
    qtbot.addWidget(scroll)
    scroll.resize(300, 420)
    scroll.show()
    qtbot.waitExposed(scroll)
    load(qtbot, panel, {"type": "spiral", "seed": 1, "split": {"test": 0.5}})
    preview = panel.preview
    qtbot.waitUntil(lambda: preview.geometry().bottom() <= scroll.viewport().height())
    plot = preview.plot_widget
    assert 110 <= plot.height() and plot.width() < panel.width() - 30  # narrower: centred
    assert abs(plot.width() - plot.height()) < 0.25 * plot.height()  # a square plane
    panel.shutdown()
