"""Run all variants in the app: what the window shows of a plan of several runs.

The worker thread runs the plan itself (the run orchestrator,
:mod:`playground.run.orchestrator`, as ``playground run`` does): each variant is
built and trained in turn, its final metrics merged as ``<variant>.<metric>``,
and the preset's checks evaluated once at the end. :class:`VariantProgress`
follows that plan from the worker's signals for the window: which variant is
on screen, its label, the merged metrics, and how the plan ended.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

from playground.training.states import RunState


class VariantProgress(QObject):
    """The variants plan on screen, fed by a :class:`~ui.run.worker.TrainingWorker`.

    Signals
    -------
    variant_started(int, int, str)
        Index, count and name of the variant whose session is being built.
    finished(list)
        Every variant finished: the checks on their merged metrics (empty if none).
    aborted(str)
        The plan ended early (a variant stopped, diverged or failed): why.
    """

    variant_started = Signal(int, int, str)
    finished = Signal(list)
    aborted = Signal(str)

    def __init__(self, worker: Any, parent: QObject | None = None):
        super().__init__(parent)
        self.active = False
        self.current: str | None = None  # the variant on screen
        self.merged: dict[str, float] = {}
        self.results: list[tuple[str, str, dict]] = []  # (name, state, metrics)
        self._labels: dict[str, str] = {}  # kept after the plan, for late lookups
        worker.run_started.connect(self._on_run_started)
        worker.run_result.connect(self._on_result)
        worker.plan_finished.connect(self._on_plan)

    def begin(self) -> None:
        """A variants plan was just started in the worker."""
        self.active, self.current = True, None
        self.merged, self.results = {}, []

    def cancel(self) -> None:
        """Forget the plan (a Reset, another project): its thread is retired elsewhere."""
        self.active, self.current = False, None

    def label_of(self, name: str) -> str:
        """The label of variant ``name`` (its name if unknown)."""
        return self._labels.get(name, name)

    def _on_run_started(self, index: int, count: int, name: str, label: str) -> None:
        if not self.active or not name:
            return
        self.current = name
        self._labels[name] = label or name
        self.variant_started.emit(index, count, name)

    def _on_result(self, state: str, metrics: dict) -> None:
        if self.active and self.current is not None:
            self.results.append((self.current, state, dict(metrics)))

    def _on_plan(self, result: Any) -> None:
        if not self.active:
            return
        name = self.current
        self.merged = dict(result.metrics)
        self.cancel()
        state = RunState(result.state)
        if state == RunState.FINISHED:
            self.finished.emit(list(result.checks))
        elif state == RunState.FAILED:
            self.aborted.emit(f"Variant {name!r} failed: {result.reason.split(': ', 1)[-1]}")
        else:
            self.aborted.emit(f"Variant {name!r} {state}: the remaining variants did not run")
