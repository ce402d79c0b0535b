"""File logic of the main window, without dialogs: open, save, recent files, recovery files.

:class:`ProjectFiles` knows where the current project lives, whether it has
unsaved changes, the recent-files list (in QSettings) and the autosave
recovery file (in ``QStandardPaths.AppDataLocation``). The main window asks
the user through its dialogs and calls these methods; tests call them
directly with a temporary settings file and recovery folder.

Recovery files are per instance: each running app autosaves to its own
``recovery-PID-HEX.json`` and holds ``recovery-PID-HEX.json.lock``
(a :class:`QLockFile`) for as long as it runs. At start-up a new instance
looks only at recovery files whose lock it can take, that is whose app is
gone (a crash); a live instance's autosave is never offered nor deleted. A
recovery file that cannot be read is moved aside (``.unreadable``), never
deleted.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from PySide6.QtCore import QLockFile, QSettings, QStandardPaths

from playground.data.spec import DataSpec
from playground.errors import PlaygroundError
from playground.project.fileio import sweep_stale_temps
from playground.project.schema import Project, load_project, save_project

RECENT_KEY = "files/recent"
MAX_RECENT = 8
#: Recovery files: ``recovery-PID-HEX.json`` (and ``recovery.json`` from earlier versions).
RECOVERY_GLOB = "recovery*.json"
LOCK_SUFFIX = ".lock"
UNREADABLE_SUFFIX = ".unreadable"


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
    from playground.data.spec import parse_data_spec
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
        #: Why the last autosave failed ("" when it did not).
        self.autosave_error = ""
        self.instance = f"{os.getpid()}-{secrets.token_hex(3)}"
        self.lock = QLockFile(str(self.recovery_path) + LOCK_SUFFIX)
        self.lock.setStaleLockTime(0)  # stale only when its process is gone, never by age
        self._claimed: dict[Path, QLockFile] = {}  # other instances' files we are offering

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
        """The autosave file of this instance of the app."""
        return self.recovery_dir / f"recovery-{self.instance}.json"

    def write_recovery(self, project: Project) -> bool:
        """Autosave ``project`` to this instance's recovery file.

        Returns False when it cannot be written; :attr:`autosave_error` then says why
        (a full disk, a value JSON cannot hold...), for the status bar.
        """
        try:
            self._hold_lock()
            save_project(project, self.recovery_path)
        except PlaygroundError as exc:
            self.autosave_error = exc.message  # the reason first: the status bar is short
            return False
        self.autosave_error = ""
        self.autosaved = True
        return True

    def _hold_lock(self) -> None:
        if self.lock.isLocked():
            return
        try:
            self.recovery_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PlaygroundError(f"cannot create the recovery folder: "
                                  f"{exc.strerror or exc}", str(self.recovery_dir)) from None
        sweep_stale_temps(self.recovery_dir)  # what crashed autosaves left half written
        if not self.lock.tryLock(0):
            raise PlaygroundError("cannot lock the recovery file "
                                  f"({self.lock.error().name})", str(self.recovery_path))

    def orphaned_recoveries(self) -> list[Path]:
        """Recovery files left by instances that are gone, newest first, each claimed by
        this instance (another starting instance will not offer it too) until it is
        restored, discarded or :meth:`release`-d. Files of running instances are skipped."""
        try:
            paths = [p for p in self.recovery_dir.glob(RECOVERY_GLOB)
                     if p.is_file() and p != self.recovery_path]
        except OSError:
            return []
        found = []
        for path in sorted(paths, key=_mtime, reverse=True):
            if path in self._claimed:
                found.append(path)
                continue
            lock = QLockFile(str(path) + LOCK_SUFFIX)
            lock.setStaleLockTime(0)
            if lock.tryLock(0):  # its owner is gone (or it never had one)
                self._claimed[path] = lock
                found.append(path)
        return found

    def has_recovery(self) -> bool:
        """True when a recovery file was left behind by an instance that is gone."""
        return bool(self.orphaned_recoveries())

    def read_recovery(self, path: str | os.PathLike) -> tuple[Project | None, str]:
        """(the project in recovery file ``path``, "") or, when it cannot be read,
        (None, the reason and where the file was moved aside, never deleted)."""
        path = Path(path)
        try:
            return load_project(path), ""
        except PlaygroundError as exc:
            kept = self._move_aside(path)
            where = f"; it was kept as {kept}" if kept else ""
            return None, f"{exc}{where}"

    def _move_aside(self, path: Path) -> Path | None:
        target = path.with_name(path.name + UNREADABLE_SUFFIX)
        k = 1
        while target.exists():
            k += 1
            target = path.with_name(f"{path.name}{UNREADABLE_SUFFIX}-{k}")
        try:
            os.replace(path, target)
        except OSError:
            return None
        self.release(path)
        return target

    def adopt_recovery(self, path: str | os.PathLike, project: Project) -> None:
        """``project`` was restored from ``path``: autosave it as this instance's own, then
        remove ``path`` (kept if the autosave fails, so the work is never lost)."""
        if self.write_recovery(project):
            self.discard_recovery(path)

    def discard_recovery(self, path: str | os.PathLike) -> None:
        """Delete a claimed recovery file of a gone instance (the user declined it)."""
        path = Path(path)
        if path not in self._claimed:
            return  # never delete a file we have not claimed: its owner may be alive
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass
        self.release(path)

    def release(self, path: str | os.PathLike) -> None:
        """Stop claiming ``path`` (its lock file goes)."""
        lock = self._claimed.pop(Path(path), None)
        if lock is not None:
            lock.unlock()

    def remove_recovery(self) -> None:
        """Delete this instance's recovery file and lock (clean exit)."""
        try:
            self.recovery_path.unlink(missing_ok=True)
        except OSError:
            pass
        for path in list(self._claimed):
            self.release(path)
        if self.lock.isLocked():
            self.lock.unlock()


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
