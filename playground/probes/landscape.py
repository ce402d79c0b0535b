"""Loss landscape of the user's network (Li et al., NeurIPS 2018), on demand.

The ``landscape`` probe does two cheap things at snapshot time: it records the
flattened weights (bounded memory: when full, every other record is dropped,
the first is kept), and, when a view asks with ``configure(capture=k)``, it
captures what a computation needs (a copy of the model, the loss, training
tensors, the recorded trajectory) into its payload as a
:class:`LandscapeInputs`. The expensive part, :class:`LandscapeJob`, runs
elsewhere (a worker thread of the view) on that copy, in chunks with progress,
and never touches the live model.

The slice: two random Gaussian directions, *filter-normalised* (each filter,
i.e. each output row of a weight matrix or output channel of a kernel, is
rescaled to the norm of the same filter of the weights; biases and other 1-D
parameters get no component, the paper's "ignore biasbn"), or the two
principal directions of the recorded trajectory (the paper's section 7: the
only plane the path is guaranteed to show); a grid of training losses at
``w + a d1 + b d2``; and the recorded weights projected onto the plane by
least squares.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch.nn.utils import parameters_to_vector, vector_to_parameters

from playground.probes.base import ProbeType, register_probe
from playground.probes.common import fixed_subset, is_supervised
from playground.tasks.abilities import Denoises

#: Floats kept for the weight trajectory in total (about 32 MB).
MAX_TRAJECTORY_FLOATS = 8_000_000
MAX_RECORDS = 256
#: Training samples the losses are computed on.
MAX_SAMPLES = 4096

_ids = itertools.count(1)


@dataclass(frozen=True)
class LandscapeInputs:
    """Everything a :class:`LandscapeJob` needs, copied on the trainer thread.

    Attributes
    ----------
    id : int
        Which capture this is (increasing).
    model : torch.nn.Module
        A private copy of the network at the captured weights (eval mode).
    loss_fn : callable
        ``loss_fn(output, target) -> scalar tensor``, the task's loss.
    x, target : torch.Tensor
        Training inputs (as the model sees them) and targets.
    trajectory : ndarray, shape (T, P)
        Recorded flattened weights, oldest first.
    steps : ndarray, shape (T,)
        Training step of each record.
    step : int
        Step at capture.
    seed : int
        The run's training seed: the random directions' default seed.
    """

    id: int
    model: torch.nn.Module
    loss_fn: Callable
    x: torch.Tensor
    target: torch.Tensor
    trajectory: np.ndarray
    steps: np.ndarray
    step: int
    seed: int = 0


class WeightRecorder:
    """Flattened weight vectors at snapshot times, in bounded memory."""

    def __init__(self, n_params: int):
        self.capacity = int(np.clip(MAX_TRAJECTORY_FLOATS // max(n_params, 1), 8, MAX_RECORDS))
        self.capacity -= self.capacity % 2
        self.vectors: list[np.ndarray] = []
        self.steps: list[int] = []

    def add(self, step: int, vector: np.ndarray) -> None:
        """Record the weights at ``step`` (a repeated step replaces the last record)."""
        if self.steps and self.steps[-1] == step:
            self.vectors[-1] = vector
            return
        self.vectors.append(vector)
        self.steps.append(step)
        if len(self.vectors) >= self.capacity:  # keep the first, then every other one
            self.vectors = self.vectors[:1] + self.vectors[2::2]
            self.steps = self.steps[:1] + self.steps[2::2]

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(trajectory (T, P), steps (T,)) as new arrays."""
        return np.stack(self.vectors), np.asarray(self.steps, dtype=np.int64)


def _loss_data(task: Any) -> tuple[torch.Tensor, torch.Tensor]:
    x, target = task.splits["train"]
    if isinstance(task, Denoises):  # a denoiser's fixed noisy inputs
        x = torch.as_tensor(task.noisy_inputs("train")).to(x.device)
    idx = torch.as_tensor(fixed_subset(len(x), MAX_SAMPLES, task.ctx.config.seed),
                          device=x.device)
    return x[idx], target[idx]


def _applies(session: Any) -> bool:
    task = session.task
    return (is_supervised(task) or isinstance(task, Denoises)) and \
        getattr(task, "splits", {}).get("train") is not None


def _create(session: Any):
    task = session.task
    recorder = WeightRecorder(sum(p.numel() for p in task.model.parameters()))
    state: dict = {"handled": 0, "capture": None}

    def compute(trainer: Any, options: dict) -> dict:
        vector = parameters_to_vector(task.model.parameters()).detach().float().cpu().numpy()
        recorder.add(trainer.step, vector.copy())
        if options["capture"] > state["handled"]:
            state["handled"] = options["capture"]
            state["capture"] = capture(task, recorder, trainer.step)
        return {"recorded": len(recorder.steps), "capture": state["capture"]}
    return compute


def capture(task: Any, recorder: WeightRecorder, step: int) -> LandscapeInputs:
    """Copy the model, loss, data and trajectory (call where the model is not being trained)."""
    model = copy.deepcopy(task.model).eval()
    x, target = _loss_data(task)
    trajectory, steps = recorder.arrays()
    return LandscapeInputs(next(_ids), model, task.loss_fn, x.clone(), target.clone(),
                           trajectory, steps, step, int(task.ctx.config.seed))


register_probe(ProbeType(
    "landscape", "Loss landscape", _applies, _create, interval=0.5, budget=0.01,
    defaults={"capture": 0},
    doc="recorded (weight records so far) and capture (LandscapeInputs of the latest "
        "configure(capture=k) request, or None)."))


# -- the computation (runs off both the UI and the trainer threads) ------------------------

def filter_normalised_direction(params: list[torch.Tensor], generator: torch.Generator
                                ) -> list[torch.Tensor]:
    """A random direction shaped like ``params``, each filter scaled to its weights' norm.

    Parameters with one dimension (biases, normalisation scales) get zeros.
    """
    out = []
    for p in params:
        if p.dim() <= 1:
            out.append(torch.zeros_like(p))
            continue
        d = torch.randn(p.shape, generator=generator, dtype=p.dtype).to(p.device)
        d_norm = d.reshape(len(d), -1).norm(dim=1).clamp_min(1e-12)
        w_norm = p.detach().reshape(len(p), -1).norm(dim=1)
        out.append(d * (w_norm / d_norm).reshape(-1, *([1] * (p.dim() - 1))))
    return out


class LandscapeJob:
    """The 2-D slice for one :class:`LandscapeInputs`.

    Parameters
    ----------
    inputs : LandscapeInputs
    resolution : int
        Grid points per axis (odd keeps the current weights on a grid point).
    span : float or None
        The grid covers ``[-span, span]`` on both axes; None: widened so the
        whole projected trajectory fits (at least 1 for random directions).
    seed : int or None
        Seed of the random directions (fixed: slices are comparable across captures);
        None: the run's training seed (``inputs.seed``).
    directions : str
        "random": two filter-normalised Gaussian directions (Li et al. section 4);
        "pca": the two principal directions of the recorded weights around the
        current ones (Li et al. section 7), which the training path lies in
        (random directions in a high-dimensional space are nearly orthogonal to it).
        "pca" falls back to "random" with fewer than 3 records.
    """

    def __init__(self, inputs: LandscapeInputs, resolution: int = 21,
                 span: float | None = None, seed: int | None = None,
                 directions: str = "random"):
        self.inputs = inputs
        self.resolution = resolution
        params = [p.detach() for p in inputs.model.parameters()]
        self.center = parameters_to_vector(params).clone()
        self.explained: np.ndarray | None = None
        if directions == "pca" and len(inputs.trajectory) >= 3:
            self.directions = "pca"
            diffs = inputs.trajectory.astype(np.float64) - self.center.double().cpu().numpy()
            _, sing, vt = np.linalg.svd(diffs, full_matrices=False)  # vt: (T, P) unit rows
            self.explained = (sing[:2] ** 2) / max(float((sing ** 2).sum()), 1e-30)
            dtype = self.center.dtype
            self.d1 = torch.as_tensor(vt[0], dtype=dtype).to(self.center.device)
            self.d2 = torch.as_tensor(vt[1], dtype=dtype).to(self.center.device)
        else:
            self.directions = "random"
            gen = torch.Generator().manual_seed(inputs.seed if seed is None else seed)
            self.d1 = parameters_to_vector(filter_normalised_direction(params, gen))
            self.d2 = parameters_to_vector(filter_normalised_direction(params, gen))
        self.path = self.project(inputs.trajectory)
        reach = float(np.abs(self.path).max()) if self.path.size else 0.0
        floor = 1.0 if self.directions == "random" else 1e-3
        self.span = span if span is not None else min(max(floor, 1.2 * reach), 50.0)

    def project(self, trajectory: np.ndarray) -> np.ndarray:
        """Least-squares coordinates (T, 2) of weight vectors (T, P) in the (d1, d2) plane."""
        if len(trajectory) == 0:
            return np.zeros((0, 2))
        a = torch.stack([self.d1, self.d2], dim=1).double().cpu().numpy()  # (P, 2)
        diff = (trajectory - self.center.double().cpu().numpy()).T  # (P, T)
        coords, *_ = np.linalg.lstsq(a, diff, rcond=None)
        return coords.T

    @torch.no_grad()
    def loss_at(self, a: float, b: float) -> float:
        """Training loss at ``center + a d1 + b d2``."""
        model = self.inputs.model
        vector_to_parameters(self.center + a * self.d1 + b * self.d2, model.parameters())
        return float(self.inputs.loss_fn(model(self.inputs.x), self.inputs.target))

    def run(self, progress: Callable[[int, int], None] | None = None,
            cancelled: Callable[[], bool] | None = None) -> dict | None:
        """Compute the grid row by row; None when ``cancelled()`` turns true.

        Returns
        -------
        dict
            alphas (n,), betas (n,), loss (n, n) with rows following beta,
            path (T, 2), path_steps (T,), center_loss, span, step, directions,
            explained (PCA share of the path's variance, or None).
        """
        n = self.resolution
        alphas = np.linspace(-self.span, self.span, n)
        betas = np.linspace(-self.span, self.span, n)
        loss = np.empty((n, n))
        try:
            for i, b in enumerate(betas):
                for j, a in enumerate(alphas):
                    loss[i, j] = self.loss_at(a, b)
                if progress is not None:
                    progress(i + 1, n)
                if cancelled is not None and cancelled():
                    return None
            center_loss = self.loss_at(0.0, 0.0)
        finally:
            vector_to_parameters(self.center, self.inputs.model.parameters())
        return {"alphas": alphas, "betas": betas, "loss": loss, "path": self.path,
                "path_steps": self.inputs.steps, "center_loss": center_loss,
                "span": self.span, "step": self.inputs.step, "directions": self.directions,
                "explained": self.explained}
