"""The views' cheap-redraw contracts: persistent items, rare range changes, cached axes,
buffers reused, thumbnails redrawn only when changed, throttled draws. Counts, not timings
(timings are in bench/ui_latency.py and bench/views_throughput.py)."""

from __future__ import annotations

import dataclasses
import gc

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QGraphicsItem
from shiboken6 import delete

from tests.core.test_probes_projects import spiral_session, trained, xor_session
from ui.views import create_view
from ui.views.boundary import heat_values
from ui.views.colors import HEATMAP_FADE, class_ramps, lookup_table
from ui.views.curves import CurvesView
from ui.views.neurons import CHANGED
from ui.views.plotting import image_item
from ui.views.ranges import FollowRange, axis_range
from ui.views.runs import RunHistory
from ui.window.run_status import RunStatus
from ui.window.theme import apply_theme

CACHED = QGraphicsItem.CacheMode.DeviceCoordinateCache


@pytest.fixture(scope="module")
def spiral():
    return trained(spiral_session(), 2)


def history(n: int) -> dict:
    """A run's curves after ``n`` epochs."""
    x = np.arange(1, n + 1, dtype=float)
    return {"loss": (x, 1 / x), "train_loss": (x, 1 / x + 0.01), "test_loss": (x, 1.2 / x),
            "train_accuracy": (x, 1 - 1 / x), "test_accuracy": (x, 1 - 1.2 / x)}


def snapshots(base, count: int, start: int = 1, state: str = "running"):
    """Snapshots of a run whose history grows by one epoch each."""
    for i in range(start, start + count):
        yield dataclasses.replace(base, step=base.step + i, history=history(i), state=state)


def curves(qtbot, runs=None) -> CurvesView:
    view = CurvesView(runs=runs)
    qtbot.addWidget(view)
    view.resize(900, 260)
    view.show()
    return view


# -- curves --------------------------------------------------------------------------------

def test_curves_keep_their_items_and_set_each_pen_once(qtbot, spiral, monkeypatch):
    view = curves(qtbot)
    pens = []
    original = pg.PlotDataItem.setPen
    monkeypatch.setattr(pg.PlotDataItem, "setPen",
                        lambda item, *a, **k: (pens.append(item), original(item, *a, **k)))
    frames = list(snapshots(spiral.trainer.make_snapshot(), 60))
    view.show_snapshot(frames[0])
    view.flush()
    items, created, set_once = dict(view.items), view.created, len(pens)
    assert created == 4 and set_once == 4  # loss (batches), test loss; train/test accuracy
    for snap in frames[1:]:
        view.show_snapshot(snap)
        view.flush()
    assert view.items == items and view.created == created and len(pens) == set_once
    x, _ = view.items[(view.loss_plot, None, "loss")].getOriginalDataset()
    assert len(x) == 60  # the data did change: only through setData


def test_curves_ranges_follow_growing_data_but_change_rarely(qtbot, spiral):
    view = curves(qtbot)
    follow = view.ranges[view.loss_plot]
    for snap in snapshots(spiral.trainer.make_snapshot(), 300):
        view.show_snapshot(snap)
        view.flush()
        (x0, x1), (y0, y1) = view.loss_plot.viewRange()
        assert x0 <= 1 and x1 >= snap.history["loss"][0][-1]
        assert y1 >= 1.0 and y0 <= 1.2 / len(snap.history["loss"][0])
    assert view.frames == 300 and follow.changes < 40
    view.log_scale.setChecked(True)  # log10 of the values: refitted once
    (_, _), (y0, y1) = view.loss_plot.viewRange()
    assert y0 <= np.log10(1 / 300) and y1 >= np.log10(1.2)


def test_an_ended_run_is_fitted_without_headroom(qtbot, spiral):
    view = curves(qtbot)
    *_, last = snapshots(spiral.trainer.make_snapshot(), 40)
    view.show_snapshot(last)
    view.flush()
    loose = view.loss_plot.viewRange()[0][1]
    view.show_snapshot(dataclasses.replace(last, step=last.step + 1, state="finished"))
    view.flush()
    tight = view.loss_plot.viewRange()[0][1]
    assert 40 <= tight < loose


def test_follow_range_stops_on_manual_zoom_and_resumes_with_the_a_button(qtbot):
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    follow = FollowRange(widget.getPlotItem())
    assert follow.update((0.0, 10.0), (0.0, 1.0))
    assert not follow.update((0.0, 10.0), (0.0, 1.0))  # nothing new: the range stays
    widget.getPlotItem().getViewBox().sigRangeChangedManually.emit([True, True])
    assert not follow.following and not follow.update((0.0, 100.0), (0.0, 1.0))
    widget.getPlotItem().autoBtn.clicked.emit(widget.getPlotItem().autoBtn)
    assert follow.following and widget.getPlotItem().viewRange()[0][1] >= 100
    assert not any(widget.getPlotItem().getViewBox().autoRangeEnabled())


def test_axis_range_keeps_grows_and_refits():
    first = axis_range(None, 0.0, 10.0)
    assert first[0] < 0 and first[1] > 10
    assert axis_range(first, 1.0, 10.0) is None  # inside and not too loose: keep
    grown = axis_range(first, 0.0, 20.0)
    assert grown[1] > 20 and grown[0] == first[0]
    refit = axis_range((-1000.0, 1000.0), 0.0, 10.0)  # far too loose: refit
    assert refit[1] - refit[0] < 20


def test_curves_axes_title_and_legend_are_cached_and_svg_stays_vector(qtbot, spiral, tmp_path):
    view = curves(qtbot)
    view.show_snapshot(next(snapshots(spiral.trainer.make_snapshot(), 1, start=20)))
    view.flush()
    plot = view.loss_plot
    assert plot.getAxis("left").cacheMode() == CACHED
    assert plot.titleLabel.cacheMode() == CACHED
    legend = view.legends[plot]
    assert legend.cacheMode() == CACHED
    assert all(item.cacheMode() == CACHED for item in legend.childItems())
    path = tmp_path / "curves.svg"
    view.export_svg(path)
    text = path.read_text()
    assert "<text" in text or "<path" in text
    assert plot.getAxis("left").cacheMode() == CACHED  # restored after the export


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_curves_legend_background_follows_the_palette(qtbot, mode):
    app = QApplication.instance()
    apply_theme(app, mode)
    try:
        view = curves(qtbot)
        base = view.palette().color(QPalette.ColorRole.Base)
        brush = view.legends[view.loss_plot].brush().color()
        assert (brush.red(), brush.green(), brush.blue()) == (base.red(), base.green(),
                                                              base.blue())
        assert (brush.lightness() < 100) == (mode == "dark")
    finally:
        apply_theme(app, "light")


def test_curves_view_detaches_from_the_run_store_when_deleted(qtbot):
    runs = RunHistory()
    view = CurvesView(runs=runs)
    assert len(runs.changed) == 1
    delete(view)  # the C++ widget goes: Qt's destroyed signal detaches it
    assert len(runs.changed) == 0
    runs.add_run("after", history(5))  # no call into a deleted widget
    other = CurvesView(runs=runs)
    other.set_run_history(RunHistory())  # switching stores leaves nothing behind
    assert len(runs.changed) == 0
    del other
    gc.collect()


def test_curves_draw_stored_runs_once_and_hide_them(qtbot, spiral, monkeypatch):
    runs = RunHistory()
    runs.add_run("earlier", history(30), label="an earlier run")
    view = curves(qtbot, runs)
    calls = []
    original = pg.PlotDataItem.setData
    monkeypatch.setattr(pg.PlotDataItem, "setData",
                        lambda item, *a, **k: (calls.append(item), original(item, *a, **k)))
    stored = {k: item for k, item in view.items.items() if k[1] == "earlier"}
    assert len(stored) == 4
    for snap in snapshots(spiral.trainer.make_snapshot(), 10):
        view.show_snapshot(snap)
        view.flush()
    assert not set(calls) & set(stored.values())  # the stored curves were set once
    assert "earlier" in view.runs_legend.text()
    runs.set_visible("earlier", False)
    assert not any(k[1] == "earlier" for k in view.items)
    assert "earlier" not in view.runs_legend.text()


# -- boundary ------------------------------------------------------------------------------

def test_boundary_hands_its_values_to_the_image_and_sets_the_points_once(qtbot, spiral,
                                                                          monkeypatch):
    view = create_view("boundary")
    qtbot.addWidget(view)
    view.resize(500, 400)
    view.set_session(spiral)
    view.show()
    sets = []
    original = pg.ScatterPlotItem.setData
    monkeypatch.setattr(pg.ScatterPlotItem, "setData",
                        lambda item, *a, **k: (sets.append(item), original(item, *a, **k)))
    base = spiral.trainer.make_snapshot()
    payload = base.probes["boundary"]
    for k in range(5):
        changed = {**payload, "signed": np.roll(payload["signed"], k, axis=0)}
        view.show_snapshot(dataclasses.replace(base, step=base.step + k + 1,
                                               probes={"boundary": changed}))
        view.flush()
        # No colouring on the UI thread: the probe's values go to the image as they are,
        # pyqtgraph colours them through the lookup table.
        assert np.shares_memory(view.image.image, changed["signed"])
    assert sets == [] and view.point_updates == 1
    assert view.frames == 5
    assert view.image.levels is not None and tuple(view.image.levels) == (-1.0, 1.0)


def rendered(values: np.ndarray, table: np.ndarray, levels: tuple) -> np.ndarray:
    """(H, W, 4) RGBA pixels pyqtgraph makes of ``values`` through ``table`` at ``levels``."""
    item = image_item()
    item.setImage(values, lut=table, levels=levels, autoLevels=False)
    item.render()
    image = item.qimage.convertToFormat(item.qimage.Format.Format_RGBA8888)
    h, w = values.shape
    return np.frombuffer(image.constBits(), np.uint8).reshape(h, image.bytesPerLine() // 4,
                                                              4)[:, :w].copy()


@pytest.mark.parametrize("kind", ["binary", "multiclass"])
@pytest.mark.parametrize("discrete", [False, True])
def test_heat_values_through_the_lookup_table_give_the_class_colours(kind, discrete):
    rng = np.random.default_rng(0)
    if kind == "binary":
        signed = rng.uniform(-1, 1, (30, 40)).astype(np.float32)
        payload = {"kind": "binary", "signed": signed}
        table = lookup_table("signed", False, HEATMAP_FADE)
        s = np.sign(signed) if discrete else signed
        expected = table[np.clip(((s + 1) / 2 * 256).astype(int), 0, 255)]
    else:
        predicted = rng.integers(0, 4, (30, 40))
        confidence = rng.uniform(0, 1, (30, 40)).astype(np.float32)
        payload = {"kind": "multiclass", "predicted": predicted, "confidence": confidence}
        table = class_ramps(4, False, HEATMAP_FADE)
        level = 255 if discrete else (confidence * 255).astype(int)
        expected = table[predicted * 256 + level]
    values, levels, classes = heat_values(payload, discrete)
    got = rendered(values, table, levels).astype(int)
    assert got.shape == expected.shape
    assert np.abs(got - expected.astype(int)).max() <= 3  # one table step at most


def test_boundary_footer_wraps_between_fields_without_relayouts(qtbot, spiral):
    view = create_view("boundary")
    qtbot.addWidget(view)
    view.resize(260, 400)
    view.set_session(spiral)
    view.show()
    status = view.status
    hint = status.sizeHint()
    view.show_snapshot(spiral.trainer.make_snapshot())
    view.flush()
    assert status.sizeHint() == hint and status.height() == hint.height()
    lines = status.shown_lines()
    assert len(lines) == 2 and lines[0].startswith("epoch")
    assert "train\u00a0loss" in status.text() and status.toolTip().startswith("epoch ")
    for line in lines[:-1]:  # wrapped at a field boundary, never inside "train loss"
        assert line.endswith("·")


# -- neurons -------------------------------------------------------------------------------

def test_neurons_redraw_only_thumbnails_that_changed(qtbot):
    session = trained(xor_session(), 3)
    view = create_view("neurons")
    qtbot.addWidget(view)
    view.set_session(session)
    view.show()
    base = session.trainer.make_snapshot()
    maps = base.probes["neurons"]
    view.show_snapshot(base)
    view.flush()
    total = sum(len(m) for m in maps.values())
    assert view.thumb_updates == total
    same = {nid: m.copy() for nid, m in maps.items()}  # new arrays, same pictures
    view.show_snapshot(dataclasses.replace(base, step=base.step + 1, probes={"neurons": same}))
    view.flush()
    assert view.thumb_updates == total
    moved = {nid: m.copy() for nid, m in maps.items()}
    moved["hidden"][2] += 4 * CHANGED
    view.show_snapshot(dataclasses.replace(base, step=base.step + 2,
                                           probes={"neurons": moved}))
    view.flush()
    assert view.thumb_updates == total + 1


def test_slow_views_draw_at_most_every_frame_ms_except_the_last_snapshot(qtbot, spiral):
    view = create_view("neurons")
    qtbot.addWidget(view)
    view.show()
    view.set_session(spiral)
    assert view.frame_ms >= 200
    base = dataclasses.replace(spiral.trainer.make_snapshot(), state="running")
    view.show_snapshot(base)
    view._tick()
    assert view.frames == 1
    view.show_snapshot(dataclasses.replace(base, step=base.step + 1))
    view._tick()  # too soon after the last draw: kept pending
    assert view.frames == 1 and view._pending is not None
    view.show_snapshot(dataclasses.replace(base, step=base.step + 2, state="finished"))
    view._tick()  # the run ended: drawn at once
    assert view.frames == 2 and view.drawn_step == base.step + 2


# -- status bar and the main window's per-snapshot work -------------------------------------

def test_run_status_restyles_its_badge_only_when_the_state_changes(qtbot, spiral):
    status = RunStatus()
    qtbot.addWidget(status)
    before = status.state_changes
    snap = dataclasses.replace(spiral.trainer.make_snapshot(), state="running")
    for _ in range(20):
        status.show_snapshot(snap, 100)
    assert status.state_changes == before + 1
    status.set_state("paused", 5)
    assert status.state_changes == before + 2 and status.state.text() == "paused"


def test_editor_neuron_maps_are_throttled_while_training(qtbot, tmp_path, monkeypatch):
    from tests.ui.main_helpers import close_window, make_window
    from ui.window import run_reports

    window = make_window(qtbot, tmp_path, "launch-xor")
    try:
        run = window.run
        qtbot.waitUntil(lambda: run.latest is not None, timeout=30_000)
        calls = []
        monkeypatch.setattr(window.editor, "set_neuron_maps", lambda maps: calls.append(maps))
        monkeypatch.setattr(run_reports, "MAPS_SECONDS", 3600.0)
        base = dataclasses.replace(run.latest, state="running")
        run._maps_time = float("-inf")  # as after a Reset: the first maps are due at once
        for k in range(10):
            maps = {nid: m.copy() for nid, m in base.probes["neurons"].items()}
            run.latest = dataclasses.replace(base, step=base.step + k + 1,
                                             probes={**base.probes, "neurons": maps})
            run._frame()
        assert len(calls) == 1  # one refresh, then none within MAPS_SECONDS
        run.latest = dataclasses.replace(base, step=base.step + 20, state="paused")
        run._frame()
        assert len(calls) == 2  # a paused run shows its newest maps at once
    finally:
        close_window(qtbot, window)
