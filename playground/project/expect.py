"""Preset expectations: the book's result with a tolerance, checked after a run.

Each entry of a preset's ``expect`` list reads one value and compares it::

    {"metric": "train_accuracy", "min": 1.0, "book": "binary_accuracy 1.00 (L2528)"}
    {"weight": "linear", "key": "weight", "index": [0, 0], "approx": 3.0, "tol": 0.1}

``metric`` reads a final metric of the run; ``mean`` the mean of several
(``{"mean": ["fold0.val_mae", "fold1.val_mae"], ...}``: a cross-validation
score); ``weight`` reads a trained parameter of node ``weight`` (``key``
"weight"/"bias" of its Linear/Conv, or a ``state_dict`` key) at ``index``.
Comparators: ``min``, ``max``, ``approx`` with ``tol``, ``equals``, and
``below``/``above`` naming another metric the value must be strictly
smaller/larger than (orderings such as "the RNN beats the naive forecast":
``{"metric": "test_mse", "below": "test_naive_mse"}``; with variants,
``{"metric": "rnn.test_mse", "below": "ff.test_mse"}``, see
:mod:`playground.project.variants`). ``book`` is what the book reports, shown
next to ours.

``per`` divides a metric by another, for a book's ratio ("the RNN's error is 39%
lower than the feed-forward net's")::

    {"metric": "rnn.test_mse", "per": "ff.test_mse", "max": 0.8, "book_value": 0.61}

``array`` reads a named array of the trained task (``task.arrays()``, e.g. the
perceptron's ``weight_history``), optionally at ``index``. A single element is
compared like a metric; a list ``approx`` (with ``tol``) or ``equals`` compares
element by element and the value shown is the largest absolute difference::

    {"array": "weight_history", "index": [4], "approx": [0.4, -0.4, -0.15], "tol": 1e-9}

An ``array`` the task does not have is put together from the metrics named
``<array>[i,j,...]``, one per element (the ``evaluate`` task reports small
node outputs so): that is how a check reads a later variant's array,
``{"array": "oned.full", ...}`` from the metrics ``oned.full[0,0,0]`` ...; and
``<array>.shape``, the per-sample shape, from the same metrics or from
``<array>.shape[i]``.

Over many seeds (``playground run --seeds K``, :mod:`playground.run.seeds`) a
check passes when it holds in ``min_pass_rate`` of them (default 0.8), and
``book_value`` (the book's number as a number, default: an ``approx``) is
placed in the distribution of the values. With ``over_seeds`` (one of
:data:`OVER_SEEDS`: ``"q1"`` is the lower quartile) the rule applies to that
statistic of the seeds' values instead, a statement about the distribution
("a quarter of the chains end below 0.358"); one run reports its value as SEEDS.

``"seed_specific": true`` marks a check that holds for the preset's own seeds
only: an exact number of a book's seeded program (ldl's weight sequence after
``random.seed(7)``). A run with another training seed (``--seed``) or data seed
still measures it but reports it as skipped, and over many seeds it is judged
on the preset's own seed alone. Such a preset also carries checks that hold for
any seed (the rule converges: the book's claim).
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from playground.errors import ValidationError

_SOURCES = ("metric", "weight", "array", "mean")
_FIELDS = ("metric", "weight", "array", "mean", "model", "key", "index", "min", "max", "approx",
           "tol", "equals", "below", "above", "book", "label", "book_value", "min_pass_rate",
           "over_seeds", "seed_specific", "per")
#: Statistics a check may apply its rule to over many seeds instead of each run's value.
OVER_SEEDS = ("median", "mean", "min", "max", "q1", "q3", "book_percentile")
#: What a skipped ``seed_specific`` check's rule says.
OWN_SEED_ONLY = "holds at the preset's own seed only"
#: Rules comparing with another metric, named by a string.
_RELATIVE = ("below", "above")


@dataclass(frozen=True)
class CheckResult:
    """One expectation after a run.

    ``seeds_only``: the check is a statement about many seeds (``over_seeds``); one
    run reports its value but neither passes nor fails it.

    ``skipped`` is True for a ``seed_specific`` check measured at seeds other than
    the preset's own: ``value`` is what this run measured, ``passed`` is True (it
    is not a failure) and the rule says why it was not judged.
    """

    label: str
    value: float | None
    passed: bool
    rule: str
    book: str = ""
    seeds_only: bool = False
    skipped: bool = False

    @property
    def verdict(self) -> str:
        """PASS, FAIL, SEEDS (judged over many seeds) or SKIP (judged at the own seed)."""
        if self.skipped:
            return "SKIP"
        return "SEEDS" if self.seeds_only else "PASS" if self.passed else "FAIL"

    def line(self) -> str:
        """The report line: ``PASS train_accuracy = 1.0000 (>= 1) | book: ...``."""
        value = "missing" if self.value is None else f"{self.value:.6g}"
        book = f" | book: {self.book}" if self.book else ""
        return f"{self.verdict} {self.label} = {value} ({self.rule}){book}"

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {"label": self.label, "value": self.value, "passed": self.passed,
                "rule": self.rule, "book": self.book, "seeds_only": self.seeds_only,
                "skipped": self.skipped}


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
            raise ValidationError("give exactly one of 'metric', 'weight', 'array' or 'mean'",
                                  here)
        if "mean" in entry and (not isinstance(entry["mean"], list) or not entry["mean"] or
                                not all(isinstance(m, str) for m in entry["mean"])):
            raise ValidationError("expected a list of metric names", f"{here}.mean")
        rules = [r for r in ("min", "max", "approx", "equals") if r in entry]
        if "per" in entry and ("metric" not in entry or not isinstance(entry["per"], str)):
            raise ValidationError("'per' divides a 'metric' by the metric it names, e.g. "
                                  "\"ff.test_mse\"", f"{here}.per")
        for rule in _RELATIVE:
            if rule in entry and not isinstance(entry[rule], str):
                raise ValidationError(f"expected the name of a metric, got {entry[rule]!r}",
                                      f"{here}.{rule}")
        if not rules and not any(r in entry for r in _RELATIVE):
            raise ValidationError("give a rule: min, max, approx (+ tol), equals, below or "
                                  "above", here)
        for rule in (*rules, "tol"):
            value = entry.get(rule)
            if "array" in entry and rule in ("approx", "equals") and isinstance(value, list):
                _validate_numbers(value, f"{here}.{rule}")
                continue
            if rule in entry and (isinstance(value, bool) or not isinstance(value, (int, float))):
                raise ValidationError(f"expected a number, got {value!r}", f"{here}.{rule}")
        if "approx" in entry and "tol" not in entry:
            raise ValidationError("'approx' needs a 'tol'", here)
        _validate_seed_fields(entry, here)


def evaluate_checks(entries: list, metrics: Mapping[str, float], task: Any = None,
                    own_seed: bool = True) -> list[CheckResult]:
    """Evaluate every check against final ``metrics`` (and the trained ``task``).

    A check with ``over_seeds`` reports this run's value and counts as passed: its
    rule is about a statistic of many seeds (:func:`check_statistic`). ``own_seed``
    False (the run used another training or data seed than the preset's) reports
    the ``seed_specific`` checks as skipped.
    """
    results = []
    for entry in entries:
        result = _check(entry, metrics, task)
        if "over_seeds" in entry:
            result = CheckResult(result.label, result.value, True,
                                 f"{entry['over_seeds']} over seeds: {result.rule}",
                                 result.book, seeds_only=True)
        elif entry.get("seed_specific") and not own_seed:
            result = dataclasses.replace(result, passed=True, skipped=True,
                                         rule=f"{result.rule}; {OWN_SEED_ONLY}")
        results.append(result)
    return results


def check_statistic(entry: Mapping, statistic: float | None) -> tuple[bool, str]:
    """Apply ``entry``'s rule (min, max, approx...) to a statistic of many seeds.

    Returns
    -------
    passed : bool
    rule : str
        The rule as text.
    """
    rest = {k: v for k, v in entry.items()
            if k not in ("metric", "weight", "array", "mean", "index", "per")}
    values = {} if statistic is None else {"\0": statistic}
    result = _check({**rest, "metric": "\0"}, values, None)
    return result.passed, result.rule


def _validate_seed_fields(entry: Mapping, here: str) -> None:
    """``book_value``: the book's number as a number; ``min_pass_rate``: in (0, 1];
    ``over_seeds``: a statistic of :data:`OVER_SEEDS`, with no ``below``/``above``;
    ``seed_specific``: true or false, not with ``over_seeds``."""
    if "seed_specific" in entry and not isinstance(entry["seed_specific"], bool):
        raise ValidationError(f"expected true or false, got {entry['seed_specific']!r}",
                              f"{here}.seed_specific")
    over = entry.get("over_seeds")
    if "over_seeds" in entry:
        if over not in OVER_SEEDS:
            raise ValidationError(f"expected one of {', '.join(OVER_SEEDS)}, got {over!r}",
                                  f"{here}.over_seeds")
        if any(k in entry for k in _RELATIVE):
            raise ValidationError("a statistic over seeds compares with numbers, not with "
                                  "another metric (below/above)", f"{here}.over_seeds")
        if over == "book_percentile" and "book_value" not in entry:
            raise ValidationError("the book's percentile needs the book's number: give "
                                  "book_value", f"{here}.over_seeds")
        if entry.get("seed_specific"):
            raise ValidationError("a statistic over seeds cannot hold at one seed only",
                                  f"{here}.seed_specific")
    for key in ("book_value", "min_pass_rate"):
        value = entry.get(key)
        if key in entry and (isinstance(value, bool) or not isinstance(value, (int, float))
                             or not math.isfinite(value)):
            raise ValidationError(f"expected a number, got {value!r}", f"{here}.{key}")
    rate = entry.get("min_pass_rate")
    if rate is not None and not 0.0 < rate <= 1.0:
        raise ValidationError(f"expected a share of the seeds in (0, 1], got {rate!r}",
                              f"{here}.min_pass_rate")


def _validate_numbers(value: Any, where: str) -> None:
    """A number or a (nested) list of numbers."""
    if isinstance(value, list):
        for i, item in enumerate(value):
            _validate_numbers(item, f"{where}[{i}]")
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError(f"expected a number, got {value!r}", where)


def _check(entry: Mapping, metrics: Mapping[str, float], task: Any) -> CheckResult:
    if "array" in entry:
        return _check_array(entry, metrics, task)
    label = entry.get("label") or entry.get("metric") or _mean_label(entry) or \
        _weight_label(entry)
    value = _read(entry, metrics, task)
    if "per" in entry:
        label = entry.get("label") or f"{entry['metric']} / {entry['per']}"
        base = metrics.get(entry["per"])
        value = None if value is None or base is None or float(base) == 0.0 \
            else value / float(base)
    rules, ok = [], value is not None and math.isfinite(value)
    number = math.nan if value is None else value  # NaN fails every rule below
    if "min" in entry:
        rules.append(f">= {entry['min']:g}")
        ok = ok and number >= entry["min"]
    if "max" in entry:
        rules.append(f"<= {entry['max']:g}")
        ok = ok and number <= entry["max"]
    if "approx" in entry:
        rules.append(f"{entry['approx']:g} ± {entry['tol']:g}")
        ok = ok and abs(number - entry["approx"]) <= entry["tol"]
    if "equals" in entry:
        rules.append(f"== {entry['equals']:g}")
        ok = ok and number == entry["equals"]
    for rule, sign in (("below", "<"), ("above", ">")):
        if rule in entry:
            other = metrics.get(entry[rule])
            shown = "missing" if other is None else f"{float(other):.6g}"
            rules.append(f"{sign} {entry[rule]} = {shown}")
            ok = ok and other is not None and math.isfinite(float(other)) and (
                number < float(other) if rule == "below" else number > float(other))
    return CheckResult(label, value, bool(ok), ", ".join(rules), entry.get("book", ""))


def _weight_label(entry: Mapping) -> str:
    index = "".join(f"[{i}]" for i in entry.get("index", []))
    return f"{entry['weight']}.{entry.get('key', 'weight')}{index}"


def _mean_label(entry: Mapping) -> str:
    return f"mean({', '.join(entry['mean'])})" if "mean" in entry else ""


def _read(entry: Mapping, metrics: Mapping[str, float], task: Any) -> float | None:
    if "mean" in entry:  # every named metric must be there
        values = [float(v) for name in entry["mean"] if (v := metrics.get(name)) is not None]
        if len(values) < len(entry["mean"]):
            return None
        return sum(values) / len(values)
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


def _check_array(entry: Mapping, metrics: Mapping[str, float], task: Any) -> CheckResult:
    """An ``array`` entry: one element like a metric, or a whole (sub)array element-wise."""
    import numpy as np

    index = entry.get("index", [])
    label = entry.get("label") or entry["array"] + "".join(f"[{i}]" for i in index)
    book = entry.get("book", "")
    getter = getattr(task, "arrays", None)
    try:
        whole = getter().get(entry["array"]) if callable(getter) else None
        if whole is None:
            whole = array_from_metrics(entry["array"], metrics)
        if whole is None and entry["array"].endswith(".shape"):  # a small output's shape
            listed = array_from_metrics(entry["array"][:-len(".shape")], metrics)
            whole = None if listed is None else list(listed.shape[1:])
        value = None if whole is None else np.asarray(whole, dtype=np.float64)[tuple(index)]
    except (KeyError, IndexError, TypeError, ValueError):
        value = None
    expected = entry.get("approx", entry.get("equals"))
    if not isinstance(expected, list):  # a single element: the metric rules apply
        # Read through a reserved metric name so every metric rule applies unchanged.
        scalar = None if value is None or np.ndim(value) else float(value)
        values = {k: v for k, v in metrics.items() if k != "\0"}
        if scalar is not None:
            values["\0"] = scalar
        rest = {k: v for k, v in entry.items() if k not in ("array", "index")}
        return _check({**rest, "metric": "\0", "label": label}, values, task)
    target = np.asarray(expected, dtype=np.float64)
    rule = f"≈ {_fmt(target.tolist())}"
    if value is None or np.shape(value) != target.shape:
        got = "missing" if value is None else f"shape {np.shape(value)}"
        return CheckResult(label, None, False, f"{rule} (got {got})", book)
    diff = float(np.max(np.abs(value - target))) if target.size else 0.0
    tol = float(entry.get("tol", 0.0)) if "approx" in entry else 0.0
    rule += f", max |diff| <= {tol:g}"
    return CheckResult(label, diff, bool(np.isfinite(diff) and diff <= tol), rule, book)


def array_from_metrics(name: str, metrics: Mapping[str, float]) -> Any:
    """The array whose elements are the metrics ``name[i,j,...]``, or None when there are none.

    Its shape is one past the largest index on each axis; an element no metric
    names is NaN (so a check on it fails).
    """
    import numpy as np

    pattern = re.compile(re.escape(name) + r"\[(\d+(?:,\d+)*)\]$")
    found = {}
    for key, value in metrics.items():
        match = pattern.match(key)
        if match:
            found[tuple(int(i) for i in match.group(1).split(","))] = value
    ranks = {len(index) for index in found}
    if len(ranks) != 1:
        return None
    shape = tuple(max(index[axis] for index in found) + 1 for axis in range(ranks.pop()))
    out = np.full(shape, np.nan)
    for index, value in found.items():
        out[index] = value
    return out


def _fmt(value: Any) -> str:
    """A nested list of numbers on one line, each with 6 significant digits."""
    if isinstance(value, list):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    return f"{value:.6g}"
