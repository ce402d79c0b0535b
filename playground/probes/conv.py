"""Convolution probes: the kernels of every conv layer and the feature maps of one sample."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from torch import nn

from playground.probes.base import ProbeType, register_probe
from playground.probes.common import (
    compiled_model,
    held_out,
    hooked_outputs,
    layer_of,
    module_nodes,
    node_shape,
    require_model,
    to_model,
    weights_of,
)

#: Largest number of output / input channels drawn per layer.
MAX_CHANNELS = 64
_CONV = (nn.Conv1d, nn.Conv2d, nn.ConvTranspose2d)


def tile(images: np.ndarray, columns: int | None = None, normalise: bool = False,
         gap: int = 1) -> np.ndarray:
    """Tile ``images`` (n, h, w) into one 2-D mosaic, NaN in the gaps.

    Parameters
    ----------
    images : ndarray, shape (n, h, w)
    columns : int, optional
        Tiles per row; default a near-square grid.
    normalise : bool
        Scale each tile to [0, 1] by its own min and max (feature maps); off,
        values are kept (kernels share one colour scale).
    gap : int
        NaN pixels between tiles.

    Returns
    -------
    ndarray, shape (rows * (h + gap) - gap, columns * (w + gap) - gap), float32
        Tile ``i`` sits at row ``i // columns``, column ``i % columns``; row 0
        is the top (image orientation).
    """
    n, h, w = images.shape
    cols = columns or max(1, math.ceil(math.sqrt(n)))
    rows = max(1, math.ceil(n / cols))
    out = np.full((rows * (h + gap) - gap, cols * (w + gap) - gap), np.nan, np.float32)
    for i, img in enumerate(images):
        if normalise:
            lo, hi = float(img.min()), float(img.max())
            img = (img - lo) / (hi - lo) if hi > lo else np.zeros_like(img)
        r, c = divmod(i, cols)
        out[r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = img
    return out


def kernel_mosaic(kernels: np.ndarray) -> np.ndarray:
    """Mosaic of a conv weight (out, in, kh, kw): one row per output channel, the
    input channels side by side; a single input channel uses a near-square grid."""
    out_c, in_c, kh, kw = kernels.shape
    if in_c == 1:
        return tile(kernels[:, 0])
    return tile(kernels.reshape(out_c * in_c, kh, kw), columns=in_c)


def conv_nodes(session: Any) -> list[str]:
    """Nodes whose layer is a convolution, in topological order."""
    compiled = compiled_model(session)
    if compiled is None:
        return []
    return [nid for nid in module_nodes(compiled) if isinstance(layer_of(compiled, nid), _CONV)]


def colour_conv(session: Any) -> str | None:
    """The first convolution when it reads the colour pictures themselves: a Conv2d whose
    input is the dataset's (3, H, W) sample (its kernels' input channels are red, green and
    blue); None otherwise (grey or other inputs, a deeper first convolution)."""
    compiled, dataset = compiled_model(session), session.dataset
    nodes = conv_nodes(session)
    if compiled is None or dataset is None or not nodes:
        return None
    shape = tuple(dataset.input_shape)
    first = nodes[0]
    info = compiled.report.nodes.get(first)
    inputs = [] if info is None else [tuple(s) for s in info.inputs.values()]
    if isinstance(layer_of(compiled, first), nn.Conv2d) and len(shape) == 3 \
            and shape[0] == 3 and inputs == [shape]:
        return first
    return None


def _filters_create(session: Any):
    compiled = require_model(session)
    nodes = conv_nodes(session)
    colour = colour_conv(session)

    def compute(trainer: Any, options: dict) -> dict[str, dict]:
        out = {}
        for nid in nodes:
            w = weights_of(compiled, nid).detach().float().cpu().numpy()
            if w.ndim == 3:  # Conv1d (out, in, k): a one-row kernel image
                w = w[:, :, None, :]
            w = w[:MAX_CHANNELS, :MAX_CHANNELS].copy()  # (out, in, kh, kw)
            out[nid] = {"kernels": w, "mosaic": kernel_mosaic(w),
                        "vmax": float(np.abs(w).max()) if w.size else 1.0,
                        "rgb": nid == colour}
        return out
    return compute


register_probe(ProbeType(
    "filters", "Conv filters", lambda s: bool(conv_nodes(s)), _filters_create,
    interval=0.1, budget=0.02,
    doc="{node_id: {kernels (out, in, kh, kw), mosaic (2-D, NaN gaps), vmax, rgb}} for every "
        "convolution (ConvTranspose2d keeps PyTorch's (in, out, kh, kw) layout); rgb: the "
        "kernels' three input channels are a colour picture's red, green, blue "
        "(see colour_conv)."))


# -- feature maps --------------------------------------------------------------------------

def map_nodes(session: Any) -> list[str]:
    """Layers whose output is a stack of 2-D maps (C, H, W)."""
    compiled = compiled_model(session)
    if compiled is None:
        return []
    return [nid for nid in module_nodes(compiled)
            if (shape := node_shape(compiled, nid)) is not None and len(shape) == 3]


def _feature_maps_applies(session: Any) -> bool:
    ds = session.dataset
    model = compiled_model(session)
    return ds is not None and len(ds.input_shape) == 3 and bool(map_nodes(session)) \
        and model is not None and len(model.input_nodes) == 1


def _feature_maps_create(session: Any):
    compiled = require_model(session)
    nodes = map_nodes(session)

    def compute(trainer: Any, options: dict) -> dict:
        split, part = held_out(session.dataset, (options["split"], "val", "test", "train"))
        index = int(options["index"]) % len(part)
        x = part.x[index:index + 1]  # (1, C, H, W)
        with hooked_outputs(compiled, nodes) as seen:
            compiled.module(to_model(x, session))
        maps = {nid: seen[nid][0, :MAX_CHANNELS].float().cpu().numpy() for nid in nodes}
        label = None if part.y is None or part.y.ndim != 1 else int(part.y[index])
        return {"split": split, "index": index, "count": len(part), "label": label,
                "input": np.array(x[0], np.float32), "maps": maps,
                "mosaics": {nid: tile(m, normalise=True) for nid, m in maps.items()}}
    return compute


register_probe(ProbeType(
    "feature_maps", "Feature maps", _feature_maps_applies, _feature_maps_create,
    interval=0.1, budget=0.02, defaults={"index": 0, "split": "val"},
    doc="For sample ``index`` of ``split`` (val, else test, else train): input (the sample "
        "as the network gets it: (C, H, W), colour channels first), "
        "maps {node_id: (C, H, W)} for every layer with image-shaped output, mosaics "
        "(each map scaled to [0, 1]), label."))
