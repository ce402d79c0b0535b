"""Probes checked against direct computations: grids, hooked activations, weights, PCA."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.decomposition import PCA

from playground.probes import PROBES, ProbeRunner, attach_probes
from playground.probes.common import plane_grid
from playground.probes.conv import kernel_mosaic, tile
from playground.probes.latent import default_latent_node
from playground.probes.plane import map_nodes, normalise_units
from tests.core.test_probes_projects import (
    autoencoder_session,
    circle_session,
    colour_cnn_session,
    digits_cnn_session,
    iris_session,
    reg2d_session,
    spiral_session,
    trained,
)


def probe(session, probe_id, **options):
    """Attach ``probe_id`` with ``options`` and return its payload from a fresh snapshot."""
    runner = ProbeRunner(PROBES.get(probe_id), session, options)
    session.trainer.probes = {**session.trainer.probes, probe_id: runner}
    return session.trainer.make_snapshot().probes[probe_id]


@pytest.fixture(scope="module")
def spiral():
    return trained(spiral_session(), 3)


@pytest.fixture(scope="module")
def cnn():
    return trained(digits_cnn_session(), 1)


@torch.no_grad()
def forward(session, x):
    session.task.model.eval()
    return session.task.model(torch.as_tensor(x)).numpy()


# -- boundary --------------------------------------------------------------------------------

def test_boundary_grid_is_the_model_output_on_that_grid(spiral):
    p = probe(spiral, "boundary", resolution=37)
    xs, ys = p["xs"], p["ys"]
    assert xs.shape == ys.shape == (37,) and p["output"].shape == (37, 37, 1)
    assert xs[0] == pytest.approx(-14.0) and ys[-1] == pytest.approx(14.0)
    xx, yy = np.meshgrid(xs, ys)
    raw = np.stack([xx.ravel(), yy.ravel()], 1)
    scaled = (raw - spiral.dataset.scaler["mean"]) / spiral.dataset.scaler["scale"]
    expected = forward(spiral, scaled.astype(np.float32)).reshape(37, 37)
    np.testing.assert_allclose(p["output"][..., 0], expected, rtol=1e-5, atol=1e-6)
    # sigmoid output: probability is the output, white (0) exactly at the 0.5 threshold
    np.testing.assert_allclose(p["probability"], expected, atol=1e-6)
    np.testing.assert_array_equal(p["predicted"], expected > 0.5)
    assert np.all(np.sign(p["signed"]) == np.sign(np.round(expected - 0.5, 7)))
    assert p["kind"] == "binary" and p["signed"].min() >= -1 and p["signed"].max() <= 1


def test_boundary_tanh_classifier_and_multiclass_and_regression():
    circle = circle_session()
    p = probe(circle, "boundary", resolution=20)
    out = p["output"][..., 0]
    np.testing.assert_allclose(p["signed"], out, atol=1e-6)  # tanh output, threshold 0
    iris = iris_session()
    p = probe(iris, "boundary", resolution=20)
    assert p["kind"] == "multiclass" and p["probabilities"].shape == (20, 20, 3)
    np.testing.assert_array_equal(p["predicted"], p["output"].argmax(-1))
    np.testing.assert_allclose(p["probabilities"].sum(-1), 1.0, rtol=1e-5)
    reg = reg2d_session()
    p = probe(reg, "boundary", resolution=20)
    y = reg.dataset.train.y[:, 0]
    assert p["kind"] == "regression" and (p["vmin"], p["vmax"]) == (y.min(), y.max())
    np.testing.assert_array_equal(p["values"], p["output"][..., 0])


# -- neurons and weights -----------------------------------------------------------------------

def test_neuron_maps_are_the_hooked_activations_scaled_per_unit(spiral):
    maps = probe(spiral, "neurons", resolution=12)
    assert list(maps) == map_nodes(spiral) == ["x", "l1", "l2", "l3", "l4"]
    _, _, inputs = plane_grid(spiral.dataset, 12)
    inputs = inputs.reshape(12, 12, 2)[::-1].reshape(-1, 2)  # row 0 is the top
    m = spiral.task.model
    with torch.no_grad():
        h = torch.as_tensor(inputs)
        acts = {"x": h}
        for nid in ("l1", "l2", "l3", "l4"):
            h = getattr(m, nid)(h)
            acts[nid] = h
    for nid, act in acts.items():
        expected = normalise_units(act.numpy().T).reshape(-1, 12, 12)
        assert maps[nid].shape == (act.shape[1], 12, 12) and maps[nid].dtype == np.float32
        np.testing.assert_allclose(maps[nid], expected, rtol=1e-5, atol=1e-6)
        assert np.abs(maps[nid]).max() <= 1.0 + 1e-6
    # the Input's maps are the coordinates: x1 grows to the right, x2 to the top
    assert maps["x"][0, 0, 0] < maps["x"][0, 0, -1] and maps["x"][1, 0, 0] > maps["x"][1, -1, 0]


def test_weights_are_the_dense_weights(spiral):
    w = probe(spiral, "weights")
    assert list(w) == ["l1", "l2", "l3", "l4"]
    for nid, entry in w.items():
        linear = getattr(spiral.task.model, nid)[0]
        np.testing.assert_array_equal(entry["weight"], linear.weight.detach().numpy())
        np.testing.assert_array_equal(entry["bias"], linear.bias.detach().numpy())
        assert entry["shape"] == tuple(linear.weight.shape) and not entry["truncated"]


# -- convolutions ------------------------------------------------------------------------------

def test_filters_are_the_conv_weights(cnn):
    f = probe(cnn, "filters")
    assert list(f) == ["l1", "l3"]
    for nid in f:
        conv = getattr(cnn.task.model, nid)[0]
        np.testing.assert_array_equal(f[nid]["kernels"], conv.weight.detach().numpy())
    k = f["l3"]["kernels"]  # (8, 6, 3, 3): one row per filter, channels side by side
    mosaic = f["l3"]["mosaic"]
    assert mosaic.shape == (8 * 4 - 1, 6 * 4 - 1)
    np.testing.assert_array_equal(mosaic[4:7, 8:11], k[1, 2])
    assert np.isnan(mosaic[3]).all()
    # one input channel: a near-square grid of the 6 filters
    np.testing.assert_array_equal(kernel_mosaic(f["l1"]["kernels"])[4:7, 0:3],
                                  f["l1"]["kernels"][3, 0])


def test_feature_maps_of_a_chosen_sample(cnn):
    p = probe(cnn, "feature_maps", index=5)
    x = cnn.dataset.val.x[5:6]
    m = cnn.task.model
    with torch.no_grad():
        a1 = m.l1(torch.as_tensor(x))
        a2 = m.l2(a1)
        a3 = m.l3(a2)
    assert p["index"] == 5 and p["split"] == "val" and p["label"] == cnn.dataset.val.y[5]
    np.testing.assert_array_equal(p["input"], x[0])  # (C, H, W), as the network gets it
    for nid, act in (("l1", a1), ("l2", a2), ("l3", a3)):
        np.testing.assert_allclose(p["maps"][nid], act[0].numpy(), rtol=1e-6)
        assert np.nanmax(p["mosaics"][nid]) <= 1.0
    assert tile(np.ones((5, 2, 2))).shape == (5, 8)  # 3 columns, 2 rows of 2x2 with gaps


def test_only_the_first_convolution_of_colour_pictures_is_marked_rgb(cnn):
    colour = trained(colour_cnn_session(), 1)
    f = probe(colour, "filters")
    assert f["l1"]["kernels"].shape == (6, 3, 3, 3)
    # The first layer's input channels are red, green, blue; the second's are feature maps.
    assert f["l1"]["rgb"] and not f["l3"]["rgb"]
    assert not any(entry["rgb"] for entry in probe(cnn, "filters").values())  # grey digits
    p = probe(colour, "feature_maps", index=2)
    np.testing.assert_array_equal(p["input"], colour.dataset.val.x[2])  # all three channels


# -- latent ------------------------------------------------------------------------------------

def test_latent_pca_equals_sklearn_on_the_same_activations(spiral):
    assert default_latent_node(spiral) == "l3"
    p = probe(spiral, "latent", method="pca")
    part = spiral.dataset.train  # the spiral project has no validation split
    m = spiral.task.model
    with torch.no_grad():
        acts = m.l3(m.l2(m.l1(torch.as_tensor(part.x)))).numpy()
    expected = PCA(n_components=2, svd_solver="full").fit_transform(acts)
    assert p["node"] == "l3" and p["dim"] == 16 and p["split"] == "train"
    np.testing.assert_allclose(p["coords"], expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(p["labels"], part.y)
    assert p["explained"].shape == (2,) and p["label_kind"] == "class"


def test_latent_two_unit_bottleneck_is_shown_directly_and_tsne_on_demand(monkeypatch):
    monkeypatch.setattr("playground.probes.latent.MAX_TSNE_POINTS", 80)  # fast t-SNE
    ae = autoencoder_session()
    p = probe(ae, "latent")
    assert p["node"] == "l2" and p["method"] == "direct" and p["split"] == "val"
    with torch.no_grad():
        code = ae.task.model.l2(ae.task.model.l1(torch.as_tensor(ae.dataset.val.x))).numpy()
    np.testing.assert_allclose(p["coords"], code, rtol=1e-5, atol=1e-6)
    assert p["traversal"] is None
    p = probe(ae, "latent", node="l1", method="tsne")
    assert p["method"] == "tsne" and p["coords"].shape == (len(p["indices"]), 2)
    assert len(p["indices"]) == 80


def test_latent_traversal_uses_the_tasks_decode_hook():
    ae = autoencoder_session()
    ae.task.decode = lambda z: np.tile(z[:, :1], (1, 64)) * 0 + 0.5  # (n, 64)
    ae.task.latent_dim = 2  # what the Decodes protocol asks of a decoder
    p = probe(ae, "latent")
    assert p["traversal"]["mosaic"].shape == (8 * 9 - 1, 8 * 9 - 1)


# -- samples -----------------------------------------------------------------------------------

def test_samples_show_inputs_noisy_inputs_and_reconstructions():
    ae = autoencoder_session(noise="gaussian")
    p = probe(ae, "samples")
    assert list(p["rows"]) == ["input", "noisy", "output"] and p["kind"] == "reconstruction"
    noisy = ae.task.noisy_inputs("val")[:8]
    np.testing.assert_array_equal(p["rows"]["input"], ae.dataset.val.x[:8].reshape(8, 8, 8))
    np.testing.assert_array_equal(p["rows"]["noisy"], noisy.reshape(8, 8, 8))
    np.testing.assert_allclose(p["rows"]["output"], forward(ae, noisy).reshape(8, 8, 8),
                               rtol=1e-6)
    assert p["levels"] == (0.0, 1.0)


def test_generated_samples_through_the_generate_hook():
    ae = autoencoder_session()
    seen = []
    ae.task.latent_dim = 3  # what the Generates protocol asks: noise size, fixed noise, generate
    ae.task.fixed_noise = lambda n: np.random.default_rng(n).standard_normal((n, 3))
    ae.task.generate = lambda noise: seen.append(noise) or np.zeros((len(noise), 1, 4, 4))
    first = probe(ae, "samples")
    second = probe(ae, "samples")
    assert first["rows"]["generated"].shape == (16, 4, 4)
    assert seen[0].shape == (16, 3)
    np.testing.assert_array_equal(seen[0], seen[-1])  # the same noise batch every time
    assert second is not None


# -- runner and attaching ------------------------------------------------------------------------

def test_runner_caches_per_step_and_recomputes_on_configure(spiral):
    runner = ProbeRunner(PROBES.get("boundary"), spiral, {"resolution": 10})
    a = runner(spiral.trainer)
    assert runner(spiral.trainer) is a  # same step, same options: cached
    runner.configure(resolution=12)
    b = runner(spiral.trainer)
    assert b is not a and b["output"].shape == (12, 12, 1)


def test_runner_throttles_while_training_runs(spiral):
    runner = ProbeRunner(PROBES.get("weights"), spiral)
    trainer = spiral.trainer
    first = runner(trainer)
    state, step = trainer.state, trainer.step
    try:
        trainer.state, trainer.step = "running", step + 1
        runner._throttle.next_time = float("inf")  # not due
        assert runner(trainer) is first
        trainer.state = "paused"  # not running: a new step is computed at once
        assert runner(trainer) is not first
    finally:
        trainer.state, trainer.step = state, step


def test_attach_probes_skips_what_does_not_apply_and_reuses_runners():
    session = digits_cnn_session()
    runners = attach_probes(session, ["boundary", "filters", "feature_maps", "loss", "nope"])
    assert set(runners) == {"filters", "feature_maps"}
    assert set(session.trainer.probes) == {"filters", "feature_maps"}
    again = attach_probes(session, ["filters"])
    assert again["filters"] is runners["filters"]
    snap = session.trainer.make_snapshot()
    assert set(snap.probes) == {"filters", "feature_maps"}


@pytest.mark.parametrize("shape", [(50, 7), (6, 20)])
def test_pca_2d_equals_sklearn(shape):
    from playground.probes.latent import pca_2d
    acts = np.random.default_rng(1).normal(size=shape)
    pca = PCA(n_components=2, svd_solver="full")
    expected = pca.fit_transform(acts)
    coords, explained = pca_2d(acts)
    np.testing.assert_allclose(coords, expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(explained, pca.explained_variance_ratio_, rtol=1e-6)
