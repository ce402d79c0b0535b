"""The fast path's losses: each copy's mean loss, and its gradient written into a buffer.

Two families:

* single (K = 1, the Trainer): the kernels autograd runs for the task's loss
  (``mse_loss_backward``, ``nll_loss_forward`` and its backward...), with the same
  arguments, so the gradient is that of ``loss.backward()`` bit for bit (and so is the
  loss, but for MSE's, taken from its gradient by one dot product: equal to rounding).
  Tensors are (B, units); cross-entropy reads class indices (B,).
* batched (K > 1): the same formulas over (K, B, units) with a mean per copy;
  cross-entropy reads one-hot targets.

A loss is ``loss(out, y, grad, scratch) -> loss``: it writes d(loss)/d(out) into ``grad``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor

from playground.training.losses import PROB_EPS

aten = torch.ops.aten
_nn = torch._C._nn


def _kernel(op: Any) -> Any:
    return getattr(op, "_op", op)


_MSE_BW = _kernel(aten.mse_loss_backward.grad_input)
_BCE_BW = _kernel(aten.binary_cross_entropy_backward.grad_input)
_NLL = _kernel(aten.nll_loss_forward.default)
_NLL_BW = _kernel(aten.nll_loss_backward.grad_input)
_LOG_SOFTMAX_BW = _kernel(aten._log_softmax_backward_data.out)
_MEAN, _NONE, _IGNORE = 1, 0, -100  # reduction codes and nll_loss's ignore_index


@dataclass
class LossScratch:
    """What a loss needs besides its output and gradient buffers, for one batch size.

    Attributes
    ----------
    count : int
        Values per copy (B * units): a mean's divisor.
    samples : int
        B: cross-entropy's divisor.
    one, half, zero : Tensor
        0-d tensors: the ``grad_output`` autograd starts from (0.5 after half-MSE's
        scaling), and a zero.
    total : callable
        Batched losses: sums a (K, B, units) tensor to (K,).
    work : list of Tensor
        Two tensors shaped like the output, for intermediate values.
    flat_grad : Tensor or None
        The gradient buffer as one vector (K = 1).
    """

    count: int
    samples: int
    one: Tensor
    half: Tensor
    zero: Tensor
    total: Callable[[Tensor], Tensor]
    work: list[Tensor] = field(default_factory=list)
    flat_grad: Tensor | None = None
    #: 0-d tensors count / 4 and count / 2: MSE's and half-MSE's loss from the dot product
    #: of their gradient (a 0-d tensor factor costs half a Python number's wrapping).
    mse_scales: tuple[Tensor, Tensor] | None = None


LossFn = Callable[[Tensor, Tensor, Tensor, LossScratch], Tensor]


# -- single: autograd's own kernels ------------------------------------------------------------

def _mse_single(out: Tensor, y: Tensor, grad: Tensor, s: LossScratch) -> Tensor:
    _MSE_BW(s.one, out, y, _MEAN, grad_input=grad)  # 2 (out - y) / n
    # The loss from its gradient: one dot product instead of mse_loss's elementwise pass
    # and reduction (the value feeds only the curves; equal to rounding).
    flat = s.flat_grad if s.flat_grad is not None else grad.reshape(-1)
    if s.mse_scales is not None:
        return torch.dot(flat, flat).mul_(s.mse_scales[0])
    return torch.dot(flat, flat) * (s.count / 4.0)


def _half_mse_single(out: Tensor, y: Tensor, grad: Tensor, s: LossScratch) -> Tensor:
    _MSE_BW(s.half, out, y, _MEAN, grad_input=grad)  # 0.5 * mse's grad_output is 0.5
    flat = s.flat_grad if s.flat_grad is not None else grad.reshape(-1)
    if s.mse_scales is not None:  # grad is (out - y) / n
        return torch.dot(flat, flat).mul_(s.mse_scales[1])
    return torch.dot(flat, flat) * (s.count / 2.0)


def _bce_probabilities_single(p: Tensor, y: Tensor, grad: Tensor, s: LossScratch) -> Tensor:
    # F.binary_cross_entropy: logs capped at -100; its backward divides by max(p(1-p), 1e-12).
    _BCE_BW(s.one, p, y, None, _MEAN, grad_input=grad)
    try:
        return _nn.binary_cross_entropy(p, y, None, _MEAN)  # type: ignore[arg-type]
    except RuntimeError:  # a NaN probability (the kernel refuses it): the run diverged
        if not bool(torch.isnan(p).any()):
            raise
        grad.fill_(float("nan"))
        return torch.full((), float("nan"), dtype=p.dtype, device=p.device)


def _bce_logits_single(z: Tensor, y: Tensor, grad: Tensor, s: LossScratch) -> Tensor:
    torch.sigmoid(z, out=grad)
    grad.sub_(y).div_(s.count)  # autograd's (sigmoid(z) - y) * 1 / numel
    return torch.binary_cross_entropy_with_logits(z, y, None, None, _MEAN)


def _cross_entropy_logits_single(z: Tensor, target: Tensor, grad: Tensor,
                                 s: LossScratch) -> Tensor:
    log_p, nll_grad = s.work
    torch._log_softmax(z, 1, False, out=log_p)
    loss, total_weight = _NLL(log_p, target, None, _MEAN, _IGNORE)
    _NLL_BW(s.one, log_p, target, None, _MEAN, _IGNORE, total_weight, grad_input=nll_grad)
    _LOG_SOFTMAX_BW(nll_grad, log_p, 1, z.dtype, out=grad)
    return loss


def _cross_entropy_probabilities_single(p: Tensor, target: Tensor, grad: Tensor,
                                        s: LossScratch) -> Tensor:
    # As losses._cross_entropy: nll(log(clamp(p, eps, 1 - eps))); the clamp passes no
    # gradient where it bites.
    clamped, nll_grad = s.work
    torch.clamp(p, PROB_EPS, 1.0 - PROB_EPS, out=clamped)
    log_p = torch.log(clamped)
    loss, total_weight = _NLL(log_p, target, None, _MEAN, _IGNORE)
    _NLL_BW(s.one, log_p, target, None, _MEAN, _IGNORE, total_weight, grad_input=nll_grad)
    inside = (p >= PROB_EPS).logical_and_(p <= 1.0 - PROB_EPS)
    torch.where(inside, nll_grad.div_(clamped), s.zero, out=grad)
    return loss


# -- batched: the same kernels, a mean per copy ------------------------------------------------
# Each copy's gradient is computed as the single form computes it (the same scalars, in the
# same order); only the losses' values are summed per copy.

def _mse_batched(out: Tensor, y: Tensor, grad: Tensor, s: LossScratch) -> Tensor:
    torch.sub(out, y, out=grad)
    loss = s.total(grad * grad) / s.count
    grad.mul_(2.0 / s.count)  # mse_loss_backward: (2 / numel) * (out - y) * grad_output
    return loss


def _half_mse_batched(out: Tensor, y: Tensor, grad: Tensor, s: LossScratch) -> Tensor:
    torch.sub(out, y, out=grad)
    loss = s.total(grad * grad) / s.count * 0.5
    grad.mul_(2.0 / s.count).mul_(0.5)
    return loss


def _bce_probabilities_batched(p: Tensor, y: Tensor, grad: Tensor, s: LossScratch) -> Tensor:
    # binary_cross_entropy's formula, written out: its kernel refuses a NaN input, and one
    # diverged copy must not stop the others.
    log_p = torch.log(p).clamp_min_(-100.0)
    log_q = torch.log(1.0 - p).clamp_min_(-100.0)
    loss = s.total((y - 1.0) * log_q - y * log_p) / s.count
    _BCE_BW(s.one, p, y, None, _NONE, grad_input=grad)
    grad.div_(s.count)
    return loss


def _bce_logits_batched(z: Tensor, y: Tensor, grad: Tensor, s: LossScratch) -> Tensor:
    loss = s.total(torch.binary_cross_entropy_with_logits(z, y, None, None, _NONE)) / s.count
    torch.sigmoid(z, out=grad)
    grad.sub_(y).div_(s.count)
    return loss


def _cross_entropy_logits_batched(z: Tensor, onehot: Tensor, grad: Tensor,
                                  s: LossScratch) -> Tensor:
    log_p, nll_grad = s.work
    torch._log_softmax(z, -1, False, out=log_p)
    loss = s.total(log_p * onehot) / -s.samples
    torch.mul(onehot, -1.0 / s.samples, out=nll_grad)  # nll_loss_backward: -1 / B at targets
    _LOG_SOFTMAX_BW(nll_grad, log_p, -1, z.dtype, out=grad)
    return loss


def _cross_entropy_probabilities_batched(p: Tensor, onehot: Tensor, grad: Tensor,
                                         s: LossScratch) -> Tensor:
    clamped, nll_grad = s.work
    torch.clamp(p, PROB_EPS, 1.0 - PROB_EPS, out=clamped)
    loss = s.total(torch.log(clamped) * onehot) / -s.samples
    torch.mul(onehot, -1.0 / s.samples, out=nll_grad)
    inside = (p >= PROB_EPS).logical_and_(p <= 1.0 - PROB_EPS)
    torch.where(inside, nll_grad.div_(clamped), s.zero, out=grad)
    return loss


def residual_step(out: Tensor, y: Tensor, residual: Tensor, grad: Tensor,
                  scale: float) -> None:
    """The per-step half of a batched mean-squared loss: ``residual = out - y`` (kept for
    :func:`residual_losses`) and ``grad = residual * scale``.

    With ``scale`` 2 / count (MSE) the gradient is :func:`_mse_batched`'s; with 1 / count
    (half-MSE) it is :func:`_half_mse_batched`'s too, bit for bit: ``r * (2/n) * 0.5`` and
    ``r * (1/n)`` round alike (scaling by 2 is exact).
    """
    torch.sub(out, y, out=residual)
    torch.mul(residual, scale, out=grad)


def residual_loss_single(out: Tensor, y: Tensor, residual: Tensor, flat: Tensor,
                         scale: Tensor) -> Tensor:
    """K = 1, plain SGD: ``residual = out - y`` as the output's gradient, unscaled, and the
    loss ``sum(r * r) * scale`` (0-d ``scale`` = residual_scale / (2 * count)).

    The gradient's factor ``residual_scale / count`` is applied once, in the SGD step's
    ``alpha`` (every later gradient is linear in this one), so the step costs one
    subtraction where ``mse_loss_backward`` broadcasts three operands: equal to
    autograd's update to rounding, like the rest of the folded SGD step.
    """
    torch.sub(out, y, out=residual)
    return torch.dot(flat, flat).mul_(scale)


def residual_losses(residuals: Tensor, bounds: list[tuple[int, int]], residual_scale: float
                    ) -> Tensor:
    """Every step's loss of an epoch at once from its residuals (K, N, units): (K, steps).

    Step j covered rows ``bounds[j]``; its loss is ``sum(r * r) / count`` (MSE,
    ``residual_scale`` 2) or half that (half-MSE, 1), as the batched losses compute it
    per step.
    """
    squares = residuals * residuals
    k, n = squares.shape[:2]
    sizes = {b - a for a, b in bounds}
    if len(sizes) == 1 and bounds[-1][1] == n:  # equal batches: one reduction
        sums = squares.view(k, len(bounds), -1).sum(-1)
    else:
        sums = torch.stack([squares[:, a:b].sum((1, 2)) for a, b in bounds], 1)
    count = (bounds[0][1] - bounds[0][0]) * squares.shape[2]
    if len(sizes) == 1:
        sums.div_(count)
    else:
        sums.div_(torch.tensor([(b - a) * squares.shape[2] for a, b in bounds],
                               dtype=sums.dtype, device=sums.device))
    return sums if residual_scale == 2.0 else sums.mul_(0.5)


#: (loss id, reads probabilities) -> (single, batched).
_LOSSES: dict[tuple[str, bool], tuple[LossFn, LossFn]] = {
    ("mse", False): (_mse_single, _mse_batched),
    ("half_mse", False): (_half_mse_single, _half_mse_batched),
    ("bce", True): (_bce_probabilities_single, _bce_probabilities_batched),
    ("bce", False): (_bce_logits_single, _bce_logits_batched),
    ("cross_entropy", True): (_cross_entropy_probabilities_single,
                              _cross_entropy_probabilities_batched),
    ("cross_entropy", False): (_cross_entropy_logits_single, _cross_entropy_logits_batched),
}

#: Losses the fast path computes (the task's registry ids).
FUSED_LOSSES = ("mse", "half_mse", "bce", "cross_entropy")


@dataclass(frozen=True)
class FusedLoss:
    """A loss in both forms.

    Attributes
    ----------
    id : str
        The task's loss id.
    index_targets : bool
        The single form reads class indices (cross-entropy); the batched form one-hot rows.
    single, batched : callable
    residual_scale : float or None
        For MSE (2) and half-MSE (1): the gradient is ``residual * residual_scale / count``,
        so a batched step can keep only its residuals (:func:`residual_step`) and an epoch's
        losses be computed in one pass (:func:`residual_losses`).
    """

    id: str
    index_targets: bool
    single: LossFn
    batched: LossFn
    residual_scale: float | None = None


def fused_loss(loss_id: str, probabilities: bool) -> FusedLoss | None:
    """The fused loss for a task's loss id and output kind, None when there is none."""
    key = (loss_id, probabilities if loss_id in ("bce", "cross_entropy") else False)
    found = _LOSSES.get(key)
    if found is None:
        return None
    residual = {"mse": 2.0, "half_mse": 1.0}.get(loss_id)
    return FusedLoss(loss_id, loss_id == "cross_entropy", *found, residual)
