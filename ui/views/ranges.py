"""Plot ranges that follow growing data but change rarely.

pyqtgraph's auto-range refits the view to the data on every ``setData``: for a
loss curve that grows by one epoch per frame, the axes' ticks, labels and grid
are then regenerated and repainted every frame, which costs more than the
curves themselves. :class:`FollowRange` keeps the range while the data stays
inside it and comfortably fills it, and when the data leaves it, grows it with
some headroom, so a long run changes its range a few dozen times instead of
thousands. Panning or zooming with the mouse stops following; the plot's "A"
button resumes it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: Fraction of the span added on each side around the data.
PAD = 0.04
#: Headroom added on a side the data overflowed (fraction of the data's span).
GROW = 0.25
#: A range more than this many times the padded data span is refitted.
LOOSE = 2.5


def axis_range(current: tuple[float, float] | None, lo: float, hi: float,
               grow: float = GROW) -> tuple[float, float] | None:
    """The new (low, high) of one axis for data in [lo, hi], or None to keep ``current``.

    Parameters
    ----------
    current : (float, float) or None
        The axis' range now (None: not set yet).
    lo, hi : float
        Finite bounds of the data.
    grow : float
        Headroom added on a side the data overflowed, as a fraction of its span.
    """
    span = hi - lo
    if span <= 0:
        span = abs(lo) * 0.1 or 1.0
        lo, hi = lo - span / 2, hi + span / 2
    pad = PAD * span
    fitted = span + 2 * pad
    if current is not None:
        c0, c1 = current
        if c1 - c0 <= LOOSE * fitted:
            if c0 <= lo and c1 >= hi:
                return None  # the data is inside and fills enough of the range
            new_lo = c0 if lo >= c0 else lo - pad - grow * span
            new_hi = c1 if hi <= c1 else hi + pad + grow * span
            if new_hi - new_lo <= LOOSE * fitted:
                return new_lo, new_hi
    return lo - pad, hi + pad + grow * span * 0.5  # a fresh fit (or a far too loose range)


def tight_range(current: tuple[float, float] | None, lo: float, hi: float
                ) -> tuple[float, float] | None:
    """The padded data range when ``current`` is looser than that, else None (keep)."""
    want = axis_range(None, lo, hi, grow=0.0)
    if current is None or (current[1] - current[0]) > 1.0001 * (want[1] - want[0]):
        return want
    return None


def finite_bounds(arrays: list[np.ndarray]) -> tuple[float, float] | None:
    """(min, max) of the finite values of ``arrays``, None when there are none."""
    lo, hi = np.inf, -np.inf
    for a in arrays:
        if a.size:
            a = a[np.isfinite(a)]
            if a.size:
                lo, hi = min(lo, float(a.min())), max(hi, float(a.max()))
    return None if lo > hi else (lo, hi)


class FollowRange:
    """Keeps ``plot``'s range around its data, changing it only when needed.

    Parameters
    ----------
    plot : pyqtgraph.PlotItem

    Attributes
    ----------
    following : bool
        False after the user panned or zoomed (until the "A" button is pressed).
    changes : int
        Range changes made so far (tests and benchmarks read it).
    """

    def __init__(self, plot: Any):
        self.plot = plot
        self.view_box = plot.getViewBox()
        self.view_box.disableAutoRange()
        self.following = True
        self.changes = 0
        self._current: list[tuple[float, float] | None] = [None, None]
        self._bounds: tuple | None = None
        self.view_box.sigRangeChangedManually.connect(self._manual)
        # After PlotItem's own handler (which turns pyqtgraph's auto-range on).
        plot.autoBtn.clicked.connect(self.resume)

    def _manual(self, *_: Any) -> None:
        self.following = False

    def resume(self, *_: Any) -> None:
        """Follow the data again (the "A" button)."""
        self.view_box.disableAutoRange()
        self.following = True
        self.reset()
        if self._bounds is not None:
            self.update(*self._bounds)

    def reset(self) -> None:
        """Forget the current range: the next :meth:`update` fits the data afresh."""
        self._current = [None, None]

    def update(self, x: tuple[float, float] | None, y: tuple[float, float] | None,
               tight: bool = False) -> bool:
        """Fit the data bounds ``x`` = (min, max) and ``y`` (in view coordinates: log10
        of the values in log mode); True when the range changed.

        ``tight``: no headroom for growth (the data will not grow: a run ended).
        """
        self._bounds = (x, y)
        if not self.following:
            return False
        new = [None if b is None else axis_range(cur, *b, grow=0.0 if tight else GROW)
               for cur, b in zip(self._current, (x, y))]
        if tight:  # drop the headroom left for growth
            new = [tight_range(cur, *b) if n is None and b is not None else n
                   for n, cur, b in zip(new, self._current, (x, y))]
        if new[0] is None and new[1] is None:
            return False
        for axis, value in enumerate(new):
            if value is not None:
                self._current[axis] = value
        kwargs = {}
        if new[0] is not None:
            kwargs["xRange"] = new[0]
        if new[1] is not None:
            kwargs["yRange"] = new[1]
        self.view_box.setRange(padding=0, **kwargs)
        self.changes += 1
        return True
