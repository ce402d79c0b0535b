"""Bounded metric history and the throttle that keeps side work under a time budget."""

from __future__ import annotations

import numpy as np


class Series:
    """(x, y) points with bounded memory.

    When ``capacity`` points are stored, neighbouring pairs are averaged so the
    series keeps its whole span at half the resolution: a long run's curve
    stays drawable and memory stays flat. Points live in preallocated float64
    buffers: a snapshot copies them in microseconds (tiny models finish
    thousands of epochs a second, each a point, and snapshot 20 times a second).
    """

    def __init__(self, capacity: int = 4096):
        self.capacity = max(int(capacity), 2)
        self._x = np.empty(self.capacity)
        self._y = np.empty(self.capacity)
        self._n = 0

    def append(self, x: float, y: float) -> None:
        """Add one point."""
        self._x[self._n] = x
        self._y[self._n] = y
        self._n += 1
        if self._n >= self.capacity:
            self._halve()

    def extend(self, xs: np.ndarray, ys: np.ndarray) -> None:
        """Add many points."""
        xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
        done = 0
        while done < len(xs):
            k = min(len(xs) - done, self.capacity - self._n)
            self._x[self._n:self._n + k] = xs[done:done + k]
            self._y[self._n:self._n + k] = ys[done:done + k]
            self._n += k
            done += k
            if self._n >= self.capacity:
                self._halve()

    def _halve(self) -> None:
        n = self._n // 2 * 2
        half = n // 2
        rest = self._n - n  # an odd last point is kept as it is
        tail_x, tail_y = self._x[n:self._n].copy(), self._y[n:self._n].copy()
        self._x[:half] = self._x[1:n:2]  # each pair's later x, the mean of its y
        self._y[:half] = self._y[:n].reshape(-1, 2).mean(axis=1)
        self._x[half:half + rest] = tail_x
        self._y[half:half + rest] = tail_y
        self._n = half + rest

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Copies of the stored x and y values."""
        return self._x[:self._n].copy(), self._y[:self._n].copy()

    @property
    def last(self) -> float | None:
        """The newest y value."""
        return float(self._y[self._n - 1]) if self._n else None

    def __len__(self) -> int:
        return self._n


class MetricHistory:
    """Named :class:`Series`, x being the (fractional) epoch."""

    def __init__(self, capacity: int = 4096):
        self.capacity = capacity
        self.series: dict[str, Series] = {}

    def add(self, name: str, x: float, y: float) -> None:
        """Append a point to series ``name``."""
        if name not in self.series:
            self.series[name] = Series(self.capacity)
        self.series[name].append(x, y)

    def add_many(self, name: str, xs: np.ndarray, ys: np.ndarray) -> None:
        """Append points to series ``name``."""
        if name not in self.series:
            self.series[name] = Series(self.capacity)
        self.series[name].extend(xs, ys)

    def arrays(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Copies of every series."""
        return {name: s.arrays() for name, s in self.series.items()}

    def last(self, name: str) -> float | None:
        """Newest value of ``name`` (None if absent)."""
        s = self.series.get(name)
        return None if s is None else s.last


class Throttle:
    """Decides when periodic side work (evaluation, probes) may run.

    The work runs at most every ``interval`` seconds, and less often when it is
    slow, so that it takes at most ``budget`` of the wall time.
    """

    def __init__(self, interval: float, budget: float):
        self.interval = interval
        self.budget = budget
        self.next_time = 0.0
        self.last_cost = 0.0

    def due(self, now: float) -> bool:
        """True when the work may run at time ``now``."""
        return now >= self.next_time

    def done(self, started: float, finished: float) -> None:
        """Record one run of the work, from ``started`` to ``finished``."""
        cost = finished - started
        self.last_cost = cost
        gap = max(self.interval, cost / self.budget - cost)
        self.next_time = finished + gap
