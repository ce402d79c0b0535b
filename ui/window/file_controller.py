"""The main window's File menu: New, Open, Open Recent, Import, Save, Save As, Export, autosave.

:class:`FileController` asks through the window's :class:`~ui.dialogs.messages.Dialogs`
and does the work through :class:`~ui.window.project_files.ProjectFiles`, so every path is
testable with a fake dialogs object. Errors in a file show as one line naming
the bad field; nothing here ever shows a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer

from playground.errors import PlaygroundError
from ui.window.project_files import new_project

AUTOSAVE_MS = 30_000
#: Quiet time after a burst of edits before autosaving.
BURST_MS = 3_000


class FileController(QObject):
    """File actions of ``window`` (which provides ``project``, ``files``, ``dialogs``,
    ``set_project``, ``show_status`` and ``run``)."""

    def __init__(self, window: Any, autosave: bool = True):
        super().__init__(window)
        self.window = window
        self.autosave_enabled = autosave
        self._export_token: int | None = None
        self.preset_dialog: Any = None  # File > Open preset, while it is open
        self._periodic = QTimer(self, interval=AUTOSAVE_MS)
        self._periodic.timeout.connect(self.autosave)
        self._burst = QTimer(self, interval=BURST_MS, singleShot=True)
        self._burst.timeout.connect(self.autosave)
        if autosave:
            self._periodic.start()

    @property
    def files(self) -> Any:
        return self.window.files

    # -- unsaved changes ---------------------------------------------------------------------
    def confirm_discard(self) -> bool:
        """True when it is fine to replace or close the project (saved, discarded, or clean)."""
        if not self.files.modified:
            return True
        answer = self.window.dialogs.confirm_discard(self.files.display_name(self.window.project))
        if answer == "save":
            return self.save()
        return answer == "discard"

    # -- actions -----------------------------------------------------------------------------
    def new(self) -> None:
        """File > New: Input -> Dense -> Output on the current data, ready to train."""
        if self.confirm_discard():
            window = self.window
            window.set_project(new_project(window.project.data, window.data_panel.dataset))

    def open(self, path: str | None = None) -> bool:
        """File > Open (or a recent file); errors show as a one-line message."""
        if not self.confirm_discard():
            return False
        if path is None:
            folder = str(self.files.path.parent) if self.files.path else ""
            path = self.window.dialogs.open_path(folder)
            if not path:
                return False
        try:
            project = self.files.open(path)
        except PlaygroundError as exc:
            self.window.dialogs.error("Cannot open the project", str(exc))
            return False
        self.window.set_project(project, path=path)
        self.window.show_status(f"Opened {Path(path).name}")
        return True

    def browse_presets(self) -> None:
        """File > Open preset: the catalogue in a dialog (window-modal, so the window
        stays responsive and a test can drive it); Open in it opens the preset."""
        from ui.dialogs.preset_dialog import PresetDialog

        dialog = self.preset_dialog = PresetDialog(self.window.preset_browser, self.window)
        dialog.open_requested.connect(self.open_preset)
        dialog.finished.connect(self._preset_dialog_closed)
        dialog.open()

    def _preset_dialog_closed(self) -> None:
        if self.preset_dialog is not None:
            self.preset_dialog.deleteLater()
            self.preset_dialog = None

    def open_preset(self, path: str) -> bool:
        """Open a shipped preset: it becomes an untitled project (Save asks where), so the
        preset file itself is never overwritten."""
        from ui.window.project_files import load_any

        if not self.confirm_discard():
            return False
        try:
            project = load_any(path)
        except PlaygroundError as exc:
            self.window.dialogs.error("Cannot open the preset", str(exc))
            return False
        self.window.set_project(project)
        self.window.show_status(f"Opened preset {project.id}: {project.title}")
        return True

    def save(self) -> bool:
        """File > Save (Save As when the project has no file yet)."""
        if self.files.path is None:
            return self.save_as()
        return self._save(self.files.path)

    def save_as(self) -> bool:
        """File > Save As."""
        project = self.window.project
        stem = (project.name or project.id or "project").replace(" ", "_")
        folder = self.files.path.parent if self.files.path else Path.home()
        path = self.window.dialogs.save_path(str(folder / f"{stem}.json"))
        return bool(path) and self._save(path)

    def _save(self, path: str | Path) -> bool:
        try:
            target = self.files.save(self.window.project, path)
        except PlaygroundError as exc:
            self.window.dialogs.error("Cannot save the project", str(exc))
            return False
        self.window.update_title()
        self.window.show_status(f"Saved {target}")
        return True

    def fill_recent(self, menu: Any) -> None:
        """Rebuild the Open Recent menu."""
        menu.clear()
        paths = self.files.recent_files()
        for i, path in enumerate(paths, start=1):
            action = menu.addAction(f"&{i} {Path(path).name}")
            action.setToolTip(path)
            action.triggered.connect(lambda _=False, p=path: self.open(p))
        if not paths:
            menu.addAction("No recent files").setEnabled(False)
        else:
            menu.addSeparator()
            menu.addAction("Clear list").triggered.connect(lambda: self.files.clear_recent())

    def export(self) -> None:
        """File > Export: format and file, then the export runs where the model lives.

        With the real dialogs this is the export dialog (:mod:`ui.dialogs.export`);
        scripted dialogs (tests) answer ``export_target`` and the status bar reports.
        """
        from ui.dialogs.messages import Dialogs

        if isinstance(self.window.dialogs, Dialogs):
            from ui.dialogs.export import open_export_dialog
            open_export_dialog(self.window)
            return
        try:
            from playground.export import FORMATS, export
        except ImportError as exc:
            self.window.dialogs.error("Export is not available", str(exc))
            return
        run = self.window.run
        if run.session is None:
            self.window.dialogs.error("Nothing to export yet",
                                      "Press Reset or Play to build the model first.")
            return
        from ui.dialogs.export import suggested_path

        choice = self.window.dialogs.export_target(FORMATS, suggested_path(self.window, ".pt"))
        if choice is None:
            return
        fmt, path = choice
        if Path(path).exists() and not self.window.dialogs.confirm_overwrite(path):
            self.window.show_status(f"Not exported: {Path(path).name} exists")
            return
        self.window.show_status(f"Exporting {fmt} to {path}…")
        self._export_token = run.worker.call_on_trainer(lambda s: export(s, fmt, path))
        run.worker.call_done.connect(self._on_export_done)

    def _on_export_done(self, token: int, result: Any, error: str) -> None:
        if token != self._export_token:
            return
        self.window.run.worker.call_done.disconnect(self._on_export_done)
        if error:
            self.window.dialogs.error("Export failed", error)
            return
        notes = "".join(f" · note: {note}" for note in result.notes)
        self.window.show_status(result.summary() + notes, timeout=0)

    def export_metrics(self) -> None:
        """File > Export metrics as CSV (:func:`ui.dialogs.export.export_metrics`)."""
        from ui.dialogs.export import export_metrics
        export_metrics(self.window)

    def import_data(self) -> None:
        """File > Import data: the import dialog; the DataSpec it returns (with the files'
        checksums) becomes the project's data, as if chosen in the data panel."""
        from ui.dialogs.data_import import ask_import

        spec = ask_import(self.window, self.window.project.data)
        if spec is None:
            return
        panel = self.window.data_panel
        panel.set_spec(spec)
        panel.spec_changed.emit(spec)  # the window's usual path: project, training panel
        self.window.panel_docks["data"].raise_()
        self.window.show_status(f"Imported {spec.type} data")

    # -- autosave and recovery ---------------------------------------------------------------
    def edited(self) -> None:
        """An edit happened: autosave after the burst settles."""
        if self.autosave_enabled:
            self._burst.start()

    def autosave(self) -> bool:
        """Write the recovery file if there are changes it does not hold yet; a failure
        shows in the status bar at once (the user must not believe they are protected)."""
        if not self.autosave_enabled or self.files.autosaved:
            return False
        if self.files.write_recovery(self.window.project):
            return True
        self.window.show_status(f"Autosave failed: {self.files.autosave_error}", error=True,
                                timeout=0)
        return False

    def offer_recovery(self) -> bool:
        """Offer the recovery files crashed instances left (never a running instance's),
        newest first; True when one was restored. Unreadable ones are moved aside."""
        files = self.files
        for path in files.orphaned_recoveries():
            project, problem = files.read_recovery(path)
            if project is None:
                self.window.show_status(f"The recovery file could not be read: {problem}",
                                        error=True, timeout=0)
                continue
            if not self.window.dialogs.offer_recovery(path):
                files.discard_recovery(path)
                continue
            self.window.set_project(project, path=None, modified=True)
            files.adopt_recovery(path, project)
            self.window.show_status("Restored the autosaved project: save it to keep it")
            for rest in files.orphaned_recoveries():  # offered again at the next start
                files.release(rest)
            return True
        return False

    def clean_exit(self) -> None:
        """Stop autosaving and remove the recovery file."""
        self._periodic.stop()
        self._burst.stop()
        if self.autosave_enabled:
            self.files.remove_recovery()
