"""Shape inference: every layer type's output shape, its errors and their fixes."""

import pytest
import torch

from playground.compiler import compile_graph
from playground.graph import Graph
from playground.layers import LAYERS
from playground.param_counts import node_param_counts
from playground.shapes import infer

# type id -> (params, input shapes by port, expected output shape)
VALID = {
    "dense": ({"units": 5}, {"in": (3,)}, (5,)),
    "bayes_dense": ({"units": 4, "activation": "tanh"}, {"in": (3,)}, (4,)),
    "activity_regularization": ({"l1": 0.01}, {"in": (3, 4)}, (3, 4)),
    "dropout": ({"p": 0.2}, {"in": (3, 4)}, (3, 4)),
    "flatten": ({}, {"in": (2, 3, 4)}, (24,)),
    "reshape": ({"shape": [1, -1, 4]}, {"in": (16,)}, (1, 4, 4)),
    "features": ({"x1_squared": True, "sin_x2": True}, {"in": (2,)}, (4,)),
    "conv1d": ({"filters": 4, "kernel_size": [3]}, {"in": (2, 10)}, (4, 8)),
    "conv2d": ({"filters": 6, "kernel_size": [3, 3], "padding": "same", "stride": [2, 2]},
               {"in": (1, 7, 7)}, (6, 4, 4)),
    "conv_transpose2d": ({"filters": 3}, {"in": (4, 5, 5)}, (3, 10, 10)),
    "upsample": ({"scale_factor": 2}, {"in": (2, 3, 3)}, (2, 6, 6)),
    "maxpool": ({"kernel_size": 2}, {"in": (3, 7, 7)}, (3, 3, 3)),
    "avgpool": ({"kernel_size": 2, "padding": "same"}, {"in": (3, 7, 7)}, (3, 4, 4)),
    "global_avg_pool": ({}, {"in": (5, 4, 4)}, (5,)),
    "batchnorm": ({}, {"in": (3, 4, 4)}, (3, 4, 4)),
    "layernorm": ({}, {"in": (7, 5)}, (7, 5)),
    "add": ({"inputs": 2}, {"in1": (4,), "in2": (4,)}, (4,)),
    "multiply": ({"inputs": 3}, {"in1": (4,), "in2": (4,), "in3": (4,)}, (4,)),
    "concat": ({"inputs": 2}, {"in1": (4, 2), "in2": (3, 2)}, (7, 2)),
    **{act: ({}, {"in": (6,)}, (6,)) for act in
       ("relu", "leaky_relu", "elu", "selu", "gelu", "tanh", "sigmoid", "softmax",
        "softplus", "identity", "sign")},
    # recurrent and attention layers (tests/core/test_recurrent.py, test_attention.py)
    "rnn": ({"hidden_size": 5}, {"in": (7, 3)}, (5,)),
    "lstm": ({"hidden_size": 4, "return": "sequences", "bidirectional": True},
             {"in": (6, 2)}, (6, 8)),
    "gru": ({"hidden_size": 3, "num_layers": 2}, {"in": (4, 2)}, (3,)),
    "embedding": ({"vocab_size": 10, "dim": 4}, {"in": (6,)}, (6, 4)),
    "repeat_vector": ({"times": 5}, {"in": (3,)}, (5, 3)),
    "multihead_attention": ({"heads": 2}, {"in": (5, 8)}, (5, 8)),
    "transformer_encoder": ({"heads": 2, "ff_size": 16}, {"in": (5, 8)}, (5, 8)),
    "positional_encoding": ({}, {"in": (5, 6)}, (5, 6)),
    # generative layers (tests/core/test_vae.py)
    "sampling": ({}, {"mu": (2,), "logvar": (2,)}, (2,)),
}

# type id -> (params, input shapes, fragments the message must contain, fix fragment)
INVALID = {
    "dense": ({}, {"in": (16, 7, 7)}, ["Dense expects", "(N, 16, 7, 7)"], "Flatten"),
    "bayes_dense": ({}, {"in": (16, 7, 7)}, ["BayesDense expects", "(N, 16, 7, 7)"], "Flatten"),
    "reshape": ({"shape": [1, 8, 9]}, {"in": (64,)}, ["needs 72 values", "gets 64"], "64"),
    "features": ({}, {"in": (3,)}, ["expects 2-D points", "(N, 3)"], "Input"),
    "conv1d": ({}, {"in": (10,)}, ["Conv1d expects (N, channels, length)"], "Reshape"),
    "conv2d": ({}, {"in": (64,)}, ["Conv2d expects", "(N, 64)"], "Reshape to (1, 8, 8)"),
    "conv_transpose2d": ({}, {"in": (8,)}, ["ConvTranspose2d expects"], "Reshape"),
    "upsample": ({}, {"in": (8,)}, ["Upsample expects"], "Reshape"),
    "maxpool": ({"kernel_size": 5}, {"in": (1, 3, 3)}, ["larger than the input"], "smaller"),
    "avgpool": ({}, {"in": (5,)}, ["AvgPool expects"], "Reshape"),
    "global_avg_pool": ({}, {"in": (5,)}, ["GlobalAvgPool expects"], "Reshape"),
    "batchnorm": ({}, {"in": (1, 2, 3, 4)}, ["BatchNorm expects"], "Flatten"),
    "add": ({}, {"in1": (4,), "in2": (5,)}, ["needs equal shapes", "(N, 4)", "(N, 5)"],
            "same number"),
    "multiply": ({}, {"in1": (4,), "in2": (2, 2)}, ["needs equal shapes"], "same number"),
    "concat": ({}, {"in1": (4, 2), "in2": (3, 3)}, ["other axes equal"], "reshape"),
    "rnn": ({}, {"in": (8,)}, ["RNN expects (N, steps, features)", "(N, 8)"],
            "Reshape to (8, 1)"),
    "lstm": ({}, {"in": (8,)}, ["LSTM expects (N, steps, features) but gets (N, 8)"],
             "insert a Reshape to (8, 1) to make a sequence of 8 steps"),
    "gru": ({}, {"in": (1, 8, 8)}, ["GRU expects", "(N, 1, 8, 8)"], "Reshape"),
    "embedding": ({}, {"in": (8, 1)}, ["Embedding expects token ids"], "Reshape to (8,)"),
    "repeat_vector": ({}, {"in": (4, 3)}, ["RepeatVector expects (N, features)"], "Flatten"),
    "multihead_attention": ({"heads": 3}, {"in": (5, 10)},
                            ["embed size 10 is not divisible by 3 heads"], "1, 2, 5, 10"),
    "transformer_encoder": ({"heads": 2}, {"in": (8,)}, ["expects (N, steps, embed)"],
                            "Reshape to (8, 1)"),
    "positional_encoding": ({}, {"in": (2, 3, 4)}, ["PositionalEncoding expects"], "Reshape"),
    "sampling": ({}, {"mu": (2,), "logvar": (3,)},
                 ["mu and logvar of the same shape", "(N, 2) on mu", "(N, 3) on logvar"],
                 "same number of units"),
}

# Layers whose inputs cannot be wrong in shape (any shape works), or that are sources/sinks.
SHAPE_AGNOSTIC = {"activity_regularization", "dropout", "flatten", "layernorm", "input",
                  "output", "relu", "leaky_relu",
                  "elu", "selu", "gelu", "tanh", "sigmoid", "softmax", "softplus", "identity",
                  "sign"}


def graph_with(type_id: str, params: dict, in_shapes: dict) -> tuple[Graph, dict]:
    """Inputs -> layer -> Output, with one Input per port of the layer."""
    g = Graph()
    node = g.add_node(type_id, params, node_id="layer")
    shapes = {}
    for i, (port, shape) in enumerate(in_shapes.items()):
        g.add_node("input", node_id=f"x{i}")
        g.connect(f"x{i}", "layer", dst_port=port)
        shapes[f"x{i}"] = shape
    g.add_node("output", node_id="y")
    g.connect(node.id, "y")
    return g, shapes


def test_every_layer_type_is_covered_here():
    covered = set(VALID) | {"input", "output"}
    assert set(LAYERS.ids()) - covered == set()
    assert set(LAYERS.ids()) - set(INVALID) - SHAPE_AGNOSTIC == set()


@pytest.mark.parametrize("type_id", sorted(VALID))
def test_inferred_shape_matches_the_built_module(type_id):
    params, in_shapes, expected = VALID[type_id]
    g, shapes = graph_with(type_id, params, in_shapes)
    report = infer(g, shapes)
    assert report.ok, report.errors
    assert report.nodes["layer"].output == expected
    compiled = compile_graph(g, shapes)
    compiled.module.eval()
    xs = [torch.randn(2, *s) for s in in_shapes.values()]
    assert tuple(compiled.module(*xs).shape) == (2, *expected)


@pytest.mark.parametrize("type_id", sorted(INVALID))
def test_shape_errors_name_node_got_expected_and_fix(type_id):
    params, in_shapes, fragments, fix = INVALID[type_id]
    g, shapes = graph_with(type_id, params, in_shapes)
    report = infer(g, shapes)
    error = report.nodes["layer"].error
    assert error is not None and not report.ok
    assert error.node == "layer"
    text = str(error)
    for fragment in fragments:
        assert fragment in text
    assert fix in error.fix


def test_graph_level_errors():
    assert [str(e) for e in infer(Graph()).graph_errors] == [
        "the graph has no Input; drag an Input from the palette",
        "the graph has no Output; drag an Output from the palette and connect the last layer"]


def test_cycle_is_reported_on_its_nodes():
    g, shapes = graph_with("dense", {"units": 3}, {"in": (3,)})
    g.add_node("dense", {"units": 3}, node_id="back")
    g.add_node("add", node_id="join")
    g.remove_edge(g.edges_into("layer")[0])
    g.connect("x0", "join", dst_port="in1")
    g.connect("back", "join", dst_port="in2")
    g.connect("join", "layer")
    g.connect("layer", "back")
    report = infer(g, shapes)
    assert "cycle" in str(report.nodes["back"].error)
    assert "remove one of the edges" in report.nodes["back"].error.fix


def test_two_edges_into_one_port_and_unconnected_port():
    g, shapes = graph_with("add", {}, {"in1": (3,), "in2": (3,)})
    g.connect("x0", "layer", dst_port="in2")
    report = infer(g, shapes)
    assert "two edges into its port 'in2'" in str(report.nodes["layer"].error)
    g2, shapes2 = graph_with("add", {}, {"in1": (3,)})
    assert "input port 'in2' is not connected" in str(infer(g2, shapes2).nodes["layer"].error)


def test_output_not_connected_to_input():
    g = Graph()
    g.add_node("input", node_id="x")
    g.add_node("dense", node_id="floating")
    g.add_node("output", node_id="y")
    g.connect("floating", "y")
    report = infer(g, {"x": (2,)})
    assert "not connected to an Input" in str(report.nodes["y"].error)
    assert "port 'in' is not connected" in str(report.nodes["floating"].error)
    assert not report.ok


def test_bad_params_and_unknown_type_are_node_errors():
    g, shapes = graph_with("dense", {"units": "abc"}, {"in": (3,)})
    g.add_node("warp_drive", node_id="odd")
    report = infer(g, shapes)
    assert "params.units: expected int" in str(report.nodes["layer"].error)
    assert "unknown layer type 'warp_drive'" in str(report.nodes["odd"].error)
    assert "node 'odd' does not feed the Output" in report.warnings


def test_fix_then_error_goes_away():
    g, shapes = graph_with("dense", {"units": 4}, {"in": (2, 3, 3)})
    assert infer(g, shapes).nodes["layer"].error is not None
    g.add_node("flatten", node_id="flat")
    g.remove_edge(g.edges_into("layer")[0])
    g.connect("x0", "flat")
    g.connect("flat", "layer")
    report = infer(g, shapes)
    assert report.ok and report.nodes["layer"].output == (4,)


def test_parameter_counts():
    g, shapes = graph_with("dense", {"units": 5}, {"in": (3,)})
    counts = node_param_counts(infer(g, shapes), g)
    assert counts["layer"] == 3 * 5 + 5
    g2, shapes2 = graph_with("conv2d", {"filters": 4, "kernel_size": [3, 3]}, {"in": (2, 8, 8)})
    assert node_param_counts(infer(g2, shapes2), g2)["layer"] == 4 * 2 * 9 + 4
