"""Digits and things that are not digits: data for an autoencoder outlier detector.

ldl ch17 (seeds/003, L8593-8760) trains an autoencoder on MNIST only, then
feeds it Fashion-MNIST (clothing, not handwriting) and compares the
reconstruction errors. Offline, scikit-learn's 8x8 digits stand in for MNIST
and generated 8x8 shape images (circles, squares, bars...) for Fashion-MNIST:
a different kind of picture at the same size and grey scale.

The training split holds digits only; the test split holds the remaining
digits (class 0, "digit") and as many outlier images (class 1, "not a
digit"). The labels are never used for training; they only group the errors.
"""

from __future__ import annotations

import numpy as np

from playground.data.base import Arrays, DatasetInfo, DatasetType, register_dataset
from playground.data.images import SHAPE_CLASSES, render_shapes
from playground.params import choice_param, float_param

OUTLIER_KINDS = ("shapes", "noise", "inverted")
CLASS_NAMES = ("digit", "not a digit")


def outlier_images(kind: str, n: int, digits: np.ndarray, rng: np.random.Generator
                   ) -> np.ndarray:
    """``n`` outlier images (n, 8, 8) in [0, 1].

    shapes: generated shapes, cycling through the shape classes; noise: uniform
    random pixels; inverted: ``1 - digit`` of digits drawn from ``digits``.
    """
    if kind == "shapes":
        per = -(-n // len(SHAPE_CLASSES))
        images = np.concatenate([render_shapes(name, per, 8, True, rng)
                                 for name in SHAPE_CLASSES])
        return images[rng.permutation(len(images))[:n]]
    if kind == "noise":
        return rng.uniform(0.0, 1.0, (n, 8, 8)).astype(np.float32)
    return 1.0 - digits[rng.choice(len(digits), n, replace=True)]


def gen_digit_outliers(params: dict, rng: np.random.Generator) -> Arrays:
    """x (N, 1, 8, 8) in [0, 1], y (N,) 0 digit / 1 outlier; fixed split.

    A shuffled ``train_fraction`` of the 1797 digits trains; the test split is
    the other digits and as many outliers, alternating (so the first test
    samples show both kinds).
    """
    from sklearn.datasets import load_digits  # lazy: slow to import

    digits = (load_digits().data.reshape(-1, 8, 8) / 16.0).astype(np.float32)
    order = rng.permutation(len(digits))
    n_train = int(round(params["train_fraction"] * len(digits)))
    held_out = digits[order[n_train:]]
    outliers = outlier_images(params["outliers"], len(held_out), digits, rng)
    x = np.concatenate([digits[order[:n_train]], held_out, outliers])[:, None]
    y = np.concatenate([np.zeros(len(digits), np.int64), np.ones(len(outliers), np.int64)])
    held = np.arange(n_train, len(digits))
    odd = np.arange(len(digits), len(x))
    test = np.empty(len(held) + len(odd), np.int64)  # alternating: digit, outlier, digit...
    test[0::2], test[1::2] = held, odd
    fixed = {"train": np.arange(n_train), "val": np.zeros(0, np.int64), "test": test}
    return Arrays(x, y, fixed)


register_dataset(DatasetType(
    "digit_outliers", "Digits + outliers", "Images",
    (choice_param("outliers", "shapes", OUTLIER_KINDS,
                  help="What the outliers are: generated shapes (the stand-in for "
                       "Fashion-MNIST), random noise, or inverted digits."),
     float_param("train_fraction", 0.7, 0.1, 0.95,
                 help="Share of the digits used for training; the rest, with as many "
                      "outliers, is the test split.")),
    gen_digit_outliers,
    DatasetInfo("image", "class", CLASS_NAMES,
                substitute="scikit-learn's 8x8 digits instead of MNIST, generated 8x8 shapes "
                           "instead of Fashion-MNIST"),
    "Digits to train an autoencoder on, and a test split of unseen digits mixed with "
    "images that are not digits: reconstruction error flags the outliers."))
