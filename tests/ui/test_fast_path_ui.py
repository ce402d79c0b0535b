"""The fast path in the app: the status bar names the engine, a setting switches it off, and
views draw only when visible, as often as the UI thread's budget allows."""

from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtWidgets import QCheckBox

from playground.run.session import build_session
from tests.helpers import make_project
from tests.ui.main_helpers import close_window, make_window, wait_session
from ui.views import create_view, frames
from ui.window.run_status import RunStatus


@pytest.fixture
def window(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path, "tfp-circle")
    yield w
    close_window(qtbot, w)


def test_the_status_bar_says_which_engine_trains_and_the_setting_switches_it(qtbot, window):
    status = window.run_status
    qtbot.waitUntil(lambda: status.engine.text() == "fast path", timeout=30_000)
    assert "fused" in status.engine.toolTip()
    form = window.training_panel.form("scalars")
    box = form.field("fast_path")
    assert isinstance(box, QCheckBox) and box.isChecked()
    assert not box.isVisibleTo(form)  # an advanced option: behind the form's toggle
    box.setChecked(False)
    assert window.project.training.fast_path is False
    window.run.reset()
    wait_session(qtbot, window)
    qtbot.waitUntil(lambda: status.engine.text() == "autograd", timeout=30_000)
    assert "switched off" in status.engine.toolTip()


def test_the_engine_label_explains_autograd(qtbot):
    status = RunStatus()
    qtbot.addWidget(status)
    session = build_session(make_project(task={"type": "classification",
                                               "params": {"loss": "hinge"}}), device="cpu")
    status.show_snapshot(session.trainer.make_snapshot(), 10)
    assert status.engine.text() == "autograd"
    assert "hinge loss" in status.engine.toolTip()
    status.reset()
    assert status.engine.text() == ""


class FakeClocks:
    """time.monotonic, time.thread_time (the UI thread) and time.process_time, by hand."""

    def __init__(self):
        self.wall = self.ui = self.process = 0.0

    def advance(self, wall: float, ui: float, process: float) -> None:
        self.wall += wall
        self.ui += ui
        self.process += process


def test_the_governor_spaces_frames_to_keep_the_ui_thread_within_its_budget(monkeypatch):
    clocks = FakeClocks()
    monkeypatch.setattr(frames.time, "monotonic", lambda: clocks.wall)
    monkeypatch.setattr(frames.time, "thread_time", lambda: clocks.ui)
    monkeypatch.setattr(frames.time, "process_time", lambda: clocks.process)
    governor = frames.FrameGovernor(budget=0.15, window=0.5)
    assert governor.observe() == frames.FRAME_MS
    clocks.advance(0.5, 0.3, 0.5)  # the UI thread took 60% of the process: 4x the budget
    assert governor.observe() == pytest.approx(4 * frames.FRAME_MS)
    clocks.advance(0.2, 0.2, 0.2)  # within a window: unchanged
    assert governor.observe() == pytest.approx(4 * frames.FRAME_MS)
    clocks.advance(0.3, 0.45, 0.5)  # far over: capped (views still draw twice a second)
    assert governor.observe() == governor.MAX_MS
    for _ in range(20):  # drawing little: back to full rate
        clocks.advance(0.5, 0.005, 0.5)
        governor.observe()
    assert governor.observe() == frames.FRAME_MS
    clocks.advance(0.5, 0.5 * 0.15 * 0.9, 0.5)  # just under the budget: no change
    assert governor.observe() == frames.FRAME_MS
    clocks.advance(30.0, 30.0, 30.0)  # a long pause (only the UI worked): measured afresh
    assert governor.observe() == frames.FRAME_MS


def test_a_hidden_view_waits_and_draws_when_shown(qtbot):
    session = build_session(make_project(), device="cpu")
    view = create_view("curves")
    qtbot.addWidget(view)
    view.set_session(session)
    view.show()
    qtbot.waitExposed(view)
    snap = dataclasses.replace(session.trainer.make_snapshot(), state="running")
    view.hide()
    view.show_snapshot(snap)
    view._tick()
    assert view.frames == 0 and view._pending is snap
    view.show()
    qtbot.waitUntil(lambda: view.frames == 1, timeout=5_000)
    view.hide()
    view.show_snapshot(dataclasses.replace(snap, step=snap.step + 1, state="finished"))
    view._tick()  # the run's last picture is drawn even while hidden
    assert view.frames == 2
