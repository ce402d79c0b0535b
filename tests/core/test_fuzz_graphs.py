"""Property tests: random graphs either compile or raise the project's own GraphError.

When one compiles, a forward pass on inputs of the inferred shape must give
the inferred output shape: shape inference and the built modules agree.
"""

import math

import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.compiler import compile_graph
from playground.errors import GraphError
from playground.graph import Graph
from playground.layers import LAYERS
from playground.params import Param

#: Keep generated sizes small so thousands of forward passes stay fast.
SMALL_INT = 6


def value_for(draw, param: Param):
    """A random value for ``param``: usually valid, sometimes its default or out of range."""
    kind = param.kind
    if draw(st.booleans()):
        return param.default if not isinstance(param.default, tuple) else list(param.default)
    lo = param.min if param.min is not None else -3
    hi = param.max if param.max is not None else SMALL_INT
    if kind == "int":
        return draw(st.integers(int(max(lo, -3)), int(min(hi, SMALL_INT))) | st.just(-1))
    if kind == "float":
        return draw(st.floats(max(lo, -2.0), min(hi, 3.0), allow_nan=False))
    if kind == "bool":
        return draw(st.booleans())
    if kind == "choice":
        return draw(st.sampled_from(param.choices))
    if kind in ("ints", "floats"):
        n = param.length or draw(st.integers(1, 3))
        elem = st.integers(int(max(lo, -1)), int(min(hi, 4)))
        return draw(st.lists(elem, min_size=n, max_size=n))
    return "x"


@st.composite
def random_graphs(draw):
    """Mostly well-formed DAGs (each port fed by an earlier node), sometimes corrupted."""
    g = Graph()
    n_inputs = draw(st.integers(1, 2))
    for i in range(n_inputs):
        g.add_node("input", node_id=f"x{i}")
    layer_types = [t for t in LAYERS.ids() if t not in ("input", "output")]
    for _ in range(draw(st.integers(1, 6))):
        spec = LAYERS.get(draw(st.sampled_from(layer_types)))
        params = {p.name: value_for(draw, p) for p in spec.params if draw(st.booleans())}
        earlier = list(g.nodes)
        node = g.add_node(spec.id, params)
        try:
            ports = spec.input_ports(spec.resolve(params, "p"))
        except Exception:  # invalid params: connect the usual port anyway
            ports = ("in",)
        for port in ports:
            g.connect(draw(st.sampled_from(earlier)), node.id, dst_port=port)
    g.add_node("output", node_id="y")
    g.connect(draw(st.sampled_from([n for n in g.nodes if n != "y"])), "y")
    ids = list(g.nodes)
    for _ in range(draw(st.integers(0, 2)) if draw(st.integers(0, 3)) == 0 else 0):
        src, dst = draw(st.sampled_from(ids)), draw(st.sampled_from(ids))
        port = draw(st.sampled_from(["in", "in1", "in2", "bogus"]))
        if all((e.src, e.dst, e.dst_port) != (src, dst, port) for e in g.edges):
            g.connect(src, dst, dst_port=port)
    shapes = {f"x{i}": tuple(draw(st.lists(st.integers(1, 6), min_size=1, max_size=3)))
              for i in range(n_inputs)}
    return g, shapes


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(random_graphs())
def test_random_graphs_compile_or_raise_graph_error(case):
    graph, shapes = case
    try:
        compiled = compile_graph(graph, shapes, seed=0)
    except GraphError:
        return
    inputs = [torch.randn(2, *shapes[nid]) for nid in compiled.input_nodes]
    if any(math.prod(x.shape) > 50_000 for x in inputs):
        return
    compiled.module.eval()
    with torch.no_grad():
        out = compiled.module(*inputs)
    outs = out if isinstance(out, dict) else {compiled.output_nodes[0]: out}
    for nid, tensor in outs.items():
        assert tuple(tensor.shape[1:]) == compiled.report.nodes[nid].output, nid


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.data())
def test_json_round_trip_of_random_graphs(data):
    graph, _ = data.draw(random_graphs())
    again = Graph.from_dict(graph.to_dict())
    assert again.to_dict() == graph.to_dict()
