"""The ``onnx`` export: write, check, run, and find the layer ONNX cannot take.

The TorchScript-based exporter (opset 17, dynamic batch axis) is used: the
dynamo exporter would need onnxscript and gives nothing more for these
graphs. ``onnx`` (and optionally ``onnxruntime``) are imported here only, so
the rest of the playground works without them (``pip install nn-playground[export]``).
"""

from __future__ import annotations

import inspect
import io
import os
from collections.abc import Mapping
from pathlib import Path

import torch
from torch import nn

from playground.compiler import CompiledGraph
from playground.errors import GraphError, PlaygroundError
from playground.export import (
    ONNX_OPSET,
    TOLERANCE,
    ExportResult,
    export_target,
    flat_outputs,
    max_abs_diff,
    quiet,
    sample_inputs,
)
from playground.fileio import atomic_output
from playground.graph import Graph
from playground.layers import LAYERS
from playground.session import Session


class _TupleOutputs(nn.Module):
    """Returns a dict-output model's outputs as a tuple (ONNX outputs are positional)."""

    def __init__(self, model: nn.Module, names: list[str]):
        super().__init__()
        self.model, self.names = model, names

    def forward(self, *xs):
        out = self.model(*xs)
        return tuple(out[n] for n in self.names) if isinstance(out, Mapping) else out


def export_onnx(session: Session, path: str | os.PathLike, graph: str | None = None,
                opset: int = ONNX_OPSET, verify: bool = True) -> ExportResult:
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
    with atomic_output(path) as tmp:  # a file that fails a check is not left behind
        try:
            with quiet():
                torch_onnx_export(wrapped, inputs, str(tmp), opset, input_names=in_names,
                                  output_names=out_names,
                                  dynamic_axes={n: {0: "batch"} for n in in_names + out_names})
            check_model(tmp)
        except Exception as exc:  # noqa: BLE001 - find the layer that is the reason
            if isinstance(exc, PlaygroundError) and not isinstance(exc, GraphError):
                raise
            raise blame_node(model, compiled, graph_obj, inputs, exc, opset) from None
        ran = run_onnx(tmp, in_names, inputs, model, compiled, graph_obj, opset) \
            if verify else None
    result = ExportResult("onnx", [Path(path)], f"opset {opset}")
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


def require_onnx():
    """The ``onnx`` module, or a PlaygroundError saying how to install it."""
    try:
        import onnx
    except ImportError:
        raise PlaygroundError("ONNX export needs the 'onnx' package: pip install onnx "
                              "onnxruntime (or pip install 'nn-playground[export]')") from None
    return onnx


def torch_onnx_export(module: nn.Module, args: tuple, f, opset: int, **kwargs) -> None:
    """``torch.onnx.export`` with the TorchScript-based exporter.

    The newer dynamo exporter needs onnxscript; the classic one needs nothing
    more and covers every layer here. ``dynamo=False`` is passed only where the
    argument exists (torch >= 2.5).
    """
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False
    torch.onnx.export(module, args, f, opset_version=opset, **kwargs)


def check_model(path: str | os.PathLike) -> None:
    """Run ``onnx.checker`` on a file.

    Raises
    ------
    PlaygroundError
        When the checker rejects it.
    """
    onnx = require_onnx()
    try:
        onnx.checker.check_model(str(path), full_check=True)
    except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as exc:
        raise PlaygroundError(f"the ONNX file fails onnx.checker: {_first_line(exc)}") from None


def run_onnx(path: str | os.PathLike, input_names: list[str], inputs: tuple,
             model: nn.Module, compiled: CompiledGraph, graph: Graph, opset: int
             ) -> list[torch.Tensor] | None:
    """Outputs of the file in onnxruntime for ``inputs``; None without onnxruntime.

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
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        outs = session.run(None, {n: x.numpy() for n, x in zip(input_names, inputs)})
    except Exception as exc:  # noqa: BLE001 - onnxruntime raises its own exception types
        raise blame_node(model, compiled, graph, inputs, exc, opset) from None
    return [torch.from_numpy(o) for o in outs]


def blame_node(model: nn.Module, compiled: CompiledGraph, graph: Graph, inputs: tuple,
               error: BaseException, opset: int) -> PlaygroundError:
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
        problem = node_problem(model.get_submodule(node.target), captured[node.target], opset)
        if problem:
            spec = LAYERS.get(graph.nodes[nid].type)
            return GraphError(f"ONNX cannot take this {spec.label} layer (type '{spec.id}'): "
                              f"{problem}", node=nid,
                              fix="export to TorchScript or Python instead, or replace the layer")
    return PlaygroundError(f"ONNX export failed: {_first_line(error)}")


def node_problem(module: nn.Module, args: tuple, opset: int) -> str | None:
    """Why ``module`` alone does not export to (or run in) ONNX; None if it does."""
    buffer = io.BytesIO()
    try:
        with quiet():
            torch_onnx_export(module, args, buffer, opset)
    except Exception as exc:  # noqa: BLE001
        return _first_line(exc)
    try:
        import onnxruntime as ort
    except ImportError:
        return None
    try:
        session = ort.InferenceSession(buffer.getvalue(), providers=["CPUExecutionProvider"])
        feeds = {i.name: a.numpy() for i, a in zip(session.get_inputs(), args)}
        session.run(None, feeds)
    except Exception as exc:  # noqa: BLE001
        return f"onnxruntime cannot run it: {_first_line(exc)}"
    return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
