"""Run comparison in the main window: earlier runs kept and overlaid, variants side by side."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from playground.project.presets import load_preset
from playground.project.schema import project_from_dict
from tests.ui.main_helpers import TRAIN_TIMEOUT, click, close_window, make_window, set_field

EPOCHS = 30


def small_xor(variants: bool = True):
    """launch-xor trained briefly; with two variants (learning rates) and checks on them."""
    raw = load_preset("launch-xor").to_dict()
    raw["training"]["epochs"] = EPOCHS
    raw["training"]["device"] = "cpu"
    if variants:
        adam = raw["training"]["optimizer"]
        raw["variants"] = [
            {"name": "fast", "label": "Adam lr 0.05", "patch": {
                "training.optimizer": {**adam, "params": {**adam["params"], "lr": 0.05}}}},
            {"name": "slow", "label": "Adam lr 0.0001", "patch": {
                "training.optimizer": {**adam, "params": {**adam["params"], "lr": 0.0001}}}},
        ]
        raw["expect"] = [
            {"metric": "slow.train_loss", "above": "fast.train_loss",
             "book": "a larger step learns faster"},
            {"metric": "fast.epochs", "min": EPOCHS},
            {"metric": "train_accuracy", "min": 2.0},  # the first variant's: cannot hold
        ]
    return project_from_dict(raw)


@pytest.fixture
def window(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path, project=small_xor())
    yield w
    close_window(qtbot, w)


def overlaid(window) -> set:
    """Names of the runs the curves view draws besides the current one."""
    curves = window.views.views["curves"]
    return {key[1] for key in curves.items if key[1] is not None}


def test_run_all_variants_overlays_named_runs_and_checks_them(qtbot, window):
    action = window.actions["run_variants"]
    button = window.training_panel.buttons["run_variants"]
    assert action.isEnabled() and button.isVisible()
    assert action in window.menus["train"].actions()
    started = []
    window.run.variants.variant_started.connect(lambda i, n, name: started.append(name))
    with qtbot.waitSignal(window.run.variants.finished,
                          timeout=2 * TRAIN_TIMEOUT * 1000) as blocker:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert started == ["fast", "slow"]
    runs = window.views.runs
    assert [r.name for r in runs.runs()] == ["fast", "slow"]
    assert runs.get("fast").label == "Adam lr 0.05" and "loss" in runs.get("fast").summary
    assert runs.current == "slow"  # the last variant is still the run on screen
    curves = window.views.views["curves"]
    qtbot.waitUntil(lambda: overlaid(window) == {"fast"}, timeout=5000)
    legend = curves.runs_legend.text()
    assert "fast" in legend and "slow" in legend
    # Each ran the configured epochs off the UI thread; the checks read the merged metrics.
    merged = window.run.variants.merged
    assert merged["fast.epochs"] == EPOCHS and merged["slow.epochs"] == EPOCHS
    assert merged["train_loss"] == merged["fast.train_loss"]
    checks = blocker.args[0]
    assert [c.passed for c in checks] == [True, True, False]
    assert window.run.checks == checks
    assert "2/3" in window.training_panel.message.text()
    bar = window.statusBar()
    assert "2/3 expectations hold" in (bar.toolTip() or bar.currentMessage())  # whole if elided
    # The next Play trains the window's own project again, the variants stay overlaid.
    assert window.run.stale and not window.run.variants.active
    with qtbot.waitSignal(window.run.worker.run_result, timeout=TRAIN_TIMEOUT * 1000):
        click(qtbot, window, "play")
    assert [r.name for r in runs.runs()] == ["fast", "slow", "run 1"]
    assert overlaid(window) == {"fast", "slow"}


def test_stop_ends_the_variant_sequence(qtbot, window):
    set_field(window.training_panel.form("scalars"), "epochs", "100000")
    window.run.run_variants()
    assert window.run.variants.active
    qtbot.waitUntil(lambda: window.run.state == "running", timeout=TRAIN_TIMEOUT * 1000)
    with qtbot.waitSignal(window.run.variants.aborted, timeout=TRAIN_TIMEOUT * 1000) as blocker:
        window.actions["stop"].trigger()
    assert "'fast' stopped" in blocker.args[0]
    assert not window.run.variants.active
    assert [r.name for r in window.views.runs.runs()] == ["fast"]


def test_finished_run_is_overlaid_after_reset_and_the_next_run(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, project=small_xor(variants=False))
    try:
        assert not window.actions["run_variants"].isEnabled()
        assert not window.training_panel.buttons["run_variants"].isVisible()
        with qtbot.waitSignal(window.run.worker.run_result, timeout=TRAIN_TIMEOUT * 1000):
            click(qtbot, window, "play")
        runs = window.views.runs
        assert [r.name for r in runs.runs()] == ["run 1"] and runs.current == "run 1"
        assert overlaid(window) == set()  # still the current run: not drawn twice
        with qtbot.waitSignal(window.run.worker.session_ready, timeout=TRAIN_TIMEOUT * 1000):
            click(qtbot, window, "reset")
        assert runs.current is None
        qtbot.waitUntil(lambda: overlaid(window) == {"run 1"}, timeout=5000)
        with qtbot.waitSignal(window.run.worker.run_result, timeout=TRAIN_TIMEOUT * 1000):
            click(qtbot, window, "play")
        assert [r.name for r in runs.runs()] == ["run 1", "run 2"]
        assert overlaid(window) == {"run 1"}
        curves = window.views.views["curves"]
        # Hide then delete run 1 through the Runs menu.
        curves.runs_menu.aboutToShow.emit()
        toggles = [a for a in curves.runs_menu.actions() if a.isCheckable()]
        assert [a.text() for a in toggles] == ["run 1", "run 2"]
        toggles[0].setChecked(False)
        assert overlaid(window) == set() and not runs.get("run 1").visible
        curves.runs_menu.aboutToShow.emit()
        delete = next(a.menu() for a in curves.runs_menu.actions() if a.menu() is not None)
        next(a for a in delete.actions() if a.text() == "run 1").trigger()
        assert [r.name for r in runs.runs()] == ["run 2"]
    finally:
        close_window(qtbot, window)


def test_a_run_reset_while_training_is_kept(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, project=small_xor(variants=False))
    try:
        set_field(window.training_panel.form("scalars"), "epochs", "100000")
        click(qtbot, window, "play")
        qtbot.waitUntil(lambda: window.run.latest is not None and window.run.latest.step > 50,
                        timeout=TRAIN_TIMEOUT * 1000)
        with qtbot.waitSignal(window.run.worker.session_ready, timeout=TRAIN_TIMEOUT * 1000):
            click(qtbot, window, "reset")
        runs = window.views.runs
        assert [r.name for r in runs.runs()] == ["run 1"] and runs.current is None
    finally:
        close_window(qtbot, window)


def test_surface_runs_keep_their_trajectories_for_the_paths_view(qtbot, tmp_path):
    raw = load_preset("dlpi-2-beale").to_dict()
    raw["training"]["epochs"] = 20
    window = make_window(qtbot, tmp_path, project=project_from_dict(raw))
    try:
        with qtbot.waitSignal(window.run.worker.run_result, timeout=TRAIN_TIMEOUT * 1000):
            click(qtbot, window, "play")
        run = window.views.runs.get("run 1")
        assert run.trajectories and all(len(r["points"]) > 1 for r in run.trajectories.values())
        with qtbot.waitSignal(window.run.worker.session_ready, timeout=TRAIN_TIMEOUT * 1000):
            click(qtbot, window, "reset")
        paths = window.views.views["paths"]
        assert {key[0] for key in paths.overlays} == {"run 1"}
        assert len(paths.overlays) == len(run.trajectories)
    finally:
        close_window(qtbot, window)


def test_a_single_run_of_a_variants_project_does_not_fail_the_variant_checks():
    from playground.project.expect import CheckResult
    from ui.window.run_status import checks_summary

    mine = CheckResult("train_accuracy", 1.0, True, ">= 1", "accuracy 1.0")
    theirs = CheckResult("relu.train_accuracy", None, False, ">= 1", "relu learns")
    line = checks_summary([theirs, mine], True, "p")
    assert line.startswith("Book vs this run: 1/1 expectations hold; 1 more after Run all "
                           "variants (details in Presets) · book: accuracy 1.0")
    assert "compare the variants" in checks_summary([theirs], True, None)
    assert checks_summary([theirs, mine], False, None).startswith(
        "Book vs this run: 1/2 expectations hold")


def test_view_menu_opens_and_closes_a_view_that_gets_data_while_paused(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, project=small_xor(variants=False))
    try:
        qtbot.waitUntil(lambda: window.views.ready, timeout=30_000)
        menu = window.menus["view_list"]
        window.views.fill_views_menu(menu, window.toggle_view)
        by_name = {a.objectName(): a for a in menu.actions()}
        assert by_name["action_view_boundary"].isChecked()
        assert not by_name["action_view_curves"].isEnabled()
        assert "weights" not in window.views.docks
        click(qtbot, window, "step_epoch")
        qtbot.waitUntil(lambda: window.run.state == "paused", timeout=TRAIN_TIMEOUT * 1000)
        by_name["action_view_weights"].trigger()
        view = window.views.views["weights"]
        assert window.project.views["layout"][-2:] == ["weights", "curves"]
        assert window.windowTitle().split(" — ")[0].endswith("*")
        # The paused run publishes a snapshot with the weights probe: the view draws it.
        qtbot.waitUntil(lambda: view.message is None and bool(view.plots), timeout=20_000)
        window.views.fill_views_menu(menu, window.toggle_view)
        next(a for a in menu.actions() if a.objectName() == "action_view_weights").trigger()
        assert "weights" not in window.views.docks and "weights" not in window.project.views[
            "layout"]
    finally:
        close_window(qtbot, window)


def test_a_variant_ended_by_early_stopping_lets_the_others_run(qtbot, tmp_path):
    """As ad3501-capacity: early stopping ends a variant as planned, not as a Stop would."""
    raw = small_xor().to_dict()
    raw["data"]["split"] = {"val": 0.5, "test": 0.0}  # early stopping watches val_loss
    raw["training"]["epochs"] = 5000
    raw["variants"][0]["patch"]["training.early_stopping"] = {
        "monitor": "val_loss", "mode": "min", "patience": 2, "min_delta": 10.0,
        "restore_best": True}  # min_delta 10: nothing counts as better, it stops at once
    raw["variants"][1]["patch"]["training.epochs"] = 5
    window = make_window(qtbot, tmp_path, project=project_from_dict(raw))
    try:
        ended: list[tuple[str, object]] = []
        window.run.variants.aborted.connect(lambda why: ended.append(("aborted", why)))
        window.run.variants.finished.connect(lambda checks: ended.append(("finished", checks)))
        window.run.run_variants()
        qtbot.waitUntil(lambda: bool(ended), timeout=2 * TRAIN_TIMEOUT * 1000)
        (how, checks), = ended
        assert how == "finished", checks
        merged = window.run.variants.merged
        assert merged["fast.epochs"] < 5000 and merged["slow.epochs"] == 5
        assert len(checks) == 3 and window.run.checks == checks
        assert [r.name for r in window.views.runs.runs()] == ["fast", "slow"]
    finally:
        close_window(qtbot, window)


def test_after_run_all_variants_the_editor_shows_the_variant_the_views_show(qtbot, tmp_path):
    raw = small_xor().to_dict()
    raw["variants"][1]["patch"]["graphs.model.nodes.1.params.units"] = 3  # slow: 3 hidden
    window = make_window(qtbot, tmp_path, project=project_from_dict(raw))
    try:
        with qtbot.waitSignal(window.run.variants.finished, timeout=2 * TRAIN_TIMEOUT * 1000):
            window.run.run_variants()
        # The views show the last variant's session; so does the editor, display only.
        assert window.run.session.project.graphs["model"].nodes["hidden"].params["units"] == 3
        assert window.editor.graph.nodes["hidden"].params["units"] == 3
        assert window.editor.scene.node_items["hidden"].count == "3"
        assert not window.editor.isEnabled()
        assert window.statusBar().currentMessage().startswith(
            "Editor and views show Adam lr 0.0001")
        assert "show the last, Adam lr 0.0001" in window.training_panel.message.text()
        assert window.project.graphs["model"].nodes["hidden"].params["units"] == 6  # untouched
        # Play trains the project as written: the editor shows its graph again, editable.
        with qtbot.waitSignal(window.run.worker.run_result, timeout=TRAIN_TIMEOUT * 1000):
            click(qtbot, window, "play")
        assert window.editor.graph is window.project.graphs["model"]
        assert window.editor.scene.node_items["hidden"].count == "6"
        assert window.editor.isEnabled()
    finally:
        close_window(qtbot, window)
