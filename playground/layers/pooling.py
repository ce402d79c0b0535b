"""Pooling layers: MaxPool, AvgPool (1-D or 2-D by input rank) and GlobalAvgPool."""

from __future__ import annotations

from typing import Any

from torch import nn

from playground.errors import ShapeError
from playground.layers.base import (
    LayerSpec,
    conv_out,
    expect_rank,
    fmt_shape,
    register_layer,
    same_padding,
    single_input,
)
from playground.params import choice_param, int_param


def _pool_params() -> tuple:
    return (int_param("kernel_size", 2, 1, 64, help="Window size along each axis."),
            int_param("stride", 0, 0, 64, help="Step between windows; 0 means the kernel size."),
            choice_param("padding", "valid", ("valid", "same"),
                         help="same: output = ceil(input / stride), as in Keras."))


def _geometry(p: dict, spatial: tuple) -> tuple[list[tuple[int, int]], int]:
    stride = p["stride"] or p["kernel_size"]
    if p["padding"] == "valid":
        return [(0, 0)] * len(spatial), stride
    return [same_padding(s, p["kernel_size"], stride) for s in spatial], stride


def _infer_pool(name: str):
    def infer(p: dict, ins: dict) -> tuple:
        shape = single_input(ins)
        expect_rank(shape, (2, 3), name, "(N, C, L) or (N, C, H, W)")
        pads, stride = _geometry(p, shape[1:])
        out = tuple(conv_out(s, p["kernel_size"], stride, a + b) for s, (a, b) in
                    zip(shape[1:], pads))
        if min(out) < 1:
            raise ShapeError(f"{name} window {p['kernel_size']} is larger than the input "
                             f"{fmt_shape(shape)}", fix="use a smaller kernel_size")
        return (shape[0], *out)
    return infer


def _build_pool(kind: str):
    def build(p: dict, ins: dict) -> nn.Module:
        shape = single_input(ins)
        dims = len(shape) - 1
        pads, stride = _geometry(p, shape[1:])
        symmetric = all(a == b for a, b in pads)
        # Any: torch's stubs fix each class's tuple lengths; this code serves both ranks.
        cls: Any
        if kind == "max":
            cls = nn.MaxPool1d if dims == 1 else nn.MaxPool2d
            make = lambda pad: cls(p["kernel_size"], stride, pad)  # noqa: E731
        else:
            cls = nn.AvgPool1d if dims == 1 else nn.AvgPool2d
            # Keras 'same' average pooling ignores the padded cells.
            make = lambda pad: cls(p["kernel_size"], stride, pad,  # noqa: E731
                                   count_include_pad=False)
        if symmetric:
            return make(tuple(a for a, _ in pads) if dims > 1 else pads[0][0])
        # Asymmetric 'same' padding: pad explicitly; -inf so max ignores it.
        flat = tuple(v for a, b in reversed(pads) for v in (a, b))
        pad_cls: Any = nn.ConstantPad1d if dims == 1 else nn.ConstantPad2d
        fill = float("-inf") if kind == "max" else 0.0
        return nn.Sequential(pad_cls(flat, fill), make(0))
    return build


register_layer(LayerSpec(
    id="maxpool", label="MaxPool", category="Pooling", params=_pool_params(),
    infer=_infer_pool("MaxPool"), build=_build_pool("max"),
    doc="Keeps the largest value of each window; 2-D for images, 1-D for signals."))

register_layer(LayerSpec(
    id="avgpool", label="AvgPool", category="Pooling", params=_pool_params(),
    infer=_infer_pool("AvgPool"), build=_build_pool("avg"),
    doc="Averages each window; 2-D for images, 1-D for signals."))


def _infer_gap(p: dict, ins: dict) -> tuple:
    shape = single_input(ins)
    expect_rank(shape, (2, 3), "GlobalAvgPool", "(N, C, L) or (N, C, H, W)")
    return (shape[0],)


def _build_gap(p: dict, ins: dict) -> nn.Module:
    dims = len(single_input(ins)) - 1
    pool = nn.AdaptiveAvgPool1d(1) if dims == 1 else nn.AdaptiveAvgPool2d(1)
    return nn.Sequential(pool, nn.Flatten())


register_layer(LayerSpec(
    id="global_avg_pool", label="GlobalAvgPool", category="Pooling", params=(),
    infer=_infer_gap, build=_build_gap,
    doc="Averages each channel over all positions: (N, C, H, W) -> (N, C)."))
