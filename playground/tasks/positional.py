"""The ``positional_encoding`` task: the sinusoidal table of Vaswani et al., nothing trained.

dlpi Ex 6.2.2 (L6259-6273, Eq. 6.22 at L6252) draws, for a sequence of 100
positions and model width D = 512,

    P[i, 2j] = sin(i / T^(2j/D)),    P[i, 2j+1] = cos(i / T^(2j/D)),    T = 10^4,

as a heatmap (Fig 6.7). The table is the PositionalEncoding layer's own
(:func:`playground.layers.attention.sinusoidal_table`), so what the preset
shows is what a network with that layer adds to its embeddings. Arrays:
``table`` (steps, dim) and ``table.shape``.
"""

from __future__ import annotations

import numpy as np

from playground.layers.attention import sinusoidal_table
from playground.params import float_param, int_param
from playground.tasks.base import TaskContext, TaskType, register_task
from playground.tasks.static import StaticTask


class PositionalEncodingTask(StaticTask):
    """Computes the (steps, dim) table of Eq. 6.22 from the task's params."""

    def __init__(self, ctx: TaskContext):
        super().__init__(ctx)
        p = ctx.params
        self.steps, self.dim, self.base = p["steps"], p["dim"], p["base"]
        self.table = sinusoidal_table(self.steps, self.dim, self.base).numpy()  # (steps, dim)

    def arrays(self) -> dict[str, np.ndarray]:
        return {"table": self.table, "table.shape": np.asarray(self.table.shape, np.int64)}


register_task(TaskType(
    "positional_encoding", "Positional encoding (formula)",
    (int_param("steps", 100, 1, 10_000, help="Positions i: the rows of the table."),
     int_param("dim", 512, 1, 8192, help="Model width D: the columns of the table."),
     float_param("base", 10000.0, 2.0, 1e9, log=True,
                 help="T of Eq. 6.22: wavelengths grow geometrically up to 2 pi T.")),
    PositionalEncodingTask, targets=(), graphs=(), views=("positional_encoding",),
    doc="The sinusoidal positional-encoding table P[i, 2j] = sin(i / T^(2j/D)), "
        "P[i, 2j+1] = cos(i / T^(2j/D)); nothing is trained."))
