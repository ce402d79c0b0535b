"""Sliding windows, chronological splits, the series and text datasets, the forecast task."""

import numpy as np
import pytest

from playground.data import load_dataset, parse_data_spec
from playground.data.sequences import (
    chronological_split,
    read_airline,
    sliding_windows,
    split_points,
)
from playground.data.text import GENERATED_VOCAB
from playground.errors import DataError
from playground.tasks import TASKS, TaskContext
from playground.tasks.sequence import naive_forecast
from playground.training.config import parse_training
from tests.helpers import make_project


def load(kind: str, seed: int = 0, **params):
    return load_dataset(parse_data_spec({"type": kind, "params": params, "seed": seed}))


def test_sliding_windows_are_views_with_the_right_values():
    series = np.arange(10, dtype=np.float32)
    x, y, starts = sliding_windows(series, 3, horizon=2, step=2)
    assert x.shape == (3, 3, 1) and y.shape == (3, 2)
    assert starts.tolist() == [0, 2, 4]
    assert x[1, :, 0].tolist() == [2, 3, 4] and y[1].tolist() == [5, 6]
    assert np.shares_memory(x, series) and np.shares_memory(y, series)  # no copy
    with pytest.raises(ValueError, match="does not fit"):
        sliding_windows(series, 9, horizon=2)


def test_chronological_split_keeps_time_order_and_drops_straddlers():
    n, length, horizon = 20, 4, 2
    _, _, starts = sliding_windows(np.zeros(n), length, horizon)
    cuts = split_points(n, val_points=3, test_points=5)
    assert cuts == (12, 15)
    parts = chronological_split(starts, length, horizon, cuts, n)
    first = {k: starts[v] + length for k, v in parts.items()}
    last = {k: f + horizon - 1 for k, f in first.items()}
    assert last["train"].max() < 12 <= first["val"].min()
    assert last["val"].max() < 15 <= first["test"].min()
    for idx in parts.values():
        assert np.all(np.diff(idx) == 1)  # consecutive: nothing shuffled
    # Windows whose two targets straddle a cut belong to no split.
    used = set(np.concatenate(list(parts.values())).tolist())
    assert len(used) < len(starts)
    within = chronological_split(starts, length, horizon, cuts, n, context="within")
    assert np.all(starts[within["test"]] >= 15)


def test_airline_values_and_the_books_split():
    values, months = read_airline()
    assert len(values) == 144 and values.sum() == 40363
    assert (values[0], values[-1], values.max()) == (112, 432, 622)
    assert (months[0], months[-1]) == ("1949-01", "1960-12")
    ds = load("airline", window=12, test_points=18)
    assert ds.info.kind == "series" and ds.info.target == "regression"
    assert len(ds.test) == 18 and len(ds.train) == 126 - 12 and len(ds.val) == 0
    meta = ds.meta
    np.testing.assert_array_equal(meta["series"], values.astype(np.float32))
    # MinMax fitted on the 126 training months only: the test peaks go above 1.
    assert meta["scaler"] == {"kind": "minmax", "offset": 104.0, "scale": 401.0}
    assert ds.train.x.min() == 0.0 and ds.train.x.max() == 1.0
    assert ds.test.y.max() > 1.2
    assert meta["target_index"]["test"].tolist() == list(range(126, 144))
    # Targets in real units: scaled * scale + offset.
    real = ds.test.y[:, 0] * meta["scaler"]["scale"] + meta["scaler"]["offset"]
    np.testing.assert_allclose(real, values[126:], rtol=1e-6)


def test_harmonic_is_the_books_formula():
    ds = load("harmonic", sigma=0.0, scale="none", window=10, test_points=50)
    t = np.arange(200)
    clean = np.cos(np.pi * t / 6) + 0.5 * np.cos(np.pi * t / 3) + 0.5 * np.cos(2 * np.pi * t / 3)
    np.testing.assert_allclose(ds.meta["series"], clean, atol=1e-6)
    assert len(ds.train) == 150 - 10 and len(ds.test) == 50
    noisy = load("harmonic", seed=1)
    assert 0.05 < np.std(noisy.meta["series"] - clean) < 0.15  # sigma 0.1
    assert noisy.train.x.min() == 0.0 and noisy.train.x.max() == 1.0  # scaled on train


def test_sales_is_seeded_monthly_and_standardised_on_train():
    a, b, c = load("sales", seed=3), load("sales", seed=3), load("sales", seed=4)
    np.testing.assert_array_equal(a.meta["series"], b.meta["series"])
    assert not np.array_equal(a.meta["series"], c.meta["series"])
    assert len(a.meta["series"]) == 339 and a.meta["time"][0] == "1992-01"
    scaled_train = a.meta["scaled"][:271]
    assert abs(scaled_train.mean()) < 1e-5 and abs(scaled_train.std() - 1) < 1e-5
    assert len(a.test) == 68 and a.info.substitute


def test_bookstore_is_the_books_339_months_split_as_the_book_splits():
    ds = load("bookstore", window=12, context="within")
    sales = ds.meta["series"].astype(np.float64)
    assert len(sales) == 339 and (ds.meta["time"][0], ds.meta["time"][-1]) == ("1992-01",
                                                                             "2020-03")
    assert sales[-2:].tolist() == [575, 393]  # the March 2020 drop (L5074)
    # The book's Code 9-1/9-4/9-7 written out: 80% split, train-only standardising, naive
    # "next month = this month" over test_sales_std[MIN:] (MIN = 12).
    split = int(len(sales) * 0.8)
    train, test = sales[:split], sales[split:]
    test_std = (test - train.mean()) / train.std()
    naive_mse = np.mean((test_std[11:-1] - test_std[12:]) ** 2)
    assert split == 271 and len(ds.test) == 56  # 'validate on 56 samples' (L5189)
    np.testing.assert_allclose(ds.test.y[:, 0], test_std[12:], atol=1e-5)
    naive = naive_forecast(ds.test.x, 1)
    assert np.mean((naive - ds.test.y) ** 2) == pytest.approx(naive_mse, rel=1e-5)
    assert naive_mse == pytest.approx(0.636, abs=1e-3)  # the book prints 0.0937: see the asset


def test_horizon_and_step():
    ds = load("sales", window=24, horizon=3, step=2, test_points=68)
    assert ds.input_shape == (24, 1) and ds.target_shape == (3,)
    index = ds.meta["target_index"]["train"]
    assert np.all(np.diff(index) == 2) and index.max() + 2 < 271


def test_window_too_long_is_a_data_error_naming_the_field():
    with pytest.raises(DataError, match="data.params.window"):
        load("airline", window=130, test_points=18)
    with pytest.raises(DataError, match="no test window"):
        load("airline", window=20, test_points=18, context="within")


def test_generated_text_windows_decode_to_the_next_character():
    ds = load("text_chars", window=16, step=5, corpus_chars=3000, test_fraction=0.2)
    assert ds.info.kind == "text" and ds.info.target == "class"
    vocab = ds.meta["vocab"]
    assert vocab == GENERATED_VOCAB and len(ds.info.class_names) == len(vocab)
    assert "␣" in ds.info.class_names
    x, y = ds.train.x, ds.train.y
    assert x.shape[1:] == (16,) and x.dtype == np.float32 and y.dtype == np.int64
    assert np.all(x == np.round(x)) and x.max() < len(vocab)
    words = "".join(vocab[int(i)] for i in x[3]) + vocab[y[3]]
    assert " " in words and len(words) == 17
    # Chronological: every test target comes after every training target.
    assert ds.meta["target_index"]["train"].max() < ds.meta["target_index"]["test"].min()


def test_text_from_a_file(tmp_path):
    path = tmp_path / "poem.txt"
    path.write_text("Abc abc abc. " * 40, encoding="utf-8")
    ds = load("text_chars", source="file", path=str(path), window=8, step=1, lowercase=True)
    assert ds.meta["vocab"] == (" ", ".", "a", "b", "c")
    assert ds.info.class_names == ("␣", ".", "a", "b", "c")
    assert len(ds.train) + len(ds.test) == len("Abc abc abc. " * 40) - 8


def test_text_file_errors_name_the_file(tmp_path):
    missing = tmp_path / "nope.txt"
    with pytest.raises(DataError, match="nope.txt: text file not found"):
        load("text_chars", source="file", path=str(missing))
    with pytest.raises(DataError, match="data.params.path"):
        load("text_chars", source="file", path="")
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(DataError, match="bin.txt: the text is UTF-16"):
        load("text_chars", source="file", path=str(binary))


def forecast_task(data: dict, graph_layers: int = 8):
    project = make_project(
        graphs={"model": {"nodes": [
            {"id": "x", "type": "input"},
            {"id": "r", "type": "gru", "params": {"hidden_size": graph_layers}},
            {"id": "d", "type": "dense", "params": {"units": 1}},
            {"id": "y", "type": "output"}],
            "edges": [{"src": "x", "dst": "r"}, {"src": "r", "dst": "d"},
                      {"src": "d", "dst": "y"}]}},
        data=data, task={"type": "forecast", "params": {"loss": "mse"}})
    dataset = load_dataset(project.data)
    ctx = TaskContext(project.graphs, dataset, parse_training({"epochs": 1, "device": "cpu"}),
                      project.task_params)
    return TASKS.get("forecast").create(ctx), dataset


def test_forecast_task_reports_the_naive_baseline_and_real_units():
    task, ds = forecast_task({"type": "airline", "params": {"window": 12}})
    metrics = task.evaluate()
    naive = ds.test.x[:, -1, 0] - ds.test.y[:, 0]
    assert metrics["test_naive_mse"] == pytest.approx(float(np.mean(naive ** 2)))
    assert metrics["test_naive_mae"] == pytest.approx(float(np.mean(np.abs(naive))))
    assert metrics["test_rmse_units"] == pytest.approx(np.sqrt(metrics["test_mse"]) * 401.0)
    # The naive forecast in passengers: last month's count.
    values, _ = read_airline()
    real = np.sqrt(np.mean((values[125:143] - values[126:144]) ** 2))
    assert metrics["test_naive_rmse_units"] == pytest.approx(real, rel=1e-5)


def test_naive_baseline_undoes_input_standardisation():
    x = np.array([[[1.0], [3.0]]], dtype=np.float32)
    scaler = {"mean": np.array([[0.0], [10.0]]), "scale": np.array([[1.0], [2.0]])}
    assert naive_forecast(x, 2, scaler).tolist() == [[16.0, 16.0]]
    task, ds = forecast_task({"type": "sales", "params": {"window": 12},
                              "standardize": "standard"})
    plain, _ = forecast_task({"type": "sales", "params": {"window": 12}})
    assert task.evaluate()["test_naive_mse"] == pytest.approx(
        plain.evaluate()["test_naive_mse"], rel=1e-4)


def test_forecast_task_refuses_non_series_data():
    from playground.errors import TrainingError
    with pytest.raises(TrainingError, match="windows of a series"):
        forecast_task({"type": "linreg_line"})


def test_long_series_memory_is_one_window_array():
    """400k steps x 64-step windows: the split copies the strided windows once (~100 MB)."""
    import tracemalloc

    n, window = 400_000, 64
    window_bytes = (n - window) * window * 4
    tracemalloc.start()
    ds = load("harmonic", n_points=n, window=window, test_points=n // 10)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(ds.train) + len(ds.test) == n - window
    # Windows + targets + a few (n,) float64 series; a second window copy would be 2x.
    assert peak < 1.3 * window_bytes, (peak / 1e6, window_bytes / 1e6)
