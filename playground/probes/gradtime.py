"""Gradient through time: how strongly the loss reaches back to each input step.

For a network reading sequences (N, steps, features) in a supervised task:
the loss on a fixed batch, differentiated with respect to the *inputs*, and
the norm of that gradient at each time step, averaged over the batch. A plain
RNN's gradient shrinks step by step going back in time (vanishing gradients,
ldl ch10 and dlpi 5.4): the first steps hardly change the loss, so the network
cannot learn what they said. An LSTM's cell carries it back undiminished
(the constant error carousel).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from playground.probes.base import ProbeType, register_probe

#: Sequences in the fixed batch the gradient is taken on.
BATCH = 64


def _applies(session: Any) -> bool:
    from playground.probes.common import is_supervised

    ds = session.dataset
    return ds is not None and len(ds.input_shape) == 2 and is_supervised(session.task)


def input_gradient_norms(model: torch.nn.Module, loss_fn: Any, x: torch.Tensor,
                         y: torch.Tensor) -> np.ndarray:
    """Mean over the batch of ``|d loss / d x[:, t, :]|`` for every step t: (steps,).

    The model runs in evaluation mode (no dropout); autograd is switched on for
    this one pass whatever the caller's mode.
    """
    was_training = model.training
    model.eval()
    try:
        with torch.enable_grad():
            inputs = x.detach().clone().requires_grad_(True)
            loss = loss_fn(model(inputs), y)
            (grad,) = torch.autograd.grad(loss, inputs)  # (N, steps, features)
    finally:
        model.train(was_training)
    # The batch mean already divides the gradient by N; scale back to a per-sample size.
    per_step = grad.norm(dim=2) * len(x)  # (N, steps)
    return per_step.mean(dim=0).double().cpu().numpy()


def _create(session: Any):
    task = session.task
    split = next(name for name in ("val", "test", "train") if task.splits.get(name) is not None)
    x, y = task.splits[split]
    x, y = x[:BATCH], y[:BATCH]

    def compute(trainer: Any, options: dict) -> dict:
        norms = input_gradient_norms(task.model, task.loss_fn, x, y)
        return {"norms": norms, "steps": np.arange(len(norms)), "split": split,
                "count": len(x)}
    return compute


register_probe(ProbeType(
    "gradtime", "Gradient through time", _applies, _create, interval=0.2, budget=0.03,
    doc="norms (steps,): mean |d loss / d input| per time step on a fixed batch of the "
        "split (val, else test, else train); steps (steps,); split; count."))
