"""The textbooks' own data generators, reproduced number for number.

Each generator here seeds itself the way its book does (the book's seed is a
param whose default is the book's value), so a preset shows exactly the points
printed or plotted in the book; the spec's ``rng`` is not used. The seed lines:

* ``dlpi_xor`` / ``dlpi_circle``: seeds/000, Ex 3.1.3 (L2123-2174), the
  generators of Ex 1.5.4: ``np.random.seed(30)`` (L2163), then
  ``data_xor`` (N=100, sigma=0.6) and *then* ``data_circle`` (N1=250, sigma1=0.05)
  from the same stream (L2169-2170).
* ``two_spirals``: seeds/002, ch6 ``twoSpirals(N)`` with ``np.random.seed(1)``
  inside (L3458-3466), called with N=300.
* ``perceptron_blobs``: seeds/002, ch5 ``make_classification(..., class_sep=1.2,
  random_state=5)`` (L3145-3148; Fig 5.2's listing uses 1.5, L3087-3090).
* ``linreg_line``: seeds/001, 31.2.1 ``torch.manual_seed(0)`` (L798),
  ``x = torch.randn(100, 1) * 10``, ``y = 3 * x + 1 + torch.randn(100, 1)`` (L805-807).
* ``xor_table``: seeds/001, 31.8.1, the truth table (L2510-2512).
* ``masked_normal``: seeds/000, Ex 7.9.1 (L7308-7330): ``np.random.seed(0)``, 100
  draws of N(0, 1), then a mask drawn with ``np.random.choice([0, 1], p=[0.2, 0.8])``
  from the same stream (the research note checked it gives the printed table).
* ``two_intervals``: seeds/000, Ex 9.3.2 (L8241-8258), the Bayesian regression
  data: ``f(x) = x + 0.3 sin(2 pi x) + 0.3 sin(4 pi x)`` sampled in two intervals
  with a gap between them; the book gives no seed, so it uses the spec's ``rng``.

Book labels of -1/+1 become classes 0/1; ``class_names`` say which is which.
"""

from __future__ import annotations

import numpy as np

from playground.data.base import Arrays, DatasetInfo, DatasetType, register_dataset
from playground.params import Param, float_param, int_param

_XY = ("x1", "x2")
_PM1 = ("-1", "+1")
_CATEGORY = "Books"


def _seed_param(default: int, where: str) -> Param:
    return int_param("seed", default, 0, 2**32 - 1,
                     help=f"The book's own seed ({where}); the data spec's seed is not used.")


def _xor_clusters(rs: np.random.RandomState, n: int, sigma: float) -> tuple:
    """The book's ``Data.data_xor(classes=[0, 1, 1, 0])`` on the legacy stream ``rs``.

    Returns X (2, 4n) and y (1, 4n), the book's orientation.
    """
    x = sigma * rs.randn(2, 4 * n)
    mean = np.array([[-1, -1, 1, 1], [-1, 1, -1, 1]])  # cluster means as columns
    classes = [0, 1, 1, 0]
    m = np.concatenate([np.ones((n, 2)) * mean[:, i] for i in range(4)])  # (4n, 2)
    y = np.concatenate([np.ones((1, n)) * classes[i] for i in range(4)], axis=1)  # (1, 4n)
    return x + m.T, y


def gen_dlpi_xor(params: dict, rng: np.random.Generator) -> Arrays:
    """XOR as four Gaussian clusters at (+-1, +-1), class 1 where the signs differ.

    ``np.random.seed(seed)`` then ``sigma * randn(2, 4N)`` plus the means, in
    cluster order (-1,-1), (-1,1), (1,-1), (1,1). Returns x (4N, 2), y (4N,).
    """
    rs = np.random.RandomState(params["seed"])
    x, y = _xor_clusters(rs, params["n_per_cluster"], params["sigma"])
    return Arrays(x.T.astype(np.float32), y.ravel().astype(np.int64))


def gen_dlpi_circle(params: dict, rng: np.random.Generator) -> Arrays:
    """Two noisy rings: class 0 radius 1, class 1 radius 0.8.

    The book draws its XOR set (N=100, sigma=0.6) from the same seeded stream
    first, so we draw and discard it to land on the book's circle points.
    Returns x (2N, 2), y (2N,).
    """
    rs = np.random.RandomState(params["seed"])
    _xor_clusters(rs, 100, 0.6)  # the book's XOR draw comes first (L2169)
    n, sigma = params["n_per_class"], params["sigma"]
    theta = rs.rand(1, n) * np.pi * 2
    rho = rs.randn(1, n) * sigma + 1
    x1 = rho * np.block([[np.cos(theta)], [np.sin(theta)]])  # (2, n), outer ring
    theta = rs.rand(1, n) * 2 * np.pi
    rho = rs.randn(1, n) * sigma + 0.8
    x2 = rho * np.block([[np.cos(theta)], [np.sin(theta)]])  # (2, n), inner ring
    y = np.concatenate((0 * np.ones((1, n)), np.ones((1, n))), axis=1)
    x = np.concatenate((x1, x2), axis=1)
    return Arrays(x.T.astype(np.float32), y.ravel().astype(np.int64))


def gen_two_spirals(params: dict, rng: np.random.Generator) -> Arrays:
    """dl4b's ``twoSpirals(N)``: 780 degrees of two point-symmetric spirals.

    Rows 0..N-1 are the book's label -1 (class 0), rows N..2N-1 label +1
    (class 1). Returns x (2N, 2), y (2N,).
    """
    rs = np.random.RandomState(params["seed"])
    n_count = params["n_per_class"]
    n = np.sqrt(rs.rand(n_count, 1)) * 780 * (2 * np.pi) / 360
    x = -np.cos(n) * n
    y = np.sin(n) * n
    points = np.vstack((np.hstack((x, y)), np.hstack((-x, -y))))
    labels = np.hstack((np.zeros(n_count, np.int64), np.ones(n_count, np.int64)))
    return Arrays(points.astype(np.float32), labels)


def gen_perceptron_blobs(params: dict, rng: np.random.Generator) -> Arrays:
    """dl4b ch5's linearly separable set: ``make_classification`` with one
    cluster per class. Class 0 is the book's -1 (``y[y==0] = -1``)."""
    from sklearn.datasets import make_classification  # lazy: slow to import

    x, y = make_classification(
        n_samples=params["n_samples"], n_features=2, n_classes=2, n_informative=2,
        n_redundant=0, n_repeated=0, n_clusters_per_class=1,
        class_sep=params["class_sep"], random_state=params["seed"])
    return Arrays(x.astype(np.float32), y.astype(np.int64))


def gen_linreg_line(params: dict, rng: np.random.Generator) -> Arrays:
    """The launchpad's line ``y = 3x + 1 + noise``, drawn as the book draws it.

    A ``torch.Generator`` seeded with ``seed`` gives the same numbers as the
    book's ``torch.manual_seed(seed)`` followed by ``torch.randn``.
    Returns x (n, 1), y (n, 1).
    """
    import torch  # lazy: the data registry must import fast

    g = torch.Generator().manual_seed(params["seed"])
    n = params["n_samples"]
    x = torch.randn(n, 1, generator=g) * 10
    y = 3 * x + 1 + torch.randn(n, 1, generator=g)
    return Arrays(x.numpy().copy(), y.numpy().copy())


def gen_xor_table(params: dict, rng: np.random.Generator) -> Arrays:
    """The XOR truth table: inputs (0,0), (0,1), (1,0), (1,1), classes 0, 1, 1, 0."""
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    return Arrays(x, np.array([0, 1, 1, 0], dtype=np.int64))


def gen_masked_normal(params: dict, rng: np.random.Generator) -> Arrays:
    """Ex 7.9.1's data: inputs ``X * mask`` (n, 1), targets the complete ``X`` (n, 1).

    ``np.random.seed(seed)``; ``X = randn(n, 1)``; ``mask = choice([0, 1], size=X.shape,
    p=[p_missing, 1 - p_missing])``: 0 marks a missing value, which the input shows as 0.
    """
    rs = np.random.RandomState(params["seed"])
    x = rs.randn(params["n_samples"], 1)
    p = params["p_missing"]
    mask = rs.choice([0, 1], size=x.shape, p=[p, 1.0 - p])
    return Arrays((x * mask).astype(np.float32), x.astype(np.float32),
                  meta={"mask": mask.astype(np.float32)})


def bbb_function(x: np.ndarray) -> np.ndarray:
    """dlpi Eq. 9.25: ``x + 0.3 sin(2 pi x) + 0.3 sin(4 pi x)``."""
    return x + 0.3 * np.sin(2 * np.pi * x) + 0.3 * np.sin(4 * np.pi * x)


def gen_two_intervals(params: dict, rng: np.random.Generator) -> Arrays:
    """Ex 9.3.2's regression data, split by where the points lie.

    Training: ``n_per_interval`` uniform draws in each of [-0.2, 0.2] and [0.6, 1];
    validation: ``gap_points`` in the gap (0.2, 0.6), where there are no training
    data; test: ``test_points`` uniform in [-0.5, 1.2], the book's test range.
    Every target is ``f(x)`` plus N(0, noise^2). Returns x (n, 1), y (n, 1).
    """
    n, gap, test = params["n_per_interval"], params["gap_points"], params["test_points"]
    x = np.concatenate([rng.uniform(-0.2, 0.2, n), rng.uniform(0.6, 1.0, n),
                        rng.uniform(0.2, 0.6, gap), rng.uniform(-0.5, 1.2, test)])
    y = bbb_function(x) + rng.normal(0.0, params["noise"], len(x))
    idx = np.arange(len(x))
    fixed = {"train": idx[:2 * n], "val": idx[2 * n:2 * n + gap], "test": idx[2 * n + gap:]}
    return Arrays(x[:, None].astype(np.float32), y[:, None].astype(np.float32), fixed)


register_dataset(DatasetType(
    "dlpi_xor", "XOR clusters (Ex 1.5.4)", _CATEGORY,
    (_seed_param(30, "np.random.seed(30)"),
     int_param("n_per_cluster", 100, 1, 100_000, help="Points per cluster (book: 100)."),
     float_param("sigma", 0.6, 0.0, 10.0, help="Cluster standard deviation (book: 0.6).")),
    gen_dlpi_xor,
    DatasetInfo("points2d", "class", ("0 (same signs)", "1 (signs differ)"), _XY,
                domain=((-3.5, 3.5), (-3.5, 3.5))),
    "Deep Learning: a practical introduction, Ex 1.5.4 / 3.1.3: four Gaussian clusters "
    "with XOR labels, 200 points per class, seeded as the book (seed 30)."))

register_dataset(DatasetType(
    "dlpi_circle", "CIRCLE rings (Ex 1.5.4)", _CATEGORY,
    (_seed_param(30, "np.random.seed(30), after the XOR draw"),
     int_param("n_per_class", 250, 1, 100_000, help="Points per ring (book: 250)."),
     float_param("sigma", 0.05, 0.0, 1.0, help="Radius standard deviation (book: 0.05).")),
    gen_dlpi_circle,
    DatasetInfo("points2d", "class", ("0 (ring r=1)", "1 (ring r=0.8)"), _XY,
                domain=((-1.5, 1.5), (-1.5, 1.5))),
    "Deep Learning: a practical introduction, Ex 1.5.4 / 3.1.3: two concentric noisy rings, "
    "drawn after the XOR set from the book's seed-30 stream."))

register_dataset(DatasetType(
    "two_spirals", "Two spirals (ch6)", _CATEGORY,
    (_seed_param(1, "np.random.seed(1) inside twoSpirals"),
     int_param("n_per_class", 300, 1, 100_000, help="Points per spiral (book: 300).")),
    gen_two_spirals,
    DatasetInfo("points2d", "class", _PM1, _XY, domain=((-14.0, 14.0), (-14.0, 14.0))),
    "Deep Learning for Beginners ch6: twoSpirals(300), 600 points; class 0 is the book's -1."))

register_dataset(DatasetType(
    "perceptron_blobs", "Separable blobs (ch5 PLA)", _CATEGORY,
    (int_param("seed", 5, 0, 2**32 - 1,
               help="make_classification's random_state (book: 5); the spec's seed is not "
                    "used."),
     float_param("class_sep", 1.2, 0.5, 3.0,
                 help="Class separation (book: 1.2 for the PLA run, 2.0-1.1 in the sweep; "
                      "1.0 is no longer separable)."),
     int_param("n_samples", 100, 4, 100_000, help="Number of points (book: 100).")),
    gen_perceptron_blobs,
    DatasetInfo("points2d", "class", _PM1, _XY, domain=((-5.0, 6.0), (-7.0, 4.0))),
    "Deep Learning for Beginners ch5: make_classification(n_samples=100, 2 informative "
    "features, one cluster per class, random_state=5); class 0 is the book's -1."))

register_dataset(DatasetType(
    "linreg_line", "Noisy line y = 3x + 1", _CATEGORY,
    (_seed_param(0, "torch.manual_seed(0)"),
     int_param("n_samples", 100, 2, 1_000_000, help="Number of points (book: 100).")),
    gen_linreg_line,
    DatasetInfo("tabular", "regression", (), ("x",)),
    "A Deep Learning Launchpad 31.2.1: x = 10 * randn, y = 3x + 1 + randn, "
    "torch.manual_seed(0)."))

register_dataset(DatasetType(
    "masked_normal", "Missing values (Ex 7.9.1)", _CATEGORY,
    (_seed_param(0, "np.random.seed(0)"),
     int_param("n_samples", 100, 1, 1_000_000, help="Draws of N(0, 1) (book: 100)."),
     float_param("p_missing", 0.2, 0.0, 0.99,
                 help="Chance that a value is missing, shown as 0 (book: 0.2).")),
    gen_masked_normal,
    DatasetInfo("tabular", "regression", (), ("x",)),
    "Deep Learning: a practical introduction, Ex 7.9.1: 100 draws of N(0, 1) with 20% of "
    "them blanked to 0; the targets keep the complete values, to compare imputations with."))

register_dataset(DatasetType(
    "two_intervals", "Two intervals (Ex 9.3.2)", _CATEGORY,
    (int_param("n_per_interval", 500, 1, 100_000,
               help="Training points in each of [-0.2, 0.2] and [0.6, 1] (book: 500)."),
     float_param("noise", 0.3, 0.0, 10.0,
                 help="Std of the noise on y (book: 0.3; its source, the UvA DL course, "
                      "0.02)."),
     int_param("gap_points", 200, 1, 100_000,
               help="Validation points in the gap (0.2, 0.6), where nothing is trained."),
     int_param("test_points", 3000, 1, 1_000_000,
               help="Test points uniform in [-0.5, 1.2] (book: 3000).")),
    gen_two_intervals,
    DatasetInfo("tabular", "regression", (), ("x",)),
    "Deep Learning: a practical introduction, Ex 9.3.2: f(x) = x + 0.3 sin 2 pi x + "
    "0.3 sin 4 pi x sampled in two intervals with a gap; validation points lie in the gap."))

register_dataset(DatasetType(
    "xor_table", "XOR truth table", _CATEGORY, (), gen_xor_table,
    DatasetInfo("points2d", "class", ("0", "1"), _XY, domain=((-0.5, 1.5), (-0.5, 1.5))),
    "A Deep Learning Launchpad 31.8.1: the four XOR inputs with targets 0, 1, 1, 0."))
