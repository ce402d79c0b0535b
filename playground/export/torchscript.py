"""The ``torchscript`` export (legacy): ``torch.jit.script``, else ``torch.jit.trace``.

torch 2.14 deprecates TorchScript in favour of ``torch.export`` (the ``pt2``
format); it is offered while torch ships it, and its deprecation warnings are
kept from the user (:func:`playground.export.common.quiet`).
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import torch

from playground.errors import PlaygroundError
from playground.export.common import (
    TOLERANCE,
    ExportResult,
    check_batches,
    export_target,
    max_abs_diff,
    quiet,
    sample_inputs,
)
from playground.project.fileio import atomic_output, serialise
from playground.run.session import Session


def export_torchscript(session: Session, path: str | os.PathLike, graph: str | None = None,
                       verify: bool = True) -> ExportResult:
    """Write a TorchScript file: scripted when possible, else traced.

    Scripting keeps control flow; tracing records the operations run on the
    sample inputs (the dataset's shape), which is what a graph of layers does
    anyway. Both are checked on a batch of another size.
    """
    model, compiled, _ = export_target(session, graph)
    inputs = sample_inputs(session, compiled)
    notes = []
    with quiet(), torch.no_grad():
        expected = model(*inputs)
        try:
            captured, method = torch.jit.script(model), "script"
            if max_abs_diff(captured(*inputs), expected) > TOLERANCE:
                raise RuntimeError("the scripted model computes different outputs")
        except Exception as exc:  # noqa: BLE001 - TorchScript raises many kinds; trace instead
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            try:
                captured = torch.jit.trace(model, inputs, strict=False, check_trace=False)
            except Exception as trace_exc:  # noqa: BLE001
                raise PlaygroundError(f"TorchScript cannot capture this model: scripting failed "
                                      f"({reason}) and tracing failed "
                                      f"({str(trace_exc).strip().splitlines()[0]})") from None
            method = "trace"
            notes.append(f"torch.jit.script could not compile the model ({reason}); it was "
                         f"traced with inputs of shape {_shapes(inputs)}")
    with quiet():
        # In memory first: torch.jit.save's C++ writer aborts the process on a full disk.
        data = serialise(lambda f: torch.jit.save(captured, f), "the TorchScript file")
    result = ExportResult("torchscript", [Path(path)], method, notes=notes)
    if verify:
        with quiet(), torch.no_grad():
            loaded = torch.jit.load(io.BytesIO(data), map_location="cpu")
            result.max_abs_diff = check_batches(model, loaded, inputs, notes)
    atomic_output(path, data)
    return result


def _shapes(inputs: tuple) -> str:
    return ", ".join(str(tuple(x.shape)) for x in inputs)
