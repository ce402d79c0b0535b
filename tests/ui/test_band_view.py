"""Uncertainty-band view: mean line, two bands, the data and the spread per split."""

from __future__ import annotations

import numpy as np

from playground.project.schema import project_from_dict
from playground.run.session import build_session
from tests.core.test_bayes import bayes_raw
from tests.core.test_probes_projects import spiral_session
from tests.ui.test_views import assert_not_blank, shown
from ui.views import VIEWS
from ui.views.band import spread_text


def test_draws_the_band_around_the_mean(qtbot):
    view = shown(qtbot, "band", build_session(project_from_dict(bayes_raw())), epochs=2,
                 size=(600, 440))
    p = view._last
    x, y = view.mean_line.getData()
    assert np.allclose(y, p["mean"])
    _, hi = view.edges["std_hi"].getData()
    assert np.allclose(hi, p["mean"] + 2 * p["std"])
    _, lo = view.edges["total_lo"].getData()
    assert np.allclose(lo, p["mean"] - 2 * p["total_std"])
    assert len(view.scatters["val"].data) == len(p["points"]["val"][0])
    assert "held-out points" in view.info.text()
    assert_not_blank(view, 10)


def test_spread_text():
    text = spread_text({"train": 0.0312, "val": 0.25}, 0.3)
    assert "training points\u00a00.0312 · held-out points\u00a00.25" in text
    assert text.endswith("σ\u00a0=\u00a00.3.")


def test_says_when_it_does_not_apply(qtbot):
    view = VIEWS["band"]()
    qtbot.addWidget(view)
    view.set_session(spiral_session())
    assert "Bayesian" in view.message
