"""Attention layers: multi-head self-attention, a transformer encoder block, positional encoding.

All act on sequences (N, T, E), batch first. The model width E is the input's
last axis; the optional ``embed_dim``/``d_model`` params state it explicitly
and are checked against the input (a mismatch is a shape error with a fix),
the way PyTorch's ``nn.MultiheadAttention(embed_dim)`` must match its input.
The modules are written out (nanoGPT style) rather than wrapping
``nn.MultiheadAttention`` so a probe can read the attention weights; tests
check them against PyTorch's own modules with the same weights.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from playground.errors import ShapeError
from playground.layers.base import LayerSpec, expect_rank, register_layer, single_input
from playground.params import bool_param, choice_param, float_param, int_param

SEQUENCE_LAYOUT = "(N, steps, embed)"


class MultiHeadSelfAttention(nn.Module):
    """Scaled dot-product self-attention with ``heads`` heads: (N, T, E) -> (N, T, E).

    Weights are laid out as ``nn.MultiheadAttention``'s: one (3E, E) input
    projection for q, k, v stacked, and an (E, E) output projection.

    Parameters
    ----------
    embed_dim : int
        E, split into ``heads`` heads of E / heads.
    heads : int
        Number of heads.
    causal : bool
        Step t attends to steps <= t only (language models).
    dropout : float
        Dropout on the attention weights while training.
    bias : bool
        Biases in the projections.
    """

    def __init__(self, embed_dim: int, heads: int, causal: bool = False, dropout: float = 0.0,
                 bias: bool = True):
        super().__init__()
        self.heads, self.causal, self.dropout = heads, causal, dropout
        self.in_proj = nn.Linear(embed_dim, 3 * embed_dim, bias=bias)
        self.out_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        # PyTorch's MultiheadAttention init: Xavier for the stacked projection, zero biases.
        nn.init.xavier_uniform_(self.in_proj.weight)
        if bias:
            nn.init.zeros_(self.in_proj.bias)
            nn.init.zeros_(self.out_proj.bias)

    def _qkv(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        n, t, e = x.shape
        q, k, v = self.in_proj(x).split(e, dim=-1)  # 3 x (N, T, E)
        # (N, T, E) -> (N, heads, T, E / heads)
        return tuple(z.view(n, t, self.heads, e // self.heads).transpose(1, 2) for z in (q, k, v))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, t, e = x.shape
        q, k, v = self._qkv(x)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=self.causal,
                                           dropout_p=self.dropout if self.training else 0.0)
        y = y.transpose(1, 2).reshape(n, t, e)  # heads side by side: (N, T, E)
        return self.out_proj(y)

    @torch.no_grad()
    def attention_weights(self, x: torch.Tensor) -> torch.Tensor:
        """softmax(q k^T / sqrt(d) + mask) for inputs ``x``: (N, heads, T, T), for views."""
        q, k, _ = self._qkv(x)
        scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])  # (N, heads, T, T)
        if self.causal:
            t = x.shape[1]
            future = torch.ones(t, t, dtype=torch.bool, device=x.device).triu(1)
            scores = scores.masked_fill(future, float("-inf"))
        return scores.softmax(dim=-1)

    def extra_repr(self) -> str:
        return f"heads={self.heads}, causal={self.causal}, dropout={self.dropout}"


def _check_width(name: str, shape: tuple, p: dict, width_param: str) -> int:
    """E from the input, checked against the optional width param and the head count."""
    expect_rank(shape, (2,), name, SEQUENCE_LAYOUT,
                fix=f"insert a Reshape to ({shape[0]}, 1) or an Embedding before it"
                if len(shape) == 1 else "")
    e = shape[-1]
    stated = p.get(width_param)
    if stated is not None and stated != e:
        raise ShapeError(f"{name} has {width_param} {stated} but its input has {e} features "
                         f"per step", fix=f"insert a Dense with {stated} units before it, "
                         f"or set {width_param} to {e} (or leave it empty)")
    heads = p["heads"]
    if e % heads:
        divisors = [d for d in range(1, min(e, 64) + 1) if e % d == 0]
        raise ShapeError(f"{name} embed size {e} is not divisible by {heads} heads",
                         fix=f"use a head count that divides {e} "
                             f"({', '.join(map(str, divisors))}) or change the embed size")
    return e


def _infer_mha(p: dict, ins: dict) -> tuple:
    shape = single_input(ins)
    _check_width("MultiheadAttention", shape, p, "embed_dim")
    return shape


register_layer(LayerSpec(
    id="multihead_attention", label="MultiheadAttention", category="Attention",
    params=(int_param("embed_dim", None, 1, 65536, optional=True,
                      help="Model width E; empty takes the input's last axis."),
            int_param("heads", 4, 1, 256, help="Attention heads; must divide E."),
            bool_param("causal", False, help="Each step attends only to itself and earlier "
                                             "steps (for next-token models)."),
            float_param("dropout", 0.0, 0.0, 0.99, help="Dropout on attention weights."),
            bool_param("bias", True, advanced=True)),
    infer=_infer_mha,
    build=lambda p, ins: MultiHeadSelfAttention(single_input(ins)[-1], p["heads"], p["causal"],
                                                p["dropout"], p["bias"]),
    doc="Self-attention: every step looks at every (earlier, if causal) step, in several "
        "heads: (N, T, E) -> (N, T, E)."))


class TransformerEncoderBlock(nn.Module):
    """One transformer encoder layer: attention + feed-forward, each with a residual and LayerNorm.

    Post-norm by default (``x = norm(x + sublayer(x))``, the original paper and
    ``nn.TransformerEncoderLayer``'s default); ``norm_first`` gives pre-norm (GPT).
    """

    def __init__(self, d_model: int, heads: int, ff_size: int, dropout: float = 0.1,
                 causal: bool = False, activation: str = "relu", norm_first: bool = False,
                 eps: float = 1e-5):
        super().__init__()
        self.norm_first = norm_first
        self.attn = MultiHeadSelfAttention(d_model, heads, causal, dropout)
        self.ff = nn.Sequential(nn.Linear(d_model, ff_size),
                                nn.ReLU() if activation == "relu" else nn.GELU(),
                                nn.Dropout(dropout), nn.Linear(ff_size, d_model))
        self.norm1 = nn.LayerNorm(d_model, eps=eps)
        self.norm2 = nn.LayerNorm(d_model, eps=eps)
        self.drop1, self.drop2 = nn.Dropout(dropout), nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (N, T, E) -> (N, T, E)
        if self.norm_first:
            x = x + self.drop1(self.attn(self.norm1(x)))
            return x + self.drop2(self.ff(self.norm2(x)))
        x = self.norm1(x + self.drop1(self.attn(x)))
        return self.norm2(x + self.drop2(self.ff(x)))


def _infer_encoder(p: dict, ins: dict) -> tuple:
    shape = single_input(ins)
    _check_width("TransformerEncoder", shape, p, "d_model")
    return shape


register_layer(LayerSpec(
    id="transformer_encoder", label="TransformerEncoder", category="Attention",
    params=(int_param("d_model", None, 1, 65536, optional=True,
                      help="Model width E; empty takes the input's last axis."),
            int_param("heads", 4, 1, 256, help="Attention heads; must divide d_model."),
            int_param("ff_size", 128, 1, 65536, help="Hidden units of the feed-forward part."),
            float_param("dropout", 0.1, 0.0, 0.99),
            bool_param("causal", False, help="Mask future steps (decoder-only / GPT style)."),
            choice_param("activation", "relu", ("relu", "gelu")),
            bool_param("norm_first", False, advanced=True,
                       help="LayerNorm before each sublayer (pre-norm, GPT) instead of after.")),
    infer=_infer_encoder,
    build=lambda p, ins: TransformerEncoderBlock(single_input(ins)[-1], p["heads"], p["ff_size"],
                                                 p["dropout"], p["causal"], p["activation"],
                                                 p["norm_first"]),
    doc="A transformer encoder block: self-attention and a feed-forward net, each with a "
        "residual connection and LayerNorm."))


def sinusoidal_table(steps: int, dim: int, base: float = 10000.0) -> torch.Tensor:
    """PE[t, 2i] = sin(t / base^(2i/dim)), PE[t, 2i+1] = cos(same): (steps, dim)."""
    position = torch.arange(steps, dtype=torch.float32)[:, None]  # (T, 1)
    freq = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32) * (-math.log(base) / dim))
    table = torch.zeros(steps, dim)
    table[:, 0::2] = torch.sin(position * freq)
    table[:, 1::2] = torch.cos(position * freq[:dim // 2])  # odd dim: one cosine fewer
    return table


class PositionalEncoding(nn.Module):
    """Adds the sinusoidal table to (N, T, E); nothing is learned."""

    table: torch.Tensor

    def __init__(self, steps: int, dim: int, base: float = 10000.0):
        super().__init__()
        # Not persistent: it is a function of the shape, so checkpoints do not carry it.
        self.register_buffer("table", sinusoidal_table(steps, dim, base), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.table[:x.shape[1]]


def _steps_and_width(ins: dict) -> tuple[int, int]:
    steps, width = single_input(ins)
    return steps, width


def _infer_pe(p: dict, ins: dict) -> tuple:
    shape = single_input(ins)
    expect_rank(shape, (2,), "PositionalEncoding", SEQUENCE_LAYOUT,
                fix="put it after an Embedding" if len(shape) == 1 else "")
    return shape


register_layer(LayerSpec(
    id="positional_encoding", label="PositionalEncoding", category="Attention",
    params=(float_param("base", 10000.0, 2.0, 1e9, advanced=True,
                        help="Wavelengths grow geometrically up to 2 pi * base."),),
    infer=_infer_pe,
    build=lambda p, ins: PositionalEncoding(*_steps_and_width(ins), base=p["base"]),
    doc="Adds sin/cos waves of different frequencies to each step so attention can tell "
        "positions apart: (N, T, E) -> (N, T, E)."))
