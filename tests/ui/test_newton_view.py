"""Newton view: tangents down to zero for Newton, steps for gradient descent, iterates quoted."""

from __future__ import annotations

import numpy as np

from tests.core.test_newton import newton_session
from tests.core.test_probes_projects import spiral_session
from tests.ui.test_views import assert_not_blank, shown
from ui.views import VIEWS
from ui.views.newton import iterates_text, tangent_segments


def test_tangent_segments_end_on_the_axis_at_the_next_guess():
    x, y = np.array([2.0, 1.5, 1.2]), np.array([7.0, 2.4, 0.7])
    tx, ty, rx, ry = tangent_segments(x, y)
    assert tx.tolist() == [2.0, 1.5, 1.5, 1.2] and ty.tolist() == [7.0, 0.0, 2.4, 0.0]
    assert rx.tolist() == [1.5, 1.5, 1.2, 1.2] and ry.tolist() == [0.0, 2.4, 0.0, 0.7]
    assert len(tangent_segments(x[:1], y[:1])[0]) == 0


def test_iterates_are_quoted_like_the_book():
    text = iterates_text("Newton", np.array([1.75, 1.27551, 1.05523]), False)
    assert text == "Newton: 1.75 → 1.276 → 1.055"
    assert "diverged after 2 steps" in iterates_text("x", np.array([1.0, 2.0, 3.0]), True)


def test_view_draws_both_plots(qtbot):
    session = newton_session(epochs=4, coefficients=[1.0, -1.0, 0.0, 0.0, 0.25],
                             domain=[-0.5, 2.25])
    view = shown(qtbot, "newton", session, epochs=4, size=(600, 520))
    p = view._last
    assert np.allclose(view.f_curve.getData()[1], p["curves"]["f"])
    assert len(view.min_points.data) == 5  # x0 and four steps
    tx, _ = view.min_tangents.getData()
    assert tx[1] == p["walkers"]["minimum"]["x"][1]
    assert "1.75 → 1.276 → 1.055" in view.info.text()
    assert_not_blank(view, 10)


def test_says_when_it_does_not_apply(qtbot):
    view = VIEWS["newton"]()
    qtbot.addWidget(view)
    view.set_session(spiral_session())
    assert "Newton" in view.message
