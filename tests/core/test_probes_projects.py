"""Small representative projects for the probe and view tests, and which probes apply to each.

The builders are imported by ``tests/core/test_probes*.py`` and ``tests/ui/test_views*.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from playground.probes import PROBES, applicable_probes
from playground.project.schema import project_from_dict
from playground.run.session import Session, build_session

PRESETS = Path(__file__).resolve().parents[2] / "presets"
TRAINING = {"optimizer": {"type": "adam", "params": {"lr": 0.01}}, "batch_size": 32,
            "epochs": 5, "seed": 0, "device": "cpu"}


def chain(*layers: tuple[str, dict]) -> dict:
    """Input -> layers... -> Output as project JSON; layer ids are l1, l2..."""
    nodes = [{"id": "x", "type": "input", "params": {}, "pos": [0, 0]}]
    ids = ["x"]
    for i, (kind, params) in enumerate(layers, start=1):
        nodes.append({"id": f"l{i}", "type": kind, "params": params, "pos": [150 * i, 0]})
        ids.append(f"l{i}")
    nodes.append({"id": "y", "type": "output", "params": {}, "pos": [150 * len(ids), 0]})
    ids.append("y")
    return {"nodes": nodes, "edges": [{"src": a, "dst": b} for a, b in zip(ids, ids[1:])]}


def dense(units: int, activation: str = "relu") -> tuple[str, dict]:
    return ("dense", {"units": units, "activation": activation})


def project(graph: dict, data: dict, task: dict, **training) -> dict:
    return {"format_version": 1, "graphs": {"model": graph}, "data": data, "task": task,
            "training": {**TRAINING, **training}}


def session_of(raw: dict) -> Session:
    return build_session(project_from_dict(raw))


def xor_session() -> Session:
    raw = json.loads((PRESETS / "launch-xor.json").read_text())
    raw["training"]["device"] = "cpu"
    return session_of(raw)


def spiral_session(epochs: int = 5, fast_path: bool = True) -> Session:
    """dl4b-6-spirals-deep-like: 2-16-16-16-1 (relu, relu, sigmoid, sigmoid), test split."""
    return session_of(project(
        chain(dense(16), dense(16), dense(16, "sigmoid"), dense(1, "sigmoid")),
        {"type": "two_spirals", "params": {"n_per_class": 150}, "seed": 0,
         "split": {"val": 0.0, "test": 0.2}, "standardize": "standard"},
        {"type": "classification", "params": {"loss": "bce"}}, epochs=epochs,
        fast_path=fast_path))


def circle_session() -> Session:
    return session_of(project(
        chain(dense(8, "tanh"), dense(4, "tanh"), dense(1, "tanh")),
        {"type": "circle", "params": {"n_samples": 200}, "seed": 0,
         "split": {"val": 0.25}},
        {"type": "classification", "params": {"loss": "mse"}}))


def iris_session() -> Session:
    """Three classes on 2-D petal features (multiclass boundary)."""
    return session_of(project(
        chain(dense(8), dense(3)),
        {"type": "iris", "params": {"features": "petal"}, "seed": 0, "split": {"val": 0.3},
         "standardize": "standard"},
        {"type": "classification", "params": {"loss": "cross_entropy"}}))


def reg2d_session() -> Session:
    return session_of(project(
        chain(dense(8, "tanh"), dense(8, "tanh"), dense(1, "identity")),
        {"type": "reg_gauss", "params": {"n_samples": 300}, "seed": 0, "split": {"val": 0.2}},
        {"type": "regression", "params": {"loss": "mse"}}))


def line_session() -> Session:
    """1-D regression (the launchpad's noisy line): fit curve."""
    return session_of(project(
        chain(dense(8, "tanh"), dense(1, "identity")),
        {"type": "linreg_line", "params": {}, "seed": 0, "split": {"val": 0.2},
         "standardize": "standard"},
        {"type": "regression", "params": {"loss": "mse"}}, epochs=20))


def digits_cnn_session() -> Session:
    return session_of(project(
        chain(("conv2d", {"filters": 6, "kernel_size": [3, 3], "activation": "relu",
                          "padding": "same"}),
              ("maxpool", {}),
              ("conv2d", {"filters": 8, "kernel_size": [3, 3], "activation": "relu"}),
              ("flatten", {}), dense(10, "identity")),
        {"type": "digits", "params": {"as_image": True}, "seed": 0, "split": {"val": 0.2}},
        {"type": "classification", "params": {"loss": "cross_entropy"}}, epochs=2))


def colour_cnn_session() -> Session:
    """A small CNN on colour pictures (objects, 3 x 16 x 16): its first convolution reads
    red, green and blue."""
    return session_of(project(
        chain(("conv2d", {"filters": 6, "kernel_size": [3, 3], "activation": "relu"}),
              ("maxpool", {}),
              ("conv2d", {"filters": 4, "kernel_size": [3, 3], "activation": "relu"}),
              ("flatten", {}), dense(3, "identity")),
        {"type": "objects", "params": {"size": 16, "n_per_class": 8, "n_classes": 3},
         "seed": 0, "split": {"val": 0.25}},
        {"type": "classification", "params": {"loss": "cross_entropy"}}, epochs=1))


def autoencoder_session(noise: str = "none") -> Session:
    """Digits (64 features in [0, 1]) through a 2-unit bottleneck."""
    return session_of(project(
        chain(dense(32), dense(2, "identity"), dense(32), dense(64, "sigmoid")),
        {"type": "digits", "params": {"as_image": False}, "seed": 0, "split": {"val": 0.2},
         "standardize": "minmax"},
        {"type": "autoencoder", "params": {"loss": "mse", "noise": noise,
                                           "noise_level": 0.3 if noise != "none" else 0.0}},
        epochs=3))


def surface_session(epochs: int = 60) -> Session:
    raw = json.loads((PRESETS / "dlpi-2-beale.json").read_text())
    raw["training"]["epochs"] = epochs
    return session_of(raw)


def trained(session: Session, epochs: int | None = None) -> Session:
    session.trainer.run(epochs)
    return session


CASES = {
    "xor": (xor_session, {"boundary", "neurons", "weights", "evaluation", "landscape",
                          "latent"}),
    "spiral": (spiral_session, {"boundary", "neurons", "weights", "evaluation", "landscape",
                                "latent"}),
    "iris": (iris_session, {"boundary", "neurons", "weights", "evaluation", "landscape",
                            "latent"}),
    "reg2d": (reg2d_session, {"boundary", "neurons", "weights", "evaluation", "landscape",
                              "latent"}),
    "line": (line_session, {"weights", "evaluation", "landscape", "latent"}),
    "cnn": (digits_cnn_session, {"weights", "filters", "feature_maps", "evaluation",
                                 "landscape", "latent"}),
    "autoencoder": (autoencoder_session, {"weights", "latent", "samples", "landscape",
                                          "errors"}),
    "surface": (surface_session, {"paths"}),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_probe_applies_where_it_should(name):
    build, expected = CASES[name]
    assert set(applicable_probes(build(), PROBES.ids())) == expected
