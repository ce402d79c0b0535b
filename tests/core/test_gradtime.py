"""Gradient through time (ldl ch10): the input-gradient norms per step, and the memory data."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from playground.data import load_dataset, parse_data_spec
from playground.layers.recurrent import Recurrent
from playground.probes import applicable_probes
from playground.probes.base import PROBES
from playground.probes.gradtime import input_gradient_norms
from playground.project.schema import project_from_dict
from playground.run.session import build_session
from tests.core.test_probes import probe


def memory_session(kind: str = "rnn", steps: int = 12):
    rec = {"hidden_size": 4}
    nodes = [{"id": "x", "type": "input", "params": {}, "pos": [0, 0]},
             {"id": "r", "type": kind, "params": rec, "pos": [1, 0]},
             {"id": "d", "type": "dense", "params": {"units": 1}, "pos": [2, 0]},
             {"id": "y", "type": "output", "params": {}, "pos": [3, 0]}]
    raw = {"format_version": 1,
           "graphs": {"model": {"nodes": nodes, "edges": [
               {"src": a["id"], "dst": b["id"]} for a, b in zip(nodes, nodes[1:])]}},
           "data": {"type": "remember_first", "params": {"n_sequences": 40, "steps": steps},
                    "split": {"val": 0.25}},
           "task": {"type": "regression", "params": {"loss": "mse"}},
           "training": {"optimizer": {"type": "adam", "params": {"lr": 0.01}}, "epochs": 1,
                        "device": "cpu"}}
    return build_session(project_from_dict(raw))


def test_remember_first_holds_the_value_in_the_first_step():
    ds = load_dataset(parse_data_spec({"type": "remember_first",
                                       "params": {"n_sequences": 50, "steps": 7}}))
    x, y = ds.train.x, ds.train.y
    assert x.shape == (50, 7, 1) and y.shape == (50, 1)
    assert np.array_equal(x[:, 0, 0], y[:, 0]) and not x[:, 1:].any()
    noisy = load_dataset(parse_data_spec({"type": "remember_first",
                                          "params": {"distractor": 0.5}}))
    assert noisy.train.x[:, 1:].std() == pytest.approx(0.5, rel=0.05)


def test_norms_are_the_batch_mean_of_each_steps_input_gradient():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(6, 1))
    x, y = torch.randn(5, 3, 2), torch.randn(5, 1)
    norms = input_gradient_norms(model, torch.nn.functional.mse_loss, x, y)
    per_sample = []
    for i in range(5):
        xi = x[i:i + 1].clone().requires_grad_(True)
        (grad,) = torch.autograd.grad(torch.nn.functional.mse_loss(model(xi), y[i:i + 1]), xi)
        per_sample.append(grad[0].norm(dim=1).numpy())
    assert np.allclose(norms, np.mean(per_sample, axis=0), atol=1e-6)
    assert model.training  # the mode is restored


def test_probe_applies_to_sequence_models_and_reports_every_step():
    session = memory_session()
    assert "gradtime" in applicable_probes(session, PROBES.ids())
    p = probe(session, "gradtime")
    assert p["norms"].shape == (12,) and p["split"] == "val" and p["count"] == 10
    assert (p["norms"] > 0).all()


def test_forget_bias_sets_the_lstm_forget_gates():
    lstm = Recurrent("lstm", 2, 3, init="keras", forget_bias=3.0)
    total = lstm.rnn.bias_ih_l0 + lstm.rnn.bias_hh_l0
    assert total[3:6].tolist() == [3.0, 3.0, 3.0] and not total[:3].any()
    plain = Recurrent("lstm", 2, 3, init="keras")
    assert (plain.rnn.bias_ih_l0 + plain.rnn.bias_hh_l0)[3:6].tolist() == [1.0, 1.0, 1.0]
