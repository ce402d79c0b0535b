"""Bounded metric history and the throttle that keeps side work under a time budget."""

from __future__ import annotations

import numpy as np


class Series:
    """(x, y) points with bounded memory.

    When ``capacity`` points are stored, neighbouring pairs are averaged so the
    series keeps its whole span at half the resolution: a long run's curve
    stays drawable and memory stays flat.
    """

    def __init__(self, capacity: int = 4096):
        self.capacity = capacity
        self._x: list[float] = []
        self._y: list[float] = []

    def append(self, x: float, y: float) -> None:
        """Add one point."""
        self._x.append(float(x))
        self._y.append(float(y))
        if len(self._x) >= self.capacity:
            self._halve()

    def extend(self, xs: np.ndarray, ys: np.ndarray) -> None:
        """Add many points."""
        for x, y in zip(xs, ys):
            self.append(x, y)

    def _halve(self) -> None:
        n = len(self._x) // 2 * 2
        xs, ys = np.asarray(self._x[:n]), np.asarray(self._y[:n])
        self._x = list(xs.reshape(-1, 2)[:, 1]) + self._x[n:]
        self._y = list(ys.reshape(-1, 2).mean(axis=1)) + self._y[n:]

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Copies of the stored x and y values."""
        return np.asarray(self._x), np.asarray(self._y)

    @property
    def last(self) -> float | None:
        """The newest y value."""
        return self._y[-1] if self._y else None

    def __len__(self) -> int:
        return len(self._x)


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
