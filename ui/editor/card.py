"""What a node card says: the layer's essentials in a few words, and its geometry.

A card is compact, as Netron and TensorFlow Playground draw layers: a header
with the layer's name, one line of essentials ("8 units · tanh", "32 × 3×3 ·
relu", "p = 0.5") and its output shape. Everything here is plain Python of
the node's type and params, so layouts (and the preset layout tool) can size
cards without painting them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ui.editor import style

#: The param that +/- on a card changes, per layer type: its width.
COUNT_PARAMS = {"dense": "units", "bayes_dense": "units", "conv1d": "filters", "conv2d": "filters",
                "conv_transpose2d": "filters", "rnn": "hidden_size", "lstm": "hidden_size",
                "gru": "hidden_size"}


def _size(value: Any) -> str:
    """A kernel or stride: 3 -> "3×3", [3, 3] -> "3×3", [5] -> "5"."""
    if isinstance(value, (list, tuple)):
        return "×".join(str(v) for v in value)
    return f"{value}×{value}"


def _stride(value: Any, kernel: Any = None) -> str:
    """"/2" for a stride other than 1 ("" for 0 or the kernel's size: pooling's default)."""
    values = list(value) if isinstance(value, (list, tuple)) else [value]
    kernels = list(kernel) if isinstance(kernel, (list, tuple)) else [kernel] * len(values)
    if all(v in (0, 1) for v in values) or values == kernels:
        return ""
    return f"/{values[0]}" if len(set(values)) == 1 else f"/{_size(value)}"


def _upsampling(stride: Any) -> str:
    """"↑2" for a transposed convolution of stride 2: it doubles the size, as a
    convolution's "/2" halves it ("" for stride 1)."""
    down = _stride(stride)
    return "↑" + down[1:] if down else ""


def _activation(p: Mapping[str, Any]) -> str:
    return f" {p['activation']}" if p.get("activation") not in (None, "identity") else ""


def _recurrent(p: Mapping[str, Any]) -> str:
    parts = [f"{p['num_layers']} layers" if p.get("num_layers", 1) > 1 else "",
             "bi" if p.get("bidirectional") else "",
             "seq" if p.get("return") == "sequences" else ""]
    return " · ".join(part for part in parts if part)


#: Layer type -> the essentials line from its resolved params. Layers with a width
#: (:data:`COUNT_PARAMS`) leave it out: the card shows it between its − and + buttons.
ESSENTIALS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "dense": lambda p: str(p["activation"]),
    "bayes_dense": lambda p: str(p["activation"]),
    "conv1d": lambda p: f"{_size(p['kernel_size'])}{_stride(p['stride'])}{_activation(p)}",
    "conv2d": lambda p: f"{_size(p['kernel_size'])}{_stride(p['stride'])}{_activation(p)}",
    "conv_transpose2d": lambda p: f"{_size(p['kernel_size'])}{_upsampling(p['stride'])}"
                                  f"{_activation(p)}",
    "maxpool": lambda p: _size(p["kernel_size"]) + _stride(p["stride"], p["kernel_size"]),
    "avgpool": lambda p: _size(p["kernel_size"]) + _stride(p["stride"], p["kernel_size"]),
    "dropout": lambda p: f"p = {p['p']:g}",
    "leaky_relu": lambda p: f"slope {p['negative_slope']:g}",
    "elu": lambda p: f"α = {p['alpha']:g}",
    "rnn": lambda p: " · ".join(t for t in (str(p["nonlinearity"]), _recurrent(p)) if t),
    "lstm": _recurrent,
    "gru": _recurrent,
    "embedding": lambda p: f"{p['vocab_size']} → {p['dim']}",
    "repeat_vector": lambda p: f"× {p['times']}",
    "reshape": lambda p: "to (" + ", ".join(str(v) for v in p["shape"]) + ")",
    "upsample": lambda p: f"× {p['scale_factor']:g} {p['mode']}",
    "concat": lambda p: f"axis {p['axis']}",
    "multihead_attention": lambda p: f"{p['heads']} heads" + (" · causal" if p["causal"]
                                                             else ""),
    "transformer_encoder": lambda p: f"{p['heads']} heads · ff {p['ff_size']}",
    "features": lambda p: f"{sum(bool(v) for v in p.values())} of {len(p)} inputs",
}


#: Activations as a card writes them when the whole name does not fit.
SHORT_ACTIVATIONS = {"sigmoid": "σ", "leaky_relu": "leaky", "softmax": "smax",
                     "softplus": "splus"}
#: Layer types whose essentials can go without the activation when nothing else fits
#: (a kernel and a stride say more; the tooltip keeps the whole line).
KERNEL_TYPES = ("conv1d", "conv2d", "conv_transpose2d")
#: Card titles of layer types whose palette label is too long for a card's header.
SHORT_TITLES = {"multihead_attention": "Attention", "transformer_encoder": "Transformer",
                "positional_encoding": "Pos. encoding", "activity_regularization": "Activity reg."}


def essentials(node_type: str, params: Mapping[str, Any]) -> str:
    """The card's essentials line for resolved ``params`` ("" when there is nothing to say)."""
    describe = ESSENTIALS.get(node_type)
    if describe is None:
        return ""
    try:
        return describe(params)
    except (KeyError, TypeError, ValueError):  # a param the user is still typing
        return ""


def essentials_forms(node_type: str, params: Mapping[str, Any]) -> list[str]:
    """The essentials line, then shorter forms of it, longest first: the card shows the
    first that fits beside its − / + buttons ("5×5↑2 sigmoid", "5x5↑2 σ", "5x5↑2")."""
    forms = [essentials(node_type, params)]
    activation = params.get("activation")
    if isinstance(activation, str):
        short = {**params, "activation": SHORT_ACTIVATIONS.get(activation, activation)}
        forms.append(essentials(node_type, short).replace("×", "x"))
        if node_type in KERNEL_TYPES:
            forms.append(essentials(node_type, {**params, "activation": "identity"})
                         .replace("×", "x"))
    return list(dict.fromkeys(forms))  # in order, without repeats


def card_title(node_type: str, label: str) -> str:
    """A card's header for a node of ``node_type`` without a label of its own."""
    return SHORT_TITLES.get(node_type, label)


def count_param(node_type: str) -> str | None:
    """The param that the card's +/- buttons change, or None."""
    return COUNT_PARAMS.get(node_type)


def count_of(node_type: str, params: Mapping[str, Any]) -> str:
    """The width shown between the card's − and + buttons ("" for other layers)."""
    name = COUNT_PARAMS.get(node_type)
    value = params.get(name) if name else None
    return str(value) if value is not None else ""


def box_height(ports: int, extra: float = 0.0) -> float:
    """Height of a card with ``ports`` ports on its fuller side and ``extra`` pixels of
    other content (feature tiles): a header and two lines (essentials, shape) at least, so
    cards in a row line up and their single ports face each other."""
    body = max(BODY_LINES * style.LINE_HEIGHT + 2 * style.CARD_PAD,
               ports * style.PORT_SPACING + 8)
    return style.HEADER_HEIGHT + body + extra


#: Text lines under a card's header: the essentials, then the output shape.
BODY_LINES = 2
#: Where a side's only port sits, from the card's top: level with the essentials line's
#: foot, the same on every card, so edges between cards in a row run straight.
PORT_Y = style.HEADER_HEIGHT + style.CARD_PAD + style.LINE_HEIGHT
