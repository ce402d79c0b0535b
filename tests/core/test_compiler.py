"""Compiler oracle tests: compiled graphs equal hand-written PyTorch modules."""

import pytest
import torch
from torch import nn

from playground.compiler import compile_graph
from playground.errors import GraphError
from playground.graph import Graph
from playground.seeding import seed_torch


def chain(*layers: tuple[str, dict], input_shape=(2,)) -> tuple[Graph, dict]:
    g = Graph()
    g.add_node("input", node_id="x")
    prev = "x"
    for i, (type_id, params) in enumerate(layers):
        nid = f"l{i}"
        g.add_node(type_id, params, node_id=nid)
        g.connect(prev, nid)
        prev = nid
    g.add_node("output", node_id="y")
    g.connect(prev, "y")
    return g, {"x": input_shape}


def copy_weights(dst_layers: list[nn.Module], src_layers: list[nn.Module]) -> None:
    with torch.no_grad():
        for d, s in zip(dst_layers, src_layers):
            d.weight.copy_(s.weight)
            d.bias.copy_(s.bias)


def assert_same(compiled: nn.Module, oracle: nn.Module, x: torch.Tensor) -> None:
    """Same output, same input gradient, same parameter gradients (in order)."""
    x1 = x.clone().requires_grad_(True)
    x2 = x.clone().requires_grad_(True)
    out1, out2 = compiled(x1), oracle(x2)
    torch.testing.assert_close(out1, out2)
    out1.pow(2).sum().backward()
    out2.pow(2).sum().backward()
    torch.testing.assert_close(x1.grad, x2.grad)
    g1 = [p.grad for p in compiled.parameters()]
    g2 = [p.grad for p in oracle.parameters()]
    assert len(g1) == len(g2)
    for a, b in zip(sorted(g1, key=lambda t: t.shape), sorted(g2, key=lambda t: t.shape)):
        torch.testing.assert_close(a, b)


def linears(module: nn.Module) -> list[nn.Module]:
    return [m for m in module.modules() if isinstance(m, (nn.Linear, nn.Conv2d))]


def test_mlp_matches_sequential():
    g, shapes = chain(("dense", {"units": 6, "activation": "relu"}),
                      ("dense", {"units": 1, "activation": "sigmoid"}))
    compiled = compile_graph(g, shapes, seed=3).module
    oracle = nn.Sequential(nn.Linear(2, 6), nn.ReLU(), nn.Linear(6, 1), nn.Sigmoid())
    copy_weights(linears(oracle), linears(compiled))
    assert_same(compiled, oracle, torch.randn(8, 2))


def test_cnn_matches_sequential():
    g, shapes = chain(("conv2d", {"filters": 4, "kernel_size": [3, 3], "padding": "same",
                                  "activation": "relu"}),
                      ("maxpool", {"kernel_size": 2}),
                      ("flatten", {}),
                      ("dense", {"units": 3}), input_shape=(1, 8, 8))
    compiled = compile_graph(g, shapes, seed=0).module
    oracle = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                           nn.Flatten(), nn.Linear(64, 3))
    copy_weights(linears(oracle), linears(compiled))
    assert_same(compiled, oracle, torch.randn(5, 1, 8, 8))


class Residual(nn.Module):
    """x -> a = relu(W1 x); b = W2 a; out = W3 (b + x) -- a skip connection."""

    def __init__(self):
        super().__init__()
        self.a = nn.Linear(4, 4)
        self.b = nn.Linear(4, 4)
        self.head = nn.Linear(4, 2)

    def forward(self, x):
        return self.head(self.b(torch.relu(self.a(x))) + x)


def test_skip_connection_dag_matches_hand_written_module():
    g = Graph()
    g.add_node("input", node_id="x")
    g.add_node("dense", {"units": 4, "activation": "relu"}, node_id="a")
    g.add_node("dense", {"units": 4}, node_id="b")
    g.add_node("add", node_id="skip")
    g.add_node("dense", {"units": 2}, node_id="head")
    g.add_node("output", node_id="y")
    for src, dst, port in [("x", "a", "in"), ("a", "b", "in"), ("b", "skip", "in1"),
                           ("x", "skip", "in2"), ("skip", "head", "in"), ("head", "y", "in")]:
        g.connect(src, dst, dst_port=port)
    compiled = compile_graph(g, {"x": (4,)}, seed=1)
    oracle = Residual()
    copy_weights([oracle.a, oracle.b, oracle.head],
                 [compiled.node_module(n) if isinstance(compiled.node_module(n), nn.Linear)
                  else compiled.node_module(n)[0] for n in ("a", "b", "head")])
    assert_same(compiled.module, oracle, torch.randn(6, 4))
    assert "skip = self.skip(b, x)" in compiled.code


def test_concat_branches_match():
    g = Graph()
    g.add_node("input", node_id="x")
    g.add_node("dense", {"units": 3, "activation": "tanh"}, node_id="left")
    g.add_node("dense", {"units": 2}, node_id="right")
    g.add_node("concat", node_id="cat")
    g.add_node("dense", {"units": 1}, node_id="head")
    g.add_node("output", node_id="y")
    for src, dst, port in [("x", "left", "in"), ("x", "right", "in"), ("left", "cat", "in1"),
                           ("right", "cat", "in2"), ("cat", "head", "in"), ("head", "y", "in")]:
        g.connect(src, dst, dst_port=port)
    compiled = compile_graph(g, {"x": (2,)})
    left, right, head = nn.Linear(2, 3), nn.Linear(2, 2), nn.Linear(5, 1)
    copy_weights([left, right, head], [compiled.node_module("left")[0],
                                       compiled.node_module("right"),
                                       compiled.node_module("head")])
    x = torch.randn(4, 2)
    expected = head(torch.cat([torch.tanh(left(x)), right(x)], dim=1))
    torch.testing.assert_close(compiled.module(x), expected)


def test_seed_makes_initialisation_repeatable():
    g, shapes = chain(("dense", {"units": 8}), ("dense", {"units": 1}))
    a = compile_graph(g, shapes, seed=7).module.state_dict()
    b = compile_graph(g, shapes, seed=7).module.state_dict()
    c = compile_graph(g, shapes, seed=8).module.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k], c[k]) for k in a)


def test_seeded_initialisation_leaves_the_callers_random_stream():
    """Compiling with a seed draws from a forked generator: the caller's stream goes on
    as if nothing was drawn."""
    g, shapes = chain(("dense", {"units": 3}), input_shape=(2,))
    torch.manual_seed(123)
    expected_next = torch.rand(4)
    torch.manual_seed(123)
    compile_graph(g, shapes, seed=7)
    assert torch.equal(torch.rand(4), expected_next)


def test_seed_torch_draws_as_torch_manual_seed():
    torch.manual_seed(5)
    expected = torch.rand(3), torch.randn(2)
    seed_torch(5)
    assert torch.equal(torch.rand(3), expected[0]) and torch.equal(torch.randn(2), expected[1])


def test_a_negative_bias_value_is_a_spread_for_uniform_and_normal():
    """bias_value may be negative (for 'constant'); uniform/normal use its size."""
    for how in ("uniform", "normal"):
        g, shapes = chain(("dense", {"units": 200, "bias_init": how, "bias_value": -1.0}),
                          input_shape=(4,))
        bias = compile_graph(g, shapes, seed=0).node_module("l0").bias
        assert bias.std() > 0.3 and (how == "normal" or bias.abs().max() <= 1.0)


def test_init_schemes():
    g, shapes = chain(("dense", {"units": 50, "weight_init": "uniform", "init_scale": 0.5,
                                 "bias_init": "constant", "bias_value": 0.1}),
                      ("dense", {"units": 3, "weight_init": "zeros", "bias_init": "zeros"}),
                      input_shape=(40,))
    compiled = compile_graph(g, shapes)
    first, second = compiled.node_module("l0"), compiled.node_module("l1")
    assert first.weight.abs().max() <= 0.5 and first.weight.abs().max() > 0.45
    assert torch.all(first.bias == 0.1)
    assert torch.all(second.weight == 0) and torch.all(second.bias == 0)
    g2, shapes2 = chain(("dense", {"units": 30, "weight_init": "glorot_uniform"}),
                        input_shape=(20,))
    bound = (6 / (20 + 30)) ** 0.5
    w = compile_graph(g2, shapes2).node_module("l0").weight
    assert w.abs().max() <= bound and w.abs().max() > 0.9 * bound


def test_hand_set_weights_are_loaded():
    g, shapes = chain(("dense", {"units": 2, "activation": "sigmoid"}))
    g.set_node_fields("l0", weights={"weight": [[10, 10], [10, 10]], "bias": [-5, -15]})
    module = compile_graph(g, shapes).module
    out = module(torch.tensor([[0.0, 0.0], [1.0, 1.0]]))
    torch.testing.assert_close(out, torch.sigmoid(torch.tensor([[-5.0, -15.0], [15.0, 5.0]])))


def test_hand_set_weights_with_wrong_shape_name_the_node():
    g, shapes = chain(("dense", {"units": 2}))
    g.set_node_fields("l0", weights={"weight": [[1, 2, 3]]})
    with pytest.raises(GraphError) as err:
        compile_graph(g, shapes)
    assert err.value.node == "l0" and "(2, 2)" in str(err.value)


def test_frozen_node_does_not_train():
    g, shapes = chain(("dense", {"units": 2}), ("dense", {"units": 1}))
    g.set_node_fields("l0", trainable=False)
    compiled = compile_graph(g, shapes)
    assert not any(p.requires_grad for p in compiled.node_module("l0").parameters())
    assert all(p.requires_grad for p in compiled.node_module("l1").parameters())


def test_invalid_graph_is_refused_with_the_node():
    g, shapes = chain(("dense", {"units": 2}), input_shape=(3, 4, 4))
    with pytest.raises(GraphError) as err:
        compile_graph(g, shapes)
    assert err.value.node == "l0" and "insert a Flatten" in str(err.value)


def test_unused_broken_node_does_not_block_compilation():
    g, shapes = chain(("dense", {"units": 2}))
    g.add_node("conv2d", node_id="stray")
    compiled = compile_graph(g, shapes)
    assert "stray" not in compiled.attr_names


def test_node_id_that_shadows_a_module_attribute():
    g = Graph()
    g.add_node("input", node_id="x")
    g.add_node("dense", {"units": 2}, node_id="training")
    g.add_node("relu", node_id="code")
    g.add_node("output", node_id="y")
    g.connect("x", "training")
    g.connect("training", "code")
    g.connect("code", "y")
    compiled = compile_graph(g, {"x": (3,)})
    assert compiled.module(torch.randn(2, 3)).shape == (2, 2)
    assert isinstance(compiled.node_module("training"), nn.Linear)
