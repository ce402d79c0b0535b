"""A GAN task's params: the noise, the steps per iteration, G's loss, and each network's optimizer.

The scalars are ordinary params (as data, shown in the training panel);
``d_optimizer`` / ``g_optimizer`` are optional whole optimizer sections, each
validated against the optimizer registry (null: ``training.optimizer``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from playground.errors import ValidationError
from playground.params import choice_param, floats_param, int_param, resolve
from playground.training.optimizers import parse_optimizer_spec

GAN_SCALARS = (
    choice_param("noise", "normal", ("normal", "uniform"),
                 help="Distribution of the generator's input: N(0, 1) or uniform in noise_range."),
    floats_param("noise_range", (-1.0, 1.0), length=2, min=-1e6, max=1e6,
                 help="Low and high of the uniform noise (dl4b ch14 uses [0, 1])."),
    int_param("d_steps", 1, 1, 100, label="D steps", help="Discriminator updates per iteration."),
    int_param("g_steps", 1, 1, 100, label="G steps", help="Generator updates per iteration."),
    choice_param("g_loss", "non_saturating", ("non_saturating", "minimax"),
                 help="non_saturating: -log D(G(z)) (the books' 'label 1' trick); minimax: "
                      "log(1 - D(G(z))), whose gradient vanishes while D wins."),
    int_param("samples", 64, 1, 4096, help="Size of the fixed noise batch for the samples view."),
)
_OPTIMIZER_KEYS = ("d_optimizer", "g_optimizer")


def parse_gan_params(raw: Any, where: str = "task.params") -> dict:
    """Validate a GAN task's params; bad fields are named from ``where``.

    Returns
    -------
    dict
        The scalars of ``GAN_SCALARS`` resolved, plus ``d_optimizer`` and
        ``g_optimizer`` as ``{"type": id, "params": {every hyperparameter}}`` or None.
    """
    raw = {} if raw is None else raw
    if not isinstance(raw, Mapping):
        raise ValidationError("expected an object of task parameters", where)
    scalars = {k: v for k, v in raw.items() if k not in _OPTIMIZER_KEYS}
    out = resolve(GAN_SCALARS, scalars, where)
    low, high = out["noise_range"]
    if not low < high:
        raise ValidationError(f"expected low < high, got [{low}, {high}]", f"{where}.noise_range")
    for key in _OPTIMIZER_KEYS:
        out[key] = _parse_optimizer(raw.get(key), f"{where}.{key}")
    return out


def _parse_optimizer(raw: Any, where: str) -> dict | None:
    if raw is None:
        return None
    opt_type, hyper = parse_optimizer_spec(raw, where)
    return {"type": opt_type, "params": hyper}
