"""Seeds as one batched computation: each seed's result is the run it makes on its own.

The oracle is the sequential path: each seed built and trained by itself
(:func:`~playground.run.session.build_session` + its trainer), checked by the
orchestrator, the seeds' checks spread by :func:`spread_checks`.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from playground.cli import main
from playground.project.presets import load_preset
from playground.project.schema import project_from_dict
from playground.run.batched import BATCHED, SEQUENTIAL
from playground.run.orchestrator import drive, run_session
from playground.run.seeds import SeedsPlan, spread_checks
from playground.run.session import build_session
from tests.core.fused_cases import model_gap, weights
from tests.core.test_fused_behaviour import circle_project

SEEDS = [3, 4, 5]


def spiral(epochs: int = 6, **expect_changes) -> object:
    """tfp-spiral, briefly, on the CPU."""
    raw = load_preset("tfp-spiral").to_dict()
    raw["training"].update(epochs=epochs, device="cpu", seed=SEEDS[0])
    for entry in raw["expect"]:
        entry.update(expect_changes)
    return project_from_dict(raw)


def run_plan(project, count: int, **kwargs):
    """A seeds plan driven to its end; (result, each seed's session)."""
    plan = SeedsPlan(project, count, **kwargs)
    sessions = []
    drive(plan, on_start=lambda run, session: sessions.append(session))
    return plan.result(), sessions


def oracle(project, seed: int):
    """Seed ``seed`` trained on its own: (session, RunResult)."""
    session = build_session(project, seed=seed)
    return session, run_session(session)


def assert_same_as_alone(project, result, sessions, absolute: bool = True) -> None:
    """Every seed's weights (to 1e-5, relative to the model's scale and, with
    ``absolute``, absolutely), curves, metrics and checks equal its own run's."""
    alone = [oracle(project, run.seed) for run in result.runs]
    for (session, run), mine, record in zip(alone, sessions, result.results):
        assert record.state == run.state and record.reason == run.reason
        assert set(record.metrics) == set(run.metrics)
        if str(run.state) == "diverged":  # trained again alone: the very same computation
            assert all(torch.allclose(weights(mine)[k], v, equal_nan=True)
                       for k, v in weights(session).items())
            continue
        assert model_gap(weights(mine), weights(session)) < 1e-5
        assert not absolute or all(torch.allclose(weights(mine)[k], v, rtol=0, atol=1e-5)
                                   for k, v in weights(session).items())
        for name, value in run.metrics.items():
            assert record.metrics[name] == pytest.approx(value, rel=1e-5, abs=1e-6), name
        _, mine_loss = mine.trainer.history.arrays()["loss"]
        _, their_loss = session.trainer.history.arrays()["loss"]
        assert np.allclose(mine_loss, their_loss, rtol=1e-5)
    expected = spread_checks(project.expect, [run for _, run in alone])
    for spread, want in zip(result.checks, expected):
        assert spread.passes == want.passes and spread.pass_rate == want.pass_rate
        assert [v is None for v in spread.values] == [v is None for v in want.values]
        assert [v for v in spread.values if v is not None] == \
            pytest.approx([v for v in want.values if v is not None], rel=1e-5)


def test_batched_seeds_equal_each_seed_trained_alone():
    project = spiral()
    result, sessions = run_plan(project, len(SEEDS))
    assert result.engine == BATCHED and result.engine_note == ""
    assert [r.seed for r in result.runs] == SEEDS
    assert [s.trainer.epoch for s in sessions] == [6] * 3
    assert_same_as_alone(project, result, sessions)
    # Each seed's curves reach its last epoch, and differ from seed to seed.
    losses = [h["loss"][1] for h in result.histories]
    assert all(len(y) == 6 for y in losses) and not np.allclose(losses[0], losses[1])
    assert all(h["test_accuracy"][0][-1] == 6 for h in result.histories)


def test_pass_rates_count_the_seeds_where_each_check_holds():
    # A threshold between the seeds' accuracies: some hold, some do not.
    accuracies = sorted(oracle(spiral(), s)[1].metrics["test_accuracy"] for s in SEEDS)
    project = spiral(min=accuracies[1], min_pass_rate=0.6)
    project.expect = project.expect[:1]
    result, _ = run_plan(project, len(SEEDS))
    assert result.engine == BATCHED
    (spread,) = result.checks
    held = sum(v >= accuracies[1] for v in accuracies)
    assert sum(spread.passes) == held and spread.pass_rate == pytest.approx(held / 3)
    assert spread.passed == (held / 3 >= 0.6)


def test_a_seed_that_continues_after_the_batch_trains_as_if_alone():
    project = spiral(epochs=3)
    _, sessions = run_plan(project, 2)
    session, _ = oracle(project, SEEDS[1])
    for trained in (sessions[1], session):  # three more epochs on each
        trained.trainer.run(epochs=6)
    assert model_gap(weights(sessions[1]), weights(session)) < 1e-5


def test_early_stopped_copies_end_like_their_own_runs():
    es = {"monitor": "val_loss", "patience": 2, "restore_best": True}
    project = circle_project(True, epochs=300, early_stopping=es,
                             optimizer={"type": "adam", "params": {"lr": 0.2}})
    project.expect = [{"metric": "val_accuracy", "min": 0.5}]
    result, sessions = run_plan(project, 3, first=3)
    assert result.engine == BATCHED
    epochs = [r.metrics["epochs"] for r in result.results]
    assert max(epochs) < 300 and len(set(epochs)) > 1
    assert all("early stopping" in r.reason for r in result.results)
    assert_same_as_alone(project, result, sessions)


def test_a_diverging_seed_trains_again_on_its_own():
    raw = spiral(epochs=2).to_dict()
    for node in raw["graphs"]["model"]["nodes"]:  # unbounded units: lr 3 blows two seeds up
        if node["type"] == "dense":
            node["params"]["activation"] = "identity" if node["id"] == "out" else "relu"
    raw["training"]["optimizer"]["params"]["lr"] = 3.0
    project = project_from_dict(raw)
    result, sessions = run_plan(project, 4)
    assert result.engine == BATCHED
    states = [str(r.state) for r in result.results]
    assert "diverged" in states and "finished" in states
    diverged = [run.seed for run, state in zip(result.runs, states) if state == "diverged"]
    assert result.engine_note.startswith(f"seed{'s' if len(diverged) > 1 else ''} "
                                         f"{', '.join(map(str, diverged))} diverged in the batch")
    assert_same_as_alone(project, result, sessions, absolute=False)  # weights in the 100s


@pytest.mark.parametrize("change, note", [
    ({"vary_data": True}, "data of its own"),
    ({"count": 1}, "one seed"),
    ({"optimizer": "rmsprop"}, "rmsprop"),
    ({"metric": "made_up"}, "'made_up' reads a metric only a run of its own reports"),
])
def test_what_the_batch_cannot_take_trains_seed_after_seed(change, note):
    project = spiral(epochs=2)
    count = change.get("count", 2)
    if "optimizer" in change:
        project.training = project.training.with_(optimizer=change["optimizer"],
                                                  optimizer_params={"lr": 0.01})
    if "metric" in change:
        project.expect = [*project.expect, {"metric": change["metric"], "min": 0.0}]
    result, sessions = run_plan(project, count, vary_data=bool(change.get("vary_data")))
    assert result.engine == SEQUENTIAL and note in result.engine_note
    assert len(sessions) == count
    if "metric" in change:  # the check is evaluated (failing: no value), not skipped
        assert result.checks[-1].values == [None] * count
    if "vary_data" not in change:
        assert_same_as_alone(project, result, sessions)


def test_variants_train_seed_after_seed():
    project = spiral(epochs=1)
    project.variants = [{"name": "a", "label": "A", "patch": {}},
                        {"name": "b", "label": "B", "patch": {"training.epochs": 2}}]
    result, sessions = run_plan(project, 2)
    assert result.engine == SEQUENTIAL and "variants" in result.engine_note
    assert len(sessions) == 4


def test_cli_says_which_path_ran(tmp_path, capsys):
    path = tmp_path / "p.json"
    project = spiral(epochs=2)
    project.id = "spiral-short"
    path.write_text(json.dumps(project.to_dict()))
    main(["run", str(path), "--seeds", "3", "--json"])
    out = capsys.readouterr().out.strip().splitlines()
    assert "engine: batched (all seeds in one batched computation)" in out
    assert json.loads(out[-1])["engine"] == "batched"
    main(["run", str(path), "--seeds", "2", "--vary-data", "--json"])
    out = capsys.readouterr().out.strip().splitlines()
    assert json.loads(out[-1])["engine"] == "sequential"
    assert any(line.startswith("engine: sequential; each seed has data") for line in out)
