"""Data sets of the classic-rule chapters: typed-in tables, a separable cloud, nudged digits.

* ``table``: samples typed in by hand (a truth table, the one sample of a worked
  backprop step). The books' tables are tiny and printed in a particular order;
  the rows keep that order, so per-sample outputs can be compared with the page.
* ``separable_2d``: dlpi Ex 1.2.1 (seeds/000, L489-501) uses "a set of data ...
  linearly separable" with separability eta = 0.2 from a companion script that
  is not in the book. This generator draws points in a square, labels them with
  a random plane (w*, b*) normalised so that ||w*||^2 + b*^2 = 1, and drops
  every point closer than ``margin`` to it, so Novikoff's eta is at least
  ``margin`` by construction.
* ``nudged_digits``: dlpi Ex 7.3.1 (L6911-6921) says "MNIST" but has 64 inputs;
  its numbers (78% raw, 87% with an RBM stack) match scikit-learn's "RBM features
  for digit classification" recipe: the 1797 8x8 digits plus copies shifted one
  pixel up, left, right and down (8985 samples), min-max scaled to [0, 1] over the
  whole set, ``train_test_split(test_size=0.2, random_state=0)``.
"""

from __future__ import annotations

import numpy as np

from playground.data.base import Arrays, DatasetInfo, DatasetType, register_dataset
from playground.errors import DataError
from playground.params import choice_param, float_param, floats_param, int_param

_CATEGORY = "Books"
_XY = ("x1", "x2")


# -- typed-in samples ------------------------------------------------------------------------

def _table_arrays(params: dict) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (n, features) float64 and targets (n,) float64 from the flat lists."""
    inputs = np.asarray(params["inputs"], dtype=np.float64)
    targets = np.asarray(params["targets"], dtype=np.float64)
    d = params["features"]
    if len(inputs) % d:
        raise DataError(f"{len(inputs)} input values do not make rows of {d} features",
                        "data.params.inputs")
    x = inputs.reshape(-1, d)  # row-major: sample after sample
    if len(targets) != len(x):
        raise DataError(f"{len(x)} samples but {len(targets)} targets", "data.params.targets")
    return x, targets


def gen_table(params: dict, rng: np.random.Generator) -> Arrays:
    """The typed-in rows in their given order: x (n, features), y (n,) classes or (n, 1)."""
    x, t = _table_arrays(params)
    if params["target"] == "class":
        if np.any(t < 0) or np.any(t != np.round(t)):
            raise DataError("class targets must be whole numbers 0, 1, 2...; a book's "
                            "-1/+1 labels are classes 0/1", "data.params.targets")
        return Arrays(x.astype(np.float32), t.astype(np.int64))
    return Arrays(x.astype(np.float32), t.astype(np.float32)[:, None])


def table_info(params: dict) -> DatasetInfo:
    """2-D points when there are two features (with a domain around them), else a table."""
    d = params["features"]
    names = _XY if d == 2 else tuple(f"x{i + 1}" for i in range(d))
    classes: tuple = ()
    if params["target"] == "class":
        top = max([int(v) for v in params["targets"] if v >= 0] + [1])
        classes = ("-1", "+1") if params["labels"] == "signed" and top == 1 \
            else tuple(str(i) for i in range(top + 1))
    if d != 2:
        return DatasetInfo("tabular", params["target"], classes, names)
    pts = np.asarray(params["inputs"], dtype=np.float64)
    pts = pts[: len(pts) // 2 * 2].reshape(-1, 2)
    if not len(pts):  # fewer values than one sample: generation says so, naming the field
        return DatasetInfo("points2d", params["target"], classes, names,
                           domain=((-1.0, 1.0), (-1.0, 1.0)))
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    pad = np.maximum(0.5 * (hi - lo), 1.0)  # room around a handful of points
    domain = tuple((float(a - p), float(b + p)) for a, b, p in zip(lo, hi, pad))
    return DatasetInfo("points2d", params["target"], classes, names, domain=domain)


register_dataset(DatasetType(
    "table", "Typed-in samples", _CATEGORY,
    (floats_param("inputs", (0, 0, 0, 1, 1, 0, 1, 1), min=-1e6, max=1e6,
                  help="Input values row after row (features values per sample)."),
     int_param("features", 2, 1, 64, help="Values per sample."),
     floats_param("targets", (0, 1, 1, 0), min=-1e6, max=1e6,
                  help="One target per sample: class 0, 1... or a number."),
     choice_param("target", "class", ("class", "regression"),
                  help="Class labels (whole numbers) or real-valued targets."),
     choice_param("labels", "index", ("index", "signed"),
                  help="'signed': name two classes -1 and +1 (the books' perceptron labels).")),
    gen_table, table_info,
    "A handful of samples typed in by hand, in the book's order: truth tables, the one "
    "sample of a worked backprop step."))


# -- dlpi Ex 1.2.1: a linearly separable cloud -----------------------------------------------

def gen_separable_2d(params: dict, rng: np.random.Generator) -> Arrays:
    """Points uniform in [-half_width, half_width]^2 at distance > margin from a random plane.

    The plane (w*, b*) is normalised as in Novikoff's proof, ||w*||^2 + b*^2 = 1,
    so y (w*.x + b*) > margin for every sample. Class 1 is the positive side.
    Returns x (n, 2), y (n,).
    """
    rs = np.random.RandomState(params["seed"])
    theta = rs.uniform(0.0, 2.0 * np.pi)
    b_star = rs.uniform(-0.3, 0.3)  # small offset: the line passes near the centre
    w_star = np.sqrt(1.0 - b_star ** 2) * np.array([np.cos(theta), np.sin(theta)])
    n, h, margin = params["n_samples"], params["half_width"], params["margin"]
    points = np.zeros((0, 2))
    while len(points) < n:  # rejection sampling; the band is thin, so few rounds
        cand = rs.uniform(-h, h, size=(2 * n, 2))
        keep = np.abs(cand @ w_star + b_star) > margin
        points = np.concatenate([points, cand[keep]])
    x = points[:n]
    y = (x @ w_star + b_star > 0).astype(np.int64)
    if y.min() == y.max():
        raise DataError("every point fell on one side of the plane; try another seed",
                        "data.params.seed")
    return Arrays(x.astype(np.float32), y)


# -- ldl ch2's 3x3 pattern detector ------------------------------------------------------------

def all_patterns() -> np.ndarray:
    """ldl ch2's 1,023 patterns (1023, 9): every black (-1) and white (+1) 3x3 image, then
    every black and gray (0) one except the all-black image already listed, row-major pixels."""
    import itertools

    bw = np.array(list(itertools.product((-1.0, 1.0), repeat=9)))
    bg = np.array([p for p in itertools.product((-1.0, 0.0), repeat=9)
                   if not all(v == -1.0 for v in p)])
    return np.concatenate([bw, bg])


def gen_patterns_3x3(params: dict, rng: np.random.Generator) -> Arrays:
    """x (1023, 9) and y: class 1 for the target pattern, 0 (the book's -1) for the others."""
    x = all_patterns()
    target = np.asarray(params["target"], dtype=np.float64)
    if target.shape != (9,) or not np.isin(target, (-1.0, 0.0, 1.0)).all():
        raise DataError("the target needs 9 values, each -1 (black), 0 (gray) or 1 (white)",
                        "data.params.target")
    hits = np.flatnonzero((x == target).all(axis=1))
    if not len(hits):
        raise DataError("the target mixes white and gray pixels: it is not one of the 1,023 "
                        "patterns (black and white, or black and gray)", "data.params.target")
    y = np.zeros(len(x), np.int64)
    y[hits] = 1
    return Arrays(x.astype(np.float32), y)


register_dataset(DatasetType(
    "patterns_3x3", "3x3 patterns (ldl ch2)", _CATEGORY,
    (floats_param("target", (1.0,) * 9, length=9, min=-1.0, max=1.0,
                  help="The pattern to detect, row by row: -1 black, 0 gray, 1 white."),),
    gen_patterns_3x3,
    DatasetInfo("tabular", "class", ("-1 (other)", "+1 (target)"),
                tuple(f"pixel_{r}_{c}" for r in range(3) for c in range(3))),
    "Learning Deep Learning ch2: all 1,023 3x3 images that are black and white or black and "
    "gray; one of them is the target (+1), every other one is -1."))

register_dataset(DatasetType(
    "separable_2d", "Separable cloud (Ex 1.2.1)", _CATEGORY,
    (int_param("seed", 0, 0, 2**32 - 1, help="Seed of this generator (the spec's is not used)."),
     int_param("n_samples", 40, 2, 100_000, help="Number of points."),
     float_param("margin", 0.2, 0.0, 10.0,
                 help="Novikoff's eta: no point is closer than this to the normalised "
                      "separating plane (the book's script uses 0.2)."),
     float_param("half_width", 4.5, 0.1, 1e4, help="Points fill [-w, w]^2.")),
    gen_separable_2d,
    DatasetInfo("points2d", "class", ("-1", "+1"), _XY, domain=((-5.5, 5.5), (-5.5, 5.5)),
                substitute="a generated separable cloud with margin 0.2; the book's "
                           "script is not printed"),
    "Deep Learning: a practical introduction, Ex 1.2.1: linearly separable 2-D points with "
    "margin eta from a random normalised plane (a stand-in for the unprinted script)."))


# -- dlpi Ex 7.3.1: scikit-learn's nudged digits ---------------------------------------------

#: The recipe's 3x3 kernels: each convolution moves the image one pixel.
_NUDGES = (((0, 1, 0), (0, 0, 0), (0, 0, 0)),
           ((0, 0, 0), (1, 0, 0), (0, 0, 0)),
           ((0, 0, 0), (0, 0, 1), (0, 0, 0)),
           ((0, 0, 0), (0, 0, 0), (0, 1, 0)))


def nudge(images: np.ndarray) -> np.ndarray:
    """The recipe's ``nudge_dataset``: originals then four one-pixel shifts, (5n, 64)."""
    from scipy.ndimage import convolve  # lazy: scipy comes with scikit-learn

    stack = images.reshape(-1, 8, 8)
    parts = [images]
    for kernel in _NUDGES:
        # A (1, 3, 3) kernel convolves every image separately, as apply_along_axis does.
        moved = convolve(stack, np.asarray(kernel, dtype=images.dtype)[None], mode="constant")
        parts.append(moved.reshape(len(images), 64))
    return np.concatenate(parts)


def gen_nudged_digits(params: dict, rng: np.random.Generator) -> Arrays:
    """x (8985, 64) in [0, 1], y (8985,); the recipe's split when ``split`` is "sklearn"."""
    from sklearn.datasets import load_digits
    from sklearn.preprocessing import minmax_scale

    bunch = load_digits()
    x = nudge(np.asarray(bunch.data, dtype=np.float32))
    y = np.concatenate([bunch.target] * 5).astype(np.int64)
    x = minmax_scale(x, feature_range=(0, 1)).astype(np.float32)
    fixed = None
    if params["split"] == "sklearn":
        from sklearn.model_selection import train_test_split

        train, test = train_test_split(np.arange(len(x)), test_size=0.2, random_state=0)
        fixed = {"train": train, "val": np.zeros(0, np.int64), "test": test}
    return Arrays(x, y, fixed)


register_dataset(DatasetType(
    "nudged_digits", "Nudged digits 8x8 (Ex 7.3.1)", _CATEGORY,
    (choice_param("split", "sklearn", ("sklearn", "random"),
                  help="'sklearn': the recipe's train_test_split(test_size=0.2, "
                       "random_state=0), 7188 train / 1797 test (the spec's fractions are "
                       "then ignored); 'random': the spec's split."),),
    gen_nudged_digits,
    DatasetInfo("tabular", "class", tuple(str(d) for d in range(10)),
                tuple(f"pixel_{r}_{c}" for r in range(8) for c in range(8)),
                substitute="scikit-learn's 8x8 digits nudged one pixel four ways (8985 "
                           "images) instead of MNIST, as the book's numbers imply"),
    "Deep Learning: a practical introduction, Ex 7.3.1: scikit-learn's 1797 digits plus "
    "one-pixel shifts, scaled to [0, 1] (the RBM-features recipe)."))
