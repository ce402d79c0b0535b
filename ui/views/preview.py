"""Preview a view on a small sample project: ``python -m ui.views.boundary`` and friends.

Also used to render screenshots: :func:`render` trains a sample project for a
few epochs, feeds the final snapshot to a view and saves it as PNG.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from playground.project.presets import presets_dir
from playground.project.schema import project_from_dict
from playground.run.session import Session, build_session

TRAINING = {"optimizer": {"type": "adam", "params": {"lr": 0.01}}, "batch_size": 32,
            "epochs": 100, "seed": 0, "device": "cpu"}


def _chain(*layers: tuple[str, dict]) -> dict:
    nodes = [{"id": "x", "type": "input", "params": {}, "pos": [0, 0]}]
    for i, (kind, params) in enumerate(layers, start=1):
        nodes.append({"id": params.pop("id", f"l{i}"), "type": kind, "params": params,
                      "pos": [150 * i, 0]})
    nodes.append({"id": "y", "type": "output", "params": {}, "pos": [150 * len(nodes), 0]})
    return {"nodes": nodes, "edges": [{"src": a["id"], "dst": b["id"]}
                                      for a, b in zip(nodes, nodes[1:])]}


def _dense(units: int, activation: str = "relu", **extra: Any) -> tuple[str, dict]:
    return ("dense", {"units": units, "activation": activation, **extra})


def _project(graph: dict, data: dict, task: dict, **training: Any) -> dict:
    return {"format_version": 1, "graphs": {"model": graph}, "data": data, "task": task,
            "training": {**TRAINING, **training}}


def _formula(task: dict, data: dict | None = None) -> dict:
    """A project without a network: a formula task (on ``data``)."""
    raw = {"format_version": 1, "graphs": {}, "task": task, "training": {**TRAINING, "epochs": 1}}
    return raw if data is None else {**raw, "data": data}


def _preset(name: str, **training: Any) -> dict:
    raw = json.loads((presets_dir() / f"{name}.json").read_text())
    raw["training"].update(device="cpu", **training)
    return raw


def samples() -> dict[str, tuple[dict, int]]:
    """Sample name -> (project dict, epochs to train before showing)."""
    clf = {"type": "classification", "params": {"loss": "bce"}}
    return {
        "xor": (_preset("launch-xor"), 2000),
        "spiral": (_project(
            _chain(_dense(16), _dense(16), _dense(16, "sigmoid"), _dense(1, "sigmoid")),
            {"type": "two_spirals", "params": {}, "seed": 0, "split": {"test": 0.2},
             "standardize": "standard"}, clf, epochs=300), 300),
        "circle": (_project(
            _chain(_dense(8, "tanh"), _dense(4, "tanh"), _dense(1, "tanh")),
            {"type": "circle", "params": {}, "seed": 0, "split": {"test": 0.5}},
            {"type": "classification", "params": {"loss": "mse"}}), 60),
        "iris": (_project(
            _chain(_dense(8), _dense(3, "identity")),
            {"type": "iris", "params": {"features": "petal"}, "seed": 0,
             "split": {"val": 0.3}, "standardize": "standard"},
            {"type": "classification", "params": {"loss": "cross_entropy"}}), 100),
        "reg2d": (_project(
            _chain(_dense(8, "tanh"), _dense(8, "tanh"), _dense(1, "identity")),
            {"type": "reg_gauss", "params": {}, "seed": 0, "split": {"val": 0.2}},
            {"type": "regression", "params": {"loss": "mse"}}), 60),
        "line": (_project(
            _chain(_dense(8, "tanh"), _dense(1, "identity")),
            {"type": "linreg_line", "params": {}, "seed": 0, "split": {"val": 0.2},
             "standardize": "standard"},
            {"type": "regression", "params": {"loss": "mse"}},
            optimizer={"type": "adam", "params": {"lr": 0.05}}), 150),
        "cnn": (_project(
            _chain(("conv2d", {"filters": 8, "kernel_size": [3, 3], "activation": "relu",
                               "padding": "same"}),
                   ("maxpool", {}),
                   ("conv2d", {"filters": 8, "kernel_size": [3, 3], "activation": "relu",
                               "padding": "same"}),
                   ("flatten", {}), _dense(10, "identity")),
            {"type": "digits", "params": {"as_image": True}, "seed": 0,
             "split": {"val": 0.2}},
            {"type": "classification", "params": {"loss": "cross_entropy"}}), 10),
        "autoencoder": (_project(
            _chain(_dense(32), _dense(2, "identity"), _dense(32), _dense(64, "sigmoid")),
            {"type": "digits", "params": {"as_image": False}, "seed": 0,
             "split": {"val": 0.2}, "standardize": "minmax"},
            {"type": "autoencoder", "params": {"loss": "mse"}}), 40),
        "denoise": (_project(
            _chain(_dense(32), _dense(16), _dense(32), _dense(64, "sigmoid")),
            {"type": "digits", "params": {"as_image": False}, "seed": 0,
             "split": {"val": 0.2}, "standardize": "minmax"},
            {"type": "autoencoder", "params": {"loss": "mse", "noise": "gaussian",
                                               "noise_level": 0.3}}), 40),
        "beale": (_preset("dlpi-2-beale"), 100),
        "airline": (_preset("dlpi-5-lstm-airline"), 60),
        "gan1d": (_preset("dlpi-8-gan-1d"), 3),
        "shapes": (_preset("dl4b-12-cnn-filters"), 1),
        "vae": (_preset("dl4b-9-vae-digits"), 5),
        "gan_digits": (_preset("dl4b-14-gan-digits"), 3),
        "bp_step": (_preset("dlpi-1-bp-step"), 1),
        "chars": (_project(
            _chain(("embedding", {"vocab_size": 29, "dim": 32}), ("positional_encoding", {}),
                   ("transformer_encoder", {"heads": 4, "ff_size": 64, "causal": True,
                                            "dropout": 0.0}),
                   ("layernorm", {}), _dense(29, "identity")),
            {"type": "text_chars", "params": {"window": 24, "step": 12, "corpus_chars": 6000},
             "seed": 0},
            {"type": "language_model", "params": {"prompt": "the cat sees a red"}},
            optimizer={"type": "adam", "params": {"lr": 0.01}}), 8),
        "encoding": (_formula({"type": "positional_encoding"}), 1),
        "kernel": (_formula({"type": "nadaraya_watson"}, {"type": "noisy_sine", "seed": 0}), 1),
        "beams": (_formula({"type": "beam_search"}), 1),
        "newton": (_preset("ldl-e-newton"), 12),
        "bayes": (_preset("dlpi-9-bayes-regression"), 100),
        "outliers": (_preset("ldl-17-ae-outliers"), 10),
        "memory": (_preset("ldl-10-cec-memory"), 10),
        "search": (_preset("ad3501-search"), 1),
        "overfitting": (_preset("dlpi-2-overfitting"), 1),
    }


def sample_session(name: str) -> tuple[Session, int]:
    """A fresh session of sample project ``name`` and its epochs to train."""
    raw, epochs = samples()[name]
    return build_session(project_from_dict(raw)), epochs


def render(view_id: str, sample: str, path: str, size: tuple[int, int] = (640, 480),
           epochs: int | None = None, setup=None) -> Any:
    """Train ``sample``, show its final snapshot in a new view and save it to ``path`` (PNG)."""
    from ui.views import create_view

    session, default = sample_session(sample)
    view = create_view(view_id)
    view.resize(*size)
    view.set_session(session)
    session.trainer.run(default if epochs is None else epochs)
    if setup is not None:
        setup(view)
    view.show_snapshot(session.trainer.make_snapshot())
    view.show()
    view.flush()
    view.export_png(path)
    return view


def preview(view_id: str, sample: str) -> None:
    """Open ``view_id`` in a window on a trained ``sample`` project (for developers)."""
    from PySide6.QtWidgets import QApplication

    from ui.views import create_view

    app = QApplication.instance() or QApplication(sys.argv)
    session, epochs = sample_session(sample)
    view = create_view(view_id)
    view.set_session(session)
    session.trainer.run(epochs)
    view.show_snapshot(session.trainer.make_snapshot())
    view.setWindowTitle(f"{view.title}: {sample}")
    view.resize(720, 540)
    view.show()
    app.exec()
