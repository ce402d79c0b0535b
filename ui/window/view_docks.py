"""Docks of live views, made from the project's ``views.layout`` and the VIEWS registry.

Docks are placed at once (so the window layout does not jump) and filled
with their view widgets by :meth:`ViewDocks.materialise`, which the main
window calls once it has shown: pyqtgraph and the view modules load after
the window first paints. The curves view is always
present ("loss" in a layout means it). Unregistered ids are skipped and
reported. Views get the session when it is ready and every snapshot as it
arrives; each repaints the newest one on its own timer.

Each task's default layout gives its main view the space (the step-through
table, the filter mosaic, the latent plot, a GAN's distributions, the optimizer
paths...; see :mod:`ui.window.dock_layout`). The shares hold through window
resizes; :meth:`ViewDocks.reset_layout` puts the task's default back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QMenu, QWidget

from ui.window.dock_layout import CURVES, DockLayout

#: View ids that mean the curves view.
CURVE_IDS = ("loss", "curves")
#: Milliseconds between handing the newest snapshot to the next view (see show_snapshot).
PACE_MS = 30
#: Earlier runs kept for overlays (the five configurations of a preset and a few more).
RUNS_KEPT = 12


class ViewHost(QWidget):
    """Holds a view in its dock without a layout, so the view's own relayouts stop here.

    A view that changes a label's text every frame would otherwise invalidate
    the dock's layout, then the main window's, relayouting and repainting the
    whole window dozens of times a second (and widening the column to fit the
    text). The host keeps a constant size hint and sizes the view to itself.
    """

    def __init__(self, view: QWidget, hint: QSize):
        super().__init__()
        self.view = view
        self._hint = hint
        view.setParent(self)
        view.show()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return self._hint

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(160, 120)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        self.view.setGeometry(self.rect())
        super().resizeEvent(event)


def normalise_layout(view_ids: list[str]) -> list[str]:
    """Layout ids without duplicates, "loss" as "curves", curves always last."""
    out = []
    for vid in view_ids:
        vid = CURVES if vid in CURVE_IDS else vid
        if vid not in out:
            out.append(vid)
    if CURVES in out:
        out.remove(CURVES)
    return out + [CURVES]


class ViewDocks:
    """The view docks of one main window.

    Parameters
    ----------
    window : QMainWindow
        Where the docks go: live views in the right column, curves at the bottom.
    """

    def __init__(self, window: QMainWindow, on_skipped=None):
        self.window = window
        self.on_skipped = on_skipped
        #: Docks in the layout's order (what the project stores).
        self.docks: dict[str, QDockWidget] = {}
        self.views: dict[str, Any] = {}
        self.skipped: list[str] = []
        self.session: Any = None
        #: Asks for a fresh snapshot of the session (the run's worker sets it).
        self.refresh: Callable[[], None] | None = None
        self.runs: Any = None  # RunHistory, made with the first curves view
        self._pending = False
        self._latest: Any = None
        self._fed: dict[str, Any] = {}  # view id -> snapshot it was last given
        self._turn = 0
        self._pacer = QTimer(window, interval=PACE_MS)
        self._pacer.timeout.connect(self._pace)
        #: Where the docks go and the window shares they hold (see dock_layout).
        self.arrangement = DockLayout(window, self.docks)

    @property
    def view_ids(self) -> list[str]:
        """Ids of the docks, in layout order."""
        return list(self.docks)

    @property
    def ready(self) -> bool:
        """True once every dock holds its view."""
        return not self._pending

    def set_layout(self, view_ids: list[str], curves_below: bool = True) -> None:
        """Replace the docks with ``view_ids`` in the task's default layout;
        :meth:`materialise` fills them. The previous session is forgotten (it was
        another project's): the new views say "Loading…" until theirs is ready.

        ``curves_below``: curves in the bottom area under the editor; else (no
        editor shown) in the right column under the first view. Ids the VIEWS
        registry does not know are dropped then, and reported through
        ``on_skipped(ids)``.
        """
        self.clear()
        self.session = None
        self._latest = None
        ids = normalise_layout(view_ids)
        self.skipped = []
        for vid in ids:
            self._new_dock(vid)
        self.arrangement.set_plan(ids, curves_below)
        self._pending = True

    def apply_sizes(self) -> None:
        """Give the right column, the main view and the curves the task's shares of the
        window now (the main window calls it once its docks have their geometry)."""
        self.arrangement.apply_sizes()

    def reset_layout(self) -> None:
        """Put the views back in the task's default layout: every view dock shown,
        docked and placed, with the default shares of the window (View > Reset layout)."""
        if not self.docks:
            return
        self.arrangement.reset()  # sizes them again once the layout settles

    def _new_dock(self, vid: str) -> QDockWidget:
        dock = QDockWidget(vid.replace("_", " ").capitalize(), self.window)
        dock.setObjectName(f"view_{vid}")
        dock.setWidget(QLabel("Loading…", alignment=Qt.AlignmentFlag.AlignCenter))
        # Right-click on the title: export the view as a PNG or SVG figure.
        dock.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        dock.customContextMenuRequested.connect(
            lambda pos, v=vid, d=dock: self._dock_menu(v).exec(d.mapToGlobal(pos)))
        self.docks[vid] = dock
        return dock

    def add_view(self, vid: str) -> None:
        """Open view ``vid`` (View > Views) as a tab of the right column, fed the session."""
        if vid in self.docks:
            self.docks[vid].show()
            self.docks[vid].raise_()
            return
        column = [d for v, d in self.docks.items() if v != CURVES
                  and self.window.dockWidgetArea(d) == Qt.DockWidgetArea.RightDockWidgetArea]
        dock = self._new_dock(vid)
        if column:
            self.window.tabifyDockWidget(column[-1], dock)
        else:
            self.window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self._pending = True
        self.materialise()
        dock.show()
        dock.raise_()
        if self._latest is not None and vid in self.views:
            self.views[vid].show_snapshot(self._latest)

    def remove_view(self, vid: str) -> None:
        """Close view ``vid`` and forget its dock (the curves stay)."""
        if vid == CURVES or vid not in self.docks:
            return
        view = self.views.pop(vid, None)
        if view is not None:
            view.deleteLater()
        dock = self.docks.pop(vid)
        self._fed.pop(vid, None)
        self.window.removeDockWidget(dock)
        dock.deleteLater()

    def materialise(self) -> None:
        """Put the view widgets into their docks (imports the views on first use)."""
        if not self._pending:
            return
        from ui.views import VIEWS, RunHistory, create_view

        self._pending = False
        if self.runs is None:
            self.runs = RunHistory(capacity=RUNS_KEPT)
        self.skipped = [vid for vid in self.docks if vid not in VIEWS]
        for vid in self.skipped:
            dock = self.docks.pop(vid)
            self.window.removeDockWidget(dock)
            dock.deleteLater()
        if self.skipped and self.on_skipped is not None:
            self.on_skipped(list(self.skipped))
        for vid, dock in self.docks.items():
            if vid in self.views:
                continue
            view = create_view(vid)
            view.refresh_requested.connect(self._refresh)
            if hasattr(view, "set_run_history"):  # curves, optimizer paths
                view.set_run_history(self.runs)
            dock.setWindowTitle(view.title)
            old = dock.widget()
            dock.setWidget(ViewHost(view, view.sizeHint()))
            if old is not None:
                old.deleteLater()
            self.views[vid] = view
            if self.session is not None:
                view.set_session(self.session)

    # -- figures -----------------------------------------------------------------------------
    def _dock_menu(self, vid: str) -> QMenu:
        menu = QMenu(self.window)
        action = menu.addAction("Export image (PNG, SVG)…")
        action.setEnabled(vid in self.views)
        action.triggered.connect(lambda _=False: self.export_view(vid))
        return menu

    def fill_views_menu(self, menu: QMenu, toggle: Any) -> None:
        """View > Views: every view, checked when open; ``toggle(view id, on)`` on a click."""
        from ui.views import VIEWS

        menu.clear()
        for vid, cls in VIEWS.items():
            if vid == "loss":  # the presets' name for the curves view
                continue
            action = menu.addAction(cls.title)
            action.setObjectName(f"action_view_{vid}")
            action.setCheckable(True)
            action.setChecked(vid in self.docks)
            action.setEnabled(vid != CURVES)  # always shown
            action.toggled.connect(lambda on, v=vid: toggle(v, on))

    def fill_export_menu(self, menu: QMenu) -> None:
        """One "export as image" item per view (View > Export view image)."""
        menu.clear()
        for vid, view in self.views.items():
            menu.addAction(f"{view.title}…").triggered.connect(
                lambda _=False, v=vid: self.export_view(v))
        if not self.views:
            menu.addAction("No views yet").setEnabled(False)

    def export_view(self, vid: str, ask: Any = None) -> str | None:
        """Ask for a file and save view ``vid`` there as PNG or SVG; the path, or None.

        ``ask`` replaces the file question (tests): ``ask(view) -> (path, error)``.
        The outcome is reported in the window's status bar.
        """
        from ui.dialogs.export import save_view_figure

        view = self.views.get(vid)
        if view is None:
            return None
        path, error = (ask or (lambda v: save_view_figure(v, self.window)))(view)
        report = getattr(self.window, "show_status", None)
        if report is not None and (path or error):
            report(f"Could not export {view.title}: {error}" if error
                   else f"Saved {view.title} to {path}", error=bool(error))
        return path

    def clear(self) -> None:
        """Remove every dock and view (the session stays: see :meth:`set_layout`)."""
        for view in self.views.values():
            view.deleteLater()  # views subscribed to the run store drop out on their own
        for dock in self.docks.values():
            self.window.removeDockWidget(dock)
            dock.deleteLater()
        self.docks.clear()
        self.views.clear()
        self._fed.clear()
        self._pending = False

    def rebuild(self) -> None:
        """Recreate the views (e.g. in a new palette), keeping the layout and session."""
        for vid, dock in self.docks.items():
            view = self.views.pop(vid, None)
            if view is not None:
                dock.setWidget(QLabel("Loading…", alignment=Qt.AlignmentFlag.AlignCenter))
                view.deleteLater()
        self._pending = True
        self.materialise()

    # -- feeding -----------------------------------------------------------------------------
    def _refresh(self) -> None:
        if self.refresh is not None:
            self.refresh()

    def set_session(self, session: Any, idle: str = "Loading…") -> None:
        """Show ``session`` in every view (None: no session; the views say ``idle``:
        "Loading…" while one is being built, "" when none will come, e.g. a failed build)."""
        self.session = session
        self._latest = None
        self._fed.clear()
        for view in self.views.values():
            if session is None:
                view.set_session(None, idle=idle)
            else:
                view.set_session(session)

    def show_snapshot(self, snapshot: Any) -> None:
        """Show ``snapshot`` in every view, one view per pacer tick.

        Views repaint in the window's next paint pass after they draw; handing
        the snapshot to all at once would repaint every plot in one pass (tens
        of milliseconds with several pyqtgraph views). Taking turns keeps each
        pass to one view, so the event loop never stalls long; every view still
        gets the newest snapshot within a few ticks.
        """
        self._latest = snapshot
        if not self._pacer.isActive():
            self._pace()
            self._pacer.start()

    def _pace(self) -> None:
        snap, views = self._latest, list(self.views.items())
        for i in range(len(views)):
            vid, view = views[(self._turn + i) % len(views)]
            if self._fed.get(vid) is not snap:
                view.show_snapshot(snap)
                self._fed[vid] = snap
                self._turn = (self._turn + i + 1) % len(views)
                return
        self._pacer.stop()  # every view has the newest: wait for the next one

    def flush(self) -> None:
        """Give every view the newest snapshot now and draw it (screenshots, tests)."""
        if self._latest is not None:
            for vid, view in self.views.items():
                view.show_snapshot(self._latest)
                self._fed[vid] = self._latest
                view.flush()

    def add_run(self, name: str, history: dict, **kwargs: Any) -> None:
        """Keep a finished run's curves as an overlay (``kwargs``: label, current,
        trajectories, summary; see :meth:`ui.views.runs.RunHistory.add_run`)."""
        if self.runs is not None and history:
            self.runs.add_run(name, history, **kwargs)

    def clear_runs(self) -> None:
        """Forget the overlaid runs (another project)."""
        if self.runs is not None:
            self.runs.clear()
