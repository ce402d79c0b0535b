"""Dataset containers and the dataset registry.

A dataset type is one :class:`DatasetType` entry: an id, its parameters declared
as data, and a ``generate(params, rng)`` function returning :class:`Arrays`
(all the samples, before any split). :func:`playground.data.loading.load_dataset`
turns a spec from a project file (:mod:`playground.data.spec`) into a :class:`Dataset`.

Shapes: ``x`` is (N, *input_shape) float32; ``y`` is (N,) int64 class indices
for classification, (N, k) float32 for regression, or None (unsupervised).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from playground.params import Param
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
        :func:`~playground.data.loading.load_dataset` then uses it instead of a random split.
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
    seed : int
        The data seed it was generated with (a task that regenerates it, the
        perceptron sweep, seeds its generator alike).
    """

    type: str
    params: dict
    train: Split
    val: Split
    test: Split
    info: DatasetInfo
    scaler: dict | None = None
    meta: dict = field(default_factory=dict)
    seed: int = 0

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
        Params that name data files or folders (``("path",)``): their checksums can be
        recorded in :attr:`~playground.data.spec.DataSpec.files` (see
        :mod:`playground.data.checksums`).
    footprint : callable, optional
        ``footprint(params) -> [Footprint, ...]``: the memory generation will
        take, estimated from the params alone;
        :func:`~playground.data.loading.load_dataset` refuses it above the memory
        budget (:mod:`playground.limits`) before generating.
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


def register_dataset(entry: DatasetType, override: bool = False) -> DatasetType:
    """Add a dataset type to :data:`DATASETS`."""
    return DATASETS.register(entry, override)
