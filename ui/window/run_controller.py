"""The main window's run control: Play, Pause, Step, Stop, Reset, Run variants, Run seeds.

:class:`RunController` owns the :class:`~ui.run.worker.TrainingWorker`. A session
is built in the worker thread when a project opens (it then waits paused at
step 0, so the views show the untrained model) and again on Reset, or on
Play/Step after edits made it stale. Optimizer hyperparameters and the
number of epochs apply to the running session without a rebuild.

What a run reports (snapshots, messages, checks, stored runs) is shown by the
controller's :class:`~ui.window.run_reports.RunReports` half.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QObject, QTimer

from ui.run.variants import VariantProgress
from ui.run.worker import EMPTY, TrainingWorker
from ui.window.run_reports import RunReports

FRAME_MS = 100


class RunController(RunReports, QObject):
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
