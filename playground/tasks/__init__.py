"""Tasks. Importing this package registers every built-in task."""

from playground.tasks import (  # noqa: F401
    autoencoder,
    bayes,
    beam_tree,
    classic,
    evaluate,
    gan,
    kernel_regression,
    language,
    learning_curve,
    newton,
    positional,
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
