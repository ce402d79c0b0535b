"""Search probe: the tables of a hyperparameter search (grid and random), best rows marked."""

from __future__ import annotations

from typing import Any

from playground.probes.base import ProbeType, register_probe


def _applies(session: Any) -> bool:
    return callable(getattr(session.task, "tables", None))


def _create(session: Any):
    task = session.task

    def compute(trainer: Any, options: dict) -> dict:
        return {"tables": task.tables(), "metric": task.p["metric"], "mode": task.p["mode"],
                "done": sum(len(s) for s in task.scores.values()), "total": len(task.queue)}
    return compute


register_probe(ProbeType(
    "search", "Search tables", _applies, _create, interval=0.1, budget=0.02,
    doc="tables {grid|random: {names, rows (configs, names), scores (configs,), best}}, "
        "metric, mode, done and total configurations."))
