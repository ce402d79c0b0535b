"""Gradient-through-time view: one log-scale line per run, earlier runs kept."""

from __future__ import annotations

import numpy as np

from tests.core.test_gradtime import memory_session
from tests.core.test_probes_projects import spiral_session
from tests.ui.test_views import assert_not_blank, shown
from ui.views import VIEWS
from ui.views.gradtime import ratio_text


def test_line_per_step_and_the_previous_run_kept(qtbot):
    view = shown(qtbot, "gradtime", memory_session(), epochs=1)
    p = view._last
    x, _ = view.line.getData()
    assert np.array_equal(x, p["steps"])
    assert "Gradient at the first step / at the last step" in view.info.text()
    second = memory_session("lstm")
    view.set_session(second)
    assert len(view.earlier) == 1
    second.trainer.run(1)
    view.show_snapshot(second.trainer.make_snapshot())
    view.flush()
    assert_not_blank(view, 10)


def test_an_untrained_models_line_is_not_kept(qtbot):
    # The session a project opens with waits at step 0: its line is not a run to compare.
    view = shown(qtbot, "gradtime", memory_session())
    assert len(view.line.getData()[0]) > 0
    view.set_session(memory_session("lstm"))
    x, _ = view.line.getData()
    assert view.earlier == [] and (x is None or len(x) == 0)


def test_ratio_text():
    assert ratio_text(np.array([1e-4, 0.1, 1.0])) == \
        "Gradient at the first step / at the last step: 0.0001 (3 steps)"


def test_says_when_it_does_not_apply(qtbot):
    view = VIEWS["gradtime"]()
    qtbot.addWidget(view)
    view.set_session(spiral_session())
    assert "sequences" in view.message
