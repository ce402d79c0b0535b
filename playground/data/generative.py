"""Data for generative models: samples of a known distribution, for GANs to imitate.

``gaussian_samples`` is the "real data" of dlpi Ex 8.3.1 (seeds/000, L7464-L7476):
1000 draws from N(0, 1). Knowing the true mean and standard deviation is what
makes the GAN's result checkable: the generated samples' mean and std are
compared with them.
"""

from __future__ import annotations

import numpy as np

from playground.data.base import Arrays, DatasetInfo, DatasetType, Footprint, register_dataset
from playground.params import float_param, int_param


def gen_gaussian(params: dict, rng: np.random.Generator) -> Arrays:
    """``n_samples`` draws from N(mean, std^2) in ``dims`` independent coordinates.

    Returns x (n_samples, dims) float32 and no targets.
    """
    x = rng.normal(params["mean"], params["std"], size=(params["n_samples"], params["dims"]))
    return Arrays(x.astype(np.float32), None)


def _gaussian_footprint(params: dict) -> list[Footprint]:
    # float64 draws, their float32 copy, and the split's copy: 16 bytes per value
    values = params["n_samples"] * params["dims"]
    return [Footprint(values * 16, f"{params['n_samples']:,} samples of {params['dims']:,} "
                                   "values", "n_samples")]


def _gaussian_info(params: dict) -> DatasetInfo:
    names = tuple(f"x{i + 1}" for i in range(params["dims"]))
    return DatasetInfo("vector", "none", feature_names=names)


register_dataset(DatasetType(
    "gaussian_samples", "Gaussian samples", "Generative",
    (int_param("n_samples", 1000, 2, 1_000_000, label="Samples"),
     float_param("mean", 0.0, -1e6, 1e6),
     float_param("std", 1.0, 1e-6, 1e6, help="Standard deviation of every coordinate."),
     int_param("dims", 1, 1, 2**16,
               help="Independent coordinates per sample (reshape them into an image "
                    "with a Reshape node).")),
    gen_gaussian, _gaussian_info,
    "Draws from a normal distribution with a known mean and spread: the 'real data' a GAN "
    "learns to imitate (dlpi Ex 8.3.1 uses 1000 draws from N(0, 1)).",
    footprint=_gaussian_footprint))
