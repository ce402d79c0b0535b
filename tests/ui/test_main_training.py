"""Main window: training through the UI's own buttons, live hyperparameters, failures, closing."""

import gc

import pytest

from tests.ui.main_helpers import (
    TRAIN_TIMEOUT,
    click,
    make_window,
    set_field,
)


def live_value(qtbot, window, fn):
    """``fn(session)`` evaluated where the live model is (the trainer thread)."""
    results = []
    window.run.worker.call_done.connect(lambda token, value, error: results.append((value,
                                                                                      error)))
    window.run.worker.call_on_trainer(fn)
    qtbot.waitUntil(lambda: bool(results), timeout=30_000)
    value, error = results[0]
    assert not error, error
    return value


def test_train_xor_to_accuracy_one_with_the_play_button(qtbot, window):
    status = window.run_status
    assert status.state.text() == "ready"
    with qtbot.waitSignal(window.run.worker.checks_ready, timeout=TRAIN_TIMEOUT * 1000):
        click(qtbot, window, "play")
    trainer = window.run.session.trainer
    assert trainer.state == "finished"
    assert trainer.metrics["train_accuracy"] == 1.0
    qtbot.waitUntil(lambda: status.epoch.text() == "epoch 2000 / 2000", timeout=5000)
    assert status.state.text() == "finished"
    assert "accuracy 1.000" in status.metrics.text()
    assert status.progress.value() == status.progress.maximum()
    assert all(c.passed for c in window.run.checks)
    bar = window.statusBar()
    message = bar.toolTip() or bar.currentMessage()  # the whole line when it was elided
    assert "1/1 expectations hold; 2 more over many seeds" in message
    assert "book:" in message
    results = window.preset_browser.results["launch-xor"]
    assert len(results) == 3 and results[0].startswith("book: binary_accuracy 1.00")
    curves = window.views.views["curves"]
    qtbot.waitUntil(lambda: curves.drawn_step == trainer.step, timeout=5000)
    assert window.run.latest.history["loss"][0][-1] == 2000


def test_pause_step_step_epoch_resume_and_stop(qtbot, window):
    set_field(window.training_panel.form("scalars"), "epochs", "100000")
    set_field(window.training_panel.form("optimizer"), "lr", "0.01")
    worker = window.run.worker
    click(qtbot, window, "play")
    qtbot.waitUntil(lambda: worker.state == "running", timeout=TRAIN_TIMEOUT * 1000)
    qtbot.wait(250)  # a few status frames
    assert window.run_status.state.text() == "running"
    click(qtbot, window, "pause")
    qtbot.waitUntil(lambda: worker.state == "paused", timeout=10_000)
    qtbot.waitUntil(lambda: window.run.latest is not None and
                    window.run.latest.state == "paused", timeout=10_000)
    step = window.run.latest.step
    click(qtbot, window, "step")
    qtbot.waitUntil(lambda: window.run.latest.step == step + 1, timeout=10_000)
    qtbot.wait(300)
    assert window.run.latest.step == step + 1  # one batch, then paused again
    click(qtbot, window, "step_epoch")  # XOR: one batch per epoch
    qtbot.waitUntil(lambda: window.run.latest.step == step + 2, timeout=10_000)
    click(qtbot, window, "play")
    qtbot.waitUntil(lambda: worker.state == "running", timeout=10_000)
    qtbot.waitUntil(lambda: window.run.latest.step > step + 10, timeout=10_000)
    with qtbot.waitSignal(worker.finished, timeout=10_000) as blocker:
        window.actions["stop"].trigger()
    assert blocker.args[0] == "stopped"


def test_learning_rate_change_while_training_applies_at_once(qtbot, window):
    set_field(window.training_panel.form("scalars"), "epochs", "100000")
    worker = window.run.worker
    click(qtbot, window, "play")
    qtbot.waitUntil(lambda: worker.state == "running", timeout=TRAIN_TIMEOUT * 1000)
    set_field(window.training_panel.form("optimizer"), "lr", "0.05")
    assert window.project.training.optimizer_params["lr"] == 0.05  # written to the project
    assert not window.run.stale  # applied live, no rebuild needed
    lr = live_value(qtbot, window, lambda s: s.task.optimizers[0].param_groups[0]["lr"])
    assert lr == 0.05
    assert worker.state == "running"
    set_field(window.training_panel.form("scalars"), "epochs", "120000")
    assert live_value(qtbot, window, lambda s: s.trainer.target_epochs) == 120000
    assert not window.run.stale


def test_space_plays_and_pauses(qtbot, window):
    set_field(window.training_panel.form("scalars"), "epochs", "100000")
    worker = window.run.worker
    window.actions["play_pause"].trigger()
    qtbot.waitUntil(lambda: worker.state == "running", timeout=TRAIN_TIMEOUT * 1000)
    window.actions["play_pause"].trigger()
    qtbot.waitUntil(lambda: worker.state == "paused", timeout=10_000)


@pytest.mark.parametrize("error", [RuntimeError, KeyError])
def test_an_exception_in_training_is_shown_and_the_app_keeps_working(qtbot, window, error):
    def boom(*args):
        raise error("boom in train_step")

    trainer = window.run.session.trainer  # the session waits paused: safe to patch
    stepper = trainer.fused or window.run.session.task
    stepper.train_step = boom  # what steps each batch (the fast path's loop: in bursts)
    if trainer.fused is not None:
        trainer.fused.train_steps = boom
    with qtbot.waitSignal(window.run.worker.failed, timeout=TRAIN_TIMEOUT * 1000) as blocker:
        click(qtbot, window, "play")
    assert "boom in train_step" in blocker.args[0]
    panel_message = window.training_panel.message
    assert panel_message.isVisible() and "boom in train_step" in panel_message.text()
    assert "\n" not in panel_message.text()
    assert window.run_status.state.text() == "failed"
    assert not window.run.worker.is_running() or window.run.worker.state == "failed"
    # The app keeps working: Play builds a fresh session and trains it.
    set_field(window.training_panel.form("scalars"), "epochs", "30")
    with qtbot.waitSignal(window.run.worker.finished, timeout=TRAIN_TIMEOUT * 1000) as blocker:
        click(qtbot, window, "play")
    assert blocker.args[0] == "finished"
    assert window.run.session.trainer.epoch == 30


def test_build_error_is_one_line_in_the_panel(qtbot, window):
    window.editor.scene.delete_items(["prediction"])  # nothing reaches the output any more
    click(qtbot, window, "play")
    qtbot.waitUntil(lambda: bool(window.run.build_error), timeout=TRAIN_TIMEOUT * 1000)
    text = window.training_panel.message.text()
    assert text and "\n" not in text
    assert window.run_status.state.text() == "error"
    window.editor.actions["undo"].trigger()  # put the layer back: Play builds again
    with qtbot.waitSignal(window.run.worker.session_ready, timeout=TRAIN_TIMEOUT * 1000):
        click(qtbot, window, "play")


def test_close_during_training_joins_the_thread(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, "dl4b-6-spirals-deep", wait=False, settle_gc=True)
    qtbot.waitUntil(lambda: window.run.session is not None, timeout=120_000)
    assert gc.get_freeze_count() > 0  # settled after the build: survivors frozen
    assert not gc.isenabled()  # collections run on the GUI thread while a window is open
    set_field(window.training_panel.form("scalars"), "epochs", "100000")
    worker = window.run.worker
    click(qtbot, window, "play")
    qtbot.waitUntil(lambda: worker.state == "running", timeout=TRAIN_TIMEOUT * 1000)
    thread = worker._thread
    qtbot.wait(300)
    window.close()
    assert not window.isVisible()
    assert thread.isFinished()
    assert not worker.is_running() and worker._thread is None
    assert window.run.session.trainer.state == "stopped"
    assert window.data_panel.loader._pool._shutdown
    assert gc.isenabled()
    gc.unfreeze()  # leave the collector as other tests expect it


def test_reset_builds_a_fresh_session_and_keeps_the_old_curves(qtbot, window):
    set_field(window.training_panel.form("scalars"), "epochs", "20")
    with qtbot.waitSignal(window.run.worker.finished, timeout=TRAIN_TIMEOUT * 1000):
        click(qtbot, window, "play")
    first = window.run.session
    qtbot.waitUntil(lambda: window.run.latest is not None and window.run.latest.step == 20,
                    timeout=5000)
    with qtbot.waitSignal(window.run.worker.session_ready, timeout=TRAIN_TIMEOUT * 1000):
        click(qtbot, window, "reset")
    assert window.run.session is not first
    assert window.run.session.trainer.step == 0
    assert [run.name for run in window.views.runs.runs()] == ["run 1"]
