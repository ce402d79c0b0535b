"""Dataset containers and the dataset registry.

A dataset type is one :class:`DatasetType` entry: an id, its parameters declared
as data, and a ``generate(params, rng)`` function returning :class:`Arrays`
(all the samples, before any split). :func:`load_dataset` turns a spec from a
project file into a :class:`Dataset`: seeded generation, a shuffled
train/validation/test split and optional standardisation fitted on the
training part only.

Shapes: ``x`` is (N, *input_shape) float32; ``y`` is (N,) int64 class indices
for classification, (N, k) float32 for regression, or None (unsupervised).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from playground.data.checksums import file_digest, parse_files, verify_files
from playground.errors import DataError, ValidationError
from playground.limits import budget_problem
from playground.params import Param, float_param, resolve
from playground.registry import Registry

#: What kind of samples a dataset holds; views pick themselves by it.
KINDS = ("points2d", "tabular", "image", "series", "text", "vector")
#: What the targets are.
TARGETS = ("class", "regression", "none")


@dataclass(frozen=True)
class Arrays:
    """All samples of a dataset, before splitting.

    Attributes
    ----------
    x : ndarray
        (N, *input_shape) float32.
    y : ndarray or None
        (N,) int64 labels, (N, k) float32 targets, or None.
    fixed_split : dict or None
        Optional ``{"train": idx, "val": idx, "test": idx}`` index arrays when the
        source prescribes the split (a book's exact split, a file's test set);
        :func:`load_dataset` then uses it instead of a random split.
    meta : dict or None
        Extra data for views, passed on as :attr:`Dataset.meta` (e.g. a series
        dataset's raw series and scaling, so a forecast view can show real units).
    """

    x: np.ndarray
    y: np.ndarray | None
    fixed_split: dict | None = None
    meta: dict | None = None


@dataclass(frozen=True)
class Split:
    """One part of a dataset: ``x`` (n, *input_shape) and ``y`` as in :class:`Arrays`."""

    x: np.ndarray
    y: np.ndarray | None

    def __len__(self) -> int:
        return len(self.x)


@dataclass(frozen=True)
class DatasetInfo:
    """Static description of a dataset type's output (what views need to know).

    Attributes
    ----------
    kind : str
        One of :data:`KINDS`.
    target : str
        One of :data:`TARGETS`.
    class_names : tuple of str
        For classification.
    feature_names : tuple of str
        For tabular/2-D data.
    substitute : str
        Non-empty when this stands in for data that cannot be had offline
        (shown in the UI), e.g. "sklearn 8x8 digits instead of MNIST".
    domain : tuple or None
        ((xmin, xmax), (ymin, ymax)) plotting domain for 2-D inputs.
    """

    kind: str
    target: str
    class_names: tuple = ()
    feature_names: tuple = ()
    substitute: str = ""
    domain: tuple | None = None


@dataclass(frozen=True)
class Dataset:
    """A generated or loaded dataset, split and ready for training.

    Attributes
    ----------
    type : str
        Dataset type id.
    params : dict
        Resolved parameters.
    train, val, test : Split
        The parts (val and test may be empty).
    info : DatasetInfo
        Kind, targets, names, substitution note.
    scaler : dict or None
        ``{"mean": ndarray, "scale": ndarray}`` when inputs were standardised
        (applied already; kept so new inputs, e.g. a boundary grid, can be mapped).
    meta : dict
        What the generator passed in :attr:`Arrays.meta` (empty for most datasets).
    """

    type: str
    params: dict
    train: Split
    val: Split
    test: Split
    info: DatasetInfo
    scaler: dict | None = None
    meta: dict = field(default_factory=dict)

    @property
    def input_shape(self) -> tuple[int, ...]:
        """Per-sample input shape, without the batch dimension."""
        return tuple(self.train.x.shape[1:])

    @property
    def n_classes(self) -> int:
        """Number of classes (0 when not a classification dataset)."""
        if self.info.target != "class":
            return 0
        if self.info.class_names:
            return len(self.info.class_names)
        ys = [s.y for s in (self.train, self.val, self.test) if s.y is not None and len(s.y)]
        return int(max(int(y.max()) for y in ys)) + 1 if ys else 0

    @property
    def target_shape(self) -> tuple[int, ...]:
        """Per-sample target shape: () for class labels, (k,) for regression."""
        y = self.train.y
        return () if y is None else tuple(y.shape[1:])

    def transform(self, x: np.ndarray) -> np.ndarray:
        """Apply this dataset's input scaling to raw inputs ``x``."""
        if self.scaler is None:
            return x.astype(np.float32)
        return ((x - self.scaler["mean"]) / self.scaler["scale"]).astype(np.float32)

    def split(self, name: str) -> Split:
        """The part called ``name`` ("train", "val" or "test")."""
        return {"train": self.train, "val": self.val, "test": self.test}[name]


@dataclass(frozen=True)
class Footprint:
    """Memory one part of a dataset's generation takes, and the param that sets it.

    Attributes
    ----------
    bytes : int
        Estimated peak bytes (generous: temporaries included).
    what : str
        What takes it, for the message ("100,000,000 months of series").
    param : str
        The param to change (named as ``data.params.<param>``).
    """

    bytes: int
    what: str
    param: str


@dataclass(frozen=True)
class DatasetType:
    """A registry entry: one dataset generator or loader.

    Attributes
    ----------
    id : str
        Stable id stored in project files (``"spiral"``).
    label : str
        Name shown in the data panel.
    category : str
        Group in the data panel ("Toy 2-D", "Tabular", "Images", "Series", "Files").
    params : tuple of Param
        Generator parameters (noise, counts, file path...).
    generate : callable
        ``generate(params, rng) -> Arrays``; ``rng`` is a ``numpy.random.Generator``
        seeded from the spec (generators that reproduce a book's own seeding may
        ignore it and seed as the book does; they say so in ``doc``).
    info : DatasetInfo or callable
        Static info, or ``info(params) -> DatasetInfo`` when it depends on params.
    doc : str
        One or two sentences: where it comes from and what it shows.
    file_params : tuple of str
        Params that name data files or folders (``("path",)``): their checksums
        can be recorded in :attr:`DataSpec.files` (see :mod:`playground.data.checksums`).
    footprint : callable, optional
        ``footprint(params) -> [Footprint, ...]``: the memory generation will
        take, estimated from the params alone; :func:`load_dataset` refuses it
        above the memory budget (:mod:`playground.limits`) before generating.
        Datasets whose size is small whatever their params leave it None.
    """

    id: str
    label: str
    category: str
    params: tuple[Param, ...]
    generate: Callable[[dict, np.random.Generator], Arrays]
    info: DatasetInfo | Callable[[dict], DatasetInfo]
    doc: str = ""
    file_params: tuple[str, ...] = ()
    footprint: Callable[[dict], list[Footprint]] | None = None

    def info_for(self, params: dict) -> DatasetInfo:
        """The :class:`DatasetInfo` for resolved ``params``."""
        return self.info(params) if callable(self.info) else self.info


DATASETS: Registry[DatasetType] = Registry("dataset")

STANDARDIZE = ("none", "standard", "minmax", "global")


def register_dataset(entry: DatasetType, override: bool = False) -> DatasetType:
    """Add a dataset type to :data:`DATASETS`."""
    return DATASETS.register(entry, override)


def record_checksums(spec: DataSpec, file_params: tuple[str, ...] | None = None) -> DataSpec:
    """A copy of ``spec`` with ``files`` filled in (:mod:`playground.data.checksums`).

    Call it when the user imports (or re-imports) data: from then on the
    project remembers exactly which file contents it was made with.

    Parameters
    ----------
    spec : DataSpec
    file_params : tuple of str, optional
        The params naming files; default: the dataset type's ``file_params``.

    Raises
    ------
    DataError
        When a named file is missing or unreadable.
    """
    if file_params is None:
        file_params = DATASETS.get(spec.type).file_params
    files = {}
    for param in file_params:
        path = spec.params.get(param)
        if not path:
            continue
        full = os.path.expanduser(path)
        try:
            digest, size = file_digest(full)
        except OSError as exc:
            raise DataError(f"cannot read it to compute its checksum: {exc.strerror or exc}",
                            os.path.basename(path) or path) from None
        files[param] = {"sha256": digest, "size": size}
    return replace(spec, files=files)


@dataclass(frozen=True)
class DataSpec:
    """The ``data`` section of a project file, validated.

    Attributes
    ----------
    type : str
        Dataset type id.
    params : dict
        Resolved generator parameters.
    seed : int
        Seed for generation and for the split.
    val, test : float
        Fractions of all samples held out for validation and test.
    standardize : str
        "none", "standard" (zero mean, unit variance per feature), "minmax"
        ([0, 1] per feature) or "global" (one mean and one standard deviation
        over every value, as books standardising MNIST do), fitted on the
        training part.
    files : dict
        File param -> ``{"sha256": hex, "size": bytes}`` recorded at import;
        :func:`load_dataset` refuses files that no longer match (empty: unchecked).
    """

    type: str
    params: dict = field(default_factory=dict)
    seed: int = 0
    val: float = 0.0
    test: float = 0.0
    standardize: str = "none"
    files: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-ready form."""
        from playground.params import to_json
        out = {"type": self.type, "params": to_json(self.params), "seed": self.seed,
               "split": {"val": self.val, "test": self.test},
               "standardize": self.standardize}
        if self.files:
            out["files"] = {k: dict(v) for k, v in self.files.items()}
        return out


_SPLIT_PARAMS = (float_param("val", 0.0, 0.0, 0.9), float_param("test", 0.0, 0.0, 0.9))


def parse_data_spec(raw: Any, where: str = "data") -> DataSpec:
    """Validate the ``data`` section of a project file.

    Raises
    ------
    ValidationError
        Naming the bad field.
    """
    if not isinstance(raw, Mapping):
        raise ValidationError("expected an object with 'type'", where)
    for key in raw:
        if key not in ("type", "params", "seed", "split", "standardize", "files"):
            raise ValidationError(f"unknown field {key!r} (expected type, params, seed, split, "
                                  "standardize, files)", where)
    entry = DATASETS.get(raw.get("type"), f"{where}.type")
    params = resolve(entry.params, raw.get("params"), f"{where}.params")
    seed = raw.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValidationError(f"expected an int >= 0, got {seed!r}", f"{where}.seed")
    split = resolve(_SPLIT_PARAMS, raw.get("split"), f"{where}.split")
    if split["val"] + split["test"] >= 1.0:
        raise ValidationError("val + test must leave some training data (sum < 1)",
                              f"{where}.split")
    standardize = raw.get("standardize", "none")
    if standardize not in STANDARDIZE:
        raise ValidationError(f"expected one of {', '.join(STANDARDIZE)}, got {standardize!r}",
                              f"{where}.standardize")
    files = parse_files(raw.get("files"), entry.file_params, f"{where}.files")
    return DataSpec(entry.id, params, seed, split["val"], split["test"], standardize, files)


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
                   entry.info_for(spec.params), scaler, dict(arrays.meta or {}))


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
