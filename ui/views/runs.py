"""Earlier runs kept for comparison: their curves (and optimizer trajectories), name, colour.

:class:`RunHistory` is plain Python (the main window shares one between the
curves view and the optimizer-paths view). The window adds a run when it
finishes, when a Reset replaces it, or one per side-by-side variant of a
preset. Views overlay the visible runs; the run that is still the current
session's (added when it finished, before any Reset) is not overlaid on
itself. :class:`RunsLink` subscribes a view without keeping it alive: a view
deleted by Qt is dropped from the store on its own.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from playground.events import Signal
from ui.views.colors import LINE_COLORS

#: Colours of stored runs: the line colours after the current run's blue (train), orange
#: (validation) and green (test).
RUN_COLORS = LINE_COLORS[3:]


def run_color(i: int) -> tuple[int, int, int]:
    """The ``i``-th stored run's colour."""
    return RUN_COLORS[i % len(RUN_COLORS)]


@dataclass
class Run:
    """A finished run.

    Attributes
    ----------
    name : str
        Short unique name ("run 2", a variant's name), used in legends.
    history : dict
        ``Snapshot.history``: series name -> (x, y) arrays.
    color : tuple
        RGB of its overlay.
    label : str
        Longer description (a variant's label), shown as a tooltip.
    trajectories : dict or None
        For surface tasks, the ``paths`` probe's trajectories at the end of the run.
    visible : bool
        Overlaid in the views (hidden runs stay stored).
    """

    name: str
    history: dict
    color: tuple
    label: str = ""
    trajectories: dict | None = None
    visible: bool = True
    summary: str = field(default="")


def copy_trajectories(trajectories: dict | None) -> dict | None:
    """Frozen copies of a ``paths`` payload's trajectories (None stays None)."""
    if not trajectories:
        return None
    return {name: {**racer, "points": np.array(racer["points"]),
                   "losses": np.array(racer["losses"]),
                   "iterations": np.array(racer["iterations"])}
            for name, racer in trajectories.items()}


class RunHistory:
    """Named earlier runs for overlays (plain Python; ``changed`` fires on every change).

    Parameters
    ----------
    capacity : int
        Runs kept; adding more drops the oldest.

    Attributes
    ----------
    current : str or None
        Name of the stored run that is still the current session's (not overlaid).
    """

    def __init__(self, capacity: int = 12):
        self.capacity = capacity
        self._runs: dict[str, Run] = {}
        self._count = 0
        self.current: str | None = None
        self.changed = Signal()

    def add_run(self, name: str, history: dict, color: tuple | None = None, label: str = "",
                trajectories: dict | None = None, current: bool = False,
                summary: str = "") -> Run:
        """Store (or replace) run ``name``; the colour defaults to the next distinct one.

        ``current``: the run is still the one on screen (overlaid only once
        :meth:`release_current` is called, when the next run starts).
        """
        if color is None:
            color = run_color(self._count)
        self._count += 1
        self._runs.pop(name, None)
        run = Run(name, {k: (np.asarray(x), np.asarray(y)) for k, (x, y) in history.items()},
                  tuple(color), label or name, copy_trajectories(trajectories), True, summary)
        self._runs[name] = run
        while len(self._runs) > self.capacity:
            self._runs.pop(next(iter(self._runs)))
        if current:
            self.current = name
        elif self.current == name:
            self.current = None
        self.changed.emit()
        return run

    def release_current(self) -> None:
        """A new run starts: the stored current run becomes an overlay like the others."""
        if self.current is not None:
            self.current = None
            self.changed.emit()

    def set_visible(self, name: str, visible: bool) -> None:
        """Show or hide run ``name``'s overlay (no error if absent)."""
        run = self._runs.get(name)
        if run is not None and run.visible != visible:
            run.visible = visible
            self.changed.emit()

    def remove(self, name: str) -> None:
        """Forget run ``name`` (no error if absent)."""
        if self._runs.pop(name, None) is not None:
            if self.current == name:
                self.current = None
            self.changed.emit()

    def clear(self) -> None:
        """Forget every run."""
        self._runs.clear()
        self.current = None
        self.changed.emit()

    def runs(self) -> list[Run]:
        """Stored runs, oldest first."""
        return list(self._runs.values())

    def overlays(self) -> list[Run]:
        """The runs to draw: visible, and not the current session's own."""
        return [r for r in self._runs.values() if r.visible and r.name != self.current]

    def get(self, name: str) -> Run | None:
        """Run ``name`` or None."""
        return self._runs.get(name)

    def __len__(self) -> int:
        return len(self._runs)


class RunsLink:
    """Calls ``owner.<method>()`` when a :class:`RunHistory` changes, without owning it.

    The store holds this link, the link holds the view weakly: once the view
    is garbage or its C++ widget is deleted, the link drops out of the store at
    the next change (and at once when Qt announces the deletion).

    Parameters
    ----------
    owner : QObject
        The subscribing view.
    method : str
        Name of the method to call on changes.
    """

    def __init__(self, owner: Any, method: str):
        self._ref = weakref.ref(owner)
        self._method = method
        self.runs: RunHistory | None = None
        owner.destroyed.connect(self._make_detacher())

    def _make_detacher(self) -> Callable[..., None]:
        link = weakref.ref(self)

        def detach(*_: Any) -> None:  # references neither the view nor the store strongly
            alive = link()
            if alive is not None:
                alive.detach()
        return detach

    def attach(self, runs: RunHistory) -> None:
        """Follow ``runs`` (and stop following the previous store)."""
        self.detach()
        self.runs = runs
        runs.changed.connect(self)

    def detach(self) -> None:
        """Stop following the store."""
        if self.runs is not None:
            self.runs.changed.disconnect(self)
            self.runs = None

    def __call__(self) -> None:
        from shiboken6 import isValid

        owner = self._ref()
        if owner is None or not isValid(owner):
            self.detach()
            return
        getattr(owner, self._method)()
