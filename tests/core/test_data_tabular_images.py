"""scikit-learn's bundled tables, the digits images and the generated shapes."""

from __future__ import annotations

import numpy as np
import pytest

from playground.data import DATASETS, load_dataset, parse_data_spec
from playground.data.tabular import iris_book_split


def load(type_: str, seed: int = 0, **params):
    return load_dataset(parse_data_spec({"type": type_, "params": params, "seed": seed}))


@pytest.mark.parametrize("type_, n, features, classes", [
    ("iris", 150, 4, 3), ("wine", 178, 13, 3), ("breast_cancer", 569, 30, 2),
])
def test_classification_tables(type_, n, features, classes):
    ds = load(type_)
    assert ds.train.x.shape == (n, features) and ds.train.x.dtype == np.float32
    assert ds.train.y.dtype == np.int64 and ds.n_classes == classes
    assert len(ds.info.feature_names) == features and ds.info.kind == "tabular"


def test_diabetes_is_regression():
    ds = load("diabetes")
    assert ds.train.x.shape == (442, 10)
    assert ds.train.y.shape == (442, 1) and ds.train.y.dtype == np.float32
    assert ds.info.target == "regression" and ds.n_classes == 0


def test_friedman1_is_seeded_regression():
    ds = load("friedman1")
    x, y = ds.train.x, ds.train.y
    assert x.shape == (506, 10) and y.shape == (506, 1) and y.dtype == np.float32
    assert 0.0 <= x.min() and x.max() <= 1.0 and ds.info.target == "regression"
    # Without noise the target is Friedman's formula of the first five features.
    clean = load("friedman1", noise=0.0, n_samples=50)
    a = clean.train.x.astype(np.float64)
    expected = (10 * np.sin(np.pi * a[:, 0] * a[:, 1]) + 20 * (a[:, 2] - 0.5) ** 2
                + 10 * a[:, 3] + 5 * a[:, 4])
    assert np.allclose(clean.train.y[:, 0], expected, atol=1e-4)
    # The generator's own seed draws the data; the spec's seed does not.
    assert np.array_equal(load("friedman1", seed=5).train.x, x)
    reseeded = load_dataset(parse_data_spec({"type": "friedman1", "params": {"seed": 1}}))
    assert not np.array_equal(reseeded.train.x, x)


def test_iris_classes_and_first_row():
    ds = load("iris")
    assert np.bincount(ds.train.y).tolist() == [50, 50, 50]
    assert np.allclose(ds.train.x[0], [5.1, 3.5, 1.4, 0.2])  # the book's head row (L2586)
    assert ds.info.class_names == ("setosa", "versicolor", "virginica")


def test_iris_book_permutation():
    split = iris_book_split()
    assert split["train"][:10].tolist() == [20, 53, 66, 62, 21, 78, 113, 54, 108, 41]
    assert np.random.RandomState(2018).permutation(150)[119] == 31  # the unused row
    assert 31 not in split["train"] and 31 not in split["test"]


def test_iris_book_split_through_load_dataset():
    # the spec's own fractions are ignored: the book prescribes the split
    spec = {"type": "iris", "params": {"split": "book"}, "split": {"test": 0.5}}
    ds = load_dataset(parse_data_spec(spec))
    assert (len(ds.train), len(ds.val), len(ds.test)) == (119, 0, 30)
    assert np.bincount(ds.train.y).tolist() == [40, 42, 37]
    assert np.bincount(ds.test.y).tolist() == [9, 8, 13]
    assert np.allclose(ds.train.x[0], [5.4, 3.4, 1.7, 0.2])  # original row 20 comes first


def test_iris_book_split_standardised_on_train_only():
    base = {"type": "iris", "params": {"split": "book"}}
    plain = load_dataset(parse_data_spec(base))
    std = load_dataset(parse_data_spec({**base, "standardize": "standard"}))
    assert np.allclose(std.train.x.mean(axis=0), 0, atol=1e-5)
    mean, scale = plain.train.x.mean(axis=0), plain.train.x.std(axis=0)
    assert np.allclose(std.scaler["mean"], mean, atol=1e-5)
    assert np.allclose(std.test.x, (plain.test.x - mean) / scale, atol=1e-4)
    assert np.allclose(std.transform(plain.test.x), std.test.x, atol=1e-6)


def test_iris_two_features_are_points():
    ds = load("iris", features="petal")
    assert ds.train.x.shape == (150, 2) and ds.info.kind == "points2d"
    assert ds.info.feature_names == ("petal length (cm)", "petal width (cm)")
    (x0, x1), (y0, y1) = ds.info.domain
    assert x0 < ds.train.x[:, 0].min() and ds.train.x[:, 0].max() < x1
    assert y0 < ds.train.x[:, 1].min() and ds.train.x[:, 1].max() < y1


def test_digits_as_images_and_as_table():
    img = load("digits")
    assert img.train.x.shape == (1797, 1, 8, 8) and img.info.kind == "image"
    assert img.train.x.min() == 0.0 and img.train.x.max() == 1.0
    assert img.n_classes == 10 and "MNIST" in img.info.substitute
    tab = load("digits", as_image=False)
    assert tab.train.x.shape == (1797, 64) and tab.train.x.max() == 16.0
    assert np.allclose(tab.train.x.reshape(-1, 1, 8, 8) / 16, img.train.x)
    assert len(tab.info.feature_names) == 64


def test_shapes_defaults():
    ds = load("shapes")
    assert ds.train.x.shape == (1800, 1, 16, 16) and ds.train.x.dtype == np.float32
    assert ds.train.x.min() >= 0.0 and ds.train.x.max() <= 1.0
    assert np.bincount(ds.train.y).tolist() == [300] * 6
    assert ds.info.kind == "image" and len(ds.info.class_names) == 6


def test_shapes_deterministic_and_seeded():
    a, b, c = load("shapes", seed=1), load("shapes", seed=1), load("shapes", seed=2)
    assert np.array_equal(a.train.x, b.train.x) and np.array_equal(a.train.y, b.train.y)
    assert not np.array_equal(a.train.x, c.train.x)


def test_shapes_params():
    ds = load("shapes", size=28, n_per_class=10, n_classes=3, noise=0.0, jitter=False)
    assert ds.train.x.shape == (30, 1, 28, 28)
    assert ds.info.class_names == ("circle", "square", "triangle")
    # without jitter and noise every image of a class is the same picture
    for k in range(3):
        group = ds.train.x[ds.train.y == k]
        assert np.array_equal(group, np.broadcast_to(group[0], group.shape))
    means = [ds.train.x[ds.train.y == k].mean() for k in range(3)]
    assert len(set(np.round(means, 4))) == 3  # distinct shapes
    assert all(m > 0.1 for m in means)


def test_shapes_are_told_apart_by_a_nearest_centroid():
    ds = load("shapes", n_per_class=100, noise=0.05, seed=3)
    x, y = ds.train.x.reshape(len(ds.train.x), -1), ds.train.y
    centroids = np.stack([x[y == k].mean(axis=0) for k in range(6)])
    pred = np.argmin(((x[:, None] - centroids[None]) ** 2).sum(-1), axis=1)
    assert (pred == y).mean() > 0.5  # far above chance (1/6): classes differ visibly


def test_shapes_come_in_equal_classes():
    entry = DATASETS.get("shapes")
    params = parse_data_spec({"type": "shapes", "params": {"n_per_class": 334}}).params
    arrays = entry.generate(params, np.random.default_rng(0))
    assert len(arrays.x) == 2004 and np.bincount(arrays.y).tolist() == [334] * 6
