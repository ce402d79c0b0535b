"""The fast path's update: L1/L2 penalty gradients, gradient clipping, SGD and Adam(W).

Each mirrors, operation for operation, what the autograd path runs:
``weight_penalty`` (playground/tasks/base.py), ``clip_grad_norm_`` and
``torch.optim``'s single-tensor SGD and Adam, with the hyperparameters read
from the optimizer's param group at every step (so live changes and
schedules apply as they do there). For K = 1 the kernels are the same, so
are the numbers; for K > 1 tensors carry a leading copy axis and each copy
is clipped by its own norm.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

#: Optimizers the fast path runs (registry ids).
FUSED_OPTIMIZERS = ("sgd", "adam", "adamw")


class Slot:
    """One trainable parameter as the fused optimizer sees it.

    Parameters
    ----------
    value : Tensor
        The parameter (K = 1: the model's own, detached), or all copies' (K, ...).
    grad : Tensor
        Where the backward writes its gradient (same shape).
    is_weight : bool
        A weight matrix (penalised by L1/L2), not a bias.
    storage_shape : tuple
        Shape of the state tensors as stored: the parameter's own for K = 1 (what
        ``torch.optim`` keeps), the batched shape otherwise.
    to_batched : callable
        Stored state tensor -> the view the update works on (``value``'s shape).
    torch_state : dict, optional
        The optimizer's state for this parameter (``optimizer.state[p]``): state
        tensors are created there, so checkpoints and the autograd path see them.

    Attributes
    ----------
    state : dict
        State name -> batched view (``exp_avg``, ``momentum_buffer``...).
    step : float
        Adam's step count (kept here; written to ``torch_state["step"]`` by :meth:`sync`).
    """

    def __init__(self, value: Tensor, grad: Tensor, is_weight: bool, storage_shape: tuple,
                 to_batched: Callable[[Tensor], Tensor], torch_state: dict | None = None):
        self.value, self.grad, self.is_weight = value, grad, is_weight
        self.storage_shape = storage_shape
        self.to_batched = to_batched
        self.torch_state = torch_state
        self.state: dict[str, Tensor] = {}
        self.step = 0.0
        if torch_state is not None:
            for name, tensor in torch_state.items():
                if name == "step":
                    self.step = float(tensor)
                elif isinstance(tensor, Tensor) and tuple(tensor.shape) == storage_shape:
                    self.state[name] = to_batched(tensor)

    def owner_state(self) -> dict | None:
        """The dict new state tensors go into (the optimizer's), None when there is none."""
        return self.torch_state

    def new_state(self, name: str, like: Tensor | None = None) -> Tensor:
        """Create state ``name`` (zeros, or a copy of the batched tensor ``like``)."""
        if like is None:
            stored = torch.zeros(self.storage_shape, dtype=self.value.dtype,
                                 device=self.value.device)
        else:
            stored = like.detach().reshape(self.storage_shape).clone()
        owner = self.owner_state()
        if owner is not None:
            owner[name] = stored
        view = self.state[name] = self.to_batched(stored)
        return view

    def new_step(self) -> None:
        """Start Adam's step count (a float32 scalar in the optimizer's state, as torch.optim)."""
        self.step = 0.0
        owner = self.owner_state()
        if owner is not None:
            owner["step"] = torch.tensor(0.0)

    def sync(self) -> None:
        """Write the step count into the optimizer's state (before it is read or saved)."""
        if self.torch_state is not None and "step" in self.torch_state:
            self.torch_state["step"].fill_(self.step)


def add_penalty(slots: list[Slot], l1: float, l2: float) -> None:
    """Add the gradient of ``l1 * sum|W| + l2 * sum W^2`` (weights only, as Keras).

    Summed as autograd sums the three gradients that reach a weight (the L2 term's,
    then the L1 term's, then the loss's), so the numbers are the same.
    """
    for s in slots:
        if not s.is_weight:
            continue
        if l2:
            penalty = torch.mul(s.value, 2.0 * l2)
            if l1:
                penalty.add_(torch.sign(s.value), alpha=l1)
            s.grad.add_(penalty)
        elif l1:
            s.grad.add_(torch.sign(s.value), alpha=l1)


def clip_gradients(slots: list[Slot], max_norm: float, batched: bool) -> None:
    """Scale each copy's gradients so their global 2-norm is at most ``max_norm``.

    Unbatched (K = 1), with ``clip_grad_norm_``'s own kernels: the same numbers.
    """
    grads = [s.grad for s in slots]
    if not batched:
        total = torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads, 2.0)), 2.0)
        torch._foreach_mul_(grads, torch.clamp(max_norm / (total + 1e-6), max=1.0))
        return
    norms = torch.stack([torch.linalg.vector_norm(g, dim=tuple(range(1, g.dim())))
                         for g in grads])  # (params, K)
    total = torch.linalg.vector_norm(norms, dim=0)  # (K,)
    coef = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    for g in grads:
        g.mul_(coef.view(-1, *([1] * (g.dim() - 1))))


def sgd_step(slots: list[Slot], group: dict) -> None:
    """``torch.optim.SGD``'s update with the group's lr, momentum, dampening, nesterov, decay."""
    lr, momentum, wd = group["lr"], group["momentum"], group["weight_decay"]
    dampening, nesterov = group["dampening"], group["nesterov"]
    for s in slots:
        grad = s.grad
        if wd:
            grad.add_(s.value, alpha=wd)
        if momentum:
            buf = s.state.get("momentum_buffer")
            if buf is None:
                buf = s.new_state("momentum_buffer", like=grad)
            else:
                buf.mul_(momentum).add_(grad, alpha=1 - dampening)
            if nesterov:
                grad.add_(buf, alpha=momentum)
            else:
                grad = buf
        s.value.add_(grad, alpha=-lr)


def adam_step(slots: list[Slot], group: dict, scratch: list[Tensor]) -> None:
    """``torch.optim.Adam`` / ``AdamW``'s update (single-tensor form), bias-corrected.

    ``scratch`` holds one tensor per slot for the denominator.
    """
    lr, wd, eps = group["lr"], group["weight_decay"], group["eps"]
    beta1, beta2 = group["betas"]
    decoupled, amsgrad = group.get("decoupled_weight_decay", False), group["amsgrad"]
    for s, denom in zip(slots, scratch):
        exp_avg = s.state.get("exp_avg")
        if exp_avg is None:  # first step: torch.optim creates the state lazily too
            s.new_step()
            exp_avg = s.new_state("exp_avg")
            s.new_state("exp_avg_sq")
        exp_avg_sq = s.state["exp_avg_sq"]
        s.step += 1
        grad = s.grad
        if wd:
            if decoupled:
                s.value.mul_(1 - lr * wd)
            else:
                grad.add_(s.value, alpha=wd)
        exp_avg.lerp_(grad, 1 - beta1)
        exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        bias_correction1 = 1 - beta1 ** s.step
        bias_correction2_sqrt = (1 - beta2 ** s.step) ** 0.5
        if amsgrad:
            peak = s.state.get("max_exp_avg_sq")
            if peak is None:
                peak = s.new_state("max_exp_avg_sq")
            torch.maximum(peak, exp_avg_sq, out=peak)
            torch.sqrt(peak, out=denom)
        else:
            torch.sqrt(exp_avg_sq, out=denom)
        denom.div_(bias_correction2_sqrt).add_(eps)
        s.value.addcdiv_(exp_avg, denom, value=-lr / bias_correction1)


def optimizer_step(kind: str, slots: list[Slot], group: dict, scratch: list[Tensor]) -> None:
    """One update of ``kind`` ("sgd", "adam" or "adamw") from the slots' gradients."""
    if kind == "sgd":
        sgd_step(slots, group)
    else:
        adam_step(slots, group, scratch)


def folds_into_backward(kind: str, group: dict, penalty: bool, clip: float | None) -> bool:
    """True when the update is plain SGD: the backward can step the weights itself."""
    return kind == "sgd" and not penalty and clip is None and not group["momentum"] \
        and not group["weight_decay"]
