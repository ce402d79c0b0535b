"""The main window's run control: Play, Pause, Step, Stop, Reset, and what a run reports.

:class:`RunController` owns the :class:`~ui.run.worker.TrainingWorker`. A session
is built in the worker thread when a project opens (it then waits paused at
step 0, so the views show the untrained model) and again on Reset, or on
Play/Step after edits made it stale. Optimizer hyperparameters and the
number of epochs apply to the running session without a rebuild.

Snapshots update the views at once (each keeps only the newest); the status
bar and the neuron maps drawn on the editor's nodes update on a 10 Hz timer,
so the work per snapshot is bounded however fast the trainer goes.
"""

from __future__ import annotations

import math
import time
from typing import Any

from PySide6.QtCore import QObject, QTimer

from ui.panels.preset_browser import book_vs_ours
from ui.run.variants import VariantProgress
from ui.run.worker import EMPTY, TrainingWorker
from ui.window.run_status import checks_summary, is_news, metrics_text, trained

FRAME_MS = 100
#: Neuron maps on the editor's nodes refresh at most this often (s) while training: each
#: refresh rebuilds every thumbnail and repaints the canvas (~10 ms for the spiral preset).
#: A paused or ended run shows its newest maps at once.
MAPS_SECONDS = 1.0


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
        self._maps_time = -math.inf  # never shown: the first maps are due at once
        self._runs = 0  # runs of this project that trained (their numbers in Curves)
        self._error_shown = False  # the training panel shows an error of the last build/run
        #: The session on screen is a variant's, not the window's project.
        self.foreign = False
        self._run_name: str | None = None  # a variant's name for its stored run
        self.seeds_running = False  # a Run seeds plan is on: its runs are not stored
        self._seeds_step = ""  # which seed a Run seeds plan is building, for the panel
        self._stored: Any = None  # the session whose curves are in the run store
        self.variants = VariantProgress(self.worker, self)
        self.variants.variant_started.connect(self._on_variant_started)
        self.variants.finished.connect(self._on_variants_finished)
        self.variants.aborted.connect(self._on_variants_aborted)
        self._timer = QTimer(self, interval=FRAME_MS)
        self._timer.timeout.connect(self._frame)
        self._timer.start()
        w = self.worker
        w.run_started.connect(self._on_run_started)
        w.preparing.connect(self._on_preparing)
        w.session_ready.connect(self._on_session_ready)
        w.session_failed.connect(self._on_session_failed)
        w.snapshot_ready.connect(self._on_snapshot)
        w.state_changed.connect(self._on_state)
        w.finished.connect(self._on_finished)
        w.failed.connect(self._on_failed)
        w.diverged.connect(self._on_diverged)
        w.checks_ready.connect(self._on_checks)
        w.run_result.connect(self._on_result)
        w.seeds_finished.connect(self._on_seeds_finished)

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
        if self.variants.active:  # Play / Step resume the variant on screen
            return not self.worker.is_training()
        return self.stale or not self.worker.is_training()

    def prepare(self, autoplay: bool = False, epochs: int | None = None) -> bool:
        """Build a fresh session of the window's project (the previous run's curves stay
        overlaid); False if the project cannot even be copied (an invalid field)."""
        from playground.errors import PlaygroundError

        if self.window.closed:
            return False
        self.variants.cancel()
        try:
            project = self.window.project.copy()
        except PlaygroundError as exc:
            self._show_error(str(exc))
            return False
        self.launch(project, autoplay=autoplay, epochs=epochs)
        return True

    def launch(self, project: Any, autoplay: bool = False, epochs: int | None = None,
               variants: bool = False, seeds: int | None = None) -> None:
        """Run ``project`` (a private copy) in the worker thread: the project as written,
        or with ``variants`` each of its variants in turn (their neuron maps are not drawn
        on the editor's graph, and the next Play after them rebuilds the window's project).
        """
        view_ids = [*self.window.views.view_ids, "neurons"]  # neurons also feed the editor
        self._new_run()
        self.window.variant_graphs.show(None)  # a variant's run shows its graph when it starts
        self.seeds_running = seeds is not None
        self.stale = self.foreign = variants or self.seeds_running
        self.checks = []
        self.worker.start(project, view_ids, autoplay=autoplay, epochs=epochs,
                          variants=variants, seeds=seeds)

    def run_variants(self) -> bool:
        """Train every variant of the window's project in turn, curves side by side, then
        check the preset's expectations on their merged metrics (as ``playground run``)."""
        project = self._project_copy()
        if project is None:
            return False
        if not project.variants:
            self._show_error("This project defines no variants to run side by side")
            return False
        self.variants.begin()
        self.launch(project, autoplay=True, variants=True)
        return True

    def _project_copy(self) -> Any:
        """A copy of the window's project to run, or None (window closed, or the project
        cannot be copied: the error is shown)."""
        from playground.errors import PlaygroundError

        if self.window.closed:
            return None
        try:
            return self.window.project.copy()
        except PlaygroundError as exc:
            self._show_error(str(exc))
            return None

    def run_seeds(self, count: int) -> bool:
        """Train ``count`` seeds of the window's project in turn (its variants too), then
        show their spread in the Seeds view (as ``playground run --seeds``)."""
        project = self._project_copy()
        if project is None:
            return False
        self.variants.cancel()
        self.launch(project, autoplay=True, seeds=count)
        return True

    def blocked(self) -> bool:
        """True (and the reason shown) when a field holds a value that is refused: training
        would quietly use the field's old value."""
        bad = self.window.invalid_fields()
        if not bad:
            return False
        more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
        self._show_error(f"Fix this field first: {bad[0]}{more}")
        return True

    def clear_error(self) -> None:
        """Forget an error shown from the last build or run (the project was edited since)."""
        self.build_error = None
        if self._error_shown:
            self._error_shown = False
            self.window.training_panel.show_message(None)
            self.window.statusBar().clearMessage()
            if not self.worker.is_training():
                self.window.run_status.set_state(EMPTY)

    def play(self) -> None:
        """Train: resume, or build first when edited, ended or never built."""
        if self.blocked():
            return
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
        if self.blocked():
            return
        if self._needs_build():
            self.prepare(autoplay=False)
        self.worker.step(kind)

    def stop(self) -> None:
        """End the run."""
        self.worker.stop()

    def reset(self) -> None:
        """A fresh run of the current project."""
        if not self.blocked():
            self.prepare(autoplay=False)

    def stop_session(self) -> None:
        """Stop and forget the current session (another project is opening); its thread
        finishes in the background so the window does not wait for it. The next project's
        runs are numbered from 1."""
        self.variants.cancel()
        self.window.variant_graphs.show(None)
        self.foreign = False
        self._stored = None
        self._runs = 0
        self.clear_error()
        self.worker.retire()
        self.worker.session = None
        self.worker.state = EMPTY
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
        if not self.worker.is_training() or self.foreign:
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
        """A new run starts: the stored current run becomes an overlay; a run replaced
        before it ended (a Reset while training) is stored now."""
        runs = self.window.views.runs
        if runs is not None:
            runs.release_current()
        snap = self.latest
        if trained(snap) and self._stored is not self.session:
            self._store_run(snap, current=False)

    def _store_run(self, snap: Any, current: bool, metrics: dict | None = None) -> None:
        """Keep ``snap``'s curves (and optimizer trajectories) as a named run (not a seed's
        run: the Seeds view shows those together)."""
        if self.seeds_running:
            return
        if self._run_name:
            name, label = self._run_name, self.variants.label_of(self._run_name)
        else:
            self._runs += 1
            name, label = f"run {self._runs}", ""
        paths = snap.probes.get("paths")
        self.window.views.add_run(name, snap.history, label=label, current=current,
                                  trajectories=paths.get("trajectories") if paths else None,
                                  summary=metrics_text(metrics or snap.metrics))
        self._stored = self.session

    def _on_result(self, state: str, metrics: dict) -> None:
        """A run ended: keep its curves (still on screen, so not overlaid yet)."""
        snap = self.latest
        if trained(snap) and self._stored is not self.session:
            self._store_run(snap, current=True, metrics=metrics)

    def _on_run_started(self, index: int, count: int, name: str, label: str) -> None:
        """A run of the worker's plan starts (the first one right after :meth:`launch`)."""
        if index > 0:
            self._new_run()
        self._run_name = name or None  # a variant's run is stored under its name
        if self.seeds_running:
            self._seeds_step = (f"Run {index + 1} of {count}: {name}: preparing…" + (
                " (all seeds train here as one batch when the network allows it)"
                if index == 0 else ""))

    def _new_run(self) -> None:
        """The previous run's curves become an overlay; nothing of it stays on screen."""
        self._keep_previous_run()
        self.latest = self._shown = self._maps = None
        self.build_error = None
        self.window.editor.set_neuron_maps(None)

    def _on_preparing(self) -> None:
        self.window.run_status.reset()
        self.window.run_status.set_state("preparing")
        self.window.training_panel.show_message(
            self._seeds_step if self.seeds_running and self._seeds_step else
            "Preparing… (loading data, compiling the model)")
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
        self.window.views.set_session(None, idle="")  # nothing is loading: no "Loading…"
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
        if snap is None:
            return
        if snap is not self._shown:
            self._shown = snap
            session = self.session
            target = session.trainer.target_epochs if session is not None else 0
            self.window.run_status.show_snapshot(snap, target)
            # The worker's state is newer than a snapshot's (a snapshot may predate a Play).
            self.window.run_status.set_state(self.state, snap.step)
        self._show_maps(snap)

    def _show_maps(self, snap: Any) -> None:
        """Neuron maps on the editor's nodes: at most every MAPS_SECONDS while training,
        only when the editor shows the main graph (a hidden editor catches up later)."""
        maps = snap.probes.get("neurons")
        if maps is self._maps or self.stale or self.foreign \
                or not self.window.editing_main_graph() \
                or not self.window.editor.isVisible():
            return
        now = time.monotonic()
        if now - self._maps_time >= MAPS_SECONDS or snap.state != "running":
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
        self._error_shown = True

    def _on_checks(self, checks: list, after_variants: bool = False) -> None:
        self.checks = list(checks)
        lines = [book_vs_ours(c) for c in checks]
        project = self.window.project
        if project.id:
            self.window.preset_browser.show_results(project.id, lines)
        shown = self.window.variant_graphs.label  # a variant's graph on screen
        if lines:
            single = bool(project.variants) and not after_variants
            self.window.show_status((f"Editor and views show {shown} · " if shown else "")
                                    + checks_summary(checks, single, project.id), timeout=0)
        elif shown:
            self.window.show_status(self.window.variant_graphs.caption(), timeout=0)

    # -- variants ----------------------------------------------------------------------------
    def _on_variant_started(self, index: int, count: int, name: str) -> None:
        label = self.variants.label_of(name)
        self.window.variant_graphs.show(name)  # the editor shows the model the views show
        self.window.training_panel.show_message(
            f"Variant {index + 1} of {count}: {label}")
        self.window.show_status(self.window.variant_graphs.caption(), timeout=0)

    def _on_variants_finished(self, checks: list) -> None:
        count = len(self.variants.results)
        label = self.window.variant_graphs.label
        self.window.training_panel.show_message(
            f"{count} variants done: their curves are overlaid in Curves"
            + (f"; editor and views show the last, {label}" if label else "")
            + (f"; book checks: {sum(c.passed for c in checks)}/{len(checks)} hold"
               if checks else ""))
        self._on_checks(checks, after_variants=True)

    def _on_variants_aborted(self, message: str) -> None:
        self._show_error(message)

    def _on_seeds_finished(self, result: Any) -> None:
        """The seeds plan ended: open the Seeds view on its result."""
        self.seeds_running = False
        held = sum(c.passed for c in result.checks)
        how = "as one batch" if result.engine == "batched" else "one after the other"
        text = f"{len(result.runs)} seeds done {how} in {result.seconds:.0f} s" + (
            f": {held}/{len(result.checks)} book checks hold often enough"
            if result.checks else "")
        self.window.training_panel.show_message(text)
        self.window.show_status(text, timeout=0)
        self.window.show_seeds(result)

    def show_checks(self, checks: list) -> None:
        """Show ``checks`` in the preset browser and the status bar."""
        self._on_checks(checks)

    def show_error(self, message: str) -> None:
        """One line in red in the training panel and the status bar."""
        self._show_error(message)

    def _show_error(self, message: str) -> None:
        line = message.splitlines()[0] if message else "error"
        self._error_shown = True
        self.window.training_panel.show_message(line, error=True)
        self.window.show_status(line, error=True)

    def _update_actions(self) -> None:
        actions = self.window.actions
        running = self.state == "running"
        actions["play"].setEnabled(not running)
        actions["pause"].setEnabled(running)
        actions["stop"].setEnabled(self.worker.is_training())
        export = actions.get("export")
        if export is not None:
            export.setEnabled(self.session is not None)

