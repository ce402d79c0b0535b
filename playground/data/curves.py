"""One-dimensional regression curves: noisy samples of a known function, and its clean queries.

``noisy_sine`` is dlpi's Ex 6.2.1 (L6058-6073): ``n_samples`` points x_i drawn
uniformly in [x_min, x_max], y_i = sin(omega x_i) + g_i with g_i ~ N(0,
noise^2) (the book: 100 points in [0, 10], noise variance 1). The test split
is the book's query points x_j = j (``queries`` evenly spaced points over
[x_min, x_max]) with the noise-free sin(omega x_j) as targets, so a test
error says how close an estimate comes to the function itself.
"""

from __future__ import annotations

import numpy as np

from playground.data.base import Arrays, DatasetInfo, DatasetType, register_dataset
from playground.errors import DataError
from playground.params import float_param, int_param


def gen_noisy_sine(params: dict, rng: np.random.Generator) -> Arrays:
    """Training points (n, 1) with noisy targets, then the clean query points: x, y (n + q, 1)."""
    lo, hi, omega = params["x_min"], params["x_max"], params["omega"]
    if hi <= lo:
        raise DataError(f"x_max ({hi:g}) must be above x_min ({lo:g})", "data.params.x_max")
    n, q = params["n_samples"], params["queries"]
    x = rng.uniform(lo, hi, n)
    y = np.sin(omega * x) + params["noise"] * rng.standard_normal(n)
    xq = np.linspace(lo, hi, q)
    curve = np.linspace(lo, hi, 400)  # the clean function, for plots
    split = {"train": np.arange(n), "val": np.zeros(0, np.int64), "test": np.arange(n, n + q)}
    return Arrays(np.concatenate([x, xq])[:, None].astype(np.float32),
                  np.concatenate([y, np.sin(omega * xq)])[:, None].astype(np.float32),
                  fixed_split=split, meta={"function": f"sin({omega:g} x)",
                                           "curve": (curve, np.sin(omega * curve))})


register_dataset(DatasetType(
    "noisy_sine", "Noisy sine (Ex 6.2.1)", "Books",
    (int_param("n_samples", 100, 2, 100_000, help="Training points, x uniform in the range."),
     float_param("x_min", 0.0, -1e6, 1e6),
     float_param("x_max", 10.0, -1e6, 1e6),
     float_param("omega", 1.0, 1e-6, 1e6, help="Angular frequency of sin(omega x)."),
     float_param("noise", 1.0, 0.0, 1e6, help="Standard deviation of the Gaussian noise."),
     int_param("queries", 11, 1, 100_000,
               help="Test points evenly spaced over the range, with noise-free targets.")),
    gen_noisy_sine, DatasetInfo("tabular", "regression", feature_names=("x",)),
    "dlpi Ex 6.2.1: noisy samples of sin(omega x) to regress, and the clean function at "
    "evenly spaced query points as the test split."))
