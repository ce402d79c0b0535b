"""The ``beam_search`` task: beam search over a written-out tree of next-token probabilities.

dlpi 5.7.6 (L5783-5825, Fig 5.25, Table 5.1) walks a beam search of width
k = 2 over a four-token dictionary {y1, y2, y3, _EOS}: at each step the k
best unfinished paths are extended by their k most probable tokens, a path
ending in _EOS is finished, and paths are compared by their
length-normalised negative log-likelihood NLL = -(1/T) sum_t log p_t. The
decoder is replaced here by a table: ``tree`` maps each prefix (token names
joined by spaces, "" for the start) to its next-token distribution; a prefix
the table does not continue ends its path ("stopped"), which is where the
book's figure ends. The search itself is :func:`playground.tasks.decoding.beam_search`,
the same code that decodes a trained character model.

Task params::

    {"tokens": ["y1", "y2", "y3", "EOS"], "end": "EOS", "width": 2, "steps": 4,
     "length_normalised": true, "tree": {"": [0.5, 0.05, 0.4, 0.05], "y1": [...], ...}}

Without params the task uses the book's example (:data:`BOOK_EXAMPLE`).
Metrics: ``nll[y1 y2 y3 EOS]`` for every path the search ended (finished,
pruned, stopped or still in the beam), ``best_finished_nll`` and the counts
``finished_paths`` and ``paths``. Arrays: ``nll`` in tree order (Table 5.1's
row order).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from playground.errors import ValidationError
from playground.params import bool_param, int_param, known_keys, resolve
from playground.tasks.base import TaskContext, TaskType, register_task
from playground.tasks.decoding import Path, beam_search, best_finished
from playground.tasks.static import StaticTask

#: dlpi Table 5.1. The book prints only the probability of each token on a drawn path
#: (L5816-5825); the other entries of each distribution are filled in so it sums to 1 and
#: its top two tokens are the ones Fig 5.25 follows.
BOOK_EXAMPLE: dict = {
    "tokens": ["y1", "y2", "y3", "EOS"], "end": "EOS", "width": 2, "steps": 4,
    "length_normalised": True,
    "tree": {
        "": [0.5, 0.05, 0.4, 0.05],
        "y1": [0.2, 0.4, 0.3, 0.1],
        "y3": [0.2, 0.1, 0.3, 0.4],
        "y1 y2": [0.2, 0.1, 0.4, 0.3],
        "y1 y3": [0.05, 0.05, 0.7, 0.2],
        "y1 y2 y3": [0.05, 0.05, 0.3, 0.6],
        "y1 y3 y3": [0.8, 0.0, 0.2, 0.0],
    },
}
_SCALARS = (int_param("width", 2, 1, 64, help="k: paths kept and tokens tried per path."),
            int_param("steps", 4, 1, 256, help="Most tokens per path."),
            bool_param("length_normalised", True,
                       help="Rank paths by NLL per token (Eq. 5.47 divided by the length)."))
_KEYS = ("tokens", "end", "width", "steps", "length_normalised", "tree")
MAX_TOKENS = 64


def parse_beam_params(raw: Any, where: str = "task.params") -> dict:
    """Validate the task's params (the book's example when empty); bad fields are named.

    Raises
    ------
    ValidationError
        E.g. ``task.params.tree["y1 y2"]: the probabilities sum to 0.9, not 1``.
    """
    raw = BOOK_EXAMPLE if raw is None or raw == {} else raw
    raw = known_keys(raw, _KEYS, where, "task parameters")
    tokens = _tokens(raw.get("tokens", BOOK_EXAMPLE["tokens"]), f"{where}.tokens")
    end = raw.get("end")
    if end is not None and end not in tokens:
        raise ValidationError(f"expected one of the tokens ({', '.join(tokens)}) or null, got "
                              f"{end!r}", f"{where}.end")
    scalars = resolve(_SCALARS, {k: raw[k] for k in raw if k in ("width", "steps",
                                                                 "length_normalised")}, where)
    tree = _tree(raw.get("tree"), tokens, end, f"{where}.tree")
    return {"tokens": tokens, "end": end, **scalars, "tree": tree}


def _tokens(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not 2 <= len(value) <= MAX_TOKENS:
        raise ValidationError(f"expected a list of 2 to {MAX_TOKENS} token names", where)
    for i, name in enumerate(value):
        if not isinstance(name, str) or not name or " " in name:
            raise ValidationError(f"expected a name without spaces, got {name!r}",
                                  f"{where}[{i}]")
    if len(set(value)) != len(value):
        raise ValidationError("the token names must differ", where)
    return list(value)


def _tree(value: Any, tokens: list[str], end: str | None, where: str) -> dict[str, list[float]]:
    if not isinstance(value, Mapping) or "" not in value:
        raise ValidationError('expected an object of prefix -> probabilities with the start '
                              'prefix ""', where)
    tree = {}
    for prefix, probs in value.items():
        here = f"{where}[{prefix!r}]"
        names = prefix.split(" ") if prefix else []
        unknown = [n for n in names if n not in tokens]
        if unknown:
            raise ValidationError(f"unknown token {unknown[0]!r} in the prefix", here)
        if end is not None and end in names:
            raise ValidationError(f"a prefix cannot go on after the end token {end!r}", here)
        if not isinstance(probs, list) or len(probs) != len(tokens) or any(
                isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p <= 1
                for p in probs):
            raise ValidationError(f"expected {len(tokens)} probabilities in [0, 1], one per "
                                  "token", here)
        if not math.isclose(sum(probs), 1.0, abs_tol=1e-6):
            raise ValidationError(f"the probabilities sum to {sum(probs):g}, not 1", here)
        tree[prefix] = [float(p) for p in probs]
    return tree


class BeamTreeTask(StaticTask):
    """Runs the beam search once; every path it ended is a metric."""

    def __init__(self, ctx: TaskContext):
        super().__init__(ctx)
        p = ctx.params
        self.tokens: list[str] = p["tokens"]
        self.end = None if p["end"] is None else self.tokens.index(p["end"])
        with np.errstate(divide="ignore"):  # log 0 = -inf: a token that cannot come
            self.log_tree = {prefix: np.log(np.asarray(probs, np.float64))
                             for prefix, probs in p["tree"].items()}
        self.paths: list[Path] = beam_search(self._next, p["width"], p["steps"], self.end,
                                             p["length_normalised"])
        self.best = best_finished(self.paths)

    def _next(self, prefixes: list[tuple[int, ...]]) -> list[np.ndarray | None]:
        return [self.log_tree.get(self.name(p)) for p in prefixes]

    def name(self, tokens: tuple[int, ...]) -> str:
        """Token names joined by spaces ("y1 y2 EOS")."""
        return " ".join(self.tokens[t] for t in tokens)

    def evaluate(self) -> dict[str, float]:
        metrics = {f"nll[{self.name(p.tokens)}]": p.nll for p in self.paths}
        metrics["paths"] = float(len(self.paths))
        metrics["finished_paths"] = float(sum(p.status == "finished" for p in self.paths))
        if self.best is not None:
            metrics["best_finished_nll"] = self.best.nll
        return metrics

    def loss_value(self) -> float:
        return self.best.nll if self.best is not None else 0.0

    def arrays(self) -> dict[str, np.ndarray]:
        return {"nll": np.asarray([p.nll for p in self.paths])}


register_task(TaskType(
    "beam_search", "Beam search (probability tree)", _SCALARS,
    BeamTreeTask, targets=(), graphs=(), views=("beam_search",),
    doc="Beam search of width k over a written-out tree of next-token probabilities, each "
        "path with its length-normalised NLL (dlpi Table 5.1); nothing is trained.",
    parse=parse_beam_params))
