"""Old project files load: formats 1 and 2 (task seeds) migrate to the current format."""

from __future__ import annotations

import copy
import json

import pytest

from playground.project.migrations import search_seed_to_training, task_seeds_to_training
from playground.project.presets import list_presets, presets_dir
from playground.project.schema import FORMAT_VERSION, load_project, project_from_dict
from playground.project.variants import variant_projects
from playground.run.orchestrator import run_project
from playground.run.session import build_session

SGD = {"lr": 1.0, "momentum": 0.0, "dampening": 0.0, "nesterov": False, "weight_decay": 0.0}


def unit_graph() -> dict:
    return {"nodes": [{"id": "x", "type": "input", "params": {}},
                      {"id": "perceptron", "type": "dense",
                       "params": {"units": 1, "activation": "sign"}},
                      {"id": "y", "type": "output", "params": {}}],
            "edges": [{"src": "x", "dst": "perceptron"}, {"src": "perceptron", "dst": "y"}]}


def format_1_pla() -> dict:
    """dl4b's PLA as a format-1 file: the rule's random.seed(7) in the task's params."""
    return {"format_version": 1, "graphs": {"model": unit_graph()},
            "data": {"type": "perceptron_blobs", "params": {"class_sep": 1.2}},
            "task": {"type": "perceptron",
                     "params": {"selection": "random_misclassified", "init": "zeros",
                                "rng": "python", "seed": 7}},
            "training": {"optimizer": {"type": "sgd", "params": SGD}, "epochs": 100,
                         "batch_size": "full", "device": "cpu", "seed": 0},
            "variants": [{"name": "book", "patch": {}},
                         {"name": "other", "patch": {"task.params.seed": 8}}]}


def test_a_saved_format_1_file_loads_and_runs_as_before(tmp_path):
    path = tmp_path / "old.json"
    path.write_text(json.dumps(format_1_pla()))
    project = load_project(path)
    assert project.training.seed == 7 and "seed" not in project.task_params
    book, other = variant_projects(project)
    assert other.project.training.seed == 8  # the variant's task seed moved too
    result = run_project(project)
    assert result.metrics["book.updates"] == 14  # the book's 'Total iterations: 14'
    assert result.metrics["other.updates"] != 14
    saved = project.to_dict()
    assert saved["format_version"] == FORMAT_VERSION == 3
    assert saved["variants"][1]["patch"] == {"training.seed": 8}


def test_migration_leaves_its_argument_alone():
    raw = format_1_pla()
    before = copy.deepcopy(raw)
    project_from_dict(raw)
    assert raw == before


def test_patches_of_whole_task_params_and_racers_lose_their_seeds():
    raw = {"format_version": 1, "task": {"type": "stepthrough", "params": {"rng": "numpy"}},
           "variants": [{"name": "a", "patch": {"task.params": {"rng": "numpy", "seed": 3}}},
                        {"name": "b", "patch": {"task.params.seed": 4,
                                                "task.params.rng": "torch"}},
                        {"name": "c", "patch": {"task.params.racers.1.sampler.params.seed": 5}},
                        {"name": "d", "patch": {"task": {"type": "rbm_stack",
                                                         "params": {"seed": 6}}}}]}
    a, b, c, d = (v["patch"] for v in task_seeds_to_training(raw)["variants"])
    assert a == {"task.params": {"rng": "numpy"}, "training.seed": 3}
    assert b == {"task.params.rng": "torch"}  # the trainer's generator: the seed was unused
    assert c == {"training.seed": 5}
    assert d == {"task": {"type": "rbm_stack", "params": {}}, "training.seed": 6}


@pytest.mark.parametrize("raw", [{"format_version": 1, "task": "perceptron"},
                                 {"format_version": 1, "task": {"type": "lms", "params": []}},
                                 {"format_version": 1, "task": {"type": "lms"},
                                  "variants": ["x", {"patch": None}]},
                                 {"format_version": 1, "task": {"type": "lms"}, "variants": 3}])
def test_migration_accepts_anything(raw):
    assert task_seeds_to_training(raw)["task"] == raw["task"]


def format_2_search(seed: int) -> dict:
    """ad3501-search as a format-2 file: the random search's own seed in its params."""
    raw = json.loads((presets_dir() / "ad3501-search.json").read_text(encoding="utf-8"))
    raw["format_version"] = 2
    raw["task"]["params"]["random"]["seed"] = seed
    raw["task"]["params"]["epochs_per_run"] = 1
    raw["variants"] = [{"name": "own", "patch": {}},
                       {"name": "moved", "patch": {"task.params.random.seed": 4}},
                       {"name": "whole", "patch": {"task.params.random": {
                           "trials": 2, "seed": 6, "space": {"lr": {"low": 0.1, "high": 1}}}}}]
    return raw


def test_a_format_2_search_seed_becomes_the_training_seed():
    project = project_from_dict(format_2_search(5))
    assert project.training.seed == 5 and "seed" not in project.task_params["random"]
    own, moved, whole = (v.project for v in variant_projects(project))
    assert (own.training.seed, moved.training.seed, whole.training.seed) == (5, 4, 6)
    assert "seed" not in whole.task_params["random"]
    assert project.to_dict()["variants"][1]["patch"] == {"training.seed": 4}


def test_the_random_search_draws_from_the_run_seed():
    """--seed reaches the random search: another training seed, other configurations."""
    raw = format_2_search(0)
    raw.pop("variants")
    draws = {}
    for seed in (0, 1):
        task = build_session(project_from_dict(raw), seed=seed).task
        draws[seed] = [c["batch_size"] for c in task.configs["random"]]
    assert draws[0] != draws[1]
    again = build_session(project_from_dict(raw), seed=1).task
    assert [c["batch_size"] for c in again.configs["random"]] == draws[1]


@pytest.mark.parametrize("raw", [{"format_version": 2, "task": {"type": "search"}},
                                 {"format_version": 2, "task": {"type": "search",
                                                                "params": {"random": 3}}},
                                 {"format_version": 2, "task": {"type": "search"},
                                  "variants": ["x", {"patch": {"task.params": 2}}]}])
def test_search_migration_accepts_anything(raw):
    assert search_seed_to_training(raw) == raw


def test_every_shipped_preset_is_at_the_current_format():
    """Shipped presets are written in the current format: no preset relies on a migration."""
    for info in list_presets():
        raw = json.loads(info.path.read_text(encoding="utf-8"))
        assert raw["format_version"] == FORMAT_VERSION, info.id
        params = raw.get("task", {}).get("params", {})
        assert "seed" not in params or raw["task"]["type"] not in (
            "perceptron", "lms", "stepthrough", "rbm_stack", "perceptron_sweep"), info.id
        assert "seed" not in params.get("random", {}), info.id
