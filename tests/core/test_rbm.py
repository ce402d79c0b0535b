"""RBMs by contrastive divergence: a hand-written CD-1, scikit-learn's BernoulliRBM, the stack."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from playground.data.classic import gen_nudged_digits, nudge
from playground.errors import TrainingError
from playground.project.schema import project_from_dict
from playground.run.orchestrator import run_session
from playground.run.session import build_session
from playground.tasks.rbm import BernoulliRBM


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def data(n=53, d=12, seed=1):
    return np.random.default_rng(seed).random((n, d))


def rbm64(W, rng, persistent, chain=10, k=1):
    t = torch.tensor(W, dtype=torch.float64)
    return BernoulliRBM(t, torch.zeros(len(W), dtype=torch.float64),
                        torch.zeros(W.shape[1], dtype=torch.float64), rng, k, persistent, chain)


def test_cd1_step_matches_a_hand_written_cd1():
    v = data(4, 6)
    W = np.random.default_rng(2).normal(0, 0.1, (3, 6))
    rbm = rbm64(W, np.random.RandomState(5), persistent=False)
    recon = rbm.update(torch.tensor(v), lr=0.5)
    rs = np.random.RandomState(5)  # the same draws, in the same order
    c, b = np.zeros(3), np.zeros(6)
    h_pos = sigmoid(v @ W.T + c)
    h = (rs.uniform(size=h_pos.shape) < h_pos).astype(float)
    v_neg = (rs.uniform(size=v.shape) < sigmoid(h @ W + b)).astype(float)
    h_neg = sigmoid(v_neg @ W.T + c)
    W_new = W + 0.5 / 4 * (h_pos.T @ v - h_neg.T @ v_neg)
    np.testing.assert_allclose(rbm.W.numpy(), W_new, atol=1e-14)
    np.testing.assert_allclose(rbm.c.numpy(), 0.5 / 4 * (h_pos - h_neg).sum(0), atol=1e-14)
    np.testing.assert_allclose(rbm.b.numpy(), 0.5 / 4 * (v - v_neg).sum(0), atol=1e-14)
    assert recon == pytest.approx(((v - sigmoid(h_pos @ W + b)) ** 2).mean())


def test_pcd_matches_scikit_learns_bernoulli_rbm():
    from sklearn.neural_network import BernoulliRBM as SkRBM

    x = data()
    sk = SkRBM(n_components=7, learning_rate=0.1, batch_size=10, n_iter=3,
               random_state=0).fit(x)
    rng = np.random.RandomState(0)
    rbm = rbm64(rng.normal(0, 0.01, (7, 12)), rng, persistent=True)
    v = torch.tensor(x)
    for _ in range(3):
        for start in range(0, len(x), 10):  # in data order, the last batch short
            rbm.update(v[start:start + 10], 0.1)
    np.testing.assert_allclose(rbm.W.numpy(), sk.components_, atol=1e-12)
    np.testing.assert_allclose(rbm.c.numpy(), sk.intercept_hidden_, atol=1e-12)
    np.testing.assert_allclose(rbm.b.numpy(), sk.intercept_visible_, atol=1e-12)
    np.testing.assert_allclose(rbm.chain.numpy(), sk.h_samples_)
    flip = torch.from_numpy(np.random.RandomState(0).randint(0, 12, len(x)))
    assert rbm.pseudo_likelihood(v, flip) == pytest.approx(sk.score_samples(x).mean())
    np.testing.assert_allclose(rbm.hidden_probs(v).numpy(), sk.transform(x), atol=1e-12)


def test_cd_k_runs_k_gibbs_steps():
    rng = np.random.RandomState(0)
    rbm = rbm64(rng.normal(0, 0.01, (4, 5)), rng, persistent=False, k=3)
    state = rng.get_state()[2]
    rbm.update(torch.tensor(data(6, 5)), 0.1)
    # h+ sample, then three (v, h) pairs: 6*4 + 3 * (6*5 + 6*4) uniforms.
    assert rng.get_state()[2] != state
    fresh = np.random.RandomState(0)
    fresh.normal(0, 0.01, (4, 5))
    fresh.uniform(size=6 * 4 + 3 * (6 * 5 + 6 * 4))
    assert rng.get_state()[2] == fresh.get_state()[2]


# -- data ------------------------------------------------------------------------------------

def test_nudge_is_the_recipes_convolution():
    from scipy.ndimage import convolve
    from sklearn.datasets import load_digits

    x = load_digits().data[:7].astype(np.float32)
    kernels = [[[0, 1, 0], [0, 0, 0], [0, 0, 0]], [[0, 0, 0], [1, 0, 0], [0, 0, 0]],
               [[0, 0, 0], [0, 0, 1], [0, 0, 0]], [[0, 0, 0], [0, 0, 0], [0, 1, 0]]]
    expected = np.concatenate([x] + [np.apply_along_axis(
        lambda row, w=k: convolve(row.reshape(8, 8), mode="constant", weights=w).ravel(), 1, x)
        for k in kernels])
    np.testing.assert_array_equal(nudge(x), expected)


def test_nudged_digits_split():
    a = gen_nudged_digits({"split": "sklearn"}, None)
    assert a.x.shape == (8985, 64) and a.x.min() == 0 and a.x.max() == 1
    assert len(a.fixed_split["train"]) == 7188 and len(a.fixed_split["test"]) == 1797


# -- the stack task --------------------------------------------------------------------------

def stack_project(layers=(("r1", 16, "sigmoid"),), epochs=3, **task):
    nodes = [{"id": "x", "type": "input", "params": {}}]
    for nid, units, act in (*layers, ("head", 10, "softmax")):
        nodes.append({"id": nid, "type": "dense", "params": {"units": units, "activation": act}})
    nodes.append({"id": "y", "type": "output", "params": {}})
    ids = [n["id"] for n in nodes]
    params = {"rbm_epochs": 1, "classifier_steps": 5, "lbfgs_iterations": 5, **task}
    return {"format_version": 1,
            "graphs": {"model": {"nodes": nodes,
                                 "edges": [{"src": a, "dst": b} for a, b in zip(ids, ids[1:])]}},
            "data": {"type": "digits", "params": {"as_image": False}, "seed": 0,
                     "split": {"test": 0.2}, "standardize": "minmax"},
            "task": {"type": "rbm_stack", "params": params},
            "training": {"optimizer": {"type": "adam", "params": {"lr": 0.05}},
                         "batch_size": 50, "epochs": epochs, "device": "cpu"}}


def test_stack_trains_rbms_then_the_classifier():
    s = build_session(project_from_dict(stack_project(
        (("r1", 32, "sigmoid"), ("r2", 32, "sigmoid")), epochs=3)))
    task = s.task
    w0 = task.layers[0].weight.detach().clone()
    assert task.steps_per_epoch() == 29  # ceil(1438 / 50)
    m = run_session(s).metrics
    assert m["phase"] == 2 and task.clf_steps == 5
    assert not torch.equal(w0, task.layers[0].weight)
    assert {"rbm1_recon_error", "rbm2_pseudo_likelihood", "raw_test_accuracy"} <= set(m)
    assert m["test_accuracy"] > 0.5 and m["raw_test_accuracy"] > 0.9  # 1 epoch per RBM
    # The folded head equals the head trained on standardised features (up to float32
    # rounding, amplified by features whose spread is tiny).
    c = task.clf["main"]
    feats = task.features(task.x_train[:20])
    expected = torch.softmax(c["head"]((feats - c["mean"]) / c["std"]), 1)
    with torch.no_grad():
        np.testing.assert_allclose(task.model(task.x_train[:20]).numpy(), expected.numpy(),
                                   atol=5e-4)
    state = task.state_dict()
    assert len(state["rbm_visible_bias"]) == 2
    task.rbms[0].b.zero_()
    task.load_state_dict(state)
    assert torch.equal(task.rbms[0].b, state["rbm_visible_bias"][0])


def test_stack_with_the_training_optimizer():
    s = build_session(project_from_dict(stack_project(epochs=2, classifier="optimizer",
                                                      baseline=False)))
    m = run_session(s).metrics
    assert s.task.optimizers[0] is s.task.clf["main"]["opt"]
    assert "raw_test_accuracy" not in m and m["phase"] == 1


@pytest.mark.parametrize("layers, message", [
    ((("r1", 16, "relu"),), "sigmoid"),
    ((), "at least one"),
])
def test_stack_graph_errors(layers, message):
    with pytest.raises(TrainingError, match=message):
        build_session(project_from_dict(stack_project(layers)))
