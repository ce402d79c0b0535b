"""Boston housing, bundled (``assets/Boston.csv``), with the books' exact split and folds.

Two books train on Keras's ``boston_housing.load_data()``: the 506 rows shuffled
with ``np.random.RandomState(113)``, the first 404 for training and the last
102 for testing (ldl ch6, seeds/003 L3682-3745; launch 31.8.3, seeds/001
L2719-2904). ``split`` "book" reproduces that split, so the first test targets
are the printed 7.2, 18.8, 19.0, 27.0. ``folds`` > 1 holds out fold ``fold``
of the 404 training rows as the validation split, cut as the launchpad's
``np.array_split(train_x, k)`` cuts them; the 102 test rows stay the test split.

``scaling`` "book" standardises every feature with the mean and (population)
standard deviation of the 404 training rows, as both books do before any
fold is cut; leave the spec's ``standardize`` at "none" then.
"""

from __future__ import annotations

import csv
import hashlib

import numpy as np

from playground.data.base import Arrays, DatasetInfo, DatasetType, register_dataset
from playground.errors import DataError
from playground.params import choice_param, int_param
from playground.resources import asset

BOSTON_FILE = "Boston.csv"
#: sha256 of the bundled file (pydataset 0.2.0's MASS/Boston.csv, unchanged).
BOSTON_SHA256 = "a73bba75b82b2ffea542da3752edb63ea583620842d09810f0780fa2e8da9011"
BOSTON_FEATURES = ("crim", "zn", "indus", "chas", "nox", "rm", "age", "dis", "rad", "tax",
                   "ptratio", "black", "lstat")
#: Keras's boston_housing: RandomState(113) shuffle, the first 80% (404 rows) train.
BOOK_SEED = 113
BOOK_TRAIN = 404


def read_boston() -> tuple[np.ndarray, np.ndarray]:
    """The bundled table: features (506, 13) and medv (506,), float64, in file order.

    Raises
    ------
    DataError
        When the file is missing or not the bundled one.
    """
    path = asset(BOSTON_FILE)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read the bundled Boston data: {exc.strerror or exc}",
                        BOSTON_FILE) from None
    if hashlib.sha256(raw).hexdigest() != BOSTON_SHA256:
        raise DataError("the bundled Boston data was changed (its checksum does not match)",
                        BOSTON_FILE)
    rows = list(csv.reader(raw.decode("utf-8").splitlines()))
    table = np.array([[float(v) for v in row[1:]] for row in rows[1:]])  # drop row names
    return table[:, :-1], table[:, -1]


def book_order(n: int = 506, seed: int = BOOK_SEED) -> np.ndarray:
    """Row indices in Keras's shuffled order (``RandomState(seed).shuffle(arange(n))``)."""
    order = np.arange(n)
    np.random.RandomState(seed).shuffle(order)
    return order


def book_split(folds: int = 1, fold: int = 0) -> dict[str, np.ndarray]:
    """The books' split as index arrays, with fold ``fold`` of ``folds`` held out for validation.

    Returns
    -------
    dict
        ``train``, ``val`` and ``test`` index arrays into the file's rows, each in
        the shuffled order (``val`` empty when ``folds`` is 1).
    """
    order = book_order()
    train, test = order[:BOOK_TRAIN], order[BOOK_TRAIN:]
    if folds <= 1:
        return {"train": train, "val": np.zeros(0, np.int64), "test": test}
    parts = np.array_split(train, folds)  # the launchpad's folds_x = np.array_split(train_x, k)
    rest = [p for i, p in enumerate(parts) if i != fold]
    return {"train": np.concatenate(rest), "val": parts[fold], "test": test}


def gen_boston(params: dict, rng: np.random.Generator) -> Arrays:
    """x (506, 13), y (506, 1) in file order; the split is fixed unless ``split`` is "random"."""
    folds, fold = params["folds"], params["fold"]
    if fold >= folds:
        raise DataError(f"fold {fold} does not exist with {folds} folds (they count from 0)",
                        "data.params.fold")
    x, y = read_boston()
    if params["scaling"] == "book":
        train = x[book_order()[:BOOK_TRAIN]]
        x = (x - train.mean(axis=0)) / train.std(axis=0)
    fixed = book_split(folds, fold) if params["split"] == "book" else None
    return Arrays(x.astype(np.float32), y.astype(np.float32)[:, None], fixed)


register_dataset(DatasetType(
    "boston", "Boston housing", "Tabular",
    (choice_param("split", "book", ("book", "random"),
                  help="'book': Keras's RandomState(113) shuffle, 404 train / 102 test rows "
                       "(the spec's val/test fractions are then ignored)."),
     int_param("folds", 1, 1, 20,
               help="k-fold cross-validation of the 404 training rows: fold 'fold' of k "
                    "becomes the validation split (1: none)."),
     int_param("fold", 0, 0, 19, help="The held-out fold, counted from 0."),
     choice_param("scaling", "book", ("book", "none"),
                  help="'book': standardise each feature with the 404 training rows' mean "
                       "and std, as the books do.")),
    gen_boston,
    DatasetInfo("tabular", "regression", (), BOSTON_FEATURES),
    "Boston housing (Harrison and Rubinfeld 1978; bundled from pydataset's copy of R's "
    "MASS::Boston): 506 tracts, 13 features, median home value in $1000s. See "
    "assets/Boston.README.md for its origin and a caution about one feature."))
