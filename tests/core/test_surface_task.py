"""The ``surface`` task: optimizer races checked against hand-written loops."""

from __future__ import annotations

import copy
import math
import re

import numpy as np
import pytest
import torch

from playground.cli import main
from playground.errors import TrainingError, ValidationError
from playground.project.schema import project_from_dict
from playground.run.orchestrator import run_session
from playground.run.session import build_session
from playground.tasks.surface import Racer
from playground.tasks.trajectory import Trajectory

SGD = {"lr": 0.1, "momentum": 0.0, "dampening": 0.0, "nesterov": False, "weight_decay": 0.0}
ADAM = {"lr": 0.3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0,
        "amsgrad": False}


def racer(name, kind, params, start=None):
    entry = {"name": name, "optimizer": {"type": kind, "params": dict(params)}}
    if start is not None:
        entry["start"] = list(start)
    return entry


def project_dict(racers=None, epochs=100, training_optimizer=None, **params):
    task = {"surface": "beale", "surface_params": {"c": 2.2625}, "start": [0.0, 0.0],
            **params}
    if racers is not None:
        task["racers"] = racers
    optimizer = training_optimizer or {"type": "sgd", "params": SGD}
    return {"format_version": 1, "graphs": {}, "task": {"type": "surface", "params": task},
            "training": {"optimizer": optimizer, "epochs": epochs, "device": "cpu"}}


def race(racers=None, epochs=100, **params):
    session = build_session(project_from_dict(project_dict(racers, epochs, **params)))
    return session, run_session(session)


def beale(w, a=1.5, b=2.25, c=2.2625):
    x, y = w[0], w[1]
    return (a - x + x * y) ** 2 + (b - x + x * y ** 2) ** 2 + (c - x + x * y ** 3) ** 2


def beale_gradient(x, y, a=1.5, b=2.25, c=2.2625):
    t1, t2, t3 = a - x + x * y, b - x + x * y ** 2, c - x + x * y ** 3
    return np.array([2 * t1 * (y - 1) + 2 * t2 * (y ** 2 - 1) + 2 * t3 * (y ** 3 - 1),
                     2 * t1 * x + 4 * t2 * x * y + 6 * t3 * x * y ** 2])


# -- oracles ---------------------------------------------------------------------------------

def test_gd_path_equals_a_hand_written_loop():
    session, result = race([racer("gd", "sgd", SGD)])
    assert result.state == "finished"
    w, expected = np.zeros(2), [np.zeros(2)]
    for _ in range(100):
        w = w - 0.1 * beale_gradient(*w)
        expected.append(w)
    path = session.task.trajectories()["gd"]
    assert path["points"].shape == (101, 2)
    np.testing.assert_allclose(path["points"], np.array(expected), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(path["losses"], [beale(p) for p in expected], rtol=1e-10)
    assert path["iterations"].tolist() == list(range(101))
    # Ex 2.5.1 measured in the research note: (2.268, 0.407), L = 0.173.
    assert result.metrics["gd_loss"] == pytest.approx(0.1734, abs=5e-4)


def test_adam_path_equals_torch_adam_on_a_plain_tensor():
    session, result = race([racer("adam", "adam", ADAM)])
    w = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([w], lr=0.3, betas=(0.9, 0.999), eps=1e-8)
    expected = [w.detach().clone()]
    for _ in range(100):
        opt.zero_grad()
        beale(w).backward()
        opt.step()
        expected.append(w.detach().clone())
    path = session.task.trajectories()["adam"]
    np.testing.assert_allclose(path["points"], torch.stack(expected).numpy(), rtol=1e-12)
    assert result.metrics["adam_distance"] < 0.01
    assert result.metrics["adam_loss"] == pytest.approx(0.023710, abs=2e-5)


# -- divergence ------------------------------------------------------------------------------

def test_one_racer_diverging_does_not_stop_the_others():
    # GD with mu = 0.1 from (1.2, 2) jumps to L ~ 1e12 on its first step.
    session, result = race([racer("gd", "sgd", SGD, start=(1.2, 2.0)),
                            racer("adam", "adam", ADAM)])
    m = result.metrics
    assert result.state == "finished" and m["steps"] == 100
    assert m["gd_diverged"] == 1.0 and m["gd_diverged_at"] == 1.0
    assert m["adam_diverged"] == 0.0 and m["adam_distance"] < 0.05
    assert m["train_loss"] == m["adam_loss"]  # the best *live* racer
    assert all(math.isfinite(v) for v in m.values())
    paths = session.task.trajectories()
    assert paths["gd"]["diverged"] and paths["gd"]["diverged_at"] == 1
    assert len(paths["gd"]["points"]) == 2 and np.isfinite(paths["gd"]["points"]).all()
    assert not paths["adam"]["diverged"] and len(paths["adam"]["points"]) == 101


def test_non_finite_step_freezes_the_racer_at_its_last_finite_point():
    # log(x) with a step that lands on x < 0: the position is finite, the loss NaN.
    start = (1.0, 1.0)
    r = Racer("r", "r", "sgd", {**SGD, "lr": 2.0}, start, lambda w: torch.log(w[0]) + w[1])
    r.step(lambda w: torch.log(w[0]) + w[1], threshold=1e6)
    assert r.diverged and r.diverged_at == 1
    assert r.position == start and r.point.tolist() == list(start) and r.loss == 1.0  # log(1) + 1
    assert len(r.trajectory.arrays()[0]) == 1


def test_a_race_where_everyone_diverged_still_reports_finite_losses():
    session, result = race([racer("gd", "sgd", SGD, start=(1.2, 2.0))], epochs=5)
    assert result.state == "finished" and result.metrics["gd_diverged"] == 1.0
    assert math.isfinite(result.metrics["train_loss"])
    assert torch.isfinite(session.task.train_step())


def test_saddle_runs_escape_and_are_marked():
    session, result = race([racer("gd", "sgd", SGD)], surface="saddle", surface_params={},
                           start=[1.5, 0.05])
    m = result.metrics
    assert m["gd_diverged"] == 1.0 and "gd_distance" not in m
    assert m["gd_loss"] < -1e6 and abs(m["gd_x"]) < 1e-3  # slid to x = 0, escaped along y


def test_start_beyond_the_threshold_is_an_error():
    with pytest.raises(TrainingError, match="beyond diverge_threshold") as info:
        race([racer("gd", "sgd", SGD)], start=[10.0, 10.0])
    assert info.value.where == "task.params.start"


# -- configuration ---------------------------------------------------------------------------

def test_without_racers_the_training_optimizer_races():
    session, result = race(None, epochs=10,
                           training_optimizer={"type": "adam", "params": ADAM})
    assert list(session.task.racers) == ["adam"]
    assert result.metrics["adam_loss"] < 12.4
    assert session.project.task_params["racers"] is None


def test_params_round_trip_through_the_project_file():
    project = project_from_dict(project_dict([racer("gd", "sgd", {"lr": 0.1})]))
    params = project.task_params
    assert params["racers"][0]["optimizer"]["params"] == SGD  # every value filled in
    assert params["racers"][0]["label"] == "gd" and params["racers"][0]["start"] is None
    again = project_from_dict(project.to_dict())
    assert again.task_params == params and again.graphs == {}


def test_graphs_may_be_empty_only_for_graphless_tasks():
    raw = project_dict()
    raw["task"] = {"type": "classification", "params": {}}
    raw["data"] = {"type": "xor"}
    with pytest.raises(ValidationError, match="graphs"):
        project_from_dict(raw)


def bad(path, value):
    raw = project_dict([racer("gd", "sgd", SGD), racer("adam", "adam", ADAM)])
    target = raw["task"]["params"]
    *parents, last = path
    for key in parents:
        target = target[key]
    target[last] = value
    return raw


@pytest.mark.parametrize("path, value, where", [
    (("racers", 1, "optimizer", "params", "lr"), "fast",
     "task.params.racers[1].optimizer.params.lr: expected"),
    (("racers", 1, "optimizer", "params", "beta9"), 0.5,
     "task.params.racers[1].optimizer.params: unknown parameter 'beta9'"),
    (("racers", 0, "optimizer", "type"), "lbfgs", "task.params.racers[0].optimizer.type"),
    (("racers", 0, "name"), "2fast", "task.params.racers[0].name: expected an identifier"),
    (("racers", 0, "name"), "train", "task.params.racers[0].name"),
    (("racers", 1, "name"), "gd", "task.params.racers[1].name: racer name 'gd' is used twice"),
    (("racers", 0, "colour"), "red", "task.params.racers[0]: unknown field 'colour'"),
    (("racers", 0, "start"), [1.0], "task.params.racers[0].start"),
    (("racers",), [], "task.params.racers: expected a list"),
    (("surface",), "sphere", "task.params.surface: unknown surface 'sphere'"),
    (("surface_params", "c"), "x", "task.params.surface_params.c"),
    (("start",), [0.0, "y"], "task.params.start[1]"),
    (("diverge_threshold",), -1.0, "task.params.diverge_threshold"),
    (("speed",), 1, "task.params: unknown parameter 'speed'"),
])
def test_parse_errors_name_the_field(path, value, where):
    with pytest.raises(ValidationError, match=re.escape(where)):
        project_from_dict(bad(path, value))


def test_missing_optimizer_is_named():
    raw = project_dict([{"name": "gd"}])
    with pytest.raises(ValidationError, match=r"racers\[0\]\.optimizer: missing"):
        project_from_dict(raw)


# -- live changes, state, bounded memory -----------------------------------------------------

def test_set_racer_hyper_changes_one_racer_only():
    session = build_session(project_from_dict(project_dict(
        [racer("gd", "sgd", SGD), racer("adam", "adam", ADAM)])))
    task = session.task
    task.set_racer_hyper("gd", "lr", 0.01)
    assert task.racer("gd").optimizer.param_groups[0]["lr"] == 0.01
    assert task.racer("adam").optimizer.param_groups[0]["lr"] == 0.3
    task.set_racer_hyper("adam", "beta1", 0.5)
    assert task.racer("adam").optimizer.param_groups[0]["betas"] == (0.5, 0.999)
    with pytest.raises(ValidationError, match="no hyperparameter 'beta1'"):
        task.set_racer_hyper("gd", "beta1", 0.5)
    with pytest.raises(ValidationError, match="no racer called 'sgd'"):
        task.set_racer_hyper("sgd", "lr", 0.5)
    with pytest.raises(ValidationError, match=r"params\.lr"):
        task.set_racer_hyper("gd", "lr", -1.0)
    session.trainer.set_hyper("lr", 0.05)  # the training panel's lr reaches every racer
    session.trainer.run(epochs=1)
    assert [o.param_groups[0]["lr"] for o in task.optimizers] == [0.05, 0.05]


def test_state_dict_restores_the_points():
    session, _ = race([racer("gd", "sgd", SGD)], epochs=3)
    task = session.task
    saved = copy.deepcopy(task.state_dict())
    session.trainer.run(epochs=10)
    assert task.racer("gd").point.tolist() != saved["gd"]["point"].tolist()
    task.load_state_dict(saved)
    assert task.racer("gd").point.tolist() == saved["gd"]["point"].tolist()
    assert task.evaluate()["gd_loss"] == pytest.approx(beale(saved["gd"]["point"].numpy()))


def test_trajectory_keeps_bounded_memory_and_the_newest_point():
    path = Trajectory(capacity=8)
    for i in range(100):
        path.add(i, float(i), -float(i), float(i * i))
    iterations, points, losses = path.arrays()
    assert len(iterations) <= 9 and iterations[0] == 0 and iterations[-1] == 99
    assert np.all(np.diff(iterations) > 0)
    assert np.all(iterations[:-1] % path.stride == 0)
    assert points.shape == (len(iterations), 2) and losses[-1] == 99 * 99


def test_surface_grid_passthrough():
    session = build_session(project_from_dict(project_dict([racer("gd", "sgd", SGD)])))
    xs, ys, z = session.task.surface_grid(40)
    assert z.shape == (40, 40)
    assert session.task.minima[0].point == pytest.approx((2.45074, 0.36311), abs=1e-5)


# -- the preset ------------------------------------------------------------------------------

def test_preset_runs_and_holds_its_expectations(capsys):
    assert main(["run", "dlpi-2-beale"]) == 0
    out = capsys.readouterr().out
    assert "4/4 expectations hold" in out
