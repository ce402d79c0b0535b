"""Activity regularisation (Keras's activity_regularizer) and the autoencoder's code metrics."""

from __future__ import annotations

import json

import pytest
import torch

from playground.errors import PlaygroundError
from playground.layers.core import ActivityRegularization
from playground.project.presets import presets_dir
from playground.project.schema import project_from_dict
from playground.run.orchestrator import run_session
from playground.run.session import build_session


def test_penalty_is_keras_per_sample_l1_and_l2():
    layer = ActivityRegularization(l1=0.1, l2=0.01)
    x = torch.tensor([[1.0, -2.0], [0.0, 3.0]])
    assert torch.equal(layer(x), x)
    expected = (0.1 * 6.0 + 0.01 * 14.0) / 2  # sums over the batch, per sample
    assert float(layer.penalty) == pytest.approx(expected)


def sparse_session(epochs: int = 2, **task):
    raw = json.loads((presets_dir() / "ad3501-sparse-ae.json").read_text())
    raw["training"].update(epochs=epochs, device="cpu")
    raw["task"]["params"].update(task)
    return build_session(project_from_dict(raw))


def test_training_adds_the_penalty_to_the_loss():
    session = sparse_session()
    task = session.task
    assert len(task._activity) == 1
    x = task.splits["train"][0][:16]
    task.model.train()
    out = task.model(x)
    loss = task.loss_fn(out, x)
    with torch.no_grad():
        total = task._with_penalty(loss)
        assert float(total - loss) == pytest.approx(float(task._activity[0].penalty), rel=1e-4)
    task.train_step()
    assert not task._activity[0].penalty.requires_grad  # released after the step


def test_code_metrics_measure_the_code_nodes_outputs():
    session = sparse_session(epochs=1)
    result = run_session(session)
    task = session.task
    from playground.tasks.evaluate import node_outputs
    with torch.no_grad():
        task.model.eval()
        codes = node_outputs(task.compiled["model"], task.splits["val"][0])["code"]
    assert result.metrics["val_code_mean"] == pytest.approx(float(codes.abs().mean()), rel=1e-5)
    assert result.metrics["val_code_active"] == pytest.approx(float((codes > 1e-6).float().mean()))
    with pytest.raises(PlaygroundError, match="code_node 'nope'"):
        run_session(sparse_session(epochs=1, code_node="nope"))
