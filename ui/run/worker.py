"""TrainingWorker: builds a session and runs its Trainer in a QThread, re-emitting its events.

The UI thread never trains and never touches the live model; the trainer
thread never touches a widget. They meet here:

* The worker thread builds the session (``build_session`` can take a second or
  two the first time: ``torch.optim`` imports dynamo), attaches the probes the
  views need and runs ``trainer.run(start_paused=True)``, so a freshly built
  session sits paused at step 0 and already publishes its first snapshot.
* Controls (play, pause, step, stop, set_hyper) go through the trainer's
  thread-safe command queue. Commands given while the session is still being
  built are queued and handed over as soon as it exists.
* Trainer events arrive on the trainer thread and cross to the UI thread
  through one queued internal signal. Snapshots and metrics go through a
  one-slot mailbox: however fast the trainer publishes, at most one delivery
  is queued at a time and the UI always gets the newest one (bounded work per
  frame, no event-queue flood).

Every public signal is emitted on the UI thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from playground.errorlog import log_error
from playground.errors import PlaygroundError

#: Seconds shutdown() waits for the thread; a step or build longer than this is waited out.
JOIN_SECONDS = 30.0


def error_line(exc: BaseException) -> str:
    """One user-facing line for an exception (no traceback); the traceback goes to the
    error log (:mod:`playground.errorlog`, shown by Help > Error log)."""
    log_error("in a worker thread", exc)
    if isinstance(exc, PlaygroundError):
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    text = f"{type(exc).__name__}: {exc}"
    return text.splitlines()[0]


class _JobThread(QThread):
    """A QThread running one Python callable."""

    def __init__(self, job: Callable[[], None], parent: QObject | None = None):
        super().__init__(parent)
        self._job = job

    def run(self) -> None:  # noqa: D102 (Qt override)
        self._job()


class TrainingWorker(QObject):
    """Owns the training thread of the current session.

    Signals
    -------
    preparing()
        A session is being built.
    session_ready(object)
        The new :class:`~playground.run.session.Session` (paused at step 0).
    session_failed(str)
        Building failed: one line naming the problem.
    snapshot_ready(object), metrics_ready(dict)
        The newest snapshot / metrics record (older ones are dropped).
    state_changed(str), finished(str, str), failed(str), diverged(int, float)
        The trainer's events.
    run_result(str, dict)
        After a run ends (finished, stopped or diverged): its state and final metrics
        (the trainer's, the task's final ones, ``epochs`` and ``steps``), computed in the
        worker thread; side-by-side variants merge these.
    checks_ready(list)
        :class:`~playground.project.expect.CheckResult` list after a run that finished or stopped.
    call_done(int, object, str)
        Result of :meth:`call_on_trainer`: (token, value, error line or "").
    """

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
    checks_ready = Signal(list)
    call_done = Signal(int, object, str)

    _posted = Signal(int, str, object)  # (generation, event name, payload), trainer -> UI

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.session: Any = None
        self.state = "empty"
        self._thread: _JobThread | None = None
        self._lock = threading.Lock()
        self._gen = 0
        self._live: Any = None  # the session whose loop is running (guarded by _lock)
        self._queued: list[Callable[[Any], None]] = []  # commands waiting for the session
        self._mail: dict[str, Any] = {}  # "snapshot"/"metrics" -> newest payload
        self._calls = 0
        self._helpers: list[threading.Thread] = []
        self._retired: list[_JobThread] = []  # stopped threads not yet joined
        self._posted.connect(self._on_posted, Qt.ConnectionType.QueuedConnection)

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self, project: Any, view_ids: Iterable[str] = (), autoplay: bool = False,
              epochs: int | None = None) -> None:
        """Stop any current run and build a new session from ``project`` in the worker thread.

        Parameters
        ----------
        project : Project
            A private copy (the worker's thread reads it while the UI keeps editing its own).
        view_ids : iterable of str
            Views whose probes are attached before the run starts.
        autoplay : bool
            Start training as soon as the session is built (else it waits paused).
        epochs : int, optional
            Override the project's number of epochs.
        """
        self.retire()
        with self._lock:
            self._gen += 1
            gen = self._gen
            self._queued = [self._resume] if autoplay else []
        self.session = None
        self.state = "preparing"
        view_ids = list(view_ids)
        self._thread = _JobThread(lambda: self._job(gen, project, view_ids, epochs), self)
        self._thread.start()
        self.preparing.emit()

    def retire(self) -> None:
        """Stop the current run without waiting: its thread ends on its own (a build in
        progress cannot be interrupted) and is joined later; its events are dropped."""
        with self._lock:
            self._gen += 1
            live, self._live = self._live, None
            self._queued = []
            self._mail.clear()
        if live is not None:
            live.trainer.stop()
        if self._thread is not None:
            self._retired.append(self._thread)
            self._thread = None
        for thread in [t for t in self._retired if t.isFinished()]:
            self._retired.remove(thread)
            thread.deleteLater()
        if self.session is not None and self.state not in ("finished", "stopped", "diverged",
                                                            "failed"):
            self.state = "stopped"

    def shutdown(self) -> None:
        """Stop the run (if any) and join every thread; pending events are dropped."""
        self.retire()
        for thread in self._retired:
            thread.wait(int(JOIN_SECONDS * 1000))
            if thread.isRunning():  # a very long step: wait it out rather than leak it
                thread.wait()
            thread.deleteLater()
        self._retired = []
        for helper in self._helpers:
            helper.join()
        self._helpers = []

    def is_running(self) -> bool:
        """True while the current worker thread is alive (building, training or paused)."""
        return self._thread is not None and self._thread.isRunning()

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
        """A fresh snapshot of the current session (after a view was added), if there is one."""
        if self.session is not None or self._live is not None:
            self.call_on_trainer(lambda s: s.trainer.publish())

    def call_on_trainer(self, fn: Callable[[Any], Any]) -> int:
        """Run ``fn(session)`` where it may touch the live model; returns a token.

        On the trainer thread between steps when the loop is alive, else (a
        finished run) in a short helper thread. The result arrives as
        ``call_done(token, value, error)``.
        """
        self._calls += 1
        token, gen = self._calls, self._gen

        def run() -> None:
            try:
                value, error = fn(session), ""
            except Exception as exc:  # reported to the user as one line
                value, error = None, error_line(exc)
            self._post(gen, "call", (token, value, error))

        with self._lock:
            live = self._live
        session = live if live is not None else self.session
        if session is None:
            self.call_done.emit(token, None, "no model yet: press Reset or Play first")
        elif live is not None:
            live.trainer.post(run)
        else:
            helper = threading.Thread(target=run, name="playground-call", daemon=True)
            self._helpers.append(helper)
            helper.start()
        return token

    def _command(self, fn: Callable[[Any], None]) -> None:
        with self._lock:
            live = self._live
            if live is None:
                if self._thread is not None and self._thread.isRunning():
                    self._queued.append(fn)  # still building: hand over when ready
                return
        fn(live)

    @staticmethod
    def _resume(session: Any) -> None:
        session.trainer.post(session.trainer.resume)

    # -- worker thread ---------------------------------------------------------------------
    def _job(self, gen: int, project: Any, view_ids: list[str], epochs: int | None) -> None:
        from playground.probes import attach_probes
        from playground.run.session import build_session

        try:
            session = build_session(project, epochs=epochs)
            attach_probes(session, view_ids)
        except Exception as exc:  # any build error is shown as one line, never a traceback
            self._post(gen, "session_failed", error_line(exc))
            return
        trainer = session.trainer
        self._connect(gen, trainer)
        with self._lock:
            if gen != self._gen:  # shut down while building
                return
            self._live = session
            queued, self._queued = self._queued, []
        self._post(gen, "session_ready", session)
        for fn in queued:
            fn(session)
        try:
            state = trainer.run(start_paused=True)
        except Exception as exc:  # errors the trainer does not catch itself
            message = error_line(exc)
            trainer.state = "failed"
            trainer.stop_reason = message
            self._post(gen, "state", "failed")
            self._post(gen, "failed", message)
            self._post(gen, "finished", ("failed", message))
            state = "failed"
        with self._lock:
            if self._live is session:
                self._live = None
        if state in ("finished", "stopped", "diverged"):
            metrics = self._final_metrics(gen, session, state)
            self._post(gen, "result", (state, metrics))
            if state != "diverged" and session.project.expect:
                self._post_checks(gen, session, metrics)

    def _final_metrics(self, gen: int, session: Any, state: str) -> dict:
        """The run's final metrics as ``playground run`` reports them (worker thread)."""
        trainer = session.trainer
        metrics = dict(trainer.metrics)
        if state != "diverged":
            try:
                metrics.update(session.task.final_metrics())
            except Exception as exc:  # reported, the trainer's metrics still count
                self._post(gen, "failed", f"cannot compute the final metrics: "
                                          f"{error_line(exc)}")
        metrics["epochs"] = float(trainer.epoch)
        metrics["steps"] = float(trainer.step)
        return metrics

    def _post_checks(self, gen: int, session: Any, metrics: dict) -> None:
        from playground.project.expect import evaluate_checks

        try:
            checks = evaluate_checks(session.project.expect, metrics, session.task)
        except Exception as exc:  # a check that cannot be read is reported, not raised
            self._post(gen, "failed", f"cannot check the book's results: {error_line(exc)}")
            return
        self._post(gen, "checks", checks)

    def _connect(self, gen: int, trainer: Any) -> None:
        events = trainer.events
        events.snapshot.connect(lambda snap: self._mailbox(gen, "snapshot", snap))
        events.metrics.connect(lambda record: self._mailbox(gen, "metrics", record))
        events.state_changed.connect(lambda state: self._post(gen, "state", state))
        events.finished.connect(lambda state, reason: self._post(gen, "finished",
                                                                 (state, reason)))
        events.failed.connect(lambda message: self._post(gen, "failed", message))
        events.diverged.connect(lambda step, value: self._post(gen, "diverged", (step, value)))

    def _mailbox(self, gen: int, name: str, payload: Any) -> None:
        with self._lock:
            if gen != self._gen:
                return
            waiting = name in self._mail
            self._mail[name] = payload
        if not waiting:  # one queued delivery at a time; it will take the newest payload
            self._posted.emit(gen, name, None)

    def _post(self, gen: int, name: str, payload: Any) -> None:
        self._posted.emit(gen, name, payload)

    # -- UI thread ---------------------------------------------------------------------------
    @Slot(int, str, object)
    def _on_posted(self, gen: int, name: str, payload: Any) -> None:
        with self._lock:
            if gen != self._gen:
                return  # from a session that has been replaced
            if name in ("snapshot", "metrics"):
                payload = self._mail.pop(name, None)
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
        elif name == "session_ready":
            self.session = payload
            self.state = "ready"
            self.session_ready.emit(payload)
        elif name == "session_failed":
            self.state = "empty"
            self.session_failed.emit(payload)
        elif name == "result":
            self.run_result.emit(*payload)
        elif name == "checks":
            self.checks_ready.emit(payload)
        elif name == "call":
            self.call_done.emit(*payload)
