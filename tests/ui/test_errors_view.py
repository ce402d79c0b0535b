"""Error-histogram view: one histogram per class and a threshold that can be dragged."""

from __future__ import annotations

import numpy as np

from tests.core.test_outliers import outlier_session
from tests.core.test_probes_projects import spiral_session
from tests.ui.test_views import assert_not_blank, shown
from ui.views import VIEWS
from ui.views.errors import flagged_text


def test_flagged_text_counts_each_group():
    groups = {"digit": np.array([0.1, 0.2, 0.3, 0.4]), "not a digit": np.array([0.5, 0.6])}
    assert flagged_text(groups, 0.25) == \
        "Threshold 0.25 flags 50% of 'digit' (4), 100% of 'not a digit' (2)."


def test_histograms_threshold_and_dragging(qtbot):
    view = shown(qtbot, "errors", outlier_session(epochs=2), epochs=2, size=(560, 420))
    p = view._last
    assert set(view.curves) == {"digit", "not a digit"}
    x, y = view.curves["not a digit"].getData()
    assert np.allclose(x, p["edges"]) and y.sum() == len(p["groups"]["not a digit"])
    assert view.threshold_line.value() == p["threshold"]
    assert view.info.text().startswith(f"Threshold {p['threshold']:.3g} flags")
    view.threshold_line.setValue(0.0)  # as a drag would: everything is flagged
    assert "100% of 'digit'" in view.info.text() and view._user_threshold
    view.show_snapshot(view.session.trainer.make_snapshot())
    view.flush()
    assert view.threshold_line.value() == 0.0  # a new snapshot keeps the user's threshold
    assert_not_blank(view, 10)


def test_says_when_it_does_not_apply(qtbot):
    view = VIEWS["errors"]()
    qtbot.addWidget(view)
    view.set_session(spiral_session())
    assert "autoencoder" in view.message
