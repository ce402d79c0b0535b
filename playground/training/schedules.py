"""Learning-rate schedules, stepped once per epoch."""

from __future__ import annotations

from typing import Literal

import torch
from torch.optim import lr_scheduler

from playground.training.config import TrainingConfig


def build_schedulers(config: TrainingConfig, optimizers: list[torch.optim.Optimizer]) -> list:
    """One scheduler per optimizer for ``config.schedule`` (empty for "none")."""
    p = config.schedule_params
    es = config.early_stopping
    out: list[lr_scheduler.LRScheduler | lr_scheduler.ReduceLROnPlateau] = []
    for opt in optimizers:
        if config.schedule == "step":
            out.append(lr_scheduler.StepLR(opt, p["step_size"], p["gamma"]))
        elif config.schedule == "exponential":
            out.append(lr_scheduler.ExponentialLR(opt, p["gamma"]))
        elif config.schedule == "cosine":
            out.append(lr_scheduler.CosineAnnealingLR(opt, p["t_max"], p["eta_min"]))
        elif config.schedule == "plateau":
            mode: Literal["min", "max"] = "max" if es is not None and es.maximize else "min"
            out.append(lr_scheduler.ReduceLROnPlateau(opt, mode, p["factor"], p["patience"],
                                                      threshold=p["min_delta"],
                                                      threshold_mode="abs"))
    return out


def step_schedulers(schedulers: list, metric: float | None) -> None:
    """Advance every scheduler by one epoch (plateau ones read ``metric``)."""
    for sched in schedulers:
        if isinstance(sched, lr_scheduler.ReduceLROnPlateau):
            if metric is not None:
                sched.step(metric)
        else:
            sched.step()
