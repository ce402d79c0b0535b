"""The ``learning_curve`` task (dlpi Ex 2.2.1): closed-form MMSE fits, errors, the sweep probe."""

from __future__ import annotations

import math

import numpy as np
import pytest

from playground.project.schema import project_from_dict
from playground.run.orchestrator import run_session
from playground.run.session import build_session
from playground.tasks.learning_curve import bayes_error, mmse_errors
from tests.core.test_probes import probe


def curve_session(sizes=(2, 5, 50), realizations=200):
    raw = {"format_version": 1, "graphs": {},
           "task": {"type": "learning_curve",
                    "params": {"sizes": list(sizes), "realizations": realizations,
                               "report": [2, 50]}},
           "training": {"optimizer": {"type": "sgd", "params": {"lr": 0.1}}, "epochs": 1,
                        "device": "cpu"}}
    return build_session(project_from_dict(raw))


def test_bayes_error_of_the_two_gaussians():
    # Phi(-sqrt(2) / 0.5) = erfc(2) / 2: each mean lies sqrt(2) from the line x2 = x1.
    assert bayes_error(0.5) == pytest.approx(0.5 * math.erfc(2.0), rel=1e-12)
    assert bayes_error(0.5) == pytest.approx(0.0023, abs=1e-4)


def test_mmse_fit_is_least_squares_per_realisation():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 20, 2))
    t = np.sign(x[..., 0] - x[..., 1] + 0.3 * rng.normal(size=(3, 20)))
    train, test = mmse_errors(x, t, x, t)
    for r in range(3):
        a = np.column_stack([x[r], np.ones(20)])
        w = np.linalg.lstsq(a, t[r], rcond=None)[0]
        assert train[r] == pytest.approx(np.mean(np.sign(a @ w) != t[r]))
    assert np.array_equal(train, test)
    two = mmse_errors(x[:, :2], t[:, :2], x, t)[0]
    assert (two == 0).all()  # two points are always fitted exactly


def test_steps_fill_the_curves_and_report_the_chosen_sizes():
    session = curve_session()
    result = run_session(session)
    m = result.metrics
    arrays = session.task.arrays()
    assert arrays["sizes"].tolist() == [2, 5, 50] and np.isfinite(arrays["test_error"]).all()
    assert m["test_error_N2"] > m["test_error_N50"] and m["train_error_N2"] == 0
    assert m["steps"] == 3 and "train_error_N5" not in m
    p = probe(session, "sweep")
    assert p["references"]["Bayes error"] == pytest.approx(bayes_error(0.5))
    assert np.array_equal(p["series"]["test error"], arrays["test_error"])
