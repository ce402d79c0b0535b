"""Newton probe: f, f' and the walkers of the ``newton`` task (ldl Appendix E)."""

from __future__ import annotations

from typing import Any

import numpy as np

from playground.probes.base import ProbeType, register_probe

#: Points of the f and f' curves.
CURVE_POINTS = 400


def _applies(session: Any) -> bool:
    task = session.task
    return callable(getattr(task, "curves", None)) and hasattr(task, "walkers")


def _create(session: Any):
    task = session.task
    from playground.tasks.newton import WALKERS

    def compute(trainer: Any, options: dict) -> dict:
        domain = options.get("domain") or task.domain
        arrays = task.arrays()
        walkers = {name: {"label": WALKERS[name], "x": arrays[f"{name}_x"],
                          "f": arrays[f"{name}_f"], "slope": arrays[f"{name}_slope"],
                          "diverged": task.walkers[name].diverged}
                   for name in task.walkers}
        return {"domain": (float(domain[0]), float(domain[1])),
                "curves": task.curves(domain, CURVE_POINTS), "walkers": walkers,
                "coefficients": np.asarray(task.c), "lr": task.lr,
                "iteration": trainer.step}
    return compute


register_probe(ProbeType(
    "newton", "Newton vs gradient descent", _applies, _create, interval=0.1, budget=0.03,
    defaults={"domain": None},
    doc="domain (lo, hi), curves {x, f, df (n,)}, walkers {root|minimum|gd: {label, x, f, "
        "slope (iterations + 1,), diverged}}, coefficients of f, lr."))
