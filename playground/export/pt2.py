"""The ``pt2`` export: a ``torch.export`` ExportedProgram, PyTorch's current compiled format.

``torch.export.export`` captures the model as an ATen graph with a dynamic
batch dimension; ``torch.export.save`` writes it as one ``.pt2`` file that a
Python with torch only runs::

    model = torch.export.load("net.pt2").module()
    y = model(x)            # x: (any batch, *the dataset's sample shape)

The file is verified the way a user would use it: a fresh Python process
(``python -I``, no playground importable) loads it and runs it on the sample
inputs and on a smaller batch, and its outputs are compared with the live
model's.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from torch import nn

from playground.errors import PlaygroundError
from playground.export.common import (
    TOLERANCE,
    ExportResult,
    export_target,
    first_line,
    flat_outputs,
    max_abs_diff,
    quiet,
    sample_inputs,
)
from playground.project.fileio import atomic_output, serialise
from playground.run.session import Session

#: Run by the verifying process: load the program, run it on both batches, save the outputs.
#: It flattens outputs as :func:`playground.export.flat_outputs` does (dicts in key order).
CLIENT = """
import sys
import numpy as np, torch
def flat(out):
    if isinstance(out, torch.Tensor):
        return [out]
    if isinstance(out, dict):
        return [t for v in out.values() for t in flat(v)]
    return [t for v in out for t in flat(v)]
program, inputs, outputs = sys.argv[1:4]
torch.set_num_threads(1)
model = torch.export.load(program).module()
with np.load(inputs) as f:
    xs = [torch.from_numpy(f[k]) for k in sorted(f.files, key=lambda k: int(k[4:]))]
with torch.no_grad():
    big = [t.numpy() for t in flat(model(*xs))]
    small = [t.numpy() for t in flat(model(*[x[:3] for x in xs]))]
np.savez(outputs, *big, *small)
"""

#: The verifying process imports torch; on a loaded machine that can take a while.
CLIENT_TIMEOUT = 300


def export_pt2(session: Session, path: str | os.PathLike, graph: str | None = None,
               verify: bool = True) -> ExportResult:
    """Write an ExportedProgram with a dynamic batch dimension and check it in a fresh process.

    Raises
    ------
    PlaygroundError
        When ``torch.export`` cannot capture the model (with its reason), or a
        write error.
    """
    path = Path(path)
    model, compiled, _ = export_target(session, graph)
    inputs = sample_inputs(session, compiled)
    program = capture(model, inputs)
    result = ExportResult("pt2", [path], "torch.export")
    with quiet():
        data = serialise(lambda f: torch.export.save(program, f), "the ExportedProgram")

    def check(tmp: Path) -> None:  # on the complete temp file: a failing file is not kept
        result.max_abs_diff = verify_in_fresh_process(tmp, model, inputs, result.notes,
                                                      shown=path)
    atomic_output(path, data, check=check if verify else None)
    return result


def capture(model: nn.Module, inputs: tuple) -> torch.export.ExportedProgram:
    """``torch.export.export`` of ``model`` with dimension 0 of every input dynamic.

    Non-strict mode traces the Python code as it runs (as ``torch.jit.trace``
    did, but into a graph that keeps dynamic shapes), which covers every layer
    the playground has.
    """
    batch = torch.export.Dim("batch", min=1)
    shapes = tuple({0: batch} for _ in inputs)
    try:
        with quiet(), torch.no_grad():
            return torch.export.export(model, inputs, dynamic_shapes=shapes, strict=False)
    except Exception as exc:  # noqa: BLE001 - torch.export raises many kinds
        raise PlaygroundError(f"torch.export cannot capture this model: {first_line(exc)}; "
                              "export to ONNX or Python instead") from None


def verify_in_fresh_process(path: Path, model: nn.Module, inputs: tuple,
                            notes: list[str], shown: Path | None = None) -> float | None:
    """Largest output difference between the file, run by a fresh Python, and ``model``.

    ``shown`` is the path to name in messages (``path`` may be a temp file).
    Returns None (with a note) when the verifying process could not run.
    """
    with torch.no_grad():
        expected = flat_outputs(model(*inputs)) + flat_outputs(model(*(x[:3] for x in inputs)))
    try:
        workspace = tempfile.TemporaryDirectory(prefix="pt2-check-")
    except OSError as exc:
        notes.append(f"the file was written but not checked: {exc.strerror or exc}")
        return None
    with workspace as folder:
        feed, got = Path(folder) / "inputs.npz", Path(folder) / "outputs.npz"
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        try:
            np.savez(feed, *[x.numpy() for x in inputs])  # a full temp folder: not checked
            proc = subprocess.run([sys.executable, "-I", "-c", CLIENT, str(path), str(feed),
                                   str(got)], capture_output=True, text=True, env=env,
                                  timeout=CLIENT_TIMEOUT, cwd=folder)
        except (OSError, subprocess.TimeoutExpired) as exc:
            notes.append(f"the file was written but not checked: {exc}")
            return None
        if proc.returncode != 0:
            lines = [line for line in proc.stderr.strip().splitlines() if line.strip()]
            raise PlaygroundError("the exported program does not run in a fresh Python: "
                                  + (lines[-1] if lines else f"exit {proc.returncode}"),
                                  str(shown or path))
        with np.load(got) as f:
            outputs = [torch.from_numpy(f[f"arr_{i}"]) for i in range(len(f.files))]
    diff = max_abs_diff(outputs, expected)
    if diff > TOLERANCE:
        notes.append(f"outputs differ from the live model by up to {diff:.3g}")
    return diff
