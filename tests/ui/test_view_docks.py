"""Per-task dock layouts: the main view gets the space, shares hold through resizes, Reset
layout restores them, views say "Loading…" while a preset loads, and at 1366 x 768 no text
of any view in a preset's default layout is cut."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from playground.project.presets import load_preset
from tests.ui.clipping import clipped_texts
from tests.ui.main_helpers import (
    BUILD_TIMEOUT,
    TRAIN_TIMEOUT,
    FakeDialogs,
    close_window,
    make_files,
    wait_session,
)
from ui.views.base import LOADING
from ui.window.dock_layout import MAIN_VIEWS, column_order, main_view
from ui.window.main_window import MainWindow


def open_window(qtbot, tmp_path, preset: str, size=(1900, 1000), build: bool = False):
    """A shown main window on ``preset`` at ``size`` (no session unless ``build``)."""
    window = MainWindow(load_preset(preset), files=make_files(tmp_path), dialogs=FakeDialogs(),
                        autosave=False)
    window.run.auto_prepare = build
    window.gc_guard.settle_enabled = False
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.views.ready and bool(window.views.views), timeout=30_000)
    settle(qtbot)
    return window


def settle(qtbot, ms: int = 250) -> None:
    """Let the deferred sizing run (the window sizes its docks a moment after a change).

    On a loaded machine the deferred steps (default sizes 80 ms after loading, then the
    docks' own timers) can take longer than ``ms``: wait until no sizing timer is pending
    and three looks 100 ms apart find every dock where it was.
    """
    qtbot.wait(ms)
    QApplication.processEvents()
    windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
    arrangements = [w.views.arrangement for w in windows if w.isVisible()]

    def looks() -> list:
        return [(d.geometry().getRect(), d.isVisible()) for a in arrangements
                for d in a.docks.values()]

    def pending() -> bool:
        return any(t.isActive() for a in arrangements
                   for t in (a._sizing, a._heights, a._settled))

    stable = 0
    for _ in range(50):  # a hang guard, not a time limit: a settled layout ends at once
        before = looks()
        qtbot.wait(100)
        stable = stable + 1 if not pending() and looks() == before else 0
        if stable == 2:
            break


def column_share(window) -> float:
    return window.views.arrangement.column_docks()[0].width() / window.width()


def expected_column(window, share: float) -> float:
    """``share`` of the width, as far as the graph's least width lets the column take it
    (and no narrower than its top view can be)."""
    width = share * window.width()
    widest = window.views.arrangement.widest_column
    if window.centralWidget().isVisible() and widest is not None:
        width = min(width, widest())
    top = window.views.arrangement.column_docks()[0]
    return max(width, top.minimumSizeHint().width()) / window.width()


def main_share(window) -> float:
    column = window.views.arrangement.column_docks()
    return column[0].height() / sum(d.height() for d in column)


def test_the_main_view_is_the_tasks_point_and_heads_the_column():
    assert main_view(["neurons", "weights", "stepthrough", "curves"]) == "stepthrough"
    assert main_view(["filters", "feature_maps", "confusion", "curves"]) == "filters"
    assert main_view(["latent", "samples", "curves"]) == "latent"
    assert main_view(["histogram", "curves"]) == "histogram"
    assert main_view(["paths", "curves"]) == "paths"
    assert main_view(["attention_new_view", "curves"]) == "attention_new_view"  # unlisted
    assert column_order(["neurons", "weights", "stepthrough", "curves"]) == \
        ["stepthrough", "neurons", "weights"]


@pytest.mark.parametrize("preset, main", [
    ("dlpi-1-bp-step", "stepthrough"), ("dl4b-12-cnn-filters", "filters"),
    ("dl4b-9-vae-digits", "latent"), ("dlpi-8-gan-1d", "histogram"),
    ("dlpi-2-beale", "paths"), ("tfp-spiral", "boundary")])
def test_each_task_gives_its_main_view_the_space(qtbot, tmp_path, preset, main):
    window = open_window(qtbot, tmp_path, preset)
    try:
        plan = MAIN_VIEWS[main]
        column = window.views.arrangement.column_docks()
        assert column[0] is window.views.docks[main]
        if len(column) > 1:
            want = plan.main
            if plan.square:  # a square plane: as tall as the column is wide, plus controls
                total = sum(d.height() for d in column)
                want = min(want, (column[0].width() + plan.square) / total)
            assert main_share(window) == pytest.approx(want, abs=0.04)
        if window.central.isVisible():
            assert column_share(window) == pytest.approx(expected_column(window, plan.column),
                                                             abs=0.03)
        else:  # no editor: the views take the window's width
            assert column[0].width() > 0.6 * window.width()
    finally:
        close_window(qtbot, window)


@pytest.mark.parametrize("size", [(1366, 740), (1900, 1000)])
def test_a_series_view_is_wide_beside_the_curves_under_the_editor(qtbot, tmp_path, size):
    """A forecast in the right column was 290 px wide at 1366x768: 340 months in 200 px."""
    window = open_window(qtbot, tmp_path, "ldl-9-rnn-forecast", size=size)
    try:
        forecast, curves = window.views.docks["forecast"], window.views.docks["curves"]
        bottom = Qt.DockWidgetArea.BottomDockWidgetArea
        assert window.dockWidgetArea(forecast) == bottom == window.dockWidgetArea(curves)
        assert forecast.geometry().left() >= curves.geometry().right()  # beside, right
        assert forecast.width() > 1.5 * forecast.height()
        plan = MAIN_VIEWS["forecast"]
        row = forecast.width() + curves.width()
        assert forecast.width() / row == pytest.approx(plan.below, abs=0.04)
        assert forecast.height() / window.height() == pytest.approx(plan.curves, abs=0.04)
        assert window.views.arrangement.column_docks() == []
        assert window.editor.width() > 0.5 * window.width()
    finally:
        close_window(qtbot, window)


def test_shares_hold_through_resizes_and_a_drag_sets_new_ones(qtbot, tmp_path):
    window = open_window(qtbot, tmp_path, "tfp-spiral")
    try:
        column, curves = column_share(window), window.views.docks["curves"].height()
        curves /= window.height()
        window.resize(1300, 760)
        settle(qtbot)
        window.resize(1900, 1000)  # maximised again: the views get their share back
        settle(qtbot)
        assert column_share(window) == pytest.approx(column, abs=0.015)
        assert window.views.docks["curves"].height() / window.height() == \
            pytest.approx(curves, abs=0.015)
        # The user drags the column wider (the mouse is let go on the window's separator).
        top = window.views.arrangement.column_docks()[0]
        window.resizeDocks([top], [700], Qt.Orientation.Horizontal)
        settle(qtbot)
        release = QMouseEvent(QEvent.Type.MouseButtonRelease, QPointF(5, 5), QPointF(5, 5),
                              Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton,
                              Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(window, release)
        dragged = column_share(window)
        assert window.views.arrangement.shares.column == pytest.approx(dragged, abs=0.005)
        window.resize(1700, 1000)
        settle(qtbot)
        assert column_share(window) == pytest.approx(expected_column(window, dragged),
                                                     abs=0.015)
    finally:
        close_window(qtbot, window)


def test_reset_layout_puts_every_view_back(qtbot, tmp_path):
    window = open_window(qtbot, tmp_path, "dlpi-1-bp-step")
    try:
        docks = window.views.docks
        docks["stepthrough"].setFloating(True)
        docks["neurons"].hide()
        window.tabifyDockWidget(docks["weights"], docks["curves"])
        window.resizeDocks([docks["weights"]], [200], Qt.Orientation.Horizontal)
        settle(qtbot)
        window.views.reset_layout()
        settle(qtbot, 400)
        assert not docks["stepthrough"].isFloating()
        assert all(not d.isHidden() for d in docks.values())
        assert window.dockWidgetArea(docks["curves"]) == Qt.DockWidgetArea.BottomDockWidgetArea
        column = window.views.arrangement.column_docks()
        assert column[0] is docks["stepthrough"]
        assert main_share(window) == pytest.approx(MAIN_VIEWS["stepthrough"].main, abs=0.04)
        assert column_share(window) == pytest.approx(
            expected_column(window, MAIN_VIEWS["stepthrough"].column), abs=0.03)
    finally:
        close_window(qtbot, window)


def test_views_say_loading_while_a_preset_loads_never_that_it_does_not_suit_them(
        qtbot, tmp_path, monkeypatch):
    window = open_window(qtbot, tmp_path, "launch-xor", build=True)
    try:
        wait_session(qtbot, window)
        from ui.views import base

        said: list[tuple[str, str | None]] = []
        original = base.View.set_message
        monkeypatch.setattr(base.View, "set_message", lambda view, text: (
            said.append((view.view_id, text)), original(view, text)))
        for preset in ("dlpi-2-beale", "dl4b-9-vae-digits"):
            window.set_project(load_preset(preset))
            qtbot.waitUntil(lambda: window.views.ready and bool(window.views.views),
                            timeout=30_000)
            qtbot.waitUntil(lambda p=preset: window.run.session is not None
                            and window.run.session.project.id == p,
                            timeout=BUILD_TIMEOUT * 1000)
            qtbot.waitUntil(lambda: all(v.message is None or "Waiting" in v.message
                                        for v in window.views.views.values()), timeout=30_000)
        texts = [text for _, text in said if text]
        assert LOADING in texts
        assert not [t for t in texts if "need" in t], texts
    finally:
        close_window(qtbot, window)


PRESETS = ["tfp-spiral", "dl4b-12-cnn-filters", "dl4b-9-vae-digits", "dlpi-8-gan-1d",
           "dl4b-14-gan-digits", "dlpi-2-beale", "dlpi-1-bp-step", "dlpi-5-lstm-airline",
           "ad3501-metrics"]


@pytest.mark.slow
@pytest.mark.parametrize("preset", PRESETS)
def test_no_text_is_cut_at_1366_by_768_in_the_default_layout(qtbot, tmp_path, preset):
    window = open_window(qtbot, tmp_path, preset, size=(1366, 768), build=True)
    try:
        wait_session(qtbot, window)
        window.run.step("epoch")
        qtbot.waitUntil(lambda: window.run.latest is not None and window.run.latest.epoch >= 1,
                        timeout=TRAIN_TIMEOUT * 1000)
        window.views.flush()
        settle(qtbot, 400)
        window.views.flush()
        settle(qtbot)
        problems = {}
        for vid, view in window.views.views.items():
            dock = window.views.docks[vid]
            # A tab that is not on top keeps a stale geometry outside the window: bring it
            # to the top (as a user would) and look at it there.
            if not window.rect().intersects(dock.geometry()):
                dock.raise_()
                settle(qtbot)
                window.views.flush()
                settle(qtbot)
            cut = clipped_texts(view)
            if cut:
                problems[vid] = cut
        assert problems == {}
    finally:
        close_window(qtbot, window)
