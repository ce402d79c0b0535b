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
from typing import Any

from PySide6.QtCore import QSettings, QStandardPaths

from playground.data.base import DataSpec
from playground.errors import PlaygroundError
from playground.project.schema import Project, load_project, save_project

RECENT_KEY = "files/recent"
MAX_RECENT = 8
RECOVERY_NAME = "recovery.json"


def default_recovery_dir() -> Path:
    """``QStandardPaths.AppDataLocation`` (the app name must be set first)."""
    where = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(where or Path.home() / ".nn-playground")


#: The data of a new project when the current one's is not for classifying or regressing.
NEW_DATA = {"type": "circle", "params": {}, "seed": 0, "split": {"test": 0.5}}


def new_project(data: DataSpec | None = None, dataset: Any = None) -> Project:
    """A new project that trains as it is: Input -> Dense -> Output on ``data``.

    Parameters
    ----------
    data : DataSpec, optional
        The current project's data, kept when it has classes or regression targets
        (TF Playground's circle otherwise).
    dataset : Dataset, optional
        ``data`` loaded: the Dense gets one unit per class (one for two classes) or per
        regression target, and the loss that goes with it.
    """
    from playground.data.base import parse_data_spec
    from playground.project.schema import project_from_dict

    fits = dataset is not None and data is not None and dataset.info.target in (
        "class", "regression")
    if not fits:
        data, dataset = parse_data_spec(NEW_DATA), None
    target = dataset.info.target if dataset is not None else "class"
    if target == "class":
        classes = dataset.n_classes if dataset is not None else 2
        units = classes if classes > 2 else 1
        task = {"type": "classification",
                "params": {"loss": "cross_entropy" if classes > 2 else "bce"}}
    else:
        units = dataset.target_shape[-1] if dataset.target_shape else 1
        task = {"type": "regression", "params": {"loss": "mse"}}
    flat = dataset is not None and len(dataset.input_shape) > 1  # images, sequences
    chain = [("x", "input", {}), *([("flat", "flatten", {})] if flat else []),
             ("dense", "dense", {"units": units, "activation": "identity"}), ("y", "output", {})]
    from ui.editor.structure import COLUMN_STEP as step
    nodes = [{"id": nid, "type": kind, "params": params, "pos": [i * step, 0.0]}
             for i, (nid, kind, params) in enumerate(chain)]
    edges = [{"src": a[0], "dst": b[0]} for a, b in zip(chain, chain[1:])]
    return project_from_dict({
        "format_version": 1,
        "name": "Untitled",
        "graphs": {"model": {"nodes": nodes, "edges": edges}},
        "data": data.to_dict(),
        "task": task,
        "training": {"optimizer": {"type": "sgd", "params": {"lr": 0.03}}, "batch_size": 10,
                     "epochs": 500, "device": "cpu"},
        "views": {"layout": ["boundary", "neurons", "loss"] if dataset is None or (
            dataset.info.kind == "points2d") else []},
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
