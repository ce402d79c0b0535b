"""The books' generators give the books' numbers."""

from __future__ import annotations

import numpy as np
import pytest

from playground.data import load_dataset, parse_data_spec


def raw(type_: str, spec_seed: int = 0, **params):
    """Every sample, unsplit: (x, y). ``spec_seed`` is the data spec's seed, which
    the books' generators ignore; ``seed`` in ``params`` is the book's seed."""
    ds = load_dataset(parse_data_spec({"type": type_, "params": params, "seed": spec_seed}))
    return ds.train.x, ds.train.y


def book_xor_and_circle():
    """seeds/000 Ex 3.1.3 (L2127-2171) as the book runs it, on a private legacy stream."""
    rs = np.random.RandomState(30)  # np.random.seed(30)
    n, sigma = 100, 0.6
    x = sigma * rs.randn(2, 4 * n)
    mean = np.array([[-1, -1, 1, 1], [-1, 1, -1, 1]])
    m = np.ones((n, 2)) * mean[:, 0]
    y = np.ones((1, n)) * 0
    for i, c in zip(range(1, 4), (1, 1, 0)):
        m = np.concatenate((m, np.ones((n, 2)) * mean[:, i]))
        y = np.concatenate((y, np.ones((1, n)) * c), axis=1)
    xor = (x + m.T, y)
    n1, sigma1 = 250, 0.05
    theta = rs.rand(1, n1) * np.pi * 2
    rho = rs.randn(1, n1) * sigma1 + 1
    x1 = rho * np.block([[np.cos(theta)], [np.sin(theta)]])
    theta = rs.rand(1, n1) * 2 * np.pi
    rho = rs.randn(1, n1) * sigma1 + 0.8
    x2 = rho * np.block([[np.cos(theta)], [np.sin(theta)]])
    circle = (np.concatenate((x1, x2), axis=1),
              np.concatenate((0 * np.ones((1, n1)), np.ones((1, n1))), axis=1))
    return xor, circle


def test_dlpi_xor_and_circle_equal_the_book():
    (bx, by), (cx, cy) = book_xor_and_circle()
    assert (bx.shape, by.shape, cx.shape, cy.shape) == ((2, 400), (1, 400), (2, 500), (1, 500))
    x, y = raw("dlpi_xor", spec_seed=99)  # the spec seed is not used: the book seeds itself
    assert x.shape == (400, 2) and y.shape == (400,)
    assert np.allclose(x, bx.T, atol=1e-6) and np.array_equal(y, by.ravel())
    assert np.allclose(x[0], [-1.7584316, -1.1880368], atol=1e-6)
    x, y = raw("dlpi_circle")
    assert x.shape == (500, 2) and y.shape == (500,)
    assert np.allclose(x, cx.T, atol=1e-6) and np.array_equal(y, cy.ravel())
    assert np.allclose(x[0], [0.8365829, -0.5548769], atol=1e-6)


def test_dlpi_classes_and_geometry():
    x, y = raw("dlpi_xor")
    assert np.bincount(y).tolist() == [200, 200]  # "200 samples per class" (L1264)
    centres = np.sign(x)
    agree = (centres[:, 0] != centres[:, 1]).astype(np.int64) == y
    assert agree.mean() > 0.85  # clusters of sigma 0.6 around (+-1, +-1)
    x, y = raw("dlpi_circle")
    r = np.hypot(x[:, 0], x[:, 1])
    assert np.bincount(y).tolist() == [250, 250]
    assert r[y == 0].mean() == pytest.approx(1.0, abs=0.01)
    assert r[y == 1].mean() == pytest.approx(0.8, abs=0.01)


def test_dlpi_seed_param_changes_the_data():
    a, _ = raw("dlpi_xor")
    assert np.array_equal(a, raw("dlpi_xor", spec_seed=5)[0])
    assert not np.array_equal(a, raw("dlpi_xor", seed=31)[0])
    assert not np.array_equal(raw("dlpi_circle")[0], raw("dlpi_circle", seed=31)[0])


def test_two_spirals_book_values():
    x, y = raw("two_spirals")
    assert x.shape == (600, 2) and y.shape == (600,)
    assert np.allclose(x[0], [7.08535569, 5.20423916], atol=1e-6)  # the book's x1 (L3532)
    assert y[0] == 0  # the book's label -1
    assert np.bincount(y).tolist() == [300, 300]
    assert np.all(y[:300] == 0) and np.all(y[300:] == 1)
    assert np.array_equal(x[300:], -x[:300])
    assert np.abs(x).max() == pytest.approx(12.61, abs=0.01)


def test_two_spirals_seed_param():
    a, _ = raw("two_spirals")
    b, _ = raw("two_spirals", seed=2)
    assert not np.array_equal(a, b)


def test_perceptron_blobs_is_the_books_make_classification():
    from sklearn.datasets import make_classification

    bx, by = make_classification(n_samples=100, n_features=2, n_classes=2, n_informative=2,
                                 n_redundant=0, n_repeated=0, n_clusters_per_class=1,
                                 class_sep=1.2, random_state=5)
    x, y = raw("perceptron_blobs", spec_seed=123)
    assert np.allclose(x, bx, atol=1e-6) and np.array_equal(y, by)
    assert np.bincount(y).tolist() == [50, 50]
    x15, _ = raw("perceptron_blobs", class_sep=1.5)
    assert not np.allclose(x, x15)


@pytest.mark.parametrize("class_sep", [2.0, 1.1])
def test_perceptron_blobs_separable_down_to_1_1(class_sep):
    # The PLA (first misclassified point, bias column as the book adds) must converge.
    x, y = raw("perceptron_blobs", class_sep=class_sep)
    xb = np.hstack([np.ones((len(x), 1)), x.astype(np.float64)])
    s = np.where(y == 1, 1.0, -1.0)
    w = np.zeros(3)
    for _ in range(100_000):
        wrong = np.flatnonzero(np.sign(xb @ w) != s)
        if len(wrong) == 0:
            break
        w += s[wrong[0]] * xb[wrong[0]]
    assert np.all(np.sign(xb @ w) == s)


def test_linreg_line_equals_torch_manual_seed():
    import torch

    with torch.random.fork_rng():
        torch.manual_seed(0)
        bx = torch.randn(100, 1) * 10
        by = 3 * bx + 1 + torch.randn(100, 1)
    x, y = raw("linreg_line", spec_seed=42)
    assert x.shape == (100, 1) and y.shape == (100, 1)
    assert np.array_equal(x, bx.numpy()) and np.array_equal(y, by.numpy())
    assert np.allclose(x[:3, 0], [-11.2584, -11.5236, -2.5058], atol=1e-4)
    slope, intercept = np.polyfit(x[:, 0], y[:, 0], 1)
    assert slope == pytest.approx(3, abs=0.05) and intercept == pytest.approx(1, abs=0.3)
    other, _ = raw("linreg_line", seed=1)
    assert not np.array_equal(x, other)


def test_xor_table():
    x, y = raw("xor_table")
    assert x.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert y.tolist() == [0, 1, 1, 0]
