"""The main window's run control: Play, Pause, Step, Stop, Reset, and what a run reports.

:class:`RunController` owns the :class:`~ui.worker.TrainingWorker`. A session
is built in the worker thread when a project opens (it then waits paused at
step 0, so the views show the untrained model) and again on Reset, or on
Play/Step after edits made it stale. Optimizer hyperparameters and the
number of epochs apply to the running session without a rebuild.

Snapshots update the views at once (each keeps only the newest); the status
bar and the neuron maps drawn on the editor's nodes update on a 10 Hz timer,
so the work per snapshot is bounded however fast the trainer goes.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QObject, QTimer

from ui.panels.preset_browser import book_vs_ours
from ui.worker import TrainingWorker

FRAME_MS = 100
#: Neuron maps on the editor's nodes refresh at most this often (s): each refresh
#: rebuilds every thumbnail and repaints the canvas.
MAPS_SECONDS = 0.3
#: States in which the worker thread has ended: Play starts a fresh run.
ENDED = ("finished", "stopped", "diverged", "failed", "empty")


def is_news(snapshot: Any, previous: Any) -> bool:
    """True when ``snapshot`` shows something ``previous`` did not (a step, a state, a
    metric, or a probe payload recomputed with new options)."""
    if previous is None:
        return True
    return (snapshot.step != previous.step or snapshot.state != previous.state
            or snapshot.metrics != previous.metrics
            or snapshot.probes.keys() != previous.probes.keys()
            or any(v is not previous.probes[k] for k, v in snapshot.probes.items()))


class RunController(QObject):
    """Runs the window's project; see the module docstring.

    Parameters
    ----------
    window : MainWindow
        Provides ``project``, ``editor``, ``views``, ``run_status``,
        ``training_panel``, ``preset_browser``, ``actions`` and ``show_status``.
    """

    def __init__(self, window: Any):
        super().__init__(window)
        self.window = window
        self.worker = TrainingWorker(self)
        self.stale = True
        #: Build a session as soon as a project opens (tests that only look may turn it off).
        self.auto_prepare = True
        self.latest: Any = None
        self.checks: list = []
        self.build_error: str | None = None
        self._shown: Any = None
        self._maps: Any = None
        self._maps_time = 0.0
        self._runs = 0
        self._timer = QTimer(self, interval=FRAME_MS)
        self._timer.timeout.connect(self._frame)
        self._timer.start()
        w = self.worker
        w.preparing.connect(self._on_preparing)
        w.session_ready.connect(self._on_session_ready)
        w.session_failed.connect(self._on_session_failed)
        w.snapshot_ready.connect(self._on_snapshot)
        w.state_changed.connect(self._on_state)
        w.finished.connect(self._on_finished)
        w.failed.connect(self._on_failed)
        w.diverged.connect(self._on_diverged)
        w.checks_ready.connect(self._on_checks)

    @property
    def session(self) -> Any:
        """The current session (None while building or after a build error)."""
        return self.worker.session

    @property
    def state(self) -> str:
        """The worker's state: preparing, ready, running, paused, finished..."""
        return self.worker.state

    # -- actions -----------------------------------------------------------------------------
    def _needs_build(self) -> bool:
        return self.stale or not self.worker.is_running() or self.state in ENDED

    def prepare(self, autoplay: bool = False, epochs: int | None = None) -> bool:
        """Build a fresh session of the window's project (the previous run's curves stay
        overlaid); False if the project cannot even be copied (an invalid field)."""
        from playground.errors import PlaygroundError

        if self.window.closed:
            return False
        self._keep_previous_run()
        try:
            project = self.window.project.copy()
        except PlaygroundError as exc:
            self._show_error(str(exc))
            return False
        view_ids = [*self.window.views.view_ids, "neurons"]  # neurons also feed the editor
        self.stale = False
        self.latest = self._shown = self._maps = None
        self.checks = []
        self.build_error = None
        self.window.editor.set_neuron_maps(None)
        self.worker.start(project, view_ids, autoplay=autoplay, epochs=epochs)
        return True

    def play(self) -> None:
        """Train: resume, or build first when edited, ended or never built."""
        if self._needs_build():
            self.prepare(autoplay=True)
        else:
            self.worker.play()

    def pause(self) -> None:
        """Pause after the current step."""
        self.worker.pause()

    def play_pause(self) -> None:
        """Space: pause when running, else play."""
        if self.state == "running":
            self.pause()
        else:
            self.play()

    def step(self, kind: str = "batch") -> None:
        """One batch or the rest of the epoch (building first if needed), then pause."""
        if self._needs_build():
            self.prepare(autoplay=False)
        self.worker.step(kind)

    def stop(self) -> None:
        """End the run."""
        self.worker.stop()

    def reset(self) -> None:
        """A fresh run of the current project."""
        self.prepare(autoplay=False)

    def stop_session(self) -> None:
        """Stop and forget the current session (another project is opening); its thread
        finishes in the background so the window does not wait for it."""
        self.worker.retire()
        self.worker.session = None
        self.worker.state = "empty"
        self.latest = self._shown = self._maps = None
        self.checks = []
        self.window.editor.set_neuron_maps(None)
        self._update_actions()

    def shutdown(self) -> None:
        """Stop training and join the thread."""
        self._timer.stop()
        self.worker.shutdown()

    # -- live edits ------------------------------------------------------------------------
    def apply_training(self, old: Any, new: Any) -> bool:
        """Apply a training-config change to the running session if it can be done live.

        Returns True when every difference was applied (optimizer hyperparameters
        of the same optimizer, the number of epochs), False when a rebuild is needed.
        """
        if not self.worker.is_running() or self.state in ENDED:
            return False
        racers = (self.window.project.task_params or {}).get("racers")
        changed = {k for k, v in new.to_dict().items() if old.to_dict()[k] != v}
        if changed - {"optimizer", "epochs"}:
            return False
        if "optimizer" in changed and (old.optimizer != new.optimizer or racers):
            return False  # another optimizer, or racers with their own: rebuild
        for name, value in new.optimizer_params.items():
            if old.optimizer_params.get(name) != value:
                self.worker.set_hyper(name, value)
        if "epochs" in changed:
            self.worker.set_epochs(new.epochs)
        return True

    # -- worker events ---------------------------------------------------------------------
    def _keep_previous_run(self) -> None:
        snap = self.latest
        if snap is not None and snap.step > 0 and snap.history:
            self._runs += 1
            self.window.views.add_run(f"run {self._runs}", snap.history)

    def _on_preparing(self) -> None:
        self.window.run_status.reset()
        self.window.run_status.set_state("preparing")
        self.window.training_panel.show_message("Preparing… (loading data, compiling the model)")
        self._update_actions()

    def _on_session_ready(self, session: Any) -> None:
        self.window.training_panel.show_message(None)
        self.window.views.set_session(session)
        self.window.gc_guard.settle()
        self.window.run_status.set_state("ready")
        self._update_actions()

    def _on_session_failed(self, message: str) -> None:
        self.stale = True  # Play tries again (after the user fixes it)
        self.build_error = message
        self._show_error(message)
        self.window.run_status.set_state("error")
        self._update_actions()

    def _on_snapshot(self, snapshot: Any) -> None:
        if not is_news(snapshot, self.latest):
            return  # a paused run republishes the same picture: nothing to redraw
        self.latest = snapshot
        self.window.views.show_snapshot(snapshot)

    def _frame(self) -> None:
        snap = self.latest
        if snap is None or snap is self._shown:
            return
        self._shown = snap
        session = self.session
        target = session.trainer.target_epochs if session is not None else 0
        self.window.run_status.show_snapshot(snap, target)
        # The worker's state is newer than a snapshot's (a snapshot may predate a Play).
        self.window.run_status.set_state(self.state, snap.step)
        maps = snap.probes.get("neurons")
        now = time.monotonic()
        due = now - self._maps_time >= MAPS_SECONDS or snap.state != "running"
        if maps is not self._maps and due and not self.stale and \
                self.window.editing_main_graph():
            self._maps, self._maps_time = maps, now
            self.window.editor.set_neuron_maps(maps)

    def _on_state(self, state: str) -> None:
        step = self.latest.step if self.latest is not None else 0
        self.window.run_status.set_state(state, step)
        self._update_actions()

    def _on_finished(self, state: str, reason: str) -> None:
        self._frame()
        self.window.run_status.set_state(state)
        if state in ("finished", "stopped"):
            self.window.show_status(f"Run {state}: {reason}")
        self._update_actions()

    def _on_failed(self, message: str) -> None:
        self._show_error(f"Training failed: {message}")
        self.window.run_status.set_state("failed")
        self._update_actions()

    def _on_diverged(self, step: int, value: float) -> None:
        lr = self.window.project.training.optimizer_params.get("lr")
        text = f"Diverged at step {step} (loss {value}): try a smaller learning rate"
        self.window.show_status(text + (f" than {lr:g}" if lr else ""), error=True)
        self.window.training_panel.show_message(text, error=True)

    def _on_checks(self, checks: list) -> None:
        self.checks = list(checks)
        lines = [book_vs_ours(c) for c in checks]
        project = self.window.project
        if project.id:
            self.window.preset_browser.show_results(project.id, lines)
        if lines:
            held = sum(c.passed for c in checks)
            where = " (details in Presets)" if project.id else ""
            self.window.show_status(f"Book vs this run: {held}/{len(checks)} expectations hold"
                                    f"{where} · {lines[0]}", timeout=0)

    def _show_error(self, message: str) -> None:
        line = message.splitlines()[0] if message else "error"
        self.window.training_panel.show_message(line, error=True)
        self.window.show_status(line, error=True)

    def _update_actions(self) -> None:
        actions = self.window.actions
        running = self.state == "running"
        actions["play"].setEnabled(not running)
        actions["pause"].setEnabled(running)
        actions["stop"].setEnabled(self.worker.is_running() and self.state not in ENDED)
        export = actions.get("export")
        if export is not None:
            export.setEnabled(self.session is not None)
