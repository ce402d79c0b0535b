"""The main window: node editor in the middle, data / training / presets on the left, live
views on the right, curves at the bottom, run status in the status bar.

The window holds the open :class:`~playground.project.schema.Project`; the editor,
the panels and the file actions edit it in place (every edit marks it
modified, shown as "*" in the title). Training runs in the worker thread
(:mod:`ui.window.run_controller`), file actions live in :mod:`ui.window.file_controller`,
and the edits of the editor and the panels reach the project through
:mod:`ui.window.project_edits`.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QShowEvent, QUndoStack
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QVBoxLayout,
    QWidget,
)

from playground import errorlog
from playground.graph import Graph
from playground.training.model_thread import allow_model_access, forbid_model_access
from ui.dialogs.messages import ABOUT, Dialogs
from ui.editor.editor import GraphEditor
from ui.panels.data_panel import DataPanel
from ui.panels.preset_browser import PresetBrowser
from ui.panels.training_panel import TrainingPanel
from ui.window.actions import (
    SpaceForCanvas,
    add_plan_actions,
    build_menus,
    make_actions,
    shortcut_rows,
)
from ui.window.file_controller import FileController
from ui.window.gc_guard import GuiGarbageCollector
from ui.window.geometry import STATE_VERSION, save_window, saved_state
from ui.window.project_edits import ProjectEdits, target_of
from ui.window.project_files import ProjectFiles, new_project
from ui.window.run_controller import RunController
from ui.window.run_status import RunStatus
from ui.window.theme import SETTINGS_KEY, apply_theme, saved_mode
from ui.window.variant_graphs import VariantGraphs
from ui.window.view_docks import ViewDocks, normalise_layout
from ui.window.window_layout import (
    PALETTE_MIN_WINDOW,
    apply_default_sizes,
    build_panel_docks,
    fill_docks_menu,
    keep_graph_readable,
    layout_ids,
    reset_layout,
)

APP_TITLE = "Neural-network playground"
STATUS_MS = 8000
#: How many seeds Train > Run seeds proposes.
SEEDS_DEFAULT = 16


class MainWindow(ProjectEdits, QMainWindow):
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
    remember_layout : bool
        Restore the docks' state of the last session when first shown, and save it on
        close (the app does; screenshots and tests start from the default layout).

    Signals
    -------
    first_shown()
        The window has painted for the first time (deferred loading starts now).
    """

    first_shown = Signal()

    def __init__(self, project: Any = None, files: ProjectFiles | None = None,
                 dialogs: Any = None, autosave: bool = True, path: Any = None,
                 remember_layout: bool = False):
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
        self.variant_graphs = VariantGraphs(self)  # the variant on screen (Run all variants)
        self.run = RunController(self)
        self.views.refresh = self.run.worker.refresh
        self.file_ops = FileController(self, autosave)
        self._build_central()
        self.panel_docks = build_panel_docks(self)
        keep_graph_readable(self)
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
        self.menus["docks"].aboutToShow.connect(lambda: fill_docks_menu(self))
        self.menus["view_list"].aboutToShow.connect(
            lambda: self.views.fill_views_menu(self.menus["view_list"], self.toggle_view))
        self.menus["view_images"].aboutToShow.connect(
            lambda: self.views.fill_export_menu(self.menus["view_images"]))
        add_plan_actions(self)
        self.training_panel.set_actions(self.actions)
        self._space = SpaceForCanvas(self.actions["play_pause"], self)
        self.editor.view.installEventFilter(self._space)
        self.editor.view.viewport().installEventFilter(self._space)
        self.statusBar().addPermanentWidget(self.run_status)
        self._connect_edits()
        self.remember_layout = remember_layout
        #: The docks' sizes came from the user's last session: keep them for the first project.
        self._restored_layout = False
        self.set_project(self.project, path=path)

    # -- layout ------------------------------------------------------------------------------
    def _build_central(self) -> None:
        # The substitute-data note lives in the data panel, where the data is described:
        # the graph keeps its height (the window's ``banner`` is that label).
        self.banner = self.data_panel.banner
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
        column.addWidget(self.graph_row)
        column.addWidget(self.editor, 1)
        self.editor.splitter.setSizes([160, 900, 250])  # most of the centre for the canvas
        self.setCentralWidget(self.central)

    def reset_layout(self) -> None:
        """View > Reset layout: every panel and view back in its default place and size."""
        reset_layout(self)

    def apply_default_sizes(self) -> None:
        """Column widths for the window's size (:func:`ui.window.window_layout`)."""
        apply_default_sizes(self)


    def ask_run_seeds(self) -> bool:
        """Ask how many seeds, then run them; False when the user cancels."""
        count = self.dialogs.ask_seeds(SEEDS_DEFAULT)
        return count is not None and self.run.run_seeds(count)

    def show_seeds(self, result: Any) -> None:
        """Open the Seeds view on a finished seeds plan: a window of its own the first time
        (its three plots need the room; it can be docked back)."""
        if "seeds" not in self.views.views:
            self.toggle_view("seeds", True)
            self.views.materialise()
            dock = self.views.docks["seeds"]
            dock.setFloating(True)
            frame = self.frameGeometry()
            dock.resize(int(frame.width() * 0.8), int(frame.height() * 0.8))
            dock.move(frame.center() - dock.rect().center())
        self.views.docks["seeds"].show()
        self.views.docks["seeds"].raise_()
        self.views.views["seeds"].set_session(self.run.session)
        self.views.views["seeds"].show_seeds(result)

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
        self.views.clear_runs()
        self.views.set_layout(layout_ids(project), curves_below=bool(project.graphs))
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
        # Docks added this turn get their geometry only after the layout settles. The first
        # project after a restored layout keeps the sizes the user left.
        if self._restored_layout:
            self._restored_layout = False
            self.editor.show_palette(self.width() >= PALETTE_MIN_WINDOW)
            QTimer.singleShot(80, lambda: None if self.closed else self.editor.refit())
        else:
            QTimer.singleShot(80, lambda: None if self.closed else self.apply_default_sizes())
        if self.run.auto_prepare:
            self.run.prepare()

    def refresh_graph(self) -> None:
        """Show the current graph again (the project's, or the variant's on screen)."""
        self._show_graph()

    def _show_graph(self) -> None:
        name = self.graph_combo.currentText()
        graph = self.variant_graphs.graph(name) or self.project.graphs.get(name) \
            or self.project.graph or Graph()
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
        if self.remember_layout:
            state = saved_state(self.files.settings)
            self._restored_layout = state is not None and self.restoreState(state,
                                                                            STATE_VERSION)
        self._after_project_shown()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if not self.file_ops.confirm_discard():
            event.ignore()
            return
        if self.remember_layout:
            save_window(self, self.files.settings)
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
