"""Small character-level projects shared by the text-family tests."""

from __future__ import annotations

from playground.data.text import GENERATED_VOCAB
from playground.run.session import Session, build_session
from tests.helpers import make_project

VOCAB = len(GENERATED_VOCAB)


def chain(*layers: tuple[str, str, dict]) -> dict:
    """Input -> layers (id, type, params) -> Output, as project JSON."""
    nodes = [{"id": "chars", "type": "input", "params": {}}]
    nodes += [{"id": nid, "type": kind, "params": params} for nid, kind, params in layers]
    nodes.append({"id": "next", "type": "output", "params": {}})
    edges = [{"src": a["id"], "dst": b["id"]} for a, b in zip(nodes, nodes[1:])]
    return {"nodes": nodes, "edges": edges}


def transformer(dim: int = 16, heads: int = 2, blocks: int = 1, causal: bool = True,
                dropout: float = 0.0, vocab: int = VOCAB) -> dict:
    """Embedding -> PositionalEncoding -> blocks x TransformerEncoder -> LayerNorm -> Dense(V)."""
    blocks_ = [(f"block{i + 1}", "transformer_encoder",
                {"heads": heads, "ff_size": 2 * dim, "dropout": dropout, "causal": causal})
               for i in range(blocks)]
    return chain(("embed", "embedding", {"vocab_size": vocab, "dim": dim}),
                 ("pos", "positional_encoding", {}), *blocks_,
                 ("norm", "layernorm", {}), ("head", "dense", {"units": vocab}))


def lstm_last(hidden: int = 16, vocab: int = VOCAB) -> dict:
    """Embedding -> LSTM (last state) -> Dense(V): one prediction after the window."""
    return chain(("embed", "embedding", {"vocab_size": vocab, "dim": 8}),
                 ("lstm", "lstm", {"hidden_size": hidden}),
                 ("head", "dense", {"units": vocab}))


def text_project(graph: dict, window: int = 12, epochs: int = 1, data: dict | None = None,
                 task: dict | None = None, lr: float = 0.01, batch: int = 32):
    """A language-model project on the generated corpus (or ``data`` params)."""
    params = {"window": window, "step": window // 2 or 1, "corpus_chars": 3000,
              "test_fraction": 0.1, **(data or {})}
    return make_project(
        graphs={"model": graph},
        data={"type": "text_chars", "params": params, "seed": 0},
        task={"type": "language_model", "params": task or {}},
        training={"optimizer": {"type": "adam", "params": {"lr": lr}}, "batch_size": batch,
                  "epochs": epochs, "seed": 0, "device": "cpu"})


def text_session(graph: dict, **kwargs) -> Session:
    """:func:`text_project` built into a session."""
    return build_session(text_project(graph, **kwargs))
