"""Where exports run: on the main window's training thread, or on a thread pool.

An export runner is a callable ``runner(fmt, path, graph, done)`` that runs
:func:`playground.export.export` away from the UI thread and calls
``done(result, error)`` back on the UI thread (an ExportResult and "", or None
and a one-line error):

* :class:`WorkerRunner`: in the main window, on the training thread between
  steps (where the model lives), pausing a running session first;
* :class:`SessionRunner`: for a session nobody trains (previews, tests), on a
  ``QThreadPool`` thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot

#: ``done(result, error)``: an ExportResult and "" or None and a one-line error.
Done = Callable[[Any, str], None]


def one_line(exc: BaseException) -> str:
    """One user-facing line for an exception."""
    from ui.run.errors import error_line
    return error_line(exc)


def _export_job(session: Any, fmt: str, path: str, graph: str | None) -> Any:
    from playground.export import export
    return export(session, fmt, path, graph=graph)


class WorkerRunner(QObject):
    """Exports where the main window's model lives: on its training thread, between steps.

    A running session is paused first (the export is of one set of weights).
    """

    def __init__(self, run: Any, parent: QObject | None = None):
        super().__init__(parent)
        self.run = run
        self.paused = False
        self._pending: dict[int, Done] = {}
        self._waiting: Done | None = None
        run.worker.call_done.connect(self._on_done)

    def __call__(self, fmt: str, path: str, graph: str | None, done: Done) -> None:
        self.paused = self.run.state == "running"
        if self.paused:
            self.run.pause()
        self._waiting = done  # without a session the answer comes before the call returns
        token = self.run.worker.call_on_trainer(
            lambda session: _export_job(session, fmt, path, graph))
        if self._waiting is not None:
            self._waiting = None
            self._pending[token] = done

    def _on_done(self, token: int, result: Any, error: str) -> None:
        done = self._pending.pop(token, None)
        if done is None and self._waiting is not None:
            done, self._waiting = self._waiting, None
        if done is not None:
            done(result, error)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], None]):
        super().__init__()
        self.fn = fn

    def run(self) -> None:  # noqa: D102 (Qt override)
        self.fn()


class SessionRunner(QObject):
    """Exports a session that is not training, on a ``QThreadPool`` thread."""

    _finished = Signal(int, object, str)

    def __init__(self, session: Any, parent: QObject | None = None):
        super().__init__(parent)
        self.session = session
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._pending: dict[int, Done] = {}
        self._count = 0
        self._finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def __call__(self, fmt: str, path: str, graph: str | None, done: Done) -> None:
        self._count += 1
        token = self._count
        self._pending[token] = done

        def job() -> None:
            try:
                result, error = _export_job(self.session, fmt, path, graph), ""
            except Exception as exc:  # one line for the user, never a traceback
                result, error = None, one_line(exc)
            self._finished.emit(token, result, error)

        self.pool.start(_Job(job))

    @Slot(int, object, str)
    def _deliver(self, token: int, result: Any, error: str) -> None:
        done = self._pending.pop(token, None)
        if done is not None:
            done(result, error)

    def wait(self) -> None:
        """Until every export has finished (tests, shutdown)."""
        self.pool.waitForDone()
