"""Put a project together: dataset + task + trainer, ready to train.

:class:`~playground.run.orchestrator.Orchestrator` builds every run through
:func:`build_session`, for the CLI, the app's worker and the preset tests alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from playground.data.base import Dataset
from playground.data.loading import load_dataset
from playground.errors import ValidationError
from playground.project.schema import Project
from playground.tasks import TASKS, Task, TaskContext
from playground.training.threads import choose_threads
from playground.training.trainer import Trainer


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
    from playground.param_counts import keras_param_counts, node_param_counts

    if not task.compiled:
        return {}
    ours = keras = 0
    for name, compiled in task.compiled.items():
        graph = task.ctx.graphs[name]
        ours += sum(node_param_counts(compiled.report, graph).values())
        keras += sum(keras_param_counts(compiled.report, graph).values())
    return {"params": float(ours), "keras_params": float(keras)}

