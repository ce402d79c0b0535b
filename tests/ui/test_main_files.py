"""Main window: save and reopen, unsaved-changes prompt, recent files, recovery, bad files."""

import json

import pytest
from PySide6.QtGui import QPalette

from playground.project.presets import presets_dir
from playground.project.schema import load_project
from tests.ui.main_helpers import close_window, make_files, make_window, set_field


def title_star(window) -> bool:
    return window.windowTitle().split(" — ")[0].endswith("*")


def test_save_as_and_reopen_through_the_ui(qtbot, window, tmp_path):
    set_field(window.training_panel.form("optimizer"), "lr", "0.02")
    assert title_star(window)
    target = tmp_path / "mine.json"
    window.dialogs.save_answer = str(target)
    window.actions["save"].trigger()  # no file yet: Save asks where (Save As)
    assert window.dialogs.asked == ["save"]
    assert target.is_file() and not title_star(window)
    assert window.windowTitle().startswith("mine.json — ")
    assert load_project(target).training.optimizer_params["lr"] == 0.02

    set_field(window.training_panel.form("optimizer"), "lr", "0.03")
    window.actions["save"].trigger()  # now it has a file: no question
    assert window.dialogs.asked == ["save"]
    assert load_project(target).training.optimizer_params["lr"] == 0.03

    window.actions["new"].trigger()
    assert window.project.graph.nodes.keys() == {"x", "dense", "y"}
    window.dialogs.open_answer = str(target)
    window.actions["open"].trigger()
    assert window.project.training.optimizer_params["lr"] == 0.03
    assert window.project.graph.nodes.keys() == {"x", "hidden", "prediction", "y"}
    assert window.files.path == target and not title_star(window)
    assert window.training_panel.form("optimizer").values()["lr"] == 0.03
    assert window.files.recent_files()[0] == str(target.resolve())
    window.file_ops.fill_recent(window.menus["recent"])
    assert window.menus["recent"].actions()[0].text().endswith("mine.json")


def test_unsaved_changes_prompt_on_new_open_and_close(qtbot, window, tmp_path):
    set_field(window.training_panel.form("optimizer"), "lr", "0.02")
    window.dialogs.discard_answer = "cancel"
    window.actions["new"].trigger()
    assert window.dialogs.asked == ["discard"]
    assert window.project.id == "launch-xor"  # cancelled: nothing replaced
    window.dialogs.open_answer = str(presets_dir() / "tfp-circle.json")
    window.actions["open"].trigger()
    assert window.project.id == "launch-xor"
    assert not window.close()  # the close is refused as well
    assert window.isVisible()

    window.dialogs.discard_answer = "save"  # Save, but Save As is cancelled: stay
    window.dialogs.save_answer = None
    window.actions["new"].trigger()
    assert window.project.id == "launch-xor"

    window.dialogs.discard_answer = "discard"
    window.actions["new"].trigger()
    assert window.project.id == "" and not title_star(window)


def test_recovery_file_offered_after_a_crash(qtbot, tmp_path):
    files = make_files(tmp_path)
    first = make_window(qtbot, tmp_path, "launch-xor", files=files)
    set_field(first.training_panel.form("optimizer"), "lr", "0.07")
    assert first.file_ops.autosave()
    assert files.recovery_path.is_file()
    first.shutdown()  # a crash: threads gone, but no clean exit removed the recovery file
    first.file_ops.autosave_enabled = False
    files.lock.unlock()  # and its process gone: nothing holds the recovery file's lock
    assert files.recovery_path.is_file()

    second = make_window(qtbot, tmp_path, "launch-xor", files=make_files(tmp_path))
    second.dialogs.recover_answer = True
    assert second.file_ops.offer_recovery()
    assert second.dialogs.asked == ["recover"]
    assert second.project.training.optimizer_params["lr"] == 0.07
    assert second.files.modified and title_star(second)
    assert not files.recovery_path.exists()  # adopted: now second's own recovery file
    assert second.files.recovery_path.is_file()
    close_window(qtbot, second)  # a clean exit removes the recovery file
    assert list(files.recovery_dir.iterdir()) == []


def test_recovery_declined_is_removed(qtbot, tmp_path):
    files = make_files(tmp_path)
    files.recovery_dir.mkdir(parents=True)
    left = files.recovery_dir / "recovery.json"  # left by an earlier version that crashed
    left.write_text((presets_dir() / "launch-xor.json").read_text())
    window = make_window(qtbot, tmp_path, "launch-xor", files=files, wait=False)
    window.dialogs.recover_answer = False
    assert not window.file_ops.offer_recovery()
    assert window.dialogs.asked == ["recover"]
    assert not left.exists()
    close_window(qtbot, window)


def test_autosave_after_a_burst_of_edits(qtbot, window):
    window.file_ops._burst.setInterval(50)
    set_field(window.training_panel.form("optimizer"), "lr", "0.04")
    qtbot.waitUntil(lambda: window.files.recovery_path.is_file(), timeout=5000)
    assert load_project(window.files.recovery_path).training.optimizer_params["lr"] == 0.04


def test_a_bad_file_gives_a_one_line_message_naming_the_field(qtbot, window, tmp_path):
    raw = json.loads((presets_dir() / "launch-xor.json").read_text())
    raw["graphs"]["model"]["nodes"][1]["params"]["units"] = "abc"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(raw))
    window.dialogs.open_answer = str(bad)
    window.actions["open"].trigger()
    assert len(window.dialogs.errors) == 1
    title, text = window.dialogs.errors[0]
    assert "\n" not in text
    assert "graphs.model.nodes[1].params.units" in text and "abc" in text
    assert window.project.id == "launch-xor"  # the open project is untouched

    window.dialogs.open_answer = str(tmp_path / "missing.json")
    window.actions["open"].trigger()
    assert "file not found" in window.dialogs.errors[-1][1]


def test_export_runs_where_the_model_lives(qtbot, window, tmp_path):
    pytest.importorskip("playground.export")
    target = tmp_path / "xor.pt"
    window.dialogs.export_answer = ("checkpoint", str(target))
    window.actions["export"].trigger()
    qtbot.waitUntil(lambda: target.is_file() and "wrote" in window.statusBar().currentMessage(),
                    timeout=60_000)
    assert not window.dialogs.errors


def test_help_and_theme(qtbot, qapp, window):
    window.actions["shortcuts"].trigger()
    palette = qapp.palette()
    rows = dict(window.dialogs.shortcut_rows)
    assert rows["Play / Pause"] == "Space" and "Ctrl+Z" in rows["Undo"]
    window.set_theme("dark")
    qtbot.waitUntil(lambda: window.views.ready, timeout=10_000)
    assert window.files.settings.value("view/theme") == "dark"
    assert qapp.palette().color(QPalette.ColorRole.Window).lightness() < 128
    qtbot.waitUntil(lambda: window.palette().color(QPalette.ColorRole.Window).lightness() < 128,
                    timeout=5000)
    qapp.setPalette(palette)  # leave the application as other tests expect it
