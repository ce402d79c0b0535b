"""Helpers shared by the readers of the user's own files (CSV, ``.npz``, IDX).

Every failure is a :class:`~playground.errors.DataError` whose location names
the file. The dataset info (class names, feature names, kind) depends on a
file's contents, so it is remembered per (path, size, mtime, params); the
arrays themselves are not kept.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import numpy as np

from playground.data.base import DatasetInfo
from playground.errors import DataError
from playground.params import choice_param

MAX_CLASSES = 1000
_INFOS: dict = {}  # (file stats, params) -> DatasetInfo of the last few files read
_INFOS_SIZE = 16

#: The ``task`` param of the file datasets.
TASK_PARAM = choice_param("task", "classification", ("classification", "regression"),
                          help="Classification turns target values into classes.")


def file_name(path: str) -> str:
    """The file's base name, for messages."""
    return os.path.basename(path) or path


def existing_file(path: str, param: str) -> str:
    """Expanded path of an existing file, or a DataError naming the param or file."""
    if not path:
        raise DataError("no file chosen", f"data.params.{param}")
    full = os.path.expanduser(path)
    if not os.path.isfile(full):
        if os.path.exists(full):  # a folder, a device, a pipe: reading it could block forever
            raise DataError(f"not a regular file: {full}", file_name(path))
        raise DataError(f"file not found: {full}", file_name(path))
    return full


def remember_info(paths: tuple, params: dict, info: DatasetInfo | None = None):
    """The remembered info of ``paths`` read with ``params``; store ``info`` if given."""
    stats = tuple((p, os.stat(p).st_size, os.stat(p).st_mtime_ns) for p in paths)
    key = (stats, tuple(sorted((k, str(v)) for k, v in params.items())))
    if info is not None:
        while len(_INFOS) >= _INFOS_SIZE:
            _INFOS.pop(next(iter(_INFOS)))
        _INFOS[key] = info
    return _INFOS.get(key)


def encode_classes(values: np.ndarray, where: str) -> tuple[np.ndarray, tuple]:
    """Map labels (N,) to class indices 0..K-1 in sorted order: numbers numerically
    (2 before 10), text alphabetically. Returns y (N,) int64 and the K class names."""
    try:
        numeric = values.astype(np.float64)
    except ValueError:
        numeric = None
    if numeric is not None and not np.isfinite(numeric).all():
        raise DataError("labels must be finite numbers or text", where)
    uniq, y = np.unique(values.astype(str) if numeric is None else numeric,
                        return_inverse=True)
    if len(uniq) > MAX_CLASSES:
        raise DataError(f"{len(uniq)} distinct labels; for numeric targets choose the "
                        "'regression' task", where)
    names = tuple(str(u) if numeric is None else f"{u:g}" for u in uniq)
    return y.astype(np.int64).ravel(), names


#: Largest float32 value: a finite float64 beyond it (1e39) would become infinity.
FLOAT32_MAX = float(np.finfo(np.float32).max)


def as_float32(a: np.ndarray, key: str, name: str) -> np.ndarray:
    """``a`` as float32; the first NaN, infinite or too large value is named
    (``x[3, 1] = 1e+39 is too large for float32 (at most about 3.4e+38)``).

    Raises
    ------
    DataError
        Naming the array ``key``, the element and the file ``name``.
    """
    with np.errstate(over="ignore"):  # beyond float32's range: inf, found just below
        out = a.astype(np.float32)
    if np.isfinite(out.sum(dtype=np.float64)):
        return out
    bad = tuple(int(i) for i in np.argwhere(~np.isfinite(out))[0])
    value = a[bad]
    at = f"{key}[{', '.join(map(str, bad))}]"
    if np.isfinite(value):
        raise DataError(f"{at} = {float(value):g} is too large for float32 (at most about "
                        f"{FLOAT32_MAX:.3g})", name)
    raise DataError(f"{at} is not a finite number", name)


def table_info(x: np.ndarray, target: str, class_names: tuple,
               names: tuple | None = None) -> DatasetInfo:
    """Points with a padded plotting square for 2 features, images for 4-D x, else a table."""
    if x.ndim == 4:
        return DatasetInfo("image", target, class_names)
    names = names or tuple(f"x{j + 1}" for j in range(x.shape[1]))
    if x.shape[1] != 2:
        return DatasetInfo("tabular", target, class_names, names)
    lo, hi = x.min(axis=0), x.max(axis=0)
    half = max(float((hi - lo).max()) / 2 * 1.1, 1e-3)
    domain = tuple((float(f"{c - half:.6g}"), float(f"{c + half:.6g}")) for c in (lo + hi) / 2)
    return DatasetInfo("points2d", target, class_names, names, domain=domain)


def info_from_file(read: Callable, paths: Callable, fallback: Callable) -> Callable:
    """``info(params)``: the remembered info, else ``read(params)``, else ``fallback``.

    The fallback (no names yet) stands in while the file is missing or unreadable:
    the data panel asks for info before anything is loaded.
    """
    def info(params: dict) -> DatasetInfo:
        try:
            files = paths(params)
            return remember_info(files, params) or remember_info(files, params, read(params))
        except (DataError, OSError):
            return fallback(params)
    return info


def table_fallback(params: dict) -> DatasetInfo:
    """Info of a table whose file cannot be read yet."""
    target = "regression" if params.get("task") == "regression" else "class"
    return DatasetInfo("tabular", "none" if params.get("y_key") == "" else target)


def one_path(params: dict) -> tuple:
    """The existing file named by the ``path`` param, as a 1-tuple."""
    return (existing_file(params["path"], "path"),)
