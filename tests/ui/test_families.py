"""Each model family built in the main window's editor by drag and drop, then trained.

Recurrent (LSTM on the airline series), attention (embedding, positional
encoding, transformer block on characters), VAE (encoder, mu/logvar,
sampling, decoder on digits), GAN (generator and discriminator, switched with
the window's graph selector) and a classic rule (a perceptron on Input ->
Dense(1, sign)). Every layer arrives through a real drag-and-drop event on
the canvas, every edge through the editor's connect_ports (what dropping a
dragged edge does) and every setting through the inspector's form; the
shape report must be clean before the run, and a few training steps must run.
"""

from __future__ import annotations

import math

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QSpinBox

from playground.project.schema import project_from_dict
from tests.ui.main_helpers import close_window, make_window
from tests.ui.test_editor_canvas import drop
from ui.params_form import format_value

TRAINING = {"optimizer": {"type": "adam", "params": {"lr": 0.005}}, "batch_size": 32,
            "epochs": 50, "seed": 0, "device": "cpu"}


def empty_project(data: dict, task: dict, graphs=("model",), **training) -> object:
    """A project with empty graphs: everything in them comes from the editor."""
    return project_from_dict({
        "format_version": 1, "name": "built by hand",
        "graphs": {name: {"nodes": [], "edges": []} for name in graphs},
        "data": data, "task": task, "training": {**TRAINING, **training}})


class Builder:
    """Drops layers on a main window's canvas, wires and sets them through the UI."""

    def __init__(self, qtbot, window):
        self.qtbot, self.window = qtbot, window
        self.count = 0

    @property
    def editor(self):
        return self.window.editor

    def add(self, type_id: str, **params) -> str:
        """Drop ``type_id`` from the palette (a real QDropEvent); set ``params`` in the
        inspector; the new node's id."""
        viewport = self.editor.view.viewport().rect()
        col, row = self.count % 5, self.count // 5
        point = QPoint(60 + col * (viewport.width() - 120) // 4, 60 + row * 110)
        self.count += 1
        before = set(self.editor.graph.nodes)
        assert drop(self.editor, type_id, self.editor.view.mapToScene(point))
        (node_id,) = set(self.editor.graph.nodes) - before
        assert self.editor.graph.nodes[node_id].type == type_id
        for name, value in params.items():
            self.set(node_id, name, value)
        return node_id

    def set(self, node_id: str, name: str, value) -> None:
        """Edit one setting in the inspector, as a user does."""
        self.editor.select([node_id])
        inspector = self.editor.inspector
        assert inspector.node_id == node_id and inspector.form is not None
        field = inspector.form.field(name)
        if isinstance(field, QComboBox):
            field.setCurrentIndex(field.findData(value))
        elif isinstance(field, QSpinBox):
            field.setValue(int(value))
        elif isinstance(field, QCheckBox):
            field.setChecked(bool(value))
        else:
            assert isinstance(field, QLineEdit)
            param = next(p for p in inspector.form.params if p.name == name)
            field.setText(format_value(param, value))
            field.editingFinished.emit()
        stored = self.editor.graph.nodes[node_id].params[name]
        assert (list(stored) if isinstance(stored, tuple) else stored) == value, name

    def chain(self, *node_ids: str) -> None:
        for a, b in zip(node_ids, node_ids[1:]):
            self.connect(a, b)

    def connect(self, src: str, dst: str, port: str = "in") -> None:
        assert self.editor.connect_ports(src, "out", dst, port), (src, dst)

    def check_shapes(self) -> None:
        """The dataset's input shape reaches the new Input nodes; no node reports a problem."""
        window = self.window
        self.qtbot.waitUntil(lambda: window.data_panel.dataset is not None, timeout=30_000)
        report = self.editor.report
        problems = [f"{nid}: {info.error}" for nid, info in report.nodes.items() if info.error]
        assert not report.graph_errors and not problems, (report.graph_errors, problems)
        assert all(info.output is not None for info in report.nodes.values())


def train_a_few_steps(qtbot, window, *keys: str) -> dict:
    """Play until an epoch is done and its metrics ``keys`` are reported, pause; the metrics."""
    assert window.run.stale  # the edits made the old (empty) build stale
    window.actions["play"].trigger()

    def reported() -> bool:
        latest = window.run.latest
        return latest is not None and latest.epoch >= 1 and all(k in latest.metrics
                                                                for k in keys)

    qtbot.waitUntil(lambda: window.run.build_error is not None or reported()
                    or window.run.state in ("finished", "failed"), timeout=120_000)
    assert window.run.build_error is None, window.run.build_error
    window.actions["pause"].trigger()
    qtbot.waitUntil(lambda: window.run.state in ("paused", "finished", "failed"),
                    timeout=60_000)
    assert window.run.state != "failed"
    qtbot.waitUntil(reported, timeout=10_000)
    return window.run.latest.metrics


@pytest.fixture
def window_for(qtbot, tmp_path):
    made = []

    def make(project):
        window = make_window(qtbot, tmp_path, project=project, wait=False)
        window.run.auto_prepare = False  # nothing to build until the graph exists
        made.append(window)
        return window, Builder(qtbot, window)

    yield make
    for window in made:
        close_window(qtbot, window)


def test_recurrent_lstm_forecasts_the_airline_series(qtbot, window_for):
    window, b = window_for(empty_project(
        {"type": "airline", "params": {"window": 12}, "seed": 0},
        {"type": "forecast", "params": {"loss": "mse"}}, batch_size=16))
    months = b.add("input")
    lstm = b.add("lstm", hidden_size=8, bidirectional=True)
    head = b.add("dense", units=1)
    out = b.add("output")
    b.chain(months, lstm, head, out)
    b.check_shapes()
    assert b.editor.report.nodes[lstm].output == (16,)  # two directions of 8
    metrics = train_a_few_steps(qtbot, window, "loss")
    assert math.isfinite(metrics["loss"])


def test_attention_transformer_on_characters(qtbot, window_for):
    window, b = window_for(empty_project(
        {"type": "text_chars", "params": {"window": 8, "corpus_chars": 2000}, "seed": 0},
        {"type": "classification", "params": {"loss": "cross_entropy"}}, batch_size=64))
    qtbot.waitUntil(lambda: window.data_panel.dataset is not None, timeout=30_000)
    vocab = window.data_panel.dataset.n_classes
    tokens = b.add("input")
    emb = b.add("embedding", vocab_size=vocab, dim=16)
    pos = b.add("positional_encoding")
    block = b.add("transformer_encoder", heads=2, ff_size=32, causal=True)
    flat = b.add("flatten")
    head = b.add("dense", units=vocab)
    out = b.add("output")
    b.chain(tokens, emb, pos, block, flat, head, out)
    b.check_shapes()
    assert b.editor.report.nodes[block].output == (8, 16)
    b.set(block, "heads", 3)  # 16 is not divisible by 3: an error on the node, with a fix
    error = b.editor.report.nodes[block].error
    assert error is not None and error.fix
    b.set(block, "heads", 2)
    b.check_shapes()
    metrics = train_a_few_steps(qtbot, window, "loss")
    assert math.isfinite(metrics["loss"])


def test_vae_encoder_sampling_decoder_on_digits(qtbot, window_for):
    window, b = window_for(empty_project(
        {"type": "digits", "params": {"as_image": True}, "seed": 0, "split": {"val": 0.2}},
        {"type": "vae", "params": {"loss": "bce"}}, batch_size=64))
    x = b.add("input")
    flat = b.add("flatten")
    enc = b.add("dense", units=32, activation="relu")
    mu = b.add("dense", units=2)
    logvar = b.add("dense", units=2)
    z = b.add("sampling")
    dec = b.add("dense", units=32, activation="relu")
    pixels = b.add("dense", units=64, activation="sigmoid")
    image = b.add("reshape", shape=[1, 8, 8])
    out = b.add("output")
    b.chain(x, flat, enc, mu)
    b.connect(enc, logvar)
    b.connect(mu, z, "mu")
    b.connect(logvar, z, "logvar")
    b.chain(z, dec, pixels, image, out)
    b.check_shapes()
    assert b.editor.report.nodes[z].output == (2,)
    metrics = train_a_few_steps(qtbot, window, "train_recon", "train_kl")
    assert math.isfinite(metrics["train_recon"]) and math.isfinite(metrics["train_kl"])


def test_gan_generator_and_discriminator_graphs(qtbot, window_for):
    window, b = window_for(empty_project(
        {"type": "gaussian_samples", "params": {}, "seed": 0},
        {"type": "gan", "params": {}}, graphs=("generator", "discriminator"), batch_size=64))
    assert window.graph_row.isVisibleTo(window)
    assert [window.graph_combo.itemText(i) for i in range(window.graph_combo.count())] == \
        ["generator", "discriminator"]
    for name in ("generator", "discriminator"):
        window.graph_combo.setCurrentText(name)
        window.graph_combo.activated.emit(window.graph_combo.currentIndex())
        assert b.editor.graph is window.project.graphs[name]
        b.count = 0
        if name == "generator":
            x = b.add("input", shape=[4])
            h = b.add("dense", units=8, activation="relu")
            o = b.add("dense", units=1)
        else:
            x = b.add("input")
            h = b.add("dense", units=8, activation="leaky_relu")
            o = b.add("dense", units=1, activation="sigmoid")
        b.chain(x, h, o, b.add("output"))
        b.check_shapes()
    assert all(len(g.nodes) == 4 for g in window.project.graphs.values())
    metrics = train_a_few_steps(qtbot, window, "train_d_loss", "train_g_loss")
    assert math.isfinite(metrics["train_d_loss"]) and math.isfinite(metrics["train_g_loss"])


def test_classic_perceptron_rule(qtbot, window_for):
    window, b = window_for(empty_project(
        {"type": "separable_2d", "params": {"n_samples": 40}, "seed": 0},
        {"type": "perceptron", "params": {"selection": "cyclic"}},
        optimizer={"type": "sgd", "params": {"lr": 1.0}}, batch_size="full", epochs=20))
    x = b.add("input")
    unit = b.add("dense", units=1, activation="sign")
    out = b.add("output")
    b.chain(x, unit, out)
    b.check_shapes()
    assert b.editor.total_params() == 3
    metrics = train_a_few_steps(qtbot, window, "train_accuracy", "updates")
    assert 0.0 <= metrics["train_accuracy"] <= 1.0 and metrics["updates"] >= 1


def test_an_input_dropped_after_loading_gets_the_data_shape(qtbot, window_for):
    window, b = window_for(empty_project(
        {"type": "circle", "params": {}, "seed": 0},
        {"type": "classification", "params": {"loss": "bce"}}))
    qtbot.waitUntil(lambda: window.data_panel.dataset is not None, timeout=30_000)
    x = b.add("input")
    assert b.editor.report.nodes[x].output == (2,)
