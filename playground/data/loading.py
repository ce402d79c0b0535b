"""Loading a dataset: seeded generation, the train/validation/test split, standardisation.

:func:`load_dataset` turns a :class:`~playground.data.spec.DataSpec` into a
:class:`~playground.data.base.Dataset`: it checks recorded file checksums and the memory
budget first, generates with a seeded generator, splits (shuffled, or as the source
prescribes), refuses non-finite values, and fits standardisation on the training part only.
"""

from __future__ import annotations

import math
import os

import numpy as np

from playground.data.base import DATASETS, Arrays, Dataset, DatasetType, Split
from playground.data.checksums import verify_files
from playground.data.spec import DataSpec
from playground.errors import DataError
from playground.limits import budget_problem


def load_dataset(spec: DataSpec) -> Dataset:
    """Generate (or read) the dataset described by ``spec`` and split it.

    The same spec always gives the same arrays: generation uses
    ``numpy.random.default_rng(seed)``, the split a generator derived from it.

    Raises
    ------
    DataError
        When generation or reading fails (the message names the file or field).
    """
    entry = DATASETS.get(spec.type, "data.type")
    if spec.files:
        verify_files(spec.files, spec.params)  # a moved or changed file is an error
    check_footprint(entry, spec.params)
    arrays = _generate(entry, spec)
    x = np.asarray(arrays.x)  # may be a strided view (sliding windows): copied per split below
    y = arrays.y
    if y is not None:
        y = np.asarray(y)
        y = y.astype(np.int64) if entry.info_for(spec.params).target == "class" \
            else y.astype(np.float32)
        if y.ndim == 1 and entry.info_for(spec.params).target == "regression":
            y = y[:, None]
        if len(y) != len(x):
            raise DataError(f"{len(x)} inputs but {len(y)} targets", f"dataset '{spec.type}'")
    if len(x) == 0:
        raise DataError("no samples", f"dataset '{spec.type}'")
    parts = _split_indices(len(x), spec, arrays.fixed_split)
    _check_split_size(x, y, parts, spec)
    splits = {name: Split(_take(x, idx, np.float32), None if y is None else _take(y, idx))
              for name, idx in parts.items()}
    for name, split in splits.items():
        _check_finite(split.x, "input", name, spec.type)
        if split.y is not None and split.y.dtype.kind == "f":
            _check_finite(split.y, "target", name, spec.type)
    scaler = _fit_scaler(splits["train"].x, spec.standardize)
    if scaler is not None:
        splits = {name: Split(((s.x - scaler["mean"]) / scaler["scale"]).astype(np.float32), s.y)
                  for name, s in splits.items()}
    return Dataset(spec.type, dict(spec.params), splits["train"], splits["val"], splits["test"],
                   entry.info_for(spec.params), scaler, dict(arrays.meta or {}), int(spec.seed))


def check_footprint(entry: DatasetType, params: dict) -> None:
    """Refuse params whose generation would not fit in the memory budget, naming the param
    that takes the most.

    Raises
    ------
    DataError
        ``data.params.<param>: <what> would take about ...; at most ... fit (...)``.
    """
    if entry.footprint is None:
        return
    parts = entry.footprint(params)
    if not parts:
        return
    biggest = max(parts, key=lambda part: part.bytes)
    total = sum(part.bytes for part in parts)
    what = biggest.what if total == biggest.bytes else \
        f"{biggest.what} (with the rest of the dataset)"
    problem = budget_problem(total, what)
    if problem is not None:
        raise DataError(f"{problem}; lower {biggest.param}",
                        f"data.params.{biggest.param}")


def _generate(entry: DatasetType, spec: DataSpec) -> Arrays:
    """``entry.generate`` with read errors and exhausted memory as one-line DataErrors."""
    try:
        return entry.generate(dict(spec.params), np.random.default_rng(spec.seed))
    except OSError as exc:  # a file that fails mid-read (EIO under /proc, a lost mount...)
        files = [str(spec.params.get(p)) for p in entry.file_params if spec.params.get(p)]
        name = exc.filename or (files[0] if files else "")
        where = os.path.basename(str(name)) if name else f"dataset '{spec.type}'"
        raise DataError(f"cannot read: {exc.strerror or exc}", where) from None
    except MemoryError:
        raise DataError("not enough memory to generate this dataset; choose smaller "
                        "parameters", f"dataset '{spec.type}'") from None


def _check_split_size(x: np.ndarray, y: np.ndarray | None, parts: dict[str, np.ndarray],
                      spec: DataSpec) -> None:
    """Refuse splits whose copies would not fit (overlapping windows are views of a short
    series until they are copied here)."""
    rows = sum(len(idx) for idx in parts.values())
    per_row = math.prod(x.shape[1:]) * 4 + (0 if y is None else math.prod(y.shape[1:]) * 8)
    copies = 2 if spec.standardize != "none" else 1  # standardising makes a second copy
    problem = budget_problem(rows * per_row * copies,
                             f"{rows:,} samples of {math.prod(x.shape[1:]):,} values")
    if problem is not None:
        raise DataError(f"{problem}: choose smaller dataset parameters",
                        f"dataset '{spec.type}'")


#: Largest float32 value: a larger finite float64 (1e39) becomes infinity as float32.
FLOAT32_MAX = float(np.finfo(np.float32).max)


def _check_finite(a: np.ndarray, what: str, split: str, dataset: str) -> None:
    """Refuse NaN or infinite values (a float64 beyond float32's range becomes inf)."""
    if a.dtype.kind != "f" or np.isfinite(a.sum(dtype=np.float64)):
        return  # one pass, no temporary the size of ``a`` (any NaN or inf makes the sum so)
    bad = next(i for i in range(len(a)) if not np.isfinite(a[i]).all())
    raise DataError(f"{split} sample {bad} has an {what} that is not a finite float32 number "
                    f"(NaN, infinite, or beyond ±{FLOAT32_MAX:.3g})", f"dataset '{dataset}'")


def _take(a: np.ndarray, idx: np.ndarray, dtype: type | None = None) -> np.ndarray:
    """``a[idx]`` as a contiguous array, copying only the selected rows once.

    A run of consecutive indices (a chronological split) is sliced, so a
    strided view such as overlapping sliding windows is materialised part by
    part instead of all at once and then again by the indexing.
    """
    if len(idx) and idx[-1] - idx[0] == len(idx) - 1 and np.all(np.diff(idx) == 1):
        part = a[int(idx[0]):int(idx[-1]) + 1]
    else:
        part = a[idx]
    with np.errstate(over="ignore"):  # float64 beyond float32: inf, refused by _check_finite
        return np.ascontiguousarray(part, dtype=dtype)


def _split_indices(n: int, spec: DataSpec, fixed: dict | None) -> dict[str, np.ndarray]:
    if fixed is not None:
        empty = np.zeros(0, dtype=np.int64)
        return {k: np.asarray(fixed.get(k, empty), dtype=np.int64)
                for k in ("train", "val", "test")}
    if spec.val == 0.0 and spec.test == 0.0:
        return {"train": np.arange(n), "val": np.zeros(0, np.int64), "test": np.zeros(0, np.int64)}
    # A generator separate from generation's, so changing the split keeps the samples.
    order = np.random.default_rng([spec.seed, 1]).permutation(n)
    n_val, n_test = int(round(spec.val * n)), int(round(spec.test * n))
    if n - n_val - n_test < 1:
        raise DataError(f"split leaves no training samples out of {n}", "data.split")
    return {"train": np.sort(order[n_val + n_test:]), "val": np.sort(order[:n_val]),
            "test": np.sort(order[n_val:n_val + n_test])}


def _fit_scaler(x: np.ndarray, how: str) -> dict | None:
    if how == "none":
        return None
    flat = x.reshape(len(x), -1)
    if how == "standard":
        mean, scale = flat.mean(axis=0), flat.std(axis=0)
    elif how == "global":  # one mean and one std for all features (pixels)
        mean = np.full(flat.shape[1], flat.mean(dtype=np.float64))
        scale = np.full(flat.shape[1], flat.std(dtype=np.float64))
    else:
        lo, hi = flat.min(axis=0), flat.max(axis=0)
        mean, scale = lo, hi - lo
    scale = np.where(scale > 1e-12, scale, 1.0)
    shape = x.shape[1:]
    return {"mean": mean.reshape(shape).astype(np.float32),
            "scale": scale.reshape(shape).astype(np.float32)}
