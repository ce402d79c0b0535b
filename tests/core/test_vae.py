"""The Sampling node and the VAE task, against hand-written PyTorch."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from playground.errors import TrainingError
from playground.graph import Graph
from playground.layers.generative import Sampling, gaussian_kl
from playground.run.session import build_session
from playground.tasks.vae import traversal_codes
from tests.helpers import make_project

# -- the Sampling node ---------------------------------------------------------------------

def test_sampling_matches_a_hand_computation_with_fixed_eps():
    mu = torch.tensor([[0.5, -1.0], [2.0, 0.0]])
    logvar = torch.tensor([[0.0, math.log(4.0)], [-2.0, 1.0]])
    eps = torch.tensor([[1.0, -0.5], [0.25, 2.0]])
    layer = Sampling()
    layer.fixed_eps = eps
    z = layer(mu, logvar)
    # z = mu + sigma * eps, sigma = exp(logvar / 2): written out number by number.
    expected = torch.tensor([[0.5 + 1.0 * 1.0, -1.0 + 2.0 * -0.5],
                             [2.0 + math.exp(-1.0) * 0.25, 0.0 + math.exp(0.5) * 2.0]])
    assert torch.allclose(z, expected)


def test_sampling_returns_mu_in_eval_mode_unless_asked_to_sample():
    mu, logvar = torch.randn(5, 3), torch.randn(5, 3)
    layer = Sampling().eval()
    assert torch.equal(layer(mu, logvar), mu)
    sampler = Sampling(sample_in_eval=True).eval()
    sampler.fixed_eps = torch.ones(5, 3)
    assert torch.allclose(sampler(mu, logvar), mu + torch.exp(0.5 * logvar))


def test_sampling_draws_fresh_noise_while_training():
    layer = Sampling().train()
    mu, logvar = torch.zeros(1000, 2), torch.full((1000, 2), math.log(9.0))
    z = layer(mu, logvar)
    assert not torch.equal(z, mu)
    assert abs(float(z.std()) - 3.0) < 0.3  # sigma = exp(log(9) / 2) = 3


def test_kl_matches_the_closed_form_by_hand():
    mu = torch.tensor([[1.0, 0.0]])
    logvar = torch.tensor([[0.0, math.log(4.0)]])
    # Per dim 0.5 * (sigma^2 + mu^2 - 1 - log sigma^2): 0.5 * 1 and 0.5 * (4 - 1 - log 4).
    assert float(gaussian_kl(mu, logvar)) == pytest.approx(0.5 + 0.5 * (3.0 - math.log(4.0)))


def test_kl_matches_torch_distributions_and_is_a_batch_mean():
    gen = torch.Generator().manual_seed(0)
    mu, logvar = torch.randn(7, 3, generator=gen), torch.randn(7, 3, generator=gen)
    q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))
    p = torch.distributions.Normal(torch.zeros(3), torch.ones(3))
    expected = torch.distributions.kl_divergence(q, p).sum(dim=1).mean()
    assert torch.allclose(gaussian_kl(mu, logvar), expected, atol=1e-6)
    assert float(gaussian_kl(torch.zeros(4, 2), torch.zeros(4, 2))) == 0.0


def test_sampling_keeps_its_kl_for_the_task():
    layer = Sampling()
    mu, logvar = torch.randn(4, 2, requires_grad=True), torch.randn(4, 2)
    layer(mu, logvar)
    assert layer.kl.requires_grad
    assert torch.allclose(layer.kl, gaussian_kl(mu, logvar))
    layer.release()
    assert not layer.kl.requires_grad


# -- the VAE task ----------------------------------------------------------------------------

def vae_graph(latent: int = 1, hidden: int = 3) -> dict:
    """x (2) -> Dense(hidden, tanh) -> mu, logvar (latent) -> z -> Dense(2, sigmoid)."""
    return {
        "nodes": [
            {"id": "x", "type": "input"},
            {"id": "enc", "type": "dense", "params": {"units": hidden, "activation": "tanh"}},
            {"id": "mu", "type": "dense", "params": {"units": latent}},
            {"id": "logvar", "type": "dense", "params": {"units": latent}},
            {"id": "z", "type": "sampling"},
            {"id": "dec", "type": "dense", "params": {"units": 2, "activation": "sigmoid"}},
            {"id": "y", "type": "output"},
        ],
        "edges": [
            {"src": "x", "dst": "enc"}, {"src": "enc", "dst": "mu"},
            {"src": "enc", "dst": "logvar"},
            {"src": "mu", "dst": "z", "dst_port": "mu"},
            {"src": "logvar", "dst": "z", "dst_port": "logvar"},
            {"src": "z", "dst": "dec"}, {"src": "dec", "dst": "y"},
        ],
    }


def vae_session(latent: int = 1, **task_params):
    params = {"loss": "bce", "reduction": "sum", "beta": 0.5, **task_params}
    project = make_project(graphs={"model": vae_graph(latent)},
                           task={"type": "vae", "params": params},
                           training={"optimizer": {"type": "sgd", "params": {"lr": 0.1}}})
    return build_session(project)


def hand_elbo(task, x: torch.Tensor, eps: torch.Tensor, weights: dict, loss: str,
              reduction: str, beta: float) -> torch.Tensor:
    """The VAE loss written out with plain tensor ops on copies of the weights."""
    h = torch.tanh(x @ weights["enc.0.weight"].T + weights["enc.0.bias"])
    mu = h @ weights["mu.weight"].T + weights["mu.bias"]
    logvar = h @ weights["logvar.weight"].T + weights["logvar.bias"]
    z = mu + torch.exp(0.5 * logvar) * eps
    out = torch.sigmoid(z @ weights["dec.0.weight"].T + weights["dec.0.bias"])
    if loss == "bce":
        per_value = -(x * torch.log(out) + (1 - x) * torch.log(1 - out))
    else:
        per_value = (out - x) ** 2
    recon = per_value.sum(dim=1).mean() if reduction == "sum" else per_value.mean()
    kl = (-0.5 * (1 + logvar - mu ** 2 - torch.exp(logvar)).sum(dim=1)).mean()
    return recon + beta * kl


@pytest.mark.parametrize("loss,reduction", [("bce", "sum"), ("mse", "mean")])
def test_vae_step_equals_a_hand_written_elbo_and_its_sgd_update(loss, reduction):
    session = vae_session(loss=loss, reduction=reduction)
    task = session.task
    x = torch.as_tensor(session.dataset.train.x)  # the full batch: 4 XOR corners
    eps = torch.tensor([[0.3], [-1.2], [0.8], [0.1]])
    task.sampler.fixed_eps = eps
    weights = {k: v.detach().clone().requires_grad_(True)
               for k, v in task.model.state_dict().items()}
    expected = hand_elbo(task, x, eps, weights, loss, reduction, beta=0.5)
    expected.backward()
    task.begin_epoch(torch.Generator().manual_seed(0))
    loss_value = task.train_step()
    assert float(loss_value) == pytest.approx(float(expected.detach()), rel=1e-5)
    after = task.model.state_dict()
    for key, w in weights.items():  # SGD lr 0.1: w <- w - 0.1 * dL/dw
        assert torch.allclose(after[key], w.detach() - 0.1 * w.grad, atol=1e-6), key


def test_vae_reports_recon_kl_and_initial_values():
    session = vae_session()
    metrics = session.task.evaluate()
    for key in ("train_loss", "train_recon", "train_kl", "train_mse"):
        assert key in metrics
    expected = metrics["train_recon"] + 0.5 * metrics["train_kl"]
    assert metrics["train_loss"] == pytest.approx(expected)
    session.trainer.run(epochs=3)
    final = session.task.final_metrics()
    assert set(final) >= {"initial_train_loss", "initial_train_recon", "initial_train_kl"}


def test_decoder_shares_weights_and_decodes_like_the_layers():
    session = vae_session(latent=2)
    task = session.task
    z = np.array([[0.5, -1.0], [2.0, 3.0]], np.float32)
    dec = task.compiled["model"].node_module("dec")
    with torch.no_grad():
        expected = dec(torch.as_tensor(z)).numpy()
    assert np.allclose(task.decode(z), expected)
    session.trainer.run(epochs=2)  # training moves the shared weights
    with torch.no_grad():
        expected_after = dec(torch.as_tensor(z)).numpy()
    assert not np.allclose(expected, expected_after)
    assert np.allclose(task.decode(z), expected_after)
    assert task.latent_dim == 2
    assert task.generate().shape == (64, 2)
    assert np.array_equal(task.generate(), task.generate())


def test_encode_returns_mu():
    session = vae_session(latent=2)
    task = session.task
    x = session.dataset.train.x
    with torch.no_grad():
        model = task.compiled["model"]
        h = model.node_module("enc")(torch.as_tensor(x))
        mu = model.node_module("mu")(h).numpy()
    assert np.allclose(task.encode(x), mu, atol=1e-6)


def test_traversal_grid_layout_and_shape():
    codes = traversal_codes(5, 4.0)
    assert codes.shape == (5, 5, 2)
    assert codes[0, 0].tolist() == [-4.0, 4.0]  # top-left: z1 low, z2 high
    assert codes[-1, -1].tolist() == [4.0, -4.0]
    session = vae_session(latent=2)
    grid = session.task.decoder_grid(5, 4.0)
    assert grid.shape == (5, 5, 2)
    assert np.allclose(grid[0, 0], session.task.decode(codes[0, 0][None])[0])


def test_traversal_grid_needs_a_two_dimensional_latent():
    with pytest.raises(TrainingError, match="needs a 2-D latent"):
        vae_session(latent=1).task.decoder_grid()


def test_vae_without_sampling_node_is_a_clear_error():
    graph = Graph.from_dict(vae_graph())
    graph.remove_node("z")
    graph.connect("mu", "dec")
    project = make_project(graphs={"model": graph.to_dict()},
                           task={"type": "vae", "params": {}})
    with pytest.raises(TrainingError, match="a VAE needs a Sampling node"):
        build_session(project)


def test_vae_output_must_have_the_input_shape():
    raw = vae_graph()
    raw["nodes"][5]["params"]["units"] = 3
    project = make_project(graphs={"model": raw}, task={"type": "vae", "params": {}})
    with pytest.raises(TrainingError, match=r"must output the input's shape \(N, 2\)"):
        build_session(project)


def test_decoder_fed_by_anything_but_z_is_refused():
    raw = vae_graph(hidden=3)
    raw["nodes"] += [{"id": "widen", "type": "dense", "params": {"units": 3}},
                     {"id": "skip", "type": "add"}]
    raw["edges"] = [e for e in raw["edges"] if e["src"] != "z"]
    raw["edges"] += [  # z -> widen -> skip <- enc: the decoder also reads the encoder
        {"src": "z", "dst": "widen"},
        {"src": "widen", "dst": "skip", "dst_port": "in1"},
        {"src": "enc", "dst": "skip", "dst_port": "in2"},
        {"src": "skip", "dst": "dec"}]
    project = make_project(graphs={"model": raw}, task={"type": "vae", "params": {}})
    with pytest.raises(TrainingError, match="must be fed by z alone"):
        build_session(project)


def test_reconstruction_term_reads_logits_when_the_graph_has_no_sigmoid():
    raw = vae_graph()
    raw["nodes"][5]["params"]["activation"] = "identity"
    project = make_project(graphs={"model": raw}, task={"type": "vae", "params": {}})
    task = build_session(project).task
    out, x = torch.tensor([[0.3, -2.0]]), torch.tensor([[1.0, 0.0]])
    expected = F.binary_cross_entropy_with_logits(out, x, reduction="sum")
    assert torch.allclose(task.loss_fn(out, x), expected)
