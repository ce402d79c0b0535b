"""Band probe: a regression's predictive mean and uncertainty band over its one input.

For tasks that predict with uncertainty (``predictive(x)``, the Bayes-by-backprop
task) on data with one input and one target: the predictive mean and spread on
a grid a little wider than the data, and the data themselves.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from playground.probes.base import ProbeType, register_probe
from playground.probes.common import run_seed

#: Grid points of the curves, and data points sent per split at most.
GRID = 300
MAX_POINTS = 2000


def _applies(session: Any) -> bool:
    ds = session.dataset
    return callable(getattr(session.task, "predictive", None)) and ds is not None and \
        ds.input_shape == (1,) and ds.target_shape == (1,)


def _points(split: Any, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) of a split as flat arrays, at most MAX_POINTS of them (a fixed subset)."""
    x, y = split.x[:, 0], split.y[:, 0]
    if len(x) > MAX_POINTS:
        keep = np.sort(rng.choice(len(x), MAX_POINTS, replace=False))
        x, y = x[keep], y[keep]
    return x, y


def _create(session: Any):
    task, ds = session.task, session.dataset
    rng = np.random.default_rng(run_seed(session))
    points = {name: _points(ds.split(name), rng) for name in ("train", "val", "test")
              if len(ds.split(name))}
    xs = np.concatenate([p[0] for p in points.values()])
    lo, hi = float(xs.min()), float(xs.max())
    pad = 0.1 * (hi - lo or 1.0)
    grid = np.linspace(lo - pad, hi + pad, GRID, dtype=np.float32)

    def compute(trainer: Any, options: dict) -> dict:
        pred = task.predictive(grid[:, None])
        # The weights' spread at each split's (shown) points, averaged.
        spread = {name: float(task.predictive(x[:, None])["std"].mean())
                  for name, (x, _) in points.items()}
        return {"x": grid, "map": pred["map"][:, 0], "mean": pred["mean"][:, 0],
                "std": pred["std"][:, 0], "total_std": pred["total_std"][:, 0],
                "points": points, "spread": spread, "noise_std": float(task.noise_std)}
    return compute


register_probe(ProbeType(
    "band", "Uncertainty band", _applies, _create, interval=0.2, budget=0.05,
    doc="x (grid,), map (the mean network), mean, std (weight-sample spread) and total_std "
        "(with the likelihood's noise) on the grid; points {split: (x, y)}; spread {split: mean "
        "std at its points}; noise_std."))
