"""Core layers: Input, Output, Dense, Dropout, Flatten, Reshape and Features."""

from __future__ import annotations

import math

import torch
from torch import nn

from playground.errors import ShapeError
from playground.layers.activations import ACTIVATION_CHOICES, make_activation
from playground.layers.base import (
    INIT_PARAMS,
    LayerSpec,
    expect_rank,
    fmt_shape,
    register_layer,
    single_input,
)
from playground.params import bool_param, choice_param, float_param, int_param, ints_param


def with_activation(module: nn.Module, activation: str, out_shape: tuple) -> nn.Module:
    """``module`` followed by ``activation`` (a bare module when it is the identity)."""
    if activation == "identity":
        return module
    return nn.Sequential(module, make_activation(activation, out_shape))


def _infer_input(p: dict, ins: dict) -> tuple:
    if not p["shape"]:
        raise ShapeError("Input has no shape", fix="choose a dataset or set the Input's shape")
    return tuple(p["shape"])


register_layer(LayerSpec(
    id="input", label="Input", category="Input / output",
    params=(ints_param("shape", None, min=1, max=100_000, optional=True,
                       help="Per-sample shape; empty takes the dataset's."),),
    infer=_infer_input, inputs=(),
    doc="Where samples enter the network. Its shape comes from the dataset."))

register_layer(LayerSpec(
    id="output", label="Output", category="Input / output", params=(),
    infer=lambda p, ins: single_input(ins), outputs=(),
    doc="The network's prediction; the task compares it with the targets."))


def _infer_dense(p: dict, ins: dict) -> tuple:
    shape = single_input(ins)
    expect_rank(shape, (1, 2), "Dense", "(N, features) or (N, steps, features)")
    return (*shape[:-1], p["units"])


def _build_dense(p: dict, ins: dict) -> nn.Module:
    shape = single_input(ins)
    linear = nn.Linear(shape[-1], p["units"], bias=p["use_bias"])
    return with_activation(linear, p["activation"], (*shape[:-1], p["units"]))


register_layer(LayerSpec(
    id="dense", label="Dense", category="Core",
    params=(int_param("units", 8, 1, 100_000, help="Number of neurons."),
            choice_param("activation", "identity", ACTIVATION_CHOICES,
                         help="Applied to the weighted sum; 'identity' for none."),
            bool_param("use_bias", True),
            *INIT_PARAMS),
    infer=_infer_dense, build=_build_dense,
    doc="Fully connected: every input feeds every neuron (Keras Dense, torch Linear)."))

register_layer(LayerSpec(
    id="dropout", label="Dropout", category="Core",
    params=(float_param("p", 0.5, 0.0, 0.99, label="Drop probability",
                        help="Chance that each unit is zeroed while training (PyTorch's p; "
                             "some books use the keep probability)."),),
    infer=lambda p, ins: single_input(ins),
    build=lambda p, ins: nn.Dropout(p["p"]),
    doc="Randomly zeroes units while training; does nothing at evaluation."))


def _infer_flatten(p: dict, ins: dict) -> tuple:
    return (math.prod(single_input(ins)),)


register_layer(LayerSpec(
    id="flatten", label="Flatten", category="Reshape", params=(),
    infer=_infer_flatten, build=lambda p, ins: nn.Flatten(),
    doc="Turns each sample into one vector: (N, C, H, W) -> (N, C*H*W)."))


def _infer_reshape(p: dict, ins: dict) -> tuple:
    shape = single_input(ins)
    target = list(p["shape"])
    total = math.prod(shape)
    if target.count(-1) > 1:
        raise ShapeError("Reshape allows at most one -1 (inferred) dimension",
                         fix="give every size but one")
    known = math.prod(d for d in target if d != -1)
    if -1 in target:
        if known == 0 or total % known:
            raise ShapeError(f"Reshape to {fmt_shape(tuple(target))} cannot hold the "
                             f"{total} values per sample of {fmt_shape(shape)}",
                             fix=f"choose sizes that divide {total}")
        target[target.index(-1)] = total // known
    elif known != total:
        raise ShapeError(f"Reshape to {fmt_shape(tuple(target))} needs {known} values per "
                         f"sample but gets {total} from {fmt_shape(shape)}",
                         fix=f"choose sizes whose product is {total}")
    return tuple(target)


register_layer(LayerSpec(
    id="reshape", label="Reshape", category="Reshape",
    params=(ints_param("shape", (1, 8, 8), min=-1, max=100_000,
                       help="Per-sample target shape; one -1 is inferred."),),
    infer=_infer_reshape,
    build=lambda p, ins: nn.Unflatten(1, _infer_reshape(p, ins)) if len(single_input(ins)) == 1
    else nn.Sequential(nn.Flatten(), nn.Unflatten(1, _infer_reshape(p, ins))),
    doc="Rearranges each sample's values into a new shape."))


# -- TF Playground's input features ----------------------------------------------------

FEATURES = ("x1", "x2", "x1_squared", "x2_squared", "x1_x2", "sin_x1", "sin_x2")
FEATURE_LABELS = {"x1": "X1", "x2": "X2", "x1_squared": "X1²", "x2_squared": "X2²",
                  "x1_x2": "X1·X2", "sin_x1": "sin(X1)", "sin_x2": "sin(X2)"}


class FeatureTransform(nn.Module):
    """Maps 2-D points (N, 2) to the chosen TF Playground features (N, k).

    Parameters
    ----------
    names : list of str
        Features in output order, each one of :data:`FEATURES`.
    """

    def __init__(self, names: list[str]):
        super().__init__()
        self.names = list(names)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x1, x2 = x[:, 0], x[:, 1]
        columns = []
        for name in self.names:
            if name == "x1":
                columns.append(x1)
            elif name == "x2":
                columns.append(x2)
            elif name == "x1_squared":
                columns.append(x1 * x1)
            elif name == "x2_squared":
                columns.append(x2 * x2)
            elif name == "x1_x2":
                columns.append(x1 * x2)
            elif name == "sin_x1":
                columns.append(torch.sin(x1))
            else:
                columns.append(torch.sin(x2))
        return torch.stack(columns, dim=1)

    def extra_repr(self) -> str:
        return f"names={self.names}"


def selected_features(p: dict) -> list[str]:
    """Feature names switched on in params ``p``, in canonical order."""
    return [name for name in FEATURES if p[name]]


def _infer_features(p: dict, ins: dict) -> tuple:
    shape = single_input(ins)
    if shape != (2,):
        raise ShapeError(f"Features expects 2-D points (N, 2) but gets {fmt_shape(shape)}",
                         fix="use it right after the Input of a 2-D dataset")
    n = len(selected_features(p))
    if n == 0:
        raise ShapeError("Features has no feature switched on", fix="switch on at least X1")
    return (n,)


register_layer(LayerSpec(
    id="features", label="Features", category="Core",
    params=tuple(bool_param(name, name in ("x1", "x2"), label=FEATURE_LABELS[name])
                 for name in FEATURES),
    infer=_infer_features,
    build=lambda p, ins: FeatureTransform(selected_features(p)),
    doc="TF Playground's input features: X1, X2, their squares, product and sines."))


# -- activity regularisation -----------------------------------------------------------------

class ActivityRegularization(nn.Module):
    """Identity in the forward pass; keeps a penalty on the activations for the loss.

    Keras's ``ActivityRegularization`` (and the ``activity_regularizer`` of its
    layers): ``l1 * sum|a| + l2 * sum a^2`` over the batch's activations,
    divided by the batch size as TensorFlow 2 does. Gradient tasks add
    :attr:`penalty` to the loss of every training step.

    Attributes
    ----------
    penalty : Tensor or None
        The last forward pass's penalty (carries gradients while training).
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        super().__init__()
        self.l1, self.l2 = l1, l2
        self.penalty: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if torch.compiler.is_exporting():
            # An export traces inference, where the penalty (a loss term) is not used;
            # len(x) in it would fix the batch size of the exported program.
            return x
        total = x.new_zeros(())
        if self.l1:
            total = total + self.l1 * x.abs().sum()
        if self.l2:
            total = total + self.l2 * x.pow(2).sum()
        self.penalty = total / max(len(x), 1)
        return x

    def release(self) -> None:
        """Drop the autograd graph held by :attr:`penalty` (modules are deep-copied)."""
        if self.penalty is not None:
            self.penalty = self.penalty.detach()

    def extra_repr(self) -> str:
        return f"l1={self.l1}, l2={self.l2}"


register_layer(LayerSpec(
    id="activity_regularization", label="Activity regularization", category="Core",
    params=(float_param("l1", 1e-4, 0.0, 1e3, help="Weight of sum |a| (sparse activations)."),
            float_param("l2", 0.0, 0.0, 1e3, help="Weight of sum a^2.")),
    infer=lambda p, ins: single_input(ins),
    build=lambda p, ins: ActivityRegularization(p["l1"], p["l2"]),
    doc="Passes its input through and adds l1 * sum|a| + l2 * sum a^2 (per sample) to the "
        "loss: a sparse autoencoder's code (Keras activity_regularizer)."))
