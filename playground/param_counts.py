"""Parameter counts of a graph's nodes, PyTorch's and the Keras equivalent the books print.

Each layer is built on PyTorch's meta device (no memory) from the shapes
inference found (:mod:`playground.shapes`), and counts are cached by layer type,
params and input shapes, so counting on every edit costs almost nothing.
"""

from __future__ import annotations

import functools
import json
import math

import torch

from playground.graph import Graph
from playground.layers import LAYERS, Shape
from playground.layers.recurrent import GATES, keras_param_count
from playground.shapes import ShapeReport


def count_params(type_id: str, params: dict, inputs: dict[str, Shape]) -> int:
    """Trainable parameter count of one layer, built on the meta device (no memory)."""
    key = json.dumps([type_id, params, sorted(inputs.items())], sort_keys=True, default=list)
    return _count_cached(key)


@functools.lru_cache(maxsize=4096)
def _count_cached(key: str) -> int:
    type_id, params, inputs = json.loads(key)
    spec = LAYERS.get(type_id)
    if spec.build is None:
        return 0
    shapes = {port: tuple(shape) for port, shape in inputs}
    with torch.device("meta"):
        module = spec.build(params, shapes)
    return sum(math.prod(p.shape) for p in module.parameters())


def node_param_counts(report: ShapeReport, graph: Graph) -> dict[str, int]:
    """Parameter count for every node whose shapes are known."""
    counts = {}
    for nid, info in report.nodes.items():
        node = graph.nodes.get(nid)
        if node is None or info.error or info.params is None or not info.outputs:
            continue
        counts[nid] = count_params(node.type, info.params, info.inputs)
    return counts


def keras_param_counts(report: ShapeReport, graph: Graph) -> dict[str, int]:
    """Per node: the Keras-equivalent count for recurrent nodes, PyTorch's otherwise.

    PyTorch's recurrent layers hold two bias vectors per gate where Keras holds
    one (or two for GRU's reset-after form): the books print Keras's counts.
    """
    counts = node_param_counts(report, graph)
    for nid in counts:
        node = graph.nodes[nid]
        if node.type in GATES:
            info = report.nodes[nid]
            counts[nid] = keras_param_count(node.type, info.valid_params(), info.inputs["in"])
    return counts
