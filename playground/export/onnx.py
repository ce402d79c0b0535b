"""The ``onnx`` export: write, check, run, and find the layer ONNX cannot take.

The exporter is the one torch recommends: the dynamo-based exporter
(``torch.onnx.export(..., dynamo=True)``, opset 18, a dynamic batch dimension
through ``torch.export``), which needs ``onnxscript``. Without onnxscript, or
where the dynamo exporter cannot capture a model, the TorchScript-based exporter
(opset 17, dynamic batch axis) writes the file and the result says so.
``onnx``, ``onnxscript`` and ``onnxruntime`` are imported here only, so the
rest of the playground works without them (``pip install nn-playground[export]``).
"""

from __future__ import annotations

import importlib.util
import io
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn

from playground.compiler import CompiledGraph
from playground.errors import GraphError, PlaygroundError
from playground.export.common import (
    TOLERANCE,
    ExportResult,
    export_target,
    flat_outputs,
    max_abs_diff,
    quiet,
    sample_inputs,
)
from playground.graph import Graph
from playground.layers import LAYERS
from playground.project.fileio import atomic_output
from playground.run.session import Session

#: Opsets: the dynamo-based exporter starts at 18; the TorchScript-based one is kept at 17.
OPSETS = {"dynamo": 18, "torchscript": 17}


class _TupleOutputs(nn.Module):
    """Returns a dict-output model's outputs as a tuple (ONNX outputs are positional).

    Its ``forward(*xs)`` also gives every exported module one calling convention,
    so one ``dynamic_shapes`` spec fits all of them.
    """

    def __init__(self, model: nn.Module, names: list[str]):
        super().__init__()
        self.model, self.names = model, names

    def forward(self, *xs):
        out = self.model(*xs)
        return tuple(out[n] for n in self.names) if isinstance(out, Mapping) else out


def export_onnx(session: Session, path: str | os.PathLike, graph: str | None = None,
                verify: bool = True) -> ExportResult:
    """Write an ONNX file with a dynamic batch axis, check it, and compare outputs.

    Raises
    ------
    PlaygroundError
        ``onnx`` not installed, or a layer ONNX cannot take: the message names
        the node and its type.
    """
    require_onnx()
    model, compiled, graph_obj = export_target(session, graph)
    inputs = sample_inputs(session, compiled)
    in_names = [compiled.attr_names[n] for n in compiled.input_nodes]
    out_names = list(compiled.output_nodes)
    # eval(): the exporter restores the wrapper's mode afterwards, recursively.
    wrapped = _TupleOutputs(model, out_names).eval()
    notes: list[str] = []
    # Everything happens in memory (export, onnx.checker, onnxruntime); the file is written
    # last, by Python I/O, so a full disk is a one-line error and never blames a layer.
    data, exporter = None, None
    for candidate in exporters():
        try:
            data = onnx_bytes(wrapped, inputs, candidate, in_names, out_names)
            check_model(data)
            exporter = candidate
            break
        except Exception as exc:  # noqa: BLE001 - try the next exporter, then blame a node
            if isinstance(exc, PlaygroundError) and not isinstance(exc, GraphError):
                raise
            failure = exc
            if candidate == "dynamo":
                notes.append(f"the dynamo-based exporter could not capture the model "
                             f"({_first_line(exc)}); the TorchScript-based exporter "
                             f"wrote the file")
    if exporter is None or data is None:
        # The preferred exporter names the layer: the fallback's reasons are older.
        raise blame_node(model, compiled, graph_obj, inputs, failure,
                         exporters()[0]) from None
    ran = run_onnx(data, in_names, inputs, model, compiled, graph_obj, exporter) \
        if verify else None
    atomic_output(path, data)
    method = f"{exporter} exporter, opset {OPSETS[exporter]}"
    result = ExportResult("onnx", [Path(path)], method, notes=notes)
    if verify:
        if ran is None:
            result.notes.append("onnxruntime is not installed: the file was checked with "
                                "onnx.checker but not run")
        else:
            with torch.no_grad():
                expected = flat_outputs(wrapped(*inputs))
            result.max_abs_diff = max_abs_diff(ran, expected)
            if result.max_abs_diff > TOLERANCE:
                result.notes.append(f"onnxruntime's outputs differ from the live model by up "
                                    f"to {result.max_abs_diff:.3g}")
    return result


def exporters() -> list[str]:
    """The ONNX exporters to try, in order: dynamo-based where onnxscript is installed."""
    has_onnxscript = importlib.util.find_spec("onnxscript") is not None
    return ["dynamo", "torchscript"] if has_onnxscript else ["torchscript"]


def require_onnx():
    """The ``onnx`` module, or a PlaygroundError saying how to install it."""
    try:
        import onnx
    except ImportError:
        raise PlaygroundError("ONNX export needs the 'onnx' package: pip install onnx "
                              "onnxruntime (or pip install 'nn-playground[export]')") from None
    return onnx


def onnx_bytes(module: nn.Module, args: tuple, exporter: str,
               input_names: list[str] | None = None,
               output_names: list[str] | None = None) -> bytes:
    """The ONNX file of :func:`torch_onnx_export`, made in memory (nothing touches the disk).

    Raises
    ------
    PlaygroundError
        Not enough memory; any exporter error propagates as it is (the caller
        tries the next exporter, then blames a node).
    """
    buffer = io.BytesIO()
    try:
        with quiet():
            torch_onnx_export(module, args, buffer, exporter, input_names, output_names)
    except MemoryError:
        raise PlaygroundError("not enough memory to write the ONNX file") from None
    return buffer.getvalue()


def torch_onnx_export(module: nn.Module, args: tuple, f: str | os.PathLike | io.BytesIO,
                      exporter: str,
                      input_names: list[str] | None = None,
                      output_names: list[str] | None = None) -> None:
    """``torch.onnx.export`` of ``module`` (a :class:`_TupleOutputs`) with ``exporter``.

    Dimension 0 of every input and output is dynamic: the batch.
    """
    kwargs = dict(opset_version=OPSETS[exporter], input_names=input_names,
                  output_names=output_names)
    if exporter == "dynamo":
        batch = torch.export.Dim("batch", min=1)
        # forward(*xs): one spec for the varargs tuple, one dict per input.
        kwargs.update(dynamo=True, verbose=False, external_data=False,
                      dynamic_shapes=(tuple({0: batch} for _ in args),))
    else:
        names = list(input_names or []) + list(output_names or [])
        kwargs.update(dynamo=False, dynamic_axes={n: {0: "batch"} for n in names})
    target: Any = f if isinstance(f, io.BytesIO) else str(f)  # torch writes to a BytesIO too
    torch.onnx.export(module, args, target, **kwargs)


def check_model(model: bytes | str | os.PathLike) -> None:
    """Run ``onnx.checker`` on a file or its bytes.

    Raises
    ------
    PlaygroundError
        When the checker rejects it.
    """
    onnx = require_onnx()
    try:
        onnx.checker.check_model(model if isinstance(model, bytes) else str(model),
                                 full_check=True)
    except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as exc:
        raise PlaygroundError(f"the ONNX file fails onnx.checker: {_first_line(exc)}") from None


def run_onnx(file: bytes | str | os.PathLike, input_names: list[str], inputs: tuple,
             model: nn.Module, compiled: CompiledGraph, graph: Graph, exporter: str
             ) -> list[torch.Tensor] | None:
    """Outputs of the file (or its bytes) in onnxruntime for ``inputs``; None without
    onnxruntime.

    Raises
    ------
    PlaygroundError
        When onnxruntime cannot load or run the file (naming the layer, if one is the reason).
    """
    try:
        import onnxruntime as ort
    except ImportError:
        return None
    try:
        source = file if isinstance(file, bytes) else str(file)
        session = ort.InferenceSession(source, providers=["CPUExecutionProvider"])
        outs = session.run(None, {n: x.numpy() for n, x in zip(input_names, inputs)})
    except Exception as exc:  # noqa: BLE001 - onnxruntime raises its own exception types
        raise blame_node(model, compiled, graph, inputs, exc, exporter) from None
    return [torch.from_numpy(o) for o in outs]


def blame_node(model: nn.Module, compiled: CompiledGraph, graph: Graph, inputs: tuple,
               error: BaseException, exporter: str) -> PlaygroundError:
    """The error to show for a failed ONNX export: names the first node that fails alone.

    Each node's module is exported (and run, with onnxruntime) by itself on the
    inputs it received during a forward pass of ``inputs``.
    """
    captured: dict[str, tuple] = {}
    hooks = []
    for nid in compiled.attr_names:
        if nid in compiled.input_nodes or nid in compiled.output_nodes:
            continue
        attr = compiled.attr_names[nid]
        try:
            sub = model.get_submodule(attr)
        except AttributeError:
            continue
        hooks.append(sub.register_forward_pre_hook(
            lambda mod, args, attr=attr: captured.setdefault(attr, args)))
    try:
        with torch.no_grad():
            model(*inputs)
    except Exception:  # noqa: BLE001 - then no node can be singled out
        pass
    finally:
        for hook in hooks:
            hook.remove()
    for node in compiled.module.graph.nodes:
        if node.op != "call_module" or node.target not in captured:
            continue
        nid = next(n for n, a in compiled.attr_names.items() if a == node.target)
        problem = node_problem(model.get_submodule(node.target), captured[node.target],
                               exporter)
        if problem:
            spec = LAYERS.get(graph.nodes[nid].type)
            return GraphError(f"ONNX cannot take this {spec.label} layer (type '{spec.id}'): "
                              f"{problem}", node=nid,
                              fix="export to TorchScript or Python instead, or replace the layer")
    return PlaygroundError(f"ONNX export failed: {_first_line(error)}")


def node_problem(module: nn.Module, args: tuple, exporter: str) -> str | None:
    """Why ``module`` alone does not export to (or run in) ONNX; None if it does."""
    try:
        data = onnx_bytes(_TupleOutputs(module, []).eval(), args, exporter)
    except Exception as exc:  # noqa: BLE001
        return _first_line(exc)
    try:
        import onnxruntime as ort
    except ImportError:
        return None
    try:
        session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
        feeds = {i.name: a.numpy() for i, a in zip(session.get_inputs(), args)}
        session.run(None, feeds)
    except Exception as exc:  # noqa: BLE001
        return f"onnxruntime cannot run it: {_first_line(exc)}"
    return None


def _first_line(exc: BaseException) -> str:
    """The first line of the innermost cause of ``exc``, without terminal colour codes.

    The dynamo exporter wraps the reason ("No ONNX function found for
    prims.zeta...") in errors whose first line is the same for every failure.
    """
    while exc.__cause__ is not None:
        exc = exc.__cause__
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc)).strip()
    return text.splitlines()[0] if text else type(exc).__name__
