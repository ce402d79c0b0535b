"""Helpers shared by probes: input-plane grids, forward hooks, splits and image shapes."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch
from torch import nn

from playground.compiler import CompiledGraph, WeightedLayer, primary_layer


def compiled_model(session: Any) -> CompiledGraph | None:
    """The session's main compiled graph ("model"), None for network-free tasks."""
    return session.task.compiled.get("model")


def require_model(session: Any) -> CompiledGraph:
    """The session's main compiled graph, for probes that apply only where there is one."""
    compiled = compiled_model(session)
    if compiled is None:
        raise RuntimeError("this probe needs a network: its applies() should have said no")
    return compiled


def weights_of(compiled: CompiledGraph, nid: str) -> torch.Tensor:
    """The weight tensor of node ``nid``'s Linear / Conv layer."""
    weight = getattr(layer_of(compiled, nid), "weight", None)
    if not isinstance(weight, torch.Tensor):
        raise RuntimeError(f"node {nid!r} has no weight tensor")
    return weight


def is_supervised(task: Any) -> bool:
    """True for classification and regression tasks (their output is a prediction)."""
    from playground.tasks.supervised import ClassificationTask, RegressionTask
    return isinstance(task, (ClassificationTask, RegressionTask))


def is_classifier(task: Any) -> bool:
    """True for classification tasks."""
    from playground.tasks.supervised import ClassificationTask
    return isinstance(task, ClassificationTask)


def has_plane_input(session: Any) -> bool:
    """A 2-D point dataset feeding a network with one Input."""
    ds, model = session.dataset, compiled_model(session)
    return (ds is not None and model is not None and ds.info.kind == "points2d"
            and ds.input_shape == (2,) and len(model.input_nodes) == 1)


def raw_inputs(dataset: Any, x: np.ndarray) -> np.ndarray:
    """Undo the dataset's input scaling: stored (scaled) inputs back to raw coordinates."""
    if dataset.scaler is None:
        return np.asarray(x, dtype=np.float32)
    return (x * dataset.scaler["scale"] + dataset.scaler["mean"]).astype(np.float32)


def plane_domain(dataset: Any) -> tuple[tuple[float, float], tuple[float, float]]:
    """((x_min, x_max), (y_min, y_max)) of the input plane in raw coordinates.

    The dataset's declared domain when it has one, else the points' extent
    plus a 10% margin (square cells are not enforced).
    """
    if dataset.info.domain is not None:
        (a, b), (c, d) = dataset.info.domain
        return (float(a), float(b)), (float(c), float(d))
    parts = [raw_inputs(dataset, s.x) for s in (dataset.train, dataset.val, dataset.test)
             if len(s)]
    pts = np.concatenate(parts)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    pad = np.maximum((hi - lo) * 0.1, 1e-3)
    return (float(lo[0] - pad[0]), float(hi[0] + pad[0])), \
        (float(lo[1] - pad[1]), float(hi[1] + pad[1]))


def plane_grid(dataset: Any, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """An ``n`` x ``n`` grid over the input plane.

    Returns
    -------
    xs, ys : ndarray, shape (n,)
        Cell centres in raw coordinates.
    inputs : ndarray, shape (n * n, 2)
        The grid points mapped through ``dataset.transform`` (what the model
        sees), row-major with rows following y: point ``i * n + j`` is
        ``(xs[j], ys[i])``.
    """
    (x0, x1), (y0, y1) = plane_domain(dataset)
    xs = np.linspace(x0, x1, n, dtype=np.float32)
    ys = np.linspace(y0, y1, n, dtype=np.float32)
    xx, yy = np.meshgrid(xs, ys)  # (n, n) each, rows follow y
    points = np.stack([xx.ravel(), yy.ravel()], axis=1)  # (n*n, 2) raw
    return xs, ys, dataset.transform(points)


@contextlib.contextmanager
def hooked_outputs(compiled: CompiledGraph, node_ids: list[str]
                   ) -> Iterator[dict[str, torch.Tensor]]:
    """Record the output tensor of each node's module while the block runs.

    Yields a dict node id -> output tensor, filled by forward hooks as the
    model runs; the hooks are removed on exit.
    """
    seen: dict[str, torch.Tensor] = {}
    handles = []
    for nid in node_ids:
        def hook(module: nn.Module, args: Any, output: Any, nid: str = nid) -> None:
            seen[nid] = output[0] if isinstance(output, tuple) else output
        handles.append(compiled.node_module(nid).register_forward_hook(hook))
    try:
        yield seen
    finally:
        for handle in handles:
            handle.remove()


def module_nodes(compiled: CompiledGraph) -> list[str]:
    """Node ids that have a module (layers, not Input/Output), in topological order."""
    return [nid for nid in compiled.report.order
            if nid in compiled.attr_names and _has_module(compiled, nid)]


def _has_module(compiled: CompiledGraph, nid: str) -> bool:
    try:
        compiled.node_module(nid)
    except AttributeError:
        return False
    return True


def node_shape(compiled: CompiledGraph, nid: str) -> tuple | None:
    """Per-sample output shape of ``nid`` (None when unknown)."""
    info = compiled.report.nodes.get(nid)
    return None if info is None else info.output


def layer_of(compiled: CompiledGraph, nid: str) -> WeightedLayer | None:
    """The node's Linear / Conv layer (what its weights are), if any."""
    return primary_layer(compiled.node_module(nid))


def final_node(session: Any) -> str | None:
    """The node feeding the model's first Output (the network's last layer)."""
    compiled = compiled_model(session)
    graph = session.task.ctx.graphs.get("model")
    if compiled is None or graph is None or not compiled.output_nodes:
        return None
    incoming = graph.edges_into(compiled.output_nodes[0])
    return incoming[0].src if incoming else None


def held_out(dataset: Any, order: tuple[str, ...] = ("val", "test", "train")
             ) -> tuple[str, Any]:
    """The first non-empty split in ``order``: (name, Split)."""
    for name in order:
        part = dataset.split(name)
        if len(part):
            return name, part
    return "train", dataset.train


def run_seed(session: Any) -> int:
    """The run's training seed (``training.seed`` after ``--seed``): a probe's random
    choices (which samples it shows, a projection's start) draw from it, as the task's do."""
    return int(session.task.ctx.config.seed)


def fixed_subset(n: int, cap: int, seed: int = 0) -> np.ndarray:
    """Sorted indices of at most ``cap`` of ``n`` samples, the same every call."""
    if n <= cap:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, cap, replace=False))


def as_images(x: np.ndarray) -> np.ndarray:
    """Samples as 2-D pictures (n, H, W) for image grids.

    (n, 1, H, W) and (n, H, W) keep H x W; (n, C, H, W) shows the first
    channel; vectors (n, d) become a square when d is one (64 -> 8 x 8), else
    a one-row strip.
    """
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 4:
        return x[:, 0]
    if x.ndim == 3:
        return x
    flat = x.reshape(len(x), -1)
    side = math.isqrt(flat.shape[1])
    if side * side == flat.shape[1]:
        return flat.reshape(len(x), side, side)
    return flat[:, None, :]


def device_of(session: Any) -> torch.device:
    """Where the session's tensors live."""
    return session.device


def to_model(x: np.ndarray, session: Any) -> torch.Tensor:
    """A float32 numpy batch as a tensor on the session's device."""
    return torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)).to(session.device)
