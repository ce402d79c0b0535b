"""The ``training`` section of a project: optimizer, batches, epochs, regularisation.

Example::

    {"optimizer": {"type": "adam", "params": {"lr": 0.001, "beta1": 0.9, ...}},
     "batch_size": 32, "epochs": 500, "shuffle": true, "seed": 0, "device": "auto",
     "l1": 0.0, "l2": 0.0, "grad_clip": null, "fast_path": true,
     "early_stopping": {"monitor": "val_loss", "patience": 3, "restore_best": true},
     "schedule": {"type": "step", "params": {"step_size": 100, "gamma": 0.5}}}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from playground.errors import ValidationError
from playground.params import (
    Param,
    bool_param,
    choice_param,
    float_param,
    int_param,
    resolve,
    str_param,
    to_json,
)
from playground.training.optimizers import OPTIMIZERS

DEVICES = ("auto", "cpu", "cuda")

SCHEDULES: dict[str, tuple[Param, ...]] = {
    "none": (),
    "step": (int_param("step_size", 100, 1, 10**7, help="Epochs between decays."),
             float_param("gamma", 0.1, 0.0, 1.0, help="Factor applied at each decay.")),
    "exponential": (float_param("gamma", 0.99, 0.0, 1.0, help="Factor applied every epoch."),),
    "cosine": (int_param("t_max", 100, 1, 10**7, help="Epochs of one cosine half-period."),
               float_param("eta_min", 0.0, 0.0, 100.0, help="Lowest learning rate.")),
    # torch's ReduceLROnPlateau refuses factor 1.0 (it would never reduce): below 1.
    "plateau": (float_param("factor", 0.1, 0.0, 0.999, help="Learning rate multiplier "
                                                           "when the metric stalls (< 1)."),
                int_param("patience", 10, 0, 10**6),
                float_param("min_delta", 1e-4, 0.0, 1e6)),
}

_EARLY_STOPPING = (
    str_param("monitor", "val_loss", help="Metric to watch, e.g. val_loss or val_accuracy."),
    choice_param("mode", "auto", ("auto", "min", "max"),
                 help="auto: max for accuracy-like metrics, min otherwise."),
    int_param("patience", 10, 0, 10**6, help="Epochs without improvement before stopping."),
    float_param("min_delta", 0.0, 0.0, 1e6),
    bool_param("restore_best", True, help="Put back the best weights when stopping."),
)

_SCALARS = (
    int_param("epochs", 100, 1, 10**8),
    bool_param("shuffle", True),
    int_param("seed", 0, 0, 2**31 - 1),
    choice_param("device", "auto", DEVICES),
    float_param("l1", 0.0, 0.0, 100.0, help="L1 penalty on weights (not biases)."),
    float_param("l2", 0.0, 0.0, 100.0,
                help="L2 penalty on weights (not biases): l2 * sum W^2, as Keras."),
    float_param("grad_clip", None, 0.0, 1e9, optional=True,
                help="Clip the gradient's global norm to this value."),
    bool_param("fast_path", True, label="Fast path", advanced=True,
               help="Train dense chains with a fused step without autograd (same numbers, "
                    "several times faster); off: always autograd."),
)

MAX_BATCH = 10**7


@dataclass(frozen=True)
class EarlyStopping:
    """Early-stopping settings (see ``_EARLY_STOPPING`` for meanings)."""

    monitor: str = "val_loss"
    mode: str = "auto"
    patience: int = 10
    min_delta: float = 0.0
    restore_best: bool = True

    @property
    def maximize(self) -> bool:
        """True when larger values of the monitored metric are better."""
        if self.mode != "auto":
            return self.mode == "max"
        return any(k in self.monitor for k in ("accuracy", "precision", "recall", "f1", "r2"))


@dataclass(frozen=True)
class TrainingConfig:
    """Validated training settings.

    Attributes
    ----------
    optimizer : str
        Optimizer id.
    optimizer_params : dict
        Every hyperparameter, resolved.
    batch_size : int or None
        None means full batch.
    epochs : int
        Epochs to run.
    shuffle : bool
        Reshuffle training samples every epoch.
    seed : int
        Seeds weight initialisation, shuffling and dropout.
    device : str
        "auto" (CUDA when present), "cpu" or "cuda".
    l1, l2 : float
        Weight penalties added to the loss.
    grad_clip : float or None
        Max global gradient norm.
    fast_path : bool
        Let dense chains train on the fused fast path (playground/training/fused/).
    early_stopping : EarlyStopping or None
    schedule : str
        Learning-rate schedule id (see :data:`SCHEDULES`).
    schedule_params : dict
    """

    optimizer: str = "sgd"
    optimizer_params: dict = field(default_factory=lambda: {})
    batch_size: int | None = 32
    epochs: int = 100
    shuffle: bool = True
    seed: int = 0
    device: str = "auto"
    l1: float = 0.0
    l2: float = 0.0
    grad_clip: float | None = None
    fast_path: bool = True
    early_stopping: EarlyStopping | None = None
    schedule: str = "none"
    schedule_params: dict = field(default_factory=dict)

    def with_(self, **changes: Any) -> TrainingConfig:
        """A copy with ``changes`` applied."""
        return replace(self, **changes)

    def to_dict(self) -> dict:
        """JSON-ready form (every value explicit)."""
        es = self.early_stopping
        return {
            "optimizer": {"type": self.optimizer, "params": to_json(self.optimizer_params)},
            "batch_size": "full" if self.batch_size is None else self.batch_size,
            "epochs": self.epochs, "shuffle": self.shuffle, "seed": self.seed,
            "device": self.device, "l1": self.l1, "l2": self.l2, "grad_clip": self.grad_clip,
            "fast_path": self.fast_path,
            "early_stopping": None if es is None else {
                "monitor": es.monitor, "mode": es.mode, "patience": es.patience,
                "min_delta": es.min_delta, "restore_best": es.restore_best},
            "schedule": {"type": self.schedule, "params": to_json(self.schedule_params)},
        }


_KEYS = ("optimizer", "batch_size", "epochs", "shuffle", "seed", "device", "l1", "l2",
         "grad_clip", "fast_path", "early_stopping", "schedule")


def parse_training(raw: Any, where: str = "training") -> TrainingConfig:
    """Validate a ``training`` section.

    Raises
    ------
    ValidationError
        Naming the path of the first bad field.
    """
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise ValidationError("expected an object", where)
    for key in raw:
        if key not in _KEYS:
            raise ValidationError(f"unknown field {key!r} (expected {', '.join(_KEYS)})", where)
    scalars = resolve(_SCALARS, {k: raw[k] for k in raw if k in {p.name for p in _SCALARS}},
                      where)
    opt_raw = raw.get("optimizer", {"type": "sgd"})
    opt_type, opt_params = _typed_section(opt_raw, f"{where}.optimizer", OPTIMIZERS.ids(),
                                          lambda t: OPTIMIZERS.get(t).params)
    check = OPTIMIZERS.get(opt_type).check
    if check is not None:
        check(opt_params, f"{where}.optimizer.params")
    sched_type, sched_params = _typed_section(raw.get("schedule") or {"type": "none"},
                                              f"{where}.schedule", list(SCHEDULES),
                                              lambda t: SCHEDULES[t])
    es_raw = raw.get("early_stopping")
    early = None if es_raw is None else EarlyStopping(
        **resolve(_EARLY_STOPPING, es_raw, f"{where}.early_stopping"))
    if early is not None and not early.monitor.strip():
        raise ValidationError("expected the name of a metric, e.g. val_loss or train_loss",
                              f"{where}.early_stopping.monitor")
    return TrainingConfig(optimizer=opt_type, optimizer_params=opt_params,
                          batch_size=_batch_size(raw.get("batch_size", 32), where),
                          early_stopping=early, schedule=sched_type,
                          schedule_params=sched_params, **scalars)


def _batch_size(value: Any, where: str) -> int | None:
    if value == "full":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_BATCH:
        raise ValidationError(f"expected an int >= 1 or \"full\", got {value!r}",
                              f"{where}.batch_size")
    return value


def _typed_section(raw: Any, where: str, known: list[str], params_of) -> tuple[str, dict]:
    if not isinstance(raw, Mapping):
        raise ValidationError("expected an object with 'type' and 'params'", where)
    for key in raw:
        if key not in ("type", "params"):
            raise ValidationError(f"unknown field {key!r} (expected type, params)", where)
    kind = raw.get("type")
    if kind not in known:
        raise ValidationError(f"unknown type {kind!r} (known: {', '.join(known)})",
                              f"{where}.type")
    return kind, resolve(params_of(kind), raw.get("params"), f"{where}.params")
