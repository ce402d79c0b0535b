"""The ``python`` export: a readable, standalone ``.py`` module plus its weights.

``net.py`` defines the network as an ``nn.Module`` (code generated from the
graph by :mod:`playground.export.codegen`), a ``load_model()`` function and a short
``__main__`` example; it imports torch (and at most the standard library).
The weights go beside it as ``net.pt``, a plain ``state_dict`` saved with
``torch.save``: it loads with ``torch.load(..., weights_only=True)``, stays
inspectable, and is not base64 text bloating a file meant to be read.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch

from playground.compiler import CompiledGraph
from playground.errors import PlaygroundError
from playground.export.codegen import ModelCode, model_code, string_body
from playground.export.common import (
    TOLERANCE,
    ExportResult,
    export_target,
    max_abs_diff,
    playground_version,
    quiet,
    sample_inputs,
)
from playground.project.fileio import atomic_outputs, serialise
from playground.run.session import Session


def export_python(session: Session, path: str | os.PathLike, graph: str | None = None,
                  verify: bool = True) -> ExportResult:
    """Write ``path`` (``.py``) and its weights ``path.with_suffix(".pt")``.

    The generated source is executed in a fresh namespace before anything is
    written, loaded with the live weights and compared on sample inputs.

    Raises
    ------
    PlaygroundError
        A node whose module has no source form (named), or a write error.
    """
    path = Path(path)
    if path.suffix != ".py":
        raise PlaygroundError("the Python export must be a .py file", str(path))
    weights = path.with_suffix(".pt")
    model, compiled, graph_obj = export_target(session, graph)
    code = model_code(compiled, graph_obj, doc=_class_doc(session, compiled))
    text = python_file(code, compiled, weights.name, session.project.title)
    result = ExportResult("python", [path, weights])
    if verify:
        inputs = sample_inputs(session, compiled)
        result.max_abs_diff = check_source(text, model, inputs, path)
        if result.max_abs_diff > TOLERANCE:
            result.notes.append(f"outputs differ from the live model by up to "
                                f"{result.max_abs_diff:.3g}")
    state = model.state_dict()
    atomic_outputs({path: text, weights: serialise(lambda f: torch.save(state, f),
                                                   "the weights")})
    return result


def check_source(text: str, model: torch.nn.Module, inputs: tuple, path: Path) -> float:
    """Run generated source, load ``model``'s weights into its class, compare outputs."""
    namespace = {"__name__": "playground_export_check", "__file__": str(path)}
    with quiet(), torch.no_grad():
        exec(compile(text, str(path), "exec"), namespace)  # our own generated code
        rebuilt = namespace["PlaygroundNet"]()
        try:
            rebuilt.load_state_dict(model.state_dict())
        except RuntimeError as exc:
            raise PlaygroundError("the generated module's weights do not match the model's: "
                                  f"{str(exc).splitlines()[0]}") from None
        rebuilt.eval()
        return max_abs_diff(rebuilt(*inputs), model(*inputs))


def python_file(code: ModelCode, compiled: CompiledGraph, weights_name: str, title: str) -> str:
    """The whole ``.py`` text: docstring, imports, model, ``load_model`` and an example."""
    names = code.input_names
    shapes = {a: compiled.report.nodes[nid].output
              for nid, a in zip(compiled.input_nodes, names)}
    out_shapes = {nid: compiled.report.nodes[nid].output for nid in compiled.output_nodes}
    in_text = ", ".join(f"{n} (N, {', '.join(map(str, s))})" for n, s in shapes.items())
    out_text = ", ".join(f"{n} (N, {', '.join(map(str, s))})" for n, s in out_shapes.items())
    # Title and file names come from the user or a project file: escaped, never code.
    title, weights_name = string_body(title), string_body(weights_name)
    stem = Path(weights_name).stem
    args = ", ".join(names)
    header = f'''"""{title}: the network, exported from nn-playground {playground_version()}.

Needs only PyTorch. The weights are in {weights_name} next to this file: a plain
state_dict, loadable with torch.load(..., weights_only=True).

    from {stem} import load_model
    model = load_model()        # {code.class_name} in eval mode, weights loaded
    y = model({args})

Inputs: {in_text}. Output: {out_text}.
"""

from __future__ import annotations

'''
    example_inputs = "\n".join(
        f"    {n} = torch.rand({', '.join(map(str, (4, *s)))})" for n, s in shapes.items())
    tail = f'''

WEIGHTS = Path(__file__).with_suffix(".pt")

#: Per-sample input shapes (without the batch axis), by forward argument.
INPUT_SHAPES = {shapes!r}


def load_model(weights: str | Path = WEIGHTS, device: str = "cpu") -> {code.class_name}:
    """A {code.class_name} with the exported weights, in evaluation mode."""
    model = {code.class_name}()
    model.load_state_dict(torch.load(weights, map_location=device, weights_only=True))
    return model.to(device).eval()


if __name__ == "__main__":
    model = load_model()
{example_inputs}
    with torch.no_grad():
        print(model({args}))
'''
    return header + code.source(("from pathlib import Path",)) + tail


def _class_doc(session: Session, compiled: CompiledGraph) -> str:
    name = session.project.title
    return f"{name}, generated from the playground graph (forward mirrors its fx code)."
