"""The Trainer: a Qt-free loop that steps a task and reports what happens.

It runs in whatever thread calls :meth:`Trainer.run` (the GUI's worker thread,
or the CLI's main thread). Other threads talk to it only through thread-safe
methods that queue commands (:meth:`pause`, :meth:`resume`, :meth:`stop`,
:meth:`set_hyper`, :meth:`request_step`), which the loop drains between
steps. It talks back through :class:`~playground.events.Signal` events
carrying plain data: ``metrics``, ``snapshot``, ``state_changed``,
``finished``, ``diverged`` and ``failed``.

The hot path is one ``task.train_step()`` plus a list append and a clock read.
Dense chains train on the fast path instead (playground/training/fused/): the
same update, fused by hand, with no autograd graph; :attr:`Trainer.engine`
says which path runs.
Losses are reduced, checked for NaN/Inf and turned into curves in bulk when a
snapshot is due (every ~50 ms); evaluation runs when early stopping needs it
or on a time budget (:mod:`playground.training.evaluation`). A run's state for
checkpoints is :mod:`playground.training.checkpoint_state`.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from playground.errorlog import log_error
from playground.errors import PlaygroundError, TrainingError, ValidationError
from playground.seeding import seed_torch
from playground.tasks.base import Task
from playground.training.checkpoint_state import CheckpointState
from playground.training.config import TrainingConfig
from playground.training.evaluation import MIN_EVALUATIONS, TrainerEvaluation
from playground.training.fused.step import FusedStep, fused_step_for
from playground.training.history import MetricHistory, Throttle
from playground.training.model_thread import check_model_access
from playground.training.optimizers import set_hyper
from playground.training.schedules import build_schedulers, step_schedulers
from playground.training.snapshot import Snapshot, TrainerEvents
from playground.training.states import RunState

#: A probe computes view data on the trainer thread: probe(trainer) -> payload.
Probe = Callable[["Trainer"], Any]

#: :attr:`Trainer.engine` values.
FAST_PATH, AUTOGRAD = "fast path", "autograd"


#: Fast-path steps per turn of the training loop (see Trainer.step_batch).
FAST_BURST = 16


class Trainer(TrainerEvaluation, CheckpointState):
    """Steps a :class:`~playground.tasks.base.Task` for a number of epochs.

    When it evaluates and how it stops early are :class:`~playground.training.evaluation.
    TrainerEvaluation`; its checkpoint state (``state_dict``, ``load_state_dict``) is
    :class:`~playground.training.checkpoint_state.CheckpointState`.

    Parameters
    ----------
    task : Task
        What to train.
    config : TrainingConfig
        Epochs, seed, early stopping, schedule.
    snapshot_interval : float
        Seconds between snapshots (probes run then, within ``probe_budget``).
    eval_interval : float
        Minimum seconds between evaluations when nothing requires one each epoch.
    probe_budget, eval_budget : float
        Largest share of wall time probes / evaluation may take.

    Attributes
    ----------
    engine : str
        "fast path" (a fused step without autograd) or "autograd".
    engine_note : str
        Why the run takes the autograd path ("" on the fast path).
    """

    def __init__(self, task: Task, config: TrainingConfig, snapshot_interval: float = 0.05,
                 eval_interval: float = 0.25, probe_budget: float = 0.1,
                 eval_budget: float = 0.05):
        self.task = task
        self.config = config
        self.state = RunState.READY
        self.step = 0
        self.epoch = 0
        self.target_epochs = config.epochs
        self.history = MetricHistory()
        self.metrics: dict[str, float] = {}
        self.probes: dict[str, Probe] = {}
        self.stop_reason = ""
        self.events = TrainerEvents()
        self._batch = 0  # batches done in the current epoch
        self._steps_per_epoch = task.steps_per_epoch()
        self._fused, self.engine_note = fused_step_for(task, config)
        self.engine = AUTOGRAD if self._fused is None else FAST_PATH
        self._generator = torch.Generator().manual_seed(config.seed)
        seed_torch(config.seed + 1)  # dropout and other in-model randomness
        self._pending: list[torch.Tensor] = []
        self._pending_start = 0  # step index of _pending[0]
        self._epoch_ends: list[int] = []  # step counts at epoch ends not yet flushed
        self._epoch_sum = 0.0  # loss sum of the epoch in progress (flushed part)
        self._epoch_count = 0
        self._commands: collections.deque[Callable[[], None]] = collections.deque()
        self._wake = threading.Event()
        self._paused = False
        self._stop = False
        self._snap_throttle = Throttle(snapshot_interval, probe_budget)
        self._eval_throttle = Throttle(eval_interval, eval_budget)
        #: At least this many evaluations per run (0: the time budget alone decides).
        self.min_evaluations = MIN_EVALUATIONS
        self._evaluated_epoch = 0  # the epoch of the last evaluation
        self._speed = (time.perf_counter(), 0, 0.0)  # (time, step, steps/s)
        self._schedulers = build_schedulers(config, task.optimizers)
        es = config.early_stopping
        self._best: tuple[float, int, dict] | None = None  # (value, epoch, state)
        self._since_best = 0
        self._eval_each_epoch = es is not None or config.schedule == "plateau"
        if es is not None:
            self.monitor = es.monitor
        else:
            self.monitor = task.default_monitor

    @property
    def fused(self) -> FusedStep | None:
        """The fast path's step when this run takes it (see :attr:`engine`), else None."""
        return self._fused

    # -- thread-safe control -------------------------------------------------------------
    def post(self, command: Callable[[], None]) -> None:
        """Run ``command()`` on the trainer thread before the next step."""
        self._commands.append(command)
        self._wake.set()

    def take_commands(self) -> list[Callable[[], None]]:
        """The commands posted but not run (the loop has ended): the caller runs them now.

        Call it only where the loop cannot run any more (after :meth:`run` returned).
        """
        commands = list(self._commands)
        self._commands.clear()
        return commands

    def pause(self) -> None:
        """Pause after the current step."""
        self._paused = True
        self._wake.set()

    def resume(self) -> None:
        """Continue a paused run."""
        self._paused = False
        self._wake.set()

    def stop(self) -> None:
        """End the run after the current step."""
        self._stop = True
        self._wake.set()

    def set_hyper(self, name: str, value: float | bool) -> None:
        """Change an optimizer hyperparameter; it applies from the next step.

        Optimizers without that hyperparameter (an Adam racer asked for
        ``momentum``) are left alone; if none has it the run fails with a message.
        """
        def apply() -> None:
            changed = 0
            for opt in self.task.optimizers:
                try:
                    set_hyper(opt, name, value)
                    changed += 1
                except ValidationError:
                    continue
            if not changed:
                raise TrainingError(f"no optimizer of this run has a hyperparameter {name!r}")
        self.post(apply)

    def request_step(self, kind: str = "batch") -> None:
        """While paused: do one batch ("batch") or finish the epoch ("epoch")."""
        self.post(self.step_batch if kind == "batch" else self.step_epoch)

    # -- stepping (trainer thread only) ----------------------------------------------------
    def step_batch(self, most: int = 1) -> None:
        """One batch update, with epoch bookkeeping; on the fast path up to ``most`` of them
        back to back within the epoch (the loop asks for :data:`FAST_BURST`: its checks
        between steps cost a tiny model's step ~5%; a burst of a 35 us step is about half
        a millisecond of command latency)."""
        if self._batch == 0:
            self.task.begin_epoch(self._generator)
        fused = self._fused
        if fused is None or most == 1:
            self._pending.append(self.task.train_step() if fused is None else fused.train_step())
            count = 1
        else:
            count = min(most, self._steps_per_epoch - self._batch)
            self._pending.extend(fused.train_steps(count))
        self.step += count
        self._batch += count
        if self._batch == self._steps_per_epoch:
            self._end_epoch()

    def step_epoch(self) -> None:
        """Finish the current epoch (a whole one if at a boundary)."""
        self.step_batch()
        while self._batch and not self.state.ended:
            self.step_batch()
        self.publish()

    def _end_epoch(self) -> None:
        self._batch = 0
        self.epoch += 1
        self._epoch_ends.append(self.step)
        now = time.perf_counter()
        if self._eval_each_epoch or self.epoch >= self.target_epochs or \
                self._evaluation_owed() or self._eval_throttle.due(now):
            self._evaluate(now)
        if self._schedulers:
            step_schedulers(self._schedulers, self.metrics.get(self.monitor))

    def _flush_losses(self) -> bool:
        """Reduce pending batch losses into the epoch-loss curve; False if diverged."""
        if not self._pending:
            return True
        # One stack + copy for all pending steps: no per-step sync on the hot path.
        losses = torch.stack(self._pending).float().cpu().numpy()
        offset = self._pending_start  # steps done before losses[0]
        self._pending.clear()
        self._pending_start = self.step
        bad = np.flatnonzero(~np.isfinite(losses))
        if bad.size:
            self._epoch_ends.clear()
            self._diverge(offset + int(bad[0]) + 1, float(losses[bad[0]]))
            return False
        pos = 0
        if self._epoch_ends:
            # Epoch means in one pass (a tiny model ends thousands of epochs between flushes);
            # the first epoch also carries the sum and count left from the previous flush.
            ends = np.asarray(self._epoch_ends) - offset
            starts = np.concatenate([[0], ends[:-1]])
            counts = (ends - starts).astype(float)  # every epoch has >= 1 step here
            sums = np.add.reduceat(losses[:ends[-1]].astype(np.float64), starts)
            sums[0] += self._epoch_sum
            counts[0] += self._epoch_count
            means = sums / np.maximum(counts, 1)
            self.history.add_many("loss", np.asarray(self._epoch_ends) // self._steps_per_epoch,
                                  means)
            self.metrics["loss"] = float(means[-1])
            self._epoch_sum, self._epoch_count = 0.0, 0
            pos = int(ends[-1])
        rest = losses[pos:]
        self._epoch_sum += float(rest.sum())
        self._epoch_count += len(rest)
        self._epoch_ends.clear()
        return True

    def _diverge(self, step: int, value: float) -> None:
        self.stop_reason = f"loss became {value} at step {step}"
        self._set_state(RunState.DIVERGED)
        self._stop = True
        self.events.diverged.emit(step, value)

    # -- running ---------------------------------------------------------------------------
    def run(self, epochs: int | None = None, start_paused: bool = False) -> RunState:
        """Train until ``epochs`` epochs are done (default: the config's), or stopped.

        Returns the final state: FINISHED (all epochs, or early stopping), STOPPED (by
        :meth:`stop`), DIVERGED or FAILED. Errors raised by the task are caught,
        reported through ``failed`` and turn the state to FAILED; the trainer stays
        usable for inspection.
        """
        if epochs is not None:
            self.target_epochs = epochs
        self._stop = False
        self._paused = start_paused
        self._set_state(RunState.PAUSED if start_paused else RunState.RUNNING)
        self._speed = (time.perf_counter(), self.step, self._speed[2])
        self._unbind()
        try:
            self._loop()
        except PlaygroundError as exc:
            log_error("while training", exc)  # the traceback, for a bug report
            self._fail(str(exc))
        except (RuntimeError, ValueError, TypeError, IndexError, MemoryError) as exc:
            log_error("while training", exc)
            self._fail(f"{type(exc).__name__}: {exc}".splitlines()[0])
        return self.state

    def _loop(self) -> None:
        while self.state in (RunState.RUNNING, RunState.PAUSED):
            while self._commands:
                self._unbind()  # a command may load weights or optimizer state
                self._commands.popleft()()
            if self._stop:
                self._finish(RunState.STOPPED, self.stop_reason or "stopped by the user")
                break
            if self.epoch >= self.target_epochs and self._batch == 0:
                self._finish(RunState.FINISHED, f"{self.epoch} epochs done")
                break
            if self._paused:
                self._set_state(RunState.PAUSED)
                self.publish()
                self._wake.wait(0.1)
                self._wake.clear()
                continue
            if self.state != RunState.RUNNING:
                self._set_state(RunState.RUNNING)
                self._speed = (time.perf_counter(), self.step, self._speed[2])
            self.step_batch(FAST_BURST)
            if self._snap_throttle.due(time.perf_counter()):
                self.publish()

    def _unbind(self) -> None:
        """Let the fast path look at the model's tensors afresh before its next step."""
        if self._fused is not None:
            self._fused.unbind()

    def _finish(self, state: RunState, reason: str) -> None:
        if self._flush_losses() and state != RunState.DIVERGED and self._batch == 0 \
                and not self._evaluated_at(self.epoch):
            self.metrics = {**self.metrics, **self.task.evaluate()}
            for name, value in self.metrics.items():
                if name != "loss":
                    self.history.add(name, self.epoch, value)
        if self.state == RunState.DIVERGED:
            state = RunState.DIVERGED
        self.stop_reason = self.stop_reason or reason
        self._set_state(state)
        self.publish()
        self.events.finished.emit(self.state, self.stop_reason)

    def _fail(self, message: str) -> None:
        self.stop_reason = message
        self._set_state(RunState.FAILED)
        self.events.failed.emit(message)
        self.events.finished.emit(RunState.FAILED, message)

    def _set_state(self, state: RunState) -> None:
        if state != self.state:
            self.state = state
            self.events.state_changed.emit(state)

    # -- snapshots -------------------------------------------------------------------------
    def publish(self) -> None:
        """Emit a snapshot now (trainer thread, or any thread once the loop has ended):
        a view opened while paused gets its data without another step."""
        started = time.perf_counter()
        if self.state != RunState.DIVERGED:
            self._flush_losses()
        snap = self.make_snapshot()
        self._snap_throttle.done(started, time.perf_counter())
        self.events.snapshot.emit(snap)

    def make_snapshot(self) -> Snapshot:
        """Build a :class:`Snapshot` now (runs the probes: never on the app's UI thread)."""
        check_model_access("running probes")
        now = time.perf_counter()
        t0, s0, speed = self._speed
        if now - t0 >= 0.5 and self.state == RunState.RUNNING:
            speed = (self.step - s0) / (now - t0)
            self._speed = (now, self.step, speed)
        payloads = {}
        if self.probes:
            self.task.train_mode(False)
            try:
                with torch.no_grad():
                    payloads = {name: probe(self) for name, probe in self.probes.items()}
            finally:
                self.task.train_mode(True)
        fraction = self._batch / self._steps_per_epoch
        return Snapshot(self.step, self.epoch + fraction, self.state, dict(self.metrics),
                        self.history.arrays(), payloads, speed, self.engine, self.engine_note)
