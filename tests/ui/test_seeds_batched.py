"""Run seeds on a TF Playground net: every seed in one batched computation, then the Seeds
view draws each seed's curves and the best/median/worst seed's own decision boundary."""

from __future__ import annotations

import threading

import numpy as np

from playground.project.presets import load_preset
from playground.project.schema import project_from_dict
from playground.run.orchestrator import run_project
from tests.ui.main_helpers import TRAIN_TIMEOUT, close_window, make_window

SEEDS = 5


def short_spiral():
    """tfp-spiral, 30 epochs."""
    raw = load_preset("tfp-spiral").to_dict()
    raw["training"].update(epochs=30, device="cpu")
    return project_from_dict(raw)


def alone(project, seeds: list[int]) -> list:
    """Each seed run on its own, off the UI thread (where models may be touched)."""
    results: list = []
    thread = threading.Thread(target=lambda: results.extend(
        run_project(project, seed=seed) for seed in seeds))
    thread.start()
    thread.join()
    return results


def test_run_seeds_trains_a_dense_chain_as_one_batch_and_the_view_shows_it(qtbot, tmp_path):
    project = short_spiral()
    first = project.training.seed
    oracles = alone(project, [first, first + SEEDS - 1])
    window = make_window(qtbot, tmp_path, project=project)
    try:
        window.dialogs.seeds_answer = SEEDS
        with qtbot.waitSignal(window.run.worker.seeds_finished,
                              timeout=SEEDS * TRAIN_TIMEOUT * 1000) as blocker:
            window.actions["run_seeds"].trigger()
        result = blocker.args[0]
        assert result.engine == "batched" and result.engine_note == ""
        # Each seed is the run it makes on its own (the first and the last checked here).
        for i, oracle in zip((0, SEEDS - 1), oracles):
            assert oracle.state == "finished"
            mine = result.results[i].metrics
            assert mine["test_accuracy"] == oracle.metrics["test_accuracy"]
            assert np.isclose(mine["loss"], oracle.metrics["loss"], rtol=1e-5)
        view = window.views.views["seeds"]
        assert view.isVisible()
        assert view.engine.text().startswith(f"{SEEDS} seeds trained as one batch")
        assert "as one batch" in window.statusBar().currentMessage()
        # The curves: a thin line per seed, all 30 epochs long, plus the median.
        lines = [item for item in view.curves.listDataItems() if item.name() != "median"]
        assert len([line for line in lines if len(line.xData) == 30]) == SEEDS
        # Best, median and worst: three different seeds, each drawn from its own weights.
        assert view.boundaries.isVisible()
        grids = [np.asarray(v.last_payload["output"]) for v in view.boundary_views]
        labels = [label.text() for label in view.boundary_labels]
        assert len(set(labels)) == 3 and labels[0].startswith("best: seed")
        assert not np.allclose(grids[0], grids[2])
    finally:
        close_window(qtbot, window)
