"""Autoencoder task: reconstruct the input, optionally from a corrupted copy (denoising)."""

from __future__ import annotations

import numpy as np
import torch

from playground.errors import TrainingError
from playground.params import bool_param, choice_param, float_param
from playground.tasks.base import (
    TaskContext,
    TaskType,
    apply_update,
    evaluating,
    register_task,
    to_tensor,
)
from playground.tasks.supervised import GradientTask

NOISES = ("none", "gaussian", "masking", "salt_pepper")


def corrupt(x: torch.Tensor, how: str, level: float, clip: bool,
            generator: torch.Generator | None = None) -> torch.Tensor:
    """A corrupted copy of ``x``.

    gaussian adds N(0, level^2); masking zeroes each value with probability
    ``level``; salt_pepper sets each value to 0 or 1 with probability ``level``.
    ``clip`` keeps results in [0, 1] (for pixel data).
    """
    if how == "none" or level == 0:
        return x
    if how == "gaussian":
        noise = torch.randn(x.shape, generator=generator, device="cpu").to(x.device)
        out = x + level * noise
    else:
        u = torch.rand(x.shape, generator=generator, device="cpu").to(x.device)
        if how == "masking":
            out = x * (u >= level)
        else:
            coin = torch.rand(x.shape, generator=generator, device="cpu").to(x.device) < 0.5
            out = torch.where(u < level, coin.to(x.dtype), x)
    return out.clamp(0.0, 1.0) if clip else out


class AutoencoderTask(GradientTask):
    """Targets are the inputs; with noise, the model sees a corrupted input."""

    def __init__(self, ctx: TaskContext):
        super().__init__(ctx)
        if tuple(self.out_shape) != tuple(ctx.dataset.input_shape):
            where = f"node '{self.compiled['model'].output_nodes[0]}'"
            raise TrainingError(
                f"an autoencoder must output the input's shape "
                f"(N, {', '.join(map(str, ctx.dataset.input_shape))}) but the Output gets "
                f"(N, {', '.join(map(str, self.out_shape))})", where)
        p = ctx.params
        self._noise = (p["noise"], p["noise_level"], p["clip"])
        # Evaluation corrupts with a fixed generator so validation numbers are comparable.
        self._eval_inputs = {name: self._fixed_noisy(t[0], i)
                             for i, (name, t) in enumerate(self.splits.items()) if t is not None}
        # The untrained model's numbers and, for denoising, the "return the noisy input"
        # baseline: what presets compare the trained model with.
        self._reference = {f"initial_{k}": v for k, v in self.evaluate().items()}
        if p["noise"] != "none" and p["noise_level"] > 0:
            for name, tensors in self.splits.items():
                if tensors is not None:
                    noisy_mse = ((self._eval_inputs[name] - tensors[1]) ** 2).mean()
                    self._reference[f"{name}_noisy_mse"] = float(noisy_mse)

    def _tensors(self, name: str):
        part = self.ctx.dataset.split(name)
        if len(part) == 0:
            return None
        x = to_tensor(part.x, self.ctx.device)
        return (x, x)

    def _fixed_noisy(self, x: torch.Tensor, index: int) -> torch.Tensor:
        gen = torch.Generator().manual_seed(self.ctx.config.seed * 31 + index)
        return corrupt(x, *self._noise, generator=gen)

    def train_step(self) -> torch.Tensor:
        x, target = self.batches.next()
        noisy = corrupt(x, *self._noise)
        self.optimizer.zero_grad(set_to_none=True)
        loss = self.loss_fn(self.model(noisy), target)
        apply_update(self._with_penalty(loss), self.optimizer, self.model, self._clip)
        return loss.detach()

    def evaluate(self) -> dict[str, float]:
        metrics = {}
        with evaluating(self.model):
            for name, tensors in self.splits.items():
                if tensors is None:
                    continue
                out = self.model(self._eval_inputs[name])
                metrics[f"{name}_loss"] = float(self.loss_fn(out, tensors[1]))
                metrics[f"{name}_mse"] = float(((out - tensors[1]) ** 2).mean())
        return metrics

    def final_metrics(self) -> dict[str, float]:
        """``initial_<split>_loss``/``_mse`` before training; ``<split>_noisy_mse`` baselines."""
        return dict(self._reference)

    def noisy_inputs(self, split: str) -> np.ndarray:
        """The fixed corrupted inputs used for evaluation (for the samples view)."""
        return self._eval_inputs[split].cpu().numpy()

    def _targets(self, y):  # unused: targets are the inputs
        raise AssertionError


register_task(TaskType(
    "autoencoder", "Autoencoder",
    (choice_param("loss", "mse", ("mse", "bce", "mae", "huber")),
     choice_param("noise", "none", NOISES, help="Corrupt inputs for a denoising autoencoder."),
     float_param("noise_level", 0.0, 0.0, 10.0,
                 help="Std for gaussian; probability for masking and salt & pepper."),
     bool_param("clip", True, help="Keep corrupted inputs in [0, 1]."),
     float_param("delta", 1.0, 1e-6, 1e6, advanced=True)),
    AutoencoderTask, targets=("class", "regression", "none"),
    views=("loss", "samples", "latent"),
    doc="Reconstruct the input through a bottleneck; with noise, learn to denoise."))
