"""The two timed loops every throughput benchmark compares: the Trainer and a bare PyTorch loop.

Both return (steps per wall second, steps per CPU second); ``cpu_clock`` is
``time.thread_time`` (the training thread alone) or ``time.process_time`` (the
whole process, when other threads' work should count against the Trainer).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import torch
from torch import nn


def time_trainer(session, seconds: float, calibrate_epochs: int,
                 cpu_clock: Callable[[], float] = time.thread_time) -> tuple[float, float]:
    """``Trainer.run`` over about ``seconds``, after ``calibrate_epochs`` epochs that measure
    the rate (snapshots and any attached probes included)."""
    trainer = session.trainer
    per_epoch = session.task.steps_per_epoch()
    start, step0 = time.perf_counter(), trainer.step
    trainer.run(epochs=trainer.epoch + calibrate_epochs)
    rate = (trainer.step - step0) / (time.perf_counter() - start)
    epochs = max(1, int(rate * seconds / per_epoch))
    start, cpu, step0 = time.perf_counter(), cpu_clock(), trainer.step
    trainer.run(epochs=trainer.epoch + epochs)
    steps = trainer.step - step0
    return steps / (time.perf_counter() - start), steps / (cpu_clock() - cpu)


def time_loop(model: nn.Module, optimizer: torch.optim.Optimizer, loss_fn: nn.Module,
              x: torch.Tensor, y: torch.Tensor, batch: int, seconds: float,
              cpu_clock: Callable[[], float] = time.thread_time) -> tuple[float, float]:
    """A hand-written loop over ``seconds``: shuffled mini-batches of ``batch`` (the whole
    set, unshuffled, when ``batch`` covers it), zero_grad / forward / backward / step."""
    n = len(x)
    gen = torch.Generator().manual_seed(0)
    steps, start, cpu = 0, time.perf_counter(), cpu_clock()
    while time.perf_counter() - start < seconds:
        if batch >= n:
            batches = [(x, y)]
        else:
            perm = torch.randperm(n, generator=gen)
            batches = ((x[perm[i:i + batch]], y[perm[i:i + batch]]) for i in range(0, n, batch))
        for xb, yb in batches:
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            steps += 1
    return steps / (time.perf_counter() - start), steps / (cpu_clock() - cpu)
