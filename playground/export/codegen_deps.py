"""What a generated file needs besides PyTorch: copied sources, imports and literals.

:class:`SourceCollector` copies a class or function into the generated file with
:func:`inspect.getsource` and follows the global names its code uses, in the
module that defined it: PyTorch objects and standard-library modules become
imports, other classes and functions are copied too (recursively, dependencies
first), plain constants are written as literals. Anything else (a numpy array,
an object from a third-party package) is an error naming the class and the
name, since the file must run with torch only.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import inspect
import math
import sys
import textwrap
from typing import Any

import torch

#: Where PyTorch objects are imported from in generated code, most specific first.
_TORCH_HOMES = ("torch.nn", "torch.nn.functional", "torch.nn.init", "torch")
_BUILTINS = frozenset(dir(builtins))


class CodegenError(Exception):
    """Something has no source form; the message says what and why."""


def literal(value: Any) -> str:
    """Python source that evaluates to ``value`` (plain data only).

    Raises
    ------
    ValueError
        For tensors, callables and other objects that are not plain data.
    """
    kind = type(value)
    if kind is str and value.isprintable() and '"' not in value and "\\" not in value:
        return f'"{value}"'  # double quotes, as the rest of the generated code
    if value is None or kind in (bool, int, str, bytes):
        return repr(value)
    if kind is float:
        if math.isfinite(value):
            return repr(value)
        return "float(\"nan\")" if value != value else ("float(\"inf\")" if value > 0
                                                        else "-float(\"inf\")")
    if kind in (tuple, torch.Size):
        items = [literal(v) for v in value]
        return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    if kind is list:
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if kind is dict:
        return "{" + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in value.items()) + "}"
    if kind is torch.dtype:
        return f"torch.{str(value).split('.')[-1]}"
    raise ValueError(kind.__name__)


class SourceCollector:
    """Imports and copied definitions for one generated file.

    Parameters
    ----------
    reserved : set of str
        Names the file defines itself (the model class...): a copied definition
        with one of these names is an error.
    imports : dict, optional
        Name -> (object, import line) the file imports anyway; copied code may
        use these names for the same objects.
    """

    def __init__(self, reserved: set[str] | frozenset[str] = frozenset(),
                 imports: dict[str, tuple[Any, str]] | None = None):
        self.reserved = set(reserved)
        self._imports: dict[str, str] = {"torch": "import torch", "nn": "from torch import nn"}
        self._bound: dict[str, Any] = {"torch": torch, "nn": torch.nn}
        self._shared = dict(imports or {})
        self._defs: dict[str, str] = {}

    # -- public --------------------------------------------------------------------------
    def class_ref(self, cls: type) -> str:
        """How generated code names ``cls``: ``nn.Linear``, or a copied class's name."""
        for home, prefix in (("torch.nn", "nn"), ("torch", "torch")):
            if getattr(importlib.import_module(home), cls.__name__, None) is cls:
                return f"{prefix}.{cls.__name__}"
        if _is_torch(cls):
            raise CodegenError(f"{cls.__module__}.{cls.__qualname__} is not part of PyTorch's "
                               "public API")
        self.require(cls.__name__, cls, "the model")
        return cls.__name__

    def require(self, name: str, value: Any, owner: str) -> None:
        """Make ``name`` mean ``value`` in the generated file (import, copy or literal).

        Raises
        ------
        CodegenError
            When ``value`` cannot be had with torch and the standard library, or
            ``name`` is already taken by something else.
        """
        if name in self._shared and self._shared[name][0] is value:
            self._imports[name] = self._shared[name][1]
            return
        if name in self._bound:
            if self._bound[name] is not value:
                raise CodegenError(f"two different objects are called {name!r} "
                                   f"({owner} uses one of them)")
            return
        if name in self.reserved:
            raise CodegenError(f"{owner} uses the name {name!r}, which the generated file "
                               "needs for itself")
        self._bound[name] = value
        line = _import_line(name, value)
        if line is not None:
            self._imports[name] = line
        elif inspect.isclass(value) or inspect.isfunction(value):
            self._copy(value, owner)
            if name != value.__name__:
                self._defs[name] = f"{name} = {value.__name__}"
        else:
            try:
                self._defs[name] = f"{name} = {literal(value)}"
            except ValueError:
                raise CodegenError(f"{owner} uses {name!r}, a {type(value).__name__} that "
                                   "cannot be written into a torch-only file") from None

    def add_helper(self, name: str, source: str) -> None:
        """Add a definition written by the generator itself (once)."""
        self._bound.setdefault(name, source)
        self._defs.setdefault(name, source)

    def import_lines(self) -> list[str]:
        """The import lines needed (see :func:`format_imports` for their order)."""
        return format_imports(self._imports.values())

    def definitions(self) -> list[str]:
        """Copied definitions, each after the ones it uses."""
        return list(self._defs.values())

    # -- copying -------------------------------------------------------------------------
    def _copy(self, obj: Any, owner: str) -> None:
        name = obj.__name__
        if obj.__qualname__ != name:
            raise CodegenError(f"{obj.__qualname__} is defined inside another function or "
                               "class, so its source cannot be copied on its own")
        try:
            source = textwrap.dedent(inspect.getsource(obj))
        except (OSError, TypeError):
            raise CodegenError(f"the source code of {obj.__module__}.{name} (used by {owner}) "
                               "is not available") from None
        module_globals = vars(sys.modules[obj.__module__])
        for dep in sorted(free_names(ast.parse(source)) - {name}):
            if dep in module_globals:
                self.require(dep, module_globals[dep], f"{obj.__module__}.{name}")
        # Dependencies were added first, so this lands after them.
        self._defs[name] = f"# Copied from {obj.__module__}.{name}.\n{source}"


def format_imports(lines) -> list[str]:
    """Distinct import lines, standard library first, then the rest; ``import`` before
    ``from`` within each group, a blank line between the groups."""
    def top(line: str) -> str:
        return line.split()[1].split(".")[0]

    unique = sorted({x for x in lines if x.strip()}, key=lambda x: (x.startswith("from "), x))
    stdlib = [x for x in unique if top(x) in sys.stdlib_module_names and top(x) != "__future__"]
    rest = [x for x in unique if x not in stdlib]
    return stdlib + ([""] if stdlib and rest else []) + rest


def _import_line(name: str, value: Any) -> str | None:
    """An import binding ``name`` to ``value`` (torch or the standard library), or None."""
    if inspect.ismodule(value):
        mod = value.__name__
        if not (_is_torch(value) or mod.split(".")[0] in sys.stdlib_module_names):
            raise CodegenError(f"the module {mod} is needed, but the file may import torch "
                               "and the standard library only")
        if mod == "torch.nn" and name == "nn":
            return "from torch import nn"
        return f"import {mod}" if name == mod else f"import {mod} as {name}"
    qual = getattr(value, "__name__", None)
    if not isinstance(qual, str):
        return None
    alias = "" if name == qual else f" as {name}"
    for home in _TORCH_HOMES:
        if getattr(importlib.import_module(home), qual, None) is value:
            return f"from {home} import {qual}{alias}"
    mod = getattr(value, "__module__", None) or ""
    if mod.split(".")[0] in sys.stdlib_module_names and \
            getattr(sys.modules.get(mod), qual, None) is value:
        return f"from {mod} import {qual}{alias}"
    if _is_torch(value):
        raise CodegenError(f"{mod}.{qual} is not part of PyTorch's public API")
    return None


def _is_torch(value: Any) -> bool:
    mod = value.__name__ if inspect.ismodule(value) else getattr(value, "__module__", None)
    return isinstance(mod, str) and (mod == "torch" or mod.startswith("torch."))


def free_names(tree: ast.AST) -> set[str]:
    """Names a piece of code reads but does not bind (annotations are skipped).

    Scope-insensitive on purpose: a name bound anywhere counts as bound
    everywhere, which can only make us copy less, never something wrong.
    """
    visitor = _Names()
    visitor.visit(tree)
    return visitor.loaded - visitor.bound - _BUILTINS


class _Names(ast.NodeVisitor):
    def __init__(self) -> None:
        self.loaded: set[str] = set()
        self.bound: set[str] = set()

    def visit_Name(self, node: ast.Name) -> None:
        (self.loaded if isinstance(node.ctx, ast.Load) else self.bound).add(node.id)

    def visit_arg(self, node: ast.arg) -> None:  # parameters; their annotations are skipped
        self.bound.add(node.arg)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.bound.add(node.name)
        for item in (*node.decorator_list, node.args, *node.body):
            self.visit(item)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self.bound.add(node.name)
        for item in (*node.decorator_list, node.args, *node.body):
            self.visit(item)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.bound.add(node.name)
        for item in (*node.decorator_list, *node.bases, *node.keywords, *node.body):
            self.visit(item)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self.visit(node.target)
        if node.value is not None:
            self.visit(node.value)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.bound.add(alias.asname or alias.name.split(".")[0])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            self.bound.add(alias.asname or alias.name.split(".")[0])

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self.bound.add(node.name)
        self.generic_visit(node)
