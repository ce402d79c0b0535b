"""Optimizer registry: every hyperparameter declared and stored explicitly.

Keras and PyTorch defaults differ (Adam's eps, RMSprop's rho and lr,
Adadelta's lr...), so a project file always stores every value; the defaults
here are PyTorch's and are only what a new project starts with.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import torch

from playground.errors import ValidationError
from playground.params import Param, bool_param, float_param, resolve
from playground.registry import Registry


@dataclass(frozen=True)
class OptimizerType:
    """A registry entry.

    Attributes
    ----------
    id : str
        Stable id (``"adam"``).
    label : str
        Name shown in the training panel.
    params : tuple of Param
        Hyperparameters, each stored in files.
    build : callable
        ``build(parameters, hyper) -> torch.optim.Optimizer``.
    doc : str
        One sentence on what it does.
    check : callable, optional
        ``check(hyper, where)`` refuses combinations of values the ranges of
        ``params`` cannot express (raises :class:`ValidationError` naming the
        field under ``where``), so PyTorch never sees a value it rejects.
    """

    id: str
    label: str
    params: tuple[Param, ...]
    build: Callable[[Iterable[torch.nn.Parameter], dict], torch.optim.Optimizer]
    doc: str = ""
    check: Callable[[dict, str], None] | None = None


OPTIMIZERS: Registry[OptimizerType] = Registry("optimizer")


def _lr(default: float) -> Param:
    return float_param("lr", default, 0.0, 100.0, label="Learning rate", log=True)


_WD = float_param("weight_decay", 0.0, 0.0, 10.0, help="L2 penalty applied by the optimizer.")
_EPS = float_param("eps", 1e-8, 0.0, 1.0, help="Added to denominators (Keras uses 1e-7).")
_B1 = float_param("beta1", 0.9, 0.0, 0.99999, help="Decay of the running mean of gradients.")
_B2 = float_param("beta2", 0.999, 0.0, 0.999999,
                  help="Decay of the running mean of squared gradients.")

def _check_sgd(h: dict, where: str) -> None:
    # torch.optim.SGD: "Nesterov momentum requires a momentum and zero dampening"
    if h["nesterov"] and (h["momentum"] <= 0 or h["dampening"] != 0):
        raise ValidationError(f"Nesterov momentum needs momentum > 0 and dampening 0 (got "
                              f"momentum {h['momentum']:g}, dampening {h['dampening']:g}); "
                              "turn nesterov off or set them", f"{where}.nesterov")


OPTIMIZERS.register(OptimizerType(
    "sgd", "SGD",
    (_lr(0.01), float_param("momentum", 0.0, 0.0, 0.9999),
     float_param("dampening", 0.0, 0.0, 1.0, advanced=True),
     bool_param("nesterov", False), _WD),
    lambda ps, h: torch.optim.SGD(ps, lr=h["lr"], momentum=h["momentum"],
                                  dampening=h["dampening"], nesterov=h["nesterov"],
                                  weight_decay=h["weight_decay"]),
    "Gradient descent, optionally with (Nesterov) momentum.", _check_sgd))

OPTIMIZERS.register(OptimizerType(
    "adagrad", "Adagrad",
    (_lr(0.01), float_param("lr_decay", 0.0, 0.0, 1.0, advanced=True),
     float_param("initial_accumulator_value", 0.0, 0.0, 10.0,
                 help="Keras starts the accumulator at 0.1."),
     float_param("eps", 1e-10, 0.0, 1.0), _WD),
    lambda ps, h: torch.optim.Adagrad(ps, lr=h["lr"], lr_decay=h["lr_decay"],
                                      initial_accumulator_value=h["initial_accumulator_value"],
                                      eps=h["eps"], weight_decay=h["weight_decay"]),
    "Per-weight steps shrinking with the sum of past squared gradients."))

OPTIMIZERS.register(OptimizerType(
    "adadelta", "Adadelta",
    (_lr(1.0), float_param("rho", 0.9, 0.0, 0.99999), float_param("eps", 1e-6, 0.0, 1.0), _WD),
    lambda ps, h: torch.optim.Adadelta(ps, lr=h["lr"], rho=h["rho"], eps=h["eps"],
                                       weight_decay=h["weight_decay"]),
    "Adagrad with a running window; Keras's lr default is 0.001, PyTorch's 1.0."))

OPTIMIZERS.register(OptimizerType(
    "rmsprop", "RMSprop",
    (_lr(0.01), float_param("alpha", 0.99, 0.0, 0.99999, label="Rho (alpha)",
                            help="Decay of the squared-gradient average (Keras rho 0.9)."),
     _EPS, float_param("momentum", 0.0, 0.0, 0.9999), bool_param("centered", False), _WD),
    lambda ps, h: torch.optim.RMSprop(ps, lr=h["lr"], alpha=h["alpha"], eps=h["eps"],
                                      momentum=h["momentum"], centered=h["centered"],
                                      weight_decay=h["weight_decay"]),
    "Divides steps by a running root-mean-square of recent gradients."))


def _adam_like(cls: Callable[..., torch.optim.Optimizer], extra: tuple[str, ...] = ()
               ) -> Callable[[Iterable[torch.nn.Parameter], dict], torch.optim.Optimizer]:
    def build(ps: Iterable[torch.nn.Parameter], h: dict) -> torch.optim.Optimizer:
        kwargs = {k: h[k] for k in extra}
        return cls(ps, lr=h["lr"], betas=(h["beta1"], h["beta2"]), eps=h["eps"],
                   weight_decay=h["weight_decay"], **kwargs)
    return build


OPTIMIZERS.register(OptimizerType(
    "adam", "Adam", (_lr(0.001), _B1, _B2, _EPS, _WD, bool_param("amsgrad", False)),
    _adam_like(torch.optim.Adam, ("amsgrad",)),
    "Momentum plus per-weight scaling, with bias correction."))

OPTIMIZERS.register(OptimizerType(
    "adamw", "AdamW",
    (_lr(0.001), _B1, _B2, _EPS,
     float_param("weight_decay", 0.01, 0.0, 10.0, help="Decoupled weight decay."),
     bool_param("amsgrad", False)),
    _adam_like(torch.optim.AdamW, ("amsgrad",)),
    "Adam with weight decay applied directly to the weights."))

OPTIMIZERS.register(OptimizerType(
    "adamax", "Adamax", (_lr(0.002), _B1, _B2, _EPS, _WD),
    _adam_like(torch.optim.Adamax),
    "Adam with an infinity-norm scale."))

OPTIMIZERS.register(OptimizerType(
    "nadam", "NAdam",
    (_lr(0.002), _B1, _B2, _EPS, _WD, float_param("momentum_decay", 0.004, 0.0, 1.0,
                                                   advanced=True)),
    _adam_like(torch.optim.NAdam, ("momentum_decay",)),
    "Adam with Nesterov momentum."))


def parse_optimizer_spec(raw: Any, where: str) -> tuple[str, dict]:
    """An optimizer written as ``{"type": id, "params": {...}}`` in a project file (a GAN's
    per-network optimizer, a surface race's racer): its id and resolved hyperparameters.

    Raises
    ------
    ValidationError
        Naming ``where`` (or its ``.type`` / ``.params``) when the object is malformed.
    """
    if not isinstance(raw, Mapping):
        raise ValidationError("expected an object with 'type' and 'params'", where)
    for key in raw:
        if key not in ("type", "params"):
            raise ValidationError(f"unknown field {key!r} (expected type, params)", where)
    entry = OPTIMIZERS.get(raw.get("type"), f"{where}.type")
    return entry.id, resolve(entry.params, raw.get("params"), f"{where}.params")


def build_optimizer(type_id: str, hyper: dict,
                    parameters: Iterable[torch.nn.Parameter]) -> torch.optim.Optimizer:
    """Build optimizer ``type_id`` with resolved ``hyper`` over ``parameters``."""
    return OPTIMIZERS.get(type_id).build(list(parameters), hyper)


#: Hyperparameters that map onto a param-group key of a different name or shape.
_BETAS = {"beta1": 0, "beta2": 1}


def set_hyper(optimizer: torch.optim.Optimizer, name: str, value: float | bool) -> None:
    """Change one hyperparameter of a live optimizer (takes effect at the next step).

    Raises
    ------
    ValidationError
        If the optimizer has no such hyperparameter.
    """
    for group in optimizer.param_groups:
        if name in _BETAS and "betas" in group:
            betas = list(group["betas"])
            betas[_BETAS[name]] = value
            group["betas"] = tuple(betas)
        elif name in group:
            group[name] = value
            if name == "lr" and "initial_lr" in group:
                group["initial_lr"] = value  # keep schedules relative to the new rate
        else:
            raise ValidationError(f"{type(optimizer).__name__} has no hyperparameter {name!r}")
