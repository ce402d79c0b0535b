"""Sweep view: one line per series in log axes, reference lines, the last values quoted."""

from __future__ import annotations

import numpy as np

from tests.core.test_learning_curve import curve_session
from tests.core.test_probes_projects import spiral_session
from tests.ui.test_views import assert_not_blank, shown
from ui.views import VIEWS


def test_lines_and_the_bayes_error(qtbot):
    view = shown(qtbot, "sweep", curve_session(), epochs=1)
    p = view._last
    x, _ = view.lines["test error"].getData()
    assert len(x) == 3 and set(view.lines) == {"test error", "training error"}
    assert view.references["Bayes error"].value() == np.log10(p["references"]["Bayes error"])
    assert "test error" in view.info.text() and "Bayes error 0.00234" in view.info.text()
    assert_not_blank(view, 10)


def test_says_when_it_does_not_apply(qtbot):
    view = VIEWS["sweep"]()
    qtbot.addWidget(view)
    view.set_session(spiral_session())
    assert "sweeps" in view.message
