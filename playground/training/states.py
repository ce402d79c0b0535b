"""The states of a run, as one enum shared by the trainer, the orchestrator, the CLI and the app.

``RunState`` is a ``str`` enum: its members compare equal to their values
(``RunState.FINISHED == "finished"``), so they travel through JSON, Qt signals
and snapshots as plain text.
"""

from __future__ import annotations

from enum import Enum


class RunState(str, Enum):
    """Where a run is.

    A run that trained to its end on its own terms is FINISHED: all its epochs,
    or early stopping (the reason says which). STOPPED is only the user's Stop.
    """

    READY = "ready"
    RUNNING = "running"
    PAUSED = "paused"
    FINISHED = "finished"
    STOPPED = "stopped"
    DIVERGED = "diverged"
    FAILED = "failed"

    def __str__(self) -> str:
        return self.value

    @property
    def ended(self) -> bool:
        """True once the run's loop has ended for any reason."""
        return self in ENDED

    @property
    def trained(self) -> bool:
        """True when the run ended with a model worth measuring (not diverged or failed)."""
        return self in (RunState.FINISHED, RunState.STOPPED)


ENDED = frozenset({RunState.FINISHED, RunState.STOPPED, RunState.DIVERGED, RunState.FAILED})
