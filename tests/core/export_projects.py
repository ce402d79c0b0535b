"""Projects of several graph kinds for the export tests, and a torch-only subprocess runner."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from playground.project.presets import load_preset
from playground.project.schema import Project
from tests.helpers import make_project

ROOT = Path(__file__).resolve().parents[2]

#: Prepended to code run in a subprocess: the playground (and this repo) cannot be imported,
#: nor any other top-level package named in BLOCKED.
NO_PLAYGROUND = f"""
import importlib.abc, sys
sys.path[:] = [p for p in sys.path if p and (not p.startswith({str(ROOT)!r})
                                             or "site-packages" in p)]  # a .venv in the repo
BLOCKED = ('playground', 'ui', 'tests') + EXTRA_BLOCKED
class _Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in BLOCKED:
            raise ImportError('the exported file must not need ' + name)
sys.meta_path.insert(0, _Block())
"""


def run_isolated(code: str, cwd: Path, args: tuple[str, ...] = (), timeout: float = 300,
                 blocked: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """Run ``code`` with ``python -I`` in ``cwd``, the playground (and ``blocked``) made
    unimportable: a client that is not this project."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["OMP_NUM_THREADS"] = "1"
    prelude = f"EXTRA_BLOCKED = {tuple(blocked)!r}\n" + NO_PLAYGROUND
    return subprocess.run([sys.executable, "-I", "-c", prelude + code, *args], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout, env=env)


def node(nid: str, type_: str, **params) -> dict:
    return {"id": nid, "type": type_, "params": params, "pos": [0, 0]}


def edge(src: str, dst: str, port: str = "in") -> dict:
    return {"src": src, "dst": dst, "dst_port": port}


def chain(*nodes: dict) -> dict:
    return {"nodes": list(nodes),
            "edges": [edge(a["id"], b["id"]) for a, b in zip(nodes, nodes[1:])]}


def dense_project() -> Project:
    """The launch-xor preset: Dense + ReLU, Dense + sigmoid."""
    return load_preset("launch-xor")


def conv_project() -> Project:
    """A small digits CNN: conv (same), pool, strided conv, batchnorm, dropout, dense."""
    graph = chain(node("img", "input"),
                  node("c1", "conv2d", filters=4, kernel_size=[3, 3], padding="same",
                       activation="relu"),
                  node("p1", "maxpool", kernel_size=2, padding="same"),
                  node("c2", "conv2d", filters=6, kernel_size=[3, 3], stride=[2, 2],
                       padding="same", activation="elu"),
                  node("bn", "batchnorm"), node("flat", "flatten"), node("drop", "dropout", p=0.2),
                  node("head", "dense", units=10, activation="softmax"), node("y", "output"))
    return make_project(graphs={"model": graph},
                        data={"type": "digits", "params": {}, "seed": 0,
                              "split": {"val": 0.2, "test": 0.0}},
                        task={"type": "classification", "params": {"loss": "cross_entropy"}},
                        training={"batch_size": 64, "epochs": 2})


def branchy_project() -> Project:
    """TF Playground features, two branches joined by Add and Concat, LayerNorm."""
    nodes = [node("x", "input"),
             node("feat", "features", x1=True, x2=True, x1_squared=True, sin_x1=True),
             node("a", "dense", units=5, activation="tanh"),
             node("b", "dense", units=5, activation="leaky_relu"),
             node("sum", "add"), node("cat", "concat"), node("ln", "layernorm"),
             node("head", "dense", units=1, activation="sigmoid"), node("y", "output")]
    edges = [edge("x", "feat"), edge("feat", "a"), edge("feat", "b"), edge("a", "sum", "in1"),
             edge("b", "sum", "in2"), edge("sum", "cat", "in1"), edge("feat", "cat", "in2"),
             edge("cat", "ln"), edge("ln", "head"), edge("head", "y")]
    return make_project(graphs={"model": {"nodes": nodes, "edges": edges}})


def recurrent_project() -> Project:
    """A stacked bidirectional LSTM with Keras's single bias on a noisy harmonic series."""
    graph = chain(node("window", "input"),
                  node("lstm", "lstm", hidden_size=8, num_layers=2, bidirectional=True,
                       bias="one", init="keras"),
                  node("head", "dense", units=1), node("y", "output"))
    return make_project(graphs={"model": graph},
                        data={"type": "harmonic", "params": {"window": 10}, "seed": 0},
                        task={"type": "forecast", "params": {"loss": "mse"}},
                        training={"batch_size": 32, "epochs": 2})


def attention_project() -> Project:
    """Embedding, positional encoding and a causal transformer block on characters."""
    graph = chain(node("tokens", "input"), node("emb", "embedding", vocab_size=40, dim=16),
                  node("pos", "positional_encoding"),
                  node("block", "transformer_encoder", heads=2, ff_size=32, causal=True),
                  node("flat", "flatten"), node("head", "dense", units=29), node("y", "output"))
    return make_project(graphs={"model": graph},
                        data={"type": "text_chars",
                              "params": {"window": 8, "corpus_chars": 2000}, "seed": 0},
                        task={"type": "classification", "params": {"loss": "cross_entropy"}},
                        training={"batch_size": 64, "epochs": 1})


def vae_project() -> Project:
    """A VAE on 8x8 digits: encoder, mu/logvar, Sampling, decoder."""
    nodes = [node("x", "input"), node("enc", "dense", units=16, activation="relu"),
             node("mu", "dense", units=2), node("logvar", "dense", units=2),
             node("z", "sampling"), node("dec", "dense", units=64, activation="sigmoid"),
             node("y", "output")]
    edges = [edge("x", "enc"), edge("enc", "mu"), edge("enc", "logvar"), edge("mu", "z", "mu"),
             edge("logvar", "z", "logvar"), edge("z", "dec"), edge("dec", "y")]
    return make_project(graphs={"model": {"nodes": nodes, "edges": edges}},
                        data={"type": "digits", "params": {"as_image": False}, "seed": 0,
                              "standardize": "minmax"},
                        task={"type": "vae", "params": {"loss": "bce"}},
                        training={"batch_size": 64, "epochs": 1})


def gan_project() -> Project:
    """A GAN on 1-D Gaussian samples: two graphs, two optimizers, the task's own noise RNG."""
    generator = chain(node("z", "input", shape=[4]), node("h", "dense", units=8, activation="relu"),
                      node("o", "dense", units=1), node("y", "output"))
    critic = chain(node("x", "input"), node("h", "dense", units=8, activation="leaky_relu"),
                   node("o", "dense", units=1, activation="sigmoid"), node("y", "output"))
    return make_project(graphs={"generator": generator, "discriminator": critic},
                        data={"type": "gaussian_samples", "params": {}, "seed": 0},
                        task={"type": "gan", "params": {}},
                        training={"batch_size": 64, "epochs": 4})


#: Graph kind -> project builder.
KINDS = {"dense": dense_project, "conv": conv_project, "branchy": branchy_project,
         "recurrent": recurrent_project, "attention": attention_project, "vae": vae_project}
