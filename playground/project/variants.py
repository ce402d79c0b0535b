"""Variants: several runs of one project side by side (an RNN vs a feed-forward net...).

A project's ``variants`` list names alternative runs, each a patch of the
project file::

    "variants": [
      {"name": "rnn", "label": "SimpleRNN(128)", "patch": {}},
      {"name": "ff", "label": "Feed-forward, last 12 months",
       "patch": {"graphs.model": {...}, "data.params.window": 12}}
    ]

A patch maps dotted paths of the project JSON to the value put there
(``"training.optimizer"``, ``"graphs.model"``, ``"data.params.window"``; a
number segment indexes a list: ``"graphs.model.nodes.2.params.units"``). An
empty patch is the project as written. When a project has variants, running it
runs every variant in order (:mod:`playground.run.orchestrator`); the metrics
of variant ``rnn`` are reported as ``rnn.test_mse`` ..., and the first
variant's also without a prefix, so ``expect`` can read any of them and compare
them with ``below``/``above`` (see :mod:`playground.project.expect`).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from playground.errors import ValidationError
from playground.project.schema import Project, project_from_dict

_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_FIELDS = ("name", "label", "patch")
#: Parts of a project a variant may not change: they describe the preset, not a run.
_FIXED = ("format_version", "id", "meta", "expect", "variants")


@dataclass(frozen=True)
class Variant:
    """One named run: its label and the patched project (without variants/expect)."""

    name: str
    label: str
    project: Project


def apply_patch(raw: dict, patch: Mapping[str, Any], where: str = "patch") -> dict:
    """A deep copy of project dict ``raw`` with each dotted path of ``patch`` set.

    Raises
    ------
    ValidationError
        A path that is not text, starts with a fixed section or walks through
        something that is neither an object nor a list.
    """
    out = copy.deepcopy(raw)
    for path, value in patch.items():
        here = f"{where}.{path}"
        if not isinstance(path, str) or not path:
            raise ValidationError("expected a dotted path such as 'training.epochs'", where)
        keys = path.split(".")
        if keys[0] in _FIXED:
            raise ValidationError(f"a variant cannot change {keys[0]!r}", here)
        node: Any = out
        for i, name in enumerate(keys):
            last = i == len(keys) - 1
            key: str | int = name
            if isinstance(node, list):
                if not name.isdigit() or int(name) >= len(node):
                    raise ValidationError(f"{name!r} is not an index of a list of {len(node)}",
                                          here)
                key = int(name)
            elif not isinstance(node, dict):
                raise ValidationError(f"cannot go into {'.'.join(keys[:i])!r}: not an object",
                                      here)
            if last:
                node[key] = copy.deepcopy(value)
            else:
                if isinstance(node, dict) and key not in node:
                    node[key] = {}
                node = node[key]
    return out


def variant_projects(project: Project) -> list[Variant]:
    """The validated projects of ``project.variants`` (empty when it has none).

    Raises
    ------
    ValidationError
        Naming the bad entry: ``variants[1].patch.graphs.model.nodes[0]...``.
    """
    entries = project.variants
    if not isinstance(entries, list):
        raise ValidationError("expected a list", "variants")
    base = project.to_dict()
    for key in ("variants", "expect"):
        base.pop(key, None)
    seen: set[str] = set()
    out = []
    for i, entry in enumerate(entries):
        here = f"variants[{i}]"
        if not isinstance(entry, Mapping):
            raise ValidationError("expected an object with name, label and patch", here)
        for key in entry:
            if key not in _FIELDS:
                raise ValidationError(f"unknown field {key!r} (expected name, label, patch)", here)
        name, label, patch = entry.get("name"), entry.get("label", ""), entry.get("patch", {})
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise ValidationError(f"expected a name of letters, digits and _, got {name!r}",
                                  f"{here}.name")
        if name in seen:
            raise ValidationError(f"two variants are called {name!r}", f"{here}.name")
        seen.add(name)
        if not isinstance(label, str):
            raise ValidationError(f"expected text, got {label!r}", f"{here}.label")
        if not isinstance(patch, Mapping):
            raise ValidationError("expected an object of dotted paths", f"{here}.patch")
        raw = apply_patch(base, patch, f"{here}.patch")
        try:
            variant = project_from_dict(raw)
        except ValidationError as exc:
            raise ValidationError(exc.message, f"{here}.patch -> {exc.where}") from None
        out.append(Variant(name, label or name, variant))
    return out


def prefixed(name: str, metrics: Mapping[str, float]) -> dict[str, float]:
    """``{"test_mse": 1}`` -> ``{"rnn.test_mse": 1}``."""
    return {f"{name}.{key}": value for key, value in metrics.items()}
