"""Tasks. Importing this package registers every built-in task."""

from playground.tasks import autoencoder, supervised, surface  # noqa: F401
from playground.tasks.base import TASKS, Task, TaskContext, TaskType, register_task  # noqa: F401
