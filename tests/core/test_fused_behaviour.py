"""The fast path behaves as the autograd path does: which runs take it, live changes,
pause/step/resume, early stopping, schedules, checkpoints, exports, probes, failures.

Each test runs the same project twice, ``fast_path`` on and off, and compares: for
optimizers with state (Adam, momentum) the two are equal bit for bit, so most checks
use ``torch.equal``.
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
import torch

from playground.export import export
from playground.export.checkpoint import load_checkpoint, resume_session, save_checkpoint
from playground.probes import attach_probes
from playground.project.presets import load_preset
from playground.project.schema import project_from_dict
from playground.run.orchestrator import run_session
from playground.run.session import build_session
from playground.training.fused.plan import why_not
from playground.training.trainer import FAST_BURST
from tests.core.export_projects import chain, node
from tests.core.fused_cases import model_gap, weights
from tests.helpers import make_project

TFP = ("tfp-circle", "tfp-gauss", "tfp-xor", "tfp-spiral", "tfp-reg-plane", "tfp-reg-gauss")


def circle_project(fast: bool, **training):
    """Two tanh layers with Adam on 60 circle points, batches of 8 (a short last one)."""
    graph = chain(node("x", "input"), node("h", "dense", units=6, activation="tanh"),
                  node("h2", "dense", units=4, activation="relu"),
                  node("out", "dense", units=1, activation="sigmoid"), node("y", "output"))
    settings = {"batch_size": 8, "epochs": 12, "fast_path": fast,
                "optimizer": {"type": "adam", "params": {"lr": 0.02}}, **training}
    return make_project(graphs={"model": graph},
                        data={"type": "circle", "params": {"n_samples": 60}, "seed": 0,
                              "split": {"val": 0.25}},
                        training=settings)


def both(**training):
    """(fast, autograd) sessions of :func:`circle_project`."""
    fast = build_session(circle_project(True, **training), device="cpu")
    slow = build_session(circle_project(False, **training), device="cpu")
    assert (fast.trainer.engine, slow.trainer.engine) == ("fast path", "autograd")
    return fast, slow


def same_state(a, b) -> None:
    """Weights, optimizer state, counters and curves all equal."""
    wa, wb = weights(a), weights(b)
    for key in wb:
        assert torch.equal(wa[key], wb[key]), key
    sa, sb = a.task.optimizer.state_dict(), b.task.optimizer.state_dict()
    assert sa["param_groups"] == sb["param_groups"]
    for i, entry in sb["state"].items():
        for name, value in entry.items():
            assert torch.equal(sa["state"][i][name], value), (i, name)
    assert (a.trainer.step, a.trainer.epoch) == (b.trainer.step, b.trainer.epoch)
    la, lb = a.trainer.history.arrays()["loss"], b.trainer.history.arrays()["loss"]
    assert np.array_equal(la[0], lb[0]) and np.allclose(la[1], lb[1], rtol=1e-6)


# -- who takes the fast path ------------------------------------------------------------------

@pytest.mark.parametrize("preset", TFP)
def test_tf_playground_presets_take_the_fast_path(preset):
    session = build_session(load_preset(preset), device="cpu")
    assert session.trainer.engine == "fast path", session.trainer.engine_note


@pytest.mark.parametrize("change, reason", [
    ({"training": {"fast_path": False}}, "switched off"),
    ({"task": {"type": "classification", "params": {"loss": "hinge"}}}, "hinge loss"),
    ({"training": {"optimizer": {"type": "rmsprop", "params": {}}}}, "rmsprop optimizer"),
    ({"graphs": {"model": chain(node("x", "input"), node("h", "dense", units=4),
                               node("d", "dropout", p=0.2), node("o", "dense", units=1),
                               node("y", "output"))}}, "node 'd' is a Dropout"),
    ({"task": {"type": "autoencoder", "params": {}}, "data": {"type": "digits",
                                                               "params": {"as_image": False}},
      "graphs": {"model": chain(node("x", "input"), node("h", "dense", units=4),
                                node("o", "dense", units=64), node("y", "output"))}},
     "AutoencoderTask"),
])
def test_everything_else_takes_the_autograd_path_and_says_why(change, reason):
    session = build_session(make_project(**change), device="cpu")
    assert session.trainer.engine == "autograd"
    assert reason in session.trainer.engine_note
    assert "\n" not in session.trainer.engine_note
    assert why_not(session.task) == session.trainer.engine_note


def test_a_branching_graph_takes_the_autograd_path():
    graph = {"nodes": [node("x", "input"), node("a", "dense", units=4),
                       node("b", "dense", units=4), {**node("m", "add"), "params": {}},
                       node("o", "dense", units=1, activation="sigmoid"), node("y", "output")],
             "edges": [{"src": "x", "dst": "a"}, {"src": "x", "dst": "b"},
                       {"src": "a", "dst": "m", "dst_port": "in1"},
                       {"src": "b", "dst": "m", "dst_port": "in2"},
                       {"src": "m", "dst": "o"}, {"src": "o", "dst": "y"}]}
    session = build_session(make_project(graphs={"model": graph}), device="cpu")
    assert session.trainer.engine == "autograd"
    assert "chain" in session.trainer.engine_note


def test_frozen_layers_and_layers_without_bias_train_alike():
    graph = chain(node("x", "input"), node("h", "dense", units=5, activation="tanh"),
                  node("h2", "dense", units=4, activation="elu", use_bias=False),
                  node("out", "dense", units=1, activation="sigmoid"), node("y", "output"))
    graph["nodes"][1]["trainable"] = False
    runs = []
    for fast in (True, False):
        project = circle_project(fast)
        project.graphs["model"] = project_from_dict({**project.to_dict(),
                                                      "graphs": {"model": graph}}).graphs["model"]
        session = build_session(project, device="cpu")
        session.trainer.run(epochs=8)
        runs.append(session)
    assert runs[0].trainer.engine == "fast path"
    same_state(*runs)
    initial = runs[0].task.ctx.graphs["model"]
    from playground.compiler import compile_graph
    start = compile_graph(initial, {"x": (2,)}, seed=0).node_module("h")[0].weight
    assert torch.equal(runs[0].task.compiled["model"].node_module("h")[0].weight, start)


# -- the run's life ---------------------------------------------------------------------------

def test_live_hyperparameter_changes_apply_alike():
    fast, slow = both(optimizer={"type": "sgd", "params": {"lr": 0.05}})
    for session in (fast, slow):
        session.trainer.run(epochs=3)
        session.trainer.set_hyper("lr", 0.2)
        session.trainer.set_hyper("momentum", 0.9)
        session.trainer.run(epochs=6)
        session.trainer.set_hyper("nesterov", True)
        session.trainer.set_hyper("momentum", 0.0)  # plain SGD again: its buffers stay
        session.trainer.run(epochs=8)
    assert fast.task.optimizer.param_groups[0]["lr"] == 0.2
    # Plain SGD's update is folded into the backward (rounds once, autograd twice).
    assert model_gap(weights(fast), weights(slow)) < 1e-5
    sa, sb = fast.task.optimizer.state_dict(), slow.task.optimizer.state_dict()
    assert sa["state"].keys() == sb["state"].keys()


def test_the_loops_bursts_of_steps_equal_steps_one_by_one():
    """The training loop runs fast-path steps in bursts (up to FAST_BURST within an
    epoch); stepped one at a time the run is the same, bit for bit, to the same step."""
    sgd = {"type": "sgd", "params": {"lr": 0.05}}
    looped, stepped = (build_session(circle_project(True, batch_size=2, optimizer=sgd),
                                     device="cpu") for _ in range(2))
    per_epoch = stepped.task.steps_per_epoch()
    assert per_epoch > FAST_BURST  # 23 steps: a burst of 16, then one of 7
    looped.trainer.run(epochs=4)
    for _ in range(4 * per_epoch):
        stepped.trainer.step_batch()
    stepped.trainer.run(epochs=4)  # nothing left to train: flushes the curves
    assert (looped.trainer.step, looped.trainer.epoch) == (stepped.trainer.step, 4)
    wa, wb = weights(looped), weights(stepped)
    assert all(torch.equal(wa[key], wb[key]) for key in wb)
    la = looped.trainer.history.series["loss"].arrays()
    lb = stepped.trainer.history.series["loss"].arrays()
    # The same batch losses; their epoch means summed in other groupings (flushes).
    assert np.array_equal(la[0], lb[0]) and len(la[0]) == 4
    np.testing.assert_allclose(la[1], lb[1], rtol=1e-7)


def paused_stepped_run(fast: bool):
    """Start paused in a thread, three batches, the rest of the epoch, then resume to the end."""
    session = build_session(circle_project(fast, epochs=6), device="cpu")
    trainer = session.trainer
    worker = threading.Thread(target=trainer.run, kwargs={"start_paused": True})
    worker.start()
    try:
        _wait(lambda: trainer.state == "paused")
        for _ in range(3):
            trainer.request_step("batch")
        _wait(lambda: trainer.step == 3)
        trainer.request_step("epoch")
        _wait(lambda: trainer.epoch == 1)
        trainer.resume()
        _wait(lambda: trainer.state == "finished")
    finally:
        trainer.stop()
        worker.join(30)
    return session


def test_pause_step_and_resume_from_another_thread_give_the_same_run():
    same_state(paused_stepped_run(True), paused_stepped_run(False))


def test_early_stopping_stops_at_the_same_epoch_with_the_same_best_weights():
    es = {"monitor": "val_loss", "patience": 2, "restore_best": True, "min_delta": 0.0}
    results = []
    for fast in (True, False):
        session = build_session(circle_project(fast, epochs=400, early_stopping=es,
                                               optimizer={"type": "adam",
                                                          "params": {"lr": 0.2}}),
                                device="cpu")
        results.append((session, run_session(session)))
    (fast, a), (slow, b) = results
    assert a.state == b.state == "finished"  # early stopping ends a run as finished
    loss = a.metrics.pop("loss"), b.metrics.pop("loss")  # MSE's value from its gradient
    assert loss[0] == pytest.approx(loss[1], rel=1e-6) and a.metrics == b.metrics
    same_state(fast, slow)


def test_schedules_change_the_rate_alike_without_warnings():
    fast, slow = both(schedule={"type": "exponential", "params": {"gamma": 0.8}})
    for session in (fast, slow):
        session.trainer.run(epochs=5)
    assert fast.task.optimizer.param_groups[0]["lr"] == pytest.approx(0.02 * 0.8 ** 5)
    same_state(fast, slow)


def test_loading_optimizer_state_or_new_weight_storage_mid_run_is_seen():
    fast, slow = both()
    for session in (fast, slow):
        trainer, task = session.trainer, session.task
        trainer.run(epochs=2)
        for _ in range(3):
            trainer.step_batch()
        optimizer = task.optimizer
        optimizer.load_state_dict(optimizer.state_dict())  # new state tensors
        layer = task.compiled["model"].node_module("h2")[0]
        layer.weight.data = layer.weight.data.clone() * 0.5  # new storage, edited by hand
        trainer.run(epochs=5)
    same_state(fast, slow)


def test_a_failure_in_the_fused_step_is_reported_not_raised():
    fast, _ = both()

    def broken(*args):
        raise RuntimeError("boom")
    fast.trainer.fused.train_step = fast.trainer.fused.train_steps = broken  # loop: bursts
    messages = []
    fast.trainer.events.failed.connect(messages.append)
    assert fast.trainer.run() == "failed"
    assert messages == ["RuntimeError: boom"]


def test_divergence_is_caught_at_the_same_step():
    graph = chain(node("x", "input"), node("h", "dense", units=8),
                  node("out", "dense", units=1), node("y", "output"))
    results = []
    for fast in (True, False):
        project = make_project(graphs={"model": graph},
                               data={"type": "reg_plane", "params": {"n_samples": 60}},
                               task={"type": "regression", "params": {"loss": "mse"}},
                               training={"optimizer": {"type": "sgd", "params": {"lr": 50.0}},
                                         "batch_size": 8, "epochs": 50, "fast_path": fast})
        session = build_session(project, device="cpu")
        results.append((session.trainer.run(), session.trainer.stop_reason))
    assert results[0] == results[1] and results[0][0] == "diverged"


def test_a_nan_probability_under_bce_is_a_divergence_not_a_failure():
    """A sigmoid output gone NaN (a weight set to NaN here; a LayerNorm with eps 0 over a
    constant feature in the fuzz corpus) makes binary_cross_entropy's kernel raise "all
    elements of input should be between 0 and 1": both paths report a divergence at the
    step instead of failing with PyTorch's words."""
    for fast in (True, False):
        session = build_session(circle_project(fast), device="cpu")
        with torch.no_grad():
            session.task.models["model"].get_submodule("out.0").weight[0, 0] = float("nan")
        state = session.trainer.run()
        assert state == "diverged", (fast, session.trainer.stop_reason)
        assert session.trainer.stop_reason == "loss became nan at step 1"


# -- files ------------------------------------------------------------------------------------

@pytest.mark.parametrize("first, second", [(True, True), (True, False), (False, True)],
                         ids=["fast-fast", "fast-autograd", "autograd-fast"])
def test_checkpoints_resume_across_paths(tmp_path, first, second):
    straight = build_session(circle_project(False), device="cpu")
    straight.trainer.run(epochs=6)
    session = build_session(circle_project(first), device="cpu")
    session.trainer.run(epochs=3)
    session.trainer.step_batch()  # mid-epoch
    save_checkpoint(session, tmp_path / "run.pt")
    project, state = load_checkpoint(tmp_path / "run.pt")
    project.training = project.training.with_(fast_path=second)
    resumed = resume_session(project, state, device="cpu")
    assert resumed.trainer.engine == ("fast path" if second else "autograd")
    resumed.trainer.run(epochs=6)
    same_state(straight, resumed)


def test_exports_hold_the_trained_numbers(tmp_path):
    outputs = []
    for fast in (True, False):
        session = build_session(circle_project(fast), device="cpu")
        session.trainer.run(epochs=4)
        result = export(session, "checkpoint", tmp_path / f"{fast}.pt")
        assert result.max_abs_diff == 0.0
        export(session, "pt2", tmp_path / f"{fast}.pt2")
        program = torch.export.load(str(tmp_path / f"{fast}.pt2")).module()
        x = session.task.splits["val"][0]
        outputs.append(program(x).detach())
    assert torch.equal(outputs[0], outputs[1])


# -- probes -----------------------------------------------------------------------------------

def test_boundary_and_neuron_maps_from_the_fused_forward_equal_the_model_s():
    project = load_preset("tfp-spiral")
    project.graphs["model"].nodes["features"].params.update(x1_squared=True, sin_x2=True)
    session = build_session(project, device="cpu")
    runners = attach_probes(session, ["boundary", "neurons"])
    session.trainer.run(epochs=3)
    task, compiled = session.task, session.task.compiled["model"]
    boundary = runners["boundary"](session.trainer)
    with torch.no_grad():
        from playground.probes.common import plane_grid, to_model
        _, _, grid = plane_grid(session.dataset, 100)
        expected = task.model(to_model(grid, session)).numpy().reshape(100, 100, -1)
    assert np.array_equal(boundary["output"], expected)
    maps = runners["neurons"](session.trainer)
    assert set(maps) == {"point", "features", "hidden_1", "hidden_2", "hidden_3", "out"}
    n = int(runners["neurons"].options["resolution"])
    _, _, grid = plane_grid(session.dataset, n)
    grid = to_model(grid.reshape(n, n, 2)[::-1].reshape(-1, 2), session)
    with torch.no_grad():
        features = compiled.node_module("features")(grid)
        hidden = compiled.node_module("hidden_1")(features)
    expect = hidden.numpy().T
    expect = expect / np.maximum(np.abs(expect).max(axis=1, keepdims=True), 1e-6)
    assert np.array_equal(maps["hidden_1"], expect.reshape(-1, n, n).astype(np.float32))


def _wait(condition, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError("timed out waiting")
        time.sleep(0.005)
