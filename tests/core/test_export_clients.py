"""Every preset with a network, exported and run by clients that are not this project.

Each preset trains one epoch and is exported as an ExportedProgram (.pt2), ONNX and a
Python module. Then, for all presets at once:

* a Python with torch only (the playground unimportable) runs every ``.pt2`` file with
  ``torch.export.load(path).module()`` and every Python module with its ``load_model()``;
* a Python with onnxruntime and numpy only (torch unimportable as well) runs every ONNX file.

Their outputs must equal the live model's within the exports' tolerance, on the sample batch
and on a batch of another size. (The training script's client, ``torchrun``, is
tests/core/test_export_script.py.) Marked slow: ~40 presets x 3 formats.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from playground.export import export
from playground.export.common import TOLERANCE, export_target, flat_outputs, sample_inputs
from playground.project.presets import list_presets, load_preset
from playground.run.session import build_session
from tests.core.export_projects import run_isolated

# One worker runs the module's tests (CI's slow marks use pytest-xdist's loadgroup): the
# export fixture takes minutes and would run once per worker that gets one of them.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("export_clients")]
pytest.importorskip("onnxruntime")

#: Runs tag.pt2 and tag_model.py for every tag with torch only; saves their outputs.
TORCH_CLIENT = """
import importlib, os, sys
import numpy as np, torch
sys.path.insert(0, os.getcwd())
torch.set_num_threads(1)
def flat(out):
    if isinstance(out, torch.Tensor):
        return [out]
    if isinstance(out, dict):
        return [t for v in out.values() for t in flat(v)]
    return [t for v in out for t in flat(v)]
for tag in sys.argv[1:]:
    with np.load(f"{tag}_in.npz") as f:
        xs = [torch.from_numpy(f[f"arr_{i}"]) for i in range(len(f.files))]
    program = torch.export.load(f"{tag}.pt2").module()
    module = importlib.import_module(f"{tag}_model").load_model()
    outs = {}
    with torch.no_grad():
        for name, model in (("pt2", program), ("py", module)):
            for size, batch in (("full", xs), ("small", [x[:3] for x in xs])):
                for i, t in enumerate(flat(model(*batch))):
                    outs[f"{name}_{size}_{i}"] = t.numpy()
    np.savez(f"{tag}_torch_out.npz", **outs)
print("ok", "playground" in sys.modules)
"""

#: Runs tag.onnx for every tag with onnxruntime and numpy only; saves its outputs.
ONNX_CLIENT = """
import sys
import numpy as np, onnxruntime as ort
for tag in sys.argv[1:]:
    with np.load(f"{tag}_in.npz") as f:
        xs = [f[f"arr_{i}"] for i in range(len(f.files))]
    session = ort.InferenceSession(f"{tag}.onnx", providers=["CPUExecutionProvider"])
    outs = {}
    for size, batch in (("full", xs), ("small", [x[:3] for x in xs])):
        feeds = {i.name: x for i, x in zip(session.get_inputs(), batch)}
        for i, y in enumerate(session.run(None, feeds)):
            outs[f"onnx_{size}_{i}"] = y
    np.savez(f"{tag}_onnx_out.npz", **outs)
print("ok", "torch" in sys.modules)
"""


def _targets():
    """(tag, preset id, graph name) for every graph of every preset with a network."""
    for info in list_presets():
        project = load_preset(info.id)
        for graph in project.graphs:
            yield f"{info.id.replace('-', '_')}__{graph}", info.id, graph


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """tag -> expected outputs {"full_i"/"small_i": array}; every file written to one folder."""
    out = tmp_path_factory.mktemp("clients")
    expected: dict[str, dict[str, np.ndarray]] = {}
    sessions = {}
    for tag, preset_id, graph in _targets():
        if preset_id not in sessions:
            session = build_session(load_preset(preset_id), device="cpu", epochs=1)
            session.trainer.run(epochs=1)
            sessions = {preset_id: session}  # one preset's session alive at a time
        session = sessions[preset_id]
        if not session.task.compiled:
            continue  # a surface race or a rule: no network to export
        model, compiled, _ = export_target(session, graph)
        inputs = sample_inputs(session, compiled)
        np.savez(out / f"{tag}_in.npz", *[x.numpy() for x in inputs])
        with torch.no_grad():
            full = flat_outputs(model(*inputs))
            small = flat_outputs(model(*(x[:3] for x in inputs)))
        expected[tag] = {**{f"full_{i}": t.numpy() for i, t in enumerate(full)},
                         **{f"small_{i}": t.numpy() for i, t in enumerate(small)}}
        export(session, "pt2", out / f"{tag}.pt2", graph, verify=False)  # the client checks it
        export(session, "onnx", out / f"{tag}.onnx", graph)
        export(session, "python", out / f"{tag}_model.py", graph)
    tags = tuple(expected)
    torch_run = run_isolated(TORCH_CLIENT, out, tags, timeout=900)
    assert torch_run.returncode == 0, torch_run.stderr[-3000:]
    assert torch_run.stdout.split()[-2:] == ["ok", "False"]
    onnx_run = run_isolated(ONNX_CLIENT, out, tags, timeout=900, blocked=("torch",))
    assert onnx_run.returncode == 0, onnx_run.stderr[-3000:]
    assert onnx_run.stdout.split() == ["ok", "False"]
    return out, expected


def test_every_preset_with_a_network_was_exported(exported):
    _, expected = exported
    presets = {tag.split("__")[0] for tag in expected}
    assert len(presets) >= 40 and "launch_xor" in presets
    assert {"dlpi_8_gan_1d__generator", "dlpi_8_gan_1d__discriminator"} <= set(expected)


@pytest.mark.parametrize("client, formats", [("torch", ("pt2", "py")), ("onnx", ("onnx",))])
def test_clients_compute_what_the_live_model_computes(exported, client, formats):
    out, expected = exported
    worst = {}
    for tag, want in expected.items():
        with np.load(out / f"{tag}_{client}_out.npz") as f:
            for fmt in formats:
                for key, value in want.items():
                    got = f[f"{fmt}_{key}"]
                    assert got.shape == value.shape, (tag, fmt, key)
                    diff = float(np.abs(got.astype(np.float64) - value).max(initial=0.0))
                    worst[(tag, fmt)] = max(worst.get((tag, fmt), 0.0), diff)
    bad = {k: v for k, v in worst.items() if v > TOLERANCE}
    assert not bad, bad
