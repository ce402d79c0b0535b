"""The core's import graph has no cycle: every module of ``playground`` can be read (and
imported) on its own, each package above the ones it uses.

Every import counts, also those inside functions (a lazy import is still a dependency).
An import of a package counts as an import of its ``__init__``; a package's ``__init__`` is
not counted as importing its own submodules' parent (Python runs it first either way).
"""

from __future__ import annotations

import ast
from pathlib import Path

import playground

ROOT = Path(playground.__file__).resolve().parent


def _module_name(path: Path) -> str:
    parts = ("playground", *path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _targets(node: ast.AST, module: str, is_package: bool, known: set[str]) -> set[str]:
    """The playground modules one import statement reads."""
    names: set[str] = set()
    if isinstance(node, ast.Import):
        names = {alias.name for alias in node.names}
    elif isinstance(node, ast.ImportFrom):
        if node.level:  # relative: from the package this module is in
            base = module.split(".") if is_package else module.split(".")[:-1]
            base = base[:len(base) - node.level + 1]
            source = ".".join(base + ([node.module] if node.module else []))
        else:
            source = node.module or ""
        names = {source}
        names |= {f"{source}.{alias.name}" for alias in node.names}
    found = set()
    for name in names:
        while name and name not in known:
            name = name.rpartition(".")[0]  # an attribute of a module: the module
        if name:
            found.add(name)
    return found


def import_graph() -> dict[str, set[str]]:
    """module -> the playground modules it imports (anywhere in its code)."""
    files = {_module_name(p): p for p in ROOT.rglob("*.py")}
    known = set(files)
    graph = {}
    for module, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        edges: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                edges |= _targets(node, module, path.name == "__init__.py", known)
        # A module's own package runs before it: that is not a dependency of the module.
        graph[module] = {t for t in edges if t != module and not module.startswith(t + ".")}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a list of modules, or None."""
    state: dict[str, int] = {}  # 1: on the path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            cycle = visit(start)
            if cycle:
                return cycle
    return None


def test_the_core_has_no_import_cycle():
    cycle = find_cycle(import_graph())
    assert cycle is None, " -> ".join(cycle)


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_graph_sees_lazy_imports():
    graph = import_graph()
    assert "playground.run.session" in graph["playground.export.common"]
    assert graph["playground.cli"]  # its imports are inside the commands
