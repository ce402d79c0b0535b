"""What a run reports, shown in the main window: the worker's events as the user sees them.

:class:`RunReports` is the part of :class:`~ui.window.run_controller.RunController`
that answers the :class:`~ui.run.worker.TrainingWorker`'s signals: each run's
curves kept as a named run for the Curves overlays, the preparing / ready /
failed messages, snapshots to the views at once, the status bar and the neuron
maps on the editor's nodes on a 10 Hz timer (so the work per snapshot is
bounded however fast the trainer goes), the book's checks, the variants and
seeds plans' summaries, one-line errors, and which actions are enabled.
"""

from __future__ import annotations

import time
from typing import Any

from ui.panels.preset_browser import book_vs_ours
from ui.run.variants import VariantProgress
from ui.run.worker import EMPTY, TrainingWorker
from ui.window.run_status import checks_summary, is_news, metrics_text, trained

#: Neuron maps on the editor's nodes refresh at most this often (s) while training: each
#: refresh rebuilds every thumbnail and repaints the canvas (~10 ms for the spiral preset).
#: A paused or ended run shows its newest maps at once.
MAPS_SECONDS = 1.0


class RunReports:
    """The worker's events shown in the window (mixed into
    :class:`~ui.window.run_controller.RunController`, whose state it shares)."""

    window: Any
    worker: TrainingWorker
    variants: VariantProgress
    session: Any
    state: str
    stale: bool
    foreign: bool
    seeds_running: bool
    latest: Any
    checks: list
    build_error: str | None
    _shown: Any
    _maps: Any
    _maps_time: float
    _runs: int
    _error_shown: bool
    _run_name: str | None
    _seeds_step: str
    _stored: Any

    # -- stored runs -----------------------------------------------------------------------
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

    # -- a run's life --------------------------------------------------------------------
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

    # -- snapshots, paced ----------------------------------------------------------------
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

    # -- checks --------------------------------------------------------------------------
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

    # -- variants and seeds --------------------------------------------------------------
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

    # -- errors, actions ---------------------------------------------------------------------
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


    def clear_error(self) -> None:
        """Forget an error shown from the last build or run (the project was edited since)."""
        self.build_error = None
        if self._error_shown:
            self._error_shown = False
            self.window.training_panel.show_message(None)
            self.window.statusBar().clearMessage()
            if not self.worker.is_training():
                self.window.run_status.set_state(EMPTY)
