"""The one run orchestrator: a project's runs in order, their final metrics, the book's checks.

``playground run`` and the app's worker thread both drive an :class:`Orchestrator`,
so a run means the same thing everywhere:

* its **plan** is the project itself, or, for a project with ``variants``, each
  variant in turn (:mod:`playground.project.variants`);
* each planned run is **built** (:func:`~playground.run.session.build_session`),
  trained by whoever drives it (the CLI's thread, the app's worker thread), and
  **recorded** when it ends: its final metrics are computed for every run that
  trained, including a run stopped by the user or one that diverged (the
  metrics measured before the loss blew up are still worth showing);
* a run that failed, diverged or was stopped by the user ends the plan; a run
  that finished (all its epochs, or early stopping) lets the next one start;
* at the end the **checks** of the project's ``expect`` are evaluated once, on
  the merged metrics: a variant's metrics are reported as ``<name>.<metric>``
  and the first run's also without a prefix. This is the only place checks are
  evaluated.

Headless, :meth:`Orchestrator.run` does all of it in the calling thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from playground.project.expect import CheckResult, evaluate_checks
from playground.project.schema import Project
from playground.project.variants import prefixed, variant_projects
from playground.run.session import Session, build_session, size_metrics
from playground.training.snapshot import Snapshot
from playground.training.states import RunState


@dataclass(frozen=True)
class PlannedRun:
    """One run of a plan: ``name`` is "" for the project as written, else a variant's;
    ``seed`` is the training seed when a seeds plan (:mod:`playground.run.seeds`) set one."""

    name: str
    label: str
    project: Project
    seed: int | None = None


@dataclass
class RunRecord:
    """How one planned run ended and what it measured."""

    run: PlannedRun
    state: RunState
    reason: str
    metrics: dict[str, float]
    seconds: float = 0.0


@dataclass
class RunResult:
    """The outcome of a whole plan: merged metrics and the book's checks.

    ``state`` is FINISHED when every run finished; else the state of the run
    that ended the plan, and ``reason`` names it.
    """

    state: RunState
    reason: str
    metrics: dict[str, float]
    checks: list[CheckResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        """True when the runs ended normally and every check holds."""
        return self.state.trained and all(c.passed for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the CLI's ``--json`` line)."""
        return {"state": self.state.value, "reason": self.reason, "metrics": self.metrics,
                "checks": [c.to_dict() for c in self.checks], "passed": self.passed,
                "seconds": round(self.seconds, 3)}


def final_metrics(session: Session, state: RunState) -> dict[str, float]:
    """A run's final metrics: the trainer's, the task's final ones, the model's size
    (``params``, ``keras_params``), ``epochs`` and ``steps``.

    The task's final metrics are computed for every run that trained (finished,
    stopped, diverged); a failed run reports what the trainer had.
    """
    trainer = session.trainer
    metrics = dict(trainer.metrics)
    if state != RunState.FAILED:
        metrics.update(session.task.final_metrics())
        metrics.update(size_metrics(session.task))
    metrics["epochs"] = float(trainer.epoch)
    metrics["steps"] = float(trainer.step)
    return metrics


class Orchestrator:
    """Sequences a project's runs and checks the book's numbers on them.

    Parameters
    ----------
    project : Project
        What to run.
    seed, device, epochs : optional
        Overrides applied to every run (``playground run --seed`` ...).
    variants : bool
        Run every variant of a project that has some (``playground run``, Run all
        variants); False runs the project as written (the app's Play).
    own_seed : bool, optional
        Whether the runs use the project's own seeds, so its ``seed_specific``
        checks are judged (default: no ``seed`` override, or the project's own).

    Raises
    ------
    ValidationError
        A variant whose patch does not make a valid project (named).
    """

    def __init__(self, project: Project, seed: int | None = None, device: str | None = None,
                 epochs: int | None = None, variants: bool = True,
                 own_seed: bool | None = None):
        self.project = project
        self.seed, self.device, self.epochs = seed, device, epochs
        self.own_seed = own_seed if own_seed is not None \
            else seed is None or seed == project.training.seed
        runs = variant_projects(project) if variants and project.variants else []
        self.with_variants = bool(runs)
        self.plan: list[PlannedRun] = [PlannedRun(v.name, v.label, v.project) for v in runs] \
            or [PlannedRun("", project.title, project)]
        self.records: list[RunRecord] = []
        self.ended: RunRecord | None = None  # the record that ended the plan early
        self._first_task: Any = None

    # -- driving, one run at a time ----------------------------------------------------------
    @property
    def size(self) -> int:
        """How many runs the plan holds."""
        return len(self.plan)

    def next_run(self) -> PlannedRun | None:
        """The run to build next; None when the plan is done or ended early."""
        if self.ended is not None or len(self.records) >= len(self.plan):
            return None
        return self.plan[len(self.records)]

    def build(self, run: PlannedRun) -> Session:
        """The session of ``run``, with this orchestrator's overrides.

        Raises
        ------
        PlaygroundError
            Naming what cannot be built (a graph error, bad data...).
        """
        return build_session(run.project, seed=self.seed, device=self.device,
                             epochs=self.epochs)

    def record(self, run: PlannedRun, session: Session, state: RunState,
               seconds: float = 0.0) -> RunRecord:
        """Note how ``run`` ended (its session is done training) and measure it.

        Call it on the thread that owns ``session``'s model. A run that did not
        finish ends the plan.
        """
        state = RunState(state)
        metrics = final_metrics(session, state)
        record = RunRecord(run, state, session.trainer.stop_reason, metrics, seconds)
        self.records.append(record)
        if self._first_task is None:
            self._first_task = session.task
        if state != RunState.FINISHED:
            self.ended = record
        return record

    def fail(self, run: PlannedRun, message: str) -> RunRecord:
        """Note that ``run`` could not be built or trained: the plan ends."""
        record = RunRecord(run, RunState.FAILED, message, {})
        self.records.append(record)
        self.ended = record
        return record

    @property
    def done(self) -> bool:
        """True when no run is left to build."""
        return self.next_run() is None

    # -- results -------------------------------------------------------------------------
    def metrics(self) -> dict[str, float]:
        """The records' metrics merged: prefixed by variant, the first run's also bare."""
        merged: dict[str, float] = {}
        for i, record in enumerate(self.records):
            if i == 0:
                merged.update(record.metrics)
            if self.with_variants:
                merged.update(prefixed(record.run.name, record.metrics))
        return merged

    def checks(self) -> list[CheckResult]:
        """The project's ``expect`` evaluated on the merged metrics.

        Empty when it has none, when nothing ran, or when the plan ended early (a
        run failed or diverged, or the user stopped one of several runs: the
        numbers would compare runs that did not all happen). A single run stopped
        by the user is checked as it stands.
        """
        if not self.project.expect or not self.records:
            return []
        if self.ended is not None and not (self.ended.state == RunState.STOPPED
                                           and len(self.plan) == 1):
            return []
        return evaluate_checks(self.project.expect, self.metrics(), self._first_task,
                               self.own_seed)

    def result(self) -> RunResult:
        """The plan's outcome so far (call it when :attr:`done`)."""
        seconds = sum(r.seconds for r in self.records)
        last = self.ended or (self.records[-1] if self.records else None)
        if last is None:
            return RunResult(RunState.READY, "nothing ran", {}, [], 0.0)
        if self.ended is not None:
            who = f"variant {last.run.name!r}: " if self.with_variants else ""
            state, reason = last.state, who + last.reason
        else:
            state = RunState.FINISHED
            reason = "; ".join(f"{r.run.name}: {r.reason}" if self.with_variants else r.reason
                               for r in self.records)
        return RunResult(state, reason, self.metrics(), self.checks(), seconds)

    # -- headless ------------------------------------------------------------------------
    def run(self, on_start: Callable[[PlannedRun, Session], None] | None = None,
            on_snapshot: Callable[[Snapshot], None] | None = None) -> RunResult:
        """Build and train every planned run in this thread, then check.

        Parameters
        ----------
        on_start : callable, optional
            ``on_start(run, session)`` before each run trains (progress bars).
        on_snapshot : callable, optional
            Connected to each run's snapshots.
        """
        drive(self, on_start, on_snapshot)
        return self.result()


class Plan(Protocol):
    """What the worker thread and :func:`drive` need of a plan of runs."""

    @property
    def size(self) -> int:
        """How many runs the plan holds."""
        ...

    def next_run(self) -> PlannedRun | None:
        """The run to build next; None when done."""
        ...

    def build(self, run: PlannedRun) -> Session:
        """Its session."""
        ...

    def record(self, run: PlannedRun, session: Session, state: RunState,
               seconds: float = 0.0) -> Any:
        """Note how it ended (on the thread that owns the session's model)."""
        ...

    def fail(self, run: PlannedRun, message: str) -> Any:
        """Note that it could not be built or trained."""
        ...


def drive(plan: Plan, on_start: Callable[[PlannedRun, Session], None] | None = None,
          on_snapshot: Callable[[Snapshot], None] | None = None) -> None:
    """Build and train every run of ``plan`` in this thread, recording each."""
    while (run := plan.next_run()) is not None:
        session = plan.build(run)
        if on_start is not None:
            on_start(run, session)
        if on_snapshot is not None:
            session.trainer.events.snapshot.connect(on_snapshot)
        started = time.perf_counter()
        state = session.trainer.run()
        plan.record(run, session, state, time.perf_counter() - started)


def run_project(project: Project, seed: int | None = None, device: str | None = None,
                epochs: int | None = None,
                on_snapshot: Callable[[Snapshot], None] | None = None) -> RunResult:
    """Run a project headless: all its variants if it has any, else the project itself."""
    return Orchestrator(project, seed, device, epochs).run(on_snapshot=on_snapshot)


def run_session(session: Session, on_snapshot: Callable[[Snapshot], None] | None = None
                ) -> RunResult:
    """Train a session already built to its end and check its project's expectations."""
    orchestrator = Orchestrator(session.project, variants=False)
    run = orchestrator.plan[0]
    if on_snapshot is not None:
        session.trainer.events.snapshot.connect(on_snapshot)
    started = time.perf_counter()
    state = session.trainer.run()
    orchestrator.record(run, session, state, time.perf_counter() - started)
    return orchestrator.result()
