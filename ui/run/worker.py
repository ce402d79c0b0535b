"""TrainingWorker: the session's one executor thread, driving the run orchestrator.

The UI thread never trains and never touches the live model; the worker thread
never touches a widget. They meet here:

* :meth:`TrainingWorker.start` starts one worker thread per project run. It
  drives a :class:`~playground.run.orchestrator.Orchestrator` (the same one
  ``playground run`` drives): for each planned run (the project, or each of its
  variants) it builds the session, attaches the probes the views need and runs
  ``trainer.run(start_paused=...)``, so a freshly built session sits paused at
  step 0 and already publishes its first snapshot; when the run ends, the
  orchestrator records its final metrics, and at the end of the plan it
  evaluates the book's checks.
* The thread then stays alive as the session's executor: everything that
  touches the model after the run (a refreshed snapshot, an export, a probe with
  new options) runs on it, in order. While the trainer's loop runs, such calls
  go through the trainer's own command queue (between steps) instead.
* Controls (play, pause, step, stop, set_hyper) go through the trainer's
  thread-safe command queue. Commands given while a session is still being
  built are queued and handed over as soon as it exists.
* Trainer events arrive on the worker thread and cross to the UI thread through
  one queued internal signal. Snapshots and metrics go through a one-slot
  mailbox: however fast the trainer publishes, at most one delivery is queued
  at a time and the UI always gets the newest one.

Every public signal is emitted on the UI thread (a slot asserts it).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from playground.training.states import ENDED, RunState
from ui.run.errors import error_line
from ui.run.job import Generation, JobThread, RunJob

#: Seconds shutdown() waits for the thread; a step or build longer than this is waited out.
JOIN_SECONDS = 30.0
#: Worker states before a session exists, besides the trainer's (RunState).
EMPTY, PREPARING = "empty", "preparing"
ENDED_STATES = frozenset(state.value for state in ENDED)


class TrainingWorker(QObject):
    """Owns the worker thread of the current project run.

    Signals
    -------
    run_started(int, int, str, str)
        A planned run starts: its index, the plan's length, its name ("" for the
        project as written, else a variant's) and label.
    preparing()
        A session is being built.
    session_ready(object)
        The new :class:`~playground.run.session.Session` (paused at step 0, or training).
    session_failed(str)
        Building failed: one line naming the problem.
    snapshot_ready(object), metrics_ready(dict)
        The newest snapshot / metrics record (older ones are dropped).
    state_changed(str), finished(str, str), failed(str), diverged(int, float)
        The trainer's events.
    run_result(str, dict)
        After each run that trained (finished, stopped or diverged): its state and its
        final metrics, measured on the worker thread by the orchestrator.
    plan_finished(object)
        The :class:`~playground.run.orchestrator.RunResult` of the whole plan: merged
        metrics, the book's checks, and why it ended.
    checks_ready(list)
        The plan's :class:`~playground.project.expect.CheckResult` list, when it has checks.
    seeds_finished(object)
        Instead of ``plan_finished`` for a seeds plan: the
        :class:`~playground.run.seeds.SeedsResult` (each seed's curves and final probe
        payloads, each check's pass rate and spread).
    call_done(int, object, str)
        Result of :meth:`call_on_trainer`: (token, value, error line or "").
    """

    run_started = Signal(int, int, str, str)
    preparing = Signal()
    session_ready = Signal(object)
    session_failed = Signal(str)
    snapshot_ready = Signal(object)
    metrics_ready = Signal(dict)
    state_changed = Signal(str)
    finished = Signal(str, str)
    failed = Signal(str)
    diverged = Signal(int, float)
    run_result = Signal(str, dict)
    plan_finished = Signal(object)
    checks_ready = Signal(list)
    seeds_finished = Signal(object)
    call_done = Signal(int, object, str)

    _posted = Signal(int, str, object)  # (generation, event name, payload), worker -> UI

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.session: Any = None
        self.state: str = EMPTY
        self._thread: JobThread | None = None
        self._lock = threading.Lock()
        self._gen = Generation(0)
        # (run index, "snapshot"/"metrics") -> newest payload: one slot per run of the plan, so
        # a delivery queued during one run never carries the next run's snapshot.
        self._mail: dict[tuple[int, str], Any] = {}
        self._calls = 0
        self._retired: list[JobThread] = []  # stopped threads not yet joined
        self._posted.connect(self._on_posted, Qt.ConnectionType.QueuedConnection)

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self, project: Any, view_ids: Iterable[str] = (), autoplay: bool = False,
              epochs: int | None = None, variants: bool = False,
              seeds: int | None = None) -> None:
        """Stop any current run and run ``project`` in a new worker thread.

        Parameters
        ----------
        project : Project
            A private copy (the worker's thread reads it while the UI keeps editing its own).
        view_ids : iterable of str
            Views whose probes are attached before each run starts.
        autoplay : bool
            Start training as soon as the session is built (else it waits paused).
        epochs : int, optional
            Override the project's number of epochs.
        variants : bool
            Run every variant of the project in turn (Run all variants); each one
            trains as soon as it is built.
        seeds : int, optional
            Run the project (and its variants) with this many training seeds in turn
            (Run seeds), from the project's seed on; each trains as soon as it is built.
        """
        self.retire()
        with self._lock:
            gen = self._gen
            gen.waiting = [self._resume] if autoplay else []
        self.session = None
        self.state = PREPARING
        job = RunJob(self, gen, project, list(view_ids), epochs, variants, seeds)
        self._thread = JobThread(job.run, self)
        self._thread.start()

    def retire(self) -> None:
        """Stop the current run without waiting: its thread ends on its own (a build in
        progress cannot be interrupted) and is joined later; its events are dropped."""
        with self._lock:
            old = self._gen
            self._gen = Generation(old.number + 1)
            live, old.live = old.live, None
            old.waiting = []
            self._mail.clear()
        if live is not None:
            live.trainer.stop()
        old.jobs.put(None)  # ends the executor
        if self._thread is not None:
            self._retired.append(self._thread)
            self._thread = None
        for thread in [t for t in self._retired if t.isFinished()]:
            self._retired.remove(thread)
            thread.deleteLater()
        if self.session is not None and self.state not in ENDED_STATES:
            self.state = RunState.STOPPED

    def shutdown(self) -> None:
        """Stop the run (if any) and join every thread; pending events are dropped."""
        self.retire()
        for thread in self._retired:
            thread.wait(int(JOIN_SECONDS * 1000))
            if thread.isRunning():  # a very long step: wait it out rather than leak it
                thread.wait()
            thread.deleteLater()
        self._retired = []

    def is_running(self) -> bool:
        """True while the current worker thread is alive (building, training, paused, or
        serving calls after its run)."""
        return self._thread is not None and self._thread.isRunning()

    def is_training(self) -> bool:
        """True while a session's trainer loop runs (training or paused)."""
        with self._lock:
            return self._gen.live is not None

    def threads_alive(self) -> int:
        """Worker threads still running, current and retired (0 after :meth:`shutdown`)."""
        threads = [t for t in (self._thread, *self._retired) if t is not None]
        return sum(t.isRunning() for t in threads)

    # -- controls (UI thread) ------------------------------------------------------------------
    def play(self) -> None:
        """Resume (or start) training."""
        self._command(self._resume)

    def pause(self) -> None:
        """Pause after the current step."""
        self._command(lambda s: s.trainer.post(s.trainer.pause))

    def step(self, kind: str = "batch") -> None:
        """One batch ("batch") or the rest of the epoch ("epoch"), then stay paused."""
        def do(s: Any) -> None:
            s.trainer.post(s.trainer.pause)
            s.trainer.request_step(kind)
        self._command(do)

    def stop(self) -> None:
        """End the run after the current step."""
        self._command(lambda s: s.trainer.stop())

    def set_hyper(self, name: str, value: float | bool) -> None:
        """Change an optimizer hyperparameter from the next step on."""
        self._command(lambda s: s.trainer.set_hyper(name, value))

    def set_epochs(self, epochs: int) -> None:
        """Change the number of epochs of the running session."""
        self._command(lambda s: s.trainer.post(
            lambda: setattr(s.trainer, "target_epochs", epochs)))

    def refresh(self) -> None:
        """A fresh snapshot of the current session (after a view was added or changed its
        probe's options), computed on the worker thread, if there is a session."""
        if self.session is not None or self.is_training():
            self.call_on_trainer(lambda s: s.trainer.publish())

    def call_on_trainer(self, fn: Callable[[Any], Any]) -> int:
        """Run ``fn(session)`` on the worker thread, where the model lives; returns a token.

        Between training steps while the trainer's loop runs, else by the executor
        once the run has ended: in the order of the calls either way. The result
        arrives as ``call_done(token, value, error)``.
        """
        self._calls += 1
        token = self._calls
        with self._lock:
            gen, live = self._gen, self._gen.live
        session = live if live is not None else self.session

        def run() -> None:
            try:
                value, error = fn(session), ""
            except Exception as exc:  # reported to the user as one line
                value, error = None, error_line(exc)
            self.post(gen, "call", (token, value, error))

        if session is None or not self.is_running():
            self.call_done.emit(token, None, "no model yet: press Reset or Play first")
            return token
        with self._lock:  # the worker hands over queued calls under this lock (go_idle)
            if gen.live is not None:
                gen.live.trainer.post(run)
            else:
                gen.jobs.put(run)
        return token

    def _command(self, fn: Callable[[Any], None]) -> None:
        with self._lock:
            gen = self._gen
            live = gen.live
            if live is None:
                if self.is_running() and self.state == PREPARING:
                    gen.waiting.append(fn)  # still building: hand over when ready
                return
        fn(live)

    @staticmethod
    def _resume(session: Any) -> None:
        session.trainer.post(session.trainer.resume)

    # -- worker thread (called by its RunJob) -------------------------------------------------
    def is_current(self, gen: Generation) -> bool:
        """True while ``gen`` is this worker's generation (not retired)."""
        return gen is self._gen

    def connect_trainer(self, gen: Generation, run: int, trainer: Any) -> None:
        """Route the events of run number ``run``'s trainer to the UI thread."""
        events = trainer.events
        events.snapshot.connect(lambda snap: self._mailbox(gen, run, "snapshot", snap))
        events.metrics.connect(lambda record: self._mailbox(gen, run, "metrics", record))
        events.state_changed.connect(lambda state: self.post(gen, "state", str(state)))
        events.finished.connect(lambda state, reason: self.post(gen, "finished",
                                                                (str(state), reason)))
        events.failed.connect(lambda message: self.post(gen, "failed", message))
        events.diverged.connect(lambda step, value: self.post(gen, "diverged", (step, value)))

    def go_live(self, gen: Generation, session: Any, autoplay: bool) -> bool:
        """Make ``session`` the live one and hand it the waiting controls; False when this
        generation was retired meanwhile."""
        with self._lock:
            if gen is not self._gen:
                return False
            gen.live = session
            waiting, gen.waiting = gen.waiting, []
        if autoplay and self._resume not in waiting:
            waiting.insert(0, self._resume)
        for fn in waiting:
            fn(session)
        self._drain_jobs(gen, session)
        return True

    def go_idle(self, gen: Generation, session: Any) -> None:
        """The trainer's loop has ended: later calls go to the executor's queue, and those
        posted to the trainer after its last step are moved there, in order."""
        with self._lock:
            gen.live = None
            for command in session.trainer.take_commands():
                gen.jobs.put(command)

    @staticmethod
    def _drain_jobs(gen: Generation, session: Any) -> None:
        """Calls queued while no trainer loop ran go to the trainer's queue, in order."""
        while True:
            try:
                job = gen.jobs.get_nowait()
            except queue.Empty:
                return
            if job is None:
                gen.jobs.put(None)
                return
            session.trainer.post(job)

    def _mailbox(self, gen: Generation, run: int, name: str, payload: Any) -> None:
        with self._lock:
            if gen is not self._gen:
                return
            waiting = (run, name) in self._mail
            self._mail[run, name] = payload
        if not waiting:  # one queued delivery at a time; it will take the newest payload
            self._posted.emit(gen.number, name, run)

    def post(self, gen: Generation, name: str, payload: Any) -> None:
        """Send event ``name`` of generation ``gen`` to the UI thread (dropped there if retired)."""
        self._posted.emit(gen.number, name, payload)

    # -- UI thread ---------------------------------------------------------------------------
    @Slot(int, str, object)
    def _on_posted(self, number: int, name: str, payload: Any) -> None:
        assert QThread.currentThread() is self.thread(), "worker signals go to the UI thread"
        with self._lock:
            if number != self._gen.number:
                return  # from a run that has been replaced
            if name in ("snapshot", "metrics"):
                payload = self._mail.pop((payload, name), None)
        if name == "snapshot" and payload is not None:
            self.snapshot_ready.emit(payload)
        elif name == "metrics" and payload is not None:
            self.metrics_ready.emit(payload)
        elif name == "state":
            self.state = payload
            self.state_changed.emit(payload)
        elif name == "finished":
            self.state = payload[0]
            self.finished.emit(*payload)
        elif name == "failed":
            self.failed.emit(payload)
        elif name == "diverged":
            self.diverged.emit(*payload)
        elif name == "run_started":
            self.run_started.emit(*payload)  # the previous run's session is still current
            self.session = None
            self.state = PREPARING
            self.preparing.emit()
        elif name == "session_ready":
            self.session = payload
            self.state = RunState.READY
            self.session_ready.emit(payload)
        elif name == "session_failed":
            self.state = EMPTY
            self.session_failed.emit(payload)
        elif name == "result":
            self.run_result.emit(*payload)
        elif name == "plan":
            self.plan_finished.emit(payload)
            if payload.checks:
                self.checks_ready.emit(payload.checks)
        elif name == "seeds":
            self.seeds_finished.emit(payload)
        elif name == "call":
            self.call_done.emit(*payload)
