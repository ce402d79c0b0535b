"""Sample graphs and neuron maps for the module previews and the editor tests."""

from __future__ import annotations

import numpy as np

from playground.graph import Graph


def xor_graph() -> Graph:
    """The launch-xor preset's graph: Input(2) -> Dense(6, relu) -> Dense(1) -> Output."""
    from playground.project.presets import load_preset

    return load_preset("launch-xor").graph.copy()


XOR_INPUT_SHAPES = {"x": (2,)}


def cnn_graph(with_flatten: bool = False) -> Graph:
    """Input(1, 8, 8) -> Conv2d(4) -> MaxPool -> [Flatten] -> Dense(10) -> Output.

    Without the Flatten, Dense receives an image and shows an error badge whose
    fix is "insert a Flatten before it".
    """
    graph = Graph()
    graph.add_node("input", {"shape": [1, 8, 8]}, (0, 0), "image")
    graph.add_node("conv2d", {"filters": 4, "kernel_size": [3, 3], "activation": "relu"},
                   (230, 0), "conv")
    graph.add_node("maxpool", {}, (460, 0), "pool")
    last = "pool"
    if with_flatten:
        graph.add_node("flatten", {}, (690, 0), "flat")
        graph.connect("pool", "flat")
        last = "flat"
    graph.add_node("dense", {"units": 10, "activation": "identity"},
                   (920 if with_flatten else 690, 0), "logits")
    graph.add_node("output", {}, (1150 if with_flatten else 920, 0), "y")
    graph.connect("image", "conv")
    graph.connect("conv", "pool")
    graph.connect(last, "logits")
    graph.connect("logits", "y")
    return graph


def demo_neuron_maps(units: dict[str, int], size: int = 24, seed: int = 0
                     ) -> dict[str, np.ndarray]:
    """Plausible-looking neuron maps: tanh of random lines and curves over the plane.

    Parameters
    ----------
    units : dict
        Node id -> number of units.
    size : int
        Map resolution.

    Returns
    -------
    dict
        Node id -> (units, size, size) float32 in [-1, 1].
    """
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[1:-1:size * 1j, -1:1:size * 1j]  # row 0 is the top (y = 1)
    out = {}
    for nid, n in units.items():
        w = rng.normal(size=(n, 4)) * np.array([2.5, 2.5, 1.5, 0.5])
        maps = np.tanh(w[:, 0, None, None] * xs + w[:, 1, None, None] * ys
                       + w[:, 2, None, None] * xs * ys + w[:, 3, None, None])
        out[nid] = maps.astype(np.float32)
    return out
