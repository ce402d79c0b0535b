"""train_copies: K seeds in lockstep, each copy the run its seed would make on its own."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch

from playground.project.presets import load_preset
from playground.run.orchestrator import run_session
from playground.run.session import build_session
from playground.training.fused import parallel
from playground.training.fused.chain import NotFused
from playground.training.fused.copies import initial_weights, train_copies
from tests.core.fused_cases import model_gap, weights
from tests.core.test_fused_behaviour import circle_project

SEEDS = [3, 5, 8]


def oracle(seed: int, **training):
    """The autograd run of circle_project with ``seed``, to its end."""
    session = build_session(circle_project(False, seed=seed, **training), device="cpu")
    return session, run_session(session)


def test_each_copy_is_the_run_of_its_seed():
    task = build_session(circle_project(True), device="cpu").task
    before = weights_of(task)
    result = train_copies(task, SEEDS)
    assert result.seeds == SEEDS and result.states == ["finished"] * 3
    assert result.epochs == [12] * 3 and result.loss.shape == (3, 12)
    assert result.eval_epochs[-1] == 12
    for k, seed in enumerate(SEEDS):
        session, run = oracle(seed)
        assert model_gap(result.weights[k], weights(session)) < 1e-5
        xs, ys = session.trainer.history.arrays()["loss"]
        assert np.allclose(result.loss[k], ys, rtol=1e-5)
        for name, value in run.metrics.items():
            if name in result.final[k]:
                assert result.final[k][name] == pytest.approx(value, rel=1e-5, abs=1e-7), name
        assert "test_accuracy" not in result.final[k]  # circle_project has no test split
        assert result.metrics["val_accuracy"].shape == (3, len(result.eval_epochs))
    assert all(torch.equal(a, b) for a, b in zip(before.values(), weights_of(task).values()))


def test_copies_start_from_the_weights_given():
    task = build_session(circle_project(True), device="cpu").task
    inits = initial_weights(task, [11, 11])
    inits[1] = {k: torch.zeros_like(v) for k, v in inits[1].items()}
    result = train_copies(task, [11, 11], inits, epochs=2)
    first, _ = oracle(11, epochs=2)
    assert model_gap(result.weights[0], weights(first)) < 1e-5
    assert not torch.equal(result.weights[0]["h.0.weight"], result.weights[1]["h.0.weight"])


def test_early_stopping_stops_each_copy_on_its_own():
    es = {"monitor": "val_loss", "patience": 2, "restore_best": True}
    training = {"epochs": 300, "early_stopping": es,
                "optimizer": {"type": "adam", "params": {"lr": 0.2}}}
    task = build_session(circle_project(True, **training), device="cpu").task
    result = train_copies(task, SEEDS)
    stops = []
    for k, seed in enumerate(SEEDS):
        session, run = oracle(seed, **training)
        assert run.state == "finished" and result.states[k] == "finished"
        assert result.epochs[k] < 300  # ended by early stopping
        assert result.epochs[k] == run.metrics["epochs"]
        assert result.final[k]["best_epoch"] == run.metrics["best_epoch"]
        assert result.final[k]["val_loss"] == pytest.approx(run.metrics["val_loss"], rel=1e-5)
        assert model_gap(result.weights[k], weights(session)) < 1e-5
        assert np.isnan(result.loss[k, result.epochs[k]:]).all()
        stops.append(result.epochs[k])
    assert len(set(stops)) > 1  # the copies really stopped at different epochs


def test_a_diverging_copy_does_not_disturb_the_others():
    task = build_session(circle_project(True), device="cpu").task
    inits = initial_weights(task, SEEDS)
    inits[1] = {k: v * 1e30 for k, v in inits[1].items()}
    result = train_copies(task, SEEDS, inits, epochs=3)
    assert result.states == ["finished", "diverged", "finished"]
    for k in (0, 2):
        session, _ = oracle(SEEDS[k], epochs=3)
        assert model_gap(result.weights[k], weights(session)) < 1e-5


def test_plain_sgd_copies_match_and_evaluations_follow_eval_every():
    project = load_preset("tfp-spiral")
    project.training = project.training.with_(epochs=4, device="cpu")
    task = build_session(project).task
    result = train_copies(task, [1, 2], eval_every=3)
    assert list(result.eval_epochs) == [3, 4]
    for k, seed in enumerate((1, 2)):
        session = build_session(project, seed=seed)
        session.trainer.run()
        assert model_gap(result.weights[k], weights(session)) < 1e-5
        assert result.final[k]["test_accuracy"] == session.trainer.metrics["test_accuracy"]


def test_what_cannot_train_in_lockstep_is_refused():
    plateau = {"type": "plateau", "params": {}}
    task = build_session(circle_project(True, schedule=plateau), device="cpu").task
    with pytest.raises(NotFused, match="plateau"):
        train_copies(task, SEEDS)
    task = build_session(circle_project(True, optimizer={"type": "rmsprop", "params": {}}),
                         device="cpu").task
    with pytest.raises(NotFused, match="rmsprop"):
        train_copies(task, SEEDS)


def weights_of(task) -> dict:
    return {k: v.detach().clone() for k, v in task.models["model"].state_dict().items()}


def test_one_copy_is_its_seeds_run():
    task = build_session(circle_project(True), device="cpu").task
    result = train_copies(task, [SEEDS[0]])
    session, run = oracle(SEEDS[0])
    assert result.states == ["finished"] and result.loss.shape == (1, 12)
    assert model_gap(result.weights[0], weights(session)) < 1e-5
    assert result.final[0]["val_loss"] == pytest.approx(run.metrics["val_loss"], rel=1e-5)


def same_result(a, b) -> None:
    """Two CopiesResults equal entry for entry, to rounding: kernels over fewer copies may
    group their sums differently (1e-5, the batched seeds' tolerance against their runs)."""
    assert a.seeds == b.seeds and a.states == b.states and a.epochs == b.epochs
    np.testing.assert_allclose(a.loss, b.loss, rtol=1e-5)
    assert np.array_equal(a.eval_epochs, b.eval_epochs) and a.metrics.keys() == b.metrics.keys()
    for name in a.metrics:
        np.testing.assert_allclose(a.metrics[name], b.metrics[name], rtol=1e-5, atol=1e-7,
                                   err_msg=name)
    for fa, fb in zip(a.final, b.final):
        assert fa.keys() == fb.keys()
        assert all(fa[k] == pytest.approx(fb[k], rel=1e-5, abs=1e-7) for k in fa), (fa, fb)
    for wa, wb in zip(a.weights, b.weights):
        assert wa.keys() == wb.keys() and model_gap(wa, wb) < 1e-5
    for sa, sb in zip(a.optimizer_states, b.optimizer_states):
        assert sa["param_groups"] == sb["param_groups"] and sa["state"].keys() == sb["state"].keys()
    assert all(torch.equal(x, y) for x, y in zip(a.shuffle_states, b.shuffle_states))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="two processes need fork")
@pytest.mark.parametrize("training", [{}, {"epochs": 300, "early_stopping": {
    "monitor": "val_loss", "patience": 2, "restore_best": True},
    "optimizer": {"type": "adam", "params": {"lr": 0.05}}}], ids=["sgd", "early-stopping"])
def test_two_processes_give_the_one_process_result(training):
    """Half the copies in a forked child: the same run as one batch (early stopping
    included: each copy stops at its own epoch)."""
    task = build_session(circle_project(True, **training), device="cpu").task
    seeds = [3, 5, 8, 13, 21]
    alone = train_copies(task, seeds, processes=1)
    same_result(train_copies(task, seeds, processes=2), alone)
    if training:
        assert max(alone.epochs) < 300 and len(set(alone.epochs)) > 1  # stopped, each its own


def test_a_failed_child_s_half_trains_in_the_parent(monkeypatch):
    """If the forked child cannot send its half, the parent trains it: same result."""
    task = build_session(circle_project(True), device="cpu").task
    monkeypatch.setattr(parallel.pickle, "dump", _fail)
    same_result(train_copies(task, SEEDS, processes=2), train_copies(task, SEEDS, processes=1))


def _fail(*args, **kwargs):
    raise OSError("no pipe today")
