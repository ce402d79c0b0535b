"""Latent-space probe: a chosen node's activations for the validation set, in 2-D.

Two-unit nodes are shown directly; wider ones are projected with PCA (cheap,
every snapshot) or t-SNE (about a second for 500 points: the runner's time
budget makes it recompute rarely, every ~30 s while training runs). A task
that can decode latent points (``task.decode(z)``, e.g. a VAE) also gets a
traversal grid over the latent plane.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from playground.probes.base import ProbeType, register_probe
from playground.probes.common import (
    as_images,
    compiled_model,
    final_node,
    fixed_subset,
    held_out,
    hooked_outputs,
    module_nodes,
    node_shape,
    require_model,
    run_seed,
    to_model,
)
from playground.probes.conv import tile
from playground.tasks.abilities import Decodes

#: Points drawn (PCA / direct) and points embedded by t-SNE.
MAX_POINTS = 2000
MAX_TSNE_POINTS = 500
#: Traversal grid side and latent range for decodable tasks.
TRAVERSAL_SIDE = 8
TRAVERSAL_RANGE = 2.5


def latent_candidates(session: Any) -> list[tuple[str, int]]:
    """(node id, values per sample) for every layer, in topological order."""
    compiled = compiled_model(session)
    if compiled is None:
        return []
    out = []
    for nid in module_nodes(compiled):
        shape = node_shape(compiled, nid)
        if shape:
            out.append((nid, math.prod(shape)))
    return out


def default_latent_node(session: Any) -> str | None:
    """The bottleneck: the narrowest 1-D layer before the last one (the later on ties).

    For an autoencoder that is the code layer; for a classifier the last
    hidden layer is usually the narrowest hidden one.
    """
    compiled = require_model(session)
    last = final_node(session)
    flat = [(nid, d) for nid, d in latent_candidates(session)
            if len(node_shape(compiled, nid) or ()) == 1 and nid != last]
    if not flat:
        return last
    narrowest = min(d for _, d in flat)
    return [nid for nid, d in flat if d == narrowest][-1]


def _applies(session: Any) -> bool:
    model = compiled_model(session)
    return session.dataset is not None and model is not None and \
        len(model.input_nodes) == 1 and bool(latent_candidates(session))


def activations(session: Any, node: str, x: np.ndarray, chunk: int = 4096) -> np.ndarray:
    """``node``'s outputs for inputs ``x``, flattened per sample: (n, values)."""
    compiled = require_model(session)
    parts = []
    for i in range(0, len(x), chunk):
        with hooked_outputs(compiled, [node]) as seen:
            compiled.module(to_model(x[i:i + chunk], session))
        parts.append(seen[node].float().reshape(min(chunk, len(x) - i), -1).cpu().numpy())
    return np.concatenate(parts)


def project(acts: np.ndarray, method: str, seed: int = 0) -> tuple[np.ndarray, str, Any]:
    """2-D coordinates of ``acts`` (n, d): (coords (n, 2), method used, PCA explained ratio)."""
    n, d = acts.shape
    if d <= 2:
        coords = acts if d == 2 else np.concatenate([acts, np.zeros((n, 1), acts.dtype)], 1)
        return coords.astype(np.float32), "direct", None
    if method == "tsne" and n >= 5:
        from sklearn.manifold import TSNE  # lazy: slow to import
        tsne = TSNE(2, perplexity=min(30.0, (n - 1) / 3.0), init="pca", max_iter=400,
                    random_state=seed)
        return tsne.fit_transform(acts.astype(np.float64)).astype(np.float32), "tsne", None
    coords, explained = pca_2d(acts)
    return coords, "pca", explained


def pca_2d(acts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first two principal components of ``acts`` (n, d), as scikit-learn's
    ``PCA(2, svd_solver="full")`` computes them (same signs), without its input
    checks, which cost milliseconds per call on the trainer thread.

    Returns
    -------
    coords : ndarray, shape (n, 2), float32
    explained : ndarray, shape (2,)
        Share of the variance each component explains.
    """
    x = np.asarray(acts, dtype=np.float64)
    x = x - x.mean(axis=0)
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    # scikit-learn's svd_flip(u_based_decision=False): each component's largest |loading| > 0
    signs = np.sign(vt[np.arange(len(vt)), np.argmax(np.abs(vt), axis=1)])
    signs[signs == 0] = 1.0
    u, vt = u * signs, vt * signs[:, None]
    variance = s ** 2
    total = variance.sum()
    explained = variance[:2] / total if total > 0 else np.zeros(2)
    return (u[:, :2] * s[:2]).astype(np.float32), explained


def traversal(task: Any) -> dict | None:
    """Decoded images over a grid of the first two latent axes, when the task can decode."""
    if not isinstance(task, Decodes):
        return None
    decode, dim = task.decode, int(task.latent_dim)
    side = TRAVERSAL_SIDE
    values = np.linspace(-TRAVERSAL_RANGE, TRAVERSAL_RANGE, side, dtype=np.float32)
    z = np.zeros((side * side, dim), np.float32)
    zz1, zz2 = np.meshgrid(values, values[::-1])  # row 0 is the top: high z2
    z[:, 0], z[:, 1 % dim] = zz1.ravel(), zz2.ravel()
    images = as_images(np.asarray(decode(z)))
    return {"mosaic": tile(images, columns=side), "side": side,
            "range": TRAVERSAL_RANGE}


def _create(session: Any):
    ds = session.dataset
    split, part = held_out(ds, ("val", "train"))
    cls = ds.info.target == "class" and part.y is not None and part.y.ndim == 1

    def compute(trainer: Any, options: dict) -> dict:
        node = options["node"] or default_latent_node(session)
        assert node is not None  # _applies: the model has latent candidates
        method = options["method"]
        cap = MAX_TSNE_POINTS if method == "tsne" else MAX_POINTS
        idx = fixed_subset(len(part), cap, run_seed(session))
        acts = activations(session, node, part.x[idx])
        coords, used, explained = project(acts, method, run_seed(session))
        labels, kind = None, None
        if part.y is not None:
            labels = part.y[idx] if cls else np.asarray(part.y[idx]).reshape(len(idx), -1)[:, 0]
            kind = "class" if cls else "value"
        return {"node": node, "dim": int(acts.shape[1]), "method": used, "split": split,
                "coords": coords, "labels": labels, "label_kind": kind,
                "class_names": tuple(ds.info.class_names), "explained": explained,
                "indices": idx, "candidates": latent_candidates(session),
                "traversal": traversal(session.task)}
    return compute


register_probe(ProbeType(
    "latent", "Latent space", _applies, _create, interval=0.25, budget=0.03,
    defaults={"node": None, "method": "pca"},
    doc="A node's activations for the validation set (train if empty): coords (n, 2) "
        "directly, by PCA or t-SNE; labels; candidates; a traversal mosaic when the task "
        "decodes latent points."))
