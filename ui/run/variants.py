"""Run all variants: a preset's side-by-side configurations, one after the other, in the GUI.

:class:`VariantRunner` is what ``playground run`` does for a project with
``variants`` (:func:`playground.project.variants.run_variants`), driven through the
window's training worker so the UI stays live: each variant is built and
trained off the UI thread in turn, its curves are kept in the run store under
its name (the curves view overlays them side by side), its final metrics are
merged as ``<variant>.<metric>`` (the first variant's also without a prefix),
and at the end the preset's ``expect`` checks are evaluated on the merged
metrics and shown like a single run's.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from playground.errors import PlaygroundError


class VariantRunner(QObject):
    """Runs every variant of a project through a :class:`~ui.window.run_controller.RunController`.

    Parameters
    ----------
    controller : RunController
        Provides ``launch(project, autoplay, own=False)``, ``session``,
        ``show_checks(checks)``, ``show_error(text)`` and ``window``.

    Signals
    -------
    variant_started(int, int, str)
        Index, count and name of the variant whose session is being built.
    finished(list)
        The checks after the last variant (empty if the preset has none).
    aborted(str)
        The sequence ended early: why.
    """

    variant_started = Signal(int, int, str)
    finished = Signal(list)
    aborted = Signal(str)

    def __init__(self, controller: Any):
        super().__init__(controller)
        self.controller = controller
        self.variants: list = []
        self.index = -1
        self.merged: dict[str, float] = {}
        self.results: list[tuple[str, str, dict]] = []  # (name, state, metrics)
        self._labels: dict[str, str] = {}  # kept after the sequence, for late lookups
        self._project: Any = None
        self._first_task: Any = None

    @property
    def active(self) -> bool:
        """True from :meth:`start` until the last variant's result (or a cancel)."""
        return 0 <= self.index < len(self.variants)

    @property
    def current(self) -> Any:
        """The :class:`~playground.project.variants.Variant` running now, or None."""
        return self.variants[self.index] if self.active else None

    def start(self, project: Any) -> bool:
        """Run every variant of ``project`` in turn; False (and an error shown) when it has
        none or one is invalid."""
        from playground.project.variants import variant_projects

        try:
            variants = variant_projects(project) if project.variants else []
        except PlaygroundError as exc:
            self.controller.show_error(str(exc))
            return False
        if not variants:
            self.controller.show_error("This project defines no variants to run side by side")
            return False
        self.variants, self.index = variants, -1
        self._labels.update({v.name: v.label for v in variants})
        self.merged, self.results = {}, []
        self._project, self._first_task = project, None
        self._next()
        return True

    def label_of(self, name: str) -> str:
        """The label of variant ``name`` (its name if unknown)."""
        return self._labels.get(name, name)

    def cancel(self) -> None:
        """Forget the sequence (a Reset, another project): the current run is left alone."""
        self.variants, self.index = [], -1

    def _next(self) -> None:
        if not self.variants:  # cancelled meanwhile
            return
        self.index += 1
        if self.index >= len(self.variants):
            self._finish()
            return
        variant = self.variants[self.index]
        self.variant_started.emit(self.index, len(self.variants), variant.name)
        self.controller.launch(variant.project, autoplay=True, own=False)

    def on_result(self, state: str, metrics: dict) -> None:
        """The current variant's run ended with ``state`` and final ``metrics``."""
        from playground.project.variants import prefixed

        variant = self.current
        if variant is None:
            return
        self.results.append((variant.name, state, dict(metrics)))
        if self.index == 0:
            self.merged.update(metrics)
            session = self.controller.session
            self._first_task = session.task if session is not None else None
        self.merged.update(prefixed(variant.name, metrics))
        if state in ("stopped", "diverged"):
            why = "stopped" if state == "stopped" else "diverged"
            self.cancel()
            self.aborted.emit(f"Variant {variant.name!r} {why}: the remaining variants "
                              "did not run")
            return
        QTimer.singleShot(0, self._next)  # after the finished run's own handlers

    def on_failed(self, message: str) -> None:
        """The current variant's run failed (no result comes): end the sequence."""
        variant = self.current
        if variant is not None:
            self.cancel()
            self.aborted.emit(f"Variant {variant.name!r} failed: {message}")

    def _finish(self) -> None:
        from playground.project.expect import evaluate_checks

        project, task = self._project, self._first_task
        self.cancel()
        try:
            checks = evaluate_checks(project.expect, self.merged, task) if project.expect \
                else []
        except Exception as exc:  # a check that cannot be read is reported, not raised
            self.aborted.emit(f"cannot check the book's results: {exc}")
            return
        self.finished.emit(checks)
