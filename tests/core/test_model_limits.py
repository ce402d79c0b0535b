"""A model too big to allocate is refused before anything is built, naming the node."""

from __future__ import annotations

import pytest

from playground import limits
from playground.compiler import compile_graph
from playground.errors import GraphError
from playground.graph import Graph
from playground.model_size import check_model_size
from playground.project.schema import project_from_dict
from playground.run.session import build_session
from tests.helpers import project_dict
from tests.memory import measure


def chain(*layers: tuple[str, dict], shape: tuple[int, ...] = (2,)) -> Graph:
    """Input(shape) -> layers... -> Output, node ids n1, n2..."""
    g = Graph()
    g.add_node("input", {"shape": list(shape)}, node_id="x")
    prev = "x"
    for i, (type_id, params) in enumerate(layers, 1):
        g.add_node(type_id, params, node_id=f"n{i}")
        g.connect(prev, f"n{i}")
        prev = f"n{i}"
    g.add_node("output", node_id="y")
    g.connect(prev, "y")
    return g


def test_a_dense_of_ten_billion_weights_is_refused_before_allocation():
    graph = chain(("dense", {"units": 100_000}), shape=(100_000,))
    _, error, cost = measure(lambda: compile_graph(graph))
    assert isinstance(error, GraphError) and error.node == "n1"
    assert "10,000,100,000 parameters" in str(error) and "at most 200,000,000" in str(error)
    assert cost.rss_growth is None or cost.rss_growth < 100 * 2**20  # 40 GB if it had built


def test_the_node_that_crosses_the_limit_is_named(monkeypatch):
    # n1: 2*20 + 20 = 60 weights, n2: 20*30 + 30 = 630, n3: 30 + 1 = 31; 721 in all
    graph = chain(("dense", {"units": 20}), ("dense", {"units": 30}), ("dense", {"units": 1}))
    monkeypatch.setattr(limits, "MAX_PARAMS", 721)
    compile_graph(graph, seed=0)
    monkeypatch.setattr(limits, "MAX_PARAMS", 720)
    with pytest.raises(GraphError) as err:
        compile_graph(graph, seed=0)
    assert err.value.node == "n3" and "721 parameters (31 in this node)" in str(err.value)
    monkeypatch.setattr(limits, "MAX_PARAMS", 689)
    with pytest.raises(GraphError) as err:
        compile_graph(graph, seed=0)
    assert err.value.node == "n2" and "690 parameters (630 in this node)" in str(err.value)
    assert "use fewer units" in str(err.value)


def test_a_small_machine_gets_a_smaller_limit(monkeypatch):
    monkeypatch.setenv(limits.MEMORY_ENV, "512M")  # a budget of 512 MB: 33.5 M parameters
    graph = chain(("dense", {"units": 5000}), shape=(10_000,))  # 50 M parameters
    with pytest.raises(GraphError, match=r"512 MB fit \(PLAYGROUND_MEMORY_LIMIT=512M\)") as err:
        compile_graph(graph)
    assert err.value.node == "n1"
    assert limits.param_limit()[0] == 2**30 // 2 // limits.BYTES_PER_PARAM


@pytest.mark.parametrize("layers, shape, fragment", [
    ([("embedding", {"vocab_size": 1_000_000, "dim": 8192})], (16,), "8,192,000,000 param"),
    ([("repeat_vector", {"times": 100_000})], (100_000,), "10,000,000,000 values per sample"),
    ([("conv2d", {"filters": 4096, "kernel_size": [3, 3], "padding": "same"})],
     (3, 2048, 2048), "values per sample"),
])
def test_other_ways_to_ask_for_terabytes(layers, shape, fragment):
    with pytest.raises(GraphError, match=fragment) as err:
        compile_graph(chain(*layers, shape=shape))
    assert err.value.node == "n1"


def test_models_under_the_limit_build_and_their_count_is_exact():
    graph = chain(("dense", {"units": 16}), ("dense", {"units": 3}))
    compiled = compile_graph(graph)
    order = [n for n in compiled.report.order if n in compiled.report.live]
    counted = check_model_size(graph, compiled.report, order)
    assert counted == sum(p.numel() for p in compiled.module.parameters()) == 2 * 16 + 16 + 51


def test_build_session_refuses_it_with_the_node_before_building_a_layer(monkeypatch):
    import dataclasses

    from playground.layers import LAYERS

    original = LAYERS.get("dense").build
    devices = set()

    def build(*args, **kwargs):  # the size check counts on the meta device, nothing more
        module = original(*args, **kwargs)
        devices.update(p.device.type for p in module.parameters())
        return module

    dense = dataclasses.replace(LAYERS.get("dense"), build=build)
    monkeypatch.setitem(LAYERS._entries, "dense", dense)
    raw = project_dict()
    nodes = raw["graphs"]["model"]["nodes"]
    nodes[0]["params"] = {"shape": [100_000]}
    nodes[1]["params"]["units"] = 100_000
    project = project_from_dict(raw)
    with pytest.raises(GraphError, match="node 'hidden': the model would have"):
        build_session(project)
    assert devices <= {"meta"}
