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

from playground.project.expect import CheckResult, check_statistic
from playground.project.schema import Project
from playground.run.batched import SeedBatch
from playground.run.orchestrator import Orchestrator, PlannedRun, RunRecord, RunResult, drive
from playground.run.session import Session
from playground.training.snapshot import Snapshot
from playground.training.states import RunState

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
    threshold : float or None
        The entry's ``min`` or ``max`` bound, if it has one (views mark it).
    over_seeds : str or None
        For a statement about the distribution, the statistic its rule applies to
        (median, mean, min, max, book_percentile); it then holds once or not at all.
    statistic : float or None
        That statistic's value over the seeds.
    """

    label: str
    rule: str
    book: str
    values: list[float | None]
    passes: list[bool]
    min_pass_rate: float = DEFAULT_MIN_PASS_RATE
    book_value: float | None = None
    threshold: float | None = None
    over_seeds: str | None = None
    statistic: float | None = None

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
        if self.over_seeds is not None:
            shown = "no value" if self.statistic is None else f"{self.statistic:.4g}"
            return (f"{'PASS' if self.passed else 'FAIL'} {self.over_seeds} over "
                    f"{len(self.values)} seeds of {self.label} = {shown} ({self.rule})"
                    + (f" | book: {self.book}" if self.book else ""))
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
                "book_value": self.book_value, "book_percentile": self.book_percentile(),
                "threshold": self.threshold, "over_seeds": self.over_seeds,
                "statistic": self.statistic}


@dataclass
class SeedsResult:
    """All seeds of a project: each seed's result and each check's spread.

    ``histories`` and ``finals`` hold, per seed, its run's curves and the
    payloads of the probes attached to its session at the end (for the app).
    """

    runs: list[SeedRun]
    results: list[RunResult]
    checks: list[CheckSpread] = field(default_factory=list)
    seconds: float = 0.0
    histories: list[dict] = field(default_factory=list)
    finals: list[dict] = field(default_factory=list)
    engine: str = "sequential"  # or "batched": all seeds trained as one computation
    engine_note: str = ""  # why sequential, or which seeds trained on their own

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
                "seconds": round(self.seconds, 3), "engine": self.engine,
                "engine_note": self.engine_note}


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
        over = entry.get("over_seeds")
        book_value = _number(entry.get("book_value",
                                       None if over is not None else entry.get("approx")))
        spread = CheckSpread(
            label=first.label if first else str(entry.get("label") or entry.get("metric")),
            rule=first.rule if first else "",
            book=entry.get("book", ""),
            values=[None if c is None else c.value for c in seen],
            passes=[c is not None and c.passed for c in seen],
            min_pass_rate=float(entry.get("min_pass_rate", DEFAULT_MIN_PASS_RATE)),
            book_value=book_value,
            threshold=_number(entry.get("min", entry.get("max"))),
            over_seeds=over)
        if over is not None:
            spread.statistic = _statistic(spread, over)
            passed, spread.rule = check_statistic(entry, spread.statistic)
            spread.passes, spread.min_pass_rate = [passed], 1.0
        spreads.append(spread)
    return spreads


def _statistic(spread: CheckSpread, over: str) -> float | None:
    """``over`` (median, mean, min, max, book_percentile) of the spread's finite values."""
    if over == "book_percentile":
        return spread.book_percentile()
    values = spread.finite_values()
    if not values.size:
        return None
    return float({"median": np.median, "mean": np.mean, "min": np.min,
                  "max": np.max}[over](values))


def _number(value: Any) -> float | None:
    """``value`` as a float when it is a plain number (not a bool, not a list), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


class SeedsPlan:
    """K seeds of a project's plan, run one after the other (the orchestrator's interface).

    Each seed is one :class:`~playground.run.orchestrator.Orchestrator` (the
    project, or all its variants) with its training seed (and data seed). When a
    seed's run ends, its curves and the final payloads of the probes attached to
    its session (a decision boundary...) are kept for the app's seeds view. Where the
    network allows, every seed trains at the first build as one batched computation and
    each seed's session is handed its trained copy (:mod:`playground.run.batched`).
    """

    def __init__(self, project: Project, count: int, first: int | None = None,
                 vary_data: bool = False, device: str | None = None,
                 epochs: int | None = None):
        self.project = project
        self.runs = seed_runs(project, count, first, vary_data)
        self.device, self.epochs = device, epochs
        self.results: list[RunResult] = []
        self.histories: list[dict] = []  # per seed: its (first) run's curves
        self.finals: list[dict] = []  # per seed: probe payloads at its (first) run's end
        self._orchestrator: Orchestrator | None = None
        self._started = time.perf_counter()
        # All seeds as one batched computation where the network allows (playground/run/batched.py).
        self.batch = SeedBatch(project, [r.seed for r in self.runs], vary_data)

    @property
    def size(self) -> int:
        """How many runs: each seed runs the project's plan (its variants, if any)."""
        return len(self.runs) * Orchestrator(self.project).size

    @property
    def seed(self) -> SeedRun | None:
        """The seed running now (None when all are done)."""
        return self.runs[len(self.results)] if len(self.results) < len(self.runs) else None

    def _current(self) -> Orchestrator | None:
        while (seed := self.seed) is not None:
            if self._orchestrator is None:
                self._orchestrator = Orchestrator(with_seed(self.project, seed), seed=seed.seed,
                                                  device=self.device, epochs=self.epochs)
            if not self._orchestrator.done:
                return self._orchestrator
            self.results.append(self._orchestrator.result())
            self._orchestrator = None
        return None

    def next_run(self) -> PlannedRun | None:
        """The next run of the current seed, named after it."""
        orchestrator = self._current()
        if orchestrator is None:
            return None
        planned = orchestrator.next_run()
        assert planned is not None and self.seed is not None
        seed = self.seed.seed
        name = f"seed {seed}" + (f" · {planned.name}" if planned.name else "")
        return PlannedRun(name, planned.label, planned.project, seed)

    def _planned(self, run: PlannedRun) -> PlannedRun:
        """The current seed's own planned run behind ``run``."""
        assert self._orchestrator is not None
        planned = self._orchestrator.next_run()
        assert planned is not None
        return planned

    def build(self, run: PlannedRun) -> Session:
        """Its session, with the seed's overrides."""
        assert self._orchestrator is not None
        session = self._orchestrator.build(self._planned(run))
        self.batch.restore(session, len(self.results))  # trained already when batched
        return session

    def record(self, run: PlannedRun, session: Session, state: RunState,
               seconds: float = 0.0) -> RunRecord:
        """Record the run in its seed's orchestrator; keep the seed's curves and payloads."""
        assert self._orchestrator is not None
        if not self._orchestrator.records:  # the seed's first run: its curves for the view
            final = session.trainer.make_snapshot()
            self.histories.append(final.history)
            self.finals.append(dict(final.probes))
        return self._orchestrator.record(self._planned(run), session, state, seconds)

    def fail(self, run: PlannedRun, message: str) -> RunRecord:
        """The run could not be built or trained: the seed's plan ends; the others go on."""
        assert self._orchestrator is not None
        if not self._orchestrator.records:
            self.histories.append({})
            self.finals.append({})
        return self._orchestrator.fail(self._planned(run), message)

    @property
    def done(self) -> bool:
        """True when every seed has run."""
        return self._current() is None

    def result(self) -> SeedsResult:
        """Each check's spread over the seeds run so far."""
        self._current()  # closes a seed whose last run was just recorded
        return SeedsResult(self.runs[:len(self.results)], list(self.results),
                           spread_checks(self.project.expect, self.results),
                           time.perf_counter() - self._started, list(self.histories),
                           list(self.finals), self.batch.engine, self.batch.note)


def run_seeds(project: Project, count: int, first: int | None = None, vary_data: bool = False,
              device: str | None = None, epochs: int | None = None,
              on_start: Callable[[PlannedRun, Session], None] | None = None,
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
        ``on_start(planned_run, session)`` before each run trains; the planned run's
        ``seed`` says which seed.
    on_snapshot : callable, optional
        Connected to every run's snapshots.
    """
    plan = SeedsPlan(project, count, first, vary_data, device, epochs)
    drive(plan, on_start, on_snapshot)
    return plan.result()
