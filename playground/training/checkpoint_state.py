"""A Trainer's state for checkpoints: where a run is, to continue it exactly.

:class:`CheckpointState` is the part of :class:`~playground.training.trainer.Trainer`
that writes and reads that state (step, epoch, batch, random streams, the epoch
loss in progress, metrics, history, early stopping's best so far, schedulers and
the task's loop), alongside the task's and optimizers' own state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from playground.tasks.base import Task
from playground.training.history import MetricHistory
from playground.training.states import RunState


class CheckpointState:
    """``state_dict`` / ``load_state_dict`` of a Trainer (mixed into it; the attributes
    below are the Trainer's)."""

    task: Task
    state: RunState
    stop_reason: str
    step: int
    epoch: int
    metrics: dict[str, float]
    history: MetricHistory
    _batch: int
    _generator: torch.Generator
    _pending: list[torch.Tensor]
    _pending_start: int
    _epoch_ends: list[int]
    _epoch_sum: float
    _epoch_count: int
    _evaluated_epoch: int
    _best: tuple[float, int, dict] | None
    _since_best: int
    _schedulers: list

    if TYPE_CHECKING:
        def _flush_losses(self) -> bool: ...

    def state_dict(self) -> dict[str, Any]:
        """Where the run is, to continue it exactly (with the task's and optimizers' state).

        Pending batch losses are folded into the history first. Call it while the
        loop is paused, ended or not started. Tensors are the live ones: the
        checkpoint copies them.
        """
        self._flush_losses()
        best = self._best
        return {
            "step": self.step, "epoch": self.epoch, "batch": self._batch,
            "state": self.state.value, "stop_reason": self.stop_reason,
            "shuffle_rng": self._generator.get_state(),
            "torch_rng": torch.get_rng_state(),
            "epoch_loss_sum": float(self._epoch_sum), "epoch_loss_count": self._epoch_count,
            "metrics": {k: float(v) for k, v in self.metrics.items()},
            "history": {name: {"x": torch.from_numpy(np.asarray(x, np.float64)),
                               "y": torch.from_numpy(np.asarray(y, np.float64))}
                        for name, (x, y) in self.history.arrays().items()},
            "best": None if best is None else {"value": float(best[0]), "epoch": int(best[1]),
                                               "state": best[2]},
            "since_best": self._since_best,
            "schedulers": [s.state_dict() for s in self._schedulers],
            "task_loop": self.task.loop_state_dict(),
        }

    def load_state_dict(self, saved: dict[str, Any]) -> None:
        """Continue from :meth:`state_dict` (before :meth:`run`)."""
        self.step, self.epoch, self._batch = saved["step"], saved["epoch"], saved["batch"]
        self._evaluated_epoch = self.epoch
        self.stop_reason = saved.get("stop_reason", "")
        self._generator.set_state(saved["shuffle_rng"])
        torch.set_rng_state(saved["torch_rng"])
        self._pending.clear()
        self._pending_start = self.step
        self._epoch_ends.clear()
        self._epoch_sum = saved["epoch_loss_sum"]
        self._epoch_count = saved["epoch_loss_count"]
        self.metrics = dict(saved["metrics"])
        for name, series in saved["history"].items():
            self.history.add_many(name, series["x"].numpy(), series["y"].numpy())
        best = saved.get("best")
        self._best = None if best is None else (best["value"], best["epoch"], best["state"])
        self._since_best = saved.get("since_best", 0)
        for sched, sched_state in zip(self._schedulers, saved.get("schedulers", [])):
            sched.load_state_dict(sched_state)
        # Checkpoints of format 1 before "task_loop" kept the task's iterators and random
        # streams by attribute name, which are the names loop_streams() uses.
        loop = saved.get("task_loop") or {**saved.get("batches", {}),
                                          **saved.get("task_rngs", {})}
        self.task.load_loop_state_dict(loop)
