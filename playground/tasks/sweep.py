"""dl4b ch5's sweep: how many perceptron updates separate the classes, as the gap closes.

The book (seeds/002, L3249-3292) regenerates ``make_classification(...,
class_sep=s, random_state=5)`` for s = 2.0, 1.9, ..., 1.1, runs its PLA 1000
times on each (w = 0, a random misclassified point per update, Python's
``random``, here seeded with the run's training seed) and tabulates the mean
and standard deviation of the number of updates. This task does the same with
any dataset type that has the swept parameter: one step is one whole PLA run,
one epoch is ``runs`` runs at one value, so ``training.epochs`` should be the
number of values (extra epochs do nothing; fewer sweep fewer values). No network:
the table is the result.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from playground.data.base import DATASETS
from playground.errors import TrainingError, ValidationError
from playground.params import choice_param, float_param, floats_param, int_param, str_param
from playground.tasks.base import Task, TaskContext, TaskType, register_task
from playground.tasks.rules import RNG_KINDS, ZERO_IS, BookRandom, run_until_separated


def value_key(value: float) -> str:
    """Metric suffix of a swept value: 2.0 -> "2.0", 1.15 -> "1.15"."""
    text = f"{value:.6g}"
    return text if any(c in text for c in ".e") else f"{text}.0"


class PerceptronSweepTask(Task):
    """One PLA run per step over the values of one dataset parameter.

    Metrics: ``mean_iterations_<v>`` and ``std_iterations_<v>`` (population
    standard deviation, as numpy's ``std``) for every value started, and
    ``unseparated_<v>``, the runs that hit ``max_updates``.
    """

    default_monitor = "mean_iterations"

    def __init__(self, ctx: TaskContext):
        super().__init__(ctx)
        if ctx.dataset is None:
            raise TrainingError("the sweep needs a dataset to regenerate", "data")
        p = ctx.params
        self.entry = DATASETS.get(ctx.dataset.type)
        self.param = p["parameter"]
        if self.param not in {q.name for q in self.entry.params}:
            raise TrainingError(f"dataset {self.entry.id!r} has no parameter {self.param!r} "
                                f"(it has: {', '.join(q.name for q in self.entry.params)})",
                                "task.params.parameter")
        self.values = [float(v) for v in p["values"]]
        declared = {q.name: q for q in self.entry.params}[self.param]
        for i, v in enumerate(self.values):  # each value must be valid for the generator
            try:
                declared.validate(v, f"task.params.values[{i}]")
            except ValidationError as exc:
                raise TrainingError(exc.message, exc.where) from None
        self.runs, self.max_updates = p["runs"], p["max_updates"]
        self.lr, self.zero_is = p["lr"], p["zero_is"]
        self.rng = BookRandom(p["rng"], ctx.config.seed)
        self.counts: list[list[int]] = [[] for _ in self.values]
        self._data: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._done = 0

    def _arrays(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """All samples at value k: x (n, d) float64 and labels -1/+1."""
        if k not in self._data:
            dataset = self.ctx.require_dataset()
            params = {**dataset.params, self.param: self.values[k]}
            # Generated as the data panel's dataset is: from the data seed (--vary-data moves it).
            arrays = self.entry.generate(params, np.random.default_rng(dataset.seed))
            x = np.asarray(arrays.x, dtype=np.float32).reshape(len(arrays.x), -1)
            y = 2.0 * np.asarray(arrays.y, dtype=np.float64) - 1.0
            self._data = {k: (x.astype(np.float64), y)}  # keep one value's data
        return self._data[k]

    @property
    def current(self) -> int:
        """Index of the value being swept (len(values) when done)."""
        return min(self._done // self.runs, len(self.values))

    # -- the Task interface --------------------------------------------------------------
    def steps_per_epoch(self) -> int:
        return self.runs

    def train_step(self) -> torch.Tensor:
        k = self.current
        if k >= len(self.values):
            return torch.tensor(0.0, dtype=torch.float64)
        x, y = self._arrays(k)
        n = run_until_separated(x, y, self.rng, self.lr, self.max_updates, self.zero_is)
        self.counts[k].append(n)
        self._done += 1
        return torch.tensor(float(n), dtype=torch.float64)

    def evaluate(self) -> dict[str, float]:
        metrics: dict[str, float] = {}
        for v, counts in zip(self.values, self.counts):
            if not counts:
                continue
            c = np.asarray(counts, dtype=np.float64)
            key = value_key(v)
            metrics[f"mean_iterations_{key}"] = float(c.mean())
            metrics[f"std_iterations_{key}"] = float(c.std())
            metrics[f"unseparated_{key}"] = float(np.count_nonzero(c >= self.max_updates))
        k = min(self.current, len(self.values) - 1)
        if self.counts[k]:
            metrics["mean_iterations"] = float(np.mean(self.counts[k]))
        metrics["runs_done"] = float(self._done)
        return metrics

    def state_dict(self) -> dict:
        """The counts so far and the generator's state."""
        return {"counts": [list(c) for c in self.counts], "done": self._done,
                "rng": self.rng.get_state()}

    def load_state_dict(self, state: dict) -> None:
        """Restore :meth:`state_dict`."""
        self.counts = [list(c) for c in state["counts"]]
        self._done = int(state["done"])
        self.rng.set_state(state["rng"])

    # -- for views -----------------------------------------------------------------------
    def sweep_table(self) -> dict[str, np.ndarray]:
        """Values and the mean/std of updates per value (NaN where not run yet).

        Returns
        -------
        dict
            ``values`` (k,), ``mean`` (k,), ``std`` (k,), ``runs`` (k,) counts done.
        """
        mean = np.array([np.mean(c) if c else math.nan for c in self.counts])
        std = np.array([np.std(c) if c else math.nan for c in self.counts])
        return {"values": np.asarray(self.values), "mean": mean, "std": std,
                "runs": np.array([len(c) for c in self.counts])}

    def arrays(self) -> dict[str, np.ndarray]:
        """:meth:`sweep_table` and every run's count (``iterations``) for "array" checks."""
        table = self.sweep_table()
        # (runs, values): row r holds run r+1 at every value, as the book's table; NaN not run.
        grid = np.full((self.runs, len(self.values)), np.nan)
        for k, counts in enumerate(self.counts):
            grid[:len(counts), k] = counts
        return {"values": table["values"], "mean_iterations": table["mean"],
                "std_iterations": table["std"], "iterations": grid}


register_task(TaskType(
    "perceptron_sweep", "Perceptron sweep",
    (str_param("parameter", "class_sep", help="The dataset parameter to sweep."),
     floats_param("values", (2.0, 1.9, 1.8, 1.7, 1.6, 1.5, 1.4, 1.3, 1.2, 1.1),
                  min=-1e9, max=1e9, help="Its values, one epoch each."),
     int_param("runs", 1000, 1, 10**6, help="PLA runs per value (book: 1000)."),
     int_param("max_updates", 10_000, 1, 10**8,
               help="Give up a run after this many updates (non-separable data)."),
     float_param("lr", 1.0, 1e-9, 1e6, help="Step size (dl4b: w = w + s * x, i.e. 1)."),
     choice_param("zero_is", "error", ZERO_IS,
                  help="A weighted sum of 0: an error (np.sign, dl4b) or class +1."),
     choice_param("rng", "python", RNG_KINDS,
                  help="The book's generator, seeded with the training seed (dl4b: Python's "
                       "random.seed(7)).")),
    PerceptronSweepTask, targets=("class",), graphs=(), views=("loss",),
    doc="dl4b ch5: mean and spread of perceptron updates to separate the classes, "
        "for each value of a dataset parameter (class_sep)."))
