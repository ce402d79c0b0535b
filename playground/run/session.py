"""Put a project together and run it: dataset + task + trainer.

Used by the CLI (``playground run``), the GUI's worker and the preset tests, so
all three train a project the same way.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from playground.data.base import Dataset, load_dataset
from playground.errors import ValidationError
from playground.project.expect import CheckResult, evaluate_checks
from playground.project.schema import Project
from playground.tasks import TASKS, Task, TaskContext
from playground.training.threads import choose_threads
from playground.training.trainer import Snapshot, Trainer


@dataclass
class Session:
    """A project ready to train.

    Attributes
    ----------
    project : Project
        What it was built from (with overrides applied).
    dataset : Dataset or None
    task : Task
    trainer : Trainer
    device : torch.device
    """

    project: Project
    dataset: Dataset | None
    task: Task
    trainer: Trainer
    device: torch.device


@dataclass
class RunResult:
    """The outcome of :func:`run_session`."""

    state: str
    reason: str
    metrics: dict
    checks: list[CheckResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        """True when the run ended normally and every check holds."""
        return self.state in ("finished", "stopped") and all(c.passed for c in self.checks)

    def to_dict(self) -> dict:
        """JSON-ready form (the CLI's ``--json`` line)."""
        return {"state": self.state, "reason": self.reason, "metrics": self.metrics,
                "checks": [c.to_dict() for c in self.checks], "passed": self.passed,
                "seconds": round(self.seconds, 3)}


def resolve_device(name: str) -> torch.device:
    """"auto" -> cuda when available else cpu; "cuda" without a GPU is an error."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValidationError("CUDA was asked for but no GPU is available; use --device cpu",
                              "training.device")
    return torch.device(name)


def build_session(project: Project, seed: int | None = None, device: str | None = None,
                  epochs: int | None = None) -> Session:
    """Load the data, compile the graph(s), make the task and the trainer.

    ``seed``, ``device`` and ``epochs`` override the project's training config.

    Raises
    ------
    PlaygroundError
        (GraphError, DataError, TrainingError...) naming what is wrong.
    """
    changes = {k: v for k, v in (("seed", seed), ("device", device), ("epochs", epochs))
               if v is not None}
    if changes:
        project = project.copy()
        project.training = project.training.with_(**changes)
    dev = resolve_device(project.training.device)
    dataset = load_dataset(project.data) if project.data is not None else None
    ctx = TaskContext(graphs=project.graphs, dataset=dataset, config=project.training,
                      params=project.task_params, device=dev)
    task = TASKS.get(project.task).create(ctx)
    if dev.type == "cpu" and task.compiled:
        batch = project.training.batch_size or (len(dataset.train) if dataset else 1)
        torch.set_num_threads(choose_threads(list(task.compiled.values()), batch))
    trainer = Trainer(task, project.training)
    return Session(project, dataset, task, trainer, dev)


def size_metrics(task: Task) -> dict[str, float]:
    """``params``: the parameters of every compiled graph (PyTorch's count), and
    ``keras_params``: the same with Keras's one bias per recurrent gate, the count the
    books' ``model.summary()`` prints. Empty for tasks without a network."""
    from playground.shapes import keras_param_counts, node_param_counts

    if not task.compiled:
        return {}
    ours = keras = 0
    for name, compiled in task.compiled.items():
        graph = task.ctx.graphs[name]
        ours += sum(node_param_counts(compiled.report, graph).values())
        keras += sum(keras_param_counts(compiled.report, graph).values())
    return {"params": float(ours), "keras_params": float(keras)}


def run_session(session: Session, on_snapshot: Callable[[Snapshot], None] | None = None
                ) -> RunResult:
    """Train to the configured epochs and check the project's expectations."""
    if on_snapshot is not None:
        session.trainer.events.snapshot.connect(on_snapshot)
    started = time.perf_counter()
    state = session.trainer.run()
    seconds = time.perf_counter() - started
    metrics = dict(session.trainer.metrics)
    if state not in ("failed",):
        metrics.update(session.task.final_metrics())
        metrics.update(size_metrics(session.task))
    metrics["epochs"] = float(session.trainer.epoch)
    metrics["steps"] = float(session.trainer.step)
    checks = evaluate_checks(session.project.expect, metrics, session.task) \
        if state != "failed" else []
    return RunResult(state, session.trainer.stop_reason, metrics, checks, seconds)
