"""The ``surface`` task ("Optimizer race"): optimizers racing on an analytic 2-D surface.

There is no dataset and no network. Each *racer* is one 2-D point with its own
torch optimizer; one epoch is one iteration of every live racer. A racer whose
loss leaves ``[-diverge_threshold, diverge_threshold]`` or stops being finite
is marked diverged and frozen, and the race goes on without it: divergence is
a result to look at here, not a reason to stop the run.

Task params (``task.params`` of a project file)::

    {"surface": "beale", "surface_params": {"c": 2.2625}, "start": [0, 0],
     "racers": [{"name": "gd", "label": "GD", "start": [0, 0],
                 "optimizer": {"type": "sgd", "params": {"lr": 0.1, ...}}}, ...],
     "diverge_threshold": 1e6}

Without ``racers``, one racer uses the project's ``training.optimizer``. A racer
may give a ``sampler`` instead of an ``optimizer``: a Metropolis-Hastings chain
(see :mod:`playground.tasks.mh`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from playground.errors import TrainingError, ValidationError
from playground.params import choice_param, float_param, floats_param, known_keys, resolve
from playground.surfaces import SURFACES, grid
from playground.tasks.base import Task, TaskContext, TaskType, register_task
from playground.tasks.mh import MHRacer
from playground.tasks.trajectory import Trajectory
from playground.training.optimizers import (
    OPTIMIZERS,
    build_optimizer,
    parse_optimizer_spec,
    set_hyper,
)

_KEYS = ("surface", "surface_params", "start", "racers", "diverge_threshold")
_RACER_KEYS = ("name", "label", "optimizer", "start", "sampler")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,31}")
#: Names whose metrics would collide with the split metrics (train_loss...).
_RESERVED = ("train", "val", "test")
MAX_RACERS = 32

_START = floats_param("start", None, length=2, min=-1e6, max=1e6, optional=True,
                      help="Where every racer starts unless it has its own start.")
# Capped at 1e30 so a mean of live losses stays finite in float32 (the trainer's dtype).
_THRESHOLD = float_param("diverge_threshold", 1e6, 1e-12, 1e30, log=True,
                         help="A racer whose |loss| exceeds this is marked diverged.")


# -- parsing ---------------------------------------------------------------------------------

def parse_surface_params(raw: Any, where: str = "task.params") -> dict:
    """Validate a surface task's params; every bad field is named from ``where``.

    Returns
    -------
    dict
        JSON-ready: ``surface``, ``surface_params`` (all resolved), ``start``
        ([x, y]), ``racers`` (list of resolved racers, or None) and
        ``diverge_threshold``. Parsing its own output gives the same dict.

    Raises
    ------
    ValidationError
        E.g. ``task.params.racers[1].optimizer.params.lr: expected ...``.
    """
    raw = {} if raw is None else raw
    raw = known_keys(raw, _KEYS, where, "task parameters")
    surface = SURFACES.get(raw.get("surface", "beale"), f"{where}.surface")
    start = _start(raw.get("start"), f"{where}.start")
    racers = raw.get("racers")
    return {
        "surface": surface.id,
        "surface_params": surface.resolve(raw.get("surface_params"),
                                          f"{where}.surface_params"),
        "start": list(surface.start) if start is None else start,
        "racers": None if racers is None else _parse_racers(racers, f"{where}.racers"),
        "diverge_threshold": _THRESHOLD.validate(raw.get("diverge_threshold", 1e6),
                                                 f"{where}.diverge_threshold"),
    }


def _start(value: Any, where: str) -> list[float] | None:
    checked = _START.validate(value, where)
    return None if checked is None else list(checked)


def _parse_racers(raw: Any, where: str) -> list[dict]:
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_RACERS:
        raise ValidationError(f"expected a list of 1 to {MAX_RACERS} racers", where)
    racers, seen = [], set()
    for i, entry in enumerate(raw):
        racer = _parse_racer(entry, f"{where}[{i}]")
        if racer["name"] in seen:
            raise ValidationError(f"racer name {racer['name']!r} is used twice; names "
                                  "prefix metrics, so each must be unique", f"{where}[{i}].name")
        seen.add(racer["name"])
        racers.append(racer)
    return racers


def _parse_racer(raw: Any, where: str) -> dict:
    if not isinstance(raw, Mapping):
        raise ValidationError("expected an object with name and optimizer", where)
    for key in raw:
        if key not in _RACER_KEYS:
            raise ValidationError(f"unknown field {key!r} (known: {', '.join(_RACER_KEYS)})",
                                  where)
    name = raw.get("name")
    if not isinstance(name, str) or not _NAME.fullmatch(name) or name in _RESERVED:
        raise ValidationError(f"expected an identifier-like name of at most 32 letters, "
                              f"digits and underscores (not {', '.join(_RESERVED)}), got "
                              f"{name!r}", f"{where}.name")
    label = raw.get("label", name)
    if not isinstance(label, str):
        raise ValidationError(f"expected text, got {label!r}", f"{where}.label")
    if "sampler" in raw:  # a Metropolis-Hastings chain instead of an optimizer
        from playground.tasks.mh import parse_sampler
        if "optimizer" in raw:
            raise ValidationError("give an optimizer or a sampler, not both", where)
        return {"name": name, "label": label,
                "sampler": parse_sampler(raw["sampler"], f"{where}.sampler"),
                "start": _start(raw.get("start"), f"{where}.start")}
    if "optimizer" not in raw:
        raise ValidationError("missing; give {\"type\": ..., \"params\": {...}}",
                              f"{where}.optimizer")
    opt_type, hyper = parse_optimizer_spec(raw["optimizer"], f"{where}.optimizer")
    return {"name": name, "label": label,
            "optimizer": {"type": opt_type, "params": hyper},
            "start": _start(raw.get("start"), f"{where}.start")}


# -- racers ----------------------------------------------------------------------------------

class Racer:
    """One optimizer walking on the surface from its own starting point.

    Parameters
    ----------
    name, label : str
        Metric prefix and display name.
    optimizer_type : str
        :data:`~playground.training.optimizers.OPTIMIZERS` id.
    hyper : dict
        Every hyperparameter, resolved.
    start : (float, float)
    f : callable
        The surface as a function of one ``(2,)`` tensor.
    """

    def __init__(self, name: str, label: str, optimizer_type: str, hyper: dict,
                 start: tuple[float, float], f):
        self.name, self.label = name, label
        self.optimizer_type, self.hyper = optimizer_type, dict(hyper)
        # float64: a 2-vector costs nothing more, and paths near divergence stay exact longer.
        self.point = torch.nn.Parameter(torch.tensor(start, dtype=torch.float64))
        self.optimizer = build_optimizer(optimizer_type, self.hyper, [self.point])
        self.iteration = 0
        self.diverged = False
        self.diverged_at: int | None = None
        with torch.no_grad():
            self.loss = float(f(self.point))
        self.position = (float(start[0]), float(start[1]))  # last finite point
        self.trajectory = Trajectory()
        self.trajectory.add(0, *self.position, self.loss)

    def step(self, f, threshold: float) -> None:
        """One optimizer iteration; marks the racer diverged when the loss runs away."""
        self.optimizer.zero_grad(set_to_none=True)
        f(self.point).backward()
        self.optimizer.step()
        self.iteration += 1
        with torch.no_grad():
            loss = float(f(self.point))
            x, y = self.point.tolist()
        finite = math.isfinite(x) and math.isfinite(y) and math.isfinite(loss)
        if finite:
            self.position, self.loss = (x, y), loss
            self.trajectory.add(self.iteration, x, y, loss)
        else:
            # Freeze at the last finite place so metrics and the path view stay drawable.
            with torch.no_grad():
                self.point.copy_(torch.tensor(self.position, dtype=torch.float64))
        if not finite or abs(loss) > threshold:
            self.diverged, self.diverged_at = True, self.iteration

    def set_state(self, state: Mapping) -> None:
        """Restore from :meth:`SurfaceTask.state_dict`'s entry for this racer."""
        with torch.no_grad():
            self.point.copy_(state["point"])
        x, y = (float(v) for v in state["point"])
        self.position = (x, y)
        self.loss = float(state["loss"])
        self.iteration = int(state["iteration"])
        self.diverged, self.diverged_at = bool(state["diverged"]), state["diverged_at"]


# -- the task --------------------------------------------------------------------------------

class SurfaceTask(Task):
    """Race every racer on the surface, one iteration each per epoch.

    The points live on the CPU whatever the project's device: a 2-vector on a
    GPU would be all kernel-launch overhead.
    """

    default_monitor = "train_loss"

    def __init__(self, ctx: TaskContext):
        super().__init__(ctx)
        p = parse_surface_params(ctx.params)  # idempotent; tolerates raw params too
        self.surface = SURFACES.get(p["surface"])
        self.surface_params = p["surface_params"]
        self.minima = self.surface.minima(self.surface_params)
        self.threshold = p["diverge_threshold"]
        specs = p["racers"] or [self._racer_from_config(ctx)]
        self.racers: dict[str, Racer | MHRacer] = {}
        for i, spec in enumerate(specs):
            start = spec["start"] or p["start"]
            racer: Racer | MHRacer
            if "sampler" in spec:
                racer = MHRacer(spec["name"], spec["label"], spec["sampler"], start, self.f,
                                ctx.config.seed)
            else:
                racer = Racer(spec["name"], spec["label"], spec["optimizer"]["type"],
                              spec["optimizer"]["params"], start, self.f)
            if not math.isfinite(racer.loss) or abs(racer.loss) > self.threshold:
                where = f"task.params.racers[{i}].start" if spec["start"] else "task.params.start"
                raise TrainingError(f"the loss at the start {tuple(start)} is {racer.loss:g}, "
                                    f"beyond diverge_threshold {self.threshold:g}", where)
            self.racers[racer.name] = racer
        self.optimizers = [r.optimizer for r in self.racers.values() if r.optimizer is not None]

    @staticmethod
    def _racer_from_config(ctx: TaskContext) -> dict:
        entry = OPTIMIZERS.get(ctx.config.optimizer, "training.optimizer.type")
        hyper = resolve(entry.params, ctx.config.optimizer_params, "training.optimizer.params")
        return {"name": entry.id, "label": entry.label, "start": None,
                "optimizer": {"type": entry.id, "params": hyper}}

    def f(self, w: torch.Tensor) -> torch.Tensor:
        """The surface with this project's parameters, at ``w`` of shape ``(..., 2)``."""
        return self.surface.f(w, self.surface_params)

    # -- the Task interface ------------------------------------------------------------------
    def steps_per_epoch(self) -> int:
        return 1

    def train_step(self) -> torch.Tensor:
        for racer in self.racers.values():
            if not racer.diverged:
                racer.step(self.f, self.threshold)
        live = [r.loss for r in self.racers.values() if not r.diverged]
        value = sum(live) / len(live) if live else min(r.loss for r in self.racers.values())
        # Never NaN/Inf: that would stop the whole race, and divergence is per racer.
        return torch.tensor(max(-self.threshold, min(self.threshold, value)),
                            dtype=torch.float64)

    def evaluate(self) -> dict[str, float]:
        metrics: dict[str, float] = {}
        for name, r in self.racers.items():
            metrics[f"{name}_loss"] = r.loss
            metrics[f"{name}_x"], metrics[f"{name}_y"] = r.position
            metrics[f"{name}_diverged"] = float(r.diverged)
            if self.minima:
                metrics[f"{name}_distance"] = self.distance_to_minimum(r.position)
            if hasattr(r, "metrics"):  # sampler racers: acceptance rate
                metrics.update({f"{name}_{k}": v for k, v in r.metrics().items()})
        live = [r.loss for r in self.racers.values() if not r.diverged]
        metrics["train_loss"] = min(live or [r.loss for r in self.racers.values()])
        return metrics

    def final_metrics(self) -> dict[str, float]:
        return {f"{name}_diverged_at": float(r.diverged_at)
                for name, r in self.racers.items() if r.diverged_at is not None}

    def state_dict(self) -> dict:
        """Each racer's point, loss, iteration and divergence (copied)."""
        return {name: {"point": r.point.detach().clone(), "loss": r.loss,
                       "iteration": r.iteration, "diverged": r.diverged,
                       "diverged_at": r.diverged_at}
                for name, r in self.racers.items()}

    def load_state_dict(self, state: dict) -> None:
        """Put the racers back where :meth:`state_dict` found them."""
        for name, entry in state.items():
            self.racer(name).set_state(entry)

    # -- for views and live edits ------------------------------------------------------------
    def racer(self, name: str) -> Racer | MHRacer:
        """The racer called ``name``."""
        if name not in self.racers:
            raise ValidationError(f"no racer called {name!r} (racers: "
                                  f"{', '.join(self.racers)})", "task.params.racers")
        return self.racers[name]

    def distance_to_minimum(self, point: tuple[float, float]) -> float:
        """Euclidean distance from ``point`` to the nearest known minimum (inf if none)."""
        return min((math.hypot(point[0] - m.point[0], point[1] - m.point[1])
                    for m in self.minima), default=math.inf)

    def trajectories(self) -> dict[str, dict]:
        """Every racer's path for the optimizer-path view.

        Returns
        -------
        dict
            name -> ``{"label", "points" (n, 2), "losses" (n,), "iterations" (n,),
            "diverged" (bool), "diverged_at" (int or None)}``; new numpy arrays,
            downsampled on long runs (see :class:`Trajectory`).
        """
        out = {}
        for name, r in self.racers.items():
            iterations, points, losses = r.trajectory.arrays()
            out[name] = {"label": r.label, "points": points, "losses": losses,
                         "iterations": iterations, "diverged": r.diverged,
                         "diverged_at": r.diverged_at}
        return out

    def surface_grid(self, n: int = 200, domain=None) -> tuple[np.ndarray, np.ndarray,
                                                                 np.ndarray]:
        """:func:`playground.surfaces.grid` for this project's surface and parameters."""
        return grid(self.surface.id, self.surface_params, n, domain)

    def set_racer_hyper(self, name: str, key: str, value: Any) -> None:
        """Change one hyperparameter of one racer (call on the trainer thread,
        e.g. through ``Trainer.post``); it applies from the next iteration.

        Raises
        ------
        ValidationError
            Unknown racer, unknown hyperparameter or a bad value.
        """
        racer = self.racer(name)
        if hasattr(racer, "set_hyper"):  # a sampler racer validates its own
            racer.set_hyper(key, value)
            return
        declared = {p.name: p for p in OPTIMIZERS.get(racer.optimizer_type).params}
        where = f"racers.{name}.optimizer.params"
        if key not in declared:
            raise ValidationError(f"{racer.optimizer_type} has no hyperparameter {key!r} "
                                  f"(known: {', '.join(declared)})", where)
        value = declared[key].validate(value, f"{where}.{key}")
        set_hyper(racer.optimizer, key, value)
        racer.hyper[key] = value


register_task(TaskType(
    "surface", "Optimizer race",
    # Declared for the inspector; files are validated by parse_surface_params (racers
    # are a list of objects, which Param cannot describe).
    (choice_param("surface", "beale", SURFACES.ids()), _START, _THRESHOLD),
    SurfaceTask, targets=(), graphs=(), views=("paths", "loss"),
    doc="Optimizers race on an analytic 2-D surface (Beale, Rosenbrock...): no data, "
        "no network, the same optimizers.",
    parse=parse_surface_params))
