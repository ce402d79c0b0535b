"""Sweep probe: curves of a task that sweeps one quantity (a learning curve, a parameter sweep).

Tasks with ``sweep_curves()`` (the ``learning_curve`` task) describe their own
curves: x values, one or more y series, axis labels, log scales and
horizontal reference lines.
"""

from __future__ import annotations

from typing import Any

from playground.probes.base import ProbeType, register_probe


def _applies(session: Any) -> bool:
    return callable(getattr(session.task, "sweep_curves", None))


def _create(session: Any):
    task = session.task

    def compute(trainer: Any, options: dict) -> dict:
        return task.sweep_curves()
    return compute


register_probe(ProbeType(
    "sweep", "Sweep curves", _applies, _create, interval=0.1, budget=0.02,
    doc="x (n,), x_label, y_label, series {name: (n,) with NaN not run yet}, dashed [names], "
        "log_x, log_y, references {name: value}."))
