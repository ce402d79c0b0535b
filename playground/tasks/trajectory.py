"""A racer's path on a surface (an optimizer's or a sampler's), kept in bounded memory."""

from __future__ import annotations

import numpy as np

#: Points kept per racer before the trajectory halves its resolution.
TRAJECTORY_CAPACITY = 20_000


class Trajectory:
    """Positions and losses of one racer, in bounded memory.

    Points are stored at iterations that are multiples of ``stride``; when
    ``capacity`` are stored, every other one is dropped and the stride doubles,
    so the whole path stays drawable at half the resolution. The newest point
    is always reported, stored or not.
    """

    def __init__(self, capacity: int = TRAJECTORY_CAPACITY):
        self.capacity = max(2, capacity // 2 * 2)
        self.stride = 1
        self._rows: list[tuple[int, float, float, float]] = []  # (iteration, x, y, loss)
        self._last: tuple[int, float, float, float] | None = None

    def add(self, iteration: int, x: float, y: float, loss: float) -> None:
        """Record the racer at ``iteration``."""
        row = (iteration, x, y, loss)
        self._last = row
        if iteration % self.stride:
            return
        self._rows.append(row)
        if len(self._rows) >= self.capacity:
            self._rows = self._rows[::2]  # keeps iterations that are multiples of 2 * stride
            self.stride *= 2

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(iterations (n,), points (n, 2), losses (n,)) as new arrays."""
        rows = list(self._rows)
        if self._last is not None and (not rows or rows[-1][0] != self._last[0]):
            rows.append(self._last)
        table = np.asarray(rows, dtype=np.float64).reshape(-1, 4)
        return table[:, 0].astype(np.int64), table[:, 1:3].copy(), table[:, 3].copy()
