"""Evaluation, optimizer-path and loss-landscape probes against direct computations."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support, roc_auc_score
from sklearn.metrics import roc_curve as sk_roc_curve

from playground.data.base import DATASETS, Arrays, DatasetInfo, DatasetType, register_dataset
from playground.probes.evaluation import auc, roc_curve
from playground.probes.landscape import (
    LandscapeJob,
    WeightRecorder,
    capture,
    filter_normalised_direction,
)
from tests.core.test_probes import probe
from tests.core.test_probes_projects import (
    chain,
    dense,
    digits_cnn_session,
    iris_session,
    line_session,
    project,
    session_of,
    spiral_session,
    surface_session,
    trained,
)


@pytest.fixture(scope="module")
def spiral():
    return trained(spiral_session(), 3)


def test_binary_evaluation_matches_sklearn(spiral):
    p = probe(spiral, "evaluation")
    c = p["classification"]
    part = spiral.dataset.test
    assert p["split"] == "test" and p["count"] == len(part)
    with torch.no_grad():
        prob = spiral.task.model(torch.as_tensor(part.x)).numpy()[:, 0]
    np.testing.assert_allclose(c["scores"], prob, rtol=1e-6)
    np.testing.assert_array_equal(c["confusion"], confusion_matrix(part.y, prob > 0.5))
    assert c["auc"] == pytest.approx(roc_auc_score(part.y, prob))
    assert c["threshold"] == pytest.approx(0.5)
    assert c["fpr"][0] == 0 and c["tpr"][-1] == 1


def test_roc_curve_and_auc_equal_sklearn_with_ties():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300)
    scores = np.round(rng.random(300) * 0.5 + 0.3 * y, 1)  # few distinct values: many ties
    fpr, tpr, thresholds = roc_curve(y, scores)
    s_fpr, s_tpr, s_thr = sk_roc_curve(y, scores, drop_intermediate=False)
    np.testing.assert_allclose(fpr, s_fpr)
    np.testing.assert_allclose(tpr, s_tpr)
    np.testing.assert_allclose(thresholds[1:], s_thr[1:])
    assert auc(fpr, tpr) == pytest.approx(roc_auc_score(y, scores))


def test_multiclass_scores_match_sklearn():
    session = trained(iris_session(), 3)
    c = probe(session, "evaluation")["classification"]
    part = session.dataset.val
    with torch.no_grad():
        pred = session.task.model(torch.as_tensor(part.x)).numpy().argmax(1)
    np.testing.assert_array_equal(c["confusion"], confusion_matrix(part.y, pred, labels=[0, 1, 2]))
    p, r, f, s = precision_recall_fscore_support(part.y, pred, labels=[0, 1, 2], zero_division=0)
    for ours, theirs in ((c["precision"], p), (c["recall"], r), (c["f1"], f), (c["support"], s)):
        np.testing.assert_allclose(ours, theirs)
    assert "auc" not in c and c["accuracy"] == pytest.approx(np.mean(pred == part.y))


def test_regression_fit_curve_is_the_model_over_the_input_range():
    session = trained(line_session(), 2)
    p = probe(session, "evaluation")
    fit = p["fit"]
    ds = session.dataset
    with torch.no_grad():
        ys = session.task.model(torch.as_tensor(ds.transform(fit["x"][:, None]))).numpy()[:, 0]
    np.testing.assert_allclose(fit["y"], ys, rtol=1e-6)
    raw = ds.train.x[:, 0] * ds.scaler["scale"][0] + ds.scaler["mean"][0]
    assert fit["x"][0] < raw.min() and fit["x"][-1] > raw.max()
    reg = p["regression"]
    assert reg["mse"] == pytest.approx(np.mean((reg["predicted"] - reg["actual"]) ** 2))
    assert p["forecast"] is None


def _series(params, rng):
    t = np.arange(120, dtype=np.float32)
    s = np.sin(t / 5.0) + 0.02 * t
    windows = np.stack([s[i:i + 6] for i in range(len(s) - 6)])  # (114, 6)
    return Arrays(windows, s[6:][:, None], {"train": np.arange(90), "val": np.arange(0),
                                            "test": np.arange(90, 114)})


@pytest.fixture()
def series_dataset():
    register_dataset(DatasetType("probe_test_series", "test series", "Series", (), _series,
                                 DatasetInfo("series", "regression")))
    yield "probe_test_series"
    DATASETS._entries.pop("probe_test_series")


def test_forecast_against_the_naive_last_value_baseline(series_dataset):
    session = session_of(project(chain(dense(8, "tanh"), dense(1, "identity")),
                                 {"type": series_dataset, "params": {}},
                                 {"type": "regression", "params": {"loss": "mse"}}))
    f = probe(session, "evaluation")["forecast"]
    ds = session.dataset
    actual = np.concatenate([ds.train.y[:, 0], ds.test.y[:, 0]])
    np.testing.assert_allclose(f["actual"], actual)
    np.testing.assert_allclose(f["naive"], np.concatenate([ds.train.x[:, -1], ds.test.x[:, -1]]))
    assert f["splits"] == [("train", 0, 90), ("test", 90, 114)]
    naive_mse = np.mean((ds.test.x[:, -1] - ds.test.y[:, 0]) ** 2)
    assert f["mse"]["test"]["naive"] == pytest.approx(naive_mse, rel=1e-5)


def test_paths_are_the_surface_tasks_trajectories_and_grid():
    session = trained(surface_session(20))
    p = probe(session, "paths", resolution=50)
    expected = session.task.trajectories()
    assert list(p["trajectories"]) == list(expected)
    for name, r in expected.items():
        np.testing.assert_array_equal(p["trajectories"][name]["points"], r["points"])
        assert len(r["points"]) == 21
    xs, ys, z = p["grid"]
    ex, ey, ez = session.task.surface_grid(50)
    np.testing.assert_array_equal(z, ez)
    assert p["minima"][0][:2] == pytest.approx((2.45074, 0.36311), abs=1e-4)


# -- landscape ---------------------------------------------------------------------------------

def test_landscape_centre_is_the_training_loss_and_the_live_model_is_untouched(spiral):
    before = [p.detach().clone() for p in spiral.task.model.parameters()]
    p = probe(spiral, "landscape", capture=1)
    inputs = p["capture"]
    assert inputs is not None and p["recorded"] >= 1
    seen = []
    out = LandscapeJob(inputs, resolution=5, directions="random").run(
        progress=lambda done, total: seen.append((done, total)))
    train_loss = spiral.task.evaluate()["train_loss"]
    assert out["loss"][2, 2] == pytest.approx(train_loss, rel=1e-5)
    assert out["center_loss"] == pytest.approx(train_loss, rel=1e-5)
    assert out["loss"].shape == (5, 5) and seen[-1] == (5, 5) and len(seen) == 5
    for a, b in zip(before, spiral.task.model.parameters()):
        assert torch.equal(a, b)
    # without a new request the capture is kept; a new request captures again
    runner = spiral.trainer.probes["landscape"]
    assert spiral.trainer.make_snapshot().probes["landscape"]["capture"] is inputs
    runner.configure(capture=2)
    assert spiral.trainer.make_snapshot().probes["landscape"]["capture"].id > inputs.id


def test_filter_normalised_directions_and_cancel():
    session = spiral_session()
    params = [p.detach() for p in session.task.model.parameters()]
    direction = filter_normalised_direction(params, torch.Generator().manual_seed(0))
    for p, d in zip(params, direction):
        if p.dim() == 1:
            assert torch.count_nonzero(d) == 0  # biases are left out
        else:
            torch.testing.assert_close(d.norm(dim=1), p.norm(dim=1))
    vector = torch.cat([p.reshape(-1) for p in params]).numpy()
    recorder = WeightRecorder(len(vector))
    recorder.add(0, vector)
    inputs = capture(session.task, recorder, 0)
    assert LandscapeJob(inputs, 7).run(cancelled=lambda: True) is None


def test_pca_directions_contain_the_recorded_path():
    session = spiral_session()
    probe(session, "landscape")  # attach and record the start
    for _ in range(4):
        session.trainer.step_epoch()  # each publishes a snapshot: a new record
    session.trainer.probes["landscape"].configure(capture=1)
    inputs = session.trainer.make_snapshot().probes["landscape"]["capture"]
    assert len(inputs.trajectory) == 5
    job = LandscapeJob(inputs, 3, directions="pca")
    assert job.directions == "pca" and job.explained.sum() <= 1 + 1e-9
    # the last record is (close to) the current weights: the path ends at the origin
    assert np.abs(job.path[-1]).max() < 1e-4


def test_weight_recorder_memory_is_bounded():
    recorder = WeightRecorder(1000)
    for step in range(1000):
        recorder.add(step, np.full(1000, step, np.float32))
    trajectory, steps = recorder.arrays()
    assert len(steps) < recorder.capacity and steps[0] == 0 and steps[-1] > 900
    assert trajectory[:, 0].tolist() == steps.tolist()


def test_cnn_evaluation_and_landscape_probe_apply():
    session = digits_cnn_session()
    p = probe(session, "evaluation")
    assert p["classification"]["confusion"].shape == (10, 10)
    assert p["classification"]["confusion"].sum() == len(session.dataset.val)
