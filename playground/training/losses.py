"""Loss registry.

Each loss takes the model output and targets already in the form it needs
(the task prepares them: class indices, 0/1, one-hot or -1/+1). Losses that
read probabilities take an ``output_kind`` so one entry works whether the
graph ends in a sigmoid/softmax (Keras style) or emits logits (PyTorch style).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from playground.params import Param, float_param
from playground.registry import Registry

#: Clipping used on probabilities before a log, as Keras does.
PROB_EPS = 1e-7

#: What the last layer emits: "probabilities" (sigmoid/softmax), "tanh" or "linear".
OUTPUT_KINDS = ("probabilities", "tanh", "linear")


@dataclass(frozen=True)
class LossType:
    """A registry entry.

    Attributes
    ----------
    id : str
        Stable id.
    label : str
        Name in the training panel.
    params : tuple of Param
        Loss parameters (Huber's delta).
    target : str
        "index" (class indices), "binary" (0/1 floats, one column per class),
        "signed" (-1/+1) or "value" (regression values, or one-hot for classes).
    make : callable
        ``make(params, output_kind) -> fn(output, target) -> scalar tensor``.
    doc : str
        One sentence.
    """

    id: str
    label: str
    params: tuple[Param, ...]
    target: str
    make: Callable[[dict, str], Callable[[torch.Tensor, torch.Tensor], torch.Tensor]]
    doc: str = ""


LOSSES: Registry[LossType] = Registry("loss")


def _cross_entropy(p: dict, kind: str):
    if kind == "probabilities":
        def on_probs(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            return F.nll_loss(torch.log(out.clamp(PROB_EPS, 1.0 - PROB_EPS)), y)
        return on_probs
    return F.cross_entropy


def _bce(p: dict, kind: str):
    # On probabilities torch already caps log(p) at -100, so no clamp op is needed on the
    # hot path (Keras clips p to [1e-7, 1 - 1e-7]; the two differ only for confident mistakes).
    return bce_on_probabilities if kind == "probabilities" else \
        F.binary_cross_entropy_with_logits


def bce_on_probabilities(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """``F.binary_cross_entropy``; a NaN probability gives a NaN loss (with a graph, so the
    step still runs) where the kernel raises "all elements of input should be between 0
    and 1": the run diverged, and the trainer says so at its step."""
    try:
        return F.binary_cross_entropy(out, y)
    except RuntimeError:
        if not bool(torch.isnan(out).any()):
            raise
        return out.sum() * float("nan")


def _half_mse(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return 0.5 * F.mse_loss(out, y)


def _hinge(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return torch.clamp(1.0 - y * out, min=0.0).mean()


LOSSES.register(LossType("mse", "Mean squared error", (), "value",
                         lambda p, k: F.mse_loss, "Mean of (output - target)^2."))
LOSSES.register(LossType("half_mse", "½ squared error (TF Playground)", (), "value",
                         lambda p, k: _half_mse,
                         "0.5 (output - target)^2 averaged over the batch, as TF Playground."))
LOSSES.register(LossType("mae", "Mean absolute error", (), "value",
                         lambda p, k: F.l1_loss, "Mean of |output - target|."))
LOSSES.register(LossType("huber", "Huber", (float_param("delta", 1.0, 1e-6, 1e6),), "value",
                         lambda p, k: (lambda o, y: F.huber_loss(o, y, delta=p["delta"])),
                         "Squared error near the target, absolute error far from it."))
LOSSES.register(LossType("bce", "Binary cross-entropy", (), "binary", _bce,
                         "Log-loss of 0/1 targets; reads probabilities or logits."))
LOSSES.register(LossType("cross_entropy", "Cross-entropy", (), "index", _cross_entropy,
                         "Log-loss of the true class; reads softmax outputs or logits."))
LOSSES.register(LossType("hinge", "Hinge", (), "signed", lambda p, k: _hinge,
                         "max(0, 1 - y * output) with -1/+1 targets (SVM-style)."))


def make_loss(loss_id: str, params: dict, output_kind: str
              ) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """The loss function for ``loss_id`` with resolved ``params``."""
    return LOSSES.get(loss_id).make(params, output_kind)
