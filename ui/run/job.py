"""What one worker thread runs: the orchestrator's plan, then the session's executor.

* :class:`JobThread` is the QThread running one Python callable;
* :class:`Generation` is what one worker thread shares with the UI thread (its
  number, the live session, controls waiting for a session, the executor's jobs);
* :class:`RunJob` is the job itself: for each planned run it builds the
  session, attaches the probes, runs the trainer and records the final metrics,
  then serves the calls that touch the model, in order, until retired. It talks to
  the UI thread only through its :class:`~ui.run.worker.TrainingWorker`'s
  worker-thread methods (``post``, ``connect_trainer``, ``go_live``, ``go_idle``).
"""

from __future__ import annotations

import queue
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QThread

from playground.training.states import RunState
from ui.run.errors import error_line

if TYPE_CHECKING:
    from ui.run.worker import TrainingWorker


class JobThread(QThread):
    """A QThread running one Python callable."""

    def __init__(self, job: Callable[[], None], parent: QObject | None = None):
        super().__init__(parent)
        self._job = job

    def run(self) -> None:  # noqa: D102 (Qt override)
        # A QThread is not started by `threading`, so a tracer installed for every thread
        # (coverage.py measuring the tests) is not in it: install it here too.
        tracer = threading.gettrace()
        if tracer is not None:
            sys.settrace(tracer)
        self._job()


class Generation:
    """What one worker thread shares with the UI thread: its number, the session whose
    trainer loop runs (if any), commands waiting for a session, and the executor's jobs."""

    def __init__(self, number: int):
        self.number = number
        self.live: Any = None  # the session whose trainer loop is running
        self.waiting: list[Callable[[Any], None]] = []  # controls for the next session
        self.jobs: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()


class RunJob:
    """What one worker thread does: the orchestrator's plan, then serving calls."""

    def __init__(self, worker: TrainingWorker, gen: Generation, project: Any,
                 view_ids: list[str], epochs: int | None, variants: bool, seeds: int | None):
        self.worker, self.gen = worker, gen
        self.project, self.view_ids = project, view_ids
        self.epochs, self.variants, self.seeds = epochs, variants, seeds
        self.runs = 0  # runs started so far

    def _plan(self) -> Any:
        from playground.run.orchestrator import Orchestrator
        from playground.run.seeds import SeedsPlan

        if self.seeds is not None:
            return SeedsPlan(self.project, self.seeds, epochs=self.epochs)
        return Orchestrator(self.project, epochs=self.epochs, variants=self.variants)

    def run(self) -> None:
        worker, gen = self.worker, self.gen
        try:
            plan = self._plan()
        except Exception as exc:  # an invalid variant: one line, never a traceback
            worker.post(gen, "session_failed", error_line(exc))
            return
        session = None
        several = self.variants or self.seeds is not None
        while (planned := plan.next_run()) is not None:
            worker.post(gen, "run_started", (self.runs, plan.size, planned.name,
                                             planned.label))
            session = self._train(plan, planned, autoplay=self.runs > 0 or several)
            self.runs += 1
            if session is None:
                break
        if worker.is_current(gen) and self.runs:
            worker.post(gen, "seeds" if self.seeds is not None else "plan", plan.result())
        if session is not None:
            self._serve(session)

    def _train(self, plan: Any, planned: Any, autoplay: bool) -> Any:
        """Build, run and record one planned run; its session, or None when it could not
        be built or this generation was retired."""
        from playground.probes import attach_probes

        worker, gen = self.worker, self.gen
        try:
            session = plan.build(planned)
            attach_probes(session, self.view_ids)
        except Exception as exc:  # any build error is shown as one line, never a traceback
            plan.fail(planned, error_line(exc))
            worker.post(gen, "session_failed", error_line(exc))
            return None
        worker.connect_trainer(gen, self.runs, session.trainer)
        worker.post(gen, "session_ready", session)
        if not worker.go_live(gen, session, autoplay):
            return None
        started = time.perf_counter()
        try:
            state = session.trainer.run(start_paused=True)
        except Exception as exc:  # errors the trainer does not catch itself
            state = self._crashed(session, error_line(exc))
        worker.go_idle(gen, session)
        if not worker.is_current(gen):
            return None
        try:
            record = plan.record(planned, session, state, time.perf_counter() - started)
        except Exception as exc:  # the final metrics cannot be computed: the run failed
            message = f"cannot compute the final metrics: {error_line(exc)}"
            plan.fail(planned, message)
            worker.post(gen, "failed", message)
            return session
        if record.state != RunState.FAILED:
            worker.post(gen, "result", (str(record.state), record.metrics))
        return session

    def _crashed(self, session: Any, message: str) -> RunState:
        trainer = session.trainer
        trainer.state, trainer.stop_reason = RunState.FAILED, message
        for name, payload in (("state", str(RunState.FAILED)), ("failed", message),
                              ("finished", (str(RunState.FAILED), message))):
            self.worker.post(self.gen, name, payload)
        return RunState.FAILED

    def _serve(self, session: Any) -> None:
        """The executor: run the calls that touch the model, in order, until retired."""
        while (job := self.gen.jobs.get()) is not None:
            job()
