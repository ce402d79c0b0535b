"""Recurrent layers against hand-written recurrences: forward, gradients, Keras init, shapes."""

import pytest
import torch
from torch import nn

from playground.compiler import compile_graph
from playground.graph import Graph
from playground.layers.recurrent import keras_param_count
from playground.param_counts import keras_param_counts, node_param_counts
from playground.shapes import infer


def chain(type_id: str, params: dict, shape: tuple) -> tuple[Graph, dict]:
    """Input -> layer -> Output."""
    g = Graph()
    g.add_node("input", node_id="x")
    g.add_node(type_id, params, node_id="layer")
    g.add_node("output", node_id="y")
    g.connect("x", "layer")
    g.connect("layer", "y")
    return g, {"x": shape}


def compiled_layer(type_id: str, params: dict, shape: tuple, seed: int = 0):
    g, shapes = chain(type_id, params, shape)
    compiled = compile_graph(g, shapes, seed=seed)
    return compiled.module, compiled.node_module("layer")


# -- hand-written recurrences (the oracles) ------------------------------------------------

def elman(x, w_ih, w_hh, b_ih, b_hh, act=torch.tanh):
    h = x.new_zeros(x.shape[0], w_hh.shape[1])
    outs = []
    for t in range(x.shape[1]):
        h = act(x[:, t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
        outs.append(h)
    return torch.stack(outs, 1)


def lstm(x, w_ih, w_hh, b_ih, b_hh):
    n, hidden = x.shape[0], w_hh.shape[1]
    h, c = x.new_zeros(n, hidden), x.new_zeros(n, hidden)
    outs = []
    for t in range(x.shape[1]):
        i, f, g, o = (x[:, t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh).chunk(4, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        outs.append(h)
    return torch.stack(outs, 1)


def gru(x, w_ih, w_hh, b_ih, b_hh):
    h = x.new_zeros(x.shape[0], w_hh.shape[1])
    outs = []
    for t in range(x.shape[1]):
        xr, xz, xn = (x[:, t] @ w_ih.T + b_ih).chunk(3, dim=1)
        hr, hz, hn = (h @ w_hh.T + b_hh).chunk(3, dim=1)
        r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
        n = torch.tanh(xn + r * hn)
        h = (1 - z) * n + z * h
        outs.append(h)
    return torch.stack(outs, 1)


ORACLES = {"rnn": elman, "lstm": lstm, "gru": gru}


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("returns", ["sequences", "last"])
@pytest.mark.parametrize("bias", ["two", "one"])
def test_forward_and_gradients_match_the_hand_written_recurrence(kind, returns, bias):
    model, layer = compiled_layer(kind, {"hidden_size": 5, "return": returns, "bias": bias},
                                  (7, 3))
    rnn = layer.rnn
    weights = {name: getattr(rnn, name).detach().clone().requires_grad_(True)
               for name in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")}
    x = torch.randn(4, 7, 3)
    ours = model(x)
    ref_seq = ORACLES[kind](x, *weights.values())
    ref = ref_seq if returns == "sequences" else ref_seq[:, -1]
    torch.testing.assert_close(ours, ref)
    (ours ** 2).sum().backward()
    (ref ** 2).sum().backward()
    for name, w in weights.items():
        param = rnn._parameters.get(name)
        if param is None:  # Keras's one bias: b_hh is a fixed buffer, no gradient
            assert bias == "one" and name == "bias_hh_l0"
            continue
        torch.testing.assert_close(param.grad, w.grad, msg=name)


def test_relu_elman_matches():
    model, layer = compiled_layer("rnn", {"hidden_size": 4, "nonlinearity": "relu",
                                          "return": "sequences"}, (5, 2))
    rnn = layer.rnn
    x = torch.randn(3, 5, 2)
    ref = elman(x, rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0, rnn.bias_hh_l0,
                act=torch.relu)
    torch.testing.assert_close(model(x), ref)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_stacked_bidirectional_equals_plain_torch_layer(kind):
    params = {"hidden_size": 6, "num_layers": 2, "bidirectional": True, "return": "last",
              "bias": "one"}
    model, layer = compiled_layer(kind, params, (9, 4))
    plain = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[kind](
        4, 6, num_layers=2, bidirectional=True, batch_first=True)
    plain.load_state_dict(layer.rnn.state_dict())  # the buffers keep PyTorch's layout
    x = torch.randn(3, 9, 4)
    out, _ = plain(x)
    # "last": the forward direction after step T-1 and the backward one after step 0 (Keras).
    expected = torch.cat([out[:, -1, :6], out[:, 0, 6:]], dim=-1)
    torch.testing.assert_close(model(x), expected)
    assert model(x).shape == (3, 12)


def test_keras_init_and_one_bias():
    _, layer = compiled_layer("lstm", {"hidden_size": 4, "bias": "one", "init": "keras"}, (12, 1))
    rnn = layer.rnn
    names = dict(rnn.named_parameters())
    assert "bias_hh_l0" not in names and "bias_ih_l0" in names
    b_hh = dict(rnn.named_buffers())["bias_hh_l0"]
    assert torch.equal(b_hh, torch.zeros(16)) and not b_hh.requires_grad
    # Gate order i, f, g, o: only the forget gate starts at 1.
    assert torch.equal(rnn.bias_ih_l0.detach(), torch.tensor([0.0] * 4 + [1.0] * 4 + [0.0] * 8))
    w_hh = rnn.weight_hh_l0.detach()  # (4H, H) with orthonormal columns
    torch.testing.assert_close(w_hh.T @ w_hh, torch.eye(4), atol=1e-5, rtol=0)
    limit = (6 / (1 + 16)) ** 0.5  # Glorot uniform on the (4H, F) kernel
    assert rnn.weight_ih_l0.abs().max() <= limit
    assert "bias_hh_l0" in rnn.state_dict()  # checkpoints keep PyTorch's keys


def test_one_bias_stays_zero_through_training():
    model, layer = compiled_layer("lstm", {"hidden_size": 3, "bias": "one"}, (4, 2))
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    for _ in range(3):
        opt.zero_grad()
        model(torch.randn(8, 4, 2)).pow(2).sum().backward()
        opt.step()
    assert torch.equal(layer.rnn.bias_hh_l0, torch.zeros(12))


def test_pytorch_default_keeps_two_trained_biases():
    _, layer = compiled_layer("gru", {"hidden_size": 3}, (4, 2))
    assert {"bias_ih_l0", "bias_hh_l0"} <= set(dict(layer.rnn.named_parameters()))


@pytest.mark.parametrize(("type_id", "params", "shape", "pytorch", "keras"), [
    # ldl Ch 9 (L5189-5195): SimpleRNN(128) on 1 feature, Keras 16,640 (PyTorch 16,768).
    ("rnn", {"hidden_size": 128}, (12, 1), 128 * (1 + 128) + 2 * 128, 16_640),
    # launch pitfalls note: LSTM(5) on 1 feature is 140 in Keras, 160 in PyTorch.
    ("lstm", {"hidden_size": 5}, (3, 1), 160, 140),
    # Keras GRU (reset_after=True) has two biases, like PyTorch.
    ("gru", {"hidden_size": 4}, (3, 2), 3 * 4 * (2 + 4 + 2), 3 * 4 * (2 + 4 + 2)),
    ("lstm", {"hidden_size": 3, "num_layers": 2, "bidirectional": True}, (5, 2),
     2 * (4 * 3 * (2 + 3 + 2)) + 2 * (4 * 3 * (6 + 3 + 2)),
     2 * (4 * 3 * (2 + 3 + 1)) + 2 * (4 * 3 * (6 + 3 + 1))),
])
def test_parameter_counts_pytorch_and_keras(type_id, params, shape, pytorch, keras):
    g, shapes = chain(type_id, params, shape)
    report = infer(g, shapes)
    assert node_param_counts(report, g)["layer"] == pytorch
    assert keras_param_counts(report, g)["layer"] == keras
    # With Keras's one bias the compiled count is Keras's (except GRU, see the docstring).
    one = {**params, "bias": "one"}
    g1, _ = chain(type_id, one, shape)
    if type_id != "gru":
        assert node_param_counts(infer(g1, shapes), g1)["layer"] == keras
    resolved = report.nodes["layer"].params
    assert keras_param_count(type_id, resolved, shape) == keras


def test_non_sequence_into_lstm_is_a_shape_error_with_a_fix():
    g, shapes = chain("lstm", {}, (8,))
    error = infer(g, shapes).nodes["layer"].error
    assert error.node == "layer"
    assert error.message == "LSTM expects (N, steps, features) but gets (N, 8)"
    assert error.fix == "insert a Reshape to (8, 1) to make a sequence of 8 steps"


def test_reshape_fix_repairs_the_graph():
    g, shapes = chain("lstm", {"hidden_size": 3}, (8,))
    g.add_node("reshape", {"shape": [8, 1]}, node_id="seq")
    g.remove_edge(g.edges_into("layer")[0])
    g.connect("x", "seq")
    g.connect("seq", "layer")
    report = infer(g, shapes)
    assert report.ok and report.nodes["layer"].output == (3,)


def test_embedding_casts_float_ids_and_clamps():
    model, layer = compiled_layer("embedding", {"vocab_size": 5, "dim": 3}, (4,))
    ids = torch.tensor([[0.0, 1.0, 4.0, 2.0]])
    torch.testing.assert_close(model(ids), layer.embedding.weight[[0, 1, 4, 2]][None])
    out_of_range = model(torch.tensor([[-3.0, 9.0, 0.0, 0.0]]))
    torch.testing.assert_close(out_of_range[0, :2], layer.embedding.weight[[0, 4]])


def test_embedding_rejects_sequences_of_vectors():
    g, shapes = chain("embedding", {}, (8, 1))
    error = infer(g, shapes).nodes["layer"].error
    assert "Embedding expects token ids (N, steps)" in error.message
    assert error.fix == "insert a Reshape to (8,) before it"


def test_repeat_vector_then_lstm_then_dense_per_step():
    g = Graph()
    for nid, kind, params in [("x", "input", {}), ("rep", "repeat_vector", {"times": 6}),
                              ("dec", "lstm", {"hidden_size": 4, "return": "sequences"}),
                              ("step", "dense", {"units": 2}), ("y", "output", {})]:
        g.add_node(kind, params, node_id=nid)
    for a, b in [("x", "rep"), ("rep", "dec"), ("dec", "step"), ("step", "y")]:
        g.connect(a, b)
    compiled = compile_graph(g, {"x": (3,)})
    x = torch.randn(2, 3)
    out = compiled.module(x)
    assert out.shape == (2, 6, 2)
    # Dense acts on every step alone (Keras TimeDistributed): step t uses only h_t.
    seq = compiled.node_module("dec")(compiled.node_module("rep")(x))
    torch.testing.assert_close(out[:, 2], compiled.node_module("step")(seq[:, 2]))
