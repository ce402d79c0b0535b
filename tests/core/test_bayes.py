"""Bayes by backprop: the Bayesian Dense layer, the bayes_regression task and the band probe."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from playground.errors import PlaygroundError
from playground.layers.bayesian import BayesDense, gaussian_kl_to_prior
from playground.project.presets import presets_dir
from playground.project.schema import project_from_dict
from playground.run.orchestrator import run_session
from playground.run.session import build_session
from tests.core.test_probes import probe


def bayes_raw(epochs: int = 2) -> dict:
    raw = json.loads((presets_dir() / "dlpi-9-bayes-regression.json").read_text())
    raw["training"].update(epochs=epochs, device="cpu")
    raw["data"]["params"].update(n_per_interval=60, gap_points=20, test_points=100)
    return raw


def test_kl_matches_the_textbook_formula_and_torch_distributions():
    mu, sigma = torch.tensor([0.3, -1.0]), torch.tensor([0.5, 2.0])
    expected = torch.distributions.kl_divergence(
        torch.distributions.Normal(mu, sigma), torch.distributions.Normal(0.0, 3.0)).sum()
    assert float(gaussian_kl_to_prior(mu, sigma, 3.0)) == pytest.approx(float(expected))
    assert float(gaussian_kl_to_prior(torch.zeros(3), torch.full((3,), 3.0), 3.0)) == \
        pytest.approx(0.0, abs=1e-6)


def test_training_samples_weights_evaluation_uses_the_means():
    torch.manual_seed(0)
    layer = BayesDense(3, 2, prior_sigma=1.0, rho_init=-1.0)
    x = torch.randn(4, 3)
    mean = F.linear(x, layer.weight_mu, layer.bias_mu)
    layer.eval()
    assert torch.allclose(layer(x), mean)
    layer.train()
    a, b = layer(x), layer(x)
    assert not torch.allclose(a, b) and not torch.allclose(a, mean)
    (a.sum() + layer.kl).backward()  # gradients reach mu and rho
    assert layer.weight_rho.grad is not None and layer.weight_mu.grad.abs().sum() > 0
    layer.eval()
    layer.sampling = True
    assert not torch.allclose(layer(x), mean)
    sigma_w, _ = layer.sigmas()
    assert torch.allclose(sigma_w, torch.full_like(sigma_w, math.log1p(math.exp(-1.0))))


def test_task_loss_is_the_free_energy_per_training_point():
    session = build_session(project_from_dict(bayes_raw()))
    task = session.task
    x, y = task.splits["train"]
    torch.manual_seed(3)
    task.model.train()
    with torch.no_grad():
        out = task.model(x)
        data = ((out - y) ** 2).sum(-1).mean() / (2 * 0.3 ** 2)
        assert float(task.loss_fn(out, y)) == pytest.approx(float(data), rel=1e-6)
        assert float(task.kl()) > 0
    assert task.n_train == 120


def test_run_reports_the_spread_per_split_and_predictive_is_repeatable():
    session = build_session(project_from_dict(bayes_raw(epochs=3)))
    result = run_session(session)
    m = result.metrics
    for split in ("train", "val", "test"):
        assert m[f"{split}_pred_std"] > 0
    x = session.dataset.val.x
    a, b = session.task.predictive(x), session.task.predictive(x)
    assert np.array_equal(a["std"], b["std"])  # the band does not flicker between frames
    assert np.allclose(a["total_std"] ** 2, a["std"] ** 2 + 0.3 ** 2)


def test_needs_a_bayesian_layer():
    raw = bayes_raw()
    for node in raw["graphs"]["model"]["nodes"]:
        if node["type"] == "bayes_dense":
            node["type"] = "dense"
            node["params"] = {"units": node["params"]["units"],
                              "activation": node["params"]["activation"]}
    with pytest.raises(PlaygroundError, match="Bayesian Dense"):
        build_session(project_from_dict(raw))


def test_band_probe_on_a_grid_wider_than_the_data():
    session = build_session(project_from_dict(bayes_raw(epochs=1)))
    run_session(session)
    p = probe(session, "band")
    xs = np.concatenate([pts[0] for pts in p["points"].values()])
    assert p["x"][0] < xs.min() and p["x"][-1] > xs.max()
    assert p["std"].shape == p["x"].shape and (p["total_std"] >= p["std"]).all()
    assert set(p["spread"]) == {"train", "val", "test"}


def test_two_interval_data():
    from playground.data import load_dataset, parse_data_spec
    from playground.data.books import bbb_function

    ds = load_dataset(parse_data_spec({"type": "two_intervals", "params": {"noise": 0.0}}))
    x = ds.train.x[:, 0]
    assert len(x) == 1000 and ((x <= 0.2) | (x >= 0.6)).all()
    assert ((ds.val.x > 0.2) & (ds.val.x < 0.6)).all() and len(ds.test) == 3000
    assert np.allclose(ds.train.y[:, 0], bbb_function(x.astype(np.float64)), atol=1e-5)
