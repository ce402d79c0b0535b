"""The ``stepthrough`` probe: the numbers of one backprop step, for the step-through view.

It runs on the trainer thread like every probe. After a step it hands over
the :class:`~playground.training.steptrace.StepTrace` the ``stepthrough``
task kept for that step; before the first step it traces the first sample
without applying the update (a preview: the same numbers the first step
will produce), so the table has something to reveal as soon as a project
opens. The payload is plain data: the trace's arrays are copies that the
task never changes afterwards.

Also here: :func:`book_values`, which reads the book's numbers for the
run's last step out of a preset's ``expect`` list.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from playground.errors import PlaygroundError
from playground.probes.base import PROBES, VIEW_PROBES, ProbeType, register_probe
from playground.tasks.abilities import TracesSteps

PROBE_ID = "stepthrough"


def _is_stepthrough(session: Any) -> bool:
    return isinstance(session.task, TracesSteps)


def next_sample(task: Any) -> int | None:
    """Index of the sample the next step presents, when it is already known.

    Cyclic orders and the books' seeded shuffles are known in advance (a copy
    of the order is advanced); a torch shuffle is drawn when the epoch starts.
    """
    if task.ctx.params.get("order") == "cyclic":
        return task.order.items[task.order.pos]
    if getattr(task, "rng", None) is not None:  # a book's seeded shuffle: advance a copy
        return copy.deepcopy(task.order).next()[0]
    return None  # torch's shuffle is drawn when the epoch starts


def preview_trace(task: Any, index: int) -> Any:
    """Trace one step on sample ``index`` without applying the update."""
    from playground.training.steptrace import trace_step

    lr = float(task.optimizer.param_groups[0]["lr"])
    task.train_mode(True)  # the step itself runs in training mode
    try:
        return trace_step(task.compiled["model"], task.x[index:index + 1],
                          task.t[index:index + 1], task.loss_fn, lr, apply=False,
                          graph=task.ctx.graphs["model"])
    finally:
        task.train_mode(False)  # as the snapshot left it


def _create(session: Any):
    task = session.task

    def compute(trainer: Any, options: dict) -> dict:
        update = bool(task.ctx.params.get("update", True))
        trace = task.last_trace
        if trace is not None and trainer.step > 0:
            return {"trace": trace, "step": trainer.step, "preview": False, "sample": None,
                    "update": update, "samples": task.n}
        index = next_sample(task)
        if index is None:
            return {"trace": None, "step": trainer.step, "preview": True, "sample": None,
                    "update": update, "samples": task.n}
        try:
            trace = preview_trace(task, index)
        except PlaygroundError as exc:
            return {"trace": None, "step": trainer.step, "error": str(exc)}
        return {"trace": trace, "step": trainer.step, "preview": True, "sample": index,
                "update": update, "samples": task.n}

    return compute


def register() -> None:
    """Register the probe and the view's probe list (once)."""
    if PROBE_ID not in PROBES:
        register_probe(ProbeType(
            PROBE_ID, "Step-through", _is_stepthrough, _create, interval=0.2, budget=0.05,
            doc="The last step's StepTrace (or a preview of the first step): every z, "
                "activation, delta, gradient and new weight."))
    VIEW_PROBES.setdefault(PROBE_ID, (PROBE_ID,))


# -- the book's numbers --------------------------------------------------------------------

@dataclass(frozen=True)
class BookValue:
    """One number (or array) the book prints for the end of the run.

    Attributes
    ----------
    text : str
        What the book says ("z(1) = (2, 2, -2)").
    approx : float or list
        The value the preset checks against.
    tol : float
    index : tuple of int or None
        Element of our array the book's scalar is.
    """

    text: str
    approx: Any
    tol: float
    index: tuple[int, ...] | None = None

    def matches(self, ours: Any) -> bool | None:
        """True/False when ``ours`` agrees with the book within ``tol``; None if unknown."""
        if ours is None:
            return None
        try:
            value = np.asarray(ours, dtype=np.float64)
            if self.index is not None:
                value = value[self.index]
            book = np.asarray(self.approx, dtype=np.float64)
            if value.size != book.size:
                return None
            return bool(np.max(np.abs(value.ravel() - book.ravel())) <= self.tol)
        except (TypeError, ValueError, IndexError):
            return None


def book_values(expect: list, applied: bool = True) -> dict[str, list[BookValue]]:
    """Row key -> the book's values, from a preset's ``expect`` entries.

    They describe the end of the run, so they belong to the trace of its last
    step. ``{"array": "trace.hidden.z"}`` gives key ``"hidden.z"``; ``{"weight":
    "out", "key": "bias"}`` (the model's weights after the run) gives
    ``"out.bias.new"`` when that step applied its update (``applied``), else
    ``"out.bias"`` (the weights it left as they were). Entries without
    ``approx`` (min/max rules) and metrics are left out.
    """
    out: dict[str, list[BookValue]] = {}
    for entry in expect or []:
        if not isinstance(entry, Mapping) or "approx" not in entry:
            continue
        if str(entry.get("array", "")).startswith("trace."):
            key = entry["array"][len("trace."):]
        elif "weight" in entry:
            key = f"{entry['weight']}.{entry.get('key', 'weight')}" + (".new" if applied else "")
        else:
            continue
        index = tuple(entry["index"]) if entry.get("index") is not None else None
        text = entry.get("book") or entry.get("label") or ""
        out.setdefault(key, []).append(
            BookValue(text, entry["approx"], float(entry.get("tol", 1e-9)), index))
    return out


register()
