"""Each view renders real data offscreen, exports PNG and SVG, draws only the newest snapshot."""

from __future__ import annotations

import dataclasses
import json
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage

from playground.probes import VIEW_PROBES
from tests.core.test_probes_projects import (
    PRESETS,
    autoencoder_session,
    circle_session,
    digits_cnn_session,
    iris_session,
    line_session,
    reg2d_session,
    session_of,
    spiral_session,
    surface_session,
    trained,
    xor_session,
)
from ui.views import VIEWS, CurvesView, create_view


def pixels(view) -> np.ndarray:
    """The view as an (H, W, 4) uint8 array."""
    image = view.grab().toImage().convertToFormat(QImage.Format.Format_RGBA8888)
    ptr = image.constBits()
    return np.frombuffer(ptr, np.uint8).reshape(image.height(), image.width(), 4).copy()


def shown(qtbot, view_id, session, epochs=None, size=(520, 400)):
    """A view on ``session`` (trained ``epochs``), fed one snapshot and drawn."""
    view = create_view(view_id)
    qtbot.addWidget(view)
    view.resize(*size)
    view.set_session(session)
    # What the main window's worker does for it: a snapshot with the view's new options.
    view.refresh_requested.connect(lambda: view.show_snapshot(session.trainer.make_snapshot()))
    if epochs:
        session.trainer.run(epochs)
    view.show()
    view.show_snapshot(session.trainer.make_snapshot())
    view.flush()
    assert view.message is None, view.message
    return view


def assert_not_blank(view, min_std=20.0):
    rgb = pixels(view)[..., :3].astype(float)
    assert rgb.std() > min_std


@pytest.fixture(scope="module")
def spiral():
    return trained(spiral_session(), 3)


@pytest.fixture(scope="module")
def cnn():
    return trained(digits_cnn_session(), 1)


def test_registry_covers_every_view():
    assert set(VIEWS) == set(VIEW_PROBES)
    assert VIEWS["loss"] is CurvesView
    for view_id, cls in VIEWS.items():
        assert cls.title and (cls.view_id == view_id or view_id == "loss")
    with pytest.raises(KeyError, match="known: boundary"):
        create_view("nope")


def test_boundary_shows_the_heatmap_and_every_point(qtbot, spiral):
    view = shown(qtbot, "boundary", spiral)
    assert_not_blank(view)
    ds = spiral.dataset
    assert len(view.train_points.data) == len(ds.train)
    assert len(view.test_points.data) == len(ds.test) and not view.test_points.isVisible()
    view.show_test.setChecked(True)
    assert view.test_points.isVisible()
    assert view.last_image.shape == (100, 100)  # TF Playground's grid, through a lookup table
    view.discretize.setChecked(True)  # two colours only
    assert len(np.unique(view.last_image)) <= 2


def test_boundary_without_2d_inputs_says_why(qtbot, cnn):
    view = create_view("boundary")
    qtbot.addWidget(view)
    view.set_session(cnn)
    assert "2-D" in view.message


def test_neurons_thumbnails_per_unit_and_hover_enlarges(qtbot):
    session = xor_session()
    view = shown(qtbot, "neurons", session, epochs=5)
    assert {nid: len(t) for nid, t in view.thumbs.items()} == {"x": 2, "hidden": 6,
                                                               "prediction": 1}
    view.enlarge("hidden", 3)
    assert view.caption.text() == "hidden, unit 3"
    np.testing.assert_array_equal(view.large_image.image, view.maps["hidden"][3])
    assert_not_blank(view, 10)


@pytest.mark.parametrize("view_id, build, check", [
    ("weights", "spiral", lambda v: len(v.plots) == 4),
    ("filters", "cnn", lambda v: list(v.panels) == ["l1", "l3"]),
    ("feature_maps", "cnn", lambda v: list(v.panels) == ["input", "l1", "l2", "l3"]),
    ("confusion", "iris", lambda v: v.table.rowCount() == 3),
    ("roc", "spiral", lambda v: len(v.curve.getData()[0]) > 2),
    ("fit", "line", lambda v: v.mode == "fit"),
])
def test_views_render_real_data(qtbot, spiral, cnn, view_id, build, check):
    sessions = {"spiral": lambda: spiral, "cnn": lambda: cnn, "iris": iris_session,
                "line": line_session}
    view = shown(qtbot, view_id, sessions[build]())
    assert check(view)
    assert_not_blank(view, 8)


def test_latent_scatter_has_one_point_per_validation_sample(qtbot):
    session = autoencoder_session()
    view = shown(qtbot, "latent", session)
    assert len(view.scatter.data) == len(session.dataset.val)
    assert not view.method.isEnabled()  # a 2-unit code is shown directly
    view.node.setCurrentIndex(0)  # l1: 32 units, PCA
    view._changed()
    view.flush()
    assert view._last["method"] == "pca" and view.method.isEnabled()
    assert_not_blank(view)


def test_samples_rows_for_a_denoising_autoencoder(qtbot):
    view = shown(qtbot, "samples", autoencoder_session(noise="gaussian"))
    assert list(view.rows) == ["input", "noisy", "output"]
    assert_not_blank(view)
    # Every panel lies wholly on the canvas (the grid's margins and spacing counted: the
    # last row was cut by some 20 px).
    canvas = view.grid.canvas
    for plot, _ in view.rows.values():
        box = plot.getViewBox().sceneBoundingRect()
        assert box.bottom() <= canvas.height() and box.right() <= canvas.width(), (
            box, canvas.size())


def test_roc_threshold_slider_counts(qtbot, spiral):
    view = shown(qtbot, "roc", spiral)
    n = len(spiral.dataset.test)
    view.set_threshold(0.0)  # everything predicted positive
    assert "FN <b>0</b>" in view.counts.text() and "TN <b>0</b>" in view.counts.text()
    view.set_threshold(1.0)
    positives = int(spiral.dataset.test.y.sum())
    assert f"FN <b>{positives}</b>" in view.counts.text()
    assert f"TN <b>{n - positives}</b>" in view.counts.text()


def test_fit_predicted_vs_actual_for_2d_regression(qtbot):
    session = reg2d_session()
    view = shown(qtbot, "fit", session)
    assert view.mode == "scatter" and len(view.points.data) == len(session.dataset.val)


def test_paths_draw_every_racer_click_sets_start_and_badges(qtbot):
    session = surface_session(30)
    view = shown(qtbot, "paths", session, epochs=30, size=(700, 480))
    assert set(view.paths) == set(session.task.racers)
    assert view.diverged_badges == [] and len(view.isocurves) > 5
    assert_not_blank(view)
    widget = view.map_widget
    with qtbot.waitSignal(view.start_point_chosen) as blocker:
        qtbot.mouseClick(widget.viewport(), Qt.MouseButton.LeftButton,
                         pos=QPoint(widget.width() // 2, widget.height() // 2))
    (x0, x1), (y0, y1) = view.map.viewRange()
    assert x0 < blocker.args[0] < x1 and y0 < blocker.args[1] < y1


def test_paths_badge_for_a_diverged_racer(qtbot):
    sgd = {"lr": 0.1, "momentum": 0.0, "dampening": 0.0, "nesterov": False,
           "weight_decay": 0.0}
    raw = {"format_version": 1, "graphs": {},
           "task": {"type": "surface", "params": {
               "surface": "beale", "start": [1.2, 2.0],
               "racers": [{"name": "gd", "label": "GD", "optimizer": {"type": "sgd",
                                                                      "params": sgd}}]}},
           "training": {"optimizer": {"type": "sgd", "params": sgd}, "epochs": 5,
                        "device": "cpu"}}
    view = shown(qtbot, "paths", session_of(raw), epochs=5)
    assert len(view.diverged_badges) == 1 and "GD diverged at iteration" in \
        view.diverged_badges[0]


def test_landscape_computes_off_the_ui_thread(qtbot, spiral):
    view = shown(qtbot, "landscape", spiral)
    view.resolution.setValue(7)
    view.compute()
    qtbot.waitUntil(lambda: view.result is not None and view.worker is None, timeout=20000)
    assert view.result["loss"].shape == (7, 7)
    assert view.result["center_loss"] == pytest.approx(spiral.task.evaluate()["train_loss"],
                                                       rel=1e-5)
    assert view.progress.value() == 7 and view.compute_button.isEnabled()
    assert_not_blank(view)


def test_curves_overlay_earlier_runs(qtbot, spiral):
    view = shown(qtbot, "loss", spiral)
    names = {key[2] for key in view.items if key[1] is None}
    assert {"loss", "test_loss", "train_accuracy", "test_accuracy"} <= names
    view.runs.add_run("earlier", spiral.trainer.history.arrays())
    view.runs.add_run("other", spiral.trainer.history.arrays(), color=(1, 2, 3))
    assert {key[1] for key in view.items} == {None, "earlier", "other"}
    view.runs.remove("earlier")
    assert {key[1] for key in view.items} == {None, "other"}
    view.log_scale.setChecked(True)
    assert view.loss_plot.getAxis("left").logMode
    assert_not_blank(view)


# -- export and stale snapshots --------------------------------------------------------------

@pytest.mark.parametrize("view_id", ["boundary", "neurons", "weights", "loss"])
def test_png_and_svg_exports_are_valid_files(qtbot, spiral, tmp_path, view_id):
    view = shown(qtbot, view_id, spiral)
    png, svg = tmp_path / "v.png", tmp_path / "v.svg"
    view.export_png(png)
    view.export_svg(svg)
    image = QImage(str(png))
    assert not image.isNull() and image.width() == view.width()
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    drawn = [el for el in root.iter() if el.tag.split("}")[-1] in ("path", "image", "text")]
    assert len(drawn) > 10
    assert svg.stat().st_size < 5_000_000


def test_only_the_newest_snapshot_is_drawn(qtbot, spiral):
    view = shown(qtbot, "boundary", spiral)
    base = spiral.trainer.make_snapshot()
    frames = view.frames
    s1, s2, s3 = (dataclasses.replace(base, step=base.step + k) for k in (1, 2, 3))
    view.show_snapshot(s2)
    view.show_snapshot(s1)  # older than the pending one: dropped
    view.flush()
    assert view.drawn_step == s2.step and view.frames == frames + 1
    view.show_snapshot(s3)
    view.show_snapshot(dataclasses.replace(base, step=base.step + 4))
    view.flush()
    view.flush()  # nothing pending: no draw
    assert view.drawn_step == base.step + 4 and view.frames == frames + 2
    qtbot.waitUntil(lambda: True)
    view.show_snapshot(s1)
    qtbot.waitUntil(lambda: view.frames == frames + 3, timeout=1000)  # the ~30 Hz timer draws


def test_forecast_view_explains_when_it_does_not_apply(qtbot):
    view = create_view("forecast")
    qtbot.addWidget(view)
    view.set_session(circle_session())
    assert "time-series" in view.message


def test_curves_hide_the_metric_plot_when_there_is_no_metric(qtbot, spiral):
    race = shown(qtbot, "loss", trained(surface_session(), 5))
    assert not race.metric_widget.isVisibleTo(race) and not race.metric_box.isVisibleTo(race)
    assert race.loss_widget.isVisibleTo(race)
    clf = shown(qtbot, "loss", spiral)
    assert clf.metric_widget.isVisibleTo(clf) and clf.metric_box.count() >= 1


def test_small_weight_matrices_show_their_values(qtbot):
    session = xor_session()
    view = shown(qtbot, "weights", session)
    hidden = session.task.model.get_submodule("hidden")[0]
    texts = [label.textItem.toPlainText() for label in view.labels["hidden"]]
    # 6 units x (2 inputs + the gap + bias), row by row; the gap column is blank.
    assert len(texts) == 6 * 4 and texts[2] == "" and texts[0] == f"{hidden.weight[0, 0]:.2g}"
    assert texts[3] == f"{hidden.bias[0]:.2g}"


def test_curves_before_the_first_point_then_after(qtbot):
    session = xor_session()
    view = shown(qtbot, "loss", session)  # nothing trained: no metric, no legend box
    assert not view.metric_widget.isVisibleTo(view)
    assert not any(legend.isVisible() for legend in view.legends.values())
    session.trainer.run(5)
    view.show_snapshot(session.trainer.make_snapshot())
    view.flush()
    assert view.metric_widget.isVisibleTo(view) and view.legends[view.loss_plot].isVisible()
    # The metric plot comes back at its full half of the width.
    assert abs(view.loss_widget.width() - view.metric_widget.width()) <= 2


def test_curves_of_a_one_epoch_run_say_why_instead_of_a_lone_dot(qtbot):
    # A formula, an evaluation or a search is one epoch: one value per series, no curve.
    raw = json.loads((PRESETS / "dlpi-6-positional-encoding.json").read_text())
    session = session_of(raw)
    view = shown(qtbot, "loss", session)
    session.trainer.run(1)
    view.show_snapshot(session.trainer.make_snapshot())
    view.flush()
    assert len(view.history["loss"][0]) == 1
    assert view.pages.currentWidget() is view.note and not view.plots.isVisibleTo(view)
    assert view.note.text().startswith("Nothing to plot as a curve: Positional encoding")
    assert view.note.isVisibleTo(view)


def test_curves_say_nothing_to_plot_yet_until_two_epochs_are_done(qtbot):
    session = xor_session()
    view = shown(qtbot, "loss", session)
    view.show_snapshot(session.trainer.make_snapshot())
    view.flush()
    assert "Press Play (Space) to train" in view.note.text()  # before the first epoch
    for epochs, plotted in ((1, False), (2, True)):
        session.trainer.run(epochs)
        view.show_snapshot(session.trainer.make_snapshot())
        view.flush()
        assert view.plots.isVisibleTo(view) == plotted
        assert view.note.isVisibleTo(view) != plotted
        if not plotted:
            assert view.note.text().startswith("Nothing to plot yet")
            assert "Press Play" not in view.note.text()  # it is training
    assert view.metric_widget.isVisibleTo(view)  # it was hidden with its page, not by hand
    # An earlier run with a curve is drawn beside the current run's first point.
    fresh = xor_session()
    other = shown(qtbot, "loss", fresh)
    other.runs.add_run("earlier", session.trainer.history.arrays())
    fresh.trainer.run(1)
    other.show_snapshot(fresh.trainer.make_snapshot())
    other.flush()
    assert other.plots.isVisibleTo(other)
