"""What every export format shares: the result, the model copy, sample inputs, comparisons.

Exports work on a CPU copy of the model in evaluation mode and never touch the
live one or the global RNGs. Each verifies its file against the live model on
sample inputs and reports the largest absolute difference in
:attr:`ExportResult.max_abs_diff`.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import numpy as np
import torch
from torch import nn

from playground.compiler import CompiledGraph
from playground.errors import PlaygroundError
from playground.graph import Graph
from playground.run.session import Session

#: Outputs may differ by float rounding only; more than this is reported as a problem.
TOLERANCE = 1e-5


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
    shapes = [compiled.report.nodes[nid].output or () for nid in compiled.input_nodes]
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


def playground_version() -> str:
    """The installed nn-playground version, for file headers ("unknown" from a bare checkout)."""
    try:
        return metadata.version("nn-playground")
    except metadata.PackageNotFoundError:
        return "unknown"


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (its type name when it has none)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
