"""The ``newton`` task: Newton-Raphson against gradient descent on a function of one number.

ldl's Appendix E (seeds/003, L10901-10957) compares the two methods in one
dimension. Three walkers start at ``start`` on a polynomial
``f(x) = c0 + c1 x + c2 x^2 + ...`` (``coefficients``, lowest power first):

* ``root``: Newton-Raphson on f, ``x <- x - f(x) / f'(x)``: it looks for f = 0,
  which an error function may never reach (Fig E-2, left);
* ``minimum``: Newton-Raphson on f', ``x <- x - f'(x) / f''(x)``: a point where
  the slope is 0, an extreme point of f; a second-order method (Fig E-2, right);
* ``gd``: gradient descent, ``x <- x - lr f'(x)``: first order, one step size.

One epoch is one iteration of every walker. A walker whose step divides by 0
or leaves ``[-diverge_threshold, diverge_threshold]`` stops where it was and
is marked diverged. No data, no network: ``task.arrays()`` holds every
walker's iterates for ``array`` checks (``minimum_x[1]`` is the first step).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from playground.errors import TrainingError
from playground.params import float_param, floats_param
from playground.tasks.base import Task, TaskContext, TaskType, register_task

#: Walker name -> label.
WALKERS = {"root": "Newton-Raphson on f (root finding)",
           "minimum": "Newton-Raphson on f' (minimisation)",
           "gd": "Gradient descent on f"}


def derivative(coefficients: np.ndarray) -> np.ndarray:
    """Coefficients of the derivative (lowest power first); [0] for a constant."""
    c = np.asarray(coefficients, dtype=np.float64)
    if len(c) < 2:
        return np.zeros(1)
    return c[1:] * np.arange(1, len(c))


def evaluate_poly(coefficients: np.ndarray, x: np.ndarray | float) -> np.ndarray:
    """The polynomial at ``x`` (any shape), float64."""
    return np.polynomial.polynomial.polyval(np.asarray(x, dtype=np.float64), coefficients)


class Walker:
    """One iterate sequence: x_0, x_1, ... of one method."""

    def __init__(self, name: str, start: float):
        self.name = name
        self.history = [float(start)]
        self.diverged = False

    @property
    def x(self) -> float:
        """The latest iterate."""
        return self.history[-1]

    def move(self, new: float, threshold: float) -> None:
        """Take the step to ``new``; a non-finite or far step marks the walker diverged."""
        if not math.isfinite(new) or abs(new) > threshold:
            self.diverged = True
            return
        self.history.append(float(new))


class NewtonTask(Task):
    """Newton on f, Newton on f' and gradient descent, one iteration each per epoch."""

    default_monitor = "train_loss"

    def __init__(self, ctx: TaskContext):
        super().__init__(ctx)
        p = ctx.params
        self.c = np.asarray(p["coefficients"], dtype=np.float64)  # f
        if not np.any(self.c[1:]):
            raise TrainingError("f is a constant: give at least one coefficient of x, x^2...",
                                "task.params.coefficients")
        self.dc = derivative(self.c)  # f'
        self.ddc = derivative(self.dc)  # f''
        self.lr, self.threshold = p["lr"], p["diverge_threshold"]
        self.domain = tuple(p["domain"]) if p["domain"] else (p["start"] - 2.0, p["start"] + 1.0)
        if self.domain[0] >= self.domain[1]:
            raise TrainingError("the plotting domain needs lo < hi", "task.params.domain")
        self.walkers = {name: Walker(name, p["start"]) for name in WALKERS}

    def f(self, x: np.ndarray | float) -> np.ndarray:
        """f at ``x``."""
        return evaluate_poly(self.c, x)

    def df(self, x: np.ndarray | float) -> np.ndarray:
        """f' at ``x``."""
        return evaluate_poly(self.dc, x)

    def _next(self, name: str, x: float) -> float:
        with np.errstate(divide="ignore", invalid="ignore"):
            if name == "root":
                return float(self.f(x) / self.df(x))
            if name == "minimum":
                return float(self.df(x) / evaluate_poly(self.ddc, x))
            return float(self.lr * self.df(x))

    # -- the Task interface ----------------------------------------------------------------
    def steps_per_epoch(self) -> int:
        return 1

    def train_step(self) -> torch.Tensor:
        for name, walker in self.walkers.items():
            if not walker.diverged:
                walker.move(walker.x - self._next(name, walker.x), self.threshold)
        return torch.tensor(float(self.f(self.walkers["minimum"].x)), dtype=torch.float64)

    def evaluate(self) -> dict[str, float]:
        metrics: dict[str, float] = {}
        for name, w in self.walkers.items():
            metrics[f"{name}_x"] = w.x
            metrics[f"{name}_f"] = float(self.f(w.x))
            metrics[f"{name}_slope"] = float(self.df(w.x))
            metrics[f"{name}_diverged"] = float(w.diverged)
            # The last step's length: near 0 once a walker has settled.
            metrics[f"{name}_step"] = abs(w.history[-1] - w.history[-2]) \
                if len(w.history) > 1 else 0.0
        metrics["train_loss"] = metrics["minimum_f"]
        return metrics

    def state_dict(self) -> dict:
        """Every walker's iterates and divergence."""
        return {name: {"history": list(w.history), "diverged": w.diverged}
                for name, w in self.walkers.items()}

    def load_state_dict(self, state: dict) -> None:
        """Restore :meth:`state_dict`."""
        for name, entry in state.items():
            self.walkers[name].history = list(entry["history"])
            self.walkers[name].diverged = bool(entry["diverged"])

    # -- for checks and views --------------------------------------------------------------
    def arrays(self) -> dict[str, np.ndarray]:
        """``<walker>_x`` (iterates x_0, x_1, ...), ``<walker>_f`` and ``<walker>_slope``
        (f and f' there), and ``coefficients`` of f."""
        out: dict[str, np.ndarray] = {"coefficients": self.c.copy()}
        for name, w in self.walkers.items():
            xs = np.asarray(w.history)
            out[f"{name}_x"], out[f"{name}_f"], out[f"{name}_slope"] = xs, self.f(xs), self.df(xs)
        return out

    def curves(self, domain: tuple[float, float], n: int = 400) -> dict[str, np.ndarray]:
        """f and f' sampled on ``n`` points of ``domain``: ``x``, ``f``, ``df``."""
        xs = np.linspace(domain[0], domain[1], n)
        return {"x": xs, "f": self.f(xs), "df": self.df(xs)}


register_task(TaskType(
    "newton", "Newton vs gradient descent",
    (floats_param("coefficients", (1.0, -1.0, 0.0, 0.0, 0.25), min=-1e6, max=1e6,
                  help="f(x) = c0 + c1 x + c2 x^2 + ..., lowest power first. The default "
                       "x^4/4 - x + 1 has no root and its slope is x^3 - 1."),
     float_param("start", 1.75, -1e6, 1e6, help="x_0 of every walker (ldl: 1.75)."),
     float_param("lr", 0.1, 1e-9, 1e3, help="Gradient descent's step size."),
     float_param("diverge_threshold", 1e6, 1e-6, 1e30, log=True,
                 help="A walker beyond +-this (or dividing by 0) stops, marked diverged."),
     floats_param("domain", None, length=2, min=-1e6, max=1e6, optional=True,
                  help="The x range the view plots (empty: start - 2 to start + 1).")),
    NewtonTask, targets=(), graphs=(), views=("newton", "loss"),
    doc="ldl Appendix E: Newton-Raphson on f (roots), on f' (minima) and gradient descent, "
        "step by step on a one-variable polynomial."))
