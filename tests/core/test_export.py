"""Model exports: ExportedProgram, ONNX, TorchScript and Python round-trip on several graphs.

Every kind of :data:`tests.core.export_projects.KINDS` (dense, conv, branchy
merges, recurrent, attention, VAE) is trained for an epoch and exported to each
format. The outputs of every exported file must equal the live model's within
1e-5, also when the files are run by clients that are not this project: the
ExportedProgram, TorchScript and Python files by a Python with torch only, the
ONNX file by a Python with onnxruntime only (torch unimportable).
"""

from __future__ import annotations

import json
import re
import sys

import numpy as np
import pytest
import torch
from torch import nn

from playground.errors import GraphError, PlaygroundError
from playground.export import export
from playground.export.common import (
    TOLERANCE,
    export_target,
    flat_outputs,
    max_abs_diff,
    sample_inputs,
)
from playground.export.metrics import export_metrics_csv
from playground.layers import LAYERS, LayerSpec, register_layer
from playground.params import float_param
from playground.run.session import build_session
from tests.core.export_projects import KINDS, chain, gan_project, node, run_isolated
from tests.helpers import make_project

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

FORMATS = {"pt2": ".pt2", "torchscript": ".ts", "onnx": ".onnx", "python": "_model.py"}

#: Loads every ExportedProgram, TorchScript and Python export with torch only; writes their
#: outputs. (Loading TorchScript warns on torch >= 2.14: that is the format's deprecation.)
TORCH_ONLY = """
import importlib, os, sys, warnings
import numpy as np, torch
warnings.simplefilter("ignore", FutureWarning)
sys.path.insert(0, os.getcwd())
torch.set_num_threads(1)
for kind in sys.argv[1:]:
    with np.load(f"{kind}_in.npz") as f:
        inputs = [torch.from_numpy(f[k]) for k in sorted(f.files)]
    program = torch.export.load(f"{kind}.pt2").module()
    scripted = torch.jit.load(f"{kind}.ts")
    model = importlib.import_module(f"{kind}_model").load_model()
    with torch.no_grad():
        np.savez(f"{kind}_out.npz", pt2=program(*inputs).numpy(), ts=scripted(*inputs).numpy(),
                 py=model(*inputs).numpy())
weights = torch.load("dense_model.pt", weights_only=True)
import runpy
runpy.run_path("dense_model.py", run_name="__main__")  # the file's own example
print("ok", sorted(weights)[0], "playground" in sys.modules)
"""


#: Runs every ONNX export with onnxruntime and numpy only (torch cannot be imported).
ONNX_ONLY = """
import sys
import numpy as np, onnxruntime as ort
for kind in sys.argv[1:]:
    with np.load(f"{kind}_in.npz") as f:
        inputs = [f[k] for k in sorted(f.files)]
    session = ort.InferenceSession(f"{kind}.onnx", providers=["CPUExecutionProvider"])
    feeds = {i.name: x for i, x in zip(session.get_inputs(), inputs)}
    np.savez(f"{kind}_onnx_out.npz", *session.run(None, feeds))
    small = {name: x[:3] for name, x in feeds.items()}  # the batch axis is dynamic
    assert session.run(None, small)[0].shape[0] == 3
print("ok", "torch" in sys.modules)
"""


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """kind -> (results by format, sample inputs, live outputs, torch-only outputs)."""
    out = tmp_path_factory.mktemp("exports")
    done = {}
    for kind, build in KINDS.items():
        session = build_session(build(), device="cpu")
        session.trainer.run(epochs=1)  # export trained weights, not the initial ones
        model, compiled, _ = export_target(session)
        inputs = sample_inputs(session, compiled)
        with torch.no_grad():
            expected = flat_outputs(model(*inputs))
        np.savez(out / f"{kind}_in.npz", *[x.numpy() for x in inputs])
        results = {fmt: export(session, fmt, out / f"{kind}{suffix}")
                   for fmt, suffix in FORMATS.items()}
        done[kind] = (results, inputs, expected)
    proc = run_isolated(TORCH_ONLY, out, tuple(KINDS))
    assert proc.returncode == 0, proc.stderr[-3000:]
    onnx_client = run_isolated(ONNX_ONLY, out, tuple(KINDS), blocked=("torch",))
    assert onnx_client.returncode == 0, onnx_client.stderr[-3000:]
    assert onnx_client.stdout.split() == ["ok", "False"], onnx_client.stdout
    # The example prints a tensor, the weights file reads with weights_only=True, and the
    # playground was never imported.
    assert proc.stdout.startswith("tensor([[") and "])" in proc.stdout, proc.stdout
    assert proc.stdout.splitlines()[-1] == "ok hidden.0.bias False", proc.stdout
    return out, done


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("fmt", list(FORMATS))
def test_export_matches_the_live_model(exported, kind, fmt):
    _, done = exported
    result = done[kind][0][fmt]
    assert result.max_abs_diff is not None and result.max_abs_diff <= TOLERANCE, result.notes
    assert all(p.exists() for p in result.paths)


@pytest.mark.parametrize("kind", list(KINDS))
def test_exports_run_in_clients_that_are_not_the_playground(exported, kind):
    out, done = exported
    _, _, expected = done[kind]
    with np.load(out / f"{kind}_out.npz") as f:
        for key in ("pt2", "ts", "py"):
            assert max_abs_diff(torch.from_numpy(f[key]), expected[0]) <= TOLERANCE, key
    with np.load(out / f"{kind}_onnx_out.npz") as f:
        got = [torch.from_numpy(f[f"arr_{i}"]) for i in range(len(f.files))]
    assert max_abs_diff(got, expected) <= TOLERANCE


@pytest.mark.parametrize("kind", list(KINDS))
def test_onnx_passes_checker_and_matches_onnxruntime(exported, kind):
    out, done = exported
    _, inputs, expected = done[kind]
    path = out / f"{kind}.onnx"
    onnx.checker.check_model(str(path), full_check=True)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feeds = {i.name: x.numpy() for i, x in zip(session.get_inputs(), inputs)}
    got = session.run(None, feeds)
    assert max_abs_diff([torch.from_numpy(g) for g in got], expected) <= TOLERANCE
    small = {k: v[:3] for k, v in feeds.items()}  # the batch axis is dynamic
    assert session.run(None, small)[0].shape[0] == 3


def test_onnx_uses_the_exporter_torch_recommends(exported):
    _, done = exported
    for kind in KINDS:
        result = done[kind][0]["onnx"]
        assert result.method == "dynamo exporter, opset 18" and not result.notes, kind
    assert done["dense"][0]["pt2"].method == "torch.export"


def test_torchscript_scripts_when_it_can_and_says_when_it_traces(exported):
    _, done = exported
    assert done["dense"][0]["torchscript"].method == "script"
    traced = done["branchy"][0]["torchscript"]  # Add/Concat take *inputs: no script
    assert traced.method == "trace"
    assert any("traced with inputs of shape" in n for n in traced.notes)


def test_python_export_is_readable_code(exported):
    out, _ = exported
    dense = (out / "dense_model.py").read_text()
    assert "self.hidden = nn.Sequential(\n            nn.Linear(2, 6),\n" in dense
    assert "def forward(self, x):\n        hidden = self.hidden(x)\n" in dense
    assert not re.search(r"^\s*(import|from)\s+playground", dense, re.MULTILINE)
    assert "= None" not in dense.split("def forward")[1]  # fx's clean-up lines are gone
    conv = (out / "conv_model.py").read_text()
    assert "nn.ConstantPad2d((0, 1, 0, 1), 0.0)" in conv  # TensorFlow's asymmetric 'same'
    assert "nn.Conv2d(1, 4, (3, 3), padding=(1, 1))" in conv
    branchy = (out / "branchy_model.py").read_text()
    assert "# Copied from playground.layers.core.FeatureTransform." in branchy
    assert 'self.cat = Concat(0)' in branchy
    recurrent = (out / "recurrent_model.py").read_text()
    assert 'Recurrent("lstm", 1, 8, num_layers=2, bidirectional=True, bias="one"' in recurrent
    assert "def _freeze_recurrent_bias(" in recurrent  # a function the class uses, copied too


# -- layers ONNX cannot take, and modules with no constructor to call ------------------------

class Zeta(nn.Module):
    """The Hurwitz zeta function: in PyTorch, in no ONNX opset nor exporter."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.special.zeta(x.abs() + 1.5, torch.full_like(x, 2.0))


class Scale(nn.Module):
    """Multiplies by ``factor``, which its build function sets after construction."""

    def __init__(self):
        super().__init__()
        self.factor = 1.0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.factor


def _scaled(factor: float) -> Scale:
    module = Scale()
    module.factor = factor
    return module


class Lookup(nn.Module):
    """Holds a numpy array set after construction: it cannot be written as code."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + float(self.table.sum())


def _lookup() -> Lookup:
    module = Lookup()
    module.table = np.arange(3.0)
    return module


@pytest.fixture
def test_layers():
    same = lambda p, ins: ins["in"]  # noqa: E731
    specs = [LayerSpec("test_zeta", "Zeta", "Activation", (), same, lambda p, ins: Zeta()),
             LayerSpec("test_scale", "Scale", "Activation",
                       (float_param("factor", 2.0, -10.0, 10.0),), same,
                       lambda p, ins: _scaled(p["factor"])),
             LayerSpec("test_lookup", "Lookup", "Activation", (), same,
                       lambda p, ins: _lookup())]
    for spec in specs:
        register_layer(spec)
    yield
    for spec in specs:
        LAYERS._entries.pop(spec.id)


def _session_with(layer_type: str, **params):
    graph = chain(node("x", "input"), node("hidden", "dense", units=4, activation="tanh"),
                  node("odd", layer_type, **params), node("head", "dense", units=1),
                  node("y", "output"))
    return build_session(make_project(graphs={"model": graph}), device="cpu")


def test_onnx_names_the_layer_it_cannot_take(test_layers, tmp_path):
    session = _session_with("test_zeta")
    with pytest.raises(GraphError) as err:
        export(session, "onnx", tmp_path / "m.onnx")
    message = str(err.value)
    assert message.startswith("node 'odd': ONNX cannot take this Zeta layer (type 'test_zeta')")
    assert "zeta" in message.split("):", 1)[1]
    assert list(tmp_path.iterdir()) == []  # no partial file
    result = export(session, "python", tmp_path / "m.py")  # other formats still work
    assert result.max_abs_diff == 0.0
    assert "# Copied from tests.core.test_export.Zeta." in (tmp_path / "m.py").read_text()


def test_python_export_restores_modules_whose_arguments_are_lost(test_layers, tmp_path):
    session = _session_with("test_scale", factor=3.0)
    result = export(session, "python", tmp_path / "m.py")
    assert result.max_abs_diff == 0.0
    assert 'self.odd = _restore(Scale, {"factor": 3.0})' in (tmp_path / "m.py").read_text()


def test_python_export_names_the_node_it_cannot_write(test_layers, tmp_path):
    session = _session_with("test_lookup")
    with pytest.raises(GraphError, match=r"node 'odd': cannot be written as Python code "
                                         r"\(test_lookup\).*Lookup.table holds a ndarray"):
        export(session, "python", tmp_path / "m.py")
    assert not (tmp_path / "m.py").exists()


# -- odds and ends -------------------------------------------------------------------------

def test_multi_graph_projects_export_each_graph(tmp_path):
    session = build_session(gan_project(), device="cpu")
    for graph in ("generator", "discriminator"):
        for fmt, suffix in FORMATS.items():
            result = export(session, fmt, tmp_path / f"{graph}{suffix}", graph=graph)
            assert result.max_abs_diff <= TOLERANCE, (graph, fmt)
    assert "nn.Linear(4, 8)" in (tmp_path / "generator_model.py").read_text()  # noise in
    with pytest.raises(PlaygroundError, match="no graph called 'critic'"):
        export(session, "onnx", tmp_path / "c.onnx", graph="critic")


def test_graphless_task_has_no_model_to_export(tmp_path):
    from playground.project.presets import load_preset
    session = build_session(load_preset("dlpi-2-beale"), device="cpu")
    for fmt in ("pt2", "torchscript", "onnx", "python"):
        with pytest.raises(PlaygroundError, match="task 'surface' trains no network"):
            export(session, fmt, tmp_path / "x.py")
    with pytest.raises(PlaygroundError, match="task 'surface' is not covered"):
        export(session, "script", tmp_path / "x.py")


def test_unknown_format_and_wrong_suffix(tmp_path):
    session = build_session(KINDS["dense"](), device="cpu")
    with pytest.raises(PlaygroundError, match="unknown export format 'keras'"):
        export(session, "keras", tmp_path / "m.h5")
    with pytest.raises(PlaygroundError, match=r"must be a \.py file"):
        export(session, "python", tmp_path / "m.txt")


def test_onnx_without_the_onnx_package_says_how_to_install(monkeypatch, tmp_path):
    session = build_session(KINDS["dense"](), device="cpu")
    monkeypatch.setitem(sys.modules, "onnx", None)  # import onnx -> ImportError
    with pytest.raises(PlaygroundError, match="pip install onnx"):
        export(session, "onnx", tmp_path / "m.onnx")


def test_exports_leave_the_live_model_and_rngs_alone(tmp_path):
    session = build_session(KINDS["conv"](), device="cpu")
    model = session.task.model
    before = {k: v.clone() for k, v in model.state_dict().items()}
    rng = torch.get_rng_state()
    for fmt, suffix in FORMATS.items():
        export(session, fmt, tmp_path / f"m{suffix}")
    assert model.training  # still in training mode
    assert torch.equal(torch.get_rng_state(), rng)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_metrics_history_to_csv(tmp_path):
    session = build_session(make_project(training={"epochs": 5}), device="cpu")
    session.trainer.run()
    path = export_metrics_csv(session.trainer.history, tmp_path / "metrics.csv")
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    assert header[:2] == ["epoch", "loss"] and "train_accuracy" in header
    assert [row.split(",")[0] for row in lines[1:]] == ["1", "2", "3", "4", "5"]
    x, y = session.trainer.history.arrays()["loss"]
    assert float(lines[-1].split(",")[1]) == pytest.approx(y[-1], rel=1e-8)
    snap = session.trainer.make_snapshot()  # a snapshot's history works too
    again = export_metrics_csv(snap.history, tmp_path / "again.csv")
    assert again.read_text() == path.read_text()


def test_summary_line_names_files_and_difference(tmp_path):
    session = build_session(KINDS["dense"](), device="cpu")
    result = export(session, "python", tmp_path / "net.py")
    assert result.summary() == "wrote net.py, net.pt (python; max output difference 0)"
    assert json.loads(json.dumps(result.max_abs_diff)) == 0.0
