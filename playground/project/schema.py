"""Project and preset files: schema, validation, versions and migration, atomic save.

A project file is JSON::

    {"format_version": 2,
     "name": "My XOR",
     "graphs": {"model": {"nodes": [...], "edges": [...]}},
     "data": {"type": "xor", "params": {...}, "seed": 0, "split": {...}},
     "task": {"type": "classification", "params": {"loss": "bce"}},
     "training": {...},
     "views": {"layout": ["boundary", "loss"]}}

A preset is a project file with ``id``, ``meta`` and ``expect`` (see
:mod:`playground.project.presets`). Loading never executes anything, validates every
field and reports the path of the first bad one
(``graphs.model.nodes[3].params.units: expected int in [1, 100000], got "abc"``).
"""

from __future__ import annotations

import copy
import json
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import playground.data  # noqa: F401  (registers datasets)
import playground.layers  # noqa: F401  (registers layer types)
import playground.tasks  # noqa: F401  (registers tasks)
from playground.data.base import DATASETS
from playground.data.spec import DataSpec, parse_data_spec
from playground.errors import PlaygroundError, ValidationError
from playground.graph import Graph
from playground.layers import LAYERS
from playground.params import to_json
from playground.project.fileio import atomic_output
from playground.project.migrations import MIGRATIONS
from playground.tasks import TASKS
from playground.training.config import TrainingConfig, parse_training

FORMAT_VERSION = 3
MAX_FILE_BYTES = 20 * 1024 * 1024
#: Deepest nesting of objects and lists a project file may have (presets use under 10);
#: deeper data would overflow Python's recursion when copied or saved.
MAX_DEPTH = 64
#: Integers are stored as 64-bit values by everything downstream (seeds, sizes, torch).
MAX_INT = 2**63 - 1
_TOP_KEYS = ("format_version", "id", "name", "graphs", "data", "task", "training", "views",
             "meta", "expect", "variants")


@dataclass
class Project:
    """A whole experiment: graph(s), data, task, training config and view layout.

    Attributes
    ----------
    graphs : dict
        Graph name -> Graph ("model" for one network).
    data : DataSpec or None
        Dataset spec (None for tasks without data).
    task : str
        Task type id.
    task_params : dict
        Resolved task params.
    training : TrainingConfig
    views : dict
        View layout: ``{"layout": [view ids], ...}`` plus per-view settings.
    name : str
        Display name.
    id : str
        Preset id (empty for user projects).
    meta : dict
        Preset description (see :mod:`playground.project.presets`).
    expect : list
        Preset checks.
    variants : list
        Named patches giving alternative runs side by side.
    """

    graphs: dict[str, Graph]
    data: DataSpec | None
    task: str
    task_params: dict
    training: TrainingConfig = field(default_factory=TrainingConfig)
    views: dict = field(default_factory=dict)
    name: str = ""
    id: str = ""
    meta: dict = field(default_factory=dict)
    expect: list = field(default_factory=list)
    variants: list = field(default_factory=list)

    @property
    def graph(self) -> Graph | None:
        """The main graph ("model", or the first one); None for graph-less tasks (surfaces)."""
        return self.graphs.get("model") or next(iter(self.graphs.values()), None)

    @property
    def title(self) -> str:
        """Best human name: meta title, name, id."""
        return self.meta.get("title") or self.name or self.id or "Untitled"

    def to_dict(self) -> dict:
        """JSON-ready form (what :func:`save_project` writes)."""
        out: dict[str, Any] = {"format_version": FORMAT_VERSION}
        if self.id:
            out["id"] = self.id
        if self.name:
            out["name"] = self.name
        out["graphs"] = {name: g.to_dict() for name, g in self.graphs.items()}
        if self.data is not None:
            out["data"] = self.data.to_dict()
        out["task"] = {"type": self.task, "params": to_json(self.task_params)}
        out["training"] = self.training.to_dict()
        out["views"] = copy.deepcopy(self.views)
        for key in ("meta", "expect", "variants"):
            if getattr(self, key):
                out[key] = copy.deepcopy(getattr(self, key))
        return out

    def copy(self) -> Project:
        """A deep copy (graphs without subscribers)."""
        return project_from_dict(self.to_dict())


# -- loading -------------------------------------------------------------------------------

def load_project(path: str | os.PathLike) -> Project:
    """Read and validate a project or preset file.

    Raises
    ------
    ValidationError
        For a missing/unreadable file, bad JSON or a bad field; the message
        names the file and the field path (or line and column for JSON).
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if not path.is_file():  # a folder, or a pipe or device that would be read forever
            raise ValidationError("not a regular file", str(path))
        if size > MAX_FILE_BYTES:
            raise ValidationError(f"file is {size // 1_000_000} MB; project files are at most "
                                  f"{MAX_FILE_BYTES // 1_000_000} MB", path.name)
        text = path.read_text(encoding="utf-8-sig")  # a BOM (Windows editors) is fine
    except FileNotFoundError:
        raise ValidationError("file not found", str(path)) from None
    except UnicodeDecodeError as exc:
        raise ValidationError(f"not a UTF-8 text file (byte {exc.start}): not a project file",
                              path.name) from None
    except OSError as exc:
        raise ValidationError(f"cannot read the file: {exc.strerror or exc}", str(path)) from None
    try:
        raw = parse_json(text)
        return project_from_dict(raw)
    except ValidationError as exc:
        raise ValidationError(exc.message, f"{path.name}: {exc.where}" if exc.where
                              else path.name) from None


def parse_json(text: str) -> Any:
    """``json.loads`` that refuses NaN/Infinity and reports line and column."""
    def no_constants(name: str) -> None:
        raise ValueError(f"{name} is not allowed in project files")
    try:
        return json.loads(text, parse_constant=no_constants)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"invalid JSON: {exc.msg}",
                              f"line {exc.lineno}, column {exc.colno}") from None
    except ValueError as exc:
        if "integer string conversion" in str(exc):  # Python's 4300-digit guard
            raise ValidationError("a number has thousands of digits; numbers in project "
                                  f"files are at most {MAX_INT:,}") from None
        raise ValidationError(str(exc)) from None
    except RecursionError:
        raise ValidationError("the JSON is nested too deeply") from None


def check_json_data(value: Any, where: str = "") -> None:
    """Refuse what a project file cannot hold: NaN/inf (``1e309`` parses as inf), integers
    beyond 64 bits, nesting deeper than :data:`MAX_DEPTH`, non-text keys, other types.

    Iterative, so hostile nesting cannot exhaust the stack.

    Raises
    ------
    ValidationError
        Naming the path of the first bad value.
    """
    stack: list[tuple[Any, str, int]] = [(value, where, 0)]
    pairs: Iterable[tuple[Any, Any]]
    containers: list[tuple[Any, str, int]]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, Mapping):
            pairs = item.items()
            for key in item:
                if not isinstance(key, str):
                    raise ValidationError(f"keys must be text, got {key!r}", path)
        elif isinstance(item, (list, tuple)):
            pairs = enumerate(item)
        else:
            _check_scalar(item, path)
            continue
        if depth >= MAX_DEPTH:
            shown = path if len(path) < 80 else f"{path[:60]}..."
            raise ValidationError(f"nested more than {MAX_DEPTH} levels deep", shown)
        containers = []
        for key, child in pairs:
            kind = type(child)
            # The common leaves first, cheaply: literal datasets hold millions of numbers.
            if kind is float:
                if child - child == 0.0:  # finite (inf - inf and NaN - NaN are NaN)
                    continue
            elif kind is int:
                if -MAX_INT <= child <= MAX_INT:
                    continue
            elif child is None or kind is str or kind is bool:
                continue
            if isinstance(item, Mapping):
                sub = f"{path}.{key}" if path else str(key)
            else:
                sub = f"{path}[{key}]"
            if isinstance(child, (Mapping, list, tuple)):
                containers.append((child, sub, depth + 1))
            else:
                _check_scalar(child, sub)
        stack.extend(reversed(containers))  # popped in file order


def _check_scalar(item: Any, path: str) -> None:
    if item is None or isinstance(item, (str, bool, np.bool_)):
        return
    if isinstance(item, (int, np.integer)):  # NumPy scalars: made in memory, not from files
        if abs(int(item)) > MAX_INT:
            raise ValidationError(f"integer too large ({len(str(abs(item)))} digits; at most "
                                  f"{MAX_INT:,})", path)
        return
    if isinstance(item, (float, np.floating)):
        if not math.isfinite(item):
            what = ("a number too large to store (it reads as infinity; the largest is about "
                    "1.8e308)") if math.isinf(item) else "NaN, which is not a number"
            raise ValidationError(what, path)
        return
    raise ValidationError(f"a {type(item).__name__} cannot be stored in a project file", path)


def project_from_dict(raw: Any) -> Project:
    """Validate a parsed project dict and build a :class:`Project`.

    Raises
    ------
    ValidationError
        Naming the path of the first bad field.
    """
    if not isinstance(raw, Mapping):
        raise ValidationError("a project file must hold a JSON object")
    check_json_data(raw)
    raw = migrate(dict(raw))
    for key in raw:
        if key not in _TOP_KEYS:
            raise ValidationError(f"unknown field {key!r} (expected {', '.join(_TOP_KEYS)})")
    graphs = _parse_graphs(raw.get("graphs"), _graphless_task(raw.get("task")))
    data = parse_data_spec(raw["data"]) if raw.get("data") is not None else None
    task, task_params = _parse_task(raw.get("task"), data)
    for name in TASKS.get(task).graphs:
        if name not in graphs:
            raise ValidationError(f"task {task!r} needs a graph called {name!r} "
                                  f"(found: {', '.join(graphs)})", "graphs")
    return Project(
        graphs=graphs, data=data, task=task, task_params=task_params,
        training=parse_training(raw.get("training")),
        views=_object(raw.get("views", {}), "views"),
        name=_text(raw.get("name", ""), "name"), id=_text(raw.get("id", ""), "id"),
        meta=_object(raw.get("meta", {}), "meta"),
        expect=_list(raw.get("expect", []), "expect"),
        variants=_list(raw.get("variants", []), "variants"))


def migrate(raw: dict) -> dict:
    """Upgrade ``raw`` from its ``format_version`` to :data:`FORMAT_VERSION`."""
    version = raw.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValidationError(f"expected an int, got {version!r}", "format_version")
    if version > FORMAT_VERSION:
        raise ValidationError(f"this file is format {version}, made by a newer version of the "
                              f"playground; this one reads up to {FORMAT_VERSION}",
                              "format_version")
    if version < 1:
        raise ValidationError(f"unknown format version {version}", "format_version")
    while version < FORMAT_VERSION:
        raw = MIGRATIONS[version](raw)
        version += 1
        raw["format_version"] = version
    return raw


def _graphless_task(raw_task: Any) -> bool:
    """True when the file's task trains no graph (e.g. ``surface``), so ``graphs`` may be {}."""
    kind = raw_task.get("type") if isinstance(raw_task, Mapping) else None
    return isinstance(kind, str) and kind in TASKS and not TASKS.get(kind).graphs


def _parse_graphs(raw: Any, allow_empty: bool = False) -> dict[str, Graph]:
    if not isinstance(raw, Mapping) or (not raw and not allow_empty):
        raise ValidationError("expected an object of named graphs, e.g. {\"model\": {...}}",
                              "graphs")
    return {name: parse_graph(body, f"graphs.{name}") for name, body in raw.items()}


def parse_graph(body: Any, where: str) -> Graph:
    """A graph from its JSON form, with every node's type and params validated (what
    loading a file checks; pasting a graph fragment checks the same).

    Raises
    ------
    ValidationError
        Naming the path of the first bad field, from ``where``.
    """
    graph = Graph.from_dict(body, where)
    for i, node in enumerate(graph.nodes.values()):
        spec = LAYERS.get(node.type, f"{where}.nodes[{i}].type")
        spec.resolve(node.params, f"{where}.nodes[{i}].params")
    return graph


def _parse_task(raw: Any, data: DataSpec | None) -> tuple[str, dict]:
    if not isinstance(raw, Mapping):
        raise ValidationError("expected an object with 'type'", "task")
    for key in raw:
        if key not in ("type", "params"):
            raise ValidationError(f"unknown field {key!r} (expected type, params)", "task")
    entry = TASKS.get(raw.get("type"), "task.type")
    params = entry.resolve(raw.get("params"), "task.params")
    if entry.targets and data is None:
        raise ValidationError(f"task {entry.id!r} needs a 'data' section", "data")
    if data is not None and entry.targets:
        target = DATASETS.get(data.type).info_for(data.params).target
        if target not in entry.targets:
            raise ValidationError(f"task {entry.id!r} needs {' or '.join(entry.targets)} "
                                  f"targets but dataset {data.type!r} has {target!r} targets",
                                  "task.type")
    return entry.id, params


def _object(value: Any, where: str) -> dict:
    if not isinstance(value, Mapping):
        raise ValidationError("expected an object", where)
    return copy.deepcopy(dict(value))


def _list(value: Any, where: str) -> list:
    if not isinstance(value, list):
        raise ValidationError("expected a list", where)
    return copy.deepcopy(value)


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise ValidationError(f"expected text, got {value!r}", where)
    return value


# -- saving --------------------------------------------------------------------------------

def save_project(project: Project, path: str | os.PathLike) -> None:
    """Write ``project`` to ``path`` atomically (temp file + rename).

    A failure leaves any existing file untouched and no temp file behind.

    Raises
    ------
    PlaygroundError
        When the file cannot be written.
    """
    write_json_atomic(project.to_dict(), path)


def write_json_atomic(data: Any, path: str | os.PathLike) -> None:
    """Write ``data`` as indented JSON to ``path`` atomically
    (:func:`playground.project.fileio.atomic_output`).

    Raises
    ------
    PlaygroundError
        Data JSON cannot hold (a NaN parameter: the message names its field), or a
        write error; the old file is left as it was.
    """
    path = Path(path)
    try:
        check_json_data(data)
        text = json.dumps(data, indent=2, allow_nan=False) + "\n"
    except ValidationError as exc:  # names the field: "graphs.model...units: NaN, which..."
        raise PlaygroundError(str(exc), path.name) from None
    except (ValueError, TypeError, RecursionError) as exc:  # a cycle, a custom object...
        raise PlaygroundError(f"cannot save: the data cannot be written as JSON ({exc})",
                              path.name) from None
    atomic_output(path, text)
