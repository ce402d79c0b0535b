"""The live model is touched on the session's worker thread only, never on the UI thread.

Probes record the thread they run on while a real main window is driven: a
view whose options change while the run is paused and after it has finished,
a view opened later, an export. Every probe must have run, and none on the UI
thread; a probe started on the UI thread of an open window raises.
"""

from __future__ import annotations

import threading

import pytest

from playground.project.presets import load_preset
from playground.run.session import build_session
from playground.training.model_thread import allow_model_access, forbid_model_access
from playground.training.trainer import Trainer
from tests.ui.main_helpers import TRAIN_TIMEOUT, click, close_window, make_window


@pytest.fixture
def probe_threads(monkeypatch):
    """The threads every snapshot (and so every probe) was computed on."""
    threads: list[threading.Thread] = []
    original = Trainer.make_snapshot

    def recording(trainer):
        threads.append(threading.current_thread())
        return original(trainer)

    monkeypatch.setattr(Trainer, "make_snapshot", recording)
    return threads


def _latent_payloads(window) -> list:
    view = window.views.views["latent"]
    return [] if view._last is None else [view._last]


def test_views_exports_and_refreshes_compute_on_the_worker_thread(qtbot, tmp_path,
                                                                   probe_threads):
    project = load_preset("dl4b-7-ae-latent")
    project.training = project.training.with_(epochs=2)
    window = make_window(qtbot, tmp_path, project=project)
    try:
        qtbot.waitUntil(lambda: window.views.ready, timeout=10_000)
        latent = window.views.views["latent"]
        qtbot.waitUntil(lambda: latent._last is not None, timeout=TRAIN_TIMEOUT * 1000)
        # Paused at step 0: another projection is computed by the worker, not here.
        before = latent._last
        latent.method.setCurrentIndex(1)
        latent.method.activated.emit(1)
        qtbot.waitUntil(lambda: latent._last is not before, timeout=TRAIN_TIMEOUT * 1000)
        # Train to the end, then change it again: the finished run's thread still serves.
        with qtbot.waitSignal(window.run.worker.run_result, timeout=TRAIN_TIMEOUT * 1000):
            click(qtbot, window, "play")
        assert window.run.worker.is_running() and not window.run.worker.is_training()
        before = latent._last
        latent.method.setCurrentIndex(0)
        latent.method.activated.emit(0)
        qtbot.waitUntil(lambda: latent._last is not before, timeout=TRAIN_TIMEOUT * 1000)
        # A view opened after the run gets its data from the worker too.
        window.toggle_view("weights", True)
        weights = window.views.views["weights"]
        qtbot.waitUntil(lambda: weights._last is not None, timeout=TRAIN_TIMEOUT * 1000)
        # An export runs in order behind them, on the same thread.
        from playground.export import export

        results = []
        window.run.worker.call_done.connect(lambda token, value, error: results.append(error))
        window.run.worker.call_on_trainer(
            lambda s: (threading.current_thread(), export(s, "python", tmp_path / "m.py")))
        qtbot.waitUntil(lambda: bool(results), timeout=TRAIN_TIMEOUT * 1000)
        assert results == [""] and (tmp_path / "m.py").is_file()
    finally:
        close_window(qtbot, window)
    assert len(probe_threads) >= 4
    assert threading.main_thread() not in probe_threads


def test_a_probe_on_the_ui_thread_of_an_open_window_raises():
    session = build_session(load_preset("launch-xor"))
    forbid_model_access()
    try:
        with pytest.raises(RuntimeError, match="running probes on the UI thread"):
            session.trainer.make_snapshot()
        done = []
        worker = threading.Thread(target=lambda: done.append(session.trainer.make_snapshot()))
        worker.start()
        worker.join()
        assert done and done[0].step == 0  # any other thread may
    finally:
        allow_model_access()
    session.trainer.make_snapshot()  # lifted: the CLI and headless code run anywhere


def test_a_call_made_as_the_run_ends_is_not_lost(qtbot, tmp_path, monkeypatch):
    """A call posted to the trainer after its last step, before the worker knows the loop
    ended, still runs (on the executor, in order)."""
    ended, proceed = threading.Event(), threading.Event()
    original = Trainer.run

    def run(trainer, *args, **kwargs):
        state = original(trainer, *args, **kwargs)
        ended.set()
        proceed.wait(60)  # the window in which the worker still thinks the loop runs
        return state

    monkeypatch.setattr(Trainer, "run", run)
    project = load_preset("launch-xor")
    project.training = project.training.with_(epochs=5)
    window = make_window(qtbot, tmp_path, project=project)
    try:
        click(qtbot, window, "play")
        qtbot.waitUntil(ended.is_set, timeout=TRAIN_TIMEOUT * 1000)
        worker = window.run.worker
        assert worker.is_training()
        results = []
        worker.call_done.connect(lambda token, value, error: results.append((value, error)))
        worker.call_on_trainer(lambda s: s.trainer.step)
        proceed.set()
        qtbot.waitUntil(lambda: bool(results), timeout=TRAIN_TIMEOUT * 1000)
        assert results == [(5, "")]
    finally:
        proceed.set()
        close_window(qtbot, window)
