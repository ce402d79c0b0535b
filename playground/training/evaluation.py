"""When a Trainer evaluates its run, and what it does with the result: curves and early stopping.

:class:`TrainerEvaluation` is the part of :class:`~playground.training.trainer.Trainer`
that evaluates at an epoch's end (each epoch when early stopping or a plateau
schedule needs it, else on a time budget, but at least :data:`MIN_EVALUATIONS`
times per run), adds the metrics to the history, and stops the run when the
monitored metric has not improved for ``patience`` evaluations, putting the
best weights back if asked.
"""

from __future__ import annotations

import copy
import time
from typing import TYPE_CHECKING

from playground.errors import TrainingError
from playground.tasks.base import Task
from playground.training.config import EarlyStopping, TrainingConfig
from playground.training.history import MetricHistory, Throttle
from playground.training.snapshot import TrainerEvents
from playground.training.states import RunState

#: Fewest evaluations a run gets, spread evenly over its epochs however long they take:
#: the time budget alone leaves a run of ten long epochs (ldl-7-cnn) two or three points.
MIN_EVALUATIONS = 10


class TrainerEvaluation:
    """Evaluation bookkeeping and early stopping of a Trainer (mixed into it; the
    attributes below are the Trainer's)."""

    task: Task
    config: TrainingConfig
    step: int
    epoch: int
    target_epochs: int
    metrics: dict[str, float]
    history: MetricHistory
    events: TrainerEvents
    min_evaluations: int
    _evaluated_epoch: int
    _eval_throttle: Throttle
    _best: tuple[float, int, dict] | None  # (value, epoch, state)
    _since_best: int

    if TYPE_CHECKING:
        def _flush_losses(self) -> bool: ...
        def _finish(self, state: RunState, reason: str) -> None: ...

    def _evaluation_owed(self) -> bool:
        """True when :attr:`min_evaluations` needs one at this epoch."""
        if self.min_evaluations <= 0:
            return False
        every = max(1, self.target_epochs // self.min_evaluations)
        return self.epoch - self._evaluated_epoch >= every

    def _evaluate(self, started: float) -> None:
        if not self._flush_losses():
            return
        self._evaluated_epoch = self.epoch
        self.metrics = {**self.metrics, **self.task.evaluate()}
        for name, value in self.metrics.items():
            if name != "loss":
                self.history.add(name, self.epoch, value)
        self._eval_throttle.done(started, time.perf_counter())
        self.events.metrics.emit({"epoch": self.epoch, "step": self.step, **self.metrics})
        if self.config.early_stopping is not None:
            self._check_early_stopping(self.config.early_stopping)

    def _check_early_stopping(self, es: EarlyStopping) -> None:
        value = self.metrics.get(es.monitor)
        if value is None:
            raise TrainingError(f"early stopping watches {es.monitor!r}, which this run does not "
                                f"report (it has: {', '.join(sorted(self.metrics))})",
                                "training.early_stopping.monitor")
        best = self._best
        if best is None or (value > best[0] + es.min_delta if es.maximize
                            else value < best[0] - es.min_delta):
            state = self.task.state_dict() if es.restore_best else {}
            self._best = (value, self.epoch, state)
            self._since_best = 0
            return
        self._since_best += 1
        if self._since_best > es.patience:
            _, best_epoch, best_state = best
            if es.restore_best:
                self.task.load_state_dict(best_state)
                self.metrics = {**self.metrics, **self.task.evaluate()}
            self.metrics["best_epoch"] = float(best_epoch)
            self._finish(RunState.FINISHED, f"early stopping: no better {es.monitor} since "
                         f"epoch {best_epoch}")

    def _evaluated_at(self, epoch: int) -> bool:
        series = next(iter(s for n, s in self.history.series.items() if n != "loss"), None)
        return series is not None and len(series) > 0 and series.arrays()[0][-1] == epoch

    def best_state(self) -> dict | None:
        """Weights at the best monitored value (early stopping with restore_best)."""
        return None if self._best is None else copy.deepcopy(self._best[2])
