"""The books' classic rules on one linear unit, in numpy: perceptron, pocket, LMS.

A linear unit computes ``z = b + w1 x1 + ... + wd xd``. The rules here step
exactly as the books' listings do, in float64 and with the books' own random
number generators, so a run reproduces a printed weight sequence number for
number:

* Rosenblatt's perceptron rule (dlpi Eq. 1.6, ldl Code 1-4, dl4b ch5): on a
  misclassified sample ``w += lr * y * x`` and ``b += lr * y`` (y = -1 or +1).
* Gallant's pocket algorithm (dl4b ch5, L3313-3340): the same updates, keeping
  the weights with the fewest training errors seen so far.
* LMS / MMSE (dlpi Eqs. 1.26-1.29): ``e = f(z) - y``, ``w -= lr * e f'(z) x``,
  ``b -= lr * e f'(z)``; f linear is LMS, tanh the MMSE-tanh rule.

How the next sample is chosen (``selection``):

* "cyclic": every sample in data order, one per step (a pass = an epoch).
* "shuffle": every sample once per pass, the order list reshuffled in place at
  the start of each pass (ldl: ``random.shuffle(index_list)``).
* "first_misclassified": each step scans all samples in data order and updates
  on the first misclassified one (dlpi Ex 1.2.1).
* "random_misclassified": each step picks one misclassified sample uniformly at
  random (dl4b: ``mispts[random.randrange(0, len(mispts))]``).

A *step* is one presented sample for the per-sample orders and one update for
the "misclassified" ones: the unit the book counts.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import numpy as np

SELECTIONS = ("cyclic", "shuffle", "first_misclassified", "random_misclassified")
PER_SAMPLE = ("cyclic", "shuffle")
RNG_KINDS = ("python", "numpy")
#: What a zero weighted sum means: "error" (``np.sign(0) = 0`` matches no label, dlpi
#: and dl4b) or "positive" (``-1 if z < 0 else 1``, ldl Code 1-3).
ZERO_IS = ("error", "positive")


class BookRandom:
    """The random source a book's listing uses.

    Parameters
    ----------
    kind : str
        "python": ``random.seed(seed)`` and the ``random`` module's functions;
        "numpy": ``np.random.seed(seed)`` and the legacy global functions.
    seed : int
    """

    def __init__(self, kind: str, seed: int):
        if kind not in RNG_KINDS:
            raise ValueError(f"unknown random source {kind!r}")
        self.kind = kind
        self._rng = random.Random(seed) if kind == "python" else np.random.RandomState(seed)

    def shuffle(self, items: list) -> None:
        """Shuffle ``items`` in place (``random.shuffle`` / ``np.random.shuffle``)."""
        self._rng.shuffle(items)

    def randrange(self, n: int) -> int:
        """A uniform index in [0, n) (``random.randrange(0, n)`` / ``np.random.randint(0, n)``)."""
        if isinstance(self._rng, random.Random):  # kind "python"
            return self._rng.randrange(0, n)
        return int(self._rng.randint(0, n))

    def uniform(self, low: float, high: float) -> float:
        """One draw of ``uniform(low, high)``."""
        return float(self._rng.uniform(low, high))

    def get_state(self) -> object:
        """The generator's state (for checkpoints)."""
        if isinstance(self._rng, random.Random):  # kind "python"
            return self._rng.getstate()
        return self._rng.get_state()

    def set_state(self, state: Any) -> None:
        """Restore :meth:`get_state`."""
        if isinstance(self._rng, random.Random):
            self._rng.setstate(state)
        else:
            self._rng.set_state(state)


def weighted_sums(x: np.ndarray, b: float, w: np.ndarray) -> np.ndarray:
    """``z = b + x1 w1 + ... + xd wd`` for every row of ``x`` (n, d) -> (n,).

    Summed left to right, as the books' loops do (``z = 0.0; z += x[i] * w[i]``
    with ``x[0] = 1``), so that ties at exactly zero come out as in the book.
    """
    z = np.full(len(x), float(b))
    for j in range(x.shape[1]):
        z = z + x[:, j] * w[j]
    return z


def sign_outputs(z: np.ndarray, zero_is: str) -> np.ndarray:
    """The perceptron's outputs -1/+1 (and 0 for z = 0 when ``zero_is`` is "error")."""
    if zero_is == "positive":
        return np.where(z < 0, -1.0, 1.0)
    return np.sign(z)


class SampleOrder:
    """Which sample comes next in the per-sample orders ("cyclic", "shuffle").

    The order list persists between passes and is shuffled in place at the
    start of each pass, as ldl's ``random.shuffle(index_list)``: shuffling a
    fresh ``range`` each time would draw different orders from the same seed.
    """

    def __init__(self, n: int, shuffle: bool, rng: BookRandom | None):
        if shuffle and rng is None:
            raise ValueError("a shuffled order needs a random source")
        self.items = list(range(n))
        self.shuffle, self.rng = shuffle, rng
        self.pos = 0
        self.passes = 0

    def next(self) -> tuple[int, bool, bool]:
        """``(index, starts_a_pass, ends_a_pass)`` of the next presented sample."""
        starts = self.pos == 0
        if starts:
            self.passes += 1
            if self.rng is not None and self.shuffle:
                self.rng.shuffle(self.items)
        i = self.items[self.pos]
        self.pos = (self.pos + 1) % len(self.items)
        return i, starts, self.pos == 0


class PerceptronRun:
    """Rosenblatt's rule (optionally with Gallant's pocket), stepped one unit at a time.

    Parameters
    ----------
    x : ndarray, shape (n, d)
        Inputs.
    y : ndarray, shape (n,)
        Labels -1/+1.
    b : float
    w : ndarray, shape (d,)
        Initial bias and weights (float64, copied).
    selection : str
        One of :data:`SELECTIONS`.
    rng : BookRandom
        Used by "shuffle" and "random_misclassified".
    zero_is : str
        One of :data:`ZERO_IS`.
    pocket : bool
        Gallant's pocket: the classifier is the best weights seen, not the last
        (the best are tracked either way).

    Attributes
    ----------
    b, w : float, ndarray
        Current weights.
    updates : int
        Weight updates so far (the books' "iterations").
    converged : bool
        True once the rule stops: a pass without updates (per-sample orders)
        or no misclassified sample left.
    history : list of tuple
        ``(b, w1, ..., wd)`` initially and after every update.
    best_b, best_w, best_errors, best_update
        The pocket: the first weights with the fewest training errors seen, and
        after how many updates.
    """

    def __init__(self, x: np.ndarray, y: np.ndarray, b: float, w: np.ndarray,
                 selection: str, rng: BookRandom, zero_is: str = "error",
                 pocket: bool = False):
        if selection not in SELECTIONS:
            raise ValueError(f"unknown selection {selection!r}")
        self.x = np.asarray(x, dtype=np.float64)
        self.y = np.asarray(y, dtype=np.float64)
        self.b, self.w = float(b), np.array(w, dtype=np.float64)
        self.selection, self.rng, self.zero_is = selection, rng, zero_is
        self.pocket = pocket
        self.updates = 0
        self.converged = False
        self.history: list[tuple[float, ...]] = [self.weights()]
        self.order = SampleOrder(len(self.x), selection == "shuffle", rng)
        self._pass_updates = 0
        self.best_b, self.best_w = self.b, self.w.copy()
        self.best_errors = self.errors()
        self.best_update = 0

    # -- reading -------------------------------------------------------------------------
    def weights(self) -> tuple[float, ...]:
        """``(b, w1, ..., wd)`` as Python floats."""
        return (float(self.b), *(float(v) for v in self.w))

    def outputs(self, x: np.ndarray | None = None) -> np.ndarray:
        """Perceptron outputs on ``x`` (default: the training inputs)."""
        x = self.x if x is None else x
        return sign_outputs(weighted_sums(x, self.b, self.w), self.zero_is)

    def misclassified(self) -> np.ndarray:
        """Indices of the training samples the current weights get wrong."""
        return np.flatnonzero(self.outputs() != self.y)

    def errors(self) -> int:
        """Number of misclassified training samples."""
        return int(np.count_nonzero(self.outputs() != self.y))

    # -- stepping ------------------------------------------------------------------------
    def set_weights(self, b: float, w: np.ndarray) -> None:
        """Replace the current weights (a hand edit); the rule continues from them."""
        self.b, self.w = float(b), np.array(w, dtype=np.float64)
        self.converged = False

    def step(self, lr: float) -> bool:
        """One presented sample or one update; returns True when the weights changed."""
        if self.converged:
            return False
        if self.selection in PER_SAMPLE:
            return self._present(lr)
        wrong = self.misclassified()
        if len(wrong) == 0:
            self.converged = True
            return False
        k = wrong[0] if self.selection == "first_misclassified" \
            else wrong[self.rng.randrange(len(wrong))]
        self._update(int(k), lr)
        return True

    def _present(self, lr: float) -> bool:
        i, starts, ends = self.order.next()
        if starts:
            self._pass_updates = 0
        z = weighted_sums(self.x[i:i + 1], self.b, self.w)
        changed = bool(sign_outputs(z, self.zero_is)[0] != self.y[i])
        if changed:
            self._update(i, lr)
            self._pass_updates += 1
        if ends and self._pass_updates == 0:
            self.converged = True  # a whole pass without a mistake (ldl's all_correct)
        return changed

    @property
    def passes(self) -> int:
        """Passes over the data started (per-sample orders)."""
        return self.order.passes

    def _update(self, i: int, lr: float) -> None:
        step = self.y[i] * lr  # ldl: w[j] += (y * LEARNING_RATE * x[j]), with x[0] = 1
        self.b = self.b + step * 1.0
        self.w = self.w + step * self.x[i]
        self.updates += 1
        self.history.append(self.weights())
        errors = self.errors()
        if errors < self.best_errors:  # strictly fewer, as dl4b's bestW
            self.best_b, self.best_w = self.b, self.w.copy()
            self.best_errors, self.best_update = errors, self.updates


def run_until_separated(x: np.ndarray, y: np.ndarray, rng: BookRandom, lr: float = 1.0,
                        max_updates: int = 100_000, zero_is: str = "error") -> int:
    """dl4b's PLA from w = 0 with random misclassified points; the number of updates.

    The loop of :class:`PerceptronRun` without its bookkeeping, for sweeps of
    thousands of runs. Returns ``max_updates`` when it does not separate the data.
    """
    b, w = 0.0, np.zeros(x.shape[1])
    for it in range(max_updates):
        wrong = np.flatnonzero(sign_outputs(weighted_sums(x, b, w), zero_is) != y)
        if len(wrong) == 0:
            return it
        k = wrong[rng.randrange(len(wrong))]
        step = y[k] * lr
        b, w = b + step * 1.0, w + step * x[k]
    return max_updates


# -- LMS / MMSE ------------------------------------------------------------------------------

#: activation -> (f, f') on numpy arrays
#: An activation on float64 arrays and its derivative.
Activation = Callable[[np.ndarray], np.ndarray]

ACTIVATIONS: dict[str, tuple[Activation, Activation]] = {
    "identity": (lambda z: z, lambda z: np.ones_like(z)),
    "tanh": (np.tanh, lambda z: 1.0 - np.tanh(z) ** 2),
    "sigmoid": (lambda z: 1.0 / (1.0 + np.exp(-z)),
                lambda z: np.exp(-z) / (1.0 + np.exp(-z)) ** 2),
}


def lms_step(x: np.ndarray, y: float, b: float, w: np.ndarray, lr: float,
             activation: str) -> tuple[float, np.ndarray, float]:
    """One per-sample MMSE update (dlpi Eqs. 1.26-1.27; LMS 1.28-1.29 when linear).

    Returns the new ``(b, w)`` and the sample's error ``e = f(z) - y`` before the update.
    """
    f, df = ACTIVATIONS[activation]
    z = weighted_sums(x[None, :], b, w)[0]
    e = float(f(np.float64(z)) - y)
    g = e * float(df(np.float64(z)))  # dJ/dz of J = e^2 / 2
    return b - lr * g, w - lr * g * x, e
