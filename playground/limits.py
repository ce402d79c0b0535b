"""Size limits that refuse a model too big to build, before anything is allocated.

Shape inference and parameter counting cost nothing (parameters are counted on
PyTorch's meta device), but building the model allocates every weight: a Dense
of 100 000 units on a 100 000-wide input is 10^10 weights, 40 GB before the
optimizer adds its own copies. :func:`check_model_size` runs in
:func:`playground.compiler.compile_graph` between inference and building, and
raises a :class:`~playground.errors.GraphError` naming the node that makes the
model too big.

Two limits, both module constants (tests and power users may change them):

* parameters: at most :data:`MAX_PARAMS`, and at most what
  :data:`MAX_MEMORY_FRACTION` of this machine's RAM holds at
  :data:`BYTES_PER_PARAM` bytes each (weights, gradients and Adam's two moments);
* activations: one node's output may hold at most :data:`MAX_NODE_ELEMENTS`
  values per sample (a RepeatVector of 100 000 steps of 100 000 features would
  need 40 GB for a single sample).
"""

from __future__ import annotations

import math
import os

from playground.errors import GraphError
from playground.graph import Graph
from playground.layers import fmt_shape
from playground.shapes import ShapeReport, node_param_counts

#: Largest number of trainable parameters a model may have, whatever the RAM.
MAX_PARAMS = 200_000_000
#: Largest share of physical memory the parameters and their training state may need.
MAX_MEMORY_FRACTION = 0.5
#: float32 weight + gradient + two optimizer moments.
BYTES_PER_PARAM = 16
#: Largest per-sample output of one node (2**27 float32 values: 512 MB per sample).
MAX_NODE_ELEMENTS = 2**27


def physical_memory() -> int | None:
    """Bytes of RAM of this machine, None when the platform does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, OSError, ValueError):
        return None


def param_limit() -> tuple[int, str]:
    """(the parameter limit, why it is that): the smaller of the two rules."""
    limit, why = MAX_PARAMS, f"at most {MAX_PARAMS:,}"
    ram = physical_memory()
    if ram:
        by_ram = int(ram * MAX_MEMORY_FRACTION / BYTES_PER_PARAM)
        if by_ram < limit:
            limit = by_ram
            why = (f"at most {limit:,}: training needs about {BYTES_PER_PARAM} bytes per "
                   f"parameter and this machine has {ram / 2**30:.1f} GB of RAM")
    return limit, why


def check_model_size(graph: Graph, report: ShapeReport, nodes: list[str]) -> int:
    """Refuse a model whose parameters or activations would not fit.

    Parameters
    ----------
    graph : Graph
    report : ShapeReport
        A report without errors for ``nodes`` (call after ``raise_first``).
    nodes : list of str
        The nodes that will be built, in execution order.

    Returns
    -------
    int
        The model's parameter count.

    Raises
    ------
    GraphError
        On the node at which the running parameter total passes the limit, or
        whose output is too large, with what to change.
    """
    counts = node_param_counts(report, graph)
    limit, why = param_limit()
    total = 0
    for nid in nodes:
        for shape in report.nodes[nid].outputs.values():
            size = math.prod(shape)
            if size > MAX_NODE_ELEMENTS:
                raise GraphError(f"its output {fmt_shape(shape)} holds {size:,} values per "
                                 f"sample; at most {MAX_NODE_ELEMENTS:,} fit in memory",
                                 node=nid, fix="use fewer units, filters or steps, or a "
                                                "smaller input")
        own = counts.get(nid, 0)
        total += own
        if total > limit:
            raise GraphError(f"the model would have {total:,} parameters ({own:,} in this "
                             f"node); {why}", node=nid,
                             fix="use fewer units or filters here, or shrink its input "
                                 "(pooling, a smaller Dense before it)")
    return total
