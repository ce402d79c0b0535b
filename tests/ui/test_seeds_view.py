"""Train > Run seeds in the main window: each seed trains off the UI thread, then the Seeds
view shows the curves' spread, the check's histogram and the best/median/worst boundaries."""

from __future__ import annotations

import numpy as np

from playground.project.presets import load_preset
from playground.project.schema import project_from_dict
from tests.ui.main_helpers import TRAIN_TIMEOUT, close_window, make_window
from ui.views.seeds import curve_band, ranked_seeds

SEEDS = 4


def small_circle():
    """tfp-circle trained briefly, checked on its test accuracy."""
    raw = load_preset("tfp-circle").to_dict()
    raw["training"]["epochs"] = 15
    raw["training"]["device"] = "cpu"
    return project_from_dict(raw)


def test_run_seeds_trains_each_seed_and_shows_their_spread(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, project=small_circle())
    try:
        window.dialogs.seeds_answer = SEEDS
        started = []
        window.run.worker.run_started.connect(lambda i, n, name, label: started.append(name))
        with qtbot.waitSignal(window.run.worker.seeds_finished,
                              timeout=SEEDS * TRAIN_TIMEOUT * 1000) as blocker:
            window.actions["run_seeds"].trigger()
        assert window.dialogs.asked[-1] == "seeds"
        result = blocker.args[0]
        seed = window.project.training.seed
        assert started == [f"seed {seed + i}" for i in range(SEEDS)]
        assert [r.seed for r in result.runs] == [seed + i for i in range(SEEDS)]
        assert len(result.histories) == SEEDS and all("loss" in h for h in result.histories)
        # Four seeds, four different runs; none of them crowds the run store.
        finals = [r.metrics["train_loss"] for r in result.results]
        assert len(set(finals)) == SEEDS
        assert window.views.runs.runs() == []
        view = window.views.views["seeds"]
        assert view.isVisible() and view.series.currentText() == "loss"
        check = result.checks[0]
        held = sum(check.passes)
        assert f"holds in {held} of {SEEDS} seeds" in view.summary.text()
        # Best, median and worst seed by the check, each with its own boundary.
        assert view.boundaries.isVisible()
        labels = [label.text() for label in view.boundary_labels]
        assert labels[0].startswith("best: seed") and labels[2].startswith("worst: seed")
        assert all(v.last_payload is not None for v in view.boundary_views)
        assert str(SEEDS) in window.statusBar().currentMessage()
    finally:
        close_window(qtbot, window)


def test_curve_band_and_ranking():
    histories = [{"loss": (np.array([1.0, 2.0, 3.0]), np.array([3.0, 2.0, 1.0]))},
                 {"loss": (np.array([1.0, 2.0]), np.array([5.0, 4.0]))},  # stopped early
                 {}]
    xs, low, median, high = curve_band(histories, "loss", grid_size=3)
    assert xs.tolist() == [1.0, 2.0, 3.0]
    assert median.tolist() == [4.0, 3.0, 1.0]  # the last point has one seed
    assert (low <= median).all() and (median <= high).all()
    assert curve_band(histories, "accuracy") is None
    assert ranked_seeds([0.5, None, 0.9, 0.7], higher_is_better=True) == [2, 3, 0]
    assert ranked_seeds([0.5, 0.9, 0.7], higher_is_better=False) == [0, 2, 1]
    assert ranked_seeds([None], True) is None
