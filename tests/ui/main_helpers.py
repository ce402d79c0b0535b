"""Shared helpers for the main-window tests: fake dialogs, a window factory, waits."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QSpinBox

from playground.project.presets import load_preset
from ui.window.main_window import MainWindow
from ui.window.project_files import ProjectFiles

#: Seconds to wait for a session build (first build imports torch.optim's dynamo).
BUILD_TIMEOUT = 120
TRAIN_TIMEOUT = 120


class FakeDialogs:
    """Answers every question the window asks, and records what it was asked."""

    def __init__(self):
        self.open_answer: str | None = None
        self.save_answer: str | None = None
        self.discard_answer = "discard"
        self.recover_answer = False
        self.export_answer: tuple[str, str] | None = None
        self.overwrite_answer = False
        self.suggested: list[str] = []
        self.seeds_answer: int | None = None
        self.asked: list[str] = []
        self.errors: list[tuple[str, str]] = []

    def open_path(self, folder: str = "") -> str | None:
        self.asked.append("open")
        return self.open_answer

    def save_path(self, suggested: str) -> str | None:
        self.asked.append("save")
        return self.save_answer

    def confirm_discard(self, name: str) -> str:
        self.asked.append("discard")
        return self.discard_answer

    def error(self, title: str, text: str) -> None:
        self.errors.append((title, text))

    def offer_recovery(self, path: Path) -> bool:
        self.asked.append("recover")
        return self.recover_answer

    def export_target(self, formats: dict, suggested: str):
        self.asked.append("export")
        self.suggested.append(suggested)
        return self.export_answer

    def confirm_overwrite(self, path: str) -> bool:
        self.asked.append("overwrite")
        return self.overwrite_answer

    def ask_seeds(self, default: int) -> int | None:
        self.asked.append("seeds")
        return self.seeds_answer

    def info(self, title: str, html: str) -> None:
        self.asked.append("info")

    def shortcuts(self, rows: list) -> None:
        self.asked.append("shortcuts")
        self.shortcut_rows = rows


def make_files(tmp_path: Path) -> ProjectFiles:
    """Project files with settings and recovery folder under ``tmp_path``."""
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    return ProjectFiles(settings, tmp_path / "recovery")


def make_window(qtbot, tmp_path: Path, preset: str | None = "launch-xor", wait: bool = True,
                files: ProjectFiles | None = None, project=None, settle_gc: bool = False,
                **kw) -> MainWindow:
    """A shown main window on ``preset``; waits for its first session unless ``wait`` is False.

    ``settle_gc`` keeps the full collection after each session build (a latency
    measure for the app; skipped by default to keep the tests fast).
    """
    if project is None and preset is not None:
        project = load_preset(preset)
    window = MainWindow(project, files=files or make_files(tmp_path), dialogs=FakeDialogs(),
                        **kw)
    window.gc_guard.settle_enabled = settle_gc
    qtbot.addWidget(window)
    window.resize(1500, 950)
    window.show()
    qtbot.waitExposed(window)
    if wait:
        wait_session(qtbot, window)
    return window


def wait_session(qtbot, window: MainWindow) -> None:
    """Until the current session is built (fails on a build error)."""
    qtbot.waitUntil(lambda: window.run.session is not None or bool(window.run.build_error),
                    timeout=BUILD_TIMEOUT * 1000)
    assert window.run.session is not None, window.run.build_error


def close_window(qtbot, window: MainWindow) -> None:
    """Close without prompts and check no training thread is left."""
    window.dialogs.discard_answer = "discard"
    window.close()
    assert window.run.worker.threads_alive() == 0
    assert window.run.worker._thread is None and window.run.worker._retired == []


def click(qtbot, window: MainWindow, key: str) -> None:
    """Click the training panel's button for action ``key``."""
    button = window.training_panel.buttons[key]
    assert button.isEnabled(), f"{key} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def set_field(form, name: str, text: str) -> None:
    """Enter ``text`` into a ParamsForm field (line edit or spin box) and commit it."""
    field = form.field(name)
    if isinstance(field, QSpinBox):
        field.setValue(int(text))
        return
    field.setText(text)
    field.editingFinished.emit()
