"""Convolution layers: Conv1d, Conv2d, ConvTranspose2d and Upsample.

Layouts are PyTorch's: (N, channels, length) and (N, channels, height, width).
Padding is ``valid`` (none), ``same`` (Keras/TensorFlow: output = ceil(input /
stride), extra padding after, as TensorFlow does) or ``custom`` (``pad`` per axis).
"""

from __future__ import annotations

from typing import Any

from torch import nn

from playground.errors import ShapeError
from playground.layers.activations import ACTIVATION_CHOICES
from playground.layers.base import (
    INIT_PARAMS,
    LayerSpec,
    conv_out,
    expect_rank,
    fmt_shape,
    register_layer,
    same_padding,
    single_input,
)
from playground.layers.core import with_activation
from playground.params import choice_param, float_param, int_param, ints_param

PADDINGS = ("valid", "same", "custom")


def conv_params(dims: int, filters: int = 8, kernel: int = 3) -> tuple:
    """The declared params shared by Conv1d/Conv2d (``dims`` spatial axes)."""
    return (int_param("filters", filters, 1, 4096, help="Output channels."),
            ints_param("kernel_size", (kernel,) * dims, length=dims, min=1, max=64),
            ints_param("stride", (1,) * dims, length=dims, min=1, max=64),
            choice_param("padding", "valid", PADDINGS,
                         help="valid: none; same: keep size / stride (Keras); custom: 'pad'."),
            ints_param("pad", (0,) * dims, length=dims, min=0, max=64,
                       help="Zeros added on each side when padding is custom."),
            ints_param("dilation", (1,) * dims, length=dims, min=1, max=64, advanced=True),
            choice_param("activation", "identity", ACTIVATION_CHOICES),
            *INIT_PARAMS)


def pads_for(p: dict, spatial: tuple) -> list[tuple[int, int]]:
    """(before, after) zero padding per spatial axis."""
    if p["padding"] == "valid":
        return [(0, 0)] * len(spatial)
    if p["padding"] == "custom":
        return [(k, k) for k in p["pad"]]
    return [same_padding(s, k, st, d) for s, k, st, d in
            zip(spatial, p["kernel_size"], p["stride"], p.get("dilation", (1,) * len(spatial)))]


def _spatial_out(p: dict, spatial: tuple, name: str, shape: tuple) -> tuple:
    pads = pads_for(p, spatial)
    out = tuple(conv_out(s, k, st, a + b, d) for s, k, st, (a, b), d in
                zip(spatial, p["kernel_size"], p["stride"], pads,
                    p.get("dilation", (1,) * len(spatial))))
    if min(out) < 1:
        raise ShapeError(f"{name} with kernel {tuple(p['kernel_size'])} does not fit in the "
                         f"input {fmt_shape(shape)}",
                         fix="use a smaller kernel, padding 'same' or a larger input")
    return out


def _infer_conv(dims: int, name: str):
    layout = "(N, channels, length)" if dims == 1 else "(N, channels, height, width)"

    def infer(p: dict, ins: dict) -> tuple:
        shape = single_input(ins)
        expect_rank(shape, (dims + 1,), name, layout)
        return (p["filters"], *_spatial_out(p, shape[1:], name, shape))
    return infer


def _build_conv(dims: int):
    # Any: torch's stubs fix each class's tuple lengths; this code serves both ranks.
    conv_cls: Any = nn.Conv1d if dims == 1 else nn.Conv2d
    pad_cls: Any = nn.ConstantPad1d if dims == 1 else nn.ConstantPad2d

    def build(p: dict, ins: dict) -> nn.Module:
        shape = single_input(ins)
        pads = pads_for(p, shape[1:])
        symmetric = all(a == b for a, b in pads)
        conv: nn.Module = conv_cls(shape[0], p["filters"], tuple(p["kernel_size"]),
                                   tuple(p["stride"]),
                                   padding=tuple(a for a, _ in pads) if symmetric else 0,
                                   dilation=tuple(p["dilation"]))
        if not symmetric:
            # torch pads (left, right, top, bottom): last axis first.
            flat = [v for a, b in reversed(pads) for v in (a, b)]
            conv = nn.Sequential(pad_cls(tuple(flat), 0.0), conv)
        out_shape = (p["filters"], *_spatial_out(p, shape[1:], "", shape))
        return with_activation(conv, p["activation"], out_shape)
    return build


register_layer(LayerSpec(
    id="conv1d", label="Conv1d", category="Convolution", params=conv_params(1, kernel=3),
    infer=_infer_conv(1, "Conv1d"), build=_build_conv(1),
    doc="Slides filters along a sequence or signal: (N, C, L) -> (N, filters, L')."))

register_layer(LayerSpec(
    id="conv2d", label="Conv2d", category="Convolution", params=conv_params(2),
    infer=_infer_conv(2, "Conv2d"), build=_build_conv(2),
    doc="Slides filters over an image: (N, C, H, W) -> (N, filters, H', W')."))


def _infer_conv_t(p: dict, ins: dict) -> tuple:
    shape = single_input(ins)
    expect_rank(shape, (3,), "ConvTranspose2d", "(N, channels, height, width)")
    out = tuple((s - 1) * st - 2 * pd + (k - 1) + op + 1 for s, st, pd, k, op in
                zip(shape[1:], p["stride"], p["pad"], p["kernel_size"], p["output_padding"]))
    if min(out) < 1:
        raise ShapeError(f"ConvTranspose2d gives an empty output from {fmt_shape(shape)}",
                         fix="reduce 'pad'")
    for op, st in zip(p["output_padding"], p["stride"]):
        if op >= st:
            raise ShapeError("ConvTranspose2d output_padding must be smaller than stride",
                             fix="lower output_padding")
    return (p["filters"], *out)


def _build_conv_t(p: dict, ins: dict) -> nn.Module:
    shape = single_input(ins)
    conv = nn.ConvTranspose2d(shape[0], p["filters"], tuple(p["kernel_size"]),
                              tuple(p["stride"]), tuple(p["pad"]), tuple(p["output_padding"]))
    return with_activation(conv, p["activation"], _infer_conv_t(p, ins))


register_layer(LayerSpec(
    id="conv_transpose2d", label="ConvTranspose2d", category="Convolution",
    params=(int_param("filters", 8, 1, 4096),
            ints_param("kernel_size", (2, 2), length=2, min=1, max=64),
            ints_param("stride", (2, 2), length=2, min=1, max=64),
            ints_param("pad", (0, 0), length=2, min=0, max=64),
            ints_param("output_padding", (0, 0), length=2, min=0, max=63),
            choice_param("activation", "identity", ACTIVATION_CHOICES),
            *INIT_PARAMS),
    infer=_infer_conv_t, build=_build_conv_t,
    doc="Learned upsampling ('deconvolution'): stride 2 doubles height and width."))


def _infer_upsample(p: dict, ins: dict) -> tuple:
    shape = single_input(ins)
    expect_rank(shape, (2, 3), "Upsample", "(N, C, L) or (N, C, H, W)")
    factor = p["scale_factor"]
    return (shape[0], *(int(s * factor) for s in shape[1:]))


register_layer(LayerSpec(
    id="upsample", label="Upsample", category="Convolution",
    params=(float_param("scale_factor", 2.0, 1.0, 16.0),
            choice_param("mode", "nearest", ("nearest", "bilinear"))),
    infer=_infer_upsample,
    build=lambda p, ins: nn.Upsample(
        scale_factor=p["scale_factor"],
        mode="linear" if p["mode"] == "bilinear" and len(single_input(ins)) == 2 else p["mode"]),
    doc="Enlarges feature maps by repeating (nearest) or interpolating values."))
