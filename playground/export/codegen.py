"""Readable, standalone PyTorch source for a compiled graph (torch only, no playground).

:func:`model_code` turns a :class:`~playground.compiler.CompiledGraph` into the
source of an ``nn.Module`` class: ``__init__`` builds each node's module with a
constructor call and ``forward`` is the fx code of the compiled model.

How a constructor call is found for a module, first that works:

1. **Recorded:** the node is built again with its layer's ``build`` while a
   profiler (``sys.setprofile``, this thread only) records the arguments every
   ``nn.Module.__init__`` receives; ``nn.Linear(2, 6)`` comes out as written.
2. **From attributes:** ``__init__``'s parameters read back from same-named
   attributes (PyTorch built-ins store theirs that way).
3. **Restored:** ``_restore(Cls, {attributes}, children=...)`` rebuilds the
   instance without calling its ``__init__`` (a helper written into the file).

Every call is checked by constructing the module from it and comparing its
structure (attributes, parameter and buffer shapes, children) with the live
one. Weights never go into the code: they come from the ``state_dict``.

Classes that are not PyTorch's (``FeatureTransform``, ``Recurrent``...) are
copied into the file with :func:`inspect.getsource`, together with the
functions, classes and constants they use (see :mod:`playground.export.codegen_deps`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from playground.compiler import CompiledGraph
from playground.errors import GraphError
from playground.export.codegen_calls import (
    MODULE_KEYS,
    call_source,
    from_attributes,
    from_call,
    record_init_calls,
)
from playground.export.codegen_deps import CodegenError as _CannotWrite
from playground.export.codegen_deps import SourceCollector, format_imports, literal
from playground.graph import Graph
from playground.layers import LAYERS

_CONTAINERS = (nn.Sequential, nn.ModuleList)
#: Names the exported files define around the model class.
RESERVED = ("annotations", "WEIGHTS", "INPUT_SHAPES", "load_model", "main")

RESTORE_HELPER = '''\
def _restore(cls, attrs, params=None, buffers=None, children=None):
    """A ``cls`` rebuilt from its attributes, without calling its ``__init__``.

    Used where the constructor arguments could not be recovered; parameter and
    buffer values are placeholders until ``load_state_dict``.
    """
    module = cls.__new__(cls)
    nn.Module.__init__(module)
    module.__dict__.update(attrs)
    for name, shape in (params or {}).items():
        value = None if shape is None else nn.Parameter(torch.empty(shape))
        module.register_parameter(name, value)
    for name, spec in (buffers or {}).items():
        value = None if spec is None else torch.empty(spec[0], dtype=getattr(torch, spec[1]))
        module.register_buffer(name, value)
    for name, child in (children or {}).items():
        module.add_module(name, child)
    return module
'''


@dataclass
class ModelCode:
    """Source pieces of a generated model.

    Attributes
    ----------
    imports : list of str
        Import lines (``import torch`` and ``from torch import nn`` first).
    definitions : list of str
        Copied classes, functions and constants, dependencies first.
    class_source : str
        The ``nn.Module`` class.
    class_name : str
    input_names : list of str
        ``forward``'s arguments (the Input node ids).
    """

    imports: list[str]
    definitions: list[str]
    class_source: str
    class_name: str
    input_names: list[str] = field(default_factory=list)

    def source(self, extra_imports: tuple[str, ...] = ()) -> str:
        """Imports (with ``extra_imports``), definitions and the class, as one module body."""
        imports = format_imports([*self.imports, *extra_imports])
        parts = ["\n".join(imports), *self.definitions, self.class_source]
        return "\n\n\n".join(p.rstrip() for p in parts if p) + "\n"


def string_body(text: str) -> str:
    """``text`` made safe between the quotes of a generated ``"..."`` or ``\"\"\"...\"\"\"``.

    Titles and file names come from project files, which may be hostile: a quote
    must not end the string (the rest would run as code when the export is checked
    or run), nor a backslash start an escape. Control characters (newlines
    included) become escapes, which read the same in a docstring.
    """
    out = text.replace("\\", "\\\\").replace('"', '\\"')
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in out)


def model_code(compiled: CompiledGraph, graph: Graph, class_name: str = "PlaygroundNet",
               doc: str = "", reserved: tuple[str, ...] = RESERVED,
               imports: dict[str, tuple[Any, str]] | None = None) -> ModelCode:
    """Generate the source of ``compiled``'s model as a standalone ``nn.Module``.

    Parameters
    ----------
    compiled : CompiledGraph
        The model (its live weights are not used, only its structure).
    graph : Graph
        The graph it was compiled from (to rebuild nodes and record their arguments).
    class_name : str
        Name of the generated class.
    doc : str
        Docstring of the class.
    reserved : tuple of str
        Names the file around the class uses (copied definitions must not take them).
    imports : dict, optional
        Name -> (object, import line) the file imports anyway (see :class:`SourceCollector`).

    Raises
    ------
    GraphError
        Naming the node whose module cannot be written as code.
    """
    shared = {"Path": (Path, "from pathlib import Path"), **(imports or {})}
    collector = SourceCollector({class_name, *reserved}, shared)
    writer = _ModuleWriter(collector)
    doc = string_body(doc or "Generated network.")  # doc may hold a title from a file
    lines = [f"class {class_name}(nn.Module):", f'    """{doc}"""', "",
             "    def __init__(self) -> None:", "        super().__init__()"]
    with torch.random.fork_rng(devices=[]):  # rebuilding draws initial weights: keep RNGs
        for nid in _node_order(compiled):
            attr = compiled.attr_names[nid]
            module = compiled.node_module(nid)
            try:
                calls = _recorded_calls(graph, compiled, nid)
                expr = writer.expression(module, calls, "", indent=8)
            except _CannotWrite as exc:
                node = graph.nodes[nid]
                raise GraphError(f"cannot be written as Python code ({node.type}): {exc}",
                                 node=nid) from None
            lines.append(f"        self.{attr} = {expr}")
            params = list(module.parameters())
            if params and not any(p.requires_grad for p in params):
                lines.append(f"        self.{attr}.requires_grad_(False)  # frozen in the graph")
    try:
        lines += ["", _forward_source(compiled, collector)]
    except _CannotWrite as exc:
        raise GraphError(f"the forward pass cannot be written as Python code: {exc}") from None
    return ModelCode(collector.import_lines(), collector.definitions(), "\n".join(lines),
                     class_name,
                     [compiled.attr_names[n] for n in compiled.input_nodes])


def _node_order(compiled: CompiledGraph) -> list[str]:
    """Node ids in the order the fx graph calls their modules."""
    by_attr = {attr: nid for nid, attr in compiled.attr_names.items()}
    return [by_attr[n.target] for n in compiled.module.graph.nodes
            if n.op == "call_module" and n.target in by_attr]


def _forward_source(compiled: CompiledGraph, collector: SourceCollector) -> str:
    """fx's generated ``forward`` without its ``x = None`` clean-up statements."""
    code = compiled.module.graph.python_code(root_module="self")
    lines = []
    for line in code.src.strip("\n").splitlines():
        line = re.sub(r";\s+[\w\s=]+= None\s*$", "", line.rstrip())
        if line.strip():
            lines.append("    " + line)
    body = "\n".join(lines)
    for name, value in code.globals.items():  # names the forward needs besides builtins
        if re.search(rf"\b{re.escape(name)}\b", body) and name not in ("torch",):
            collector.require(name, value, "forward")
    return body


def _recorded_calls(graph: Graph, compiled: CompiledGraph, nid: str) -> dict:
    """Submodule name -> (signature names, values) of the ``__init__`` that built it."""
    node, info = graph.nodes[nid], compiled.report.nodes[nid]
    build = LAYERS.get(node.type).build
    if build is None or info.params is None or info.inputs is None:
        return {}
    params, inputs = info.params, dict(info.inputs)
    try:
        rebuilt, calls = record_init_calls(lambda: build(params, inputs))
    except Exception:  # noqa: BLE001 - a failed rebuild only means: use another strategy
        return {}
    return {name: calls[id(m)] for name, m in rebuilt.named_modules() if id(m) in calls}


# -- writing constructor expressions ------------------------------------------------------

class _ModuleWriter:
    def __init__(self, collector: SourceCollector):
        self.collector = collector

    def expression(self, module: nn.Module, calls: dict, name: str, indent: int) -> str:
        """Source of an expression that builds ``module`` (without its weights)."""
        if type(module) in _CONTAINERS:
            return self._container(module, calls, name, indent)
        ref = self.collector.class_ref(type(module))
        for args in (from_call(calls.get(name)), from_attributes(module)):
            call = call_source(module, args)
            if call is not None:
                return ref + call
        return self._restored(module, ref, calls, name, indent)

    def _container(self, module: nn.Module, calls: dict, name: str, indent: int) -> str:
        pad = " " * (indent + 4)
        prefix = f"{name}." if name else ""
        items = [self.expression(child, calls, prefix + key, indent + 4)
                 for key, child in module.named_children()]
        ref = self.collector.class_ref(type(module))
        if type(module) is nn.ModuleList:
            return f"{ref}([\n" + "".join(f"{pad}{i},\n" for i in items) + " " * indent + "])"
        return f"{ref}(\n" + "".join(f"{pad}{i},\n" for i in items) + " " * indent + ")"

    def _restored(self, module: nn.Module, ref: str, calls: dict, name: str,
                  indent: int) -> str:
        self.collector.add_helper("_restore", RESTORE_HELPER)
        items = []
        for key, value in vars(module).items():
            if key in MODULE_KEYS:
                continue
            try:
                items.append(f"{literal(key)}: {literal(value)}")
            except ValueError:
                raise _CannotWrite(f"its constructor arguments cannot be recovered and its "
                                   f"attribute {type(module).__name__}.{key} holds a "
                                   f"{type(value).__name__}, which has no source form") from None
        attr_src = "{" + ", ".join(items) + "}"
        if module._non_persistent_buffers_set:
            raise _CannotWrite(f"{type(module).__name__} has buffers the state_dict does not "
                               f"carry ({', '.join(sorted(module._non_persistent_buffers_set))})")
        parts = [ref, attr_src]
        params = {k: None if p is None else tuple(p.shape) for k, p in module._parameters.items()}
        if params:
            parts.append(f"params={literal(params)}")
        buffers = {k: None if b is None else (tuple(b.shape), str(b.dtype).split(".")[-1])
                   for k, b in module._buffers.items()}
        if buffers:
            parts.append(f"buffers={literal(buffers)}")
        prefix = f"{name}." if name else ""
        children = [(key, self.expression(child, calls, prefix + key, indent + 4))
                    for key, child in module.named_children()]
        if children:
            pad = " " * (indent + 4)
            parts.append("children={\n" + "".join(f"{pad}{literal(k)}: {c},\n" for k, c in children)
                         + " " * indent + "}")
        return "_restore(" + ", ".join(parts) + ")"


