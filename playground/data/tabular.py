"""scikit-learn's bundled tabular data sets: iris, wine, breast cancer, diabetes, digits.

They ship inside scikit-learn, so they work offline. scikit-learn is imported
inside the generators only: importing ``sklearn.datasets`` costs about a second
and the app should start without paying it. Feature and class names are
spelled out here for the same reason (the data panel shows them before any
data is loaded).

Also Friedman's regression problem #1 (scikit-learn's ``make_friedman1``), a
generated stand-in for small real-estate tables such as Boston Housing: ten
uniform features, five of them used through a sine of a product, a square and
two linear terms, so a network clearly beats a linear fit.
"""

from __future__ import annotations

import numpy as np

from playground.data.base import Arrays, DatasetInfo, DatasetType, register_dataset
from playground.params import bool_param, choice_param, float_param, int_param

_CATEGORY = "Tabular"

IRIS_FEATURES = ("sepal length (cm)", "sepal width (cm)", "petal length (cm)",
                 "petal width (cm)")
IRIS_CLASSES = ("setosa", "versicolor", "virginica")
#: Two-feature views of iris, for decision-boundary plots: columns and plotting square.
_IRIS_PAIRS = {"sepal": ((0, 1), ((3.5, 8.5), (0.7, 5.7))),
               "petal": ((2, 3), ((0.5, 7.5), (-2.2, 4.8)))}
#: The launchpad's split (seeds/001, 31.8.2, L2638-2658).
IRIS_BOOK_SEED = 2018
IRIS_BOOK_TRAIN_COUNT = 120

WINE_FEATURES = ("alcohol", "malic_acid", "ash", "alcalinity_of_ash", "magnesium",
                 "total_phenols", "flavanoids", "nonflavanoid_phenols", "proanthocyanins",
                 "color_intensity", "hue", "od280/od315_of_diluted_wines", "proline")
_CANCER_STATS = ("radius", "texture", "perimeter", "area", "smoothness", "compactness",
                 "concavity", "concave points", "symmetry", "fractal dimension")
CANCER_FEATURES = (tuple(f"mean {s}" for s in _CANCER_STATS)
                   + tuple(f"{s} error" for s in _CANCER_STATS)
                   + tuple(f"worst {s}" for s in _CANCER_STATS))
DIABETES_FEATURES = ("age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6")
DIGIT_CLASSES = tuple(str(d) for d in range(10))


def iris_book_split(n: int = 150, seed: int = IRIS_BOOK_SEED) -> dict:
    """The launchpad's iris split as index arrays into the original row order.

    ``np.random.seed(2018)``, ``permutation(150)``; ``train_x = x[0:trainCount-1]``
    (119 rows: the book's off-by-one leaves the row at position 119 unused) and
    ``test_x = x[trainCount:]`` (30 rows).

    Returns
    -------
    dict
        ``{"train": (119,), "val": (0,), "test": (30,)}`` int64 index arrays, in the
        book's permuted order.
    """
    perm = np.random.RandomState(seed).permutation(n)
    count = IRIS_BOOK_TRAIN_COUNT
    return {"train": perm[0:count - 1], "val": np.zeros(0, np.int64), "test": perm[count:]}


def gen_iris(params: dict, rng: np.random.Generator) -> Arrays:
    """Fisher's iris: x (150, 4) or (150, 2) in cm, y (150,) species 0..2."""
    from sklearn.datasets import load_iris

    bunch = load_iris()
    x = bunch.data
    if params["features"] != "all":
        x = x[:, list(_IRIS_PAIRS[params["features"]][0])]
    fixed = iris_book_split(len(x)) if params["split"] == "book" else None
    return Arrays(x.astype(np.float32), bunch.target.astype(np.int64), fixed)


def iris_info(params: dict) -> DatasetInfo:
    """2-D points when two features are chosen, else a 4-column table."""
    if params["features"] == "all":
        return DatasetInfo("tabular", "class", IRIS_CLASSES, IRIS_FEATURES)
    cols, domain = _IRIS_PAIRS[params["features"]]
    return DatasetInfo("points2d", "class", IRIS_CLASSES,
                       tuple(IRIS_FEATURES[c] for c in cols), domain=domain)


def gen_wine(params: dict, rng: np.random.Generator) -> Arrays:
    """UCI wine recognition: x (178, 13), y (178,) cultivar 0..2."""
    from sklearn.datasets import load_wine

    bunch = load_wine()
    return Arrays(bunch.data.astype(np.float32), bunch.target.astype(np.int64))


def gen_breast_cancer(params: dict, rng: np.random.Generator) -> Arrays:
    """Wisconsin diagnostic breast cancer: x (569, 30), y (569,) 0 malignant, 1 benign."""
    from sklearn.datasets import load_breast_cancer

    bunch = load_breast_cancer()
    return Arrays(bunch.data.astype(np.float32), bunch.target.astype(np.int64))


def gen_diabetes(params: dict, rng: np.random.Generator) -> Arrays:
    """Diabetes progression: x (442, 10) (scikit-learn's scaled features), y (442, 1)."""
    from sklearn.datasets import load_diabetes

    bunch = load_diabetes()
    return Arrays(bunch.data.astype(np.float32), bunch.target.astype(np.float32)[:, None])


def gen_friedman1(params: dict, rng: np.random.Generator) -> Arrays:
    """y = 10 sin(pi x1 x2) + 20 (x3 - 0.5)^2 + 10 x4 + 5 x5 + noise, x ~ U[0, 1]^10.

    ``make_friedman1(n_samples, n_features=10, noise, random_state=seed)``;
    returns x (n, 10), y (n, 1). The spec's ``rng`` is not used.
    """
    from sklearn.datasets import make_friedman1

    x, y = make_friedman1(n_samples=params["n_samples"], n_features=10,
                          noise=params["noise"], random_state=params["seed"])
    return Arrays(x.astype(np.float32), y.astype(np.float32)[:, None])


def gen_digits(params: dict, rng: np.random.Generator) -> Arrays:
    """8x8 handwritten digits: x (1797, 1, 8, 8) in [0, 1] (or [-1, 1]), or (1797, 64) in 0..16."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x = bunch.data.astype(np.float32)  # (1797, 64), grey levels 0..16
    if params["as_image"]:
        x = (x / 16.0).reshape(-1, 1, 8, 8)
        if params["pixel_range"] == "-1..1":
            x = 2.0 * x - 1.0  # a tanh output's range (DCGAN)
    return Arrays(x, bunch.target.astype(np.int64))


def digits_info(params: dict) -> DatasetInfo:
    """Images or a 64-column table, depending on ``as_image``."""
    substitute = "scikit-learn's 8x8 digits (1797 images) instead of MNIST"
    if params["as_image"]:
        return DatasetInfo("image", "class", DIGIT_CLASSES, substitute=substitute)
    names = tuple(f"pixel_{r}_{c}" for r in range(8) for c in range(8))
    return DatasetInfo("tabular", "class", DIGIT_CLASSES, names, substitute=substitute)


register_dataset(DatasetType(
    "iris", "Iris", _CATEGORY,
    (choice_param("split", "random", ("random", "book"),
                  help="'book': the launchpad's seed-2018 permutation, 119 train / 30 test "
                       "rows (the spec's val/test fractions are then ignored)."),
     choice_param("features", "all", ("all", "petal", "sepal"),
                  help="All four measurements, or two of them for a decision-boundary "
                       "plot.")),
    gen_iris, iris_info,
    "Fisher's iris (scikit-learn copy): 150 flowers, 4 measurements, 3 species."))

register_dataset(DatasetType(
    "wine", "Wine", _CATEGORY, (), gen_wine,
    DatasetInfo("tabular", "class", ("class_0", "class_1", "class_2"), WINE_FEATURES),
    "UCI wine recognition (scikit-learn copy): 178 wines, 13 chemical measurements, "
    "3 cultivars."))

register_dataset(DatasetType(
    "breast_cancer", "Breast cancer", _CATEGORY, (), gen_breast_cancer,
    DatasetInfo("tabular", "class", ("malignant", "benign"), CANCER_FEATURES),
    "Wisconsin diagnostic breast cancer (scikit-learn copy): 569 cases, 30 features."))

register_dataset(DatasetType(
    "diabetes", "Diabetes (regression)", _CATEGORY, (), gen_diabetes,
    DatasetInfo("tabular", "regression", (), DIABETES_FEATURES),
    "Diabetes progression after one year (scikit-learn copy): 442 patients, 10 features."))

register_dataset(DatasetType(
    "friedman1", "Friedman #1 (regression)", _CATEGORY,
    (int_param("n_samples", 506, 10, 1_000_000,
               help="Number of samples (506, as Boston Housing)."),
     float_param("noise", 1.0, 0.0, 100.0, help="Standard deviation of the added noise."),
     int_param("seed", 0, 0, 2**31 - 1,
               help="make_friedman1's random_state; the spec's seed is not used.")),
    gen_friedman1,
    DatasetInfo("tabular", "regression", (), tuple(f"x{i + 1}" for i in range(10))),
    "Friedman's regression problem #1 (scikit-learn's make_friedman1): 10 uniform features, "
    "5 of them used non-linearly; a generated stand-in for a small housing table."))

register_dataset(DatasetType(
    "digits", "Digits 8x8", "Images",
    (bool_param("as_image", True,
                help="(1, 8, 8) images scaled to [0, 1]; off: 64 raw features 0..16."),
     choice_param("pixel_range", "0..1", ("0..1", "-1..1"),
                  help="Images' grey levels: [0, 1], or [-1, 1] for a generator ending in "
                       "tanh (DCGAN).")),
    gen_digits, digits_info,
    "scikit-learn's 1797 handwritten digits, 8x8 pixels: a small offline stand-in for "
    "MNIST."))
