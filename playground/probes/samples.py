"""Samples probe: inputs next to reconstructions, and generated samples from fixed noise.

Reconstructions come from any network whose output has the input's shape (an
autoencoder); a denoising autoencoder adds the corrupted inputs it was given
(``task.noisy_inputs(split)``). Generative tasks plug in through two small
hooks on the task: ``task.generate(noise) -> samples (n, *shape)`` and either
``task.fixed_noise(n) -> noise`` or ``task.latent_dim`` (then the noise is a
seeded standard normal batch). The noise batch is drawn once, so the pictures
change only because the model does.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from playground.probes.base import ProbeType, register_probe
from playground.probes.common import (
    as_images,
    compiled_model,
    held_out,
    is_supervised,
    to_model,
)
from playground.probes.distribution import data_dims
from playground.tasks.abilities import Denoises, Generates

#: Samples per row.
COUNT = 8


def _reconstructs(session: Any) -> bool:
    model, ds = compiled_model(session), session.dataset
    if model is None or ds is None or len(model.input_nodes) != 1 or \
            is_supervised(session.task):
        return False
    return tuple(model.output_shape()) == tuple(ds.input_shape)


def _applies(session: Any) -> bool:
    # One or two numbers per sample make no picture: the distribution probe shows those.
    return _reconstructs(session) or (isinstance(session.task, Generates)
                                      and data_dims(session) is None)


def _noise(task: Generates, n: int) -> np.ndarray:
    return np.asarray(task.fixed_noise(n))


def _create(session: Any):
    task, ds = session.task, session.dataset
    recon = _reconstructs(session)
    cache: dict = {}
    if recon:
        split, part = held_out(ds)
        idx = np.arange(min(COUNT, len(part)))
        noisy = None
        if isinstance(task, Denoises) and \
                session.task.ctx.params.get("noise", "none") != "none":
            noisy = task.noisy_inputs(split)[idx]
        cache.update(split=split, idx=idx, clean=part.x[idx], noisy=noisy)
    if isinstance(task, Generates):
        cache["noise"] = _noise(task, COUNT * 2)
        if not recon and ds is not None and len(ds.train):
            # The real images' grey levels: a generator's early output near one value
            # (a tanh at 0) shows as flat grey, not as noise stretched to full contrast.
            real = ds.train.x
            cache["levels"] = (float(np.min(real)), float(np.max(real)))

    def compute(trainer: Any, options: dict) -> dict:
        rows: dict[str, np.ndarray] = {}
        payload: dict = {"rows": rows, "kind": "generated"}
        if recon:
            given = cache["clean"] if cache["noisy"] is None else cache["noisy"]
            out = task.model(to_model(given, session)).float().cpu().numpy()
            rows["input"] = as_images(cache["clean"])
            if cache["noisy"] is not None:
                rows["noisy"] = as_images(cache["noisy"])
            rows["output"] = as_images(out)
            payload.update(kind="reconstruction", split=cache["split"], indices=cache["idx"])
        if "noise" in cache:
            rows["generated"] = as_images(np.asarray(task.generate(cache["noise"])))
        first = next(iter(rows.values()))
        lo, hi = float(np.nanmin(first)), float(np.nanmax(first))
        payload["levels"] = cache.get("levels") or \
            ((0.0, 1.0) if lo >= 0.0 and hi <= 1.0 else (lo, hi))
        return payload
    return compute


register_probe(ProbeType(
    "samples", "Samples", _applies, _create, interval=0.25, budget=0.02,
    doc="rows {input, noisy, output, generated: (n, H, W)} (those that apply), kind, "
        "levels (display range)."))
