"""Normalisation layers: BatchNorm (1-D or 2-D by input rank) and LayerNorm."""

from __future__ import annotations

from torch import nn

from playground.layers.base import LayerSpec, expect_rank, register_layer, single_input
from playground.params import bool_param, float_param


def _infer_bn(p: dict, ins: dict) -> tuple:
    shape = single_input(ins)
    expect_rank(shape, (1, 2, 3), "BatchNorm", "(N, features), (N, C, L) or (N, C, H, W)")
    return shape


def _build_bn(p: dict, ins: dict) -> nn.Module:
    shape = single_input(ins)
    cls = nn.BatchNorm2d if len(shape) == 3 else nn.BatchNorm1d
    return cls(shape[0], eps=p["eps"], momentum=p["momentum"], affine=p["affine"])


register_layer(LayerSpec(
    id="batchnorm", label="BatchNorm", category="Normalization",
    params=(float_param("momentum", 0.1, 0.0, 1.0,
                        help="Weight of the new batch in the running statistics "
                             "(PyTorch 0.1 = Keras momentum 0.9... Keras 0.99 is 0.01 here)."),
            float_param("eps", 1e-5, 1e-12, 1.0,
                        help="Added to the variance (Keras: 0.001); PyTorch needs it > 0."),
            bool_param("affine", True, help="Learn a scale and shift.")),
    infer=_infer_bn, build=_build_bn,
    doc="Normalises each feature or channel over the batch, then scales and shifts."))


def _infer_ln(p: dict, ins: dict) -> tuple:
    return single_input(ins)


register_layer(LayerSpec(
    id="layernorm", label="LayerNorm", category="Normalization",
    params=(float_param("eps", 1e-5, 0.0, 1.0),
            bool_param("elementwise_affine", True, label="Affine")),
    infer=_infer_ln,
    build=lambda p, ins: nn.LayerNorm(single_input(ins)[-1], eps=p["eps"],
                                      elementwise_affine=p["elementwise_affine"]),
    doc="Normalises each sample over its last axis (features), as transformers do."))
