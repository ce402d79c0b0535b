"""The fast path's activations, forward and backward by hand.

Each backward is the ATen kernel autograd itself calls for that function
(``tanh_backward``, ``threshold_backward``...) on the same arguments, so the
fused step computes what ``loss.backward()`` computes, bit for bit where the
surrounding kernels are the same. Every function writes into a given tensor
(a preallocated buffer) and works on any leading shape: (N, units) or (K, B, units).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import torch
from torch import Tensor

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
    in_place : callable or None
        ``in_place(z, *args)``: the same kernel overwriting ``z`` (no ``out=`` to parse).
    """

    forward: Callable[..., Tensor]
    backward: Callable[[Tensor, Tensor, Tensor, tuple, Tensor], Callable[[], Tensor]]
    reads_input: bool = False
    in_place: Callable[..., Tensor] | None = None

    def apply(self, z: Tensor, args: tuple = ()) -> Tensor:
        """The activation of ``z`` as a new tensor."""
        return self.forward(z, *args)

    def prepare(self, z: Tensor, args: tuple, out: Tensor) -> Callable[[], Tensor]:
        """A zero-argument call writing the activation of ``z`` into ``out`` (may be ``z``)."""
        if out is z and self.in_place is not None:
            return partial(self.in_place, z, *args)
        return partial(self.forward, z, *args, out=out)


def _kernel(op: Any) -> Any:
    """The C++ callable of an ATen overload (skips a Python layer on every call)."""
    return getattr(op, "_op", op)


def _gelu(z: Tensor, approximate: str, out: Tensor | None = None) -> Tensor:
    return _nn.gelu(z, approximate=approximate, out=out)  # type: ignore[call-arg]


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
                       lambda g, z, a, args, out: partial(_TANH_BW, g, a, grad_input=out),
                       in_place=torch.tanh_),
    "sigmoid": Activation(torch.sigmoid,
                          lambda g, z, a, args, out: partial(_SIGMOID_BW, g, a, grad_input=out),
                          in_place=torch.sigmoid_),
    "relu": Activation(_relu,
                       lambda g, z, a, args, out: partial(_THRESHOLD_BW, g, a, 0.0,
                                                          grad_input=out),
                       in_place=torch.relu_),
    # args (slope,); with a slope >= 0 the output has the input's sign, so the result decides.
    "leaky_relu": Activation(_nn.leaky_relu,
                             lambda g, z, a, args, out: partial(_LEAKY_BW, g, a, args[0], True,
                                                                grad_input=out),
                             in_place=_nn.leaky_relu_),
    # args (alpha, scale, input scale); SELU is ELU with its constants. Autograd's ELU
    # backward reads the input (its result-based form rounds differently).
    "elu": Activation(_nn.elu,
                      lambda g, z, a, args, out: partial(_ELU_BW, g, *args, False, z,
                                                         grad_input=out),
                      reads_input=True),
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
