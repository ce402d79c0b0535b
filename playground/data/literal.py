"""The ``literal`` dataset: a few samples of any shape, written out in the project file.

The books' non-training demonstrations print their arrays: the 4x5 image that
dlpi convolves in Figs 4.4-4.7, the 7x7 input of the AD3501 strided-convolution
example, the one 8-bit vector dl4b's autoencoder memorises. ``literal`` holds
them as flat lists::

    {"type": "literal", "params": {"inputs": [1, 2, 1, 3, 1, ...], "shape": [1, 4, 5],
                                    "target": "none"}}

``inputs`` are the values sample after sample in row-major (C) order, each
sample of per-sample ``shape`` (``[1, 4, 5]``: one channel of 4 rows and 5
columns). ``targets`` holds one class index or number per sample (or ``k``
numbers per sample for regression with ``k`` outputs).

Rows keep their written order. With ``train_rows`` set, the split is fixed
too: the first ``train_rows`` samples train, the next ``val_rows`` validate and
the rest are the test split (dl4b's autoencoder trains on 39 and is tested on
its inverse 216); the spec's random ``val``/``test`` fractions are then ignored.
"""

from __future__ import annotations

import math

import numpy as np

from playground.data.base import Arrays, DatasetInfo, DatasetType, register_dataset
from playground.errors import DataError
from playground.params import choice_param, floats_param, int_param, ints_param

_CATEGORY = "Books"
_WHERE = "data.params"


def literal_arrays(params: dict) -> tuple[np.ndarray, np.ndarray | None]:
    """Inputs (n, *shape) float32 and targets as :class:`~playground.data.base.Arrays` wants.

    Raises
    ------
    DataError
        When the values do not fill whole samples or the targets do not match.
    """
    shape = tuple(params["shape"])
    size = math.prod(shape)
    values = np.asarray(params["inputs"], dtype=np.float64)
    if len(values) % size:
        raise DataError(f"{len(values)} input values do not make whole samples of shape "
                        f"{list(shape)} ({size} values each)", f"{_WHERE}.inputs")
    x = values.reshape((-1, *shape)).astype(np.float32)
    kind = params["target"]
    targets = params["targets"]
    if kind == "none":
        return x, None
    if not targets:
        raise DataError(f"target {kind!r} needs 'targets'", f"{_WHERE}.targets")
    t = np.asarray(targets, dtype=np.float64)
    if kind == "class":
        if len(t) != len(x):
            raise DataError(f"{len(x)} samples but {len(t)} class targets",
                            f"{_WHERE}.targets")
        if np.any(t < 0) or np.any(t != np.round(t)):
            raise DataError("class targets must be whole numbers 0, 1, 2...",
                            f"{_WHERE}.targets")
        return x, t.astype(np.int64)
    if len(t) % len(x):
        raise DataError(f"{len(t)} targets do not divide among {len(x)} samples",
                        f"{_WHERE}.targets")
    return x, t.reshape(len(x), -1).astype(np.float32)


def literal_split(n: int, train_rows: int | None, val_rows: int) -> dict | None:
    """Index arrays of the fixed split in written order (None: the spec's random split)."""
    if train_rows is None:
        return None
    if train_rows + val_rows > n:
        raise DataError(f"train_rows + val_rows = {train_rows + val_rows} but there are only "
                        f"{n} samples", f"{_WHERE}.train_rows")
    idx = np.arange(n)
    return {"train": idx[:train_rows], "val": idx[train_rows:train_rows + val_rows],
            "test": idx[train_rows + val_rows:]}


def gen_literal(params: dict, rng: np.random.Generator) -> Arrays:
    """The written samples, in their order; ``rng`` is not used."""
    x, y = literal_arrays(params)
    return Arrays(x, y, literal_split(len(x), params["train_rows"], params["val_rows"]))


def literal_info(params: dict) -> DatasetInfo:
    """Images for (C, H, W) samples, 2-D points for two features, else a table."""
    shape = tuple(params["shape"])
    kind = params["target"]
    classes: tuple = ()
    if kind == "class" and params["targets"]:
        top = max(int(v) for v in params["targets"])
        classes = tuple(str(i) for i in range(max(top, 1) + 1))
    if len(shape) == 3:
        return DatasetInfo("image", kind, classes)
    if len(shape) > 1:
        return DatasetInfo("vector", kind, classes)
    if shape == (2,):
        return DatasetInfo("points2d", kind, classes, ("x1", "x2"), domain=_domain(params))
    return DatasetInfo("tabular", kind, classes, tuple(f"x{i + 1}" for i in range(shape[0])))


def _domain(params: dict) -> tuple | None:
    """A plotting square around the written 2-D points (None before there are any)."""
    pts = np.asarray(params["inputs"], dtype=np.float64)
    pts = pts[: len(pts) // 2 * 2].reshape(-1, 2)
    if not len(pts):
        return None
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    pad = np.maximum(0.5 * (hi - lo), 1.0)  # room around a handful of points
    return tuple((float(a - p), float(b + p)) for a, b, p in zip(lo, hi, pad))


register_dataset(DatasetType(
    "literal", "Written-out arrays", _CATEGORY,
    (floats_param("inputs", (0, 0, 0, 1, 1, 0, 1, 1), min=-1e9, max=1e9,
                  help="Every sample's values one after the other, row-major."),
     ints_param("shape", (2,), min=1, max=4096,
                help="Per-sample shape: [features], or [channels, height, width] for images."),
     choice_param("target", "class", ("none", "class", "regression"),
                  help="No targets (a forward pass only), class indices or numbers."),
     floats_param("targets", (0, 1, 1, 0), min=-1e9, max=1e9, optional=True,
                  help="One class index or number per sample (k numbers for k outputs)."),
     int_param("train_rows", None, 0, 10**7, optional=True,
               help="Fixed split: the first rows train, then val_rows validate, the rest "
                    "test. Empty: the spec's random split."),
     int_param("val_rows", 0, 0, 10**7, help="Validation rows after the training rows.")),
    gen_literal, literal_info,
    "A few samples written out in the project file, in the book's order: the arrays of a "
    "worked convolution, one vector to memorise, a table of scores."))
