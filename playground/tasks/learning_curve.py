"""The ``learning_curve`` task: dlpi Ex 2.2.1, a linear classifier's error against sample size.

Two classes drawn from Gaussians ``N((-1, 1), sigma^2 I)`` and ``N((1, -1), sigma^2 I)``
(seeds/000, L1357-1374); each training sample's class is a fair coin. For every
training-set size N the task repeats ``realizations`` times: draw N training
samples, fit the linear classifier ``y = w^T x + b`` by MMSE (least squares on
targets -1 and +1, in closed form; with fewer samples than parameters the
minimum-norm solution), count its errors on those N samples and on ``test_size``
new ones. The averages make Fig 2.2: the training error is tiny for small N
(the line passes through the few points), the test error is large; both meet
near the Bayes error ``Phi(-|m1 - m2| / (2 sigma))`` as N grows.

One step is one training-set size (all its realisations, vectorised); one
epoch is the whole sweep. No network: :meth:`LearningCurveTask.sweep_curves`
feeds the ``sweep`` view and ``task.arrays()`` the checks.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from playground.params import float_param, int_param, ints_param
from playground.tasks.base import Task, TaskContext, TaskType, register_task

#: The two class means of Ex 2.2.1.
MEANS = np.array([[-1.0, 1.0], [1.0, -1.0]])


def bayes_error(sigma: float) -> float:
    """Error rate of the optimal boundary (the line x2 = x1) for the two Gaussians."""
    half_distance = np.linalg.norm(MEANS[0] - MEANS[1]) / 2.0
    return 0.5 * math.erfc(half_distance / sigma / math.sqrt(2.0))


def draw(rng: np.random.Generator, shape: tuple[int, ...], sigma: float
         ) -> tuple[np.ndarray, np.ndarray]:
    """Samples (*shape, 2) and labels (*shape,) in {-1, +1}, classes by fair coin."""
    labels = rng.integers(0, 2, shape)
    x = MEANS[labels] + sigma * rng.standard_normal((*shape, 2))
    return x, 2.0 * labels - 1.0


def mmse_errors(x: np.ndarray, t: np.ndarray, x_test: np.ndarray, t_test: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    """Fit least squares per realisation and count errors.

    Parameters
    ----------
    x : (R, N, 2), t : (R, N)
        Training samples and +-1 targets of R realisations.
    x_test : (R, M, 2), t_test : (R, M)

    Returns
    -------
    train_error, test_error : (R,)
        Fractions misclassified (sign of w^T x + b against the target; 0 counts as wrong).
    """
    ones = np.ones((*x.shape[:2], 1))
    a = np.concatenate([x, ones], axis=2)  # (R, N, 3)
    w = np.linalg.pinv(a) @ t[..., None]  # (R, 3, 1), minimum norm when N < 3
    train = np.mean(np.sign((a @ w)[..., 0]) != t, axis=1)
    a_test = np.concatenate([x_test, np.ones((*x_test.shape[:2], 1))], axis=2)
    test = np.mean(np.sign((a_test @ w)[..., 0]) != t_test, axis=1)
    return train, test


class LearningCurveTask(Task):
    """Average train and test error of the MMSE linear classifier per training-set size."""

    default_monitor = "test_error"

    def __init__(self, ctx: TaskContext):
        super().__init__(ctx)
        p = ctx.params
        self.sizes = [int(n) for n in p["sizes"]]
        self.realizations, self.test_size, self.sigma = p["realizations"], p["test_size"], \
            p["sigma"]
        self.rng = np.random.default_rng(ctx.config.seed)
        self.train_error = np.full(len(self.sizes), np.nan)
        self.test_error = np.full(len(self.sizes), np.nan)
        self._done = 0

    def steps_per_epoch(self) -> int:
        return len(self.sizes)

    def train_step(self) -> torch.Tensor:
        if self._done >= len(self.sizes):
            return torch.tensor(0.0, dtype=torch.float64)
        n, r = self.sizes[self._done], self.realizations
        x, t = draw(self.rng, (r, n), self.sigma)
        x_test, t_test = draw(self.rng, (r, self.test_size), self.sigma)
        train, test = mmse_errors(x, t, x_test, t_test)
        self.train_error[self._done], self.test_error[self._done] = train.mean(), test.mean()
        self._done += 1
        return torch.tensor(float(test.mean()), dtype=torch.float64)

    def evaluate(self) -> dict[str, float]:
        metrics = {"bayes_error": bayes_error(self.sigma), "sizes_done": float(self._done)}
        if self._done:
            last = self._done - 1
            metrics["train_error"] = float(self.train_error[last])
            metrics["test_error"] = float(self.test_error[last])
        for n in self.ctx.params["report"]:
            if n in self.sizes and self.sizes.index(n) < self._done:
                k = self.sizes.index(n)
                metrics[f"train_error_N{n}"] = float(self.train_error[k])
                metrics[f"test_error_N{n}"] = float(self.test_error[k])
        return metrics

    def state_dict(self) -> dict:
        """The curves so far and the generator's state."""
        return {"train": self.train_error.copy(), "test": self.test_error.copy(),
                "done": self._done, "rng": self.rng.bit_generator.state}

    def load_state_dict(self, state: dict) -> None:
        """Restore :meth:`state_dict`."""
        self.train_error, self.test_error = state["train"].copy(), state["test"].copy()
        self._done = int(state["done"])
        self.rng.bit_generator.state = state["rng"]

    # -- for checks and views --------------------------------------------------------------
    def arrays(self) -> dict[str, np.ndarray]:
        """``sizes``, ``train_error`` and ``test_error`` (NaN where not run yet)."""
        return {"sizes": np.asarray(self.sizes, dtype=np.float64),
                "train_error": self.train_error.copy(), "test_error": self.test_error.copy()}

    def sweep_curves(self) -> dict:
        """For the ``sweep`` view: the two error curves against N, log-scaled, and the
        Bayes error as a reference line."""
        return {"x": np.asarray(self.sizes, dtype=np.float64),
                "x_label": "training samples N", "y_label": "error rate",
                "series": {"test error": self.test_error.copy(),
                           "training error": self.train_error.copy()},
                "dashed": ["training error"], "log_x": True, "log_y": True,
                "references": {"Bayes error": bayes_error(self.sigma)}}


register_task(TaskType(
    "learning_curve", "Learning curve",
    (ints_param("sizes", tuple(range(2, 101)), min=1, max=100_000,
                help="Training-set sizes N, one step each (book: 2 to 100)."),
     int_param("realizations", 10_000, 1, 10**6,
               help="Repetitions averaged per size (book: 10^4)."),
     int_param("test_size", 100, 1, 10**6, help="New test samples per realisation (book: 100)."),
     float_param("sigma", 0.5, 1e-3, 100.0, help="Std of both Gaussians (book: 0.5)."),
     ints_param("report", (2, 10, 100), min=1, max=100_000,
                help="Sizes reported as metrics (train_error_N2...).")),
    LearningCurveTask, targets=(), graphs=(), views=("sweep", "loss"),
    doc="dlpi Ex 2.2.1: train and test error of an MMSE linear classifier against the "
        "number of training samples, averaged over many draws."))
