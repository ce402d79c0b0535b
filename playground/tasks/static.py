"""Tasks that compute instead of train: a formula or an algorithm shown on fixed numbers.

dlpi's chapter 5 and 6 examples without training (the positional-encoding
table, Nadaraya-Watson kernel regression, beam search over a probability
tree) still run like any project: one "epoch" computes the result, its
numbers become metrics and arrays for the preset's checks, and probes hand
it to their views. :class:`StaticTask` is their common ground.
"""

from __future__ import annotations

import numpy as np
import torch

from playground.tasks.base import Task


class StaticTask(Task):
    """One step per epoch that trains nothing; the step's "loss" is :meth:`loss_value`."""

    default_monitor = "loss"

    def steps_per_epoch(self) -> int:
        return 1

    def train_step(self) -> torch.Tensor:
        return torch.tensor(self.loss_value())

    def loss_value(self) -> float:
        """The number the loss curve shows (default 0: nothing is minimised)."""
        return 0.0

    def evaluate(self) -> dict[str, float]:
        return {}

    def arrays(self) -> dict[str, np.ndarray]:
        """Named arrays for ``array`` checks (override)."""
        return {}

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass
