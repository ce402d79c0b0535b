"""BatchNorm and batches of one sample: refused up front, or the single last sample skipped."""

import numpy as np
import pytest

from playground.errors import GraphError
from playground.project.schema import project_from_dict
from playground.run.session import build_session


def bn_project(path, batch_size, in_shape=(1,)):
    nodes = [{"id": "x0", "type": "input", "params": {}, "pos": [0, 0]},
             {"id": "bn", "type": "batchnorm", "params": {}, "pos": [0, 0]},
             {"id": "flat", "type": "flatten", "params": {}, "pos": [0, 0]},
             {"id": "head", "type": "dense", "params": {"units": 2}, "pos": [0, 0]},
             {"id": "y", "type": "output", "params": {}, "pos": [0, 0]}]
    edges = [{"src": a, "dst": b} for a, b in
             (("x0", "bn"), ("bn", "flat"), ("flat", "head"), ("head", "y"))]
    return project_from_dict({
        "format_version": 1, "graphs": {"model": {"nodes": nodes, "edges": edges}},
        "data": {"type": "npz", "params": {"path": str(path), "task": "classification"},
                 "split": {"val": 0.0}},
        "task": {"type": "classification", "params": {"loss": "cross_entropy"}},
        "training": {"optimizer": {"type": "sgd", "params": {"lr": 0.05}},
                     "batch_size": batch_size, "epochs": 2, "seed": 0, "device": "cpu"}})


def write_data(tmp_path, n=7, shape=(1,)):
    path = tmp_path / "d.npz"
    rng = np.random.default_rng(0)
    np.savez(path, x=rng.random((n, *shape)).astype("float32"), y=np.arange(n) % 2)
    return path


def test_batch_of_one_is_refused_naming_the_batchnorm(tmp_path):
    with pytest.raises(GraphError) as err:
        build_session(bn_project(write_data(tmp_path), 1))
    assert "'bn'" in str(err.value) and "batch_size" in str(err.value)


def test_a_last_batch_of_one_is_skipped_and_training_finishes(tmp_path):
    session = build_session(bn_project(write_data(tmp_path, n=7), 3))  # 3 + 3 + 1
    assert session.task.batches.steps == 2
    assert session.trainer.run() == "finished"
    assert session.trainer.step == 4


def test_batchnorm_over_a_sequence_trains_on_single_samples(tmp_path):
    """(C, L) input: each channel has L values per sample, so a batch of one is fine."""
    session = build_session(bn_project(write_data(tmp_path, n=5, shape=(2, 4)), 1))
    assert session.task.batches.steps == 5
    assert session.trainer.run() == "finished"


def test_a_zero_eps_is_refused_as_a_parameter_error(tmp_path):
    """PyTorch's BatchNorm refuses eps = 0 while training: the parameter's range says so first."""
    from playground.errors import PlaygroundError

    project = bn_project(write_data(tmp_path), 3)
    project.graph.nodes["bn"].params["eps"] = 0.0
    with pytest.raises(PlaygroundError, match="eps"):
        build_session(project)
