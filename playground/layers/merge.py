"""Merge layers: Add, Multiply and Concat, with a parametrised number of inputs.

Their input ports are ``in1``, ``in2``... (``inputs`` of them), so skip
connections are ordinary edges into the second port.
"""

from __future__ import annotations

import torch
from torch import nn

from playground.errors import ShapeError
from playground.layers.base import LayerSpec, fmt_shape, register_layer
from playground.params import int_param


def merge_ports(p: dict) -> tuple[str, ...]:
    """``in1`` ... ``inK`` for ``inputs = K``."""
    return tuple(f"in{i + 1}" for i in range(p["inputs"]))


class Elementwise(nn.Module):
    """Sums or multiplies any number of same-shaped tensors."""

    def __init__(self, op: str):
        super().__init__()
        self.op = op

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        out = xs[0]
        for x in xs[1:]:
            out = out + x if self.op == "add" else out * x
        return out

    def extra_repr(self) -> str:
        return f"op={self.op!r}"


class Concat(nn.Module):
    """Concatenates tensors along per-sample axis ``axis`` (0 = features/channels)."""

    def __init__(self, axis: int):
        super().__init__()
        self.dim = axis + 1  # skip the batch axis

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        return torch.cat(xs, dim=self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


def _shapes_in_order(p: dict, ins: dict) -> list[tuple]:
    return [ins[port] for port in merge_ports(p)]


def _infer_elementwise(name: str):
    def infer(p: dict, ins: dict) -> tuple:
        shapes = _shapes_in_order(p, ins)
        for i, s in enumerate(shapes[1:], start=2):
            if s != shapes[0]:
                raise ShapeError(f"{name} needs equal shapes but gets {fmt_shape(shapes[0])} "
                                 f"on in1 and {fmt_shape(s)} on in{i}",
                                 fix="make both branches end with the same number of units")
        return shapes[0]
    return infer


def _infer_concat(p: dict, ins: dict) -> tuple:
    shapes = _shapes_in_order(p, ins)
    axis = p["axis"]
    if any(len(s) <= axis for s in shapes):
        raise ShapeError(f"Concat axis {axis} does not exist in "
                         f"{', '.join(fmt_shape(s) for s in shapes)}", fix="use axis 0")
    rest = [s[:axis] + s[axis + 1:] for s in shapes]
    for i, r in enumerate(rest[1:], start=2):
        if r != rest[0]:
            raise ShapeError(f"Concat along axis {axis} needs the other axes equal but gets "
                             f"{fmt_shape(shapes[0])} and {fmt_shape(shapes[i - 1])}",
                             fix="reshape the inputs so only the joined axis differs")
    joined = sum(s[axis] for s in shapes)
    return shapes[0][:axis] + (joined,) + shapes[0][axis + 1:]


_INPUTS = int_param("inputs", 2, 2, 8, help="Number of input ports.")

register_layer(LayerSpec(
    id="add", label="Add", category="Merge", params=(_INPUTS,),
    infer=_infer_elementwise("Add"), build=lambda p, ins: Elementwise("add"),
    inputs=merge_ports, doc="Sums its inputs: the join of a residual (skip) connection."))

register_layer(LayerSpec(
    id="multiply", label="Multiply", category="Merge", params=(_INPUTS,),
    infer=_infer_elementwise("Multiply"), build=lambda p, ins: Elementwise("mul"),
    inputs=merge_ports, doc="Multiplies its inputs element by element (gating)."))

register_layer(LayerSpec(
    id="concat", label="Concat", category="Merge",
    params=(_INPUTS, int_param("axis", 0, 0, 3,
                               help="Per-sample axis to join: 0 = features or channels.")),
    infer=_infer_concat, build=lambda p, ins: Concat(p["axis"]),
    inputs=merge_ports, doc="Joins its inputs side by side along one axis."))
