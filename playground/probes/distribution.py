"""Distribution probe: real against generated samples of a GAN on low-dimensional data.

GAN Lab's picture for the books' toy GANs (Ex 8.3.1 learns N(0, 1)): for 1-D
data, the histograms of the real training samples and of the generator's
samples on a fixed noise batch, with the discriminator's probability "real"
D(x) across the same range; for 2-D data, the two point clouds. The moments of
both (mean and standard deviation per dimension) come with it, since the
book's check is "mean near 0 and std near 1".
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from playground.probes.base import ProbeType, register_probe
from playground.probes.common import run_seed
from playground.tasks.abilities import Discriminates, Generates

#: Generated samples drawn per computation (fixed noise) and real samples shown.
COUNT = 2000
#: Histogram bins over the shared range, and points of the D(x) curve.
BINS = 40
CURVE_POINTS = 200


def data_dims(session: Any) -> int | None:
    """Values per sample when the data is one or two numbers per sample, else None."""
    ds = session.dataset
    if ds is None:
        return None
    size = math.prod(ds.input_shape)
    return size if size in (1, 2) else None


def _applies(session: Any) -> bool:
    return isinstance(session.task, Generates) and data_dims(session) is not None


def moments(x: np.ndarray) -> dict[str, list[float]]:
    """Per-dimension mean and standard deviation of (n, d) samples."""
    return {"mean": x.mean(axis=0).tolist(), "std": x.std(axis=0).tolist()}


def _create(session: Any) -> Any:
    task, dims = session.task, data_dims(session)
    assert dims is not None  # _applies checked it
    real = np.asarray(session.dataset.train.x, np.float32).reshape(-1, dims)
    rng = np.random.default_rng(run_seed(session))
    shown = real[rng.permutation(len(real))[:COUNT]]
    noise = np.asarray(task.fixed_noise(COUNT))
    real_moments = moments(real)
    discriminate = task.discriminate if isinstance(task, Discriminates) else None

    def compute(trainer: Any, options: dict) -> dict:
        fake = np.asarray(task.generate(noise), np.float32).reshape(-1, dims)
        payload: dict[str, Any] = {"dims": dims, "real_moments": real_moments,
                                   "fake_moments": moments(fake)}
        if dims == 2:
            payload.update(real=shown, fake=fake)
            return payload
        both = np.concatenate([real[:, 0], fake[:, 0]])
        both = both[np.isfinite(both)]
        lo, hi = (float(np.percentile(both, 0.5)), float(np.percentile(both, 99.5))) \
            if len(both) else (-1.0, 1.0)
        pad = 0.1 * (hi - lo) if hi > lo else 1.0
        edges = np.linspace(lo - pad, hi + pad, BINS + 1)
        payload.update(edges=edges,
                       real_density=np.histogram(real[:, 0], edges, density=True)[0],
                       fake_density=np.histogram(fake[:, 0], edges)[0] / (
                           len(fake) * np.diff(edges)))
        if callable(discriminate):
            grid = np.linspace(edges[0], edges[-1], CURVE_POINTS, dtype=np.float32)
            shape = (CURVE_POINTS, *session.dataset.input_shape)
            payload.update(grid=grid, d_real=discriminate(grid.reshape(shape)))
        return payload
    return compute


register_probe(ProbeType(
    "distribution", "Distribution", _applies, _create, interval=0.25, budget=0.03,
    doc="dims, real_moments and fake_moments {mean, std: per dimension}; 1-D: edges, "
        "real_density, fake_density (histograms as densities), grid and d_real "
        "(D's probability 'real' on the grid); 2-D: real and fake points (n, 2)."))
