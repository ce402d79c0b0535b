"""Preset expectations: the book's result with a tolerance, checked after a run.

Each entry of a preset's ``expect`` list reads one value and compares it::

    {"metric": "train_accuracy", "min": 1.0, "book": "binary_accuracy 1.00 (L2528)"}
    {"weight": "linear", "key": "weight", "index": [0, 0], "approx": 3.0, "tol": 0.1}

``metric`` reads a final metric of the run; ``weight`` reads a trained
parameter of node ``weight`` (``key`` "weight"/"bias" of its Linear/Conv, or a
``state_dict`` key) at ``index``. Comparators: ``min``, ``max``, ``approx``
with ``tol``, ``equals``. ``book`` is what the book reports, shown next to ours.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from playground.errors import ValidationError

_SOURCES = ("metric", "weight")
_FIELDS = ("metric", "weight", "model", "key", "index", "min", "max", "approx", "tol",
           "equals", "book", "label")


@dataclass(frozen=True)
class CheckResult:
    """One expectation after a run."""

    label: str
    value: float | None
    passed: bool
    rule: str
    book: str = ""

    def line(self) -> str:
        """``PASS train_accuracy = 1.0000 (>= 1) | book: ...``"""
        value = "missing" if self.value is None else f"{self.value:.6g}"
        book = f" | book: {self.book}" if self.book else ""
        return f"{'PASS' if self.passed else 'FAIL'} {self.label} = {value} ({self.rule}){book}"

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {"label": self.label, "value": self.value, "passed": self.passed,
                "rule": self.rule, "book": self.book}


def validate_expect(entries: Any, where: str = "expect") -> None:
    """Check the structure of an ``expect`` list.

    Raises
    ------
    ValidationError
        Naming the bad entry.
    """
    if not isinstance(entries, list):
        raise ValidationError("expected a list of checks", where)
    for i, entry in enumerate(entries):
        here = f"{where}[{i}]"
        if not isinstance(entry, Mapping):
            raise ValidationError("expected an object", here)
        for key in entry:
            if key not in _FIELDS:
                raise ValidationError(f"unknown field {key!r}", here)
        sources = [s for s in _SOURCES if s in entry]
        if len(sources) != 1:
            raise ValidationError("give exactly one of 'metric' or 'weight'", here)
        rules = [r for r in ("min", "max", "approx", "equals") if r in entry]
        if not rules:
            raise ValidationError("give a rule: min, max, approx (+ tol) or equals", here)
        for rule in (*rules, "tol"):
            value = entry.get(rule)
            if rule in entry and (isinstance(value, bool) or not isinstance(value, (int, float))):
                raise ValidationError(f"expected a number, got {value!r}", f"{here}.{rule}")
        if "approx" in entry and "tol" not in entry:
            raise ValidationError("'approx' needs a 'tol'", here)


def evaluate_checks(entries: list, metrics: Mapping[str, float], task: Any = None
                    ) -> list[CheckResult]:
    """Evaluate every check against final ``metrics`` (and the trained ``task``)."""
    return [_check(entry, metrics, task) for entry in entries]


def _check(entry: Mapping, metrics: Mapping[str, float], task: Any) -> CheckResult:
    label = entry.get("label") or entry.get("metric") or _weight_label(entry)
    value = _read(entry, metrics, task)
    rules, ok = [], value is not None and math.isfinite(value)
    if "min" in entry:
        rules.append(f">= {entry['min']:g}")
        ok = ok and value >= entry["min"]
    if "max" in entry:
        rules.append(f"<= {entry['max']:g}")
        ok = ok and value <= entry["max"]
    if "approx" in entry:
        rules.append(f"{entry['approx']:g} ± {entry['tol']:g}")
        ok = ok and abs(value - entry["approx"]) <= entry["tol"]
    if "equals" in entry:
        rules.append(f"== {entry['equals']:g}")
        ok = ok and value == entry["equals"]
    return CheckResult(label, value, bool(ok), ", ".join(rules), entry.get("book", ""))


def _weight_label(entry: Mapping) -> str:
    index = "".join(f"[{i}]" for i in entry.get("index", []))
    return f"{entry['weight']}.{entry.get('key', 'weight')}{index}"


def _read(entry: Mapping, metrics: Mapping[str, float], task: Any) -> float | None:
    if "metric" in entry:
        value = metrics.get(entry["metric"])
        return None if value is None else float(value)
    if task is None:
        return None
    from playground.compiler import primary_layer
    compiled = task.compiled.get(entry.get("model", "model"))
    if compiled is None or entry["weight"] not in compiled.attr_names:
        return None
    module = compiled.node_module(entry["weight"])
    key = entry.get("key", "weight")
    primary = primary_layer(module)
    tensor = getattr(primary, key, None) if primary is not None and key in ("weight", "bias") \
        else module.state_dict().get(key)
    if tensor is None:
        return None
    try:
        return float(tensor.detach()[tuple(entry.get("index", []))])
    except (IndexError, TypeError, RuntimeError):
        return None
