"""Recovery per instance: two app windows (separate settings, one recovery folder) never
offer, overwrite nor delete each other's live autosave; a crashed one's is offered; an
unreadable recovery file is moved aside, never deleted; a failed autosave shows at once.

A crash is simulated in one process by releasing the instance's lock without removing its
recovery file (what a dead process leaves); tests/ui/test_crash_recovery.py kills a real one.
"""

from __future__ import annotations

import errno
import os

from PySide6.QtCore import QSettings

from playground.project.schema import load_project
from tests.ui.main_helpers import close_window, make_window, set_field
from ui.window.project_files import ProjectFiles


def files_of(tmp_path, name: str) -> ProjectFiles:
    """An instance's files: its own settings, the shared recovery folder."""
    settings = QSettings(str(tmp_path / f"{name}.ini"), QSettings.Format.IniFormat)
    return ProjectFiles(settings, tmp_path / "recovery")


def crash(window) -> None:
    """What a crash leaves: the recovery file, and a lock no live process holds."""
    window.shutdown()
    window.file_ops.autosave_enabled = False
    window.files.lock.unlock()


def test_a_live_instances_autosave_is_never_offered_nor_deleted(qtbot, tmp_path):
    a = make_window(qtbot, tmp_path, "launch-xor", files=files_of(tmp_path, "a"))
    set_field(a.training_panel.form("optimizer"), "lr", "0.07")
    assert a.file_ops.autosave()
    mine = a.files.recovery_path
    b = make_window(qtbot, tmp_path, "launch-xor", files=files_of(tmp_path, "b"))
    b.dialogs.recover_answer = True
    assert not b.file_ops.offer_recovery()  # A is alive: its file is not B's to offer
    assert b.dialogs.asked == []
    set_field(b.training_panel.form("optimizer"), "lr", "0.02")
    assert b.file_ops.autosave()  # to its own file: A's is untouched
    assert b.files.recovery_path != mine
    assert load_project(mine).training.optimizer_params["lr"] == 0.07
    close_window(qtbot, b)  # B's clean exit removes B's file only
    assert mine.is_file() and not b.files.recovery_path.exists()

    crash(a)
    c = make_window(qtbot, tmp_path, "launch-xor", files=files_of(tmp_path, "c"))
    c.dialogs.recover_answer = True
    assert c.file_ops.offer_recovery()  # A is gone: now its work is offered
    assert c.project.training.optimizer_params["lr"] == 0.07
    assert not mine.exists() and c.files.recovery_path.is_file()  # adopted, not lost
    close_window(qtbot, c)
    assert sorted(p.name for p in (tmp_path / "recovery").iterdir()) == []


def test_two_starting_instances_do_not_both_offer_a_crashed_ones_file(qtbot, tmp_path):
    a = make_window(qtbot, tmp_path, "launch-xor", files=files_of(tmp_path, "a"), wait=False)
    set_field(a.training_panel.form("optimizer"), "lr", "0.07")
    assert a.file_ops.autosave()
    crash(a)
    b, c = files_of(tmp_path, "b"), files_of(tmp_path, "c")
    assert b.orphaned_recoveries() == [a.files.recovery_path]  # B claims it first
    assert c.orphaned_recoveries() == []
    b.release(a.files.recovery_path)
    assert c.orphaned_recoveries() == [a.files.recovery_path]
    c.remove_recovery()


def test_an_unreadable_recovery_file_is_moved_aside_and_the_user_told(qtbot, tmp_path):
    folder = tmp_path / "recovery"
    folder.mkdir()
    broken = folder / "recovery-4242-abcdef.json"  # a crashed instance's, half written
    broken.write_text('{"format_version": 1, "graphs": {"model": {"nodes": [')
    window = make_window(qtbot, tmp_path, "launch-xor", files=files_of(tmp_path, "w"),
                         wait=False)
    window.dialogs.recover_answer = True
    assert not window.file_ops.offer_recovery()
    assert window.dialogs.asked == []  # nothing to offer: it cannot be read
    kept = folder / "recovery-4242-abcdef.json.unreadable"
    assert not broken.exists() and kept.read_text().startswith('{"format_version": 1')
    message = window.statusBar().currentMessage() + window.statusBar().toolTip()
    assert "The recovery file could not be read" in message and kept.name in message
    close_window(qtbot, window)
    assert kept.is_file()  # never deleted, also not by a clean exit


def test_an_autosave_that_cannot_be_written_shows_in_the_status_bar_at_once(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, "launch-xor", files=files_of(tmp_path, "w"),
                         wait=False)
    # A value JSON cannot hold (a NaN that reached a parameter): the file would be refused.
    window.project.graph.nodes["hidden"].params["units"] = float("nan")
    window.mark_edited()
    assert not window.file_ops.autosave()
    shown = window.statusBar().toolTip() or window.statusBar().currentMessage()
    assert shown.startswith("Autosave failed: ")
    assert "graphs.model.nodes[1].params.units: NaN, which is not a number" in shown
    assert not window.files.recovery_path.exists()
    window.project.graph.nodes["hidden"].params["units"] = 2
    assert window.file_ops.autosave()
    close_window(qtbot, window)


def test_an_autosave_on_a_full_disk_shows_in_the_status_bar(qtbot, tmp_path, monkeypatch):
    window = make_window(qtbot, tmp_path, "launch-xor", files=files_of(tmp_path, "w"),
                         wait=False)
    set_field(window.training_panel.form("optimizer"), "lr", "0.05")

    def no_space(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(os, "write", no_space)
        assert not window.file_ops.autosave()
    shown = window.statusBar().toolTip() or window.statusBar().currentMessage()
    assert shown.startswith("Autosave failed: ") and "no space left on the disk" in shown
    close_window(qtbot, window)


def test_help_shows_where_worker_errors_are_logged_with_their_traceback(qtbot, tmp_path,
                                                                       monkeypatch):
    from playground import errorlog

    log = tmp_path / "logs" / "errors.log"
    monkeypatch.setenv(errorlog.LOG_ENV, str(log))
    window = make_window(qtbot, tmp_path, "launch-xor", files=files_of(tmp_path, "w"))

    def broken(session):
        raise RuntimeError("a bug deep inside")

    token = window.run.worker.call_on_trainer(broken)
    with qtbot.waitSignal(window.run.worker.call_done, timeout=30_000) as done:
        pass
    assert done.args[0] == token and done.args[2] == "RuntimeError: a bug deep inside"
    text = log.read_text()
    assert "in a worker thread" in text and "Traceback (most recent call last)" in text
    assert 'raise RuntimeError("a bug deep inside")' in text
    help_items = [a.text() for a in window.menus["help"].actions()]
    assert "&Error log…" in help_items
    window.actions["error_log"].trigger()
    assert window.dialogs.asked[-1] == "info"
    assert str(log) in errorlog.describe() and "1 error logged so far" in errorlog.describe()
    close_window(qtbot, window)
