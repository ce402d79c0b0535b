"""Autoencoder task: reconstruct the input, optionally from a corrupted copy (denoising).

With ``outlier_percentile`` set, the task is also an outlier detector (ldl
ch17): a sample whose reconstruction error (mean absolute error over its
values) lies above that percentile of the training samples' errors is flagged,
and the final metrics report the threshold and, for class-labelled data, the
share of each class flagged on each split (``test_flagged_class1``...) with
its mean error (``test_error_class1``).
"""

from __future__ import annotations

import numpy as np
import torch

from playground.errors import TrainingError
from playground.params import bool_param, choice_param, float_param, str_param
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
        self._release_activity()
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
        """``initial_<split>_loss``/``_mse`` before training; ``<split>_noisy_mse`` baselines;
        the outlier metrics (see the module docstring)."""
        return {**self._reference, **self.outlier_metrics(), **self.code_metrics()}

    def sample_errors(self, split: str) -> np.ndarray:
        """Per-sample reconstruction error (mean absolute error over each sample's values)
        on ``split``'s fixed evaluation inputs: (n,) float64."""
        tensors = self.splits.get(split)
        if tensors is None:
            return np.zeros(0)
        with evaluating(self.model):
            out = self.model(self._eval_inputs[split])
        return (out - tensors[1]).abs().flatten(1).mean(dim=1).double().cpu().numpy()

    def code_metrics(self) -> dict[str, float]:
        """With ``code_node`` set: per split, the mean activation of that node's output
        (``<split>_code_mean``, of its absolute values) and the share of its values that
        are not zero (``<split>_code_active``: above 1e-6 in size)."""
        node = self.ctx.params.get("code_node")
        if not node:
            return {}
        from playground.tasks.evaluate import node_outputs

        compiled = self.compiled["model"]
        if node not in compiled.attr_names:
            raise TrainingError(f"code_node {node!r} is not a layer of the graph",
                                "task.params.code_node")
        metrics = {}
        with evaluating(self.model):
            for split, tensors in self.splits.items():
                if tensors is None:
                    continue
                codes = node_outputs(compiled, self._eval_inputs[split])[node].abs()
                metrics[f"{split}_code_mean"] = float(codes.mean())
                metrics[f"{split}_code_active"] = float((codes > 1e-6).float().mean())
        return metrics

    def outlier_threshold(self) -> float | None:
        """The error above which a sample is flagged, or None when not detecting outliers."""
        percentile = self.ctx.params.get("outlier_percentile")
        if percentile is None:
            return None
        return float(np.percentile(self.sample_errors("train"), percentile))

    def outlier_metrics(self) -> dict[str, float]:
        """``outlier_threshold``; per split and class, the flagged share and mean error."""
        threshold = self.outlier_threshold()
        if threshold is None:
            return {}
        metrics = {"outlier_threshold": threshold}
        for split, tensors in self.splits.items():
            if tensors is None:
                continue
            errors = self.sample_errors(split)
            metrics[f"{split}_flagged"] = float(np.mean(errors > threshold))
            labels = self.ctx.dataset.split(split).y
            if labels is None or self.ctx.dataset.info.target != "class":
                continue
            for k in np.unique(labels):
                mine = errors[labels == k]
                metrics[f"{split}_flagged_class{k}"] = float(np.mean(mine > threshold))
                metrics[f"{split}_error_class{k}"] = float(mine.mean())
        return metrics

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
     str_param("code_node", "", help="A layer whose outputs are the code: its mean "
               "activation and share of active units are reported (sparse autoencoders)."),
     float_param("outlier_percentile", None, 0.0, 100.0, optional=True,
                 help="Flag samples whose reconstruction error is above this percentile "
                      "of the training errors (empty: no outlier detection)."),
     float_param("delta", 1.0, 1e-6, 1e6, advanced=True)),
    AutoencoderTask, targets=("class", "regression", "none"),
    views=("loss", "samples", "latent"),
    doc="Reconstruct the input through a bottleneck; with noise, learn to denoise."))
