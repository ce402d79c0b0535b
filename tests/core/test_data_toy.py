"""TensorFlow Playground's 2-D datasets, two moons, and the data spec machinery."""

from __future__ import annotations

import numpy as np
import pytest

from playground.data import DATASETS, load_dataset, parse_data_spec
from playground.data.toy2d import TFP_DOMAIN
from playground.errors import ValidationError

CLASSIFY = ("circle", "xor", "gauss", "spiral", "moons")
REGRESS = ("reg_plane", "reg_gauss")


def load(type_: str, **params):
    return load_dataset(parse_data_spec({"type": type_, "params": params}))


def raw(type_: str, seed: int = 0, **params):
    """Every sample, unsplit: (x, y)."""
    ds = load_dataset(parse_data_spec({"type": type_, "params": params, "seed": seed}))
    return ds.train.x, ds.train.y


@pytest.mark.parametrize("type_", CLASSIFY)
def test_classification_shapes_and_balance(type_):
    x, y = raw(type_)
    assert x.shape == (500, 2) and x.dtype == np.float32
    assert y.shape == (500,) and y.dtype == np.int64
    assert set(np.unique(y)) == {0, 1}
    counts = np.bincount(y)
    if type_ == "xor":  # labels come from the quadrant, so only roughly balanced
        assert abs(counts[0] - counts[1]) < 100
    else:
        assert counts.tolist() == [250, 250]
    info = DATASETS.get(type_).info_for(parse_data_spec({"type": type_}).params)
    assert info.kind == "points2d" and info.target == "class" and len(info.class_names) == 2


@pytest.mark.parametrize("type_", REGRESS)
def test_regression_shapes(type_):
    x, y = raw(type_)
    assert x.shape == (1200, 2) and y.shape == (1200, 1) and y.dtype == np.float32
    assert np.abs(x).max() <= 6.0
    assert np.abs(y).max() <= 1.2


@pytest.mark.parametrize("type_", CLASSIFY + REGRESS)
def test_same_spec_same_arrays_other_seed_other_arrays(type_):
    x1, y1 = raw(type_, seed=3, noise=10 if type_ != "moons" else 0.1)
    x2, y2 = raw(type_, seed=3, noise=10 if type_ != "moons" else 0.1)
    x3, _ = raw(type_, seed=4, noise=10 if type_ != "moons" else 0.1)
    assert np.array_equal(x1, x2) and np.array_equal(y1, y2)
    assert not np.array_equal(x1, x3)


def test_tfp_points_stay_in_the_plotting_square():
    for type_ in ("circle", "xor", "spiral"):
        x, _ = raw(type_)
        assert np.all(x >= TFP_DOMAIN[0][0]) and np.all(x <= TFP_DOMAIN[0][1])


def test_circle_without_noise_labels_by_radius():
    x, y = raw("circle")
    r = np.hypot(x[:, 0], x[:, 1])
    assert np.array_equal(y, (r < 2.5).astype(np.int64))
    assert r[y == 1].max() <= 2.5 and r[y == 0].min() >= 3.5 and r.max() <= 5.0


def test_circle_noise_flips_labels_near_the_border():
    x, y = raw("circle", noise=50)
    r = np.hypot(x[:, 0], x[:, 1])
    assert np.any(y != (r < 2.5))


def test_xor_without_noise_labels_by_quadrant_and_pads_axes():
    x, y = raw("xor")
    assert np.array_equal(y, (x[:, 0] * x[:, 1] >= 0).astype(np.int64))
    assert np.abs(x).min() >= 0.3 and np.abs(x).max() <= 5.3


def test_gauss_noise_widens_the_blobs_as_tfp():
    # variance = 0.5 + 7 * noise / 100: std sqrt(0.5) at 0, 2 at noise 50
    for noise, std in ((0, np.sqrt(0.5)), (50, 2.0)):
        x, y = raw("gauss", noise=noise, n_samples=20000)
        assert np.allclose(x[y == 1].mean(axis=0), [2, 2], atol=0.1)
        assert np.allclose(x[y == 0].mean(axis=0), [-2, -2], atol=0.1)
        assert np.allclose(x[y == 1].std(axis=0), std, rtol=0.05)


def test_spiral_without_noise_is_on_the_curve():
    x, y = raw("spiral")
    r = np.hypot(x[:, 0], x[:, 1])
    expected = np.sort(np.arange(250) / 250 * 5)
    assert np.allclose(np.sort(r[y == 1]), expected, atol=1e-5)
    assert np.allclose(np.sort(r[y == 0]), expected, atol=1e-5)


def test_reg_plane_without_noise_is_the_plane():
    x, y = raw("reg_plane")
    assert np.allclose(y[:, 0], (x[:, 0] + x[:, 1]) / 10, atol=1e-6)


def test_reg_gauss_matches_a_loop_over_the_bumps():
    x, y = raw("reg_gauss", n_samples=300)
    bumps = [(-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1)]
    for (px, py), target in zip(x.astype(np.float64), y[:, 0]):
        label = 0.0
        for cx, cy, sign in bumps:
            value = sign * min(max(1 - np.hypot(px - cx, py - cy) / 2, 0), 1)
            if abs(value) > abs(label):
                label = value
        assert target == pytest.approx(label, abs=1e-5)


def test_reg_noise_changes_targets_not_positions():
    x0, y0 = raw("reg_plane", seed=1)
    x1, y1 = raw("reg_plane", seed=1, noise=30)
    assert np.array_equal(x0, x1)  # same draws for x, y; noise only displaces the lookup
    assert not np.allclose(y0, y1)


def test_moons_noise_param():
    x0, y0 = raw("moons", noise=0.0)
    x1, _ = raw("moons", noise=0.3)
    upper, lower = x0[y0 == 0], x0[y0 == 1]
    assert np.allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0, atol=1e-5)
    assert np.allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0, atol=1e-5)
    assert not np.allclose(x0, x1)


def test_unknown_dataset_id_names_the_field():
    with pytest.raises(ValidationError) as err:
        parse_data_spec({"type": "nope"})
    assert err.value.where == "data.type" and "spiral" in str(err.value)


@pytest.mark.parametrize("bad", [80, "abc", -5])
def test_bad_param_names_the_field_path(bad):
    with pytest.raises(ValidationError) as err:
        parse_data_spec({"type": "spiral", "params": {"noise": bad}})
    assert "data.params.noise" in str(err.value)


def test_unknown_param_is_refused():
    with pytest.raises(ValidationError, match="data.params"):
        parse_data_spec({"type": "spiral", "params": {"noize": 5}})


def test_split_and_standardisation_fitted_on_train_only():
    spec = {"type": "gauss", "seed": 7, "split": {"val": 0.1, "test": 0.3}, "params": {}}
    raw_ds = load_dataset(parse_data_spec(spec))
    std_ds = load_dataset(parse_data_spec({**spec, "standardize": "standard"}))
    assert (len(raw_ds.train), len(raw_ds.val), len(raw_ds.test)) == (300, 50, 150)
    assert np.allclose(std_ds.train.x.mean(axis=0), 0, atol=1e-5)
    assert np.allclose(std_ds.train.x.std(axis=0), 1, atol=1e-4)
    assert np.allclose(std_ds.scaler["mean"], raw_ds.train.x.mean(axis=0), atol=1e-5)
    # the test part uses the train statistics, so it is not exactly standard
    expected = (raw_ds.test.x - raw_ds.train.x.mean(axis=0)) / raw_ds.train.x.std(axis=0)
    assert np.allclose(std_ds.test.x, expected, atol=1e-4)
    assert np.array_equal(std_ds.test.y, raw_ds.test.y)


def test_global_standardisation_is_one_mean_and_one_std_for_every_feature():
    """As the books standardise MNIST: the pixels keep their relative brightness."""
    spec = {"type": "gauss", "seed": 7, "split": {"test": 0.3}, "params": {}}
    raw = load_dataset(parse_data_spec(spec))
    ds = load_dataset(parse_data_spec({**spec, "standardize": "global"}))
    mean, std = raw.train.x.mean(dtype=np.float64), raw.train.x.std(dtype=np.float64)
    assert np.allclose(ds.train.x, (raw.train.x - mean) / std, atol=1e-5)
    assert np.allclose(ds.test.x, (raw.test.x - mean) / std, atol=1e-5)
    assert abs(ds.train.x.mean()) < 1e-5 and abs(ds.train.x.std() - 1) < 1e-4
    assert not np.allclose(ds.train.x.std(axis=0), 1, atol=1e-3)  # not per feature


@pytest.mark.parametrize("type_", [e.id for e in DATASETS if e.category != "Files"])
def test_every_builtin_dataset_matches_its_info(type_):
    ds = load_dataset(parse_data_spec({"type": type_}))
    info, x, y = ds.info, ds.train.x, ds.train.y
    assert x.dtype == np.float32 and np.isfinite(x).all()
    assert DATASETS.get(type_).doc and info.target in ("class", "regression", "none")
    if info.kind == "points2d":
        assert x.shape[1:] == (2,) and info.domain is not None
    if info.kind == "image":
        assert x.ndim == 4 and x.min() >= 0 and x.max() <= 1
    if info.target == "class":
        assert y.dtype == np.int64 and y.min() >= 0
        assert ds.n_classes == len(info.class_names) > int(y.max())
    elif info.target == "regression":
        assert y.dtype == np.float32 and y.ndim == 2
    else:
        assert y is None
    if info.feature_names:
        assert len(info.feature_names) == x.shape[1]
