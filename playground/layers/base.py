"""The layer registry: one :class:`LayerSpec` per layer type.

A layer type declares its ports, its parameters (as data: the inspector is
generated from them), ``infer`` (input shapes -> output shape, or a
:class:`~playground.errors.ShapeError` saying what it expected and how to fix
it) and ``build`` (params + input shapes -> ``nn.Module``). Shapes are
per-sample tuples without the batch dimension: a batch of 32 RGB 8x8 images is
``(3, 8, 8)`` here and shown to users as ``(N, 3, 8, 8)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from playground.errors import ShapeError
from playground.params import Param, choice_param, float_param, resolve
from playground.registry import Registry

Shape = tuple[int, ...]

CATEGORIES = ("Input / output", "Core", "Activation", "Convolution", "Pooling",
              "Normalization", "Reshape", "Merge", "Recurrent", "Attention", "Generative")

WEIGHT_INITS = ("default", "zeros", "uniform", "normal", "glorot_uniform", "glorot_normal",
                "he_uniform", "he_normal", "lecun_normal")
BIAS_INITS = ("default", "zeros", "constant", "uniform", "normal", "lecun_normal")

#: Appended to the params of every layer with weights.
INIT_PARAMS: tuple[Param, ...] = (
    choice_param("weight_init", "default", WEIGHT_INITS,
                 help="How weights start: 'default' is PyTorch's, glorot_uniform is Keras's, "
                      "uniform is U(-scale, scale) (TF Playground: 0.5).", advanced=True),
    float_param("init_scale", 0.5, 0.0, 100.0,
                help="Half-width for uniform, standard deviation for normal.", advanced=True),
    choice_param("bias_init", "default", BIAS_INITS,
                 help="How biases start: Keras uses zeros, TF Playground a constant 0.1.",
                 advanced=True),
    float_param("bias_value", 0.0, -100.0, 100.0,
                help="Constant for 'constant'; its size is the half-width or std for "
                     "uniform/normal.",
                advanced=True),
)


@dataclass(frozen=True)
class LayerSpec:
    """One layer type.

    Attributes
    ----------
    id : str
        Stable id stored in files (``"dense"``).
    label : str
        Name in the palette.
    category : str
        Palette group, one of :data:`CATEGORIES`.
    params : tuple of Param
        Declared parameters (init params included for weighted layers).
    infer : callable
        ``infer(params, inputs) -> Shape`` where ``inputs`` maps input port
        names to shapes. Raises ``ShapeError`` (without a node id: the caller
        adds it).
    build : callable or None
        ``build(params, inputs) -> nn.Module`` called with the module taking
        the inputs positionally in port order. None for Input/Output, which the
        compiler handles itself.
    inputs : tuple of str or callable
        Input port names, or ``inputs(params) -> tuple`` when the count is a parameter.
    outputs : tuple of str
        Output port names.
    doc : str
        One or two sentences for the palette tooltip.
    """

    id: str
    label: str
    category: str
    params: tuple[Param, ...]
    infer: Callable[[dict, dict[str, Shape]], Shape]
    build: Callable[[dict, dict[str, Shape]], nn.Module] | None = None
    inputs: tuple[str, ...] | Callable[[dict], tuple[str, ...]] = ("in",)
    outputs: tuple[str, ...] = ("out",)
    doc: str = ""

    def input_ports(self, params: Mapping[str, Any]) -> tuple[str, ...]:
        """Input port names for resolved ``params``."""
        return self.inputs(dict(params)) if callable(self.inputs) else self.inputs

    @property
    def has_weights(self) -> bool:
        """True when the layer declares the weight-initialisation params."""
        return any(p.name == "weight_init" for p in self.params)

    def resolve(self, params: Mapping[str, Any] | None, where: str) -> dict:
        """Validate ``params`` against the declaration, filling defaults."""
        return resolve(self.params, params, where)


LAYERS: Registry[LayerSpec] = Registry("layer type")


def register_layer(spec: LayerSpec, override: bool = False) -> LayerSpec:
    """Add a layer type to :data:`LAYERS`."""
    return LAYERS.register(spec, override)


def default_params(type_id: str) -> dict:
    """A layer type's params at their defaults (what a fresh node from the palette gets)."""
    from playground.params import defaults
    return defaults(LAYERS.get(type_id).params)


# -- shape helpers used by layer entries --------------------------------------------

def fmt_shape(shape: Shape | None) -> str:
    """``(3, 8, 8)`` -> ``"(N, 3, 8, 8)"``: what users see, with the batch."""
    if shape is None:
        return "?"
    return "(" + ", ".join(["N", *(str(d) for d in shape)]) + ")"


def single_input(inputs: dict[str, Shape]) -> Shape:
    """The shape on port ``in``."""
    return inputs["in"]


def expect_rank(shape: Shape, ranks: tuple[int, ...], layer: str, layout: str,
                fix: str = "") -> None:
    """Raise a ShapeError unless ``len(shape)`` is one of ``ranks``.

    ``layout`` describes the expected per-batch layout, e.g. ``"(N, features)"``.
    """
    if len(shape) not in ranks:
        raise ShapeError(f"{layer} expects {layout} but gets {fmt_shape(shape)}",
                         fix=fix or reshape_hint(shape, ranks))


def reshape_hint(shape: Shape, ranks: tuple[int, ...]) -> str:
    """A fix suggestion for a rank mismatch."""
    if len(shape) > max(ranks) and 1 in ranks:
        return "insert a Flatten before it"
    if len(shape) == 1 and 3 in ranks:
        side = math.isqrt(shape[0])
        if side * side == shape[0]:
            return f"insert a Reshape to (1, {side}, {side}) before it"
        return "insert a Reshape to (channels, height, width) before it"
    if len(shape) == 1 and 2 in ranks:
        return f"insert a Reshape to ({shape[0]}, 1) to make a sequence of {shape[0]} steps"
    return "insert a Reshape before it"


def conv_out(size: int, kernel: int, stride: int, pad_total: int, dilation: int = 1) -> int:
    """Output length of a convolution or pooling along one axis."""
    return (size + pad_total - dilation * (kernel - 1) - 1) // stride + 1


def same_padding(size: int, kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """Keras/TensorFlow 'same' padding (before, after): output = ceil(size / stride)."""
    out = -(-size // stride)
    total = max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


# -- initialisation -----------------------------------------------------------------

def apply_init(module: nn.Module, params: Mapping[str, Any]) -> None:
    """Initialise every Linear/Conv weight and bias in ``module`` as ``params`` ask.

    Called by the compiler under a seeded generator, so runs repeat.
    """
    targets = [m for m in module.modules()
               if isinstance(m, (nn.Linear, nn.Conv1d, nn.Conv2d, nn.ConvTranspose2d))]
    for m in targets:
        _init_weight(m.weight, params["weight_init"], params["init_scale"])
        if m.bias is not None:
            _init_bias(m.bias, m.weight, params["bias_init"], params["bias_value"])


@torch.no_grad()
def _init_weight(w: torch.Tensor, how: str, scale: float) -> None:
    if how == "default":
        return
    if how == "zeros":
        w.zero_()
    elif how == "uniform":
        w.uniform_(-scale, scale)
    elif how == "normal":
        w.normal_(0.0, scale)
    elif how == "glorot_uniform":
        nn.init.xavier_uniform_(w)
    elif how == "glorot_normal":
        nn.init.xavier_normal_(w)
    elif how == "he_uniform":
        nn.init.kaiming_uniform_(w, nonlinearity="relu")
    elif how == "he_normal":
        nn.init.kaiming_normal_(w, nonlinearity="relu")
    elif how == "lecun_normal":
        w.normal_(0.0, 1.0 / math.sqrt(_fan_in(w)))


@torch.no_grad()
def _init_bias(b: torch.Tensor, w: torch.Tensor, how: str, value: float) -> None:
    if how == "default":
        return
    if how == "zeros":
        b.zero_()
    elif how == "constant":
        b.fill_(value)
    elif how == "uniform":  # a spread: the value's size (it may be negative for 'constant')
        b.uniform_(-abs(value), abs(value))
    elif how == "normal":
        b.normal_(0.0, abs(value))
    elif how == "lecun_normal":
        b.normal_(0.0, 1.0 / math.sqrt(_fan_in(w)))


def _fan_in(w: torch.Tensor) -> int:
    fan_in, _ = nn.init._calculate_fan_in_and_fan_out(w)
    return max(int(fan_in), 1)
