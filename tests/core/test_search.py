"""The ``search`` task: grid and random configurations, one training each, best rows."""

from __future__ import annotations

import json

import numpy as np
import pytest

from playground.errors import ValidationError
from playground.project.presets import presets_dir
from playground.project.schema import project_from_dict
from playground.run.orchestrator import run_session
from playground.run.session import build_session
from playground.tasks.search import grid_configs, parse_search_params, random_configs
from tests.core.test_probes import probe


def search_session(**params):
    raw = json.loads((presets_dir() / "ad3501-search.json").read_text())
    raw["task"]["params"].update({"epochs_per_run": 3, **params})
    return build_session(project_from_dict(raw))


def test_grid_is_every_combination_and_random_is_seeded():
    assert grid_configs({"batch_size": [10, 30], "lr": [0.1, 0.01]}) == [
        {"batch_size": 10, "lr": 0.1}, {"batch_size": 10, "lr": 0.01},
        {"batch_size": 30, "lr": 0.1}, {"batch_size": 30, "lr": 0.01}]
    space = parse_search_params({"random": {"trials": 20, "space": {
        "batch_size": {"low": 10, "high": 100}, "lr": {"low": 1e-4, "high": 1e-1,
                                                      "log": True}}}})["random"]
    configs = random_configs(space, 3)
    assert configs == random_configs(space, 3) and len(configs) == 20
    assert configs != random_configs(space, 4)
    assert all(10 <= c["batch_size"] <= 100 and isinstance(c["batch_size"], int)
               for c in configs)
    assert all(1e-4 <= c["lr"] <= 1e-1 for c in configs)


@pytest.mark.parametrize("raw, where", [
    ({"grid": {"units": [1]}}, "task.params.grid.units"),
    ({"grid": {"batch_size": [0]}}, "task.params.grid.batch_size[0]"),
    ({"grid": {"batch_size": []}}, "task.params.grid.batch_size"),
    ({"random": {"trials": 2, "space": {"lr": {"low": 0, "high": 1, "log": True}}}},
     "task.params.random.space.lr.low"),
    ({"random": {"trials": 2}}, "task.params.random"),
    ({"random": {"trials": 2, "seed": 1, "space": {"lr": {"low": 0.1, "high": 1}}}},
     "task.params.random.seed"),
    ({}, "task.params"),
    ({"mode": "best"}, "task.params.mode"),
])
def test_bad_params_name_their_field(raw, where):
    with pytest.raises(ValidationError) as err:
        parse_search_params(raw)
    assert err.value.where == where


def test_each_step_trains_one_configuration_and_the_best_is_marked():
    session = search_session()
    result = run_session(session)
    tables = session.task.tables()
    assert result.metrics["grid_runs"] == 5 and result.metrics["random_runs"] == 5
    grid = tables["grid"]
    assert grid["rows"][:, 0].tolist() == [10, 30, 50, 70, 90]
    assert np.isfinite(grid["scores"]).all()
    assert grid["scores"][grid["best"]] == grid["scores"].max()
    assert result.metrics["grid_best_val_accuracy"] == grid["scores"].max()
    assert result.metrics["grid_best_batch_size"] == grid["rows"][grid["best"], 0]
    p = probe(session, "search")
    assert p["done"] == p["total"] == 10 and p["metric"] == "val_accuracy"


def test_a_missing_metric_is_named():
    session = search_session(metric="val_f9")
    result = run_session(session)
    assert result.state == "failed" and "val_f9" in result.reason
