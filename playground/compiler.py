"""Compile a validated :class:`~playground.graph.Graph` into a ``torch.nn.Module``.

The result is a :class:`torch.fx.GraphModule`: each layer node is a submodule
named by its node id, and ``module.code`` is readable Python::

    def forward(self, input_1):
        dense_1 = self.dense_1(input_1);  input_1 = None
        ...

Only the live part of the graph (the nodes on a path from an Input to an
Output) is built. Weights are initialised under a seeded generator so the same
graph and seed give the same model; hand-set weights stored on a node are
loaded last.
"""

from __future__ import annotations

import contextlib
import keyword
import operator
from dataclasses import dataclass

import torch
from torch import fx, nn

from playground.errors import GraphError
from playground.graph import Graph
from playground.layers import LAYERS, Shape, apply_init
from playground.limits import MAX_GRAPH_EDGES, MAX_GRAPH_NODES
from playground.model_size import check_model_size
from playground.seeding import seed_cpu
from playground.shapes import ShapeReport, infer


@dataclass
class CompiledGraph:
    """A compiled model and what it was compiled from.

    Attributes
    ----------
    module : torch.fx.GraphModule
        The model; ``module(*inputs)`` takes one tensor per Input node in
        :attr:`input_nodes` order and returns the Output's tensor (a dict by
        Output id when there are several).
    report : ShapeReport
        Shapes of every node.
    input_nodes, output_nodes : list of str
        Node ids, in the order of the forward arguments / outputs.
    attr_names : dict
        Node id -> attribute name of its submodule (the id itself unless it
        clashes with an ``nn.Module`` attribute).
    """

    module: fx.GraphModule
    report: ShapeReport
    input_nodes: list[str]
    output_nodes: list[str]
    attr_names: dict[str, str]

    def node_module(self, node_id: str) -> nn.Module:
        """The submodule built for ``node_id``."""
        return self.module.get_submodule(self.attr_names[node_id])

    def layer_nodes(self) -> list[str]:
        """Ids of the nodes that have a submodule (not Input/Output), in execution order."""
        children = dict(self.module.named_children())
        return [nid for nid, attr in self.attr_names.items() if attr in children]

    def output_shape(self) -> Shape:
        """Per-sample shape reaching the first Output node."""
        return self.report.nodes[self.output_nodes[0]].known_output()

    @property
    def code(self) -> str:
        """The generated ``forward`` as Python source."""
        return self.module.code


def compile_graph(graph: Graph, input_shapes: dict[str, Shape] | None = None,
                  seed: int | None = 0, batch: int | None = None,
                  eval_batch: int | None = None) -> CompiledGraph:
    """Build the model for ``graph``.

    Parameters
    ----------
    graph : Graph
        The network.
    input_shapes : dict, optional
        Input node id -> per-sample shape (the dataset's); see :func:`playground.shapes.infer`.
    seed : int or None
        Seed for weight initialisation; None uses the global RNG as is.
    batch, eval_batch : int, optional
        Samples per training batch and per evaluation chunk: with them, one
        batch's activations are checked against the memory budget too.

    Returns
    -------
    CompiledGraph

    Raises
    ------
    GraphError
        The first error of the live graph (shape errors included), naming the
        node; or a model too big to allocate or to train (see
        :mod:`playground.model_size`).
    """
    check_graph_size(graph)
    report = infer(graph, input_shapes)
    report.raise_first()
    order = [nid for nid in report.order if nid in report.live]
    # counted on the meta device: nothing allocated yet
    check_model_size(graph, report, order, batch, eval_batch)
    # Modules are built on the CPU (moved later): only its generator draws the weights.
    rng = torch.random.fork_rng(devices=[]) if seed is not None else contextlib.nullcontext()
    with rng:
        if seed is not None:
            seed_cpu(seed)
        modules, attr_names = _build_modules(graph, report, order)
    fx_graph, inputs, outputs = _trace(graph, report, order, attr_names)
    root = nn.Module()
    for nid, module in modules.items():
        root.add_module(attr_names[nid], module)
    gm = fx.GraphModule(root, fx_graph, class_name="PlaygroundNet")
    return CompiledGraph(gm, report, inputs, outputs, attr_names)


def check_graph_size(graph: Graph) -> None:
    """Refuse a graph over :data:`~playground.limits.MAX_GRAPH_NODES` nodes or
    :data:`~playground.limits.MAX_GRAPH_EDGES` edges (loading refuses it too; this
    covers graphs made in code)."""
    if len(graph.nodes) > MAX_GRAPH_NODES or len(graph.edges) > MAX_GRAPH_EDGES:
        raise GraphError(f"the graph has {len(graph.nodes):,} nodes and {len(graph.edges):,} "
                         f"edges; at most {MAX_GRAPH_NODES:,} nodes and {MAX_GRAPH_EDGES:,} "
                         "edges are compiled")


#: Attributes of a GraphModule ('training', 'forward', 'code'...): node ids must not shadow them.
_RESERVED = frozenset(dir(nn.Module())) | frozenset(dir(fx.GraphModule)) | \
    frozenset(keyword.kwlist)


def _attr_name(node_id: str) -> str:
    return f"{node_id}_" if node_id in _RESERVED else node_id


def _build_modules(graph: Graph, report: ShapeReport, order: list[str]
                   ) -> tuple[dict[str, nn.Module], dict[str, str]]:
    modules, names = {}, {}
    for nid in order:
        node, info = graph.nodes[nid], report.nodes[nid]
        spec = LAYERS.get(node.type)
        names[nid] = _attr_name(nid)
        if spec.build is None:
            continue
        try:
            module = spec.build(info.valid_params(), dict(info.inputs))
        except (RuntimeError, ValueError) as exc:
            raise GraphError(f"cannot be built: {exc}", node=nid) from exc
        if spec.has_weights:
            apply_init(module, info.valid_params())
        if node.weights:
            load_node_weights(module, node.weights, nid)
        if not node.trainable:
            module.requires_grad_(False)
        modules[nid] = module
    return modules, names


def _trace(graph: Graph, report: ShapeReport, order: list[str], attr_names: dict[str, str]
           ) -> tuple[fx.Graph, list[str], list[str]]:
    g = fx.Graph()
    values: dict[tuple[str, str], fx.Node] = {}
    incoming = {(e.dst, e.dst_port): e for e in graph.edges}
    inputs, outputs, results = [], [], {}
    for nid in order:
        node, info = graph.nodes[nid], report.nodes[nid]
        spec = LAYERS.get(node.type)
        args = tuple(values[(incoming[(nid, p)].src, incoming[(nid, p)].src_port)]
                     for p in spec.input_ports(info.valid_params()))
        if node.type == "input":
            values[(nid, "out")] = g.placeholder(attr_names[nid])
            inputs.append(nid)
        elif node.type == "output":
            results[nid] = args[0]
            outputs.append(nid)
        elif len(spec.outputs) == 1:
            values[(nid, spec.outputs[0])] = g.call_module(attr_names[nid], args)
        else:
            call = g.call_module(attr_names[nid], args)
            for i, port in enumerate(spec.outputs):
                values[(nid, port)] = g.call_function(operator.getitem, (call, i))
    g.output(results[outputs[0]] if len(outputs) == 1 else results)
    g.lint()
    return g, inputs, outputs


#: The layers whose ``weight`` and ``bias`` are a node's weights.
WeightedLayer = nn.Linear | nn.Conv1d | nn.Conv2d | nn.ConvTranspose2d


def primary_layer(module: nn.Module) -> WeightedLayer | None:
    """The first Linear/Conv inside a node's module (what 'weight'/'bias' refer to)."""
    for m in module.modules():
        if isinstance(m, (nn.Linear, nn.Conv1d, nn.Conv2d, nn.ConvTranspose2d)):
            return m
    return None


@torch.no_grad()
def load_node_weights(module: nn.Module, weights: dict, node_id: str) -> None:
    """Copy hand-set arrays into a node's module.

    Keys are ``weight``/``bias`` of the node's Linear or Conv (PyTorch layout:
    Dense weight is (units, inputs)), or full ``state_dict`` keys.

    Raises
    ------
    GraphError
        Unknown key or wrong shape, naming the node and the expected shape.
    """
    state = module.state_dict()
    primary = primary_layer(module)
    for key, value in weights.items():
        if key in ("weight", "bias") and primary is not None:
            target = getattr(primary, key)
            if target is None:
                raise GraphError("has no bias to set", node=node_id, fix="turn use_bias on")
        elif key in state:
            target = state[key]
        else:
            known = ", ".join(["weight", "bias", *state]) if primary else ", ".join(state)
            raise GraphError(f"has no weight called {key!r} (known: {known})", node=node_id)
        try:
            tensor = torch.as_tensor(value, dtype=target.dtype)
        except (TypeError, ValueError) as exc:
            raise GraphError(f"weights[{key!r}] is not a numeric array: {exc}",
                             node=node_id) from None
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            raise GraphError(f"weights[{key!r}] holds NaN or infinite values", node=node_id)
        if tuple(tensor.shape) != tuple(target.shape):
            raise GraphError(f"weights[{key!r}] has shape {tuple(tensor.shape)} but the layer "
                             f"needs {tuple(target.shape)}", node=node_id,
                             fix="PyTorch layout: a Dense weight is (units, inputs)")
        target.copy_(tensor)
