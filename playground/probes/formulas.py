"""Probes of the attention chapter's formulas: positional encoding, kernel regression, beam search.

* ``positional_encoding``: the sinusoidal table of the ``positional_encoding``
  task, or of every PositionalEncoding layer of the network (what it adds to
  the embeddings);
* ``nadaraya_watson`` (option ``width``, None: the task's): the attention
  weights of the query points over the training points, sorted by x, and the
  regression curve, recomputed for the kernel width a view's slider sets;
* ``beam_search``: every path the beam search ended, with its token
  probabilities, NLL and status.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from playground.layers.attention import PositionalEncoding
from playground.probes.base import VIEW_PROBES, ProbeType, register_probe
from playground.tasks.beam_tree import BeamTreeTask
from playground.tasks.kernel_regression import NadarayaWatsonTask
from playground.tasks.positional import PositionalEncodingTask

#: Points of the regression curve.
CURVE_POINTS = 300


def _encoding_layers(session: Any) -> list[tuple[str, PositionalEncoding]]:
    """(node id, module) of every PositionalEncoding in the session's networks."""
    found = []
    for compiled in session.task.compiled.values():
        for node_id in compiled.layer_nodes():
            module = compiled.node_module(node_id)
            if isinstance(module, PositionalEncoding):
                found.append((node_id, module))
    return found


def _has_encoding(session: Any) -> bool:
    return isinstance(session.task, PositionalEncodingTask) or bool(_encoding_layers(session))


def _create_encoding(session: Any):
    task = session.task
    payload: dict = {}

    def compute(trainer: Any, options: dict) -> dict:
        if payload:  # a function of the shapes only: computed once
            return payload
        if isinstance(task, PositionalEncodingTask):
            tables = [{"name": "Eq. 6.22", "table": task.table, "base": task.base}]
        else:
            tables = [{"name": node_id, "table": _buffer(module),
                       "base": _layer_base(session, node_id)}
                      for node_id, module in _encoding_layers(session)]
        payload["tables"] = tables
        return payload
    return compute


def _buffer(module: PositionalEncoding) -> np.ndarray:
    """The (steps, dim) table a PositionalEncoding layer adds, as a new array."""
    table = module.get_buffer("table")
    return table.detach().cpu().numpy().copy()


def _layer_base(session: Any, node_id: str) -> float:
    """The ``base`` param of PositionalEncoding node ``node_id``."""
    for graph in session.project.graphs.values():
        if node_id in graph.nodes:
            return float(graph.nodes[node_id].params.get("base", 10000.0))
    return 10000.0


def _create_kernel(session: Any):
    task: NadarayaWatsonTask = session.task
    order = np.argsort(task.x, kind="stable")
    x, y = task.x[order], task.y[order]  # training points by x: the heatmap's columns
    queries = task.queries()
    test = session.dataset.test
    lo, hi = float(min(x.min(), queries.min())), float(max(x.max(), queries.max()))
    curve_x = np.linspace(lo, hi, CURVE_POINTS)

    def compute(trainer: Any, options: dict) -> dict:
        width = options["width"] if options["width"] is not None else task.width
        weights, estimate = task.estimate(queries, width)
        _, curve = task.estimate(curve_x, width)
        return {"x": x, "y": y, "queries": queries, "attention": weights[:, order],
                "estimate": estimate, "curve_x": curve_x, "curve_y": curve,
                "targets": test.y[:, 0].astype(np.float64) if len(test) else None,
                "width": float(width), "task_width": float(task.width), "kernel": task.kernel,
                "function": session.dataset.meta.get("function"),
                "truth": session.dataset.meta.get("curve")}
    return compute


def _create_beams(session: Any):
    task: BeamTreeTask = session.task
    rows = [{"tokens": [task.tokens[t] for t in p.tokens], "probabilities": p.probabilities,
             "nll": p.nll, "log_likelihood": p.log_likelihood, "status": p.status,
             "best": p is task.best} for p in task.paths]
    params = task.ctx.params
    payload = {"rows": rows, "width": params["width"], "steps": params["steps"],
               "length_normalised": params["length_normalised"], "tokens": task.tokens,
               "end": params["end"]}
    return lambda trainer, options: payload


register_probe(ProbeType(
    "positional_encoding", "Positional encoding", _has_encoding, _create_encoding,
    interval=1.0, budget=0.02,
    doc="tables: [{name, table (steps, dim), base}], one per PositionalEncoding layer "
        "(or the positional_encoding task's table)."))

register_probe(ProbeType(
    "nadaraya_watson", "Kernel regression", lambda s: isinstance(s.task, NadarayaWatsonTask),
    _create_kernel, interval=0.1, budget=0.05, defaults={"width": None},
    doc="x, y (training points by x), queries, attention (queries, points), estimate, "
        "curve_x, curve_y, targets, width, task_width, kernel, function (a name) and truth "
        "(x, y) of the clean function when the dataset knows them."))

register_probe(ProbeType(
    "beam_search", "Beam search", lambda s: isinstance(s.task, BeamTreeTask), _create_beams,
    interval=1.0, budget=0.02,
    doc="rows [{tokens, probabilities, nll, log_likelihood, status, best}] in tree order, "
        "width, steps, length_normalised, tokens, end."))

VIEW_PROBES.setdefault("positional_encoding", ("positional_encoding",))
VIEW_PROBES.setdefault("nadaraya_watson", ("nadaraya_watson",))
VIEW_PROBES.setdefault("beam_search", ("beam_search",))
