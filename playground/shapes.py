"""Shape inference over a graph: per-node output shapes or errors that say how to fix them.

:func:`infer` runs on every edit. It never raises for a bad graph; it returns a
:class:`ShapeReport` holding, for every node, its resolved params, input and
output shapes, and its error if any, plus graph-level errors (no Input, no
Output, a cycle) and warnings (nodes that do not reach the Output). The
compiler calls :meth:`ShapeReport.raise_first` to refuse an invalid graph.
The walks over the edges are :mod:`playground.graph_walks`; the parameter
counts shown beside the shapes are :mod:`playground.param_counts`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from playground.errors import GraphError, ShapeError, ValidationError
from playground.graph import Edge, Graph
from playground.graph_walks import child_map, cycle_path, parent_map, reach, topological_order
from playground.layers import LAYERS, LayerSpec, Shape, fmt_shape


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

    def valid_params(self) -> dict:
        """:attr:`params` of a node known to have valid ones (inferred, or compiled).

        Raises
        ------
        ValueError
            When they are invalid: the caller should have checked :attr:`error` first.
        """
        if self.params is None:
            raise ValueError("the node's params are invalid")
        return self.params

    def known_output(self) -> Shape:
        """:attr:`output` of a node whose shape is known (every node of a compiled graph).

        Raises
        ------
        ValueError
            When the shape is unknown.
        """
        shape = self.output
        if shape is None:
            raise ValueError("the node's output shape is unknown")
        return shape


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
        node_errors = [error for n in self._all_ids() if (error := self.nodes[n].error)]
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
            error = self.nodes[nid].error
            if nid in self.feeding and error:
                raise error

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
    order, cyclic = topological_order(graph)
    for nid in cyclic:
        infos[nid].error = infos[nid].error or GraphError(
            f"is part of a cycle ({' -> '.join(cycle_path(graph, nid, cyclic))})",
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
        dst_params = infos[edge.dst].params
        if dst_spec is not None and dst_params is not None:
            ports = dst_spec.input_ports(dst_params)
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


def _infer_node(graph: Graph, nid: str, spec: LayerSpec, infos: dict[str, NodeInfo],
                incoming: dict[tuple[str, str], Edge], input_shapes: dict[str, Shape]) -> None:
    info = infos[nid]
    params = info.valid_params()  # the caller infers nodes without errors only
    for port in spec.input_ports(params):
        edge = incoming.get((nid, port))
        if edge is None:
            info.error = GraphError(f"input port {port!r} is not connected", node=nid,
                                    fix="drag an edge from the previous layer's output to it")
            return
        shape = infos[edge.src].outputs.get(edge.src_port)
        if shape is None:
            return  # upstream problem: reported on the upstream node
        info.inputs[port] = shape
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
    downstream = set(inputs) | reach(child_map(graph), inputs)
    upstream = set(outputs) | reach(parent_map(graph), outputs)
    for out in outputs:
        if out not in downstream and infos[out].error is None:
            infos[out].error = GraphError("is not connected to an Input", node=out,
                                          fix="connect a path of layers from the Input to it")
    live = (downstream & upstream) | {o for o in outputs} | (upstream & set(inputs))
    warnings = [f"node '{nid}' does not feed the Output" for nid in graph.nodes
                if nid not in upstream and nid not in outputs]
    return errors, warnings, live, upstream


def describe(report: ShapeReport) -> str:
    """Multi-line text: each node with its output shape or error (for the CLI)."""
    lines = []
    for nid in report._all_ids():
        info = report.nodes[nid]
        lines.append(f"{nid}: {info.error}" if info.error else f"{nid}: {fmt_shape(info.output)}")
    lines.extend(str(e) for e in report.graph_errors)
    return "\n".join(lines)
