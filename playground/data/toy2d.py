"""TensorFlow Playground's 2-D datasets, plus scikit-learn's two moons.

The generators reproduce ``src/dataset.ts`` of tensorflow/playground line by
line: same shapes, same constants, same way of applying ``noise``. Its UI noise
slider runs 0-50 and the page passes ``noise / 100`` to the generators; our
``noise`` param takes the slider's value and divides the same way. The page
draws from an unseeded ``Math.random``; we draw from the spec's seeded numpy
``Generator`` instead, so the samples follow the same distributions but are not
the page's numbers.

Labels: the page's -1/+1 become classes 0/1 (class 0 = "negative (-1)",
orange on the page; class 1 = "positive (+1)", blue). Like the page's
``generateData``, every generator shuffles its points before returning them.
"""

from __future__ import annotations

import numpy as np

from playground.data.base import Arrays, DatasetInfo, DatasetType, register_dataset
from playground.params import Param, float_param, int_param

#: The page's plotting square (``xDomain`` in playground.ts).
TFP_DOMAIN = ((-6.0, 6.0), (-6.0, 6.0))
#: ``NUM_SAMPLES_CLASSIFY`` and ``NUM_SAMPLES_REGRESS`` in playground.ts.
NUM_SAMPLES_CLASSIFY = 500
NUM_SAMPLES_REGRESS = 1200

_TFP_CLASSES = ("negative (-1)", "positive (+1)")
_XY = ("x1", "x2")
_CLASS_INFO = DatasetInfo("points2d", "class", _TFP_CLASSES, _XY, domain=TFP_DOMAIN)
_REGRESS_INFO = DatasetInfo("points2d", "regression", (), _XY, domain=TFP_DOMAIN)

_NOISE = float_param("noise", 0.0, 0.0, 50.0,
                     help="TF Playground's noise slider (0-50); generators get noise / 100.")


def _n_param(default: int) -> Param:
    return int_param("n_samples", default, 4, 100_000, label="Points",
                     help="Number of points (TF Playground uses "
                          f"{default} for this kind of problem).")


def _uniform(rng: np.random.Generator, a: float, b: float, n: int) -> np.ndarray:
    # randUniform(a, b) = Math.random() * (b - a) + a, vectorised: (n,)
    return rng.random(n) * (b - a) + a


def _finish(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> Arrays:
    """Stack coordinates, shuffle like the page's ``shuffle(data)``."""
    order = rng.permutation(len(x))
    return Arrays(x[order].astype(np.float32), y[order])


def _pm1_to_class(label: np.ndarray) -> np.ndarray:
    return (label > 0).astype(np.int64)


def gen_circle(params: dict, rng: np.random.Generator) -> Arrays:
    """``classifyCircleData``: a disc of radius 2.5 (+1) inside a ring 3.5-5 (-1).

    With noise, a point keeps its position but takes the label of the position
    moved by ``U(-5, 5) * noise`` in each coordinate, so labels near the border flip.
    """
    n, noise, radius = params["n_samples"], params["noise"] / 100, 5.0
    parts = []
    for lo, hi, count in ((0.0, radius * 0.5, n // 2), (radius * 0.7, radius, n - n // 2)):
        r = _uniform(rng, lo, hi, count)
        angle = _uniform(rng, 0.0, 2 * np.pi, count)
        x, y = r * np.sin(angle), r * np.cos(angle)
        nx = _uniform(rng, -radius, radius, count) * noise
        ny = _uniform(rng, -radius, radius, count) * noise
        inside = np.hypot(x + nx, y + ny) < radius * 0.5
        parts.append((np.stack([x, y], axis=1), inside.astype(np.int64)))
    return _finish(np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]),
                   rng)


def gen_xor(params: dict, rng: np.random.Generator) -> Arrays:
    """``classifyXORData``: uniform in [-5, 5]^2 pushed 0.3 away from the axes.

    Label +1 when ``x * y >= 0`` for the noise-displaced point.
    """
    n, noise, padding = params["n_samples"], params["noise"] / 100, 0.3
    x = _uniform(rng, -5, 5, n)
    x += np.where(x > 0, padding, -padding)
    y = _uniform(rng, -5, 5, n)
    y += np.where(y > 0, padding, -padding)
    nx = _uniform(rng, -5, 5, n) * noise
    ny = _uniform(rng, -5, 5, n) * noise
    label = np.where((x + nx) * (y + ny) >= 0, 1, -1)
    return _finish(np.stack([x, y], axis=1), _pm1_to_class(label), rng)


def gen_gauss(params: dict, rng: np.random.Generator) -> Arrays:
    """``classifyTwoGaussData``: Gaussians at (2, 2) (+1) and (-2, -2) (-1).

    The variance grows linearly with noise: d3 scale [0, 0.5] -> [0.5, 4].
    """
    n, noise = params["n_samples"], params["noise"] / 100
    variance = 0.5 + noise * (4 - 0.5) / 0.5
    std = np.sqrt(variance)
    pos = rng.normal(2.0, std, size=(n // 2, 2))
    neg = rng.normal(-2.0, std, size=(n - n // 2, 2))
    y = np.concatenate([np.ones(len(pos), np.int64), np.zeros(len(neg), np.int64)])
    return _finish(np.concatenate([pos, neg]), y, rng)


def gen_spiral(params: dict, rng: np.random.Generator) -> Arrays:
    """``classifySpiralData``: two interleaved spirals of 1.75 turns, radius 0-5.

    Noise adds ``U(-1, 1) * noise`` to each coordinate (labels do not flip).
    """
    total, noise = params["n_samples"], params["noise"] / 100
    n = total / 2  # the page's n: a float when the count is odd
    xs, ys = [], []
    for delta_t, label, count in ((0.0, 1, total // 2), (np.pi, 0, total - total // 2)):
        i = np.arange(count)
        r = i / n * 5
        t = 1.75 * i / n * 2 * np.pi + delta_t
        x = r * np.sin(t) + _uniform(rng, -1, 1, count) * noise
        y = r * np.cos(t) + _uniform(rng, -1, 1, count) * noise
        xs.append(np.stack([x, y], axis=1))
        ys.append(np.full(count, label, np.int64))
    return _finish(np.concatenate(xs), np.concatenate(ys), rng)


def _noisy_uniform_points(n: int, noise: float, rng: np.random.Generator):
    # Shared by both regression sets: points in [-6, 6]^2 and their displaced copies.
    radius = 6.0
    x = _uniform(rng, -radius, radius, n)
    y = _uniform(rng, -radius, radius, n)
    nx = _uniform(rng, -radius, radius, n) * noise
    ny = _uniform(rng, -radius, radius, n) * noise
    return x, y, x + nx, y + ny


def gen_reg_plane(params: dict, rng: np.random.Generator) -> Arrays:
    """``regressPlane``: target ``(x + y) / 10`` (d3 scale [-10, 10] -> [-1, 1]) at the
    noise-displaced point."""
    x, y, xn, yn = _noisy_uniform_points(params["n_samples"], params["noise"] / 100, rng)
    target = (xn + yn) / 10.0
    return _finish(np.stack([x, y], axis=1), target[:, None].astype(np.float32), rng)


#: ``regressGaussian``'s bumps: (cx, cy, sign).
_REG_GAUSSIANS = np.array([[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1],
                           [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]])


def gen_reg_gauss(params: dict, rng: np.random.Generator) -> Arrays:
    """``regressGaussian``: six cone-shaped bumps of height +-1 and radius 2.

    Each bump gives ``sign * clamp(1 - d / 2, 0, 1)``; the target is the one of
    largest absolute value (the first one on ties, as the page's strict ``>``).
    """
    x, y, xn, yn = _noisy_uniform_points(params["n_samples"], params["noise"] / 100, rng)
    cx, cy, sign = _REG_GAUSSIANS.T  # (6,) each
    d = np.hypot(xn[:, None] - cx, yn[:, None] - cy)  # (n, 6)
    values = sign * np.clip(1 - d / 2, 0, 1)  # (n, 6)
    best = np.argmax(np.abs(values), axis=1)  # first maximum, like the page's loop
    target = values[np.arange(len(x)), best]
    return _finish(np.stack([x, y], axis=1), target[:, None].astype(np.float32), rng)


def gen_moons(params: dict, rng: np.random.Generator) -> Arrays:
    """scikit-learn ``make_moons`` (two interleaving half circles), seeded from ``rng``."""
    from sklearn.datasets import make_moons  # lazy: sklearn costs ~1 s at start-up

    seed = int(rng.integers(2**31 - 1))
    x, y = make_moons(n_samples=params["n_samples"], noise=params["noise"], random_state=seed)
    return Arrays(x.astype(np.float32), y.astype(np.int64))


_TFP_DOC = "TensorFlow Playground's '{}' data set (src/dataset.ts), {}."

register_dataset(DatasetType(
    "circle", "Circle", "Toy 2-D", (_n_param(NUM_SAMPLES_CLASSIFY), _NOISE), gen_circle,
    _CLASS_INFO, _TFP_DOC.format("circle", "a disc inside a ring")))
register_dataset(DatasetType(
    "xor", "Exclusive or", "Toy 2-D", (_n_param(NUM_SAMPLES_CLASSIFY), _NOISE), gen_xor,
    _CLASS_INFO, _TFP_DOC.format("xor", "four quadrants labelled by the sign of x1 * x2")))
register_dataset(DatasetType(
    "gauss", "Gaussian", "Toy 2-D", (_n_param(NUM_SAMPLES_CLASSIFY), _NOISE), gen_gauss,
    _CLASS_INFO, _TFP_DOC.format("gauss", "two Gaussian blobs; noise widens them")))
register_dataset(DatasetType(
    "spiral", "Spiral", "Toy 2-D", (_n_param(NUM_SAMPLES_CLASSIFY), _NOISE), gen_spiral,
    _CLASS_INFO, _TFP_DOC.format("spiral", "two interleaved spirals")))
register_dataset(DatasetType(
    "reg_plane", "Plane (regression)", "Toy 2-D", (_n_param(NUM_SAMPLES_REGRESS), _NOISE),
    gen_reg_plane, _REGRESS_INFO, _TFP_DOC.format("reg-plane", "target (x1 + x2) / 10")))
register_dataset(DatasetType(
    "reg_gauss", "Multi Gaussian (regression)", "Toy 2-D",
    (_n_param(NUM_SAMPLES_REGRESS), _NOISE), gen_reg_gauss, _REGRESS_INFO,
    _TFP_DOC.format("reg-gauss", "six bumps of height +-1")))
register_dataset(DatasetType(
    "moons", "Two moons", "Toy 2-D",
    (_n_param(NUM_SAMPLES_CLASSIFY),
     float_param("noise", 0.1, 0.0, 2.0, help="Standard deviation of Gaussian noise added "
                                               "to the points (make_moons' noise).")),
    gen_moons,
    DatasetInfo("points2d", "class", ("upper moon", "lower moon"), _XY,
                domain=((-1.75, 2.75), (-2.0, 2.5))),
    "scikit-learn's make_moons: two interleaving half circles."))
