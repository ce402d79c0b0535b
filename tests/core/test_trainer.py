"""Trainer: repeatable runs, control from another thread, divergence, early stopping."""

import threading
import time

import pytest

from playground.run.orchestrator import run_session
from playground.run.session import build_session
from tests.helpers import make_project


def test_same_seed_same_run_and_other_seed_differs():
    results = [run_session(build_session(make_project(), seed=s)).metrics for s in (3, 3, 4)]
    assert results[0]["train_loss"] == results[1]["train_loss"]
    assert results[0]["train_loss"] != results[2]["train_loss"]


def test_xor_trains_to_full_accuracy():
    result = run_session(build_session(make_project()))
    assert result.state == "finished"
    assert result.metrics["train_accuracy"] == 1.0
    assert result.metrics["epochs"] == 200


def test_history_has_one_loss_point_per_epoch_and_snapshots_arrive():
    session = build_session(make_project(training={"epochs": 50}))
    snaps = []
    session.trainer.events.snapshot.connect(snaps.append)
    run_session(session)
    xs, ys = session.trainer.history.arrays()["loss"]
    assert list(xs) == list(range(1, 51))
    assert ys[-1] < ys[0]
    assert snaps and snaps[-1].state == "finished" and snaps[-1].epoch == 50
    assert "train_accuracy" in snaps[-1].history


def test_minibatch_epochs_count_steps():
    project = make_project(data={"type": "circle", "params": {"n_samples": 100}},
                           training={"batch_size": 10, "epochs": 3})
    session = build_session(project)
    assert session.task.steps_per_epoch() == 10
    run_session(session)
    assert session.trainer.step == 30 and session.trainer.epoch == 3


def test_step_batch_and_step_epoch():
    project = make_project(data={"type": "circle", "params": {"n_samples": 100}},
                           training={"batch_size": 25})
    trainer = build_session(project).trainer
    trainer.step_batch()
    assert (trainer.step, trainer.epoch) == (1, 0)
    trainer.step_epoch()
    assert (trainer.step, trainer.epoch) == (4, 1)
    trainer.step_epoch()
    assert (trainer.step, trainer.epoch) == (8, 2)


def test_pause_resume_stop_from_another_thread():
    session = build_session(make_project(training={"epochs": 10**6}))
    trainer = session.trainer
    worker = threading.Thread(target=trainer.run)
    worker.start()
    try:
        _wait(lambda: trainer.step > 10)
        trainer.pause()
        _wait(lambda: trainer.state == "paused")
        paused_at = trainer.step
        time.sleep(0.2)
        assert trainer.step == paused_at
        trainer.request_step("batch")
        _wait(lambda: trainer.step == paused_at + 1)
        trainer.resume()
        _wait(lambda: trainer.step > paused_at + 20)
    finally:
        trainer.stop()
        worker.join(5)
    assert not worker.is_alive()
    assert trainer.state == "stopped"


def test_learning_rate_change_applies_at_next_step():
    session = build_session(make_project(training={"epochs": 10**6}))
    trainer = session.trainer
    worker = threading.Thread(target=trainer.run, kwargs={"start_paused": True})
    worker.start()
    try:
        trainer.set_hyper("lr", 0.5)
        trainer.set_hyper("beta1", 0.8)
        trainer.request_step("batch")
        _wait(lambda: trainer.step == 1)
        group = session.task.optimizer.param_groups[0]
        assert group["lr"] == 0.5 and group["betas"] == (0.8, 0.999)
    finally:
        trainer.stop()
        worker.join(5)


def test_divergence_reports_step_and_value():
    project = make_project(data={"type": "diabetes"},
                           graphs={"model": _regression_graph()},
                           task={"type": "regression", "params": {"loss": "mse"}},
                           training={"optimizer": {"type": "sgd", "params": {"lr": 10.0}},
                                     "epochs": 500})
    session = build_session(project)
    seen = []
    session.trainer.events.diverged.connect(lambda step, value: seen.append((step, value)))
    result = run_session(session)
    assert result.state == "diverged"
    assert seen and seen[0][0] >= 1
    assert f"at step {seen[0][0]}" in result.reason
    assert not result.passed


def test_early_stopping_restores_the_best_epoch():
    project = make_project(
        data={"type": "spiral", "params": {"n_samples": 200, "noise": 40}, "split": {"val": 0.5}},
        graphs={"model": _wide_graph()},
        training={"optimizer": {"type": "adam", "params": {"lr": 0.05}}, "epochs": 2000,
                  "early_stopping": {"monitor": "val_loss", "patience": 20}})
    session = build_session(project)
    result = run_session(session)
    assert result.state == "finished" and "early stopping" in result.reason  # not a Stop
    best = result.metrics["best_epoch"]
    assert result.metrics["epochs"] == best + 21
    xs, ys = session.trainer.history.arrays()["val_loss"]
    assert result.metrics["val_loss"] == pytest.approx(ys[list(xs).index(best)], rel=1e-5)


def test_failure_in_a_task_is_reported_not_raised():
    session = build_session(make_project(training={"fast_path": False}))

    def broken():
        raise RuntimeError("boom")
    session.task.train_step = broken
    messages = []
    session.trainer.events.failed.connect(messages.append)
    assert session.trainer.run() == "failed"
    assert messages == ["RuntimeError: boom"]


def _wait(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.005)


def _regression_graph() -> dict:
    return {"nodes": [{"id": "x", "type": "input"},
                      {"id": "lin", "type": "dense", "params": {"units": 1}},
                      {"id": "y", "type": "output"}],
            "edges": [{"src": "x", "dst": "lin"}, {"src": "lin", "dst": "y"}]}


def _wide_graph() -> dict:
    from tests.helpers import mlp_graph
    return mlp_graph(hidden=64, out=1, activation="relu", out_activation="sigmoid")
