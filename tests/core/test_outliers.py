"""Autoencoder outlier detection (ldl ch17): the data, the per-sample errors, the probe."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from playground.data import load_dataset, parse_data_spec
from playground.project.presets import presets_dir
from playground.project.schema import project_from_dict
from playground.run.orchestrator import run_session
from playground.run.session import build_session
from tests.core.test_probes import probe


def outlier_session(epochs: int = 3, **task):
    raw = json.loads((presets_dir() / "ldl-17-ae-outliers.json").read_text())
    raw["training"].update(epochs=epochs, device="cpu")
    raw["task"]["params"].update(task)
    return build_session(project_from_dict(raw))


def test_training_holds_digits_only_and_the_test_split_alternates():
    ds = load_dataset(parse_data_spec({"type": "digit_outliers", "params": {}}))
    assert len(ds.train) == round(0.7 * 1797) and set(ds.train.y.tolist()) == {0}
    assert ds.test.y[:6].tolist() == [0, 1, 0, 1, 0, 1]
    assert (ds.test.y == 1).sum() == (ds.test.y == 0).sum() == 1797 - len(ds.train)
    assert ds.train.x.min() >= 0 and ds.train.x.max() <= 1 and ds.train.x.shape[1:] == (1, 8, 8)
    for kind in ("noise", "inverted"):
        other = load_dataset(parse_data_spec({"type": "digit_outliers",
                                              "params": {"outliers": kind}}))
        assert other.test.x.shape == ds.test.x.shape


def test_sample_errors_are_each_samples_mean_absolute_error():
    session = outlier_session(epochs=1)
    run_session(session)
    task = session.task
    x = torch.as_tensor(session.dataset.test.x)
    with torch.no_grad():
        task.model.eval()
        expected = (task.model(x) - x).abs().flatten(1).mean(1).numpy()
    assert np.allclose(task.sample_errors("test"), expected, atol=1e-6)


def test_outlier_metrics_follow_the_percentile_of_training_errors():
    session = outlier_session(epochs=2, outlier_percentile=90.0)
    result = run_session(session)
    train = session.task.sample_errors("train")
    test = session.task.sample_errors("test")
    labels = session.dataset.test.y
    threshold = np.percentile(train, 90.0)
    m = result.metrics
    assert m["outlier_threshold"] == pytest.approx(threshold)
    assert m["train_flagged"] == pytest.approx(np.mean(train > threshold))
    assert m["test_flagged_class1"] == pytest.approx(np.mean(test[labels == 1] > threshold))
    assert m["test_error_class0"] == pytest.approx(test[labels == 0].mean())
    assert "outlier_threshold" not in run_session(outlier_session(
        epochs=1, outlier_percentile=None)).metrics


def test_probe_groups_errors_by_class():
    session = outlier_session(epochs=1)
    run_session(session)
    p = probe(session, "errors")
    assert set(p["groups"]) == {"digit", "not a digit"}
    labels = session.dataset.test.y
    assert np.allclose(p["groups"]["not a digit"], session.task.sample_errors("test")[labels == 1])
    assert p["threshold"] == pytest.approx(session.task.outlier_threshold())
    assert p["edges"][0] == 0 and p["edges"][-1] >= p["threshold"]
