"""The ``evaluate`` task: hand-set frozen networks run forward, outputs and metrics reported."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from playground.project.expect import evaluate_checks
from playground.run.orchestrator import run_session
from playground.run.session import build_session
from playground.tasks.evaluate import (
    EvaluateClassificationTask,
    EvaluateOutputsTask,
    roc_auc,
)
from tests.helpers import make_project

SGD = {"type": "sgd", "params": {"lr": 0.1}}


def conv_project(stride: int = 1) -> dict:
    """A 1x3x3 image through a frozen 2x2 conv (stride as given) and a frozen Dense."""
    nodes = [
        {"id": "image", "type": "input", "params": {}, "pos": [0, 0]},
        {"id": "conv", "type": "conv2d", "pos": [100, 0], "trainable": False,
         "params": {"filters": 1, "kernel_size": [2, 2], "stride": [stride, stride]},
         "weights": {"weight": [[[[1, 0], [0, 1]]]], "bias": [0.5]}},
        {"id": "flat", "type": "flatten", "params": {}, "pos": [200, 0]},
        {"id": "map", "type": "output", "params": {}, "pos": [300, 0]},
    ]
    edges = [{"src": "image", "dst": "conv"}, {"src": "conv", "dst": "flat"},
             {"src": "flat", "dst": "map"}]
    return dict(graphs={"model": {"nodes": nodes, "edges": edges}},
                data={"type": "literal", "params": {"inputs": list(range(1, 10)),
                                                    "shape": [1, 3, 3], "target": "none"}},
                task={"type": "evaluate", "params": {}},
                training={"optimizer": SGD, "batch_size": "full", "epochs": 1, "device": "cpu"})


def run(**changes):
    session = build_session(make_project(**changes))
    result = run_session(session)
    return session, result


def test_outputs_of_a_frozen_convolution():
    session, result = run(**conv_project())
    assert result.state == "finished"
    assert isinstance(session.task, EvaluateOutputsTask)
    arrays = session.task.arrays()
    # [[1, 2, 3], [4, 5, 6], [7, 8, 9]] with [[1, 0], [0, 1]]: a + d, plus the bias 0.5.
    assert arrays["conv"][0, 0].tolist() == [[6.5, 8.5], [12.5, 14.5]]
    assert arrays["conv.shape"].tolist() == [1, 2, 2]
    assert arrays["map"].tolist() == [[6.5, 8.5, 12.5, 14.5]]
    assert arrays["image"].shape == (1, 1, 3, 3)
    m = result.metrics
    assert m["conv[0,0,1,0]"] == 12.5 and m["flat[0,3]"] == 14.5
    assert "map[0,0]" not in m  # an Output fed by a layer repeats the layer's values


def test_array_checks_read_the_outputs():
    session, result = run(**conv_project(stride=2))
    checks = evaluate_checks([{"array": "conv", "index": [0, 0], "equals": [[6.5]]},
                              {"array": "conv.shape", "equals": [1, 1, 1]},
                              {"array": "conv", "index": [0, 0], "equals": [[7]]}],
                             result.metrics, session.task)
    assert [c.passed for c in checks] == [True, True, False]


def test_nothing_changes_and_no_optimizer_is_needed():
    session, result = run(**conv_project())
    weight = session.task.compiled["model"].node_module("conv").weight
    assert weight.detach().flatten().tolist() == [1, 0, 0, 1]
    assert session.task.optimizers == []
    assert not any(p.requires_grad for p in session.task.model.parameters())


def test_regression_targets_add_the_mse():
    nodes = [{"id": "x", "type": "input", "params": {}, "pos": [0, 0]},
             {"id": "line", "type": "dense", "pos": [100, 0], "trainable": False,
              "params": {"units": 1}, "weights": {"weight": [[2.0]], "bias": [1.0]}},
             {"id": "y", "type": "output", "params": {}, "pos": [200, 0]}]
    edges = [{"src": "x", "dst": "line"}, {"src": "line", "dst": "y"}]
    _, result = run(graphs={"model": {"nodes": nodes, "edges": edges}},
                    data={"type": "literal", "params": {"inputs": [0, 1, 2], "shape": [1],
                                                        "target": "regression",
                                                        "targets": [1, 3, 6]}},
                    task={"type": "evaluate", "params": {}},
                    training={"optimizer": SGD, "batch_size": "full", "epochs": 1})
    assert result.metrics["train_mse"] == pytest.approx(1 / 3)  # outputs 1, 3, 5
    assert result.metrics["line[2,0]"] == 5


def score_project(scores, labels, threshold=0.5) -> dict:
    nodes = [{"id": "score", "type": "input", "params": {}, "pos": [0, 0]},
             {"id": "prediction", "type": "output", "params": {}, "pos": [100, 0]}]
    return dict(graphs={"model": {"nodes": nodes,
                                  "edges": [{"src": "score", "dst": "prediction"}]}},
                data={"type": "literal", "params": {"inputs": scores, "shape": [1],
                                                    "target": "class", "targets": labels,
                                                    "train_rows": 0}},
                task={"type": "evaluate", "params": {"loss": "mse", "threshold": threshold}},
                training={"optimizer": SGD, "batch_size": "full", "epochs": 1})


def test_classification_metrics_of_given_scores():
    scores = [0.1, 0.4, 0.6, 0.2, 0.7, 0.9, 0.3, 0.8]
    labels = [0, 0, 0, 1, 1, 1, 1, 1]
    session, result = run(**score_project(scores, labels))
    assert isinstance(session.task, EvaluateClassificationTask)
    m = result.metrics
    # Predicted YES above 0.5: 0.6 (a NO), 0.7, 0.9, 0.8; missed 0.2 and 0.3.
    assert (m["test_tp"], m["test_fp"], m["test_fn"], m["test_tn"]) == (3, 1, 2, 2)
    assert m["test_accuracy"] == pytest.approx(5 / 8)
    assert m["test_precision"] == pytest.approx(3 / 4)
    assert m["test_recall"] == pytest.approx(3 / 5)
    assert m["test_fpr"] == pytest.approx(1 / 3)
    assert m["test_auc"] == pytest.approx(roc_auc(np.array(scores), np.array(labels)))
    assert "train_accuracy" not in m  # every row is in the test split


def test_the_threshold_moves_the_counts():
    _, result = run(**score_project([0.1, 0.4, 0.6, 0.9], [0, 1, 0, 1], threshold=0.05))
    assert result.metrics["test_recall"] == 1.0 and result.metrics["test_fp"] == 2


def test_roc_auc_matches_sklearn_with_ties():
    from sklearn.metrics import roc_auc_score
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 200)
    scores = np.round(rng.random(200) + 0.3 * labels, 1)  # many ties
    assert roc_auc(scores, labels) == pytest.approx(roc_auc_score(labels, scores))
    assert roc_auc(scores, np.zeros(200)) is None


def test_dropout_stays_off():
    nodes = [{"id": "x", "type": "input", "params": {}, "pos": [0, 0]},
             {"id": "drop", "type": "dropout", "params": {"p": 0.9}, "pos": [100, 0]},
             {"id": "y", "type": "output", "params": {}, "pos": [200, 0]}]
    session, result = run(graphs={"model": {"nodes": nodes, "edges": [
                              {"src": "x", "dst": "drop"}, {"src": "drop", "dst": "y"}]}},
                          data={"type": "literal", "params": {"inputs": [1, 2, 3, 4],
                                                              "shape": [4], "target": "none"}},
                          task={"type": "evaluate", "params": {}},
                          training={"optimizer": SGD, "batch_size": "full", "epochs": 3})
    session.task.train_mode(True)
    assert not session.task.model.training
    assert session.task.arrays()["drop"].tolist() == [[1, 2, 3, 4]]
    with torch.no_grad():
        assert result.metrics["drop[0,3]"] == 4


def line_project(fit: str, layers: int = 1) -> dict:
    nodes = [{"id": "x", "type": "input", "params": {}, "pos": [0, 0]},
             {"id": "line", "type": "dense", "pos": [100, 0], "trainable": False,
              "params": {"units": 1}}]
    if layers == 2:
        nodes.append({"id": "extra", "type": "dense", "pos": [150, 0], "params": {"units": 1}})
    nodes.append({"id": "y", "type": "output", "params": {}, "pos": [200, 0]})
    edges = [{"src": a["id"], "dst": b["id"]} for a, b in zip(nodes, nodes[1:])]
    # y = 2 x1 - x2 + 1 exactly on the training rows, a held-out test row after them.
    return dict(graphs={"model": {"nodes": nodes, "edges": edges}},
                data={"type": "literal", "params": {
                    "inputs": [0, 0, 1, 0, 0, 1, 1, 1, 2, 3], "shape": [2],
                    "target": "regression", "targets": [1, 3, 0, 2, 2], "train_rows": 4}},
                task={"type": "evaluate", "params": {"fit": fit}},
                training={"optimizer": SGD, "batch_size": "full", "epochs": 1})


def test_least_squares_fits_the_dense_layer():
    session, result = run(**line_project("least_squares"))
    layer = session.task.compiled["model"].node_module("line")
    assert layer.weight.detach().flatten().tolist() == pytest.approx([2, -1], abs=1e-5)
    assert float(layer.bias) == pytest.approx(1, abs=1e-5)
    m = result.metrics
    assert m["train_mse"] == pytest.approx(0, abs=1e-9)
    assert m["test_mae"] == pytest.approx(0, abs=1e-5)  # 2*2 - 3 + 1 = 2, the row's target
    assert m["train_r2"] == pytest.approx(1)


def test_least_squares_needs_one_linear_dense():
    from playground.errors import TrainingError
    with pytest.raises(TrainingError, match="one Dense layer"):
        build_session(make_project(**line_project("least_squares", layers=2)))
