"""Step-through: every number of a backprop step against the books' hand formulas."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from playground.compiler import compile_graph
from playground.errors import TrainingError
from playground.graph import Graph
from playground.project.schema import project_from_dict
from playground.run.orchestrator import run_session
from playground.run.session import build_session
from playground.training.steptrace import trace_step

SGD = {"lr": 0.1, "momentum": 0.0, "dampening": 0.0, "nesterov": False, "weight_decay": 0.0}


def chain(*layers, shape=(2,)):
    """Input -> layers... -> Output; each layer (id, type, params, weights or None)."""
    nodes = [{"id": "x", "type": "input", "params": {"shape": list(shape)}}]
    for nid, kind, params, weights in layers:
        node = {"id": nid, "type": kind, "params": params}
        if weights is not None:
            node["weights"] = weights
        nodes.append(node)
    nodes.append({"id": "y", "type": "output", "params": {}})
    ids = [n["id"] for n in nodes]
    return Graph.from_dict({"nodes": nodes,
                            "edges": [{"src": a, "dst": b} for a, b in zip(ids, ids[1:])]}, "g")


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def test_dlpi_ex_1_5_3_by_hand():
    """dlpi Eqs. 1.100-1.110 with the book's layout W1 (inputs, units)."""
    W1, w2 = np.array([[1.0, 1, -1], [1, 1, -1]]), np.array([1.0, -1, -2])
    b1, b2, x, y, mu = np.zeros(3), 0.0, np.array([1.0, 1.0]), 1.0, 1.0
    z1 = W1.T @ x + b1
    h = np.maximum(z1, 0)
    o = sigmoid(w2 @ h + b2)
    d2 = o - y  # ML criterion with a logistic output
    d1 = w2 * d2 * (z1 > 0)
    new = {"W1": W1 - mu * np.outer(x, d1), "b1": b1 - mu * d1, "w2": w2 - mu * d2 * h,
           "b2": b2 - mu * d2}
    g = chain(("hidden", "dense", {"units": 3, "activation": "relu"},
               {"weight": W1.T.tolist(), "bias": b1.tolist()}),
              ("out", "dense", {"units": 1, "activation": "sigmoid"},
               {"weight": [w2.tolist()], "bias": [b2]}))
    t = trace_step(compile_graph(g), torch.tensor(x[None, :], dtype=torch.float32),
                   torch.tensor([[y]]), F.binary_cross_entropy, mu, graph=g)
    hidden, out = t.node("hidden"), t.node("out")
    np.testing.assert_allclose(hidden.z[0], z1) and np.testing.assert_allclose(hidden.z[0],
                                                                               [2, 2, -2])
    np.testing.assert_allclose(hidden.output[0], h)
    np.testing.assert_allclose(t.output[0, 0], o)
    np.testing.assert_allclose(out.delta[0, 0], d2, atol=1e-7)
    np.testing.assert_allclose(hidden.delta[0], d1, atol=1e-7)
    np.testing.assert_allclose(hidden.params["weight"].new, new["W1"].T, atol=1e-6)
    np.testing.assert_allclose(hidden.params["bias"].new, new["b1"], atol=1e-6)
    np.testing.assert_allclose(out.params["weight"].new[0], new["w2"], atol=1e-6)
    np.testing.assert_allclose(out.params["bias"].new[0], new["b2"], atol=1e-6)
    assert t.new_output[0, 0] == pytest.approx(sigmoid(7.5), abs=1e-6)  # not the book's 0.9999
    assert (hidden.type, hidden.activation) == ("dense", "relu")
    assert not t.applied and float(compile_graph(g).module.out[0].weight[0, 0].detach()) == 1.0


def test_ldl_ch3_step_by_equation_3_1():
    w_xg, w_gf, x, y, lr = [0.3, 0.6, -0.1], [-0.2, 0.5], [-0.9, 0.1], 1.0, 0.1
    y_g = np.tanh(w_xg[0] + w_xg[1] * x[0] + w_xg[2] * x[1])
    y_f = sigmoid(w_gf[0] + w_gf[1] * y_g)
    err_f = -(y - y_f) * y_f * (1 - y_f)
    err_g = err_f * w_gf[1] * (1 - y_g ** 2)
    expected = [w_xg[0] - lr * err_g, w_xg[1] - lr * err_g * x[0], w_xg[2] - lr * err_g * x[1],
                w_gf[0] - lr * err_f, w_gf[1] - lr * err_f * y_g]
    g = chain(("g", "dense", {"units": 1, "activation": "tanh"},
               {"weight": [w_xg[1:]], "bias": [w_xg[0]]}),
              ("f", "dense", {"units": 1, "activation": "sigmoid"},
               {"weight": [w_gf[1:]], "bias": [w_gf[0]]}))
    compiled = compile_graph(g)
    t = trace_step(compiled, torch.tensor([x]), torch.tensor([[y]]),
                   lambda o, t_: 0.5 * F.mse_loss(o, t_), lr, apply=True, graph=g)
    assert t.node("g").output[0, 0] == pytest.approx(y_g, abs=1e-6)
    assert t.loss == pytest.approx((y - y_f) ** 2 / 2, abs=1e-6)
    assert t.node("f").delta[0, 0] == pytest.approx(err_f, abs=1e-6)
    assert t.node("g").delta[0, 0] == pytest.approx(err_g, abs=1e-6)
    got = [t.node("g").params["bias"].new[0], *t.node("g").params["weight"].new[0],
           t.node("f").params["bias"].new[0], t.node("f").params["weight"].new[0, 0]]
    np.testing.assert_allclose(got, expected, atol=1e-6)
    np.testing.assert_allclose(got, [0.3066, 0.5940, -0.0993, -0.1859, 0.4965], atol=5e-5)
    assert t.applied
    assert float(compiled.node_module("f")[0].bias.detach()) == pytest.approx(expected[3])


def test_a_batch_with_softmax_cross_entropy_matches_hand_backprop():
    rng = np.random.default_rng(0)
    W1, b1 = rng.normal(size=(4, 3)), rng.normal(size=4)  # PyTorch layout (units, inputs)
    W2, b2 = rng.normal(size=(2, 4)), rng.normal(size=2)
    x, y = rng.normal(size=(5, 3)), np.array([0, 1, 1, 0, 1])
    g = chain(("h", "dense", {"units": 4, "activation": "tanh"},
               {"weight": W1.tolist(), "bias": b1.tolist()}),
              ("o", "dense", {"units": 2}, {"weight": W2.tolist(), "bias": b2.tolist()}),
              shape=(3,))
    compiled = compile_graph(g)
    compiled.module.double()
    # The layers hold the float32-rounded values: use those in the hand computation.
    W1, b1, W2, b2 = (p.detach().numpy().copy() for p in compiled.module.parameters())
    t = trace_step(compiled, torch.tensor(x), torch.tensor(y), F.cross_entropy, 0.5, graph=g)
    z1 = x @ W1.T + b1
    a1 = np.tanh(z1)
    z2 = a1 @ W2.T + b2
    p = np.exp(z2 - z2.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    d2 = (p - np.eye(2)[y]) / len(x)  # mean over the batch
    d1 = (d2 @ W2) * (1 - a1 ** 2)
    assert t.node("o").z is not None and t.node("o").delta is not None
    np.testing.assert_allclose(t.node("o").delta, d2, atol=1e-12)
    np.testing.assert_allclose(t.node("h").delta, d1, atol=1e-12)
    np.testing.assert_allclose(t.node("h").grad_output, d2 @ W2, atol=1e-12)
    np.testing.assert_allclose(t.node("o").params["weight"].grad, d2.T @ a1, atol=1e-12)
    np.testing.assert_allclose(t.node("h").params["weight"].new, W1 - 0.5 * d1.T @ x,
                               atol=1e-12)
    np.testing.assert_allclose(t.node("h").params["bias"].new, b1 - 0.5 * d1.sum(0),
                               atol=1e-12)
    json.dumps(t.to_dict())  # plain nested lists


def test_separate_activation_nodes_and_frozen_layers():
    g = chain(("lin", "dense", {"units": 1}, {"weight": [[2.0, -1.0]], "bias": [0.5]}),
              ("act", "sigmoid", {}, None))
    g.nodes["lin"].trainable = False
    compiled = compile_graph(g)
    t = trace_step(compiled, torch.tensor([[1.0, 1.0]]), torch.tensor([[0.0]]),
                   F.mse_loss, 1.0, apply=True, graph=g)
    o = sigmoid(1.5)
    act, lin = t.node("act"), t.node("lin")
    assert act.type == "sigmoid" and act.z is None and act.params == {}
    assert act.grad_output[0, 0] == pytest.approx(2 * o, abs=1e-6)
    assert lin.delta[0, 0] == pytest.approx(2 * o * o * (1 - o), abs=1e-6)
    np.testing.assert_array_equal(lin.params["weight"].new, [[2.0, -1.0]])  # frozen
    assert float(compiled.node_module("lin").weight[0, 0].detach()) == 2.0


# -- the stepthrough task --------------------------------------------------------------------

def ldl_xor_book():
    """ldl Code Snippets 3-1 to 3-4 in float64; returns (epochs, weights, outputs, initial)."""
    np.random.seed(3)
    lr, index_list = 0.1, [0, 1, 2, 3]
    x_train = [np.array([1.0, a, b]) for a, b in ((-1, -1), (-1, 1), (1, -1), (1, 1))]
    y_train = [0.0, 1.0, 1.0, 0.0]

    def neuron_w(n):
        w = np.zeros(n + 1)
        for i in range(1, n + 1):
            w[i] = np.random.uniform(-1.0, 1.0)
        return w
    n_w = [neuron_w(2), neuron_w(2), neuron_w(2)]
    initial = [w.copy() for w in n_w]
    n_y = [0.0, 0.0, 0.0]

    def forward(x):
        n_y[0], n_y[1] = np.tanh(n_w[0] @ x), np.tanh(n_w[1] @ x)
        n_y[2] = 1.0 / (1.0 + np.exp(-(n_w[2] @ np.array([1.0, n_y[0], n_y[1]]))))

    epochs, all_correct = 0, False
    while not all_correct:
        all_correct = True
        epochs += 1
        np.random.shuffle(index_list)
        for i in index_list:
            forward(x_train[i])
            e2 = -(y_train[i] - n_y[2]) * n_y[2] * (1 - n_y[2])
            e0 = n_w[2][1] * e2 * (1 - n_y[0] ** 2)
            e1 = n_w[2][2] * e2 * (1 - n_y[1] ** 2)
            n_w[0] -= x_train[i] * lr * e0
            n_w[1] -= x_train[i] * lr * e1
            n_w[2] -= np.array([1.0, n_y[0], n_y[1]]) * lr * e2
        outputs = []
        for i in range(4):
            forward(x_train[i])
            outputs.append(n_y[2])
            if (y_train[i] < 0.5) != (n_y[2] < 0.5):
                all_correct = False
    return epochs, n_w, outputs, initial


def ldl_xor_project(epochs=200, **task):
    params = {"loss": "half_mse", "order": "shuffle", "rng": "numpy",
              "init": "uniform", "stop": "all_correct", **task}
    g = chain(("hidden", "dense", {"units": 2, "activation": "tanh"}, None),
              ("out", "dense", {"units": 1, "activation": "sigmoid"}, None)).to_dict()
    return {"format_version": 2, "graphs": {"model": g},
            "data": {"type": "table", "params": {"inputs": [-1, -1, -1, 1, 1, -1, 1, 1],
                                                 "targets": [0, 1, 1, 0]}},
            "task": {"type": "stepthrough", "params": params},
            "training": {"optimizer": {"type": "sgd", "params": SGD}, "epochs": epochs,
                         "batch_size": "full", "device": "cpu", "seed": 3}}


def test_ldl_xor_run_is_the_books_program():
    epochs, weights, outputs, initial = ldl_xor_book()
    assert epochs == 161
    np.testing.assert_allclose([w[1:] for w in initial],
                               [[0.102, 0.416], [-0.418, 0.022], [0.786, 0.793]], atol=1e-3)
    s = build_session(project_from_dict(ldl_xor_project(epochs=1)))
    hidden = s.task.compiled["model"].node_module("hidden")[0]
    np.testing.assert_allclose(hidden.weight.detach().numpy(), [initial[0][1:], initial[1][1:]],
                               atol=1e-7)
    s = build_session(project_from_dict(ldl_xor_project()))
    m = run_session(s).metrics
    assert m["converged_epoch"] == 161 and m["updates"] == 161 * 4
    np.testing.assert_allclose([m[f"out_{i}"] for i in range(4)], outputs, atol=1e-5)
    out = s.task.compiled["model"].node_module("out")[0]
    np.testing.assert_allclose([float(out.bias.detach()), *out.weight[0].tolist()], weights[2],
                               atol=1e-5)
    trace = s.task.trace()
    assert set(trace) >= {"x", "y", "output", "loss", "nodes", "new_output"}
    assert not trace["applied"]  # steps after convergence only trace
    assert "trace.hidden.delta" in s.task.arrays()


def test_stepthrough_refuses_other_optimizers():
    raw = ldl_xor_project()
    raw["training"]["optimizer"] = {"type": "adam", "params": {"lr": 0.1}}
    with pytest.raises(TrainingError, match="SGD"):
        build_session(project_from_dict(raw))
    raw = ldl_xor_project()
    raw["training"]["optimizer"]["params"] = {**SGD, "momentum": 0.9}
    with pytest.raises(TrainingError, match="momentum"):
        build_session(project_from_dict(raw))


def test_update_off_only_traces():
    s = build_session(project_from_dict(ldl_xor_project(epochs=2, update=False)))
    before = [p.detach().clone() for p in s.task.model.parameters()]
    m = run_session(s).metrics
    assert m["updates"] == 0 and m["passes"] == 2
    for a, b in zip(before, s.task.model.parameters()):
        assert torch.equal(a, b)
    t = s.task.last_trace
    assert t is not None and t.nodes[0].params["weight"].grad.any()
