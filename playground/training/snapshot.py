"""What the Trainer tells the world: its events and the immutable snapshots views draw."""

from __future__ import annotations

from dataclasses import dataclass, field

from playground.events import Signal
from playground.training.states import RunState


@dataclass
class TrainerEvents:
    """The trainer's signals (all emitted on the trainer thread).

    Attributes
    ----------
    metrics : Signal
        ``(record: dict)`` after each evaluation: epoch, step and metric values.
    snapshot : Signal
        ``(snapshot: Snapshot)`` every snapshot interval and when pausing or finishing.
    state_changed : Signal
        ``(state: RunState)``.
    finished : Signal
        ``(state: RunState, reason: str)`` when a run ends for any reason.
    diverged : Signal
        ``(step: int, value: float)`` when the loss becomes NaN or infinite.
    failed : Signal
        ``(message: str)`` when an error stops the run.
    """

    metrics: Signal = field(default_factory=Signal)
    snapshot: Signal = field(default_factory=Signal)
    state_changed: Signal = field(default_factory=Signal)
    finished: Signal = field(default_factory=Signal)
    diverged: Signal = field(default_factory=Signal)
    failed: Signal = field(default_factory=Signal)


@dataclass(frozen=True)
class Snapshot:
    """An immutable picture of a run for views (numpy data only).

    Attributes
    ----------
    step : int
        Batches done.
    epoch : float
        Epochs done, fractional within an epoch.
    state : RunState
        The trainer's state when the snapshot was made.
    metrics : dict
        Latest evaluated metrics plus ``loss`` (the latest epoch's mean batch loss).
    history : dict
        Series name -> (x, y) arrays; x is the epoch.
    probes : dict
        Probe name -> payload.
    steps_per_second : float
        Recent training speed.
    engine : str
        "fast path" or "autograd" (see :attr:`Trainer.engine`); "" when unknown.
    engine_note : str
        Why the run takes the autograd path ("" on the fast path).
    """

    step: int
    epoch: float
    state: RunState
    metrics: dict
    history: dict
    probes: dict = field(default_factory=dict)
    steps_per_second: float = 0.0
    engine: str = ""
    engine_note: str = ""
