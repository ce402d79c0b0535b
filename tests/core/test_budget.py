"""One memory and time budget, checked before allocating: dataset generators, windows,
checkpoint tensors, a model's activations per batch, the graph's size; the CSV reader near
its result; option combinations torch would refuse; values and files that used to end in a
traceback. (tests/core/test_hostile_files.py feeds the corpus' files of each kind.)"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import json
import os
import re
import sys

import numpy as np
import pytest
import torch

from playground import limits
from playground.data import load_dataset, parse_data_spec
from playground.data.base import DATASETS
from playground.errors import DataError, GraphError, ValidationError
from playground.export.checkpoint import checkpoint_state, load_checkpoint
from playground.graph import Graph
from playground.project.schema import load_project, project_from_dict
from playground.run.session import build_session
from playground.training.config import SCHEDULES, parse_training
from playground.training.optimizers import OPTIMIZERS, build_optimizer
from playground.training.schedules import build_schedulers, step_schedulers
from tests.hostile import make_corpus
from tests.memory import measure

MB = 2**20


def load(type_: str, **params):
    return load_dataset(parse_data_spec({"type": type_, "params": params}))


# -- the budget ----------------------------------------------------------------------------

def test_the_budget_is_half_the_available_memory_unless_the_environment_says(monkeypatch):
    monkeypatch.delenv(limits.MEMORY_ENV, raising=False)
    monkeypatch.setattr(limits, "available_memory", lambda: 8 * 2**30)
    assert limits.memory_budget() == (4 * 2**30, "half of the 8 GB of memory available; set "
                                                 "PLAYGROUND_MEMORY_LIMIT to change it")
    monkeypatch.setenv(limits.MEMORY_ENV, "1.5G")
    assert limits.memory_budget() == (3 * 2**29, "PLAYGROUND_MEMORY_LIMIT=1.5G")
    monkeypatch.setenv(limits.MEMORY_ENV, "lots")  # ignored: the default still protects
    assert limits.memory_budget()[0] == 4 * 2**30
    assert [limits.parse_bytes(t) for t in ("512", "64k", "3M", "2GB", "1T")] == \
        [512, 64 * 2**10, 3 * 2**20, 2 * 2**30, 2**40]


@pytest.mark.parametrize("type_, params, param", [
    ("sales", {"months": 10**7}, "months"),
    ("harmonic", {"n_points": 10**7}, "n_points"),
    ("harmonic", {"n_points": 10**5, "window": 50_000}, "window"),
    ("shapes", {"size": 64, "n_per_class": 5000}, "n_per_class"),
    ("text_chars", {"corpus_chars": 10**6, "window": 1000, "step": 1}, "window"),
    ("gaussian_samples", {"n_samples": 1_000_000, "dims": 128}, "n_samples"),
])
def test_every_generator_is_estimated_and_refused_before_it_allocates(type_, params, param,
                                                                      monkeypatch):
    monkeypatch.setenv(limits.MEMORY_ENV, "256M")
    _, error, cost = measure(lambda: load(type_, **params))
    assert isinstance(error, DataError), error
    message = str(error)
    assert message.startswith(f"data.params.{param}: ") and "at most 256 MB fit" in message
    assert message.endswith(f"; lower {param}") and "\n" not in message
    assert cost.rss_growth is None or cost.rss_growth < 64 * MB


@pytest.mark.parametrize("type_", ["airline", "gaussian_samples", "harmonic", "sales", "shapes",
                                   "text_chars"])
def test_each_estimate_is_above_what_the_generator_really_takes(type_):
    """The estimates must be generous: measured peak <= estimate, at a size big enough to
    measure (tens of MB)."""
    params = {"sales": {"months": 400_000}, "harmonic": {"n_points": 400_000},
              "airline": {}, "shapes": {"size": 32, "n_per_class": 2000},
              "text_chars": {"corpus_chars": 2_000_000, "window": 8, "step": 1},
              "gaussian_samples": {"n_samples": 200_000, "dims": 16}}[type_]
    spec = parse_data_spec({"type": type_, "params": params, "split": {"test": 0.2}}
                           if type_ in ("shapes", "gaussian_samples") else
                           {"type": type_, "params": params})
    footprint = DATASETS.get(type_).footprint
    assert footprint is not None
    estimate = sum(part.bytes for part in footprint(spec.params))
    _, error, cost = measure(lambda: load_dataset(spec))
    assert error is None
    if cost.rss_growth is not None and cost.rss_growth > 16 * MB:
        assert cost.rss_growth <= estimate, (cost.rss_growth, estimate)


def test_windows_are_checked_again_when_the_splits_copy_them(monkeypatch):
    """Windows are views of the series until the splits copy them: that copy is checked in
    load_dataset for any dataset, also one that declares no estimate of its own."""
    entry = DATASETS.get("harmonic")
    monkeypatch.setitem(DATASETS._entries, "harmonic", dataclasses.replace(entry, footprint=None))
    monkeypatch.setenv(limits.MEMORY_ENV, "64M")
    _, error, cost = measure(lambda: load("harmonic", n_points=200_000, window=2000))
    assert str(error).startswith("dataset 'harmonic': 198,000 samples of 2,000 values would "
                                 "take about 1.48 GB; at most 64 MB fit")
    assert cost.rss_growth is None or cost.rss_growth < 64 * MB


def test_a_read_error_mid_file_is_one_line(tmp_path):
    if not os.path.exists("/proc/self/mem"):
        pytest.skip("no /proc here")
    # /proc/self/mem is a regular file of size 0 whose first read fails with EIO
    with pytest.raises(DataError) as err:
        load("csv", path="/proc/self/mem")
    assert str(err.value) == "mem: cannot read: Input/output error"


def test_running_out_of_memory_while_generating_is_one_line(monkeypatch):
    entry = DATASETS.get("spiral")

    def greedy(params, rng):
        raise MemoryError()

    monkeypatch.setitem(DATASETS._entries, "spiral", dataclasses.replace(entry, generate=greedy))
    with pytest.raises(DataError, match=r"^dataset 'spiral': not enough memory to generate"):
        load("spiral")


def test_a_value_beyond_float32_is_refused_wherever_it_comes_from(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("a,b\n1,0\n2,-4e38\n")
    with pytest.raises(DataError, match=r"big\.csv row 3, column 'b': '-4e38' is too large"):
        load("csv", path=str(path), target="a", task="regression")
    np.savez(tmp_path / "y.npz", x=np.zeros((2, 2)), y=np.array([1.0, 1e300]))
    with pytest.raises(DataError, match=r"y\.npz: y\[1\] = 1e\+300 is too large for "
                                        r"float32"):
        load("npz", path=str(tmp_path / "y.npz"), task="regression")


# -- the CSV reader's memory ------------------------------------------------------------------

def test_the_csv_reader_peaks_near_its_result(tmp_path):
    """A 40 MB table with text labels: the old reader kept every label as text (4 bytes per
    character per row, twice) and the feature blocks twice; the peak is now near x and y."""
    rows = 600_000
    rng = np.random.default_rng(0)
    path = tmp_path / "table.csv"
    with open(path, "w") as handle:
        handle.write("a,b,c,species\n")
        for _ in range(0, rows, 100_000):
            values = rng.random((100_000, 3))
            names = rng.choice(["iris-setosa-from-the-north", "iris-versicolor-of-the-sea",
                                "iris-virginica-in-the-hills"], 100_000)
            handle.write("".join(f"{a:.6f},{b:.6f},{c:.6f},{n}\n"
                                 for (a, b, c), n in zip(values, names)))
    assert path.stat().st_size > 30 * MB
    result, error, cost = measure(lambda: load("csv", path=str(path)))
    assert error is None and result.train.x.shape == (rows, 3)
    assert result.info.class_names == ("iris-setosa-from-the-north",
                                       "iris-versicolor-of-the-sea",
                                       "iris-virginica-in-the-hills")
    arrays = result.train.x.nbytes + result.train.y.nbytes  # 7.2 MB + 4.8 MB
    if cost.rss_growth is not None:
        assert cost.rss_growth < 4 * arrays + 24 * MB, (cost.rss_growth, arrays)


# -- checkpoints --------------------------------------------------------------------------

def test_checkpoint_tensors_must_fit_the_budget(tmp_path, monkeypatch):
    session = build_session(project_from_dict(make_corpus.BASE))
    state = checkpoint_state(session)
    state["trainer"]["history"]["loss"] = {"x": torch.zeros(300_000, dtype=torch.float64),
                                           "y": torch.zeros(300_000, dtype=torch.float64)}
    torch.save(state, tmp_path / "big.pt")
    assert load_checkpoint(tmp_path / "big.pt")  # 4.6 MB of history: fine by default
    monkeypatch.setenv(limits.MEMORY_ENV, "4M")
    with pytest.raises(ValidationError, match=r"^big\.pt: its tensors would take about 4\.5\d "
                                              r"MB; at most 4 MB fit .*; the largest is "
                                              r"trainer\.history\.loss\.[xy]$"):
        load_checkpoint(tmp_path / "big.pt")


def test_a_tensor_overlapping_itself_in_a_checkpoint_is_refused_before_anything_copies_it():
    path = make_corpus.CORPUS / "checkpoint-stride-zero.pt"
    _, error, cost = measure(lambda: load_checkpoint(path))
    assert isinstance(error, ValidationError) and "declares 100,000,000,000 elements" in str(error)
    assert cost.rss_growth is None or cost.rss_growth < 64 * MB


# -- models -------------------------------------------------------------------------------

def test_the_batch_decides_whether_a_model_fits(monkeypatch):
    """Same graph, same data: refused with a batch of 4, built with a batch of 1 (the check
    is per batch, not per sample). 5 M values per sample: training holds 12 bytes per value
    and sample of the batch, evaluation (4 samples, no gradients) 2 x 4 bytes."""
    monkeypatch.setenv(limits.MEMORY_ENV, "200M")
    raw = json.loads(make_corpus.repeat_dense())
    raw["data"] = make_corpus.BASE["data"]  # the XOR truth table: 4 samples
    for node in raw["graphs"]["model"]["nodes"]:
        if node["id"] == "repeat":
            node["params"]["times"] = 2000  # 2000 x 2500 = 5 M values per sample
    raw["training"]["batch_size"] = 4  # 4 x 5 M x 12 bytes = 240 MB
    _, error, cost = measure(lambda: build_session(project_from_dict(raw)))
    assert isinstance(error, GraphError) and error.node == "wide"
    assert re.match(r"node 'wide': training on batches of 4 samples \(activations 229 MB, "
                    r"weights and optimizer state \d+ kB\) would take about 229 MB; at most "
                    r"200 MB fit", str(error)), str(error)
    assert cost.rss_growth is None or cost.rss_growth < 64 * MB
    raw["training"]["batch_size"] = 1  # 60 MB
    assert build_session(project_from_dict(raw)).task.compiled


def test_the_input_shape_is_checked_against_the_data_at_build():
    raw = copy.deepcopy(make_corpus.BASE)
    raw["graphs"]["model"]["nodes"][0]["params"] = {"shape": [2, 1]}
    with pytest.raises(GraphError) as err:
        build_session(project_from_dict(raw))
    assert str(err.value).startswith("node 'x': declares samples of shape (N, 2, 1) but the "
                                     "data's samples are (N, 2)")


def test_a_graph_over_the_size_limit_is_refused_when_it_loads(tmp_path):
    raw = copy.deepcopy(make_corpus.BASE)
    raw["graphs"]["model"] = make_corpus.make_big_graph(20_000)  # 2 MB: under the file limit
    path = tmp_path / "big.json"
    path.write_text(json.dumps(raw))
    assert path.stat().st_size < 20 * MB
    _, error, cost = measure(lambda: load_project(path), trace=True)
    assert str(error) == (f"big.json: graphs.model.nodes: 20,002 nodes; a graph may have at "
                          f"most {limits.MAX_GRAPH_NODES:,}")
    assert cost.py_peak < 64 * MB


def test_a_graph_at_the_limit_compiles_and_a_cycle_in_it_is_named():
    from playground.compiler import compile_graph
    from playground.shapes import infer

    graph = Graph.from_dict(make_corpus.make_big_graph(limits.MAX_GRAPH_NODES - 2))
    graph.nodes["x"].params["shape"] = [2]
    compiled = compile_graph(graph)
    assert len(compiled.layer_nodes()) == limits.MAX_GRAPH_NODES - 2
    looped = Graph.from_dict({**make_corpus.make_big_graph(limits.MAX_GRAPH_NODES - 2)})
    looped.edges.append(type(looped.edges[0])("d900", "d100"))
    report = infer(looped, {"x": (2,)})
    assert "is part of a cycle (d900 -> d100 -> d101" in str(report.nodes["d900"].error)
    with pytest.raises(GraphError, match="at most 1,000 nodes"):
        big = Graph.from_dict(make_corpus.make_big_graph(10))
        for i in range(limits.MAX_GRAPH_NODES):
            big.add_node("relu", node_id=f"r{i}")
        compile_graph(big)


# -- option combinations -------------------------------------------------------------------

def _corners(params) -> list[dict]:
    """Every combination of each param's extreme values (its range's ends; both booleans)."""
    choices = []
    for p in params:
        if p.kind == "bool":
            choices.append([(p.name, False), (p.name, True)])
        elif p.kind in ("int", "float"):
            choices.append([(p.name, p.min), (p.name, p.max)])
        else:
            choices.append([(p.name, p.default)])
    return [dict(combo) for combo in itertools.product(*choices)]


@pytest.mark.parametrize("optimizer", OPTIMIZERS.ids())
def test_every_optimizer_setting_a_file_may_hold_is_one_torch_takes(optimizer):
    """At every corner of the declared ranges: either the file is refused with a line naming
    the field, or torch builds the optimizer and takes a step. Never a torch exception."""
    for hyper in _corners(OPTIMIZERS.get(optimizer).params):
        raw = {"optimizer": {"type": optimizer, "params": hyper}}
        try:
            config = parse_training(raw)
        except ValidationError as exc:
            assert str(exc).startswith("training.optimizer.params."), exc
            continue
        weight = torch.nn.Parameter(torch.ones(3))
        opt = build_optimizer(config.optimizer, config.optimizer_params, [weight])
        weight.sum().backward()
        opt.step()


@pytest.mark.parametrize("schedule", [s for s in SCHEDULES if s != "none"])
def test_every_schedule_setting_a_file_may_hold_is_one_torch_takes(schedule):
    for params in _corners(SCHEDULES[schedule]):
        for early in (None, {"monitor": "train_accuracy", "mode": "max"}):
            raw = {"schedule": {"type": schedule, "params": params},
                   "early_stopping": early}
            try:
                config = parse_training(raw)
            except ValidationError as exc:
                assert str(exc).startswith("training.schedule.params."), exc
                continue
            opt = torch.optim.SGD([torch.nn.Parameter(torch.ones(1))], lr=0.1)
            schedulers = build_schedulers(config, [opt])
            for _ in range(3):
                opt.step()
                step_schedulers(schedulers, 0.5)


def test_sgd_nesterov_is_refused_where_it_is_declared_with_the_reason():
    for momentum, dampening in ((0.0, 0.0), (0.9, 0.1)):
        with pytest.raises(ValidationError, match=r"^training\.optimizer\.params\.nesterov: "
                                                  r"Nesterov momentum needs momentum > 0 and "
                                                  r"dampening 0"):
            parse_training({"optimizer": {"type": "sgd", "params": {
                "lr": 0.1, "momentum": momentum, "dampening": dampening, "nesterov": True}}})
    assert parse_training({"optimizer": {"type": "sgd", "params": {
        "lr": 0.1, "momentum": 0.9, "nesterov": True}}}).optimizer_params["nesterov"]


if sys.platform == "win32":  # pragma: no cover - /proc and tmpfs are Linux
    pytestmark = pytest.mark.skip("Linux memory accounting")
