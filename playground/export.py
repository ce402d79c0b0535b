"""Export a session's model: checkpoint, ExportedProgram, ONNX, Python, training script.

One entry point, :func:`export`, used by the GUI's File > Export dialog and by
``playground export``; :data:`FORMATS` describes the formats for the dialog.

=============  ======================================================================
checkpoint     the whole session (project, weights, optimizer and RNG states,
               metrics): reopens and continues training (:mod:`playground.checkpoint`)
pt2            ``torch.export.export`` with a dynamic batch dimension, saved with
               ``torch.export.save``: PyTorch's current compiled format, loads with
               ``torch.export.load`` in a Python with torch only
               (:mod:`playground.export_pt2`)
onnx           ``torch.onnx.export``: the dynamo-based exporter where torch has it and
               onnxscript is installed (else the TorchScript-based one), batch axis
               dynamic, checked with ``onnx.checker`` and, when onnxruntime is
               installed, run and compared with the live model (:mod:`playground.export_onnx`)
torchscript    legacy: ``torch.jit.script`` of the model, else ``torch.jit.trace``
               with the dataset's input shape (:attr:`ExportResult.method` says
               which); loads with ``torch.jit.load``. torch 2.14 deprecates
               TorchScript; offered while torch ships it
python         ``name.py`` (an ``nn.Module`` written from the graph) and
               ``name.pt`` (its ``state_dict``) (:mod:`playground.export_python`)
script         ``name.py`` training script for one process or ``torchrun`` (DDP),
               with ``name.npz`` (data) and ``name.pt`` (:mod:`playground.trainscript`)
=============  ======================================================================

Exports work on a CPU copy of the model in evaluation mode and never touch the
live one or the global RNGs; call them while the trainer is paused or done.
Each verifies its file against the live model on sample inputs and reports the
largest absolute difference in :attr:`ExportResult.max_abs_diff`.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import io
import logging
import os
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from playground.checkpoint import load_checkpoint, save_checkpoint
from playground.compiler import CompiledGraph
from playground.errors import PlaygroundError
from playground.fileio import atomic_output
from playground.graph import Graph
from playground.session import Session

#: Outputs may differ by float rounding only; more than this is reported as a problem.
TOLERANCE = 1e-5


@dataclass(frozen=True)
class ExportFormat:
    """One export format, for the export dialog."""

    id: str
    label: str
    suffix: str
    doc: str
    needs: tuple[str, ...] = ()
    legacy: bool = False  # still offered, but PyTorch recommends another format


FORMATS: dict[str, ExportFormat] = {f.id: f for f in (
    ExportFormat("checkpoint", "Checkpoint (.pt)", ".pt",
                 "Project, weights, optimizer state and metrics; reopen to continue training."),
    ExportFormat("pt2", "PyTorch ExportedProgram (.pt2)", ".pt2",
                 "PyTorch's current compiled format: torch.export.load(path).module() runs "
                 "it with torch only, for any batch size; AOTInductor and ExecuTorch "
                 "start from it."),
    ExportFormat("onnx", "ONNX (.onnx)", ".onnx",
                 "For ONNX Runtime and other ONNX tools.", ("onnx",)),
    ExportFormat("torchscript", "TorchScript (.pt), legacy", ".pt",
                 "A compiled model for torch.jit.load, in Python or C++ (LibTorch). "
                 "Deprecated by PyTorch since 2.14: prefer the ExportedProgram.",
                 legacy=True),
    ExportFormat("python", "Python module (.py + .pt)", ".py",
                 "Readable nn.Module source plus its weights; needs torch only."),
    ExportFormat("script", "Training script (.py + .npz + .pt)", ".py",
                 "Plain PyTorch training script; runs as is or under torchrun (DDP)."),
)}


@dataclass
class ExportResult:
    """What an export wrote.

    Attributes
    ----------
    format : str
        Format id.
    paths : list of Path
        Files written, the main one first.
    method : str
        How the model was captured ("script" or "trace" for TorchScript).
    max_abs_diff : float or None
        Largest absolute output difference between the exported file and the
        live model on sample inputs (None when not checked).
    notes : list of str
        Things the user should know (a trace fallback, an unchecked file...).
    """

    format: str
    paths: list[Path]
    method: str = ""
    max_abs_diff: float | None = None
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the status bar or the CLI."""
        files = ", ".join(p.name for p in self.paths)
        how = f" via {self.method}" if self.method else ""
        diff = "" if self.max_abs_diff is None else \
            f"; max output difference {self.max_abs_diff:.3g}"
        return f"wrote {files} ({self.format}{how}{diff})"


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
    if fmt == "checkpoint":
        return export_checkpoint(session, path, verify)
    if fmt == "torchscript":
        return export_torchscript(session, path, graph, verify)
    if fmt == "pt2":
        from playground.export_pt2 import export_pt2
        return export_pt2(session, path, graph, verify)
    if fmt == "onnx":
        from playground.export_onnx import export_onnx
        return export_onnx(session, path, graph, verify=verify)
    if fmt == "python":
        from playground.export_python import export_python
        return export_python(session, path, graph, verify)
    from playground.trainscript import export_training_script
    return export_training_script(session, path, graph)


def export_checkpoint(session: Session, path: str | os.PathLike,
                      verify: bool = True) -> ExportResult:
    """Save a checkpoint (see :mod:`playground.checkpoint`) and check it reads back."""
    save_checkpoint(session, path)
    result = ExportResult("checkpoint", [Path(path)])
    if verify:
        _, state = load_checkpoint(path)
        diffs = [0.0]
        for name, module in session.task.models.items():
            for key, live in module.state_dict().items():
                if live.is_floating_point() and live.numel():
                    saved = state["models"][name][key]
                    diffs.append(float((saved - live.detach().cpu()).abs().max()))
        result.max_abs_diff = max(diffs)
    return result


def open_session(target: str | os.PathLike, device: str | None = None) -> Session:
    """A session to export: from a checkpoint file (with its weights and state), else from
    a preset id or project file (initial weights).

    Raises
    ------
    PlaygroundError
        Unknown preset, invalid file, refused checkpoint...
    """
    from playground.checkpoint import open_checkpoint
    from playground.presets import load_preset
    from playground.session import build_session

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


# -- model access -------------------------------------------------------------------------

def export_target(session: Session, graph: str | None = None
                  ) -> tuple[nn.Module, CompiledGraph, Graph]:
    """A CPU, eval-mode copy of graph ``graph``'s model, its compiled form and its graph.

    Raises
    ------
    PlaygroundError
        When the task trains no network or has no graph called ``graph``.
    """
    compiled = session.task.compiled
    if not compiled:
        raise PlaygroundError(f"task {session.project.task!r} trains no network, so there is "
                              "no model to export")
    name = graph or ("model" if "model" in compiled else next(iter(compiled)))
    if name not in compiled:
        raise PlaygroundError(f"no graph called {name!r} (this project has: "
                              f"{', '.join(compiled)})")
    live = compiled[name].module
    # Tensors that carry autograd history (a VAE's last KL term) cannot be deep-copied:
    # the copy gets detached versions; the live module is left as it is.
    memo = {id(v): v.detach() for m in live.modules() for v in vars(m).values()
            if isinstance(v, torch.Tensor) and v.grad_fn is not None}
    module = copy.deepcopy(live, memo).cpu().eval()
    return module, compiled[name], session.project.graphs[name]


def sample_inputs(session: Session, compiled: CompiledGraph, n: int = 8) -> tuple:
    """Inputs to check exports with: dataset samples when they fit, else seeded noise."""
    shapes = [compiled.report.nodes[nid].output for nid in compiled.input_nodes]
    ds = session.dataset
    if ds is not None and len(shapes) == 1 and tuple(shapes[0]) == ds.input_shape:
        x = np.concatenate([ds.train.x[:n], ds.val.x[:n], ds.test.x[:n]])[:n]
        if len(x) >= 2:
            return (torch.as_tensor(np.ascontiguousarray(x)),)
    gen = torch.Generator().manual_seed(0)
    return tuple(torch.randn((n, *shape), generator=gen) for shape in shapes)


def flat_outputs(out) -> list[torch.Tensor]:
    """A model output (tensor, tuple or dict by Output id) as a list of tensors."""
    if isinstance(out, torch.Tensor):
        return [out]
    if isinstance(out, Mapping):
        return [t for v in out.values() for t in flat_outputs(v)]
    return [t for v in out for t in flat_outputs(v)]


def max_abs_diff(a, b) -> float:
    """Largest absolute difference between two model outputs (any nesting)."""
    xs, ys = flat_outputs(a), flat_outputs(b)
    if len(xs) != len(ys) or any(x.shape != y.shape for x, y in zip(xs, ys)):
        return float("inf")
    return max((float((torch.as_tensor(x).float() - torch.as_tensor(y).float()).abs().max())
                for x, y in zip(xs, ys) if x.numel()), default=0.0)


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Silence the deprecation and tracer warnings exporters emit; keep the RNGs as they were.

    What an exporter has to say that matters reaches the user as an error or a
    note of :class:`ExportResult`, never as warning text on the console.
    """
    with warnings.catch_warnings(), torch.random.fork_rng(devices=[]), _quiet_loggers():
        warnings.simplefilter("ignore")
        yield


#: torch's loggers that exporters talk through ("torchvision is not installed. Skipping...").
EXPORTER_LOGGERS = ("torch.onnx", "torch.export", "torch._export", "torch._dynamo",
                    "torch.fx.experimental.symbolic_shapes")


@contextlib.contextmanager
def _quiet_loggers() -> Iterator[None]:
    loggers = [logging.getLogger(name) for name in EXPORTER_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


# -- TorchScript --------------------------------------------------------------------------

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
    with atomic_output(path) as tmp, quiet():
        torch.jit.save(captured, str(tmp))
    result = ExportResult("torchscript", [Path(path)], method, notes=notes)
    if verify:
        with quiet(), torch.no_grad():
            loaded = torch.jit.load(str(path), map_location="cpu")
            result.max_abs_diff = check_batches(model, loaded, inputs, notes)
    return result


def check_batches(model: nn.Module, exported, inputs: tuple, notes: list[str]) -> float:
    """Max difference on the sample batch and on a smaller one (a fixed batch size shows)."""
    diff = max_abs_diff(exported(*inputs), model(*inputs))
    small = tuple(x[:3] for x in inputs)
    try:
        diff = max(diff, max_abs_diff(exported(*small), model(*small)))
    except Exception as exc:  # noqa: BLE001
        notes.append(f"the exported model fails on a batch of 3: "
                     f"{str(exc).strip().splitlines()[0]}")
    if diff > TOLERANCE:
        notes.append(f"outputs differ from the live model by up to {diff:.3g}")
    return diff


def _shapes(inputs: tuple) -> str:
    return ", ".join(str(tuple(x.shape)) for x in inputs)


# -- metrics ------------------------------------------------------------------------------

def export_metrics_csv(history, path: str | os.PathLike) -> Path:
    """Write a run's metric history as CSV: one row per epoch, one column per series.

    Parameters
    ----------
    history : MetricHistory or dict
        ``trainer.history``, or a snapshot's ``history`` (name -> (x, y) arrays).
    path : path-like
        The CSV file (written atomically).

    Returns
    -------
    Path
    """
    series = history.arrays() if hasattr(history, "arrays") else dict(history)
    names = sorted(series, key=lambda n: (n != "loss", n))
    rows: dict[float, dict[str, float]] = {}
    for name in names:
        xs, ys = series[name]
        for x, y in zip(np.asarray(xs, float), np.asarray(ys, float)):
            rows.setdefault(float(x), {})[name] = float(y)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["epoch", *names])
    for x in sorted(rows):
        epoch = int(x) if x.is_integer() else x
        writer.writerow([epoch, *(f"{rows[x][n]:.9g}" if n in rows[x] else "" for n in names)])
    with atomic_output(path) as tmp:
        tmp.write_text(buffer.getvalue(), encoding="utf-8")
    return Path(path)
