"""The data and training panels' edits are undoable, on the same stack as the graph's."""


from tests.ui.main_helpers import TRAIN_TIMEOUT, click, close_window, make_window, set_field


def undo(window) -> None:
    window.editor.actions["undo"].trigger()


def redo(window) -> None:
    window.editor.actions["redo"].trigger()


def shown_lr(window) -> str:
    return window.training_panel.form("optimizer").field("lr").text()


def test_a_learning_rate_typed_twice_is_one_undo_step(qtbot, window):
    start = window.project.training.optimizer_params["lr"]
    set_field(window.training_panel.form("optimizer"), "lr", "0.05")
    set_field(window.training_panel.form("optimizer"), "lr", "0.2")
    assert window.editor.actions["undo"].text() == "Undo Change learning rate"
    undo(window)
    assert window.project.training.optimizer_params["lr"] == start
    assert float(shown_lr(window)) == start
    assert not window.undo_stack.canUndo()
    redo(window)
    assert window.project.training.optimizer_params["lr"] == 0.2
    assert float(shown_lr(window)) == 0.2


def test_panel_and_graph_edits_undo_in_the_order_they_were_made(qtbot, window):
    epochs = window.project.training.epochs
    set_field(window.training_panel.form("scalars"), "epochs", str(epochs + 7))
    nodes = set(window.project.graph.nodes)
    window.editor.scene.add_layer("dense", (40.0, 300.0))
    set_field(window.training_panel.form("optimizer"), "lr", "0.3")
    undo(window)  # the learning rate
    assert window.project.training.optimizer_params["lr"] != 0.3
    assert set(window.project.graph.nodes) != nodes
    undo(window)  # the layer
    assert set(window.project.graph.nodes) == nodes
    assert window.project.training.epochs == epochs + 7
    undo(window)  # the epochs
    assert window.project.training.epochs == epochs
    assert window.training_panel.form("scalars").field("epochs").value() == epochs


def test_undoing_a_data_edit_reloads_the_old_data(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, "tfp-spiral")
    panel = window.data_panel
    seed, before = window.project.data.seed, panel.dataset.train.x.copy()
    with qtbot.waitSignal(panel.dataset_loaded, timeout=60_000):
        panel.regenerate()
    assert window.project.data.seed == seed + 1
    assert not (panel.dataset.train.x == before).all()
    assert window.editor.actions["undo"].text() == "Undo Change seed"
    with qtbot.waitSignal(panel.dataset_loaded, timeout=60_000):
        undo(window)
    assert window.project.data.seed == seed and panel.seed.value() == seed
    assert (panel.dataset.train.x == before).all()  # the same points as before
    assert window.files.modified
    close_window(qtbot, window)


def test_data_that_switches_the_task_comes_back_with_its_task_in_one_undo(qtbot, window):
    panel, task = window.data_panel, window.project.task
    data_type = window.project.data.type
    with qtbot.waitSignal(panel.dataset_loaded, timeout=60_000):
        panel.combo.setCurrentIndex(panel.combo.findData("reg_plane"))
        panel.combo.activated.emit(panel.combo.currentIndex())
    assert window.project.data.type == "reg_plane" and window.project.task != task
    assert window.editor.actions["undo"].text() == "Undo Change data"
    with qtbot.waitSignal(panel.dataset_loaded, timeout=60_000):
        undo(window)
    assert window.project.data.type == data_type and window.project.task == task
    assert window.training_panel.task_id == task
    assert panel.combo.currentData() == data_type


def test_an_undone_learning_rate_reaches_the_running_session(qtbot, window):
    from tests.ui.test_main_training import live_value

    set_field(window.training_panel.form("scalars"), "epochs", "100000")
    start = window.project.training.optimizer_params["lr"]
    click(qtbot, window, "play")
    qtbot.waitUntil(lambda: window.run.worker.state == "running",
                    timeout=TRAIN_TIMEOUT * 1000)
    set_field(window.training_panel.form("optimizer"), "lr", "0.05")
    undo(window)
    assert not window.run.stale
    assert live_value(qtbot, window,
                      lambda s: s.task.optimizers[0].param_groups[0]["lr"]) == start


def test_an_undo_shows_its_value_where_the_panel_is_scrolled(qtbot, window):
    """The forms are rebuilt to show an undone value; the focused field goes with its form
    and Qt scrolled the panel to wherever focus landed (found at 1366x768)."""
    window.resize(1366, 700)
    window.activateWindow()
    qtbot.waitActive(window)
    bar = window.training_panel.scroll.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    loss = window.training_panel.form("task").field("loss")
    loss.setFocus()
    qtbot.waitUntil(loss.hasFocus)
    assert bar.value() == 0
    loss.setCurrentIndex((loss.currentIndex() + 1) % loss.count())
    undo(window)
    qtbot.waitUntil(lambda: bar.value() == 0)  # after the rebuilt forms' layout
