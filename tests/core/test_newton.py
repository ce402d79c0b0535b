"""The ``newton`` task (ldl Appendix E): Newton-Raphson on f and f', gradient descent, by hand."""

from __future__ import annotations

import numpy as np
import pytest

from playground.errors import PlaygroundError
from playground.probes import applicable_probes
from playground.probes.base import PROBES
from playground.project.presets import load_preset
from playground.project.schema import project_from_dict
from playground.run.orchestrator import run_session
from playground.run.session import build_session
from playground.tasks.newton import derivative, evaluate_poly
from tests.core.test_probes import probe

SGD = {"type": "sgd", "params": {"lr": 0.01}}


def newton_session(epochs: int = 5, **params):
    raw = {"format_version": 1, "graphs": {},
           "task": {"type": "newton", "params": {"coefficients": [-1.0, 0.0, 0.0, 1.0],
                                                  "start": 1.75, "lr": 0.05, **params}},
           "training": {"optimizer": SGD, "epochs": epochs, "device": "cpu"}}
    return build_session(project_from_dict(raw))


def test_polynomials_and_their_derivatives():
    c = np.array([1.0, -1.0, 0.0, 0.0, 0.25])  # x^4/4 - x + 1
    assert derivative(c).tolist() == [-1.0, 0.0, 0.0, 1.0]
    assert derivative(derivative(c)).tolist() == [0.0, 0.0, 3.0]
    assert evaluate_poly(c, 2.0) == pytest.approx(16 / 4 - 2 + 1)
    assert derivative(np.array([5.0])).tolist() == [0.0]


def test_each_walker_takes_its_textbook_step():
    session = newton_session(epochs=3)
    run_session(session)
    arrays = session.task.arrays()
    x = 1.75  # f = x^3 - 1: f' = 3x^2, f'' = 6x
    root, minimum, gd = [x], [x], [x]
    for _ in range(3):
        root.append(root[-1] - (root[-1] ** 3 - 1) / (3 * root[-1] ** 2))
        minimum.append(minimum[-1] - (3 * minimum[-1] ** 2) / (6 * minimum[-1]))
        gd.append(gd[-1] - 0.05 * 3 * gd[-1] ** 2)
    assert np.allclose(arrays["root_x"], root)
    assert np.allclose(arrays["minimum_x"], minimum)
    assert np.allclose(arrays["gd_x"], gd)
    assert arrays["root_x"][1:3] == pytest.approx([1.2755, 1.0552], abs=1e-4)  # the book's


def test_a_zero_slope_stops_the_walker_as_diverged():
    # f = x^2 + 1 from 0: f' = 0, Newton's root step divides by zero.
    session = newton_session(epochs=4, coefficients=[1.0, 0.0, 1.0], start=0.0)
    result = run_session(session)
    assert result.state == "finished"
    assert result.metrics["root_diverged"] == 1.0 and result.metrics["root_x"] == 0.0
    assert result.metrics["minimum_diverged"] == 0.0


def test_bad_params_are_named():
    with pytest.raises(PlaygroundError, match="constant"):
        newton_session(coefficients=[2.0])
    with pytest.raises(PlaygroundError, match="lo < hi"):
        newton_session(domain=[1.0, 0.0])


def test_state_round_trip():
    session = newton_session(epochs=2)
    run_session(session)
    state = session.task.state_dict()
    other = newton_session()
    other.task.load_state_dict(state)
    assert other.task.arrays()["minimum_x"].tolist() == session.task.arrays()["minimum_x"].tolist()


def test_probe_samples_f_and_its_slope_on_the_domain():
    session = newton_session(epochs=2, domain=[-1.0, 2.0])
    assert applicable_probes(session, PROBES.ids()) == ["newton"]
    run_session(session)
    p = probe(session, "newton")
    xs = p["curves"]["x"]
    assert xs[0] == -1.0 and xs[-1] == 2.0
    assert np.allclose(p["curves"]["f"], xs ** 3 - 1)
    assert np.allclose(p["curves"]["df"], 3 * xs ** 2)
    assert p["walkers"]["minimum"]["x"].tolist() == session.task.arrays()["minimum_x"].tolist()


def test_preset_reproduces_the_appendix():
    result = run_session(build_session(load_preset("ldl-e-newton")))
    assert all(c.passed for c in result.checks), [c.line() for c in result.checks]
