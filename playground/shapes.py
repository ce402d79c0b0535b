"""Shape inference over a graph: per-node output shapes or errors that say how to fix them.

:func:`infer` runs on every edit. It never raises for a bad graph; it returns a
:class:`ShapeReport` holding, for every node, its resolved params, input and
output shapes, and its error if any, plus graph-level errors (no Input, no
Output, a cycle) and warnings (nodes that do not reach the Output). The
compiler calls :meth:`ShapeReport.raise_first` to refuse an invalid graph.
"""

from __future__ import annotations

import functools
import json
import math
from collections import deque
from dataclasses import dataclass, field

import torch

from playground.errors import GraphError, ShapeError, ValidationError
from playground.graph import Edge, Graph
from playground.layers import LAYERS, LayerSpec, Shape, fmt_shape
from playground.layers.recurrent import GATES, keras_param_count


@dataclass
class NodeInfo:
    """What inference found out about one node.

    Attributes
    ----------
    params : dict or None
        Resolved params (None when they are invalid or the type is unknown).
    inputs : dict
        Input port -> shape, for the ports whose source is known.
    outputs : dict
        Output port -> shape (empty when unknown).
    error : GraphError or None
        This node's own error (its upstream's errors are not repeated here).
    """

    params: dict | None = None
    inputs: dict[str, Shape] = field(default_factory=dict)
    outputs: dict[str, Shape] = field(default_factory=dict)
    error: GraphError | None = None

    @property
    def output(self) -> Shape | None:
        """Shape on the ``out`` port (or the only port), None if unknown."""
        if "out" in self.outputs:
            return self.outputs["out"]
        if not self.outputs:  # an Output node: show what reaches it
            return self.inputs.get("in")
        return next(iter(self.outputs.values()))


@dataclass
class ShapeReport:
    """Result of :func:`infer`.

    Attributes
    ----------
    nodes : dict
        Node id -> :class:`NodeInfo`.
    order : list of str
        Topological order of the acyclic part.
    graph_errors : list of GraphError
        Errors that belong to no single node (no Input, no Output).
    warnings : list of str
        Nodes that do not feed the Output, and similar.
    live : set of str
        Nodes on a path from an Input to an Output: what the compiler builds.
    feeding : set of str
        Nodes with a path to an Output: their errors stop compilation.
    """

    nodes: dict[str, NodeInfo]
    order: list[str]
    graph_errors: list[GraphError]
    warnings: list[str]
    live: set[str]
    feeding: set[str] = field(default_factory=set)

    @property
    def errors(self) -> list[GraphError]:
        """Graph-level errors then node errors, in topological order."""
        node_errors = [self.nodes[n].error for n in self._all_ids() if self.nodes[n].error]
        return [*self.graph_errors, *node_errors]

    @property
    def ok(self) -> bool:
        """True when nothing that feeds the Output has an error."""
        return not self.graph_errors and not any(
            self.nodes[n].error for n in self.feeding)

    def raise_first(self) -> None:
        """Raise the first error that stops compilation, if any."""
        if self.graph_errors:
            raise self.graph_errors[0]
        for nid in self._all_ids():
            if nid in self.feeding and self.nodes[nid].error:
                raise self.nodes[nid].error

    def edge_shape(self, edge: Edge) -> Shape | None:
        """The shape carried by ``edge`` (its source's output), None if unknown."""
        info = self.nodes.get(edge.src)
        return None if info is None else info.outputs.get(edge.src_port)

    def _all_ids(self) -> list[str]:
        rest = [n for n in self.nodes if n not in self.order]
        return [*self.order, *rest]


def infer(graph: Graph, input_shapes: dict[str, Shape] | None = None) -> ShapeReport:
    """Infer every node's output shape.

    Parameters
    ----------
    graph : Graph
        The graph to check.
    input_shapes : dict, optional
        Per-sample shapes for Input nodes by node id (usually the dataset's);
        they win over the Input's own ``shape`` param.

    Returns
    -------
    ShapeReport
    """
    input_shapes = input_shapes or {}
    infos = {nid: NodeInfo() for nid in graph.nodes}
    specs = _resolve_nodes(graph, infos)
    incoming = _check_edges(graph, specs, infos)
    order, cyclic = _topological_order(graph)
    for nid in cyclic:
        infos[nid].error = infos[nid].error or GraphError(
            f"is part of a cycle ({' -> '.join(_cycle_path(graph, nid, cyclic))})",
            node=nid, fix="remove one of the edges of the loop")
    for nid in order:
        if infos[nid].error is None and nid in specs:
            _infer_node(graph, nid, specs[nid], infos, incoming, input_shapes)
    graph_errors, warnings, live, feeding = _reachability(graph, infos)
    return ShapeReport(infos, order, graph_errors, warnings, live, feeding)


def _resolve_nodes(graph: Graph, infos: dict[str, NodeInfo]) -> dict[str, LayerSpec]:
    specs = {}
    for node in graph.nodes.values():
        if node.type not in LAYERS:
            infos[node.id].error = GraphError(
                f"unknown layer type {node.type!r}", node=node.id,
                fix="replace it with a layer from the palette")
            continue
        spec = LAYERS.get(node.type)
        specs[node.id] = spec
        try:
            infos[node.id].params = spec.resolve(node.params, "params")
        except ValidationError as exc:
            infos[node.id].error = GraphError(str(exc), node=node.id,
                                              fix="correct it in the inspector")
    return specs


def _check_edges(graph: Graph, specs: dict[str, LayerSpec],
                 infos: dict[str, NodeInfo]) -> dict[tuple[str, str], Edge]:
    """Map (dst, port) -> edge, flagging bad ports and doubled inputs on the node."""
    incoming: dict[tuple[str, str], Edge] = {}
    for edge in graph.edges:
        src_spec, dst_spec = specs.get(edge.src), specs.get(edge.dst)
        if src_spec is not None and edge.src_port not in src_spec.outputs:
            _flag(infos, edge.src, f"has no output port {edge.src_port!r}",
                  f"ports: {', '.join(src_spec.outputs) or 'none'}")
        if dst_spec is not None and infos[edge.dst].params is not None:
            ports = dst_spec.input_ports(infos[edge.dst].params)
            if edge.dst_port not in ports:
                _flag(infos, edge.dst, f"has no input port {edge.dst_port!r}",
                      f"connect to one of: {', '.join(ports) or 'none (it is a source)'}")
                continue
        key = (edge.dst, edge.dst_port)
        if key in incoming:
            _flag(infos, edge.dst, f"gets two edges into its port {edge.dst_port!r} "
                  f"(from {incoming[key].src} and {edge.src})",
                  "remove one, or merge them first with Add or Concat")
        incoming.setdefault(key, edge)
    return incoming


def _flag(infos: dict[str, NodeInfo], nid: str, message: str, fix: str) -> None:
    if infos[nid].error is None:
        infos[nid].error = GraphError(message, node=nid, fix=fix)


def _topological_order(graph: Graph) -> tuple[list[str], set[str]]:
    """Kahn's algorithm; returns the order and the nodes left in cycles."""
    indegree = {nid: 0 for nid in graph.nodes}
    children = _children(graph)
    for e in graph.edges:
        indegree[e.dst] += 1
    queue = deque(nid for nid, d in indegree.items() if d == 0)
    order = []
    while queue:
        nid = queue.popleft()
        order.append(nid)
        for child in children[nid]:
            indegree[child] -= 1
            if indegree[child] == 0:
                queue.append(child)
    # Nodes left over are on a cycle or downstream of one; only the former get the error.
    done = set(order)
    remaining = [nid for nid in graph.nodes if nid not in done]
    return order, _on_cycles(remaining, children)


def _children(graph: Graph) -> dict[str, list[str]]:
    """Node id -> the ids its edges lead to (one pass over the edges: every walk over the
    graph uses this map, so inference stays linear in the graph's size)."""
    children: dict[str, list[str]] = {nid: [] for nid in graph.nodes}
    for e in graph.edges:
        children[e.src].append(e.dst)
    return children


def _parents(graph: Graph) -> dict[str, list[str]]:
    parents: dict[str, list[str]] = {nid: [] for nid in graph.nodes}
    for e in graph.edges:
        parents[e.dst].append(e.src)
    return parents


def _reach(links: dict[str, list[str]], starts: list[str]) -> set[str]:
    """Every node reachable from ``starts`` by one or more ``links`` steps."""
    seen: set[str] = set()
    stack = [nxt for nid in starts for nxt in links[nid]]
    while stack:
        nid = stack.pop()
        if nid not in seen:
            seen.add(nid)
            stack.extend(links[nid])
    return seen


def _on_cycles(nodes: list[str], children: dict[str, list[str]]) -> set[str]:
    """The ``nodes`` that lie on a cycle among themselves: members of a strongly connected
    component of two or more, or with an edge to themselves (Tarjan's algorithm, iterative)."""
    among = set(nodes)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    cyclic: set[str] = set()
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter([c for c in children[root] if c in among]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            nid, todo = work[-1]
            child = next(todo, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter([c for c in children[child] if c in among])))
                elif child in on_stack:
                    low[nid] = min(low[nid], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[nid])
            if low[nid] == index[nid]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == nid:
                        break
                if len(component) > 1 or nid in children[nid]:
                    cyclic.update(component)
    return cyclic


def _cycle_path(graph: Graph, start: str, cyclic: set[str]) -> list[str]:
    """A shortest loop through ``start`` for the message, e.g. a -> b -> a."""
    children = _children(graph)
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        nid = queue.popleft()
        for child in children[nid]:
            if child == start:
                chain = [nid]  # back from the loop's last node to start
                while chain[-1] != start:
                    chain.append(came_from[chain[-1]])
                return [*reversed(chain), start]
            if child in cyclic and child not in came_from:
                came_from[child] = nid
                queue.append(child)
    return [start]


def _infer_node(graph: Graph, nid: str, spec: LayerSpec, infos: dict[str, NodeInfo],
                incoming: dict[tuple[str, str], Edge], input_shapes: dict[str, Shape]) -> None:
    info = infos[nid]
    for port in spec.input_ports(info.params):
        edge = incoming.get((nid, port))
        if edge is None:
            info.error = GraphError(f"input port {port!r} is not connected", node=nid,
                                    fix="drag an edge from the previous layer's output to it")
            return
        shape = infos[edge.src].outputs.get(edge.src_port)
        if shape is None:
            return  # upstream problem: reported on the upstream node
        info.inputs[port] = shape
    params = info.params
    if spec.id == "input" and nid in input_shapes:
        params = {**params, "shape": tuple(input_shapes[nid])}
    try:
        out = spec.infer(params, dict(info.inputs))
    except ShapeError as exc:
        info.error = ShapeError(exc.message, node=nid, fix=exc.fix)
        return
    if isinstance(out, dict):
        info.outputs = {port: tuple(s) for port, s in out.items()}
    elif spec.outputs:
        info.outputs = {spec.outputs[0]: tuple(out)}


def _reachability(graph: Graph, infos: dict[str, NodeInfo]
                  ) -> tuple[list[GraphError], list[str], set[str], set[str]]:
    inputs = [n.id for n in graph.nodes_of_type("input")]
    outputs = [n.id for n in graph.nodes_of_type("output")]
    errors = []
    if not inputs:
        errors.append(GraphError("the graph has no Input", fix="drag an Input from the palette"))
    if not outputs:
        errors.append(GraphError("the graph has no Output",
                                 fix="drag an Output from the palette and connect the last layer"))
    downstream = set(inputs) | _reach(_children(graph), inputs)
    upstream = set(outputs) | _reach(_parents(graph), outputs)
    for out in outputs:
        if out not in downstream and infos[out].error is None:
            infos[out].error = GraphError("is not connected to an Input", node=out,
                                          fix="connect a path of layers from the Input to it")
    live = (downstream & upstream) | {o for o in outputs} | (upstream & set(inputs))
    warnings = [f"node '{nid}' does not feed the Output" for nid in graph.nodes
                if nid not in upstream and nid not in outputs]
    return errors, warnings, live, upstream


# -- parameter counts -----------------------------------------------------------------

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
            counts[nid] = keras_param_count(node.type, info.params, info.inputs["in"])
    return counts


def describe(report: ShapeReport) -> str:
    """Multi-line text: each node with its output shape or error (for the CLI)."""
    lines = []
    for nid in report._all_ids():
        info = report.nodes[nid]
        lines.append(f"{nid}: {info.error}" if info.error else f"{nid}: {fmt_shape(info.output)}")
    lines.extend(str(e) for e in report.graph_errors)
    return "\n".join(lines)
