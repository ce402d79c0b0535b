"""Remember one number: the long-lag toy behind ldl ch10's constant error carousel.

ldl's Fig 10-3 (seeds/003, L5431-5437) holds the value 0.7, given at t = 0,
for ever in an identity neuron whose recurrent weight is 1, while a plain
recurrent neuron lets it fade. ``remember_first`` turns that into a task a
network can learn: each sequence has ``steps`` time steps, the first holds a
value v drawn uniformly from [-1, 1], every later step holds only noise of
standard deviation ``distractor`` (0: zeros), and the target is v. Nothing
at the end of the sequence says what v was: the network has to carry it
through all the steps. Guessing 0 every time gives an MSE of 1/3.
"""

from __future__ import annotations

import numpy as np

from playground.data.base import Arrays, DatasetInfo, DatasetType, register_dataset
from playground.params import float_param, int_param

#: The MSE of always answering 0 when v ~ U(-1, 1): the variance 1/3.
GUESS_MSE = 1.0 / 3.0


def gen_remember_first(params: dict, rng: np.random.Generator) -> Arrays:
    """x (n, steps, 1) with v at step 0, y (n, 1) = v."""
    n, steps = params["n_sequences"], params["steps"]
    x = rng.normal(0.0, params["distractor"], (n, steps, 1)) if params["distractor"] > 0 \
        else np.zeros((n, steps, 1))
    v = rng.uniform(-1.0, 1.0, n)
    x[:, 0, 0] = v
    return Arrays(x.astype(np.float32), v[:, None].astype(np.float32))


register_dataset(DatasetType(
    "remember_first", "Remember the first value", "Series",
    (int_param("n_sequences", 1000, 2, 1_000_000, help="Number of sequences."),
     int_param("steps", 50, 2, 10_000,
               help="Time steps per sequence: how long the value must be remembered."),
     float_param("distractor", 0.0, 0.0, 10.0,
                 help="Std of the noise in every step after the first (0: zeros).")),
    gen_remember_first,
    DatasetInfo("series", "regression"),
    "The long-lag memory toy: a value in the first step, the target is that value at the "
    "end. A plain RNN forgets it over many steps; an LSTM's cell keeps it."))
