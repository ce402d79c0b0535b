"""What a task can do beyond training, as protocols probes and exports test for.

A probe asks ``isinstance(task, Generates)`` instead of looking for a method by
name: the contract is written down here once, type-checked, and a task that
offers an ability says so by having these members (no registration needed:
the protocols are ``runtime_checkable``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

import numpy as np
import torch
from torch import nn


@runtime_checkable
class Generates(Protocol):
    """Makes samples from noise (a GAN's generator, a VAE's decoder)."""

    latent_dim: int

    def fixed_noise(self, n: int) -> np.ndarray:
        """``n`` noise vectors, the same at every call (samples views compare over time)."""
        ...

    def generate(self, noise: np.ndarray) -> np.ndarray:
        """Samples made from ``noise`` (n, latent_dim)."""
        ...


@runtime_checkable
class Decodes(Protocol):
    """Maps latent codes back to data (a VAE): the latent view's traversal grid."""

    latent_dim: int

    def decode(self, z: np.ndarray) -> np.ndarray:
        """Data for latent codes ``z`` (n, latent_dim)."""
        ...


@runtime_checkable
class Discriminates(Protocol):
    """Scores samples as real (a GAN's discriminator): D(x)."""

    def discriminate(self, x: np.ndarray) -> np.ndarray:
        """D(x) for samples ``x``."""
        ...


@runtime_checkable
class Denoises(Protocol):
    """Trains on corrupted inputs (a denoising autoencoder)."""

    def noisy_inputs(self, split: str) -> np.ndarray:
        """The fixed corrupted inputs of ``split``."""
        ...


@runtime_checkable
class Races(Protocol):
    """Optimizers racing on an analytic surface (no network)."""

    minima: Any
    surface: Any

    def trajectories(self) -> dict[str, dict]:
        """Each racer's path so far."""
        ...

    def surface_grid(self, n: int = 200, domain: Any = None
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The surface sampled on an ``n`` x ``n`` grid."""
        ...


@runtime_checkable
class TracesSteps(Protocol):
    """Records every number of its last backprop step (the step-through tables)."""

    last_trace: Any
    order: Any


@runtime_checkable
class FitsSplits(Protocol):
    """One network trained by gradient on (inputs, targets) splits with one loss: what a
    plain PyTorch training script can reproduce."""

    model: nn.Module
    kind: str
    splits: dict[str, tuple[torch.Tensor, ...] | None]
    loss_fn: Callable[..., torch.Tensor]


@runtime_checkable
class Thresholds(Protocol):
    """Reads a single output unit as a class by a decision threshold (classification)."""

    @property
    def threshold(self) -> float:
        """Outputs above it are class 1."""
        ...
