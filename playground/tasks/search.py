"""The ``search`` task: grid search against random search over training hyperparameters.

AD3501 Unit IV (seeds/004, L3133-3172): grid search tries every point of a
grid ("batch sizes between 10-100 samples, in steps of 20. The model will run
5 times", L3139), random search a random subset of the space (Bergstra and
Bengio, 2012). Here one step of the task trains the project's network once,
from scratch, with one configuration, and records its score (``metric`` on
the finished run, e.g. ``val_accuracy``); the grid's configurations come first,
then the random ones. One epoch is the whole search.

Task params (``task.params`` of a project file)::

    {"inner": "classification", "inner_params": {"loss": "bce"},
     "metric": "val_accuracy", "mode": "max", "epochs_per_run": 100,
     "grid": {"batch_size": [10, 30, 50, 70, 90]},
     "random": {"trials": 5,
                "space": {"batch_size": {"low": 10, "high": 100, "integer": true}}}}

The hyperparameters a search may set: ``batch_size``, ``epochs``, ``lr``
(the optimizer's), ``l1`` and ``l2``; the rest of ``training`` is the
project's. Every configuration trains from the same seed, so differences are
the hyperparameters'. The random search draws its configurations from the run's
training seed (``training.seed``, which ``--seed`` and ``--seeds`` override), as
every random source of a task does; format 2's ``random.seed`` became the
training seed (:func:`playground.project.migrations.search_seed_to_training`).
Metrics: ``<method>_best_<metric>`` and the best
configuration's values (``grid_best_batch_size``); ``task.arrays()`` holds
each method's table.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from playground.errors import TrainingError, ValidationError
from playground.params import choice_param, int_param, known_keys, resolve, str_param
from playground.tasks.base import TASKS, Task, TaskContext, TaskType, register_task

#: Hyperparameter -> (kind, lowest, highest).
SEARCHABLE = {"batch_size": ("int", 1, 10**6), "epochs": ("int", 1, 10**6),
              "lr": ("float", 1e-9, 1e3), "l1": ("float", 0.0, 1e3), "l2": ("float", 0.0, 1e3)}
METHODS = ("grid", "random")
_KEYS = ("inner", "inner_params", "metric", "mode", "epochs_per_run", "grid", "random")
_HEAD = (choice_param("inner", "classification", ("classification", "regression")),
         str_param("metric", "val_accuracy", help="The finished run's metric to compare."),
         choice_param("mode", "max", ("max", "min")),
         int_param("epochs_per_run", 100, 1, 10**6,
                   help="Epochs of each configuration's training (training.epochs is the "
                        "search's own: 1 runs it once)."))


def _number(value: Any, name: str, where: str) -> float:
    kind, lo, hi = SEARCHABLE[name]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or \
            not math.isfinite(value) or not lo <= value <= hi:
        raise ValidationError(f"expected a number in [{lo:g}, {hi:g}], got {value!r}", where)
    if kind == "int" and value != int(value):
        raise ValidationError(f"expected a whole number, got {value!r}", where)
    return int(value) if kind == "int" else float(value)


def _name(name: Any, where: str) -> str:
    if name not in SEARCHABLE:
        raise ValidationError(f"cannot search {name!r} (searchable: "
                              f"{', '.join(SEARCHABLE)})", where)
    return name


def _grid(raw: Any, where: str) -> dict[str, list]:
    if not isinstance(raw, Mapping):
        raise ValidationError("expected an object: hyperparameter -> list of values", where)
    out = {}
    for name, values in raw.items():
        here = f"{where}.{name}"
        _name(name, here)
        if not isinstance(values, list) or not values or len(values) > 100:
            raise ValidationError("expected a list of 1 to 100 values", here)
        out[name] = [_number(v, name, f"{here}[{i}]") for i, v in enumerate(values)]
    if math.prod(len(v) for v in out.values()) > 1000:
        raise ValidationError("more than 1000 grid points", where)
    return out


def _random(raw: Any, where: str) -> dict:
    if not isinstance(raw, Mapping):
        raise ValidationError("expected an object with trials and space", where)
    if "seed" in raw:
        raise ValidationError("the random search draws from the run's training seed: set "
                              "training.seed instead", f"{where}.seed")
    trials = raw.get("trials", 5)
    if isinstance(trials, bool) or not isinstance(trials, int) or not 0 <= trials <= 1000:
        raise ValidationError(f"expected an int in [0, 1000], got {trials!r}", f"{where}.trials")
    space = raw.get("space", {})
    if not isinstance(space, Mapping):
        raise ValidationError("expected an object: hyperparameter -> {low, high}", where)
    ranges = {}
    for name, spec in space.items():
        here = f"{where}.space.{name}"
        _name(name, here)
        if not isinstance(spec, Mapping) or "low" not in spec or "high" not in spec:
            raise ValidationError("expected {low, high[, log, integer]}", here)
        low, high = _number(spec["low"], name, f"{here}.low"), _number(spec["high"], name,
                                                                         f"{here}.high")
        if low > high:
            raise ValidationError("low must not exceed high", here)
        log = bool(spec.get("log", False))
        if log and low <= 0:
            raise ValidationError("a log range needs low > 0", f"{here}.low")
        ranges[name] = {"low": low, "high": high, "log": log,
                        "integer": bool(spec.get("integer", SEARCHABLE[name][0] == "int"))}
    return {"trials": trials, "space": ranges}


def parse_search_params(raw: Any, where: str = "task.params") -> dict:
    """Validate a search task's params; every bad field is named from ``where``."""
    raw = {} if raw is None else raw
    raw = known_keys(raw, _KEYS, where, "task parameters")
    head = resolve(_HEAD, {k: raw[k] for k in ("inner", "metric", "mode", "epochs_per_run")
                           if k in raw}, where)
    inner = TASKS.get(head["inner"], f"{where}.inner")
    inner_params = inner.resolve(raw.get("inner_params"), f"{where}.inner_params")
    grid = _grid(raw.get("grid", {}), f"{where}.grid")
    random = _random(raw.get("random", {"trials": 0}), f"{where}.random")
    if not grid and not random["trials"]:
        raise ValidationError("give a grid, random trials or both", where)
    if random["trials"] and not random["space"]:
        raise ValidationError("random trials need a space to draw from", f"{where}.random")
    return {**head, "inner_params": inner_params, "grid": grid, "random": random}


def random_configs(random: dict, seed: int) -> list[dict]:
    """The random search's configurations, drawn from ``numpy.random.default_rng(seed)``
    (``seed``: the run's training seed)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(random["trials"]):
        config = {}
        for name, r in random["space"].items():
            if r["log"]:
                value = float(np.exp(rng.uniform(np.log(r["low"]), np.log(r["high"]))))
            else:
                value = float(rng.uniform(r["low"], r["high"]))
            config[name] = int(round(value)) if r["integer"] else value
        out.append(config)
    return out


def grid_configs(grid: dict[str, list]) -> list[dict]:
    """Every combination of the grid's values, the first hyperparameter varying slowest."""
    names = list(grid)
    return [dict(zip(names, values)) for values in itertools.product(*grid.values())]


class SearchTask(Task):
    """Train the project's network once per configuration; keep every score."""

    default_monitor = "best"

    def __init__(self, ctx: TaskContext):
        super().__init__(ctx)
        if ctx.dataset is None:
            raise TrainingError("a search needs a dataset to train on", "data")
        p = parse_search_params(ctx.params)  # idempotent
        self.p = p
        self.inner = TASKS.get(p["inner"])
        self.configs = {"grid": grid_configs(p["grid"]),
                        "random": random_configs(p["random"], ctx.config.seed)}
        self.queue = [(m, i) for m in METHODS for i in range(len(self.configs[m]))]
        self.scores: dict[str, list[float]] = {m: [] for m in METHODS}
        # Fail now, not after minutes, when the network does not fit the data.
        self.inner.create(self._context(self.configs[self.queue[0][0]][0]
                                        if self.queue else {}))

    def _context(self, config: dict) -> TaskContext:
        cfg = self.ctx.config
        changes = {"epochs": self.p["epochs_per_run"]}
        changes.update({k: v for k, v in config.items()
                        if k in ("batch_size", "epochs", "l1", "l2")})
        if "lr" in config:
            changes["optimizer_params"] = {**cfg.optimizer_params, "lr": config["lr"]}
        changes["early_stopping"] = cfg.early_stopping
        return TaskContext(self.ctx.graphs, self.ctx.dataset, cfg.with_(**changes),
                           self.p["inner_params"], self.ctx.device)

    def _train(self, config: dict) -> float:
        """Train one configuration from scratch; its score (NaN when it failed)."""
        from playground.training.trainer import Trainer

        ctx = self._context(config)
        task = self.inner.create(ctx)
        trainer = Trainer(task, ctx.config)
        state = trainer.run()
        value = trainer.metrics.get(self.p["metric"]) if state == "finished" else None
        if value is None:
            if state == "finished":
                raise TrainingError(f"the runs report no metric {self.p['metric']!r} (they "
                                    f"report: {', '.join(sorted(trainer.metrics))})",
                                    "task.params.metric")
            return math.nan
        return float(value)

    # -- the Task interface ----------------------------------------------------------------
    def steps_per_epoch(self) -> int:
        return max(len(self.queue), 1)

    def train_step(self) -> torch.Tensor:
        done = sum(len(s) for s in self.scores.values())
        if done >= len(self.queue):
            return torch.tensor(0.0, dtype=torch.float64)
        method, i = self.queue[done]
        score = self._train(self.configs[method][i])
        self.scores[method].append(score)
        return torch.tensor(score if math.isfinite(score) else 0.0, dtype=torch.float64)

    def best_index(self, method: str) -> int | None:
        """Row of ``method``'s best score so far (None before any finite one)."""
        scores = np.asarray(self.scores[method], dtype=np.float64)
        if not np.isfinite(scores).any():
            return None
        pick = np.nanargmax if self.p["mode"] == "max" else np.nanargmin
        return int(pick(scores))

    def evaluate(self) -> dict[str, float]:
        metric = self.p["metric"]
        metrics: dict[str, float] = {}
        best_overall = []
        for method in METHODS:
            metrics[f"{method}_runs"] = float(len(self.scores[method]))
            k = self.best_index(method)
            if k is None:
                continue
            metrics[f"{method}_best_{metric}"] = self.scores[method][k]
            best_overall.append(self.scores[method][k])
            for name, value in self.configs[method][k].items():
                metrics[f"{method}_best_{name}"] = float(value)
        if best_overall:
            metrics["best"] = max(best_overall) if self.p["mode"] == "max" else min(best_overall)
        return metrics

    def state_dict(self) -> dict:
        """The scores so far."""
        return {m: list(s) for m, s in self.scores.items()}

    def load_state_dict(self, state: dict) -> None:
        """Restore :meth:`state_dict`."""
        self.scores = {m: list(state.get(m, [])) for m in METHODS}

    # -- for checks and views ----------------------------------------------------------------
    def tables(self) -> dict[str, dict]:
        """Per method: ``names``, ``rows`` (configs x names, every config), ``scores``
        (NaN where not run yet) and ``best`` (row index or None)."""
        out = {}
        for method in METHODS:
            configs = self.configs[method]
            names = sorted({n for c in configs for n in c}, key=list(SEARCHABLE).index)
            rows = np.array([[c.get(n, math.nan) for n in names] for c in configs],
                            dtype=np.float64).reshape(len(configs), len(names))
            scores = np.full(len(configs), np.nan)
            scores[:len(self.scores[method])] = self.scores[method]
            out[method] = {"names": names, "rows": rows, "scores": scores,
                           "best": self.best_index(method)}
        return out

    def arrays(self) -> dict[str, np.ndarray]:
        """``<method>_rows`` (configs x hyperparameters) and ``<method>_scores``."""
        out = {}
        for method, table in self.tables().items():
            out[f"{method}_rows"], out[f"{method}_scores"] = table["rows"], table["scores"]
        return out


register_task(TaskType(
    "search", "Hyperparameter search",
    _HEAD, SearchTask, targets=("class", "regression"),
    views=("search", "loss"),
    doc="AD3501 Unit IV: grid search against random search; each step trains the network "
        "once with one configuration.",
    parse=parse_search_params))
