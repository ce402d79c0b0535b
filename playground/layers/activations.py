"""Activation layers, one registry entry per function, built from one table.

The same table backs the ``activation`` parameter that Dense and Conv layers
carry (Keras-style ``Dense(6, activation='relu')``), so a book's layer stack
maps to one node per layer.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from playground.layers.base import LayerSpec, Shape, register_layer, single_input
from playground.params import Param, float_param


class Sign(nn.Module):
    """sign(x) in {-1, 0, 1}: the perceptron's threshold unit (no useful gradient)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sign(x)


def softmax_dim(shape: Shape) -> int:
    """Softmax over channels for images (C, H, W), over the last axis otherwise."""
    return 1 if len(shape) == 3 else -1


#: id -> (label, params, factory(params, in_shape) -> module, doc)
_TABLE: dict[str, tuple[str, tuple[Param, ...], Callable[[dict, Shape], nn.Module], str]] = {
    "relu": ("ReLU", (), lambda p, s: nn.ReLU(), "max(0, x)."),
    "leaky_relu": ("Leaky ReLU", (float_param("negative_slope", 0.01, 0.0, 1.0),),
                   lambda p, s: nn.LeakyReLU(p["negative_slope"]),
                   "x for x > 0, slope * x otherwise."),
    "elu": ("ELU", (float_param("alpha", 1.0, 0.0, 10.0),),
            lambda p, s: nn.ELU(p["alpha"]), "x for x > 0, alpha (e^x - 1) otherwise."),
    "selu": ("SELU", (), lambda p, s: nn.SELU(), "Self-normalising scaled ELU."),
    "gelu": ("GELU", (), lambda p, s: nn.GELU(), "x * Phi(x), the transformer's activation."),
    "tanh": ("Tanh", (), lambda p, s: nn.Tanh(), "Hyperbolic tangent, output in (-1, 1)."),
    "sigmoid": ("Sigmoid", (), lambda p, s: nn.Sigmoid(),
                "Logistic function, output in (0, 1)."),
    "softmax": ("Softmax", (), lambda p, s: nn.Softmax(dim=softmax_dim(s)),
                "Normalises scores into class probabilities (over channels for images)."),
    "softplus": ("Softplus", (float_param("beta", 1.0, 0.01, 100.0),),
                 lambda p, s: nn.Softplus(p["beta"]), "Smooth ReLU: log(1 + e^(beta x)) / beta."),
    "identity": ("Identity", (), lambda p, s: nn.Identity(), "Passes its input through."),
    "sign": ("Sign", (), lambda p, s: Sign(), "The perceptron's step: -1, 0 or +1."),
}

#: Choices for the fused ``activation`` parameter of Dense/Conv layers.
ACTIVATION_CHOICES = tuple(_TABLE)

#: Activations whose output is a probability (used by tasks to pick the loss form).
PROBABILITY_OUTPUTS = ("sigmoid", "softmax")


def make_activation(name: str, in_shape: Shape) -> nn.Module:
    """The module for activation ``name`` at its default parameters."""
    label, params, factory, _ = _TABLE[name]
    return factory({p.name: p.default for p in params}, in_shape)


def _register_all() -> None:
    for type_id, (label, params, factory, doc) in _TABLE.items():
        register_layer(LayerSpec(
            id=type_id, label=label, category="Activation", params=params,
            infer=lambda p, ins: single_input(ins),
            build=(lambda f: lambda p, ins: f(p, single_input(ins)))(factory),
            doc=doc))


_register_all()
