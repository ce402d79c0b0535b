"""The parameter counts the books print for their models, from our graphs of the same models.

Each graph below is a book's model at the book's input size, built from our
layer registry; its Keras-equivalent count (one bias per recurrent gate, see
:func:`playground.param_counts.keras_param_counts`) must equal the count the book's
``model.summary()`` prints as trainable. Keras's BatchNormalization adds two
non-trainable vectors per layer (the moving mean and variance) that the books'
"Total params" include; PyTorch keeps them as buffers, not parameters.
"""

from __future__ import annotations

import pytest

from playground.graph import Graph
from playground.param_counts import keras_param_counts, node_param_counts
from playground.project.presets import load_preset
from playground.project.variants import variant_projects
from playground.shapes import infer

SIG, RELU = "sigmoid", "relu"


def dense(units: int, activation: str = "identity") -> tuple:
    return ("dense", {"units": units, "activation": activation})


def conv(filters: int, kernel: int, stride: int = 1, activation: str = RELU,
         padding: str = "valid") -> tuple:
    return ("conv2d", {"filters": filters, "kernel_size": [kernel, kernel],
                       "stride": [stride, stride], "activation": activation,
                       "padding": padding})


def conv_t(filters: int, kernel: int, stride: int) -> tuple:
    return ("conv_transpose2d", {"filters": filters, "kernel_size": [kernel, kernel],
                                 "stride": [stride, stride]})


def rnn(kind: str, hidden: int, ret: str = "last", bidirectional: bool = False) -> tuple:
    return (kind, {"hidden_size": hidden, "return": ret, "bidirectional": bidirectional})


BN, DROP, FLAT = ("batchnorm", {}), ("dropout", {"p": 0.2}), ("flatten", {})
POOL = ("maxpool", {"kernel_size": 2})


def chain_graph(shape: list[int], *layers: tuple) -> Graph:
    nodes = [{"id": "x", "type": "input", "params": {"shape": shape}, "pos": [0, 0]}]
    for i, (kind, params) in enumerate(layers, start=1):
        nodes.append({"id": f"l{i}", "type": kind, "params": params, "pos": [100 * i, 0]})
    nodes.append({"id": "y", "type": "output", "params": {}, "pos": [100 * len(nodes), 0]})
    edges = [{"src": a["id"], "dst": b["id"]} for a, b in zip(nodes, nodes[1:])]
    return Graph.from_dict({"nodes": nodes, "edges": edges})


def keras_count(graph: Graph, input_shapes: dict | None = None) -> int:
    report = infer(graph, input_shapes)
    errors = [str(info.error) for info in report.nodes.values() if info.error]
    assert not errors, errors
    return sum(keras_param_counts(report, graph).values())


_DEEPNET = [("dropout", {"p": 0.5}), dense(3072, RELU)]
for _units in (1536, 768, 384, 192, 96, 48, 24, 12):
    _DEEPNET += [DROP, dense(_units, RELU)]

BOOK_MODELS = {
    # dl4b (seeds/002): trainable counts of the printed summaries
    "dl4b ch11 widenet, 18,911,242 (L6043)": (
        18_911_242, [3072], [("dropout", {"p": 0.5}), dense(3072, RELU), DROP,
                             dense(3072, RELU), dense(10, SIG)]),
    "dl4b ch11 deepnet, 15,734,806 (L6427)": (15_734_806, [3072], [*_DEEPNET, dense(10, SIG)]),
    "dl4b ch12 CIFAR CNN, 238,282 trainable (L7331)": (
        238_282, [3, 32, 32], [conv(64, 9, 2), POOL, BN, conv(128, 3), POOL, BN, FLAT,
                               ("dropout", {"p": 0.5}), dense(256, RELU), DROP, dense(64, RELU),
                               DROP, dense(10, SIG)]),
    "dl4b ch13 SimpleRNN(10) on (5, 2), 130 (L7633)": (130, [5, 2], [rnn("rnn", 10)]),
    "dl4b ch13 Embedding(30, 10), 300 (L7695)": (
        300, [5], [("embedding", {"vocab_size": 30, "dim": 10})]),
    "dl4b ch13 IMDb SimpleRNN, 643,201 trainable (L7841)": (
        643_201, [128], [("embedding", {"vocab_size": 10000, "dim": 64}), DROP,
                         rnn("rnn", 32), BN, DROP, dense(1, SIG)]),
    "dl4b ch13 IMDb LSTM, 652,513 trainable (L8032)": (
        652_513, [128], [("embedding", {"vocab_size": 10000, "dim": 64}), DROP,
                         rnn("lstm", 32), BN, DROP, dense(1, SIG)]),
    "dl4b ch13 LSTM autoencoder, 10,838 trainable (L8277)": (
        10_838, [28, 28], [DROP, rnn("lstm", 28), BN, DROP, dense(2, SIG),
                           ("repeat_vector", {"times": 28}), rnn("lstm", 28, "sequences"), BN,
                           dense(28, SIG)]),
    "dl4b ch13 BiLSTM encoder, 18,692 - 112 (L8502)": (
        18_580, [28, 28], [("dropout", {"p": 0.5}), rnn("lstm", 28, bidirectional=True), BN,
                           ("dropout", {"p": 0.5}), dense(100, SIG)]),
    "dl4b ch14 DCGAN generator, 2,318,209 trainable (L9164)": (
        2_318_209, [100], [dense(7 * 7 * 256, RELU), BN, ("reshape", {"shape": [256, 7, 7]}),
                           conv_t(128, 5, 1), BN, conv_t(64, 5, 2), BN, conv_t(1, 5, 2)]),
    "dl4b ch14 DCGAN critic, 212,865 (L9189)": (
        212_865, [1, 28, 28], [conv(64, 5, 2, padding="same"), DROP,
                               conv(128, 5, 2, padding="same"), DROP, FLAT, dense(1, SIG)]),
    # ldl (seeds/003)
    "ldl ch7 CIFAR conf1, 82,762 (L4258)": (
        82_762, [3, 32, 32], [conv(64, 5, 2, padding="same"), conv(64, 3, 2, padding="same"),
                              FLAT, dense(10, "softmax")]),
    "ldl ch9 SimpleRNN(128) + Dense(1), 16,769 (L5194)": (
        16_769, [270, 1], [("rnn", {"hidden_size": 128, "nonlinearity": "relu"}), dense(1)]),
    "ldl ch6 linear regression, 14 (L3879)": (14, [13], [dense(1)]),
    # launch (seeds/001)
    "launch 31.2.1 linear regression, 2 (L851)": (2, [1], [dense(1)]),
}


@pytest.mark.parametrize("name", list(BOOK_MODELS))
def test_book_model_counts(name):
    expected, shape, layers = BOOK_MODELS[name]
    assert keras_count(chain_graph(shape, *layers)) == expected


def test_keras_and_pytorch_counts_differ_by_the_second_recurrent_bias():
    graph = chain_graph([5, 2], rnn("rnn", 10))
    report = infer(graph)
    assert sum(node_param_counts(report, graph).values()) == 130 + 10  # b_hh too


def _preset_counts(preset_id: str) -> dict[str, int]:
    """Keras-equivalent count of each variant's model (or of the preset itself)."""
    project = load_preset(preset_id)
    projects = {v.name: v.project for v in variant_projects(project)} or {"": project}
    counts = {}
    for name, p in projects.items():
        from playground.data import load_dataset
        ds = load_dataset(p.data)
        graph = p.graphs["model"]
        shapes = {n.id: ds.input_shape for n in graph.nodes_of_type("input")}
        counts[name] = keras_count(graph, shapes)
    return counts


def test_presets_that_are_the_books_models_have_the_books_counts():
    boston = _preset_counts("ldl-6-regularization-table")
    assert boston["conf1"] == 14  # 'one weight for each input feature plus a bias' (L3879)
    assert boston["conf5"] == boston["conf6"] == 26_625 > 26_000  # 'more than 26,000'
    assert _preset_counts("launch-linreg")[""] == 2  # L851-853
    assert _preset_counts("ldl-9-rnn-forecast")["rnn"] == 16_769  # L5194


def test_ldl_7_cnn_conf1_is_the_books_model_at_cifars_size():
    # The preset trains on 16x16 grey shapes of 6 classes; on CIFAR's 32x32x3 images and
    # 10 classes its Conf1 has the count Code 7-3's summary prints (L4250-4258).
    raw = load_preset("ldl-7-cnn").graphs["model"].to_dict()
    for node in raw["nodes"]:
        if node["id"] == "probs":
            node["params"]["units"] = 10
    assert keras_count(Graph.from_dict(raw), {"image": (3, 32, 32)}) == 82_762
