"""Export a session's model: checkpoint, ExportedProgram, ONNX, Python, training script.

One entry point, :func:`export`, used by the GUI's File > Export dialog and by
``playground export``; :data:`FORMATS` is the registry of formats (one entry
each, naming the module that writes it), which the dialog lists.

=============  ======================================================================
checkpoint     the whole session (project, weights, optimizer and RNG states,
               metrics): reopens and continues training (:mod:`.checkpoint`)
pt2            ``torch.export.export`` with a dynamic batch dimension, saved with
               ``torch.export.save``: PyTorch's current compiled format, loads with
               ``torch.export.load`` in a Python with torch only (:mod:`.pt2`)
onnx           ``torch.onnx.export``: the dynamo-based exporter where torch has it and
               onnxscript is installed (else the TorchScript-based one), batch axis
               dynamic, checked with ``onnx.checker`` and, when onnxruntime is
               installed, run and compared with the live model (:mod:`.onnx`)
torchscript    legacy: ``torch.jit.script`` of the model, else ``torch.jit.trace``
               (:mod:`.torchscript`). torch 2.14 deprecates TorchScript
python         ``name.py`` (an ``nn.Module`` written from the graph) and
               ``name.pt`` (its ``state_dict``) (:mod:`.python`)
script         ``name.py`` training script for one process or ``torchrun`` (DDP),
               with ``name.npz`` (data) and ``name.pt`` (:mod:`.script`)
=============  ======================================================================

Exports work on a CPU copy of the model in evaluation mode and never touch the
live one or the global RNGs; call them while the trainer is paused or done.
What every format shares is in :mod:`.common`.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from pathlib import Path

from playground.errors import PlaygroundError
from playground.export.common import ExportResult
from playground.run.session import Session


@dataclass(frozen=True)
class ExportFormat:
    """One export format: what the dialog shows and which function writes it.

    ``writer`` is ``"module:function"`` under this package; the function takes
    ``(session, path, graph, verify)`` and returns an :class:`ExportResult`.
    """

    id: str
    label: str
    suffix: str
    doc: str
    writer: str
    needs: tuple[str, ...] = ()
    legacy: bool = False  # still offered, but PyTorch recommends another format


FORMATS: dict[str, ExportFormat] = {f.id: f for f in (
    ExportFormat("checkpoint", "Checkpoint (.pt)", ".pt",
                 "Project, weights, optimizer state and metrics; reopen to continue training.",
                 "checkpoint:export_checkpoint"),
    ExportFormat("pt2", "PyTorch ExportedProgram (.pt2)", ".pt2",
                 "PyTorch's current compiled format: torch.export.load(path).module() runs "
                 "it with torch only, for any batch size; AOTInductor and ExecuTorch "
                 "start from it.", "pt2:export_pt2"),
    ExportFormat("onnx", "ONNX (.onnx)", ".onnx",
                 "For ONNX Runtime and other ONNX tools.", "onnx:export_onnx", ("onnx",)),
    ExportFormat("torchscript", "TorchScript (.pt), legacy", ".pt",
                 "A compiled model for torch.jit.load, in Python or C++ (LibTorch). "
                 "Deprecated by PyTorch since 2.14: prefer the ExportedProgram.",
                 "torchscript:export_torchscript", legacy=True),
    ExportFormat("python", "Python module (.py + .pt)", ".py",
                 "Readable nn.Module source plus its weights; needs torch only.",
                 "python:export_python"),
    ExportFormat("script", "Training script (.py + .npz + .pt)", ".py",
                 "Plain PyTorch training script; runs as is or under torchrun (DDP).",
                 "script:export_training_script"),
)}


def export(session: Session, fmt: str, path: str | os.PathLike, graph: str | None = None,
           verify: bool = True) -> ExportResult:
    """Export ``session`` in format ``fmt`` to ``path``.

    Parameters
    ----------
    session : Session
        A built (and possibly trained) session.
    fmt : str
        One of :data:`FORMATS`.
    path : path-like
        The main output file; companions (``.pt``, ``.npz``) go next to it.
    graph : str, optional
        Graph to export for multi-graph tasks ("generator"); default: the main one.
    verify : bool
        Reload the file and compare its outputs with the live model's.

    Raises
    ------
    PlaygroundError
        Unknown format, a missing optional package, a layer the format cannot
        take (naming the node), or a write error.
    """
    if fmt not in FORMATS:
        raise PlaygroundError(f"unknown export format {fmt!r} (known: {', '.join(FORMATS)})")
    module, function = FORMATS[fmt].writer.split(":")
    writer = getattr(importlib.import_module(f"{__name__}.{module}"), function)
    return writer(session, path, graph, verify)


def open_session(target: str | os.PathLike, device: str | None = None) -> Session:
    """A session to export: from a checkpoint file (with its weights and state), else from
    a preset id or project file (initial weights).

    Raises
    ------
    PlaygroundError
        Unknown preset, invalid file, refused checkpoint...
    """
    from playground.export.checkpoint import open_checkpoint
    from playground.project.presets import load_preset
    from playground.run.session import build_session

    path = Path(target)
    if path.is_file() and is_checkpoint_file(path):
        return open_checkpoint(path, device)
    return build_session(load_preset(str(target)), device=device)


def is_checkpoint_file(path: str | os.PathLike) -> bool:
    """True for a file that looks like a ``torch.save`` output (zip or pickle), not JSON."""
    path = Path(path)
    if path.suffix.lower() in (".pt", ".pth", ".ckpt"):
        return True
    with open(path, "rb") as handle:
        head = handle.read(4)
    return head == b"PK\x03\x04" or head[:1] == b"\x80"  # zip archive or pickle protocol 2+
