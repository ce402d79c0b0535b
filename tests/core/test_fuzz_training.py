"""Property: a random graph with a matching random dataset (through the .npz loader) either
trains for an epoch or is refused with a PlaygroundError; never a raw PyTorch error.

Graphs come from tests/core/test_fuzz_graphs.py's generator, with a Flatten -> Dense head
so that many of them fit a classification or regression target.
"""

from __future__ import annotations

import itertools
import os
import tempfile

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.errors import PlaygroundError
from playground.graph import Graph
from playground.project.schema import project_from_dict
from playground.run.session import build_session
from tests.core import test_fuzz_graphs as graphs

FOLDER = tempfile.mkdtemp(prefix="fuzz-training-")
_names = itertools.count()


@st.composite
def training_cases(draw):
    """(project dict, description) for a random graph, dataset, task and optimizer."""
    graph, shapes = draw(graphs.random_graphs())
    feeding = next((e.src for e in graph.edges if e.dst == "y"), None)
    graph.remove_node("y")
    task = draw(st.sampled_from(["classification", "regression"]))
    loss = draw(st.sampled_from(["cross_entropy", "bce", "mse"] if task == "classification"
                                else ["mse", "mae", "huber"]))
    classes = draw(st.integers(2, 4))
    units = 1 if loss == "bce" else classes if task == "classification" else \
        draw(st.integers(1, 3))
    graph.add_node("flatten", node_id="head_flat")
    graph.add_node("dense", {"units": units, "activation": "sigmoid" if loss == "bce"
                             else "identity"}, node_id="head")
    graph.add_node("output", node_id="y")
    if feeding is not None:
        graph.connect(feeding, "head_flat")
    graph.connect("head_flat", "head")
    graph.connect("head", "y")
    n = draw(st.integers(2, 10))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    x = rng.normal(size=(n, *shapes["x0"])).astype(np.float32)
    if task == "classification":
        y = rng.integers(0, 2 if loss == "bce" else classes, n)
    else:
        y = rng.normal(size=(n, units)).astype(np.float32)
    path = os.path.join(FOLDER, f"data{next(_names)}.npz")
    np.savez(path, x=x, y=y)
    optimizer = draw(st.sampled_from([("sgd", {"lr": 0.05, "momentum": 0.9}),
                                      ("adam", {"lr": 0.01}), ("rmsprop", {"lr": 0.01}),
                                      ("adagrad", {"lr": 0.1}), ("nadam", {"lr": 0.01})]))
    raw = {
        "format_version": 1,
        "graphs": {"model": graph.to_dict()},
        "data": {"type": "npz", "params": {"path": path, "task": task},
                 "split": {"val": draw(st.sampled_from([0.0, 0.25]))}},
        "task": {"type": task, "params": {"loss": loss}},
        "training": {"optimizer": {"type": optimizer[0], "params": optimizer[1]},
                     "batch_size": draw(st.sampled_from(["full", 1, 3])), "epochs": 1,
                     "seed": 0, "device": "cpu",
                     "l2": draw(st.sampled_from([0.0, 0.01])),
                     "grad_clip": draw(st.sampled_from([None, 1.0]))},
    }
    return raw


def trains_or_refuses(raw: dict) -> str:
    """'refused', or the trainer's final state; fails on anything but a PlaygroundError."""
    try:
        session = build_session(project_from_dict(raw))
    except PlaygroundError as exc:
        assert "\n" not in str(exc)
        return "refused"
    errors = []
    session.trainer.events.failed.connect(errors.append)
    state = session.trainer.run(epochs=1)
    # The trainer turns exceptions into a "failed" state; one from PyTorch itself (named by
    # its type, "RuntimeError: ...") means validation let a broken combination through.
    assert state in ("finished", "diverged") or (
        state == "failed" and errors and not errors[0].split(":")[0].endswith("Error")), errors
    if state == "finished":
        assert session.trainer.step >= 1
    return state


SETTINGS = dict(deadline=None, derandomize=True, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])


@settings(max_examples=150, **SETTINGS)
@given(training_cases())
def test_random_graphs_train_or_raise_playground_errors(raw):
    torch.set_num_threads(1)
    trains_or_refuses(raw)


def test_the_generator_reaches_training():
    """Guard against a generator that only makes refused cases."""
    outcomes = []

    @settings(max_examples=60, **SETTINGS)
    @given(training_cases())
    def collect(raw):
        outcomes.append(trains_or_refuses(raw))

    collect()
    assert outcomes.count("finished") >= 10 and outcomes.count("refused") >= 5


@pytest.mark.slow
@settings(max_examples=2000, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
@given(training_cases())
def test_random_graphs_train_at_scale(raw):
    trains_or_refuses(raw)


def test_two_inputs_fed_one_tensor_are_refused_clearly(tmp_path):
    graph = Graph()
    for nid in ("a", "b"):
        graph.add_node("input", node_id=nid)
    graph.add_node("add", node_id="sum")
    graph.add_node("dense", {"units": 2}, node_id="head")
    graph.add_node("output", node_id="y")
    graph.connect("a", "sum", dst_port="in1")
    graph.connect("b", "sum", dst_port="in2")
    graph.connect("sum", "head")
    graph.connect("head", "y")
    np.savez(tmp_path / "d.npz", x=np.zeros((4, 3), np.float32), y=np.array([0, 1, 0, 1]))
    raw = {"format_version": 1, "graphs": {"model": graph.to_dict()},
           "data": {"type": "npz", "params": {"path": str(tmp_path / "d.npz")}},
           "task": {"type": "classification", "params": {"loss": "cross_entropy"}},
           "training": {"epochs": 1, "device": "cpu"}}
    assert trains_or_refuses(raw) == "refused"
