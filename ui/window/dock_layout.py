"""How a task's view docks share the main window: its main view first and given the space,
shares of the window that hold through resizes, and the task's default put back on request.

:class:`DockLayout` places the docks of :class:`~ui.window.view_docks.ViewDocks` (its
dict of docks, shared) by the :class:`DockPlan` of the layout's main view (see
:data:`MAIN_VIEWS`): the main view heads the right column, the next view is stacked
under it and any others are tabs beside that one; curves at the bottom under the
editor (in the column when there is no editor). A wide main view (a series) sits beside
the curves under the editor instead (:attr:`DockPlan.below`). The shares of width and height are
applied after every window resize; dragging a dock separator keeps new shares.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QMainWindow

CURVES = "curves"
#: Side-by-side (stacked) docks in the right column before further ones become tabs.
MAX_STACKED = 2


@dataclass(frozen=True)
class DockPlan:
    """How a task's default layout shares the window with its main view.

    Attributes
    ----------
    column : float
        Width of the right column of views, as a share of the window's width.
    main : float
        Height of the main view, as a share of the column's, when another view is
        stacked under it.
    curves : float
        Height of the curves dock, as a share of the window's height (under the
        editor; in the column when there is no editor).
    """

    column: float = 0.32
    main: float = 0.58
    curves: float = 0.27
    #: The main view is a square plane with ``square`` pixels of controls and captions:
    #: its height follows the column's width (``main`` is then the most it takes).
    square: int = 0
    #: The main view is a wide plot (a series over time): it goes under the editor beside
    #: the curves, taking this share of their row's width, instead of heading the column
    #: (at 1366x768 the column is ~300 px wide: 340 months in 200 px). ``curves`` is then
    #: the row's height. 0: in the column.
    below: float = 0.0


#: Views that are the point of their task, in order: the first of a layout's views found
#: here is its main view. New views add one entry (views not named get DEFAULT_PLAN).
MAIN_VIEWS: dict[str, DockPlan] = {
    "stepthrough": DockPlan(column=0.40, main=0.70),
    "paths": DockPlan(main=0.62, curves=0.30),
    "histogram": DockPlan(column=0.34, main=0.70),
    "filters": DockPlan(column=0.36, main=0.60),
    "feature_maps": DockPlan(column=0.36, main=0.60),
    "latent": DockPlan(column=0.36, main=0.62),
    "samples": DockPlan(column=0.34, main=0.62),
    "boundary": DockPlan(column=0.32, main=0.70, square=90),
    "forecast": DockPlan(curves=0.42, below=0.6),
    "confusion": DockPlan(column=0.36, main=0.55),
    "fit": DockPlan(column=0.32, main=0.60),
    "landscape": DockPlan(column=0.34, main=0.60),
}
DEFAULT_PLAN = DockPlan()


def main_view(view_ids: list[str]) -> str | None:
    """The layout's main view: the first of :data:`MAIN_VIEWS` it has (else its first)."""
    for vid in MAIN_VIEWS:
        if vid in view_ids:
            return vid
    return next((v for v in view_ids if v != CURVES), None)


def column_order(view_ids: list[str]) -> list[str]:
    """The right column's views, the main view first, the others in layout order."""
    first = main_view(view_ids)
    rest = [v for v in view_ids if v not in (CURVES, first)]
    return ([first] if first is not None else []) + rest


class DockLayout:
    """Places a window's view docks and keeps their shares of it.

    Parameters
    ----------
    window : QMainWindow
    docks : dict
        View id -> dock, in the layout's order (the caller's dict, read live).

    Attributes
    ----------
    plan : DockPlan
        The task's default shares.
    shares : DockPlan
        The shares held through resizes (the plan until the user drags a separator).
    widest_column : callable or None
        ``widest_column() -> int``: the most pixels the column may take now (the main
        window keeps the graph readable with it; None: no limit).
    """

    def __init__(self, window: QMainWindow, docks: dict[str, QDockWidget]):
        self.window = window
        self.docks = docks
        self.plan = DEFAULT_PLAN
        self.shares = DEFAULT_PLAN
        self.curves_below = True
        self.widest_column = None
        self._sizing = QTimer(window, singleShot=True, interval=0)
        self._sizing.timeout.connect(self.apply_sizes)
        self._heights = QTimer(window, singleShot=True, interval=0)
        self._settled = QTimer(window, singleShot=True, interval=60)
        self._settled.timeout.connect(self.apply_sizes)
        self._heights.timeout.connect(self._apply_heights)
        self._watcher = _WindowWatcher(self)
        window.installEventFilter(self._watcher)

    def set_plan(self, view_ids: list[str], curves_below: bool) -> None:
        """Take the plan of ``view_ids``' main view (and its shares) and place the docks."""
        self.curves_below = curves_below
        self.plan = MAIN_VIEWS.get(main_view(view_ids) or "", DEFAULT_PLAN)
        self.shares = self.plan
        self.place()

    def main_below(self) -> QDockWidget | None:
        """The main view's dock when the plan puts it beside the curves (else None)."""
        order = column_order(list(self.docks))
        if not (self.plan.below and self.curves_below and CURVES in self.docks and order):
            return None
        return self.docks[order[0]]

    def place(self) -> None:
        """Put every dock where the task's default layout has it (see the module doc)."""
        below = self.main_below()
        column = [self.docks[v] for v in column_order(list(self.docks))
                  if self.docks[v] is not below]
        curves = self.docks.get(CURVES)
        for dock in [*column, curves]:
            if dock is not None:
                dock.setFloating(False)
                dock.show()
        stacked = column[:MAX_STACKED]
        for i, dock in enumerate(stacked):
            if i == 0:
                self.window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
            else:
                self.window.splitDockWidget(stacked[0], dock, Qt.Orientation.Vertical)
        for dock in column[MAX_STACKED:]:
            self.window.tabifyDockWidget(stacked[-1], dock)
        if curves is not None:
            if self.curves_below or not stacked:
                self.window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, curves)
            else:
                self.window.splitDockWidget(stacked[-1], curves, Qt.Orientation.Vertical)
        if below is not None and curves is not None:
            below.setFloating(False)
            below.show()
            self.window.splitDockWidget(curves, below, Qt.Orientation.Horizontal)
        for dock in stacked:
            dock.raise_()  # the main view and the view under it are the tabs on top

    def column_docks(self) -> list[QDockWidget]:
        """The docks stacked in the right column, top first: one per tab group, the tab
        on top (a hidden tab keeps a stale geometry outside the window)."""
        right = Qt.DockWidgetArea.RightDockWidgetArea
        planned = [*column_order(list(self.docks)), CURVES]
        docks = [self.docks[v] for v in planned if v in self.docks]
        docks = [d for d in docks if not d.isFloating() and not d.isHidden()
                 and self.window.dockWidgetArea(d) == right]
        inside = self.window.rect()
        groups: list[QDockWidget] = []
        for dock in docks:
            tabs = [dock, *self.window.tabifiedDockWidgets(dock)]
            if any(g in tabs for g in groups):
                continue
            shown = [t for t in tabs if t in docks and inside.intersects(t.geometry())]
            groups.append(shown[0] if shown else dock)
        # Top first; the plan's order until the layout has given them places.
        return sorted(groups, key=lambda d: d.geometry().top())

    def apply_sizes(self) -> None:
        """Give the column, the main view and the curves their shares of the window now."""
        window = self.window
        if not self.docks or window.width() <= 0:
            return
        shares = self.shares
        column = self.column_docks()
        central = window.centralWidget()
        editor = central is not None and central.isVisible()
        if column:
            # Without an editor in the middle, the views take all the width the panels
            # on the left leave (Qt holds those at their minimum).
            width = window.width() * shares.column if editor else window.width()
            if editor and self.widest_column is not None:
                width = min(width, self.widest_column())
            window.resizeDocks([column[0]], [int(width)], Qt.Orientation.Horizontal)
        curves = self.docks.get(CURVES)
        bottom = curves is not None and window.dockWidgetArea(curves) == \
            Qt.DockWidgetArea.BottomDockWidgetArea and curves.isVisible()
        if bottom and editor:
            window.resizeDocks([curves], [int(window.height() * shares.curves)],
                               Qt.Orientation.Vertical)
            below = self.main_below()
            if below is not None and window.dockWidgetArea(below) == \
                    Qt.DockWidgetArea.BottomDockWidgetArea and below.isVisible():
                row = curves.width() + below.width()
                window.resizeDocks([curves, below], [int(row * (1 - shares.below)),
                                                     int(row * shares.below)],
                                   Qt.Orientation.Horizontal)
        if len(column) > 1:
            # Once the new widths are laid out: a square main view's height follows them.
            self._heights.start()

    def apply_sizes_soon(self) -> None:
        """:meth:`apply_sizes` once the window's pending layout has run (the widths of
        panels shown or resized this turn are known only then)."""
        self._sizing.start()

    def _apply_heights(self) -> None:
        """Share the column's height between its docks (see :meth:`apply_sizes`)."""
        window, shares = self.window, self.shares
        column = self.column_docks()
        curves = self.docks.get(CURVES)
        if len(column) > 1:
            total = sum(d.height() for d in column) or window.height()
            if curves is not None and curves in column and curves is not column[0]:
                # No editor: the curves are under the views in the column.
                rest = [d for d in column[1:] if d is not curves]
                below = shares.curves if rest else 1 - shares.main
                heights = [total * shares.main] + \
                    [total * (1 - shares.main - below) / max(len(rest), 1)] * len(rest) + \
                    [total * below]
                order = [column[0], *rest, curves]
            else:
                main = shares.main
                if shares.square:  # as tall as wide, plus its controls
                    main = min(main, (column[0].width() + shares.square) / total)
                heights = [total * main] + \
                    [total * (1 - main) / (len(column) - 1)] * (len(column) - 1)
                order = column
            window.resizeDocks(order, [max(int(h), 80) for h in heights],
                               Qt.Orientation.Vertical)

    def measure_shares(self) -> None:
        """Keep the docks' current sizes as the shares to hold through resizes (after the
        user dragged a separator)."""
        window, column = self.window, self.column_docks()
        if not column or window.width() <= 0 or window.height() <= 0:
            return
        curves = self.docks.get(CURVES)
        total = sum(d.height() for d in column) or 1
        below = curves is not None and curves.isVisible() and curves not in column
        self.shares = replace(
            self.shares, square=0,  # a dragged height is kept as it is
            column=column[0].width() / window.width(),
            main=column[0].height() / total if len(column) > 1 else self.shares.main,
            curves=(curves.height() / window.height() if below else
                    curves.height() / total if curves in column else self.shares.curves))

    def reset(self) -> None:
        """Every dock shown, docked and placed, with the plan's shares of the window."""
        if not self.docks:
            return
        self.shares = self.plan
        self.place()
        # Docks moved this turn get their geometry once the layout settles (a timer the
        # window owns: it dies with the window instead of firing on a deleted one).
        self._settled.start()


class _WindowWatcher(QObject):
    """Holds the docks' shares through window resizes; a separator drag (the mouse let go
    on the window itself, where its separators are) sets new shares."""

    def __init__(self, docks: DockLayout):
        super().__init__(docks.window)
        self.docks = docks

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt)
        kind = event.type()
        if kind == QEvent.Type.Resize:
            self.docks._sizing.start()  # once the window's own layout has run
        elif kind == QEvent.Type.MouseButtonRelease:
            self.docks.measure_shares()
        return False
