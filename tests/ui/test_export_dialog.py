"""Export dialog: every format written off the UI thread and loaded back, GAN graphs,
inline errors, the main window's File menu, metrics CSV and view figures."""

from __future__ import annotations

import csv
import importlib.util
import sys
import warnings

import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from playground.export import FORMATS, ExportFormat
from playground.export.common import export_target, sample_inputs
from playground.project.presets import load_preset
from playground.run.session import build_session
from tests.core.export_projects import gan_project
from tests.ui.main_helpers import click, close_window, make_window
from ui.dialogs.export import (
    ExportDialog,
    SessionRunner,
    open_export_dialog,
    save_view_figure,
)


@pytest.fixture(scope="module")
def xor_session():
    session = build_session(load_preset("launch-xor"), device="cpu")
    session.trainer.run(epochs=20)
    return session


def live_outputs(session, graph=None):
    model, compiled, _ = export_target(session, graph)
    inputs = sample_inputs(session, compiled)
    with torch.no_grad():
        return inputs, model(*inputs)


def make_dialog(qtbot, session, path, fmt=None, runner=None, **kw) -> ExportDialog:
    runner = runner or SessionRunner(session)
    dialog = ExportDialog(runner, list(session.project.graphs) if session else ["model"],
                          str(path), **kw)
    qtbot.addWidget(dialog)
    if fmt is not None:
        dialog.format.setCurrentIndex(dialog.format.findData(fmt))
        dialog.path.setText(str(path))
    dialog.show()
    return dialog


def run_export(qtbot, dialog: ExportDialog):
    with qtbot.waitSignal(dialog.exported, timeout=120_000) as blocker:
        qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    return blocker.args


def load_torchscript(path):
    """``torch.jit.load``, which torch deprecates (a DeprecationWarning in 2.13, a
    FutureWarning in 2.14): the format's own deprecation, and why the dialog calls it legacy."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", r"`torch\.jit\.load` is deprecated")
        return torch.jit.load(str(path))


def test_exported_program_written_off_the_ui_thread_loads_back(qtbot, xor_session, tmp_path):
    path = tmp_path / "xor.pt2"
    dialog = make_dialog(qtbot, xor_session, path, "pt2")
    assert not dialog.graph.isVisible()  # one graph: no choice to make
    result, error = run_export(qtbot, dialog)
    assert error == "" and result.format == "pt2" and result.max_abs_diff <= 1e-6
    assert "wrote xor.pt2" in dialog.result.text() and not dialog.error.isVisible()
    assert dialog.run_button.isEnabled() and not dialog.progress.isVisible()
    inputs, expected = live_outputs(xor_session)
    loaded = torch.export.load(str(path)).module()
    with torch.no_grad():
        assert torch.allclose(loaded(*inputs), expected, atol=1e-6)


def test_torchscript_is_offered_as_legacy_and_loads_back(qtbot, xor_session, tmp_path):
    path = tmp_path / "xor.pt"
    dialog = make_dialog(qtbot, xor_session, path, "torchscript")
    label = dialog.format.currentText()
    assert "legacy" in label and "deprecated" in dialog.doc.text().lower()
    current = [dialog.format.itemText(i) for i in range(dialog.format.count())]
    assert current.index(label) > current.index("PyTorch ExportedProgram (.pt2)")
    result, error = run_export(qtbot, dialog)
    assert error == "" and result.format == "torchscript"
    assert "warn" not in dialog.result.text().lower()  # no warning text reaches the user
    inputs, expected = live_outputs(xor_session)
    with torch.no_grad():
        assert torch.allclose(load_torchscript(path)(*inputs), expected, atol=1e-6)


def test_checkpoint_python_and_script(qtbot, xor_session, tmp_path):
    dialog = make_dialog(qtbot, xor_session, tmp_path / "xor.pt", "checkpoint")
    assert not dialog.graph.isEnabled()
    result, error = run_export(qtbot, dialog)
    assert error == ""
    state = torch.load(str(result.paths[0]), weights_only=True)
    assert isinstance(state, dict)

    dialog.format.setCurrentIndex(dialog.format.findData("python"))
    assert dialog.path.text().endswith("xor.py")  # the suffix follows the format
    dialog.path.setText(str(tmp_path / "xor_model.py"))
    result, error = run_export(qtbot, dialog)
    assert error == "" and (tmp_path / "xor_model.py").is_file()
    spec = importlib.util.spec_from_file_location("xor_model", tmp_path / "xor_model.py")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(tmp_path))
    try:
        spec.loader.exec_module(module)
        model = module.load_model()
    finally:
        sys.path.remove(str(tmp_path))
    inputs, expected = live_outputs(xor_session)
    with torch.no_grad():
        assert torch.allclose(model(*inputs), expected, atol=1e-6)

    dialog.format.setCurrentIndex(dialog.format.findData("script"))
    dialog.path.setText(str(tmp_path / "train_xor.py"))
    result, error = run_export(qtbot, dialog)
    assert error == "" and all(p.is_file() for p in result.paths)
    assert {p.suffix for p in result.paths} >= {".py", ".npz"}


def test_onnx_runs_in_onnxruntime(qtbot, xor_session, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    path = tmp_path / "xor.onnx"
    dialog = make_dialog(qtbot, xor_session, path, "onnx")
    result, error = run_export(qtbot, dialog)
    assert error == "" and result.max_abs_diff <= 1e-5
    inputs, expected = live_outputs(xor_session)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    out = session.run(None, {name: inputs[0].numpy()})[0]
    assert np.allclose(out, expected.numpy(), atol=1e-5)


def test_gan_exports_the_chosen_graph(qtbot, tmp_path):
    session = build_session(gan_project(), device="cpu")
    dialog = make_dialog(qtbot, session, tmp_path / "g.pt2", "pt2")
    assert dialog.graph.isVisible() and dialog.graph.currentText() == "generator"
    dialog.graph.setCurrentText("discriminator")
    dialog.path.setText(str(tmp_path / "critic.pt2"))
    result, error = run_export(qtbot, dialog)
    assert error == ""
    critic = torch.export.load(str(tmp_path / "critic.pt2")).module()
    with torch.no_grad():
        out = critic(torch.zeros(5, 1))  # the discriminator takes a sample, not noise
    assert out.shape == (5, 1) and bool(((out >= 0) & (out <= 1)).all())
    assert dialog.choice() == ("pt2", str(tmp_path / "critic.pt2"), "discriminator")


def test_bad_choices_and_failures_show_one_line(qtbot, tmp_path):
    calls = []

    def failing(fmt, path, graph, done):
        calls.append((fmt, path, graph))
        done(None, "node 'lstm': ONNX cannot export this layer")

    dialog = make_dialog(qtbot, None, tmp_path / "nowhere" / "m.pt", runner=failing)
    assert not dialog.start()
    assert "does not exist" in dialog.error.text() and not calls
    dialog.path.setText(str(tmp_path))
    assert not dialog.start() and "is a folder" in dialog.error.text()
    dialog.path.setText("")
    assert not dialog.start() and "Choose a file" in dialog.error.text()
    dialog.path.setText(str(tmp_path / "m.pt"))
    with qtbot.waitSignal(dialog.exported):
        assert dialog.start()
    assert calls and dialog.error.text() == \
        "Export failed: node 'lstm': ONNX cannot export this layer"
    assert "\n" not in dialog.error.text() and dialog.run_button.isEnabled()


def test_browse_and_missing_packages(qtbot, monkeypatch, tmp_path):
    formats = {**FORMATS, "fancy": ExportFormat("fancy", "Fancy (.fy)", ".fy", "needs a package",
                                                "python:export_python",
                                                ("no_such_package_xyz",))}
    dialog = make_dialog(qtbot, None, tmp_path / "m.pt", runner=lambda *a: None,
                         formats=formats)
    item = dialog.format.model().item(dialog.format.findData("fancy"))
    assert not item.isEnabled() and "pip install no_such_package_xyz" in item.toolTip()
    target = str(tmp_path / "chosen.pt")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (target, ""))
    qtbot.mouseClick(dialog.findChild(type(dialog.run_button), "export_browse"),
                     Qt.MouseButton.LeftButton)
    assert dialog.path.text() == target


def test_file_export_from_the_main_window_pauses_and_writes(qtbot, tmp_path, monkeypatch):
    window = make_window(qtbot, tmp_path, "launch-xor")
    try:
        assert window.actions["import_data"] in window.menus["file"].actions()
        assert window.actions["export_metrics"] in window.menus["file"].actions()
        click(qtbot, window, "play")
        qtbot.waitUntil(lambda: window.run.state == "running", timeout=30_000)
        dialog = open_export_dialog(window)
        qtbot.addWidget(dialog)
        dialog.format.setCurrentIndex(dialog.format.findData("pt2"))
        dialog.path.setText(str(tmp_path / "live.pt2"))
        with qtbot.waitSignal(dialog.exported, timeout=120_000) as blocker:
            dialog.start()
        result, error = blocker.args
        assert error == "" and (tmp_path / "live.pt2").is_file()
        assert "paused for the export" in dialog.result.text()
        qtbot.waitUntil(lambda: window.run.state == "paused", timeout=10_000)
        assert "wrote live.pt2" in window.statusBar().currentMessage()

        # Metrics of the run so far, as CSV.
        qtbot.waitUntil(lambda: window.run.latest is not None and bool(window.run.latest.history),
                        timeout=30_000)
        target = tmp_path / "metrics.csv"
        monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
        window.actions["export_metrics"].trigger()
        rows = list(csv.reader(target.read_text().splitlines()))
        assert rows[0][:2] == ["epoch", "loss"] and len(rows) > 1
        assert not window.dialogs.errors
    finally:
        close_window(qtbot, window)


def test_file_export_opens_the_dialog(qtbot, tmp_path):
    from tests.ui.main_helpers import FakeDialogs
    from ui.dialogs.messages import Dialogs

    window = make_window(qtbot, tmp_path, "launch-xor")
    try:
        window.dialogs = Dialogs(window)  # the real ones: File > Export shows the dialog
        window.actions["export"].trigger()
        (dialog,) = window.findChildren(ExportDialog)
        assert dialog.isVisible() and dialog.path.text().endswith("launch-xor.pt")
        assert dialog.note.isHidden()  # the built model is the current one
        dialog.close()
    finally:
        window.dialogs = FakeDialogs()
        close_window(qtbot, window)


def test_nothing_to_export_before_a_build(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, "launch-xor", wait=False)
    try:
        window.run.stop_session()
        assert open_export_dialog(window) is None
        window.actions["export_metrics"].trigger()
        titles = [t for t, _ in window.dialogs.errors]
        assert titles == ["Nothing to export yet", "No metrics yet"]
    finally:
        close_window(qtbot, window)


@pytest.mark.parametrize("suffix, filt, head", [
    (".png", "PNG image (*.png)", b"\x89PNG"),
    (".svg", "SVG drawing (*.svg)", b"<?xml"),
    ("", "SVG drawing (*.svg)", b"<?xml"),  # no suffix typed: the chosen filter's
])
def test_view_figure_png_and_svg(qtbot, xor_session, tmp_path, monkeypatch, suffix, filt, head):
    from ui.views import create_view

    view = create_view("weights")
    qtbot.addWidget(view)
    view.resize(400, 300)
    view.set_session(xor_session)
    view.show()
    view.show_snapshot(xor_session.trainer.make_snapshot())
    target = str(tmp_path / f"weights{suffix}")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (target, filt))
    path, error = save_view_figure(view)
    assert error == "" and path.endswith(".png" if "PNG" in filt else ".svg")
    with open(path, "rb") as handle:
        assert handle.read(5).startswith(head)


def test_view_menu_exports_a_dock_view_and_reports_it(qtbot, tmp_path, monkeypatch):
    window = make_window(qtbot, tmp_path)
    try:
        qtbot.waitUntil(lambda: window.views.ready and bool(window.views.views), timeout=30_000)
        menu = window.menus["view_images"]
        window.views.fill_export_menu(menu)
        titles = [a.text() for a in menu.actions()]
        assert titles == [f"{v.title}…" for v in window.views.views.values()]
        vid = next(iter(window.views.views))
        target = str(tmp_path / "figure.png")
        monkeypatch.setattr(QFileDialog, "getSaveFileName",
                            lambda *a, **k: (target, "PNG image (*.png)"))
        menu.actions()[0].trigger()
        with open(target, "rb") as handle:
            assert handle.read(4) == b"\x89PNG"
        assert "Saved" in window.statusBar().currentMessage()
        # A file that cannot be written: one line in red, nothing raised.
        monkeypatch.setattr(QFileDialog, "getSaveFileName",
                            lambda *a, **k: (str(tmp_path / "no" / "such" / "x.png"), ""))
        assert window.views.export_view(vid) is None
        assert "Could not export" in window.statusBar().currentMessage()
        menu_in_dock = window.views._dock_menu(vid)
        assert menu_in_dock.actions()[0].isEnabled()
    finally:
        close_window(qtbot, window)
