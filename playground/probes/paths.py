"""Optimizer-paths probe: the racers of a ``surface`` task on their surface."""

from __future__ import annotations

from typing import Any

from playground.probes.base import ProbeType, register_probe
from playground.tasks.abilities import Races


def _applies(session: Any) -> bool:
    return isinstance(session.task, Races)


def _create(session: Any):
    task = session.task
    cache: dict = {}
    minima = [(float(m.point[0]), float(m.point[1]), float(m.value)) for m in task.minima]
    surface = task.surface

    def compute(trainer: Any, options: dict) -> dict:
        n = int(options["resolution"])
        if cache.get("n") != n:  # the surface does not change during a run: sample it once
            cache.update(n=n, grid=task.surface_grid(n))
        return {"grid": cache["grid"], "trajectories": task.trajectories(), "minima": minima,
                "surface": surface.label, "iteration": trainer.step}
    return compute


register_probe(ProbeType(
    "paths", "Optimizer paths", _applies, _create, interval=0.05, budget=0.03,
    defaults={"resolution": 200},
    doc="grid (xs (n,), ys (n,), Z (n, n) rows following y), trajectories {racer: "
        "{label, points (k, 2), losses (k,), iterations (k,), diverged, diverged_at}}, "
        "minima [(x, y, value)], surface label."))
