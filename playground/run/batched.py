"""Many seeds as one batched computation, where the network allows it.

``playground run --seeds K`` and the app's Run seeds train K seeds of a
project (:mod:`playground.run.seeds`). When the project is a dense chain the
fast path trains (:func:`~playground.training.fused.plan.plan_for`), the seeds
share their data (no ``--vary-data``) and the project has no variants, all K
copies train in lockstep with batched matmuls
(:func:`~playground.training.fused.copies.train_copies`): one computation
instead of K runs.

The rest of the seeds plan does not change: each seed still gets its own
session, built as the sequential path builds it; :meth:`SeedBatch.restore`
puts that seed's trained copy into it (weights, optimizer state, curves, final
metrics computed by the task itself on those weights, the trainer at the
copy's last epoch), so its trainer's ``run()`` ends at once and the orchestrator
records it, checks it and snapshots its probes (the Seeds view's decision
boundaries) exactly as after a run of its own. A copy that diverged trains
again on its own; a project the batch cannot take trains seed after seed, and
:attr:`SeedBatch.note` says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from playground.errorlog import log_error
from playground.errors import PlaygroundError
from playground.project.schema import Project
from playground.run.session import Session, size_metrics
from playground.training.fused.chain import NotFused
from playground.training.fused.copies import train_copies
from playground.training.fused.copies_result import CopiesResult

#: :attr:`SeedBatch.engine` values (the CLI's JSON ``engine`` field).
BATCHED, SEQUENTIAL = "batched", "sequential"

#: Metrics every trained run reports besides its task's (see orchestrator.final_metrics).
_RUN_METRICS = frozenset({"loss", "epochs", "steps", "best_epoch"})


class SeedBatch:
    """Decides whether a seeds plan trains as one batch, trains it, and hands out the copies.

    Parameters
    ----------
    project : Project
        The project every seed runs.
    seeds : sequence of int
        The training seeds, in the plan's order.
    data_varies : bool
        True when the seeds have data seeds of their own (``--vary-data``).

    Attributes
    ----------
    engine : str
        :data:`BATCHED` or :data:`SEQUENTIAL` (decided when the first seed's session is
        built: until then, BATCHED when nothing rules it out).
    note : str
        Why the seeds train one after the other, or which seeds trained on their own.
    """

    def __init__(self, project: Project, seeds: Sequence[int], data_varies: bool = False):
        self.seeds = [int(s) for s in seeds]
        self.result: CopiesResult | None = None
        self.alone: list[int] = []  # seeds whose copy diverged: trained again on their own
        self.note = _refusal(project, len(self.seeds), data_varies)
        self.engine = SEQUENTIAL if self.note else BATCHED

    def restore(self, session: Session, index: int) -> bool:
        """Put copy ``index``'s trained state into ``session`` (seed ``seeds[index]``'s,
        just built); the first call trains every copy. False when the seed trains on its
        own (sequential plan, or its copy diverged)."""
        if self.engine == SEQUENTIAL:
            return False
        rng = torch.get_rng_state()  # as the session's trainer left it (its seed + 1)
        if self.result is None and not self._train(session):
            return False
        assert self.result is not None
        if self.result.states[index] != "finished":
            self.alone.append(self.seeds[index])
            many = len(self.alone) > 1
            self.note = (f"seed{'s' if many else ''} {', '.join(map(str, self.alone))} "
                         f"diverged in the batch and trained again on "
                         f"{'their' if many else 'its'} own")
            return False
        load_copy(session, self.result, index, rng)
        return True

    def _train(self, session: Session) -> bool:
        """Train every copy on ``session``'s task (its model is left as it is)."""
        refusal = _metrics_refusal(session)
        if not refusal:
            try:
                self.result = train_copies(session.task, self.seeds)
                return True
            except NotFused as exc:
                refusal = str(exc)
            except (PlaygroundError, RuntimeError, ValueError) as exc:  # a bug: sequential
                log_error("while training seeds as one batch", exc)
                refusal = f"the batch failed ({type(exc).__name__}: {exc})".splitlines()[0]
        self.engine, self.note = SEQUENTIAL, refusal
        return False


def _refusal(project: Project, count: int, data_varies: bool) -> str:
    """Why ``count`` seeds of ``project`` cannot train as one batch, before building
    anything ("" when nothing rules it out yet)."""
    if count < 2:
        return "one seed"
    if data_varies and project.data is not None:
        return "each seed has data of its own (--vary-data)"
    if project.variants:
        return "the project has variants: each seed runs them one after the other"
    return ""


def _metrics_refusal(session: Session) -> str:
    """Why a check of the project reads something a batched seed would not report
    ("" when every check reads the task's own metrics, the run's, or the weights)."""
    task = session.task
    known = set(_RUN_METRICS) | set(task.evaluate()) | set(task.final_metrics()) \
        | set(size_metrics(task))
    for entry in session.project.expect:
        if "array" in entry:
            name = str(entry["array"]).removesuffix(".shape")
            if not any(k.startswith(f"{name}[") for k in known):
                return f"the check on {name!r} reads an array only a run of its own reports"
        names = [entry.get("metric"), entry.get("below"), entry.get("above"),
                 *entry.get("mean", [])]
        for name in names:
            if isinstance(name, str) and name not in known:
                return f"the check on {name!r} reads a metric only a run of its own reports"
    return ""


def load_copy(session: Session, result: CopiesResult, index: int,
              torch_rng: torch.Tensor | None = None) -> None:
    """Make ``session`` (built for seed ``result.seeds[index]``) what training that seed
    on its own would have left: the copy's weights and optimizer state, the trainer at
    the copy's last epoch with its curves and final metrics, the shuffling generator
    where that run's would be.

    Parameters
    ----------
    session : Session
        Built, not trained.
    result : CopiesResult
    index : int
        Which copy.
    torch_rng : Tensor, optional
        The global random state to leave (default: the current one).
    """
    task, trainer = session.task, session.trainer
    model = task.models["model"]
    with torch.no_grad():
        model.load_state_dict({**model.state_dict(), **result.weights[index]})
    if result.optimizer_states[index] and len(task.optimizers) == 1:
        task.optimizers[0].load_state_dict(result.optimizer_states[index])
    epochs = int(result.epochs[index])
    final = dict(result.final[index])
    # The task's own evaluation of the copy's weights: the metrics a run of its own ends with.
    metrics = {**final, **task.evaluate()}
    early = "best_epoch" in final and epochs < trainer.target_epochs
    trainer.target_epochs = epochs
    trainer.load_state_dict({
        "step": epochs * task.steps_per_epoch(), "epoch": epochs, "batch": 0,
        "stop_reason": (f"early stopping: no better {trainer.monitor} since epoch "
                        f"{int(final['best_epoch'])}") if early else "",
        "shuffle_rng": result.shuffle_states[index],
        "torch_rng": torch.get_rng_state() if torch_rng is None else torch_rng,
        "epoch_loss_sum": 0.0, "epoch_loss_count": 0,
        "metrics": metrics, "history": _history(result, index, epochs),
        "task_loop": task.loop_state_dict()})


def _history(result: CopiesResult, index: int, epochs: int) -> dict[str, Any]:
    """Copy ``index``'s curves in the trainer's checkpoint form: the epoch loss at every
    epoch, each evaluated metric at the evaluated epochs."""
    def series(x: np.ndarray, y: np.ndarray) -> dict[str, torch.Tensor]:
        keep = np.isfinite(y)
        return {"x": torch.from_numpy(np.asarray(x, np.float64)[keep]),
                "y": torch.from_numpy(np.asarray(y, np.float64)[keep])}

    out = {"loss": series(np.arange(1, epochs + 1), result.loss[index, :epochs])}
    for name, values in result.metrics.items():
        if name != "loss":
            out[name] = series(result.eval_epochs, values[index])
    return out

