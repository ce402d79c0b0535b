"""File logic of the main window, without dialogs: open, save, recent files, recovery file.

:class:`ProjectFiles` knows where the current project lives, whether it has
unsaved changes, the recent-files list (in QSettings) and the autosave
recovery file (in ``QStandardPaths.AppDataLocation``). The main window asks
the user through its dialogs and calls these methods; tests call them
directly with a temporary settings file and recovery folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths

from playground.errors import PlaygroundError
from playground.project.schema import Project, load_project, save_project

RECENT_KEY = "files/recent"
MAX_RECENT = 8
RECOVERY_NAME = "recovery.json"


def default_recovery_dir() -> Path:
    """``QStandardPaths.AppDataLocation`` (the app name must be set first)."""
    where = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(where or Path.home() / ".nn-playground")


def new_project() -> Project:
    """An empty project: an Input wired to an Output, the Circle dataset, classification."""
    from playground.project.schema import project_from_dict

    return project_from_dict({
        "format_version": 1,
        "name": "Untitled",
        "graphs": {"model": {
            "nodes": [{"id": "x", "type": "input", "params": {}, "pos": [0, 0]},
                      {"id": "y", "type": "output", "params": {}, "pos": [360, 0]}],
            "edges": [{"src": "x", "dst": "y"}]}},
        "data": {"type": "circle", "params": {}, "seed": 0, "split": {"test": 0.5}},
        "task": {"type": "classification", "params": {"loss": "mse"}},
        "training": {"optimizer": {"type": "sgd", "params": {"lr": 0.03}}, "batch_size": 10,
                     "epochs": 500, "device": "cpu"},
        "views": {"layout": ["boundary", "neurons", "loss"]},
    })


def load_any(path: str | os.PathLike) -> Project:
    """Load a project or preset file; presets get the preset checks too.

    Raises
    ------
    ValidationError
        One line naming the file and the bad field.
    """
    from playground.project.presets import validate_preset

    project = load_project(path)
    if project.id or project.meta or project.expect:
        validate_preset(project, Path(path).name)
    return project


class ProjectFiles:
    """Current path, unsaved changes, recent files and the recovery file.

    Parameters
    ----------
    settings : QSettings, optional
        Where the recent files are kept (the application's settings by default).
    recovery_dir : path-like, optional
        Folder of the recovery file (``QStandardPaths.AppDataLocation`` by default).
    """

    def __init__(self, settings: QSettings | None = None,
                 recovery_dir: str | os.PathLike | None = None):
        self.settings = settings if settings is not None else QSettings()
        self.recovery_dir = Path(recovery_dir) if recovery_dir is not None \
            else default_recovery_dir()
        self.path: Path | None = None
        self.modified = False
        self.autosaved = True  # nothing newer than the recovery file

    # -- state -------------------------------------------------------------------------------
    def mark_modified(self) -> None:
        """The project changed since it was opened or saved."""
        self.modified = True
        self.autosaved = False

    def reset(self, path: str | os.PathLike | None = None, modified: bool = False) -> None:
        """A project was opened from ``path`` (None: new, preset or recovered)."""
        self.path = Path(path) if path is not None else None
        self.modified = modified
        self.autosaved = not modified

    def display_name(self, project: Project) -> str:
        """File name, else the project's title."""
        return self.path.name if self.path is not None else project.title

    # -- open / save -------------------------------------------------------------------------
    def open(self, path: str | os.PathLike) -> Project:
        """Load ``path`` and make it current.

        Raises
        ------
        ValidationError
            The one-line message naming the bad field.
        """
        project = load_any(path)
        self.reset(path)
        self.add_recent(path)
        return project

    def save(self, project: Project, path: str | os.PathLike | None = None) -> Path:
        """Save atomically to ``path`` (default: the current path) and make it current.

        Raises
        ------
        PlaygroundError
            When there is no path or the file cannot be written.
        """
        target = Path(path) if path is not None else self.path
        if target is None:
            raise PlaygroundError("no file name yet: use Save As")
        if target.suffix == "":
            target = target.with_suffix(".json")
        save_project(project, target)
        self.reset(target)
        self.add_recent(target)
        return target

    # -- recent files ------------------------------------------------------------------------
    def recent_files(self) -> list[str]:
        """Recently opened or saved files that still exist, newest first."""
        value = self.settings.value(RECENT_KEY, [])
        paths = [value] if isinstance(value, str) else list(value or [])
        return [p for p in paths if p and Path(p).exists()]

    def add_recent(self, path: str | os.PathLike) -> None:
        """Put ``path`` first in the recent files."""
        text = str(Path(path).resolve())
        paths = [text] + [p for p in self.recent_files() if p != text]
        self.settings.setValue(RECENT_KEY, paths[:MAX_RECENT])
        self.settings.sync()

    def clear_recent(self) -> None:
        """Forget the recent files."""
        self.settings.setValue(RECENT_KEY, [])
        self.settings.sync()

    # -- recovery ----------------------------------------------------------------------------
    @property
    def recovery_path(self) -> Path:
        """The autosave file."""
        return self.recovery_dir / RECOVERY_NAME

    def write_recovery(self, project: Project) -> bool:
        """Autosave ``project`` to the recovery file; False (silently) if it cannot be written."""
        try:
            self.recovery_dir.mkdir(parents=True, exist_ok=True)
            save_project(project, self.recovery_path)
        except (OSError, PlaygroundError):
            return False
        self.autosaved = True
        return True

    def has_recovery(self) -> bool:
        """True when a recovery file was left behind (the app did not exit cleanly)."""
        return self.recovery_path.is_file()

    def read_recovery(self) -> Project | None:
        """The recovered project, or None when the file is unreadable (it is then removed)."""
        try:
            return load_project(self.recovery_path)
        except PlaygroundError:
            self.remove_recovery()
            return None

    def remove_recovery(self) -> None:
        """Delete the recovery file (clean exit, or the user declined it)."""
        try:
            self.recovery_path.unlink(missing_ok=True)
        except OSError:
            pass
