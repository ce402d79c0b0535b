"""The main window: node editor in the middle, data / training / presets on the left, live
views on the right, curves at the bottom, run status in the status bar.

The window holds the open :class:`~playground.project.schema.Project`; the editor,
the panels and the file actions edit it in place (every edit marks it
modified, shown as "*" in the title). Training runs in the worker thread
(:mod:`ui.window.run_controller`), file actions live in :mod:`ui.window.file_controller`.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QShowEvent, QUndoStack
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from playground import errorlog
from playground.data import DATASETS
from playground.graph import Graph
from playground.tasks import TASKS
from playground.training.model_thread import allow_model_access, forbid_model_access
from ui.dialogs.messages import ABOUT, Dialogs
from ui.editor.editor import GraphEditor
from ui.panels.data_panel import BANNER_STYLE, DataPanel
from ui.panels.preset_browser import PresetBrowser
from ui.panels.training_panel import TrainingPanel
from ui.window.actions import SpaceForCanvas, build_menus, make_actions, shortcut_rows
from ui.window.file_controller import FileController
from ui.window.gc_guard import GuiGarbageCollector
from ui.window.project_files import ProjectFiles, new_project
from ui.window.run_controller import RunController
from ui.window.run_status import RunStatus
from ui.window.theme import SETTINGS_KEY, apply_theme, saved_mode
from ui.window.view_docks import ViewDocks, normalise_layout

APP_TITLE = "Neural-network playground"
STATUS_MS = 8000


def target_of(spec: Any) -> str | None:
    """The target kind ("class", "regression", "none") of a data spec; None without data."""
    if spec is None:
        return None
    return DATASETS.get(spec.type).info_for(spec.params).target


class MainWindow(QMainWindow):
    """The playground's main window.

    Parameters
    ----------
    project : Project, optional
        What to open (an empty project by default).
    files : ProjectFiles, optional
        File state, recent files and recovery folder (tests pass temporary ones).
    dialogs : Dialogs, optional
        The user questions (tests pass fakes).
    autosave : bool
        Autosave to the recovery file (off for screenshots and benchmarks).
    path : path-like, optional
        The file ``project`` came from.

    Signals
    -------
    first_shown()
        The window has painted for the first time (deferred loading starts now).
    """

    first_shown = Signal()

    def __init__(self, project: Any = None, files: ProjectFiles | None = None,
                 dialogs: Any = None, autosave: bool = True, path: Any = None):
        super().__init__()
        self.setObjectName("main_window")
        self.files = files if files is not None else ProjectFiles()
        self.dialogs = dialogs if dialogs is not None else Dialogs(self)
        self.project = project if project is not None else new_project()
        self.theme = saved_mode(self.files.settings)
        self._shown_once = False
        self.closed = False
        self._quiet = 0
        forbid_model_access()  # this thread draws; the run's worker thread computes
        self.gc_guard = GuiGarbageCollector(self)  # collect on this thread only (see gc_guard)
        self.gc_guard.start()
        self.undo_stack = QUndoStack(self)
        self.editor = GraphEditor(self.project.graph or Graph(), self.undo_stack)
        self.data_panel = DataPanel()
        self.training_panel = TrainingPanel()
        self.preset_browser = PresetBrowser()
        self.views = ViewDocks(self, on_skipped=self._on_views_skipped)
        self.run_status = RunStatus()
        self.run = RunController(self)
        self.views.refresh = self.run.worker.refresh
        self.file_ops = FileController(self, autosave)
        self._build_central()
        self.panel_docks = self._build_docks()
        handlers = {
            "new": self.file_ops.new, "open": self.file_ops.open, "save": self.file_ops.save,
            "save_as": self.file_ops.save_as, "export": self.file_ops.export,
            "quit": self.close, "play_pause": self.run.play_pause, "play": self.run.play,
            "pause": self.run.pause, "step": lambda: self.run.step("batch"),
            "step_epoch": lambda: self.run.step("epoch"), "stop": self.run.stop,
            "reset": self.run.reset, "reset_layout": self.reset_layout,
            "shortcuts": self.show_shortcuts,
            "error_log": lambda: self.dialogs.info("Error log", errorlog.describe()),
            "about": lambda: self.dialogs.info("About", ABOUT)}
        self.actions = make_actions(self, handlers)
        self.menus = build_menus(self, self.actions, self.editor.actions, self.set_theme,
                                 self.theme)
        self.menus["recent"].aboutToShow.connect(
            lambda: self.file_ops.fill_recent(self.menus["recent"]))
        self.menus["docks"].aboutToShow.connect(self._fill_docks_menu)
        self.menus["view_list"].aboutToShow.connect(
            lambda: self.views.fill_views_menu(self.menus["view_list"], self.toggle_view))
        self.menus["view_images"].aboutToShow.connect(
            lambda: self.views.fill_export_menu(self.menus["view_images"]))
        self._add_variants_action()
        self.training_panel.set_actions(self.actions)
        self._space = SpaceForCanvas(self.actions["play_pause"], self)
        self.editor.view.installEventFilter(self._space)
        self.editor.view.viewport().installEventFilter(self._space)
        self.statusBar().addPermanentWidget(self.run_status)
        self._connect()
        self._default_state = None
        self.set_project(self.project, path=path)

    # -- layout ------------------------------------------------------------------------------
    def _build_central(self) -> None:
        self.banner = QLabel(objectName="central_banner", wordWrap=True)
        self.banner.setStyleSheet(BANNER_STYLE)
        self.banner.hide()
        self.graph_combo = QComboBox(objectName="graph_combo")
        self.graph_combo.activated.connect(lambda *_: self._show_graph())
        self.graph_row = QWidget()
        row = QHBoxLayout(self.graph_row)
        row.setContentsMargins(6, 4, 6, 0)
        row.addWidget(QLabel("Graph:"))
        row.addWidget(self.graph_combo)
        row.addStretch(1)
        self.central = QWidget(objectName="central")
        column = QVBoxLayout(self.central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(self.banner)
        column.addWidget(self.graph_row)
        column.addWidget(self.editor, 1)
        self.editor.splitter.setSizes([160, 900, 250])  # most of the centre for the canvas
        self.setCentralWidget(self.central)

    def _build_docks(self) -> dict[str, QDockWidget]:
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks
                            | QMainWindow.DockOption.AllowTabbedDocks)
        docks = {}
        for key, title, widget in (("data", "Data", self.data_panel),
                                   ("presets", "Presets", self.preset_browser),
                                   ("training", "Training", self.training_panel)):
            dock = QDockWidget(title, self, objectName=f"dock_{key}")
            dock.setWidget(widget)
            docks[key] = dock
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, docks["data"])
        self.splitDockWidget(docks["data"], docks["training"], Qt.Orientation.Vertical)
        self.tabifyDockWidget(docks["data"], docks["presets"])
        docks["data"].raise_()
        return docks

    def _add_variants_action(self) -> None:
        """Train > Run all variants (and its button in the training panel)."""
        action = QAction("Run all &variants", self, objectName="action_run_variants")
        action.setStatusTip("Train each side-by-side configuration of this preset in turn, "
                            "overlay their curves and check the book's results")
        action.setToolTip(action.statusTip())
        action.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MediaSeekForward))
        action.triggered.connect(lambda _=False: self.run.run_variants())
        action.setEnabled(False)
        self.addAction(action)
        self.menus["train"].addSeparator()
        self.menus["train"].addAction(action)
        self.actions["run_variants"] = action

    def _fill_docks_menu(self) -> None:
        """View > Panels: a check item per dock (the panels, then the current views)."""
        menu = self.menus["docks"]
        menu.clear()
        for dock in self.panel_docks.values():
            menu.addAction(dock.toggleViewAction())
        menu.addSeparator()
        for dock in self.views.docks.values():
            menu.addAction(dock.toggleViewAction())

    def toggle_view(self, vid: str, on: bool) -> None:
        """Open or close view ``vid``; the project's layout remembers it."""
        if on:
            self.views.add_view(vid)
            self.run.worker.refresh()  # its probe's data now, even while paused
        else:
            self.views.remove_view(vid)
        layout = normalise_layout(self.views.view_ids)  # curves last, as presets have it
        if layout != list(self.project.views.get("layout") or []):
            self.project.views = {**self.project.views, "layout": layout}
            self.mark_edited()

    def reset_layout(self) -> None:
        """Put the docks back where they were when the window first showed."""
        if self._default_state is not None:
            self.restoreState(self._default_state)
        for dock in (*self.panel_docks.values(), *self.views.docks.values()):
            dock.show()

    def apply_default_sizes(self) -> None:
        """Give the columns sensible widths for the window's size, then fit the graph."""
        left = [self.panel_docks["data"]]
        right = [d for vid, d in self.views.docks.items() if vid != "curves"][:1]
        self.resizeDocks(left, [max(320, self.width() // 5)], Qt.Orientation.Horizontal)
        if right and self.central.isVisible():
            self.resizeDocks(right, [max(420, self.width() * 7 // 27)],
                             Qt.Orientation.Horizontal)
        self.resizeDocks([self.panel_docks["data"], self.panel_docks["training"]],
                         [self.height() * 9 // 20, self.height() * 11 // 20],
                         Qt.Orientation.Vertical)
        curves = self.views.docks.get("curves")
        if curves is not None:
            size = self.height() // 4 if self.central.isVisible() else self.height() * 2 // 5
            self.resizeDocks([curves], [max(220, size)], Qt.Orientation.Vertical)
        QTimer.singleShot(80, self.editor.fit_view)

    # -- project -----------------------------------------------------------------------------
    def set_project(self, project: Any, path: Any = None, modified: bool = False) -> None:
        """Show ``project`` everywhere and (once the window has shown) build its session."""
        self.run.stop_session()
        self.project = project
        self.files.reset(path, modified)
        self.graph_combo.clear()
        self.graph_combo.addItems(list(project.graphs))
        self.graph_row.setVisible(len(project.graphs) > 1)
        self.central.setVisible(bool(project.graphs))
        self.data_panel.dataset = None
        self._show_graph()
        self.banner.hide()
        self.data_panel.set_spec(project.data, load=self._shown_once)
        self.training_panel.set_project(project, target_of(project.data))
        self.actions["run_variants"].setEnabled(bool(project.variants))
        layout = list(project.views.get("layout") or TASKS.get(project.task).views)
        self.views.clear_runs()
        self.views.set_layout(layout, curves_below=bool(project.graphs))
        # Without data the preset's description is the more useful tab.
        self.panel_docks["presets" if project.data is None else "data"].raise_()
        self.preset_browser.set_current(project.id)
        self.run_status.reset()
        self.run_status.set_state("empty")
        self.run.stale = True
        self.update_title()
        if self._shown_once:
            self._after_project_shown()

    def _after_project_shown(self) -> None:
        """The heavy part of opening a project, after the window is on screen."""
        if self.closed:
            return
        if self.data_panel.dataset is None:
            self.data_panel.reload()
        self.views.materialise()
        # Docks added this turn get their geometry only after the layout settles.
        QTimer.singleShot(80, lambda: None if self.closed else self.apply_default_sizes())
        if self.run.auto_prepare:
            self.run.prepare()

    def _show_graph(self) -> None:
        name = self.graph_combo.currentText()
        graph = self.project.graphs.get(name) or self.project.graph or Graph()
        self._quiet += 1  # showing a graph is not an edit
        try:
            self.editor.set_graph(graph)
        finally:
            self._quiet -= 1
        if self.data_panel.dataset is not None:
            self._on_dataset_loaded(self.data_panel.dataset)

    def editing_main_graph(self) -> bool:
        """True when the editor shows the graph the neuron maps belong to."""
        return self.editor.graph is self.project.graph

    def update_title(self) -> None:
        """"name* — Neural-network playground"."""
        star = "*" if self.files.modified else ""
        self.setWindowTitle(f"{self.files.display_name(self.project)}{star} — {APP_TITLE}")

    def show_status(self, text: str, error: bool = False, timeout: int = STATUS_MS) -> None:
        """A message in the status bar (red for errors)."""
        bar = self.statusBar()
        bar.setStyleSheet("QStatusBar { color: #d64545; }" if error else "")
        # The bar clips a long message flush against the run status; end it with "…"
        # and a gap instead, the whole text in the tooltip.
        room = bar.width() - self.run_status.width() - 40
        shown = text
        if room > 100 and bar.fontMetrics().horizontalAdvance(text) > room:
            shown = bar.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, room)
        bar.setToolTip(text if shown != text else "")
        bar.showMessage(shown, timeout)

    # -- edits -------------------------------------------------------------------------------
    def _connect(self) -> None:
        self.editor.graph_edited.connect(lambda: None if self._quiet else self.mark_edited())
        self.data_panel.spec_changed.connect(self._on_spec_changed)
        self.data_panel.dataset_loaded.connect(self._on_dataset_loaded)
        self.data_panel.import_requested.connect(self.actions["import_data"].trigger)
        self.training_panel.task_changed.connect(self._on_task_changed)
        self.training_panel.config_changed.connect(self._on_config_changed)
        self.preset_browser.open_requested.connect(self.file_ops.open_preset)

    def mark_edited(self, stale: bool = True) -> None:
        """The project changed: "*" in the title, autosave soon, a rebuild at the next Play."""
        self.files.mark_modified()
        if stale:
            if not self.run.stale and self.run.session is not None:
                self.show_status("Edited: press Play or Reset to train the new version")
            self.run.stale = True
        self.update_title()
        self.file_ops.edited()

    def _on_spec_changed(self, spec: Any) -> None:
        if spec is None and TASKS.get(self.project.task).targets:
            self.data_panel.set_spec(self.project.data)  # put the dataset back
            self.data_panel.show_error(f"the {TASKS.get(self.project.task).label} task needs "
                                       "a dataset")
            return
        self.project.data = spec
        self.training_panel.set_target(target_of(spec), list(self.project.graphs))
        self.mark_edited()

    def _on_dataset_loaded(self, dataset: Any) -> None:
        self.editor.set_data_shape(dataset.input_shape)
        note = dataset.info.substitute
        self.banner.setText(f"Substitute data: {note}" if note else "")
        self.banner.setVisible(bool(note))

    def _on_task_changed(self, task_id: str, params: dict) -> None:
        self.project.task, self.project.task_params = task_id, dict(params)
        self.mark_edited()

    def _on_config_changed(self, config: Any) -> None:
        old, self.project.training = self.project.training, config
        live = self.run.apply_training(old, config)
        self.mark_edited(stale=not live)

    def _on_views_skipped(self, ids: list[str]) -> None:
        self.show_status(f"Views not available yet, skipped: {', '.join(ids)}", timeout=0)

    # -- theme, help -------------------------------------------------------------------------
    def set_theme(self, mode: str) -> None:
        """Light, dark or follow the system; saved for the next start."""
        self.theme = mode
        self.files.settings.setValue(SETTINGS_KEY, mode)
        apply_theme(QApplication.instance(), mode)
        self.views.rebuild()
        self.data_panel.preview.refresh_theme()
        if self.data_panel.dataset is not None:
            self.data_panel.preview.show_dataset(self.data_panel.dataset)
        self.editor.scene.update()

    def show_shortcuts(self) -> None:
        """Help > Keyboard shortcuts."""
        self.dialogs.shortcuts(shortcut_rows(self.actions, self.editor.actions))

    # -- Qt overrides ------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            QTimer.singleShot(0, self._first_shown)

    def _first_shown(self) -> None:
        if self.closed:
            return
        self.first_shown.emit()
        self.preset_browser.load_async()
        self._after_project_shown()
        QTimer.singleShot(50, lambda: setattr(self, "_default_state", self.saveState()))

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if not self.file_ops.confirm_discard():
            event.ignore()
            return
        self.shutdown()
        self.file_ops.clean_exit()
        event.accept()

    def shutdown(self) -> None:
        """Stop training, join every thread; the window does no more background work."""
        if not self.closed:
            allow_model_access()
        self.closed = True
        self.run.shutdown()
        self.data_panel.shutdown()
        self.preset_browser.wait()
        self.gc_guard.stop()
