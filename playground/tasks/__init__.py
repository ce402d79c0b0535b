"""Tasks. Importing this package registers every built-in task."""

from playground.tasks import (  # noqa: F401
    autoencoder,
    bayes,
    classic,
    evaluate,
    gan,
    learning_curve,
    newton,
    rbm,
    search,
    sequence,
    stepthrough,
    supervised,
    surface,
    sweep,
    vae,
)
from playground.tasks.base import TASKS, Task, TaskContext, TaskType, register_task  # noqa: F401
