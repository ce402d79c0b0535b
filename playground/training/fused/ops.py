"""The fast path's elementwise pieces: activations and losses, forward and backward by hand.

Each backward is the ATen kernel autograd itself calls for that function
(``tanh_backward``, ``threshold_backward``...), so the fused step computes
what ``loss.backward()`` would, up to the order of a few float additions.
Every function takes an ``out`` tensor to write into (a preallocated buffer),
and works on any leading batch shape: (N, units) or (K, B, units).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import torch
from torch import Tensor

from playground.training.losses import PROB_EPS

aten = torch.ops.aten
_nn = torch._C._nn


@dataclass(frozen=True)
class Activation:
    """One activation function.

    Attributes
    ----------
    forward : callable
        ``forward(z, *args, out=None)``: a torch function (``out`` may be ``z`` itself).
    backward : callable
        ``backward(grad_out, z, a, args, out) -> call``: a prepared zero-argument call that
        writes the gradient with respect to the input ``z`` into ``out``, from the gradient
        with respect to the output ``a``.
    reads_input : bool
        The backward needs ``z`` itself (the forward cannot overwrite it).
    """

    forward: Callable[..., Tensor]
    backward: Callable[[Tensor, Tensor, Tensor, tuple, Tensor], Callable[[], Tensor]]
    reads_input: bool = False

    def apply(self, z: Tensor, args: tuple = ()) -> Tensor:
        """The activation of ``z`` as a new tensor."""
        return self.forward(z, *args)

    def prepare(self, z: Tensor, args: tuple, out: Tensor) -> Callable[[], Tensor]:
        """A zero-argument call writing the activation of ``z`` into ``out``."""
        return partial(self.forward, z, *args, out=out)


def _kernel(op: Any) -> Any:
    """The C++ callable of an ATen overload (skips a Python layer on every call)."""
    return getattr(op, "_op", op)


def _gelu(z: Tensor, approximate: str, out: Tensor | None = None) -> Tensor:
    return _nn.gelu(z, approximate=approximate, out=out)


def _relu(z: Tensor, out: Tensor | None = None) -> Tensor:
    return torch.clamp_min(z, 0.0, out=out)


_TANH_BW = _kernel(aten.tanh_backward.grad_input)
_SIGMOID_BW = _kernel(aten.sigmoid_backward.grad_input)
_THRESHOLD_BW = _kernel(aten.threshold_backward.grad_input)
_LEAKY_BW = _kernel(aten.leaky_relu_backward.grad_input)
_ELU_BW = _kernel(aten.elu_backward.grad_input)
_GELU_BW = _kernel(aten.gelu_backward.grad_input)
_SOFTPLUS_BW = _kernel(aten.softplus_backward.grad_input)
_SOFTMAX_BW = _kernel(aten._softmax_backward_data.out)

#: Activation id (as :class:`~playground.training.fused.chain.Stage` names it) -> functions.
#: A stage's ``args`` are the forward's extra arguments. Backwards read the result where
#: autograd can (relu, tanh, sigmoid...), so the forward may run in place; gelu and softplus
#: read their input.
ACTIVATIONS: dict[str, Activation] = {
    "tanh": Activation(torch.tanh,
                       lambda g, z, a, args, out: partial(_TANH_BW, g, a, grad_input=out)),
    "sigmoid": Activation(torch.sigmoid,
                          lambda g, z, a, args, out: partial(_SIGMOID_BW, g, a, grad_input=out)),
    "relu": Activation(_relu,
                       lambda g, z, a, args, out: partial(_THRESHOLD_BW, g, a, 0.0,
                                                          grad_input=out)),
    # args (slope,); with a slope >= 0 the output has the input's sign, so the result decides.
    "leaky_relu": Activation(_nn.leaky_relu,
                             lambda g, z, a, args, out: partial(_LEAKY_BW, g, a, args[0], True,
                                                                grad_input=out)),
    # args (alpha, scale, input scale); SELU is ELU with its constants.
    "elu": Activation(_nn.elu,
                      lambda g, z, a, args, out: partial(_ELU_BW, g, *args, True, a,
                                                         grad_input=out)),
    "gelu": Activation(_gelu,  # args (approximate,)
                       lambda g, z, a, args, out: partial(_GELU_BW, g, z, approximate=args[0],
                                                          grad_input=out),
                       reads_input=True),
    "softplus": Activation(_nn.softplus,  # args (beta, threshold)
                           lambda g, z, a, args, out: partial(_SOFTPLUS_BW, g, z, *args,
                                                              grad_input=out),
                           reads_input=True),
    "softmax": Activation(torch._softmax,  # args (-1, False): the last axis
                          lambda g, z, a, args, out: partial(_SOFTMAX_BW, g, a, -1, a.dtype,
                                                             grad_input=out)),
}


# -- losses ----------------------------------------------------------------------------------

_BCE_BW = _kernel(aten.binary_cross_entropy_backward.grad_input)


@dataclass
class LossScratch:
    """What a loss needs besides its output buffer, for one batch size.

    Attributes
    ----------
    total : callable
        Sums a (K, B, units) tensor per copy: to (K,), or to a scalar when K is 1.
    per_value : float
        1 / (B * units): the mean over one copy's outputs.
    per_sample : float
        1 / B: the mean over one copy's samples (cross-entropy).
    per_value_tensor : Tensor
        ``per_value`` as a 0-d tensor (a kernel's ``grad_output``).
    """

    total: Callable[[Tensor], Tensor]
    per_value: float
    per_sample: float
    per_value_tensor: Tensor


#: ``loss(out, y, grad, scratch) -> loss``: writes d(loss)/d(out) into ``grad`` and returns
#: each copy's mean loss. ``y`` is float: values, 0/1, -1/+1, or one-hot for cross-entropy.
LossFn = Callable[[Tensor, Tensor, Tensor, LossScratch], Tensor]


def _mse(out: Tensor, y: Tensor, grad: Tensor, s: LossScratch) -> Tensor:
    torch.sub(out, y, out=grad)
    loss = s.total(grad * grad) * s.per_value
    grad.mul_(2.0 * s.per_value)
    return loss


def _half_mse(out: Tensor, y: Tensor, grad: Tensor, s: LossScratch) -> Tensor:
    torch.sub(out, y, out=grad)
    loss = s.total(grad * grad) * (0.5 * s.per_value)
    grad.mul_(s.per_value)
    return loss


def _bce_probabilities(p: Tensor, y: Tensor, grad: Tensor, s: LossScratch) -> Tensor:
    # F.binary_cross_entropy: logs capped at -100; its backward divides by max(p(1-p), 1e-12).
    loss = s.total(_nn.binary_cross_entropy(p, y, None, 0)) * s.per_value
    _BCE_BW(s.per_value_tensor, p, y, None, 0, grad_input=grad)
    return loss


def _bce_logits(z: Tensor, y: Tensor, grad: Tensor, s: LossScratch) -> Tensor:
    loss = s.total(torch.binary_cross_entropy_with_logits(z, y, None, None, 0)) * s.per_value
    torch.sigmoid(z, out=grad)
    grad.sub_(y).mul_(s.per_value)
    return loss


def _cross_entropy_logits(z: Tensor, onehot: Tensor, grad: Tensor, s: LossScratch) -> Tensor:
    torch._log_softmax(z, -1, False, out=grad)  # log-probabilities, then turned into the grad
    loss = s.total(grad * onehot) * -s.per_sample
    grad.exp_().sub_(onehot).mul_(s.per_sample)  # softmax - onehot, over the batch
    return loss


def _cross_entropy_probabilities(p: Tensor, onehot: Tensor, grad: Tensor,
                                 s: LossScratch) -> Tensor:
    # As losses._cross_entropy: nll(log(clamp(p, eps, 1 - eps))); the clamp passes no gradient
    # where it bites.
    clamped = p.clamp(PROB_EPS, 1.0 - PROB_EPS)
    loss = s.total(torch.log(clamped) * onehot) * -s.per_sample
    torch.div(onehot, clamped, out=grad)
    grad.mul_((p >= PROB_EPS) & (p <= 1.0 - PROB_EPS)).mul_(-s.per_sample)
    return loss


def loss_function(loss_id: str, probabilities: bool) -> LossFn | None:
    """The fused loss for a loss id and output kind, None when the fast path has none."""
    if loss_id == "mse":
        return _mse
    if loss_id == "half_mse":
        return _half_mse
    if loss_id == "bce":
        return _bce_probabilities if probabilities else _bce_logits
    if loss_id == "cross_entropy":
        return _cross_entropy_probabilities if probabilities else _cross_entropy_logits
    return None


#: Losses the fast path computes (the task's registry ids).
FUSED_LOSSES = ("mse", "half_mse", "bce", "cross_entropy")
