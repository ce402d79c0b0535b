"""Refuse a model too big to build or to train, before anything is allocated.

Shape inference and parameter counting cost nothing (parameters are counted on
PyTorch's meta device), but building the model allocates every weight, and
training one batch allocates every layer's output: a Dense of 100 000 units on
a 100 000-wide input is 10^10 weights (40 GB before the optimizer adds its
copies); a RepeatVector of 50 000 steps into a Dense of 2 500 units is 500 MB
per sample, 16 GB for a batch of 32. :func:`check_model_size` runs in
:func:`playground.compiler.compile_graph` between inference and building, and
raises a :class:`~playground.errors.GraphError` naming the node that makes the
model too big. The limits are in :mod:`playground.limits`.
"""

from __future__ import annotations

import math

from playground import limits
from playground.errors import GraphError
from playground.graph import Graph
from playground.layers import fmt_shape
from playground.param_counts import node_param_counts
from playground.shapes import ShapeReport


def check_model_size(graph: Graph, report: ShapeReport, nodes: list[str],
                     batch: int | None = None, eval_batch: int | None = None) -> int:
    """Refuse a model whose parameters, or activations for one batch, would not fit.

    Parameters
    ----------
    graph : Graph
    report : ShapeReport
        A report without errors for ``nodes`` (call after ``raise_first``).
    nodes : list of str
        The nodes that will be built, in execution order.
    batch : int, optional
        Samples per training batch; with it, the activations of one training
        step are estimated too (:data:`~playground.limits.BYTES_PER_ACTIVATION`
        per value of every node's output), and must fit in the memory budget
        beside the parameters' training state.
    eval_batch : int, optional
        Samples evaluated at once (no gradients: the largest node's input and
        output at a time); default ``batch``.

    Returns
    -------
    int
        The model's parameter count.

    Raises
    ------
    GraphError
        On the node at which the running parameter total passes the limit, whose
        output is too large, or whose activations take the largest share of a
        batch that does not fit; with what to change.
    """
    counts = node_param_counts(report, graph)
    limit, why = limits.param_limit()
    total = 0
    for nid in nodes:
        for shape in report.nodes[nid].outputs.values():
            size = math.prod(shape)
            if size > limits.MAX_NODE_ELEMENTS:
                raise GraphError(f"its output {fmt_shape(shape)} holds {size:,} values per "
                                 f"sample; at most {limits.MAX_NODE_ELEMENTS:,} fit in memory",
                                 node=nid, fix="use fewer units, filters or steps, or a "
                                                "smaller input")
        own = counts.get(nid, 0)
        total += own
        if total > limit:
            raise GraphError(f"the model would have {total:,} parameters ({own:,} in this "
                             f"node); {why}", node=nid,
                             fix="use fewer units or filters here, or shrink its input "
                                 "(pooling, a smaller Dense before it)")
    if batch is not None:
        check_activations(report, nodes, total, batch, eval_batch or batch)
    return total


def output_values(report: ShapeReport, nid: str) -> int:
    """Values per sample in all of ``nid``'s outputs."""
    return sum(math.prod(shape) for shape in report.nodes[nid].outputs.values())


def check_activations(report: ShapeReport, nodes: list[str], params: int, batch: int,
                      eval_batch: int) -> None:
    """Refuse a batch whose activations, beside the parameters' training state, would not
    fit in the memory budget; the node with the largest output is named."""
    values = {nid: output_values(report, nid) for nid in nodes}
    if not values:
        return
    biggest = max(values, key=lambda nid: values[nid])
    train = sum(values.values()) * batch * limits.BYTES_PER_ACTIVATION
    state = params * limits.BYTES_PER_PARAM
    problem = limits.budget_problem(
        train + state, f"training on batches of {batch:,} samples (activations "
                       f"{limits.fmt_bytes(train)}, weights and optimizer state "
                       f"{limits.fmt_bytes(state)})")
    fix = ("use a smaller training.batch_size, or fewer units, filters or steps here")
    if problem is None:
        # Evaluation without gradients holds about one node's input and output at a time.
        peak = max(values[nid] * 2 for nid in nodes) * eval_batch * 4
        problem = limits.budget_problem(
            peak + state, f"evaluating {eval_batch:,} samples at a time")
        fix = "use fewer units, filters or steps here"
    if problem is not None:
        shape = fmt_shape(next(iter(report.nodes[biggest].outputs.values()), ()))
        raise GraphError(f"{problem}; the largest output is this node's {shape}, "
                         f"{values[biggest]:,} values per sample", node=biggest, fix=fix)
