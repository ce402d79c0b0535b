"""The ``nadaraya_watson`` task: kernel regression read as attention, nothing trained.

dlpi Ex 6.2.1 (L6033-6073): each query x_j is answered by a weighted mean of
the training targets, y_j = sum_i alpha_ij y_i (Eq. 6.2), with weights

    alpha_ij = K((x_j - x_i) / h) / sum_k K((x_j - x_k) / h)        (Eq. 6.3)

a softmax over the training points (the keys) of the query's similarity to
each: attention with fixed, distance-based scores. The kernel width ``h``
trades bias for variance. Kernels (of u = (x_j - x_i) / h): ``gaussian``
exp(-u^2 / 2), the "square exponential" the book names, and ``laplace``
exp(-|u|), the book's printed exp(||x_i - x_j|| / h) with its minus sign
restored.

Data: a 1-D regression dataset (``noisy_sine``: the book's noisy sine with the
clean function at the query points as the test split). Metrics per split:
``mse`` of the estimate and ``naive_mse`` of the book's naive model (Eq. 6.1:
one value, the training targets' mean, for every query). Arrays:
``attention`` (queries, training points) with ``attention.shape``, and
``estimate`` and ``queries`` (queries,) for the test split's queries.
"""

from __future__ import annotations

import numpy as np

from playground.data.base import Dataset
from playground.errors import TrainingError
from playground.params import choice_param, float_param
from playground.tasks.base import TaskContext, TaskType, register_task
from playground.tasks.static import StaticTask
from playground.tasks.supervised import SPLITS

KERNELS = ("gaussian", "laplace")


def kernel_scores(u: np.ndarray, kernel: str) -> np.ndarray:
    """log K(u) for scaled distances ``u``: the attention scores before the softmax."""
    return -0.5 * u ** 2 if kernel == "gaussian" else -np.abs(u)


def nadaraya_watson(x: np.ndarray, y: np.ndarray, queries: np.ndarray, width: float,
                    kernel: str = "gaussian") -> tuple[np.ndarray, np.ndarray]:
    """Attention weights (Q, N) of ``queries`` (Q,) over points ``x`` (N,), and estimates (Q,).

    The weights are a softmax of log K, which equals Eq. 6.3 but stays finite
    where every K underflows (a query far from all points takes the nearest).
    """
    u = (queries[:, None] - x[None, :]) / width  # (Q, N)
    scores = kernel_scores(u, kernel)
    scores -= scores.max(axis=1, keepdims=True)
    weights = np.exp(scores)
    weights /= weights.sum(axis=1, keepdims=True)
    return weights, weights @ y


class NadarayaWatsonTask(StaticTask):
    """Kernel regression of a 1-D dataset's training points at its other splits' inputs."""

    def __init__(self, ctx: TaskContext):
        super().__init__(ctx)
        ds = ctx.dataset
        if ds is None or ds.info.target != "regression" or ds.input_shape != (1,) \
                or ds.target_shape != (1,):
            raise TrainingError("Nadaraya-Watson regression needs one input and one "
                                "regression target per sample (e.g. 'Noisy sine')", "data.type")
        self.dataset: Dataset = ds
        self.x = ds.train.x[:, 0].astype(np.float64)  # (N,) keys
        self.y = np.asarray(ds.train.y, np.float64)[:, 0]  # (N,) values
        self.kernel, self.width = ctx.params["kernel"], ctx.params["width"]

    def estimate(self, queries: np.ndarray, width: float | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
        """:func:`nadaraya_watson` over the training points, at the task's width by default."""
        return nadaraya_watson(self.x, self.y, np.asarray(queries, np.float64),
                               self.width if width is None else width, self.kernel)

    def queries(self) -> np.ndarray:
        """The test split's inputs, or the training inputs when there is no test split: (Q,)."""
        test = self.dataset.test
        return (test.x if len(test) else self.dataset.train.x)[:, 0].astype(np.float64)

    def loss_value(self) -> float:
        return self.evaluate()["train_mse"]

    def evaluate(self) -> dict[str, float]:
        metrics = {}
        mean = float(self.y.mean())
        for name in SPLITS:
            part = self.dataset.split(name)
            if not len(part):
                continue
            target = np.asarray(part.y, np.float64)[:, 0]
            _, est = self.estimate(part.x[:, 0])
            metrics[f"{name}_mse"] = float(np.mean((est - target) ** 2))
            metrics[f"naive_{name}_mse"] = float(np.mean((mean - target) ** 2))
        return metrics

    def arrays(self) -> dict[str, np.ndarray]:
        weights, est = self.estimate(self.queries())
        return {"attention": weights, "attention.shape": np.asarray(weights.shape, np.int64),
                "estimate": est, "queries": self.queries()}


register_task(TaskType(
    "nadaraya_watson", "Kernel regression (attention)",
    (choice_param("kernel", "gaussian", KERNELS,
                  help="gaussian: exp(-u²/2); laplace: exp(-|u|), u = (query - point) / width."),
     float_param("width", 0.5, 1e-4, 1e4, log=True,
                 help="Kernel width h: small follows the noise, large flattens the curve.")),
    NadarayaWatsonTask, targets=("regression",), graphs=(), views=("nadaraya_watson", "loss"),
    doc="Nadaraya-Watson regression: each query's estimate is an attention-weighted mean of "
        "the training targets, weights from a kernel of the distance; nothing is trained."))
