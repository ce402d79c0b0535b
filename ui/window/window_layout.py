"""Where the main window's panels go and how big they are: the graph keeps a readable width.

The left column holds Data (with Presets as a tab) above Training; the views
take the right column and the curves the strip under the graph, with the
shares their task gives them (:mod:`ui.window.dock_layout`), except that the
right column never takes the graph below :data:`GRAPH_MIN_WIDTH` (so at
1366x768 the graph still gets ~720 px and its text 9 pt). View > Reset layout
puts everything back here (:func:`reset_layout`, the one place that calls
the views' reset).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QDockWidget, QMainWindow, QScrollArea, QWidget

from playground.tasks import TASKS

#: The left column's width as (share of the window's width, least, most) in pixels.
LEFT_COLUMN = (0.2, 260, 360)
#: The graph's canvas keeps at least this width when the views' column would take it...
GRAPH_MIN_WIDTH = 730
#: ...but the views' column keeps at least this much.
VIEWS_MIN_WIDTH = 300
#: Windows at least this wide show the layer palette beside the graph from the start;
#: narrower ones give its width to the graph (the editor's "Layers" button shows it).
PALETTE_MIN_WINDOW = 1500


#: A dock's title bar and its tab bar (Data | Presets), in pixels.
DOCK_CHROME = 56
#: What the training panel keeps under a tall data panel: its buttons and first fields.
TRAINING_LEAST_HEIGHT = 230


def column_width(window_width: int, rule: tuple[float, int, int]) -> int:
    """A side column's width for a window ``window_width`` wide (see LEFT_COLUMN)."""
    share, least, most = rule
    return int(min(max(window_width * share, least), most))


class VerticalScroll(QScrollArea):
    """A panel that scrolls vertically when the window is shorter than its content (a
    series' or a text's many data parameters must not make the window taller than the
    screen), and is never narrower than its content (nothing cut at the right)."""

    #: The least height it asks for: the chooser and a few fields.
    LEAST_HEIGHT = 200

    def __init__(self, widget: QWidget):
        super().__init__(widgetResizable=True, frameShape=QScrollArea.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidget(widget)

    def content_height(self) -> int:
        """The height the content needs to show without scrolling."""
        inner = self.widget()
        if inner is None:
            return 0
        wanted = getattr(inner, "wanted_height", None)  # the data panel's, preview whole
        return wanted() if wanted is not None else inner.minimumSizeHint().height()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        """Tell the content how much of it shows (the data panel fits its preview)."""
        super().resizeEvent(event)
        fit = getattr(self.widget(), "fit_height", None)
        if fit is not None:
            fit(self.viewport().height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        inner = self.widget()
        if inner is None:
            return super().minimumSizeHint()
        hint = inner.minimumSizeHint()
        bar = self.verticalScrollBar().sizeHint().width()
        return QSize(hint.width() + bar, min(hint.height(), self.LEAST_HEIGHT))


def build_panel_docks(window: Any) -> dict[str, QDockWidget]:
    """The Data, Presets and Training docks of ``window``, in their places."""
    window.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
    window.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
    window.setDockOptions(QMainWindow.DockOption.AnimatedDocks
                          | QMainWindow.DockOption.AllowTabbedDocks)
    docks = {}
    for key, title, widget in (("data", "Data", window.data_panel),
                               ("presets", "Presets", window.preset_browser),
                               ("training", "Training", window.training_panel)):
        dock = QDockWidget(title, window, objectName=f"dock_{key}")
        dock.setWidget(VerticalScroll(widget) if key == "data" else widget)
        docks[key] = dock
    place_panel_docks(window, docks)
    return docks


def place_panel_docks(window: QMainWindow, docks: dict[str, QDockWidget]) -> None:
    """Data (with Presets as a tab) above Training, in the left column."""
    for dock in docks.values():
        dock.setFloating(False)
    window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, docks["data"])
    window.splitDockWidget(docks["data"], docks["training"], Qt.Orientation.Vertical)
    window.tabifyDockWidget(docks["data"], docks["presets"])
    docks["data"].raise_()


def layout_ids(project: Any) -> list[str]:
    """The views of ``project``'s layout (its task's defaults when it names none)."""
    return list(project.views.get("layout") or TASKS.get(project.task).views)


def reset_layout(window: Any) -> None:
    """Every panel and view of ``window`` back in its default place and size."""
    place_panel_docks(window, window.panel_docks)
    for dock in window.panel_docks.values():
        dock.show()
    window.views.reset_layout()
    QTimer.singleShot(80, lambda: None if window.closed else apply_default_sizes(window))


def keep_graph_readable(window: Any) -> None:
    """Limit the views' column so the graph keeps :data:`GRAPH_MIN_WIDTH` (through every
    resize: the views' layout asks each time it sizes the column)."""
    def widest() -> int:
        left = [d for d in window.panel_docks.values() if d.isVisible() and not d.isFloating()
                and window.dockWidgetArea(d) == Qt.DockWidgetArea.LeftDockWidgetArea]
        used = max((d.width() for d in left), default=0) + 12  # the two separators
        editor = window.editor
        if editor.palette_shown():  # beside the canvas, in the same centre
            used += editor.palette.width() + editor.splitter.handleWidth()
        return max(VIEWS_MIN_WIDTH, window.width() - used - GRAPH_MIN_WIDTH)
    window.views.arrangement.widest_column = widest


def apply_default_sizes(window: Any) -> None:
    """Give ``window``'s left column its width and the views their task's shares, show the
    palette when there is room for it, then fit the graph."""
    width, height = window.width(), window.height()
    docks = window.panel_docks
    window.resizeDocks([docks["data"]], [column_width(width, LEFT_COLUMN)],
                       Qt.Orientation.Horizontal)
    # The data panel as tall as its content wants, from 9/20 of the height up to what
    # leaves the training panel its buttons and first fields.
    scroll = docks["data"].widget()
    wanted = scroll.content_height() + DOCK_CHROME if isinstance(scroll, VerticalScroll) else 0
    data_height = max(height * 9 // 20, min(wanted, height - TRAINING_LEAST_HEIGHT))
    window.resizeDocks([docks["data"], docks["training"]],
                       [data_height, height - data_height], Qt.Orientation.Vertical)
    window.editor.show_palette(width >= PALETTE_MIN_WINDOW)
    window.views.apply_sizes()  # the task's shares for its views and the curves
    # Again once the palette and the left column have their new widths: the column's
    # widest (the graph's least width) depends on them.
    window.views.arrangement.apply_sizes_soon()
    QTimer.singleShot(80, window.editor, window.editor.refit)  # not after a close


def fill_docks_menu(window: Any) -> None:
    """View > Panels: a check item per dock (the panels, then the current views)."""
    menu = window.menus["docks"]
    menu.clear()
    for dock in window.panel_docks.values():
        menu.addAction(dock.toggleViewAction())
    menu.addSeparator()
    for dock in window.views.docks.values():
        menu.addAction(dock.toggleViewAction())
