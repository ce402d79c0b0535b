"""Probe registry, the runner that throttles and caches probes, and attaching them to a session.

A probe computes the numpy data one or more views draw. It runs on the
trainer thread, inside ``torch.no_grad()`` with the models in eval mode (see
:meth:`~playground.training.trainer.Trainer.make_snapshot`). Each probe type
is one small :class:`ProbeType` entry in :data:`PROBES`; :func:`attach_probes`
wraps the entries a list of views needs in :class:`ProbeRunner` objects and
hands them to the session's trainer.

A runner keeps its probe cheap: it recomputes only when the model changed (a
new step) or the view changed its options, at most every ``interval`` seconds
while training runs, and less often when the probe is slow, so that it takes
at most ``budget`` of the wall time (the same :class:`Throttle` rule as the
trainer's own). Between computations it hands back the previous payload (the
same object, so a view can tell nothing changed).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch

from playground.registry import Registry
from playground.training.history import Throttle

#: ``compute(trainer, options) -> payload``: numpy arrays and plain dicts.
Compute = Callable[[Any, dict], Any]


@dataclass(frozen=True)
class ProbeType:
    """A registry entry.

    Attributes
    ----------
    id : str
        Stable id; also the key of the payload in ``Snapshot.probes``.
    label : str
        Short human name.
    applies : callable
        ``applies(session) -> bool``: whether the probe makes sense for this
        project (2-D inputs, a conv layer, a surface task...).
    create : callable
        ``create(session) -> compute`` where ``compute(trainer, options)``
        returns the payload. ``create`` may precompute static data (grids).
    interval : float
        Minimum seconds between computations while training runs.
    budget : float
        Largest share of wall time the probe may take while training runs.
    defaults : dict
        Options a view may change with :meth:`ProbeRunner.configure`.
    doc : str
        One sentence: what the payload holds.
    """

    id: str
    label: str
    applies: Callable[[Any], bool]
    create: Callable[[Any], Compute]
    interval: float = 0.05
    budget: float = 0.03
    defaults: dict = field(default_factory=dict)
    doc: str = ""


PROBES: Registry[ProbeType] = Registry("probe")


def register_probe(entry: ProbeType, override: bool = False) -> ProbeType:
    """Add a probe type to :data:`PROBES`."""
    return PROBES.register(entry, override)


#: View id -> probe ids it draws from. View ids are the strings presets store in
#: ``views.layout``; the ui's view registry reads its probe lists from here.
VIEW_PROBES: dict[str, tuple[str, ...]] = {
    "boundary": ("boundary",),
    "neurons": ("neurons",),
    "weights": ("weights",),
    "filters": ("filters",),
    "feature_maps": ("feature_maps",),
    "latent": ("latent",),
    "samples": ("samples",),
    "histogram": ("distribution",),
    "confusion": ("evaluation",),
    "roc": ("evaluation",),
    "fit": ("evaluation",),
    "forecast": ("evaluation",),
    "paths": ("paths",),
    "landscape": ("landscape",),
    "newton": ("newton",),
    "band": ("band",),
    "errors": ("errors",),
    "gradtime": ("gradtime",),
    "search": ("search",),
    "sweep": ("sweep",),
    "curves": (),
    "loss": (),  # presets' name for the curves view
    "seeds": (),  # fed a seeds plan's result, not snapshots
}


class ProbeRunner:
    """Runs one probe for one session: throttled, cached, configurable.

    Parameters
    ----------
    entry : ProbeType
    session : Session
    options : dict, optional
        Overrides of ``entry.defaults``.

    Notes
    -----
    :meth:`configure` may be called from any thread (the UI's): it swaps in a
    new options dict, which the trainer thread picks up at its next snapshot.
    """

    def __init__(self, entry: ProbeType, session: Any, options: Mapping | None = None):
        self.entry = entry
        self.session = session
        self.options: dict = {**entry.defaults, **dict(options or {})}
        self.compute = entry.create(session)
        self.payload: Any = None
        self.cost = 0.0  # seconds the last computation took
        self._version = 0
        self._key: tuple[int, int] | None = None  # (step, options version) of payload
        self._throttle = Throttle(entry.interval, entry.budget)
        self._lock = threading.Lock()

    @property
    def id(self) -> str:
        """The probe's id."""
        return self.entry.id

    def configure(self, **options: Any) -> None:
        """Change options (thread-safe); the next snapshot recomputes with them."""
        with self._lock:
            self.options = {**self.options, **options}
            self._version += 1

    def __call__(self, trainer: Any) -> Any:
        with self._lock:
            options, version = self.options, self._version
        key = (trainer.step, version)
        if self.payload is not None:
            if key == self._key:
                return self.payload
            changed_options = self._key is not None and self._key[1] != version
            if trainer.state == "running" and not changed_options and \
                    not self._throttle.due(time.perf_counter()):
                return self.payload
        started = time.perf_counter()
        with torch.no_grad():  # the trainer already does; direct calls (tests, idle UI) too
            self.payload = self.compute(trainer, dict(options))
        finished = time.perf_counter()
        self.cost = finished - started
        self._throttle.done(started, finished)
        self._key = key
        return self.payload


def probes_for_views(view_ids: Iterable[str]) -> list[str]:
    """Probe ids the views need, without duplicates, in first-use order."""
    out: list[str] = []
    for view_id in view_ids:
        for probe_id in VIEW_PROBES.get(view_id, ()):
            if probe_id not in out:
                out.append(probe_id)
    return out


def applicable_probes(session: Any, probe_ids: Iterable[str]) -> list[str]:
    """The ids among ``probe_ids`` whose probe applies to ``session``."""
    return [pid for pid in probe_ids if pid in PROBES and PROBES.get(pid).applies(session)]


def attach_probes(session: Any, view_ids: Iterable[str],
                  options: Mapping[str, Mapping] | None = None) -> dict[str, ProbeRunner]:
    """Give the session's trainer the probes that ``view_ids`` need.

    Probes that do not apply to the project (a boundary without 2-D inputs)
    are skipped; probes already attached are reused.

    Parameters
    ----------
    session : Session
    view_ids : iterable of str
        View ids ("boundary", "neurons", "loss"...); unknown ids need nothing.
    options : dict, optional
        Probe id -> options for new runners.

    Returns
    -------
    dict
        Probe id -> :class:`ProbeRunner` (attached now or before).
    """
    trainer = session.trainer
    runners: dict[str, ProbeRunner] = {}
    for pid in applicable_probes(session, probes_for_views(view_ids)):
        existing = trainer.probes.get(pid)
        if isinstance(existing, ProbeRunner):
            runners[pid] = existing
            continue
        runner = ProbeRunner(PROBES.get(pid), session, (options or {}).get(pid))
        runners[pid] = runner
        # Swap in a new dict, never mutate: a snapshot being built on the trainer thread keeps
        # iterating the old one, and the caller's views see the probe at once.
        trainer.probes = {**trainer.probes, pid: runner}
    return runners
