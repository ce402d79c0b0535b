"""Probes over the input plane (2-D data) and of dense weights: boundary, neurons, weights.

When the network is a dense chain, the boundary grid and the neuron maps run the fast
path's forward (playground/training/fused/chain.py): the grid goes through the Features
node once per resolution, and every layer's output comes back without forward hooks.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from playground.probes.base import ProbeType, register_probe
from playground.probes.common import (
    compiled_model,
    has_plane_input,
    hooked_outputs,
    is_classifier,
    is_supervised,
    layer_of,
    module_nodes,
    node_shape,
    plane_grid,
    to_model,
)
from playground.training.fused.chain import Chain, chain_or_none, forward_nodes

#: Largest number of units per node sent as neuron maps (thumbnails beyond are not useful).
MAX_UNITS = 64
#: Largest weight matrix sent whole; bigger ones are cut to this many rows and columns.
MAX_WEIGHT_SIDE = 512


# -- turning outputs into colours' inputs ---------------------------------------------------

def binary_scores(task: Any, out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Class-1 probability-like scores and a signed map for a one-unit classifier.

    Parameters
    ----------
    task : ClassificationTask
    out : ndarray
        Raw outputs of the single unit, any shape.

    Returns
    -------
    probability : ndarray
        In [0, 1]: the sigmoid output itself, sigmoid(logit), (tanh + 1) / 2,
        or a clipped linear output.
    signed : ndarray
        In [-1, 1], 0 exactly at the task's decision threshold (white in the
        TF Playground colour scale), -1 sure class 0 (orange), +1 sure class 1 (blue).
    """
    t = float(task.threshold)
    s = out.astype(np.float64)
    if task.kind == "probabilities":
        prob = s
        lo, hi = 0.0, 1.0
    elif task.kind == "tanh":
        prob = (s + 1.0) / 2.0
        lo, hi = -1.0, 1.0
    elif task.target_form == "binary":  # logits trained with BCE-with-logits
        prob = 1.0 / (1.0 + np.exp(-s))
        return prob.astype(np.float32), np.tanh((s - t) / 2.0).astype(np.float32)
    else:  # a linear unit regressed onto 0/1 (or -1/+1) targets
        prob = np.clip(s, 0.0, 1.0)
        lo, hi = t - 0.5, t + 0.5
    up, down = max(hi - t, 1e-9), max(t - lo, 1e-9)
    signed = np.where(s >= t, (s - t) / up, (s - t) / down)
    return prob.astype(np.float32), np.clip(signed, -1.0, 1.0).astype(np.float32)


def last_axis_max(a: np.ndarray) -> np.ndarray:
    """``a.max(axis=-1)``, fast when the last axis is short (a few classes).

    NumPy reduces a short trailing axis one tiny row at a time: on the (100, 100, 2)
    boundary grid that took a third of the probe. With the class axis moved to the
    front, the reduction runs over whole planes instead (same values).
    """
    return np.ascontiguousarray(np.moveaxis(a, -1, 0)).max(axis=0)


def class_probabilities(task: Any, out: np.ndarray) -> np.ndarray:
    """(…, K) class probabilities from raw multi-unit outputs (softmax unless already)."""
    if task.kind == "probabilities":
        return out.astype(np.float32)
    z = np.ascontiguousarray(np.moveaxis(out, -1, 0))  # (K, …): reductions over whole planes
    e = np.exp(z - z.max(axis=0))
    return np.ascontiguousarray(np.moveaxis(e / e.sum(axis=0), 0, -1), dtype=np.float32)


# -- boundary ------------------------------------------------------------------------------

def _boundary_applies(session: Any) -> bool:
    return has_plane_input(session) and is_supervised(session.task)


def grid_inputs(chain: Chain | None, x: torch.Tensor) -> torch.Tensor:
    """A grid as the chain's first layer reads it (through its Features node), or ``x``."""
    return x if chain is None or chain.features is None else chain.features(x)


def grid_outputs(chain: Chain | None, module: Any, x: torch.Tensor) -> torch.Tensor:
    """The model's output on grid inputs from :func:`grid_inputs`."""
    if chain is None:
        return module(x)
    return next(iter(forward_nodes(chain, x, features=False, keep=False).values()))


def _boundary_create(session: Any):
    task, ds = session.task, session.dataset
    chain = chain_or_none(compiled_model(session))
    cache: dict = {}
    if not is_classifier(task) and ds.train.y is not None:
        y = ds.train.y[:, 0]
        cache["range"] = (float(y.min()), float(y.max()))

    def compute(trainer: Any, options: dict) -> dict:
        n = int(options["resolution"])
        if cache.get("n") != n:
            xs, ys, inputs = plane_grid(ds, n)
            cache.update(n=n, xs=xs, ys=ys, x=grid_inputs(chain, to_model(inputs, session)))
        out = grid_outputs(chain, task.model, cache["x"]).float().cpu().numpy()
        out = out.reshape(n, n, -1)  # rows follow y
        payload = {"xs": cache["xs"], "ys": cache["ys"], "output": out}
        if not is_classifier(task):
            lo, hi = cache.get("range", (-1.0, 1.0))
            mid, half = (lo + hi) / 2.0, max((hi - lo) / 2.0, 1e-9)
            values = out[..., 0]
            payload.update(kind="regression", values=values, vmin=lo, vmax=hi,
                           signed=np.clip((values - mid) / half, -1, 1).astype(np.float32))
        elif out.shape[-1] == 1:
            prob, signed = binary_scores(task, out[..., 0])
            payload.update(kind="binary", probability=prob, signed=signed,
                           predicted=(out[..., 0] > task.threshold).astype(np.int64),
                           threshold=float(task.threshold))
        else:
            probs = class_probabilities(task, out)
            k = probs.shape[-1]
            best = last_axis_max(probs)
            payload.update(kind="multiclass", probabilities=probs,
                           predicted=probs.argmax(axis=-1).astype(np.int64),
                           confidence=np.clip((best - 1.0 / k) / (1.0 - 1.0 / k), 0, 1))
        return payload
    return compute


register_probe(ProbeType(
    "boundary", "Decision boundary", _boundary_applies, _boundary_create,
    # ~15 updates/s is live enough for the eye and keeps the cost near 2% of training.
    interval=0.066, budget=0.02, defaults={"resolution": 100},
    doc="The model's output over a resolution x resolution grid of the input plane: "
        "xs, ys (raw coordinates), output (n, n, units), rows following y; plus signed "
        "(-1..1, 0 at the threshold), probability and predicted class, or per-class "
        "probabilities, or regression values."))


# -- neuron maps ---------------------------------------------------------------------------

def map_nodes(session: Any) -> list[str]:
    """Nodes shown as neuron maps: the Input, then every layer with a (units,) output."""
    compiled = compiled_model(session)
    nodes = list(compiled.input_nodes)
    for nid in module_nodes(compiled):
        shape = node_shape(compiled, nid)
        if shape is not None and len(shape) == 1:
            nodes.append(nid)
    return nodes


def normalise_units(act: np.ndarray) -> np.ndarray:
    """Scale each unit (row) into [-1, 1] by its largest absolute value, keeping 0 at 0."""
    scale = np.abs(act).max(axis=1, keepdims=True)
    return (act / np.maximum(scale, 1e-6)).astype(np.float32)


def _neurons_create(session: Any):
    compiled = compiled_model(session)
    chain = chain_or_none(compiled)
    nodes = map_nodes(session)
    layers = [nid for nid in nodes if nid not in compiled.input_nodes]
    cache: dict = {}

    def compute(trainer: Any, options: dict) -> dict[str, np.ndarray]:
        n = int(options["resolution"])
        if cache.get("n") != n:
            _, _, inputs = plane_grid(session.dataset, n)
            # Flip rows so row 0 is the top of the plane (y max): thumbnails draw as images.
            inputs = inputs.reshape(n, n, 2)[::-1].reshape(-1, 2)
            cache.update(n=n, inputs=inputs, x=grid_inputs(chain, to_model(inputs, session)))
        maps = {}
        if chain is not None:
            seen = forward_nodes(chain, cache["x"], features=False)
        else:
            with hooked_outputs(compiled, layers) as seen:
                compiled.module(cache["x"])
        for nid in nodes:
            act = cache["inputs"] if nid in compiled.input_nodes else \
                seen[nid].float().cpu().numpy()
            act = act[:, :MAX_UNITS].T  # (units, n*n)
            maps[nid] = normalise_units(act).reshape(-1, n, n)
        return maps
    return compute


register_probe(ProbeType(
    "neurons", "Neuron maps", has_plane_input, _neurons_create,
    interval=0.1, budget=0.015, defaults={"resolution": 24},
    doc="{node_id: (units, H, W)} in [-1, 1]: each unit's response over the input plane "
        "(row 0 is the top, y max), scaled per unit by its largest |value|; the Input's "
        "maps are its coordinates."))


# -- weights -------------------------------------------------------------------------------

def _dense_nodes(session: Any) -> list[str]:
    compiled = compiled_model(session)
    if compiled is None:
        return []
    return [nid for nid in module_nodes(compiled)
            if isinstance(layer_of(compiled, nid), nn.Linear)]


def _weights_create(session: Any):
    compiled = compiled_model(session)
    nodes = _dense_nodes(session)

    def compute(trainer: Any, options: dict) -> dict[str, dict]:
        out = {}
        for nid in nodes:
            layer = layer_of(compiled, nid)
            w = layer.weight.detach()
            full = tuple(w.shape)
            w = w[:MAX_WEIGHT_SIDE, :MAX_WEIGHT_SIDE]
            b = layer.bias
            out[nid] = {"weight": w.float().cpu().numpy().copy(),  # (units, inputs)
                        "bias": None if b is None else
                        b.detach()[:MAX_WEIGHT_SIDE].float().cpu().numpy().copy(),
                        "shape": full, "truncated": full != tuple(w.shape)}
        return out
    return compute


register_probe(ProbeType(
    "weights", "Weights", lambda s: bool(_dense_nodes(s)), _weights_create,
    interval=0.1, budget=0.02,
    doc="{node_id: {weight (units, inputs), bias (units,) or None, shape, truncated}} for "
        "every Dense layer (PyTorch layout)."))
