"""Dataset registry: importing this package registers every built-in dataset type.

Modules: :mod:`~playground.data.toy2d` (TensorFlow Playground's 2-D sets),
:mod:`~playground.data.books` (the textbooks' own generators),
:mod:`~playground.data.tabular` (scikit-learn's bundled tables),
:mod:`~playground.data.boston` (Boston housing, bundled, with the books' split),
:mod:`~playground.data.images` (generated shapes),
:mod:`~playground.data.objects` (generated object pictures, a CIFAR-10 stand-in),
:mod:`~playground.data.outliers` (digits and outlier images),
:mod:`~playground.data.generative` (samples of known distributions, for GANs),
:mod:`~playground.data.sequences` (windowed time series),
:mod:`~playground.data.memory` (the long-lag memory toy), :mod:`~playground.data.text`
(character-level text) and
:mod:`~playground.data.csv_table` (CSV) and :mod:`~playground.data.arrayfiles`
(``.npz``, MNIST IDX), with
:mod:`~playground.data.image_folder` (a folder of images per class).

The machinery: :mod:`~playground.data.base` (containers and the registry),
:mod:`~playground.data.spec` (a project file's ``data`` section) and
:mod:`~playground.data.loading` (generation, split and standardisation).
"""

# Registration order is the data panel's order: TF Playground's sets first, files last.
from playground.data import toy2d  # noqa: I001
from playground.data import books, tabular, boston, images, objects, outliers, generative
from playground.data import sequences, memory, text
from playground.data import csv_table, arrayfiles
from playground.data import image_folder
from playground.data import classic, literal, curves
from playground.data.base import (
    DATASETS,
    Arrays,
    Dataset,
    DatasetInfo,
    DatasetType,
    Split,
    register_dataset,
)
from playground.data.loading import load_dataset
from playground.data.spec import DataSpec, parse_data_spec

__all__ = [
    "DATASETS", "Arrays", "DataSpec", "Dataset", "DatasetInfo", "DatasetType", "Split",
    "arrayfiles", "books", "boston", "classic", "csv_table", "curves", "generative",
    "image_folder", "images", "literal", "load_dataset", "memory", "objects", "outliers",
    "parse_data_spec", "register_dataset", "sequences", "tabular", "text", "toy2d",
]
