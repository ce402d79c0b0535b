"""Many seeds of one project: how often each of the book's checks holds, and the spread.

A book reports one run. :func:`run_seeds` trains the project (every variant, if
it has some) with K training seeds (``s, s+1, ...``; with ``vary_data`` the
data seed moves too) and reports, per check of its ``expect``, the pass rate,
the distribution of the value (min, quartiles, max) and where the book's number
lies in it. A check passes when it holds in at least its ``min_pass_rate`` of
the seeds (default :data:`DEFAULT_MIN_PASS_RATE`).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from playground.project.expect import CheckResult
from playground.project.schema import Project
from playground.run.orchestrator import Orchestrator, PlannedRun, RunResult
from playground.run.session import Session
from playground.training.snapshot import Snapshot

#: Share of the seeds in which a check must hold, unless its entry says otherwise.
DEFAULT_MIN_PASS_RATE = 0.8


@dataclass(frozen=True)
class SeedRun:
    """One seed of the plan: the training seed and, with ``vary_data``, the data seed."""

    seed: int
    data_seed: int | None = None


@dataclass
class CheckSpread:
    """One check of ``expect`` over the seeds.

    Attributes
    ----------
    label, rule, book : str
        As in :class:`~playground.project.expect.CheckResult`.
    values : list of float or None
        The checked value in each seed (None where a run produced none).
    passes : list of bool
        Whether the check held in each seed.
    min_pass_rate : float
        The share of seeds it must hold in.
    book_value : float or None
        The book's number, when the entry gives one (``book_value``, else an ``approx``).
    """

    label: str
    rule: str
    book: str
    values: list[float | None]
    passes: list[bool]
    min_pass_rate: float = DEFAULT_MIN_PASS_RATE
    book_value: float | None = None

    @property
    def pass_rate(self) -> float:
        """Share of the seeds in which the check held."""
        return sum(self.passes) / len(self.passes) if self.passes else 0.0

    @property
    def passed(self) -> bool:
        """True when the pass rate reaches :attr:`min_pass_rate` (with float slack)."""
        return bool(self.passes) and self.pass_rate >= self.min_pass_rate - 1e-12

    def finite_values(self) -> np.ndarray:
        """The values that exist and are finite, as a float64 array."""
        return np.asarray([v for v in self.values if v is not None and np.isfinite(v)],
                          dtype=np.float64)

    def quantiles(self) -> dict[str, float] | None:
        """min, q1, median, q3, max of the finite values (None when there are none)."""
        values = self.finite_values()
        if not values.size:
            return None
        q = np.quantile(values, [0.0, 0.25, 0.5, 0.75, 1.0])
        return dict(zip(("min", "q1", "median", "q3", "max"), (float(v) for v in q)))

    def book_percentile(self) -> float | None:
        """Where the book's number lies among the values, in percent (the share of seeds
        with a smaller value, ties counted half); None without a book number."""
        values = self.finite_values()
        if self.book_value is None or not values.size:
            return None
        below = float(np.sum(values < self.book_value))
        ties = float(np.sum(values == self.book_value))
        return 100.0 * (below + 0.5 * ties) / values.size

    def line(self) -> str:
        """``PASS 9/10 seeds (>= 80%) train_accuracy: min ... max | book ...``"""
        held = sum(self.passes)
        q = self.quantiles()
        spread = "no value" if q is None else (
            f"min {q['min']:.4g} · q1 {q['q1']:.4g} · median {q['median']:.4g} · "
            f"q3 {q['q3']:.4g} · max {q['max']:.4g}")
        where = self.book_percentile()
        book = f" | book: {self.book}" if self.book else ""
        if where is not None:
            book += f" (book's {self.book_value:g} at the {where:.0f}th percentile)"
        return (f"{'PASS' if self.passed else 'FAIL'} {held}/{len(self.passes)} seeds "
                f"(>= {self.min_pass_rate:.0%}) {self.label} ({self.rule}): {spread}{book}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"label": self.label, "rule": self.rule, "book": self.book,
                "pass_rate": self.pass_rate, "min_pass_rate": self.min_pass_rate,
                "passed": self.passed, "values": self.values, "quantiles": self.quantiles(),
                "book_value": self.book_value, "book_percentile": self.book_percentile()}


@dataclass
class SeedsResult:
    """All seeds of a project: each seed's result and each check's spread."""

    runs: list[SeedRun]
    results: list[RunResult]
    checks: list[CheckSpread] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed_runs(self) -> list[tuple[SeedRun, RunResult]]:
        """Seeds whose runs did not end with a trained model (diverged, failed...)."""
        return [(s, r) for s, r in zip(self.runs, self.results) if not r.state.trained]

    @property
    def passed(self) -> bool:
        """True when every check reaches its pass rate."""
        return all(c.passed for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the CLI's ``--json`` line)."""
        return {"seeds": len(self.runs), "training_seeds": [s.seed for s in self.runs],
                "data_seeds": [s.data_seed for s in self.runs],
                "states": [r.state.value for r in self.results],
                "checks": [c.to_dict() for c in self.checks], "passed": self.passed,
                "seconds": round(self.seconds, 3)}


def seed_runs(project: Project, count: int, first: int | None = None,
              vary_data: bool = False) -> list[SeedRun]:
    """The seeds to run: ``first`` (default: the project's seed), ``first + 1``, ...

    With ``vary_data``, the data seed moves with the training seed from the
    project's data seed.
    """
    start = project.training.seed if first is None else first
    data = project.data.seed if vary_data and project.data is not None else None
    return [SeedRun(start + i, None if data is None else data + i) for i in range(count)]


def with_seed(project: Project, run: SeedRun) -> Project:
    """A copy of ``project`` with ``run``'s data seed (the training seed is an override)."""
    if run.data_seed is None or project.data is None:
        return project
    copy = project.copy()
    copy.data = dataclasses.replace(project.data, seed=run.data_seed)
    return copy


def spread_checks(entries: Sequence[dict], results: Sequence[RunResult]) -> list[CheckSpread]:
    """Each ``expect`` entry's values and passes over the seeds' results.

    A seed whose plan ended before its checks (a diverged run) counts as a
    failure of every check, with no value.
    """
    spreads = []
    for i, entry in enumerate(entries):
        seen: list[CheckResult | None] = [r.checks[i] if i < len(r.checks) else None
                                          for r in results]
        first = next((c for c in seen if c is not None), None)
        book_value = entry.get("book_value", entry.get("approx"))
        spreads.append(CheckSpread(
            label=first.label if first else str(entry.get("label") or entry.get("metric")),
            rule=first.rule if first else "",
            book=entry.get("book", ""),
            values=[None if c is None else c.value for c in seen],
            passes=[c is not None and c.passed for c in seen],
            min_pass_rate=float(entry.get("min_pass_rate", DEFAULT_MIN_PASS_RATE)),
            book_value=float(book_value) if isinstance(book_value, (int, float))
            and not isinstance(book_value, bool) else None))
    return spreads


def run_seeds(project: Project, count: int, first: int | None = None, vary_data: bool = False,
              device: str | None = None, epochs: int | None = None,
              on_start: Callable[[SeedRun, PlannedRun, Session], None] | None = None,
              on_snapshot: Callable[[Snapshot], None] | None = None) -> SeedsResult:
    """Train ``count`` seeds of ``project`` one after the other and spread its checks.

    Parameters
    ----------
    project : Project
    count : int
        Number of seeds (>= 1).
    first : int, optional
        The first training seed (default: the project's).
    vary_data : bool
        Move the data seed with the training seed.
    device, epochs : optional
        Overrides for every run.
    on_start : callable, optional
        ``on_start(seed_run, planned_run, session)`` before each run trains.
    on_snapshot : callable, optional
        Connected to every run's snapshots.
    """
    started = time.perf_counter()
    runs = seed_runs(project, count, first, vary_data)
    results = []
    for run in runs:
        orchestrator = Orchestrator(with_seed(project, run), seed=run.seed, device=device,
                                    epochs=epochs)
        hook = None if on_start is None else (
            lambda planned, session, run=run: on_start(run, planned, session))
        results.append(orchestrator.run(on_start=hook, on_snapshot=on_snapshot))
    return SeedsResult(runs, results, spread_checks(project.expect, results),
                       time.perf_counter() - started)

