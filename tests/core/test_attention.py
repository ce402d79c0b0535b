"""Attention layers against PyTorch's own modules with the same weights; shapes and errors."""

import math

import pytest
import torch
from torch import nn

from playground.compiler import compile_graph
from playground.graph import Graph
from playground.layers.attention import sinusoidal_table
from playground.shapes import infer


def chain(type_id: str, params: dict, shape: tuple) -> tuple[Graph, dict]:
    g = Graph()
    g.add_node("input", node_id="x")
    g.add_node(type_id, params, node_id="layer")
    g.add_node("output", node_id="y")
    g.connect("x", "layer")
    g.connect("layer", "y")
    return g, {"x": shape}


def compiled_layer(type_id: str, params: dict, shape: tuple):
    g, shapes = chain(type_id, params, shape)
    compiled = compile_graph(g, shapes, seed=0)
    compiled.module.eval()
    return compiled.module, compiled.node_module("layer")


def causal_mask(t: int) -> torch.Tensor:
    return torch.ones(t, t, dtype=torch.bool).triu(1)  # True = may not attend


def torch_mha(ours, e: int, heads: int) -> nn.MultiheadAttention:
    ref = nn.MultiheadAttention(e, heads, batch_first=True)
    with torch.no_grad():
        ref.in_proj_weight.copy_(ours.in_proj.weight)
        ref.in_proj_bias.copy_(ours.in_proj.bias)
        ref.out_proj.weight.copy_(ours.out_proj.weight)
        ref.out_proj.bias.copy_(ours.out_proj.bias)
    return ref.eval()


@pytest.mark.parametrize("causal", [False, True])
def test_multihead_attention_matches_torch_forward_and_gradients(causal):
    model, ours = compiled_layer("multihead_attention", {"heads": 4, "causal": causal}, (6, 8))
    ref = torch_mha(ours, 8, 4)
    x = torch.randn(3, 6, 8, requires_grad=True)
    x_ref = x.detach().clone().requires_grad_(True)
    out = model(x)
    mask = causal_mask(6) if causal else None
    expected, weights = ref(x_ref, x_ref, x_ref, attn_mask=mask, need_weights=True,
                            average_attn_weights=False)
    torch.testing.assert_close(out, expected)
    out.pow(2).sum().backward()
    expected.pow(2).sum().backward()
    torch.testing.assert_close(x.grad, x_ref.grad)
    torch.testing.assert_close(ours.in_proj.weight.grad, ref.in_proj_weight.grad)
    torch.testing.assert_close(ours.out_proj.weight.grad, ref.out_proj.weight.grad)
    # The weights a view shows are PyTorch's per-head attention weights.
    torch.testing.assert_close(ours.attention_weights(x.detach()), weights)


def test_causal_attention_ignores_the_future():
    model, ours = compiled_layer("multihead_attention", {"heads": 2, "causal": True}, (5, 4))
    x = torch.randn(1, 5, 4)
    changed = x.clone()
    changed[0, 3:] += 10.0  # edit steps 3 and 4 only
    torch.testing.assert_close(model(x)[0, :3], model(changed)[0, :3])
    assert not torch.allclose(model(x)[0, 3:], model(changed)[0, 3:])
    weights = ours.attention_weights(x)
    assert torch.all(weights[..., causal_mask(5)] == 0)
    torch.testing.assert_close(weights.sum(-1), torch.ones(1, 2, 5))


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("causal", [False, True])
def test_transformer_block_matches_torch_encoder_layer(norm_first, causal):
    params = {"heads": 2, "ff_size": 16, "dropout": 0.0, "causal": causal,
              "norm_first": norm_first}
    model, ours = compiled_layer("transformer_encoder", params, (7, 8))
    ref = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True,
                                     norm_first=norm_first)
    with torch.no_grad():
        ref.self_attn.in_proj_weight.copy_(ours.attn.in_proj.weight)
        ref.self_attn.in_proj_bias.copy_(ours.attn.in_proj.bias)
        ref.self_attn.out_proj.weight.copy_(ours.attn.out_proj.weight)
        ref.self_attn.out_proj.bias.copy_(ours.attn.out_proj.bias)
        for mine, theirs in ((ours.ff[0], ref.linear1), (ours.ff[3], ref.linear2),
                             (ours.norm1, ref.norm1), (ours.norm2, ref.norm2)):
            theirs.weight.copy_(mine.weight)
            theirs.bias.copy_(mine.bias)
    ref.train()  # the training path: no fused fast path, same maths
    model.train()
    x = torch.randn(2, 7, 8)
    mask = causal_mask(7) if causal else None
    expected = ref(x, src_mask=mask, is_causal=causal)
    out = model(x)
    torch.testing.assert_close(out, expected)
    params_ours = [ours.attn.in_proj.weight, ours.ff[0].weight, ours.norm2.weight]
    params_ref = [ref.self_attn.in_proj_weight, ref.linear1.weight, ref.norm2.weight]
    out.pow(2).sum().backward()
    expected.pow(2).sum().backward()
    for a, b in zip(params_ours, params_ref):
        torch.testing.assert_close(a.grad, b.grad)


def test_positional_encoding_is_the_sinusoid_table():
    model, _ = compiled_layer("positional_encoding", {}, (10, 6))
    x = torch.zeros(2, 10, 6)
    pe = model(x)[0]
    for t in (0, 3, 9):
        for i in range(3):
            angle = t / 10000 ** (2 * i / 6)
            assert math.isclose(pe[t, 2 * i].item(), math.sin(angle), abs_tol=1e-6)
            assert math.isclose(pe[t, 2 * i + 1].item(), math.cos(angle), abs_tol=1e-6)
    odd = sinusoidal_table(4, 5)
    assert odd.shape == (4, 5) and math.isclose(odd[2, 4].item(), math.sin(2 / 10000 ** 0.8),
                                                abs_tol=1e-6)
    # Not a parameter, not saved: a function of the shape.
    assert list(model.parameters()) == [] and model.state_dict() == {}


def test_embed_not_divisible_by_heads_is_a_shape_error():
    g, shapes = chain("multihead_attention", {"heads": 3}, (5, 10))
    error = infer(g, shapes).nodes["layer"].error
    assert error.node == "layer"
    assert "embed size 10 is not divisible by 3 heads" in error.message
    assert "1, 2, 5, 10" in error.fix
    g2, shapes2 = chain("transformer_encoder", {"heads": 4}, (5, 6))
    assert "not divisible by 4 heads" in infer(g2, shapes2).nodes["layer"].error.message


def test_stated_width_must_match_the_input():
    g, shapes = chain("transformer_encoder", {"d_model": 16, "heads": 2}, (5, 8))
    error = infer(g, shapes).nodes["layer"].error
    assert "d_model 16 but its input has 8 features" in error.message
    assert "Dense with 16 units" in error.fix


@pytest.mark.parametrize("type_id", ["multihead_attention", "transformer_encoder",
                                     "positional_encoding"])
def test_non_sequence_input_is_a_shape_error(type_id):
    g, shapes = chain(type_id, {"heads": 1} if type_id != "positional_encoding" else {}, (8,))
    error = infer(g, shapes).nodes["layer"].error
    assert "expects (N, steps, embed) but gets (N, 8)" in error.message
    assert error.fix


def test_char_model_embedding_attention_stack_trains():
    g = Graph()
    for nid, kind, params in [
            ("x", "input", {}), ("emb", "embedding", {"vocab_size": 12, "dim": 8}),
            ("pos", "positional_encoding", {}),
            ("block", "transformer_encoder", {"heads": 2, "ff_size": 16, "causal": True}),
            ("flat", "flatten", {}), ("head", "dense", {"units": 12}), ("y", "output", {})]:
        g.add_node(kind, params, node_id=nid)
    for a, b in [("x", "emb"), ("emb", "pos"), ("pos", "block"), ("block", "flat"),
                 ("flat", "head"), ("head", "y")]:
        g.connect(a, b)
    compiled = compile_graph(g, {"x": (6,)})
    x = torch.randint(0, 12, (16, 6)).float()
    y = torch.randint(0, 12, (16,))
    opt = torch.optim.Adam(compiled.module.parameters(), lr=1e-2)
    losses = []
    for _ in range(30):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(compiled.module(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] * 0.5
